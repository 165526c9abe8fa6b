/* inkan mutt setup: import the identity if needed and write inkan's lines
 * into the user's muttrc, between two marker lines:
 *
 *   # >>> inkan mutt setup (checksum 0123456789abcdef) ...
 *   source '.../inkan.rc'                       the smime_*_command settings
 *   setenv INKAN_SMIME_DIR '...'                the store the hooks use
 *   set smime_keys=... smime_certificates=... smime_ca_location=...
 *   set smime_default_key='<hash>.<n>'          the identity for $from
 *   send2-hook ~A 'setenv INKAN_FROM ""'        From → $INKAN_FROM, for the
 *   send2-hook '~f "^addr$" ^~f "^addr$"' ...   sign hook's address check
 *   # <<< inkan mutt setup
 *
 * The checksum covers the lines in between: a block that still matches it
 * was written by setup and is replaced without asking; one the user edited
 * is replaced only with --force.  Lines outside the block are never
 * changed; when one of them sets a variable the block sets, setup stops
 * (without --force) and names it.
 */
#include "mutt.h"
#include "config.h"
#include <errno.h>
#include <stdio.h>
#include <unistd.h>
#include <sys/stat.h>
#include <idn2.h>

#define BLOCK_BEGIN "# >>> inkan mutt setup"
#define BLOCK_END "# <<< inkan mutt setup"

/* The variables inkan.rc and the block set: a user line setting one of
 * them conflicts. */
static const char *const owned_variables[] = {
  "crypt_use_gpgme", "smime_is_default", "smime_sign_digest_alg", "smime_encrypt_with",
  "smime_keys", "smime_certificates", "smime_ca_location", "smime_default_key",
  "smime_sign_command", "smime_sign_opaque_command", "smime_encrypt_command",
  "smime_decrypt_command", "smime_verify_command", "smime_verify_opaque_command",
  "smime_pk7out_command", "smime_get_cert_command", "smime_get_signer_cert_command",
  "smime_get_cert_email_command", "smime_import_cert_command",
};

/* ---------------------------------------------------------------- files */

/* plugins/mutt/NAME next to the build tree's binary, else the installed
 * copy in datadir/inkan/mutt/. */
static char *
find_rc (const char *name)
{
  g_autofree char *exe = g_file_read_link ("/proc/self/exe", NULL);
  g_autofree char *share = g_path_get_dirname (INKAN_EMAIL_ANCHORS);

  if (exe)
    {
      g_autofree char *bindir = g_path_get_dirname (exe);
      g_autofree char *top = g_path_get_dirname (bindir);
      char *built = g_build_filename (top, "plugins", "mutt", name, NULL);
      if (g_file_test (built, G_FILE_TEST_IS_REGULAR))
        return built;
      g_free (built);
    }
  return g_build_filename (share, "mutt", name, NULL);
}

/* mutt reads ~/.muttrc, else ~/.mutt/muttrc, else $XDG_CONFIG_HOME/mutt/muttrc. */
static char *
default_muttrc (void)
{
  const char *home = g_get_home_dir ();
  g_autofree char *xdg = g_build_filename (g_get_user_config_dir (), "mutt", "muttrc", NULL);
  char *first = g_build_filename (home, ".muttrc", NULL);
  g_autofree char *second = g_build_filename (home, ".mutt", "muttrc", NULL);

  if (g_file_test (first, G_FILE_TEST_EXISTS))
    return first;
  if (g_file_test (second, G_FILE_TEST_EXISTS))
    {
      g_free (first);
      return g_steal_pointer (&second);
    }
  if (g_file_test (xdg, G_FILE_TEST_EXISTS))
    {
      g_free (first);
      return g_steal_pointer (&xdg);
    }
  return first;
}

/* A value for a muttrc line: single-quoted, so mutt expands nothing in
 * it; %NULL when it cannot be quoted that way. */
static char *
rc_quote (const char *value)
{
  if (strchr (value, '\'') || strchr (value, '\n'))
    return NULL;
  return g_strdup_printf ("'%s'", value);
}

/* ---------------------------------------------------------------- $from */

