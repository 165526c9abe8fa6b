/* Thunderbird profiles: finding the default one (profiles.ini), telling
 * whether Thunderbird runs on it (the profile lock), and the mail identity
 * preferences in prefs.js that name an identity's S/MIME certificate.
 *
 * The NSS certificate and key database of a profile is core/store-nss.c.
 *
 * References (Mozilla source, mozilla-central and comm-central):
 *   - toolkit/profile/nsToolkitProfileService.cpp: profiles.ini, the
 *     [Install<hash>] Default= entry (Firefox/Thunderbird 67 and later) and
 *     the older [Profile<n>] Default=1 entry;
 *   - toolkit/profile/nsProfileLock.cpp (Unix): an fcntl(F_SETLK) write lock
 *     on ".parentlock" and a "lock" symlink whose target is "ADDR:+PID"
 *     ("ADDR:PID" when fcntl locks are not available);
 *   - modules/libpref/parser: the prefs.js syntax
 *     user_pref("name", value); with JavaScript-style string escapes;
 *   - mailnews/extensions/smime (nsMsgComposeSecure.cpp): the identity
 *     attributes signing_cert_name, signing_cert_dbkey, encryption_cert_name,
 *     encryption_cert_dbkey;
 *   - security/manager/ssl/nsNSSCertificate.cpp, GetDbKey(): the dbkey format.
 */
#include "thunderbird-profile.h"
#include <arpa/inet.h>
#include <errno.h>
#include <fcntl.h>
#include <netdb.h>
#include <openssl/err.h>
#include <openssl/x509v3.h>
#include <signal.h>
#include <stdlib.h>
#include <sys/socket.h>
#include <sys/stat.h>
#include <unistd.h>

/* ------------------------------------------------------------ profiles.ini */

/* Where profiles.ini lives: the Debian/Mozilla package, then the snap and
 * the flatpak (org.mozilla.Thunderbird) layouts. */
static const char *const profile_roots[] = {
  ".thunderbird",
  "snap/thunderbird/common/.thunderbird",
  ".var/app/org.mozilla.Thunderbird/.thunderbird",
};

static char *
resolve_profile_path (const char *root, const char *path, gboolean relative)
{
  if (relative || !g_path_is_absolute (path))
    return g_build_filename (root, path, NULL);
  return g_strdup (path);
}

/* The [Profile*] group whose Path= is @path, or NULL. */
static char *
profile_group_for_path (GKeyFile *kf, char **groups, const char *path)
{
  for (char **g = groups; *g; g++)
    {
      g_autofree char *p = NULL;

      if (!g_str_has_prefix (*g, "Profile"))
        continue;
      p = g_key_file_get_string (kf, *g, "Path", NULL);
      if (p && strcmp (p, path) == 0)
        return g_strdup (*g);
    }
  return NULL;
}

static gboolean
group_is_relative (GKeyFile *kf, const char *group)
{
  g_autofree char *v = g_key_file_get_value (kf, group, "IsRelative", NULL);

  /* nsToolkitProfileService reads IsRelative as "1" = relative. */
  return v == NULL || strcmp (v, "1") == 0;
}

/**
 * inkan_thunderbird_default_profile:
 * @home: (nullable): the home directory to look in; %NULL for
 *   g_get_home_dir()
 * @error: return location for an error: #INKAN_ERROR_NOT_FOUND when there
 *   is no profiles.ini, it names no default profile, or that profile's
 *   directory is missing; #INKAN_ERROR_IO when profiles.ini cannot be read
 *   or parsed
 *
 * Finds the profile Thunderbird opens by default, as
 * nsToolkitProfileService does: profiles.ini in HOME/.thunderbird (then the
 * snap and flatpak locations, HOME/snap/thunderbird/common/.thunderbird and
 * HOME/.var/app/org.mozilla.Thunderbird/.thunderbird); the profile named by
 * the Default= key of an [Install…] group (Thunderbird 68 and later keep
 * one per installation) when there is one, else the [Profile…] group with
 * Default=1, else the only [Profile…] group.  Path= is resolved against the
 * directory of profiles.ini when IsRelative=1.
 *
 * Nothing is written.
 *
 * Returns: (transfer full): the absolute path of the profile directory, or
 *   %NULL with @error set.
 */
