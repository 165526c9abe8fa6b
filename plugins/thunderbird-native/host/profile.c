/* The Thunderbird profile the host works on, its mail identities (from
 * prefs.js and user.js, read only) and its certificates (libinkan's
 * inkan_thunderbird_list, cached while cert9.db and key4.db do not change).
 *
 * Which profile: the request's "profile", else $INKAN_TB_PROFILE, else the
 * profile of the Thunderbird that started the host (the parent process
 * holds the profile's ".parentlock" open), else the default profile of
 * profiles.ini.
 */
#include "host.h"
#include <errno.h>
#include <unistd.h>
#include <sys/stat.h>

void
host_identity_free (HostIdentity *id)
{
  if (id == NULL)
    return;
  g_free (id->key);
  g_free (id->email);
  g_free (id->name);
  g_free (id->signing_cert_name);
  g_free (id->signing_cert_dbkey);
  g_free (id->encryption_cert_name);
  g_free (id->encryption_cert_dbkey);
  g_free (id);
}

/* The profile directory of the parent process, when it is Thunderbird. */
static char *
parent_profile (void)
{
  g_autofree char *fddir = g_strdup_printf ("/proc/%d/fd", (int) getppid ());
  g_autoptr (GDir) dir = g_dir_open (fddir, 0, NULL);
  const char *name;

  while (dir && (name = g_dir_read_name (dir)) != NULL)
    {
      g_autofree char *link = g_build_filename (fddir, name, NULL);
      g_autofree char *target = g_file_read_link (link, NULL);

      if (target && g_str_has_suffix (target, "/.parentlock"))
        return g_path_get_dirname (target);
    }
  return NULL;
}

const char *
host_profile (const char *requested, GError **error)
{
  static char *cached_parent;
  static gboolean parent_checked;
  static char *last;
  const char *env = g_getenv ("INKAN_TB_PROFILE");
  g_autofree char *found = NULL;

  if (requested)
    found = g_strdup (requested);
  else if (env && *env)
    found = g_strdup (env);
  else
    {
      if (!parent_checked)
        {
          cached_parent = parent_profile ();
          parent_checked = TRUE;
        }
      found = cached_parent ? g_strdup (cached_parent) : inkan_thunderbird_default_profile (NULL, error);
      if (found == NULL)
        return NULL;
    }
  if (!g_path_is_absolute (found) || !g_file_test (found, G_FILE_TEST_IS_DIR))
    {
      g_set_error (error, INKAN_ERROR, INKAN_ERROR_NOT_FOUND,
                   "The Thunderbird profile “%s” is not an existing directory (an absolute path).", found);
      return NULL;
    }
  g_free (last);
  last = g_steal_pointer (&found);
  return last;
}

/* ------------------------------------------------------------ prefs */

/* Parses a JavaScript string literal at *p; advances *p past it. */
static char *
parse_js_string (const char **p)
{
  char quote = **p;
  GString *s;
  const char *c;

  if (quote != '"' && quote != '\'')
    return NULL;
  s = g_string_new (NULL);
  for (c = *p + 1; *c && *c != quote; c++)
    {
      if (*c != '\\')
        {
          g_string_append_c (s, *c);
          continue;
        }
      c++;
      switch (*c)
        {
        case 'n': g_string_append_c (s, '\n'); break;
        case 'r': g_string_append_c (s, '\r'); break;
        case 't': g_string_append_c (s, '\t'); break;
        case 'x':
          if (g_ascii_isxdigit (c[1]) && g_ascii_isxdigit (c[2]))
            {
              g_string_append_unichar (s, g_ascii_xdigit_value (c[1]) * 16 + g_ascii_xdigit_value (c[2]));
              c += 2;
            }
          break;
        case 'u':
          if (g_ascii_isxdigit (c[1]) && g_ascii_isxdigit (c[2]) && g_ascii_isxdigit (c[3]) && g_ascii_isxdigit (c[4]))
            {
              gunichar u = 0;
              for (int i = 1; i <= 4; i++)
                u = u * 16 + g_ascii_xdigit_value (c[i]);
              g_string_append_unichar (s, u);
              c += 4;
            }
          break;
        case '\0':
          c--;
          break;
        default:
          g_string_append_c (s, *c);
        }
    }
  if (*c != quote)
    {
      g_string_free (s, TRUE);
      return NULL;
    }
  *p = c + 1;
  return g_string_free (s, FALSE);
}

static void
parse_prefs_into (GHashTable *prefs, const char *text)
{
  const char *p = text;

  while ((p = strstr (p, "user_pref(")) != NULL)
    {
      g_autofree char *name = NULL;
      char *value = NULL;

      p += strlen ("user_pref(");
      while (g_ascii_isspace (*p))
        p++;
      if ((name = parse_js_string (&p)) == NULL)
        continue;
      while (g_ascii_isspace (*p))
        p++;
      if (*p != ',')
        continue;
      p++;
      while (g_ascii_isspace (*p))
        p++;
      if (*p == '"' || *p == '\'')
        value = parse_js_string (&p);
      else
        {
          const char *end = p;
          while (*end && *end != ')' && *end != ';' && *end != '\n')
            end++;
          value = g_strstrip (g_strndup (p, end - p));
          p = end;
        }
      if (value)
        g_hash_table_replace (prefs, g_steal_pointer (&name), value);
    }
}