static char *
first_mailbox (const char *text)
{
  g_autoptr (InternetAddressList) list = text ? internet_address_list_parse (NULL, text) : NULL;

  for (int i = 0; list && i < internet_address_list_length (list); i++)
    {
      InternetAddress *ia = internet_address_list_get_address (list, i);
      if (INTERNET_ADDRESS_IS_MAILBOX (ia))
        return g_strdup (internet_address_mailbox_get_addr (INTERNET_ADDRESS_MAILBOX (ia)));
    }
  return NULL;
}

/* The value of "from" as mutt sees it with this muttrc (mutt -Q), or as a
 * plain "set from=..." in the file when mutt cannot be asked. */
static char *
muttrc_from (const char *muttrc)
{
  g_autofree char *out = NULL, *text = NULL;
  g_autofree char *mutt = g_find_program_in_path ("mutt");
  int status = 0;

  if (mutt && g_file_test (muttrc, G_FILE_TEST_IS_REGULAR))
    {
      const char *args[] = { mutt, "-n", "-F", muttrc, "-Q", "from", NULL };
      if (g_spawn_sync (NULL, (char **) args, NULL, G_SPAWN_STDERR_TO_DEV_NULL | G_SPAWN_CHILD_INHERITS_STDIN,
                        NULL, NULL, &out, NULL, &status, NULL)
          && g_spawn_check_wait_status (status, NULL) && out)
        {
          /* from="Alice <alice@example.org>" */
          char *q1 = strchr (out, '"'), *q2 = strrchr (out, '"');
          if (q1 && q2 > q1)
            {
              *q2 = '\0';
              return first_mailbox (q1 + 1);
            }
          return NULL;
        }
    }
  if (g_file_get_contents (muttrc, &text, NULL, NULL))
    {
      g_autoptr (GRegex) re = g_regex_new ("^\\s*set\\s+(?:.*\\s)?from\\s*=\\s*(\"[^\"]*\"|'[^']*'|\\S+)",
                                           G_REGEX_MULTILINE, 0, NULL);
      g_autoptr (GMatchInfo) m = NULL;
      char *found = NULL;

      g_regex_match (re, text, 0, &m);
      while (g_match_info_matches (m))
        {
          g_autofree char *v = g_match_info_fetch (m, 1);
          if (*v == '"' || *v == '\'')
            {
              v[strlen (v) - 1] = '\0';
              memmove (v, v + 1, strlen (v));
            }
          g_free (found);
          found = first_mailbox (v);
          g_match_info_next (m, NULL);
        }
      return found;
    }
  return NULL;
}

/* ---------------------------------------------------------------- identity */

static gboolean
entry_has_address (InkanStoreEntry *e, const char *addr)
{
  for (guint i = 0; addr && e->emails && i < e->emails->len; i++)
    if (inkan_address_equal (g_ptr_array_index (e->emails, i), addr))
      return TRUE;
  return FALSE;
}

/* The store entry (with key) that holds @cert. */
static InkanStoreEntry *
entry_for_cert (const char *dir, GPtrArray *entries, X509 *cert)
{
  for (guint i = 0; i < entries->len; i++)
    {
      InkanStoreEntry *e = g_ptr_array_index (entries, i);
      g_autofree char *path = g_build_filename (dir, "certificates", e->id, NULL);
      g_autoptr (GPtrArray) certs = e->has_key ? inkan_certificates_load (path, NULL) : NULL;

      if (certs && X509_cmp (g_ptr_array_index (certs, 0), cert) == 0)
        return e;
    }
  return NULL;
}

/* The newest identity (entry with key) matching @query (id, label or
 * address), or for @from when @query is %NULL. */
static InkanStoreEntry *
find_entry (GPtrArray *entries, const char *query)
{
  InkanStoreEntry *best = NULL;

  for (guint i = 0; i < entries->len; i++)
    {
      InkanStoreEntry *e = g_ptr_array_index (entries, i);
      if (!e->has_key)
        continue;
      if (strcmp (e->id, query) != 0 && g_strcmp0 (e->label, query) != 0 && !entry_has_address (e, query))
        continue;
      if (best == NULL || e->not_after > best->not_after)
        best = e;
    }
  return best;
}