char *
inkan_thunderbird_default_profile (const char *home, GError **error)
{
  g_autoptr (GKeyFile) kf = g_key_file_new ();
  g_autoptr (GError) local = NULL;
  g_auto (GStrv) groups = NULL;
  g_autofree char *root = NULL;
  g_autofree char *ini = NULL;
  g_autofree char *chosen = NULL;
  g_autofree char *result = NULL;
  guint n_profiles = 0;

  if (home == NULL)
    home = g_get_home_dir ();
  for (guint i = 0; i < G_N_ELEMENTS (profile_roots) && ini == NULL; i++)
    {
      g_autofree char *r = g_build_filename (home, profile_roots[i], NULL);
      g_autofree char *f = g_build_filename (r, "profiles.ini", NULL);

      if (g_file_test (f, G_FILE_TEST_IS_REGULAR))
        {
          root = g_steal_pointer (&r);
          ini = g_steal_pointer (&f);
        }
    }
  if (ini == NULL)
    {
      g_autofree char *expected = g_build_filename (home, profile_roots[0], "profiles.ini", NULL);
      _inkan_set_error (error, INKAN_ERROR_NOT_FOUND,
                        _("No Thunderbird profile was found: “%s” does not exist."), expected);
      return NULL;
    }
  if (!g_key_file_load_from_file (kf, ini, G_KEY_FILE_NONE, &local))
    {
      _inkan_set_error (error, INKAN_ERROR_IO, _("Cannot read “%s”: %s."), ini, local->message);
      return NULL;
    }
  groups = g_key_file_get_groups (kf, NULL);

  /* 1. [Install<hash>] Default=<Path of a profile> */
  for (char **g = groups; *g && result == NULL; g++)
    {
      g_autofree char *path = NULL;
      g_autofree char *pgroup = NULL;

      if (!g_str_has_prefix (*g, "Install"))
        continue;
      path = g_key_file_get_string (kf, *g, "Default", NULL);
      if (path == NULL || *path == '\0')
        continue;
      pgroup = profile_group_for_path (kf, groups, path);
      result = resolve_profile_path (root, path, pgroup ? group_is_relative (kf, pgroup)
                                                        : !g_path_is_absolute (path));
    }

  /* 2. [Profile<n>] Default=1, 3. the only profile */
  for (char **g = groups; *g && result == NULL; g++)
    {
      g_autofree char *def = NULL;

      if (!g_str_has_prefix (*g, "Profile") || !g_key_file_has_key (kf, *g, "Path", NULL))
        continue;
      n_profiles++;
      def = g_key_file_get_value (kf, *g, "Default", NULL);
      if (def && strcmp (def, "1") == 0)
        {
          g_free (chosen);
          chosen = g_strdup (*g);
          break;
        }
      if (chosen == NULL)
        chosen = g_strdup (*g);
    }
  if (result == NULL && chosen != NULL)
    {
      gboolean is_default = FALSE;
      g_autofree char *def = g_key_file_get_value (kf, chosen, "Default", NULL);
      g_autofree char *path = g_key_file_get_string (kf, chosen, "Path", NULL);

      is_default = def && strcmp (def, "1") == 0;
      if (is_default || n_profiles == 1)
        result = resolve_profile_path (root, path, group_is_relative (kf, chosen));
    }
  if (result == NULL)
    {
      if (n_profiles == 0)
        _inkan_set_error (error, INKAN_ERROR_NOT_FOUND,
                          _("“%s” lists no Thunderbird profile."), ini);
      else
        _inkan_set_error (error, INKAN_ERROR_NOT_FOUND,
                          _("“%s” lists %u Thunderbird profiles and marks none as the default; name the profile directory."),
                          ini, n_profiles);
      return NULL;
    }
  if (!g_file_test (result, G_FILE_TEST_IS_DIR))
    {
      _inkan_set_error (error, INKAN_ERROR_NOT_FOUND,
                        _("The default Thunderbird profile “%s” named in “%s” does not exist."),
                        result, ini);
      return NULL;
    }
  return g_steal_pointer (&result);
}

/* ------------------------------------------------------------ profile lock */

/* The IPv4 address Thunderbird writes into its lock symlink: that of the
 * unqualified host name (NSPR's PR_SI_HOSTNAME), or 127.0.0.1. */