/* prefs.js, then user.js over it (as Thunderbird applies them at start). */
GHashTable *
host_prefs_read (const char *profile)
{
  GHashTable *prefs = g_hash_table_new_full (g_str_hash, g_str_equal, g_free, g_free);
  const char *files[] = { "prefs.js", "user.js" };

  for (guint i = 0; i < G_N_ELEMENTS (files); i++)
    {
      g_autofree char *path = g_build_filename (profile, files[i], NULL);
      g_autofree char *text = NULL;

      if (g_file_get_contents (path, &text, NULL, NULL))
        parse_prefs_into (prefs, text);
    }
  return prefs;
}

static char *
pref_dup (GHashTable *prefs, const char *key, const char *attr)
{
  g_autofree char *name = g_strdup_printf ("mail.identity.%s.%s", key, attr);
  const char *v = g_hash_table_lookup (prefs, name);

  return v && *v ? g_strdup (v) : NULL;
}

static gint
compare_identities (gconstpointer a, gconstpointer b)
{
  const HostIdentity *x = *(HostIdentity **) a, *y = *(HostIdentity **) b;
  size_t lx = strlen (x->key), ly = strlen (y->key);

  return lx != ly ? (lx < ly ? -1 : 1) : strcmp (x->key, y->key);
}

/* (element-type HostIdentity) every mail.identity.KEY with a useremail. */
GPtrArray *
host_profile_identities (const char *profile, GError **error)
{
  g_autoptr (GHashTable) prefs = host_prefs_read (profile);
  GPtrArray *out = g_ptr_array_new_with_free_func ((GDestroyNotify) host_identity_free);
  GHashTableIter it;
  gpointer k, v;

  (void) error;
  g_hash_table_iter_init (&it, prefs);
  while (g_hash_table_iter_next (&it, &k, &v))
    {
      const char *name = k;
      HostIdentity *id;

      if (!g_str_has_prefix (name, "mail.identity.") || !g_str_has_suffix (name, ".useremail")
          || *(const char *) v == '\0')
        continue;
      id = g_new0 (HostIdentity, 1);
      id->key = g_strndup (name + strlen ("mail.identity."),
                           strlen (name) - strlen ("mail.identity.") - strlen (".useremail"));
      id->email = g_strdup (v);
      id->name = pref_dup (prefs, id->key, "fullName");
      id->signing_cert_name = pref_dup (prefs, id->key, "signing_cert_name");
      id->signing_cert_dbkey = pref_dup (prefs, id->key, "signing_cert_dbkey");
      id->encryption_cert_name = pref_dup (prefs, id->key, "encryption_cert_name");
      id->encryption_cert_dbkey = pref_dup (prefs, id->key, "encryption_cert_dbkey");
      g_ptr_array_add (out, id);
    }
  g_ptr_array_sort (out, compare_identities);
  return out;
}

/* ------------------------------------------------------------ certificates */

typedef struct {
  char *profile;
  struct stat cert_st, key_st;
  GPtrArray *entries;
} CertCache;

static gboolean
same_stat (const struct stat *a, const struct stat *b)
{
  return a->st_ino == b->st_ino && a->st_size == b->st_size
         && a->st_mtim.tv_sec == b->st_mtim.tv_sec && a->st_mtim.tv_nsec == b->st_mtim.tv_nsec;
}

static char *
ask_primary (const char *what, gpointer user_data, GError **error)
{
  (void) what;
  if (user_data)
    return g_strdup (user_data);
  g_set_error (error, INKAN_ERROR, INKAN_ERROR_PASSPHRASE_REQUIRED,
               "The Thunderbird profile has a primary password; give it as \"primary_password\".");
  return NULL;
}

/* (element-type InkanStoreEntry) (transfer container) the profile's
 * certificates; the entries are shared with the cache. */
GPtrArray *
host_profile_certificates (const char *profile, const char *primary_password, GError **error)
{
  static CertCache cache;
  g_autofree char *cert_path = g_build_filename (profile, "cert9.db", NULL);
  g_autofree char *key_path = g_build_filename (profile, "key4.db", NULL);
  struct stat cst = { 0 }, kst = { 0 };
  GPtrArray *entries;

  stat (cert_path, &cst);
  stat (key_path, &kst);
  if (cache.entries && !g_strcmp0 (cache.profile, profile) && same_stat (&cst, &cache.cert_st)
      && same_stat (&kst, &cache.key_st))
    return g_ptr_array_ref (cache.entries);

  entries = inkan_thunderbird_list (profile, ask_primary, (gpointer) primary_password, error);
  if (entries == NULL)
    return NULL;
  g_clear_pointer (&cache.entries, g_ptr_array_unref);
  g_free (cache.profile);
  cache.profile = g_strdup (profile);
  cache.cert_st = cst;
  cache.key_st = kst;
  cache.entries = g_ptr_array_ref (entries);
  return entries;
}