/* Imports @path into the store (or finds it there); returns its entry id. */
static char *
import_identity (const char *dir, const char *path, CliPassphrase *pp, CliPassphrase *npp,
                 GPtrArray *report, GError **error)
{
  const char *paths[2] = { path, NULL };
  g_autoptr (InkanDelivery) delivery = inkan_delivery_load (paths, cli_ask_passphrase, pp, error);
  g_autoptr (GPtrArray) entries = NULL;
  g_autoptr (InkanImportResult) result = NULL;
  InkanIdentity *id;
  InkanStoreEntry *e;

  if (delivery == NULL)
    return NULL;
  if ((id = inkan_delivery_get_identity (delivery)) == NULL)
    {
      g_set_error (error, INKAN_ERROR, INKAN_ERROR_IDENTITY,
                   _("“%s” holds no private key; give your PKCS#12 file, or your key with the CA's certificates."), path);
      return NULL;
    }
  if ((entries = inkan_store_list (dir, error)) == NULL)
    return NULL;
  if ((e = entry_for_cert (dir, entries, inkan_identity_get_certificate (id))) != NULL)
    {
      g_ptr_array_add (report, g_strdup_printf (_("The identity in %s is already in the store %s as %s."), path, dir, e->id));
      return g_strdup (e->id);
    }
  result = inkan_store_import (dir, delivery, NULL, FALSE, cli_ask_new_passphrase, npp, error);
  if (result == NULL)
    return NULL;
  for (guint i = 0; i < result->notes->len; i++)
    g_ptr_array_add (report, g_strdup (g_ptr_array_index (result->notes, i)));
  return g_strdup (result->id);
}

/* ---------------------------------------------------------------- send2-hooks */

/* A POSIX ERE matching exactly @addr (mutt folds case when the pattern has
 * no capital letter), or %NULL when @addr holds a character that cannot be
 * written safely in a mutt pattern. */
static char *
address_regex (const char *addr)
{
  GString *re = g_string_new ("^");

  for (const guchar *p = (const guchar *) addr; *p; p++)
    {
      if (g_ascii_isalnum (*p) || *p >= 0x80 || *p == '@' || *p == '-' || *p == '_' || *p == '=')
        g_string_append_c (re, g_ascii_tolower (*p));
      else if (*p == '.' || *p == '+')
        g_string_append_printf (re, "[%c]", *p);
      else
        {
          g_string_free (re, TRUE);
          return NULL;
        }
    }
  g_string_append_c (re, '$');
  return g_string_free (re, FALSE);
}

/* @addr with its domain in U-labels (RFC 5890), or %NULL. */
static char *
unicode_domain (const char *addr)
{
  const char *at = addr ? strrchr (addr, '@') : NULL;
  char *domain = NULL, *out;

  if (at == NULL || idn2_to_unicode_8z8z (at + 1, &domain, 0) != IDN2_OK)
    return NULL;
  out = g_strdup_printf ("%.*s@%s", (int) (at - addr), addr, domain);
  idn2_free (domain);
  return out;
}

/* The spellings mutt may hold for @addr: as written, with the domain in
 * A-labels (normalised), and in U-labels. */
static void
add_spellings (GPtrArray *out, const char *addr)
{
  g_autofree char *norm = inkan_address_normalize (addr, NULL);
  g_autofree char *uni = unicode_domain (norm ? norm : addr);
  const char *forms[] = { addr, norm, uni };

  for (guint i = 0; i < G_N_ELEMENTS (forms); i++)
    {
      g_autofree char *lower = forms[i] ? g_utf8_strdown (forms[i], -1) : NULL;
      gboolean dup = FALSE;

      for (guint j = 0; lower && j < out->len && !dup; j++)
        dup = !strcmp (g_ptr_array_index (out, j), lower);
      if (lower && !dup)
        g_ptr_array_add (out, g_steal_pointer (&lower));
    }
}

/* One send2-hook per spelling of every address of every identity in the
 * store, after one that clears $INKAN_FROM: the sign hook then knows From
 * whenever it is one of the user's addresses, and refuses otherwise. */