static guint32
this_host_address (void)
{
  char host[256] = "";
  struct addrinfo hints = { 0 }, *res = NULL;
  guint32 addr = htonl (INADDR_LOOPBACK);
  char *dot;

  if (gethostname (host, sizeof host - 1) != 0)
    return addr;
  if ((dot = strchr (host, '.')) != NULL)
    *dot = '\0';
  hints.ai_family = AF_INET;
  if (getaddrinfo (host, NULL, &hints, &res) == 0 && res != NULL)
    {
      addr = ((struct sockaddr_in *) res->ai_addr)->sin_addr.s_addr;
      freeaddrinfo (res);
    }
  return addr;
}

/**
 * _inkan_tb_profile_in_use:
 * @profile: a profile directory
 * @why: (out) (optional): a sentence saying what holds the profile
 *
 * Tells whether a Thunderbird process holds @profile, by the two locks
 * nsProfileLock takes on Linux:
 *   - an fcntl(2) write lock on ".parentlock", held by a process (of any
 *     host or PID namespace that shares the file system lock manager);
 *   - a "lock" symlink whose target is "ADDR:+PID" or "ADDR:PID".  A lock of
 *     another host (ADDR is not this host's address nor a loopback address)
 *     counts as held, as Thunderbird counts it.  A lock of this host counts
 *     as held while PID is alive (kill(PID, 0)).  Thunderbird itself treats
 *     a "+" lock as stale when it gets the fcntl lock; inkan is more
 *     careful and trusts a live PID even then: a stale lock whose PID was
 *     reused is a false alarm the user clears by deleting "lock".
 * A target that is not of that form is stale, as for Thunderbird.
 *
 * Returns: %TRUE when Thunderbird is (or must be taken to be) running.
 */
gboolean
_inkan_tb_profile_in_use (const char *profile, char **why)
{
  g_autofree char *parentlock = g_build_filename (profile, ".parentlock", NULL);
  g_autofree char *lock = g_build_filename (profile, "lock", NULL);
  char target[1024];
  ssize_t len;
  int fd;

  fd = open (parentlock, O_RDONLY | O_CLOEXEC | O_NOFOLLOW);
  if (fd >= 0)
    {
      struct flock fl = { 0 };

      fl.l_type = F_WRLCK;
      fl.l_whence = SEEK_SET;
      if (fcntl (fd, F_GETLK, &fl) == 0 && fl.l_type != F_UNLCK)
        {
          close (fd);
          if (why)
            *why = g_strdup_printf (_("process %ld holds the lock on “%s”"),
                                    (long) fl.l_pid, parentlock);
          return TRUE;
        }
      close (fd);
    }

  len = readlink (lock, target, sizeof target - 1);
  if (len > 0)
    {
      char *colon, *end = NULL;
      struct in_addr addr;
      long pid;

      target[len] = '\0';
      colon = strrchr (target, ':');
      if (colon == NULL)
        return FALSE;
      *colon++ = '\0';
      if (*colon == '+')
        colon++;
      errno = 0;
      pid = strtol (colon, &end, 10);
      if (inet_pton (AF_INET, target, &addr) != 1 || errno != 0 || end == colon
          || *end != '\0' || pid <= 0)
        return FALSE;
      if ((ntohl (addr.s_addr) >> 24) != 127 && addr.s_addr != this_host_address ())
        {
          if (why)
            *why = g_strdup_printf (_("“%s” says that Thunderbird runs on the computer %s"),
                                    lock, target);
          return TRUE;
        }
      if (kill ((pid_t) pid, 0) == 0 || errno != ESRCH)
        {
          if (why)
            *why = g_strdup_printf (_("“%s” says that Thunderbird runs as process %ld"),
                                    lock, pid);
          return TRUE;
        }
    }
  return FALSE;
}

/* ------------------------------------------------------------ prefs.js */

typedef struct {
  char *text;   /* the whole line with its terminator, as read */
  char *name;   /* the pref name of a user_pref(...) line, else NULL */
  char *value;  /* the raw value text (a literal) */
} PrefLine;

struct _InkanTbPrefs {
  char *path;            /* prefs.js */
  GBytes *original;      /* its content when loaded; NULL when it did not exist */
  GPtrArray *lines;      /* PrefLine*, prefs.js */
  GPtrArray *user_lines; /* PrefLine*, user.js */
  const char *eol;       /* the line terminator prefs.js uses */
  gboolean modified;
};

static void
pref_line_free (PrefLine *line)
{
  g_free (line->text);
  g_free (line->name);
  g_free (line->value);
  g_free (line);
}

/* Decodes a prefs.js string literal ("..." or '...'); NULL when @lit is
 * not one.  Escapes: \\ \" \' \n \r \t \xHH \uHHHH (UTF-16, with pairs). */
static char *
unquote (const char *lit)
{
  gsize len = strlen (lit);
  g_autoptr (GString) out = NULL;
  gunichar high = 0;

  if (len < 2 || (lit[0] != '"' && lit[0] != '\'') || lit[len - 1] != lit[0])
    return NULL;
  out = g_string_sized_new (len);
  for (gsize i = 1; i < len - 1; i++)
    {
      char c = lit[i];
      guint digits = 0;

      if (c != '\\')
        {
          g_string_append_c (out, c);
          continue;
        }
      if (++i >= len - 1)
        return NULL;
      switch (lit[i])
        {
        case 'n': g_string_append_c (out, '\n'); continue;
        case 'r': g_string_append_c (out, '\r'); continue;
        case 't': g_string_append_c (out, '\t'); continue;
        case 'x': digits = 2; break;
        case 'u': digits = 4; break;
        default: g_string_append_c (out, lit[i]); continue;
        }
      {
        gunichar u = 0;

        for (guint d = 0; d < digits; d++)
          {
            int v = (i + 1 + d < len - 1) ? g_ascii_xdigit_value (lit[i + 1 + d]) : -1;
            if (v < 0)
              return NULL;
            u = u * 16 + (gunichar) v;
          }
        i += digits;
        if (u >= 0xD800 && u < 0xDC00)
          {
            high = u;
            continue;
          }
        if (u >= 0xDC00 && u < 0xE000)
          {
            if (high == 0)
              return NULL;
            u = 0x10000 + ((high - 0xD800) << 10) + (u - 0xDC00);
          }
        high = 0;
        g_string_append_unichar (out, u);
      }
    }
  return g_string_free (g_steal_pointer (&out), FALSE);
}

/* The string literal Mozilla's preference writer makes (StrEscape). */
static char *
quote (const char *s)
{
  GString *out = g_string_new ("\"");

  for (const char *p = s; *p; p++)
    {
      switch (*p)
        {
        case '"': g_string_append (out, "\\\""); break;
        case '\\': g_string_append (out, "\\\\"); break;
        case '\n': g_string_append (out, "\\n"); break;
        case '\r': g_string_append (out, "\\r"); break;
        default:
          if ((guchar) *p < 0x20)
            g_string_append_printf (out, "\\u%04x", (guint) (guchar) *p);
          else
            g_string_append_c (out, *p);
        }
    }
  g_string_append_c (out, '"');
  return g_string_free (out, FALSE);
}

/* Splits @data into PrefLine*, each keeping its terminator. */
static GPtrArray *
parse_lines (const char *data, gsize len, const char **eol)
{
  static GRegex *re;
  GPtrArray *lines = g_ptr_array_new_with_free_func ((GDestroyNotify) pref_line_free);
  gsize pos = 0;
  guint crlf = 0, lf = 0;

  if (g_once_init_enter (&re))
    g_once_init_leave (&re, g_regex_new ("^\\s*user_pref\\s*\\(\\s*(\"(?:[^\"\\\\]|\\\\.)*\")\\s*,"
                                         "\\s*(.*?)\\s*\\)\\s*;\\s*$",
                                         G_REGEX_RAW | G_REGEX_OPTIMIZE, 0, NULL));
  while (pos < len)
    {
      const char *nl = memchr (data + pos, '\n', len - pos);
      gsize end = nl ? (gsize) (nl - data) + 1 : len;
      gsize body_end = end;
      PrefLine *line = g_new0 (PrefLine, 1);
      g_autofree char *body = NULL;
      g_autoptr (GMatchInfo) m = NULL;

      line->text = g_strndup (data + pos, end - pos);
      if (body_end > pos && data[body_end - 1] == '\n')
        body_end--;
      if (body_end > pos && data[body_end - 1] == '\r' && nl)
        {
          body_end--;
          crlf++;
        }
      else if (nl)
        lf++;
      body = g_strndup (data + pos, body_end - pos);
      if (strlen (body) == body_end - pos && g_regex_match (re, body, 0, &m))
        {
          g_autofree char *qname = g_match_info_fetch (m, 1);
          line->name = unquote (qname);
          line->value = g_match_info_fetch (m, 2);
        }
      g_ptr_array_add (lines, line);
      pos = end;
    }
  if (eol)
    *eol = crlf > lf ? "\r\n" : "\n";  /* what most lines end with */
  return lines;
}