static void
add_from_hooks (GString *block, GPtrArray *entries, GPtrArray *report)
{
  g_autoptr (GPtrArray) done = g_ptr_array_new_with_free_func (g_free);

  g_string_append (block, "send2-hook ~A 'setenv INKAN_FROM \"\"'\n");
  for (guint i = 0; i < entries->len; i++)
    {
      InkanStoreEntry *e = g_ptr_array_index (entries, i);

      for (guint j = 0; e->has_key && j < e->emails->len; j++)
        {
          const char *addr = g_ptr_array_index (e->emails, j);
          g_autoptr (GPtrArray) spellings = g_ptr_array_new_with_free_func (g_free);
          gboolean dup = FALSE;

          for (guint k = 0; k < done->len && !dup; k++)
            dup = inkan_address_equal (g_ptr_array_index (done, k), addr);
          if (dup)
            continue;
          g_ptr_array_add (done, g_strdup (addr));
          add_spellings (spellings, addr);
          for (guint k = 0; k < spellings->len; k++)
            {
              g_autofree char *re = address_regex (g_ptr_array_index (spellings, k));
              g_autofree char *addr_re = address_regex (addr);

              if (re == NULL || addr_re == NULL)
                {
                  g_ptr_array_add (report, g_strdup_printf (_("The address %s cannot be written in a mutt pattern; mail from it will not be signed."),
                                                            (char *) g_ptr_array_index (spellings, k)));
                  continue;
                }
              /* Some From address matches, and every From address does. */
              g_string_append_printf (block, "send2-hook '~f \"%s\" ^~f \"%s\"' 'setenv INKAN_FROM \"%s\"'\n", re, re, addr);
            }
        }
    }
}

/* ---------------------------------------------------------------- muttrc */

static char *
block_checksum (const char *body)
{
  g_autofree char *sum = g_compute_checksum_for_string (G_CHECKSUM_SHA256, body, -1);

  return g_strndup (sum, 16);
}

typedef struct {
  GPtrArray *before;   /* lines (char*) before the block, or all lines when there is none */
  GPtrArray *after;    /* lines after the block */
  char *body;          /* the block's lines between the markers, or NULL */
  char *checksum;      /* the checksum written in the begin marker, or NULL */
} Muttrc;

static void
muttrc_clear (Muttrc *rc)
{
  g_clear_pointer (&rc->before, g_ptr_array_unref);
  g_clear_pointer (&rc->after, g_ptr_array_unref);
  g_clear_pointer (&rc->body, g_free);
  g_clear_pointer (&rc->checksum, g_free);
}

static void
muttrc_split (const char *text, Muttrc *rc)
{
  g_auto (GStrv) lines = g_strsplit (text ? text : "", "\n", -1);
  GString *body = NULL;
  int state = 0; /* 0 before, 1 inside, 2 after */
  guint n = g_strv_length (lines);

  /* A trailing newline gives an empty last element. */
  if (n > 0 && *lines[n - 1] == '\0')
    n--;
  rc->before = g_ptr_array_new_with_free_func (g_free);
  rc->after = g_ptr_array_new_with_free_func (g_free);
  for (guint i = 0; i < n; i++)
    {
      const char *l = lines[i];
      if (state == 0 && g_str_has_prefix (l, BLOCK_BEGIN))
        {
          const char *c = strstr (l, "(checksum ");
          state = 1;
          body = g_string_new (NULL);
          if (c)
            rc->checksum = g_strndup (c + 10, strcspn (c + 10, ")"));
          continue;
        }
      if (state == 1 && g_str_has_prefix (l, BLOCK_END))
        {
          state = 2;
          continue;
        }
      if (state == 1)
        g_string_append_printf (body, "%s\n", l);
      else
        g_ptr_array_add (state == 0 ? rc->before : rc->after, g_strdup (l));
    }
  if (body)
    rc->body = g_string_free (body, FALSE);
}

/* The variable names a "set/unset/reset/toggle" line assigns. */
static gboolean
line_sets_owned (const char *line, char **which)
{
  g_autofree char *copy = g_strstrip (g_strdup (line));
  g_auto (GStrv) words = NULL;

  if (*copy == '#' || !(g_str_has_prefix (copy, "set ") || g_str_has_prefix (copy, "unset ")
                        || g_str_has_prefix (copy, "reset ") || g_str_has_prefix (copy, "toggle ")
                        || g_str_has_prefix (copy, "source ")))
    return FALSE;
  if (g_str_has_prefix (copy, "source "))
    {
      /* Another S/MIME rc (mutt's own smime.rc, say) sets the same commands. */
      if (strstr (copy, "smime") && !strstr (copy, "inkan"))
        {
          *which = g_strdup (copy + 7);
          return TRUE;
        }
      return FALSE;
    }
  words = g_strsplit_set (copy, " \t=", -1);
  for (int i = 1; words[i]; i++)
    {
      const char *w = words[i];
      if (g_str_has_prefix (w, "no") || g_str_has_prefix (w, "inv"))
        w += g_str_has_prefix (w, "no") ? 2 : 3;
      if (*w == '?' || *w == '&')
        w++;
      for (guint j = 0; j < G_N_ELEMENTS (owned_variables); j++)
        if (!strcmp (w, owned_variables[j]))
          {
            *which = g_strdup (owned_variables[j]);
            return TRUE;
          }
    }
  return FALSE;
}