static gboolean
read_optional (const char *path, GBytes **bytes, GError **error)
{
  g_autoptr (GError) local = NULL;
  char *data = NULL;
  gsize len = 0;

  *bytes = NULL;
  if (!g_file_get_contents (path, &data, &len, &local))
    {
      if (g_error_matches (local, G_FILE_ERROR, G_FILE_ERROR_NOENT))
        return TRUE;
      _inkan_set_error (error, INKAN_ERROR_IO, _("Cannot read “%s”: %s."), path, local->message);
      return FALSE;
    }
  *bytes = g_bytes_new_take (data, len);
  return TRUE;
}

/**
 * _inkan_tb_prefs_load:
 * @profile: a profile directory
 * @error: return location for #INKAN_ERROR_IO
 *
 * Reads prefs.js and user.js of @profile; missing files are empty.
 *
 * Returns: (transfer full): the preferences, or %NULL with @error set.
 */
InkanTbPrefs *
_inkan_tb_prefs_load (const char *profile, GError **error)
{
  g_autoptr (InkanTbPrefs) prefs = g_new0 (InkanTbPrefs, 1);
  g_autofree char *user_path = g_build_filename (profile, "user.js", NULL);
  g_autoptr (GBytes) user = NULL;
  gsize len = 0;
  const char *data;

  prefs->path = g_build_filename (profile, "prefs.js", NULL);
  prefs->eol = "\n";
  if (!read_optional (prefs->path, &prefs->original, error)
      || !read_optional (user_path, &user, error))
    return NULL;
  data = prefs->original ? g_bytes_get_data (prefs->original, &len) : "";
  prefs->lines = parse_lines (data, len, &prefs->eol);
  data = user ? g_bytes_get_data (user, &len) : "";
  prefs->user_lines = parse_lines (data, user ? len : 0, NULL);
  return g_steal_pointer (&prefs);
}

void
_inkan_tb_prefs_free (InkanTbPrefs *prefs)
{
  if (prefs == NULL)
    return;
  g_free (prefs->path);
  if (prefs->original)
    g_bytes_unref (prefs->original);
  if (prefs->lines)
    g_ptr_array_unref (prefs->lines);
  if (prefs->user_lines)
    g_ptr_array_unref (prefs->user_lines);
  g_free (prefs);
}

static void
tb_identity_free (InkanTbIdentity *id)
{
  g_free (id->key);
  g_free (id->email);
  g_free (id);
}

static void
collect_identities (GPtrArray *lines, GPtrArray *out)
{
  for (guint i = 0; i < lines->len; i++)
    {
      PrefLine *l = g_ptr_array_index (lines, i);
      g_autofree char *email = NULL;
      const char *key, *dot;
      InkanTbIdentity *id = NULL;

      if (l->name == NULL || !g_str_has_prefix (l->name, "mail.identity.")
          || !g_str_has_suffix (l->name, ".useremail"))
        continue;
      key = l->name + strlen ("mail.identity.");
      dot = strchr (key, '.');
      if (dot == NULL || dot == key || strcmp (dot, ".useremail") != 0
          || (email = unquote (l->value)) == NULL)
        continue;
      for (guint j = 0; j < out->len && id == NULL; j++)
        {
          InkanTbIdentity *o = g_ptr_array_index (out, j);
          if (strncmp (o->key, key, (gsize) (dot - key)) == 0 && o->key[dot - key] == '\0')
            id = o;
        }
      if (id == NULL)
        {
          id = g_new0 (InkanTbIdentity, 1);
          id->key = g_strndup (key, (gsize) (dot - key));
          g_ptr_array_add (out, id);
        }
      g_free (id->email); /* the later line wins, as in Mozilla's parser */
      id->email = g_steal_pointer (&email);
    }
}

GPtrArray *
_inkan_tb_prefs_identities (InkanTbPrefs *prefs)
{
  GPtrArray *ids = g_ptr_array_new_with_free_func ((GDestroyNotify) tb_identity_free);

  collect_identities (prefs->lines, ids);
  collect_identities (prefs->user_lines, ids);
  return ids;
}

gboolean
_inkan_tb_prefs_user_js_sets (InkanTbPrefs *prefs, const char *name)
{
  for (guint i = 0; i < prefs->user_lines->len; i++)
    {
      PrefLine *l = g_ptr_array_index (prefs->user_lines, i);
      if (l->name && strcmp (l->name, name) == 0)
        return TRUE;
    }
  return FALSE;
}

gboolean
_inkan_tb_prefs_set_string (InkanTbPrefs *prefs, const char *name, const char *value)
{
  g_autofree char *qname = quote (name);
  g_autofree char *qvalue = quote (value);
  gboolean found = FALSE, changed = FALSE;
  PrefLine *line;

  for (guint i = 0; i < prefs->lines->len; i++)
    {
      g_autofree char *old = NULL;
      const char *eol;

      line = g_ptr_array_index (prefs->lines, i);
      if (line->name == NULL || strcmp (line->name, name) != 0)
        continue;
      found = TRUE;
      old = unquote (line->value);
      if (old && strcmp (old, value) == 0)
        continue;
      eol = g_str_has_suffix (line->text, "\r\n") ? "\r\n"
            : g_str_has_suffix (line->text, "\n") ? "\n" : "";
      g_free (line->text);
      g_free (line->value);
      line->text = g_strdup_printf ("user_pref(%s, %s);%s", qname, qvalue, eol);
      line->value = g_strdup (qvalue);
      changed = TRUE;
    }
  if (found)
    {
      prefs->modified |= changed;
      return changed;
    }
  /* A new line at the end; Thunderbird sorts prefs.js when it next saves. */
  if (prefs->lines->len > 0)
    {
      line = g_ptr_array_index (prefs->lines, prefs->lines->len - 1);
      if (!g_str_has_suffix (line->text, "\n"))
        {
          char *t = g_strconcat (line->text, prefs->eol, NULL);
          g_free (line->text);
          line->text = t;
        }
    }
  line = g_new0 (PrefLine, 1);
  line->name = g_strdup (name);
  line->value = g_strdup (qvalue);
  line->text = g_strdup_printf ("user_pref(%s, %s);%s", qname, qvalue, prefs->eol);
  g_ptr_array_add (prefs->lines, line);
  prefs->modified = TRUE;
  return TRUE;
}

gboolean
_inkan_tb_prefs_is_modified (InkanTbPrefs *prefs)
{
  return prefs->modified;
}

/**
 * _inkan_tb_prefs_save:
 * @prefs: preferences changed with _inkan_tb_prefs_set_string()
 * @error: return location for #INKAN_ERROR_IO, or #INKAN_ERROR_LOCKED when
 *   prefs.js changed since it was loaded (someone else writes it)
 *
 * Writes prefs.js through a temporary file in the same directory, fsync(2)
 * and rename(2), with the permission bits of the old file (0600 for a new
 * one).  A symlinked prefs.js is written through the link.  Every line not
 * set is written back byte for byte.  On error prefs.js is unchanged.
 *
 * Returns: %TRUE on success (also when nothing had to change).
 */
gboolean
_inkan_tb_prefs_save (InkanTbPrefs *prefs, GError **error)
{
  g_autoptr (GBytes) now = NULL;
  g_autoptr (GString) out = NULL;
  g_autofree char *target = NULL;
  g_autofree char *tmp = NULL;
  struct stat st;
  mode_t mode = 0600;
  gsize done = 0;
  int fd, saved;

  if (!prefs->modified)
    return TRUE;
  if (!read_optional (prefs->path, &now, error))
    return FALSE;
  if ((now == NULL) != (prefs->original == NULL)
      || (now && !g_bytes_equal (now, prefs->original)))
    {
      _inkan_set_error (error, INKAN_ERROR_LOCKED,
                        _("“%s” was changed by another program while inkan worked on it; it was not written."),
                        prefs->path);
      return FALSE;
    }
  target = realpath (prefs->path, NULL);
  if (target == NULL)
    target = g_strdup (prefs->path);
  if (stat (target, &st) == 0)
    mode = st.st_mode & 07777;

  out = g_string_new (NULL);
  if (prefs->original == NULL)
    g_string_append_printf (out, "// Mozilla User Preferences%s%s", prefs->eol, prefs->eol);
  for (guint i = 0; i < prefs->lines->len; i++)
    g_string_append (out, ((PrefLine *) g_ptr_array_index (prefs->lines, i))->text);

  tmp = g_strconcat (target, ".inkan-XXXXXX", NULL);
  fd = g_mkstemp_full (tmp, O_WRONLY | O_CLOEXEC, 0600);
  if (fd < 0)
    {
      saved = errno;
      _inkan_set_error (error, INKAN_ERROR_IO, _("Cannot write “%s”: %s; it was not changed."),
                        prefs->path, g_strerror (saved));
      return FALSE;
    }
  while (done < out->len)
    {
      ssize_t n = write (fd, out->str + done, out->len - done);
      if (n < 0 && errno == EINTR)
        continue;
      if (n <= 0)
        goto fail;
      done += (gsize) n;
    }
  if (fchmod (fd, mode) != 0 || fsync (fd) != 0)
    goto fail;
  if (close (fd) != 0)
    {
      fd = -1;
      goto fail;
    }
  fd = -1;
  if (rename (tmp, target) != 0)
    goto fail;
  if (prefs->original)
    g_bytes_unref (prefs->original);
  prefs->original = g_bytes_new (out->str, out->len);
  prefs->modified = FALSE;
  return TRUE;

fail:
  saved = errno ? errno : EIO;
  if (fd >= 0)
    close (fd);
  unlink (tmp);
  _inkan_set_error (error, INKAN_ERROR_IO, _("Cannot write “%s”: %s; it was not changed."),
                    prefs->path, g_strerror (saved));
  return FALSE;
}