static void
find_conflicts (GPtrArray *lines, guint first_line, GPtrArray *out)
{
  for (guint i = 0; i < lines->len; i++)
    {
      g_autofree char *which = NULL;
      if (line_sets_owned (g_ptr_array_index (lines, i), &which))
        g_ptr_array_add (out, g_strdup_printf (_("line %u (%s)"), first_line + i, which));
    }
}

/* Writes @text to @path through a temporary file and rename(2); a symbolic
 * link (a dotfile manager's) is followed, not replaced. */
static gboolean
write_muttrc (const char *path, const char *text, GError **error)
{
  g_autofree char *real = realpath (path, NULL);
  struct stat st;
  int mode = 0600;

  if (real && stat (real, &st) == 0)
    mode = st.st_mode & 07777;
  return inkan_file_write_atomic (real ? real : path, text, strlen (text), mode, TRUE, error);
}

/* ---------------------------------------------------------------- command */

int
cli_mutt_setup (int argc, char **argv)
{
  g_autofree char *identity = NULL, *muttrc = NULL;
  gboolean force = FALSE, pss = FALSE;
  g_auto (CliPassphrase) pp = { -1, NULL }, npp = { -1, NULL };
  g_autofree GOptionEntry *pass_entries = cli_passphrase_entries (&pp);
  g_autofree GOptionEntry *new_entries = cli_new_passphrase_entries (&npp);
  GOptionEntry entries[] = {
    { "identity", 0, 0, G_OPTION_ARG_FILENAME, &identity, N_("Your identity: a PKCS#12 or PEM file to import, or an address, label or id in the store (default: the one for mutt's $from)"), "ID" },
    { "muttrc", 0, 0, G_OPTION_ARG_FILENAME, &muttrc, N_("The muttrc to write (default: ~/.muttrc, or mutt's other usual places)"), "FILE" },
    { "pss", 0, 0, G_OPTION_ARG_NONE, &pss, N_("Sign with RSASSA-PSS (sources inkan-pss.rc as well)"), NULL },
    { "force", 0, 0, G_OPTION_ARG_NONE, &force, N_("Replace inkan lines you edited, and override your own lines for the same settings"), NULL },
    { NULL, 0, 0, 0, NULL, NULL, NULL }
  };
  g_autoptr (GOptionContext) ctx = g_option_context_new (_("— set mutt up to sign, encrypt, verify and decrypt with inkan"));
  g_autoptr (GPtrArray) report = g_ptr_array_new_with_free_func (g_free);
  g_autoptr (GPtrArray) conflicts = g_ptr_array_new_with_free_func (g_free);
  g_autoptr (GPtrArray) store_entries = NULL;
  g_autoptr (GString) body = g_string_new (NULL);
  g_autoptr (GString) text = g_string_new (NULL);
  g_autofree char *dir = inkan_store_default_dir ();
  g_autofree char *from = NULL, *id = NULL, *old_text = NULL, *sum = NULL;
  g_autofree char *rc = NULL, *pss_rc = NULL;
  Muttrc old = { 0 };
  InkanStoreEntry *chosen;
  GError *error = NULL;

  g_option_context_add_main_entries (ctx, entries, GETTEXT_PACKAGE);
  g_option_context_add_main_entries (ctx, pass_entries, GETTEXT_PACKAGE);
  g_option_context_add_main_entries (ctx, new_entries, GETTEXT_PACKAGE);
  if (!cli_parse_options (ctx, &argc, &argv, "mutt setup"))
    return EXIT_USAGE;
  if (argc != 1)
    return cli_usage ("mutt setup", _("setup takes no FILE; give your identity with --identity"));
  if (muttrc == NULL)
    muttrc = default_muttrc ();
  from = muttrc_from (muttrc);

  /* 1. The identity. */
  if (identity && (g_file_test (identity, G_FILE_TEST_EXISTS) || strchr (identity, '/')))
    {
      id = import_identity (dir, identity, &pp, &npp, report, &error);
      if (id == NULL)
        goto fail;
    }
  if ((store_entries = inkan_store_list (dir, &error)) == NULL)
    goto fail;
  chosen = find_entry (store_entries, id ? id : identity ? identity : from ? from : "");
  if (chosen == NULL && id == NULL && identity == NULL && from == NULL)
    {
      /* No $from to go by: take the only identity there is. */
      for (guint i = 0; i < store_entries->len; i++)
        {
          InkanStoreEntry *e = g_ptr_array_index (store_entries, i);
          if (e->has_key && chosen && !entry_has_address (chosen, g_ptr_array_index (e->emails, 0)))
            {
              g_set_error (&error, INKAN_ERROR, INKAN_ERROR_NOT_FOUND,
                           _("The store %s holds identities for several addresses and mutt's $from is not set; choose one with --identity."), dir);
              goto fail;
            }
          if (e->has_key && (chosen == NULL || e->not_after > chosen->not_after))
            chosen = e;
        }
    }
  if (chosen == NULL)
    {
      if (identity)
        g_set_error (&error, INKAN_ERROR, INKAN_ERROR_NOT_FOUND,
                     _("No identity “%s” in the store %s; give your PKCS#12 file with --identity FILE."), identity, dir);
      else if (from)
        g_set_error (&error, INKAN_ERROR, INKAN_ERROR_NOT_FOUND,
                     _("No identity for %s (mutt's $from) in the store %s; give your PKCS#12 file with --identity FILE."), from, dir);
      else
        g_set_error (&error, INKAN_ERROR, INKAN_ERROR_NOT_FOUND,
                     _("No identity in the store %s; give your PKCS#12 file with --identity FILE."), dir);
      goto fail;
    }
  if (from && !entry_has_address (chosen, from))
    g_ptr_array_add (report, g_strdup_printf (_("Note: mutt's $from is %s, but the identity %s is for %s; mutt will refuse to sign mail from %s."),
                                              from, chosen->id, (char *) g_ptr_array_index (chosen->emails, 0), from));

  /* 2. The block. */
  rc = find_rc ("inkan.rc");
  pss_rc = find_rc ("inkan-pss.rc");
  if (!g_file_test (rc, G_FILE_TEST_IS_REGULAR))
    {
      g_set_error (&error, INKAN_ERROR, INKAN_ERROR_IO,
                   _("inkan's mutt settings are not at %s; install inkan (meson install) first."), rc);
      goto fail;
    }
  {
    g_autofree char *dir_keys = g_build_filename (dir, "keys", NULL);
    g_autofree char *dir_certs = g_build_filename (dir, "certificates", NULL);
    g_autofree char *q_rc = rc_quote (rc), *q_pss = rc_quote (pss_rc), *q_dir = rc_quote (dir);
    g_autofree char *q_keys = rc_quote (dir_keys), *q_certs = rc_quote (dir_certs);
    g_autofree char *q_ca = rc_quote (inkan_trust_system_anchors_path ());

    if (!q_rc || !q_pss || !q_dir || !q_keys || !q_certs || !q_ca)
      {
        g_set_error (&error, INKAN_ERROR, INKAN_ERROR_IO,
                     _("A path contains a quote character and cannot be written into the muttrc: %s, %s or %s."), rc, dir,
                     inkan_trust_system_anchors_path ());
        goto fail;
      }
    g_string_append_printf (body, "source %s\n", q_rc);
    if (pss)
      g_string_append_printf (body, "source %s\n", q_pss);
    g_string_append_printf (body, "setenv INKAN_SMIME_DIR %s\n", q_dir);
    g_string_append_printf (body, "set smime_keys=%s smime_certificates=%s\n", q_keys, q_certs);
    g_string_append_printf (body, "set smime_ca_location=%s\n", q_ca);
    g_string_append_printf (body, "set smime_default_key='%s'\n", chosen->id);
    add_from_hooks (body, store_entries, report);
  }
  sum = block_checksum (body->str);

  /* 3. The muttrc. */
  if (g_file_test (muttrc, G_FILE_TEST_EXISTS) && !g_file_get_contents (muttrc, &old_text, NULL, &error))
    goto fail;
  muttrc_split (old_text, &old);
  {
    guint body_lines = 0;
    for (const char *p = old.body; p && *p; p++)
      body_lines += *p == '\n';
    /* Lines above an existing block are already overridden by it (the user
     * accepted that when it was written); lines below it would override
     * it.  Without a block, the new one goes at the end, over everything. */
    if (old.body == NULL)
      find_conflicts (old.before, 1, conflicts);
    find_conflicts (old.after, old.before->len + (old.body ? body_lines + 2 : 0) + 1, conflicts);
  }
  if (old.body && !strcmp (old.body, body->str) && conflicts->len == 0)
    {
      for (guint i = 0; i < report->len; i++)
        printf ("%s\n", (char *) g_ptr_array_index (report, i));
      printf (_("Nothing to change: %s already has these inkan lines (identity %s).\n"), muttrc, chosen->id);
      muttrc_clear (&old);
      return EXIT_OK;
    }
  if (!force)
    {
      g_autofree char *old_sum = old.body ? block_checksum (old.body) : NULL;

      if (old.body && g_strcmp0 (old.checksum, old_sum) != 0)
        {
          g_set_error (&error, INKAN_ERROR, INKAN_ERROR_EXISTS,
                       _("%s has inkan lines that were edited by hand; nothing was changed (rerun with --force to replace them)."), muttrc);
          goto fail;
        }
      if (conflicts->len)
        {
          g_ptr_array_add (conflicts, NULL);
          {
            g_autofree char *list = g_strjoinv (", ", (char **) conflicts->pdata);
            g_set_error (&error, INKAN_ERROR, INKAN_ERROR_EXISTS,
                         _("%s already sets what inkan would set (%s); nothing was changed (remove those lines, or rerun with --force to override them)."),
                         muttrc, list);
          }
          goto fail;
        }
    }

  /* The block goes where it was, or at the end (always at the end with
   * --force, so that it overrides the user's own lines). */
  for (guint i = 0; i < old.before->len; i++)
    g_string_append_printf (text, "%s\n", (char *) g_ptr_array_index (old.before, i));
  if (force)
    for (guint i = 0; i < old.after->len; i++)
      g_string_append_printf (text, "%s\n", (char *) g_ptr_array_index (old.after, i));
  /* A new block is set off by an empty line. */
  if ((old.body == NULL || force) && text->len > 1 && text->str[text->len - 2] != '\n')
    g_string_append_c (text, '\n');
  g_string_append_printf (text, BLOCK_BEGIN " (checksum %s): lines written by inkan; edit them and setup needs --force\n", sum);
  g_string_append (text, body->str);
  g_string_append (text, BLOCK_END "\n");
  if (!force)
    for (guint i = 0; i < old.after->len; i++)
      g_string_append_printf (text, "%s\n", (char *) g_ptr_array_index (old.after, i));
  if (!write_muttrc (muttrc, text->str, &error))
    goto fail;

  /* 4. What was done. */
  for (guint i = 0; i < report->len; i++)
    printf ("%s\n", (char *) g_ptr_array_index (report, i));
  printf (old.body ? _("Replaced the inkan lines in %s:\n") : _("Added these lines to %s:\n"), muttrc);
  {
    g_auto (GStrv) lines = g_strsplit (body->str, "\n", -1);
    for (int i = 0; lines[i] && *lines[i]; i++)
      printf ("  %s\n", lines[i]);
  }
  if (force && conflicts->len)
    {
      g_ptr_array_add (conflicts, NULL);
      g_autofree char *list = g_strjoinv (", ", (char **) conflicts->pdata);
      printf (_("Your own settings at %s are now overridden by the inkan lines.\n"), list);
    }
  printf (_("mutt signs as %s (%s) and refuses to sign mail whose From is not one of your identities' addresses.\n"),
          (char *) g_ptr_array_index (chosen->emails, 0), chosen->id);
  muttrc_clear (&old);
  return EXIT_OK;

fail:
  muttrc_clear (&old);
  return cli_fail ("mutt setup", error);
}