/* ------------------------------------------------------------ dbkey */

char *
_inkan_tb_dbkey (const guint8 *serial, gsize serial_len, const guint8 *issuer, gsize issuer_len)
{
  gsize len = 16 + serial_len + issuer_len;
  g_autofree guint8 *key = g_malloc0 (len);
  guint32 be;

  /* bytes 0..7: module ID and slot ID, never implemented, always 0 */
  be = GUINT32_TO_BE ((guint32) serial_len);
  memcpy (key + 8, &be, 4);
  be = GUINT32_TO_BE ((guint32) issuer_len);
  memcpy (key + 12, &be, 4);
  memcpy (key + 16, serial, serial_len);
  memcpy (key + 16 + serial_len, issuer, issuer_len);
  return g_base64_encode (key, len);
}

/* ------------------------------------------------------------ certificates */

void
_inkan_tb_smime_usage (X509 *cert, gboolean *can_sign, gboolean *can_encrypt)
{
  uint32_t ku = X509_get_key_usage (cert);            /* UINT32_MAX: no extension */
  uint32_t xku = X509_get_extended_key_usage (cert);  /* UINT32_MAX: no extension */
  EVP_PKEY *pk = X509_get0_pubkey (cert);
  gboolean email = (xku & (XKU_SMIME | XKU_ANYEKU)) != 0;
  gboolean ec = pk && EVP_PKEY_get_base_id (pk) == EVP_PKEY_EC;

  *can_sign = email && (ku & (KU_DIGITAL_SIGNATURE | KU_NON_REPUDIATION)) != 0;
  *can_encrypt = email && (ku & (ec ? KU_KEY_AGREEMENT : KU_KEY_ENCIPHERMENT)) != 0;
  ERR_clear_error ();
}

char *
_inkan_tb_chain_missing_issuer (X509 *cert, GPtrArray *known)
{
  g_autoptr (GPtrArray) anchors = NULL;
  X509 *cur = cert;

  for (guint depth = 0; depth < INKAN_MAX_DEPTH; depth++)
    {
      X509 *issuer = NULL;

      if (X509_check_issued (cur, cur) == X509_V_OK)
        break;
      for (guint i = 0; i < known->len && issuer == NULL; i++)
        {
          X509 *k = g_ptr_array_index (known, i);
          if (X509_cmp (k, cur) != 0 && X509_check_issued (k, cur) == X509_V_OK)
            issuer = k;
        }
      if (issuer == NULL)
        {
          const char *path = inkan_trust_system_anchors_path ();

          if (g_file_test (path, G_FILE_TEST_IS_REGULAR))
            anchors = inkan_certificates_load (path, NULL);
          for (guint i = 0; anchors && i < anchors->len; i++)
            if (X509_check_issued (g_ptr_array_index (anchors, i), cur) == X509_V_OK)
              {
                ERR_clear_error ();
                return NULL;
              }
          ERR_clear_error ();
          return _inkan_name_to_string (X509_get_issuer_name (cur));
        }
      cur = issuer;
    }
  ERR_clear_error ();
  return NULL;
}
