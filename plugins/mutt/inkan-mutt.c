/* inkan-mutt: the commands mutt runs for every message it signs, encrypts,
 * verifies or decrypts ($smime_sign_command and friends in inkan.rc).
 *
 * It is a program of its own, linked with libinkan's objects statically
 * and with nothing but OpenSSL, GLib and libidn2, because mutt starts it
 * once per message: the `inkan` command loads GMime, NSS and libarchive
 * for its other work, which doubles the start-up time (bench/mutt-sign.sh).
 * The certificate commands, which need GMime and the store, are
 * `inkan mutt ...` (cli/mutt.c).
 *
 * mutt's conventions (mutt 2.2 smime.c; docs/mutt.md has the table):
 *  - sign and decrypt read one passphrase line on standard input (mutt
 *    always writes it, empty for a key without a passphrase);
 *  - sign and encrypt write DER on standard output; ANY output on standard
 *    error makes mutt stop with "Press any key to continue", so a command
 *    prints nothing there unless it fails, and then one sentence;
 *  - a detached signature is good only when verify exits 0 and the first
 *    line on standard error is "Verification successful"; for signed-data
 *    mutt looks only at that line, and takes the content from standard
 *    output.
 *
 * mutt gives the sign command no From address: the send2-hook lines that
 * "inkan mutt setup" writes put it in $INKAN_FROM (one hook per address of
 * the user's identities), and sign refuses unless that address is in the
 * signing certificate.
 */
#include "inkan.h"
#include "config.h"
#include <errno.h>
#include <locale.h>
#include <stdio.h>
#include <string.h>
#include <unistd.h>
#include <glib/gi18n.h>
#include <openssl/pem.h>
#include <openssl/provider.h>
#include <openssl/x509v3.h>

G_DEFINE_AUTOPTR_CLEANUP_FUNC (X509, X509_free)
G_DEFINE_AUTOPTR_CLEANUP_FUNC (BIO, BIO_free_all)

/* The exit codes of the inkan command (cli/inkan-cli.h, docs/inkan.md). */
enum {
  EXIT_OK = 0, EXIT_NOT_VALID = 1, EXIT_NOTHING = 2, EXIT_USAGE = 3, EXIT_IO = 4,
  EXIT_PASSPHRASE = 5, EXIT_IDENTITY = 6, EXIT_ADDRESS = 7, EXIT_MALFORMED = 8,
  EXIT_DECRYPT = 9, EXIT_INTERNAL = 10, EXIT_EXISTS = 11, EXIT_NOT_FOUND = 12, EXIT_LOCKED = 13,
};

#define MAX_PASSPHRASE 1024

/* OpenSSL providers, loaded for the command and unloaded after it. */
static OSSL_PROVIDER *default_provider, *legacy_provider;

/* ---------------------------------------------------------------- helpers */

/* inkan_verdict_free() lives with the message code (core/message.c), which
 * would bring GMime into this program; a verdict from inkan_cms_verify()
 * owns exactly these. */
static void
verdict_free (InkanVerdict *v)
{
  if (v == NULL)
    return;
  g_ptr_array_unref (v->signers);
  g_free (v->from);
  g_free (v->sender);
  g_free (v->signed_part);
  g_free (v);
}
typedef InkanVerdict CmsVerdict;
G_DEFINE_AUTOPTR_CLEANUP_FUNC (CmsVerdict, verdict_free)

/* The mapping of cli/common.c, for the errors these commands can meet. */
static int
fail (const char *command, GError *error)
{
  int code = EXIT_INTERNAL;

  if (error->domain == G_OPTION_ERROR)
    code = EXIT_USAGE;
  else if (error->domain != INKAN_ERROR)
    code = EXIT_IO;
  else
    switch ((InkanError) error->code)
      {
      case INKAN_ERROR_IO: code = EXIT_IO; break;
      case INKAN_ERROR_PASSPHRASE_REQUIRED:
      case INKAN_ERROR_BAD_PASSPHRASE: code = EXIT_PASSPHRASE; break;
      case INKAN_ERROR_IDENTITY:
      case INKAN_ERROR_CERTIFICATE: code = EXIT_IDENTITY; break;
      case INKAN_ERROR_NO_FROM:
      case INKAN_ERROR_ADDRESS_MISMATCH: code = EXIT_ADDRESS; break;
      case INKAN_ERROR_MESSAGE:
      case INKAN_ERROR_CMS: code = EXIT_MALFORMED; break;
      case INKAN_ERROR_NOT_SMIME: code = EXIT_NOTHING; break;
      case INKAN_ERROR_NOT_RECIPIENT:
      case INKAN_ERROR_DECRYPT: code = EXIT_DECRYPT; break;
      case INKAN_ERROR_EXISTS: code = EXIT_EXISTS; break;
      case INKAN_ERROR_NOT_FOUND: code = EXIT_NOT_FOUND; break;
      case INKAN_ERROR_LOCKED: code = EXIT_LOCKED; break;
      default: code = EXIT_INTERNAL; break;
      }
  /* One line: it is what mutt shows. */
  g_strdelimit (error->message, "\r\n", ' ');
  g_printerr ("inkan-mutt %s: %s\n", command, error->message);
  g_error_free (error);
  return code;
}

static int
usage (const char *command, const char *message)
{
  g_printerr (_("inkan-mutt %s: %s (see “inkan-mutt %s --help”)\n"), command, message, command);
  return EXIT_USAGE;
}

static gboolean
parse_options (GOptionContext *ctx, GOptionEntry *entries, int *argc, char ***argv, const char *command)
{
  g_autoptr (GError) error = NULL;

  g_option_context_add_main_entries (ctx, entries, GETTEXT_PACKAGE);
  g_option_context_set_translation_domain (ctx, GETTEXT_PACKAGE);
  if (!g_option_context_parse (ctx, argc, argv, &error))
    {
      usage (command, error->message);
      return FALSE;
    }
  return TRUE;
}

static GBytes *
read_file (const char *path, GError **error)
{
  g_autoptr (GError) local = NULL;
  char *data = NULL;
  gsize len = 0;

  if (!g_file_get_contents (path, &data, &len, &local))
    {
      g_set_error (error, INKAN_ERROR, INKAN_ERROR_IO, _("Cannot read “%s”: %s."), path, local->message);
      return NULL;
    }
  return g_bytes_new_take (data, len);
}

static gboolean
write_stdout (GBytes *bytes, GError **error)
{
  gsize len;
  const guint8 *data = g_bytes_get_data (bytes, &len);

  if (fwrite (data, 1, len, stdout) != len || fflush (stdout) != 0)
    {
      g_set_error (error, INKAN_ERROR, INKAN_ERROR_IO, _("Cannot write to standard output: %s."), g_strerror (errno));
      return FALSE;
    }
  return TRUE;
}

/* The line mutt writes on standard input (the passphrase), without its end. */
static char *
read_passphrase (GError **error)
{
  GString *line = g_string_sized_new (64);
  ssize_t n;
  char c;

  while ((n = read (STDIN_FILENO, &c, 1)) == 1 && c != '\n' && line->len < MAX_PASSPHRASE)
    g_string_append_c (line, c);
  if (n < 0 || line->len >= MAX_PASSPHRASE)
    {
      memset (line->str, 0, line->len);
      g_string_free (line, TRUE);
      g_set_error (error, INKAN_ERROR, INKAN_ERROR_IO, _("Cannot read the passphrase line from standard input."));
      return NULL;
    }
  if (line->len && line->str[line->len - 1] == '\r')
    g_string_truncate (line, line->len - 1);
  return g_string_free (line, FALSE);
}

static void
wipe_free (char *secret)
{
  if (secret)
    {
      memset (secret, 0, strlen (secret));
      g_free (secret);
    }
}

/* The key (mutt's %k) with its certificates.  A key encrypted with an old
 * cipher (RC2, DES) needs OpenSSL's legacy provider, which is loaded only
 * then: it costs start-up time on every message otherwise. */
static InkanIdentity *
load_identity (const char *const *paths, const char *passphrase, GError **error)
{
  GError *local = NULL;
  InkanIdentity *id = inkan_identity_load_files (paths, passphrase, &local);

  if (id == NULL && (g_error_matches (local, INKAN_ERROR, INKAN_ERROR_BAD_PASSPHRASE)
                     || g_error_matches (local, INKAN_ERROR, INKAN_ERROR_IDENTITY))
      && legacy_provider == NULL && (legacy_provider = OSSL_PROVIDER_load (NULL, "legacy")) != NULL)
    {
      g_clear_error (&local);
      id = inkan_identity_load_files (paths, passphrase, &local);
    }
  if (local)
    g_propagate_error (error, local);
  return id;
}

static X509 *
first_leaf (GPtrArray *certs)
{
  for (guint i = 0; i < certs->len; i++)
    if (X509_check_ca (g_ptr_array_index (certs, i)) == 0)
      return g_ptr_array_index (certs, i);
  return g_ptr_array_index (certs, 0);
}

static char *
join (GPtrArray *strings, const char *fallback)
{
  GString *s = g_string_new (NULL);

  for (guint i = 0; strings && i < strings->len; i++)
    g_string_append_printf (s, "%s%s", i ? ", " : "", (char *) g_ptr_array_index (strings, i));
  if (s->len == 0)
    g_string_append (s, fallback);
  return g_string_free (s, FALSE);
}

static gboolean
parse_digest (const char *text, InkanDigest *digest)
{
  if (text == NULL || !g_ascii_strcasecmp (text, "sha256") || !g_ascii_strcasecmp (text, "sha-256"))
    *digest = INKAN_DIGEST_SHA256;
  else if (!g_ascii_strcasecmp (text, "sha384") || !g_ascii_strcasecmp (text, "sha-384"))
    *digest = INKAN_DIGEST_SHA384;
  else if (!g_ascii_strcasecmp (text, "sha512") || !g_ascii_strcasecmp (text, "sha-512"))
    *digest = INKAN_DIGEST_SHA512;
  else
    return FALSE;
  return TRUE;
}

/* ---------------------------------------------------------------- sign */

/* The send-time promise without a From header to read: $INKAN_FROM, set by
 * the send2-hooks of "inkan mutt setup", must be an address of @cert.
 * $INKAN_ALLOW_ADDRESS_MISMATCH=yes is the explicit override. */
static gboolean
check_from (X509 *cert, GError **error)
{
  const char *from = g_getenv ("INKAN_FROM");
  const char *allow = g_getenv ("INKAN_ALLOW_ADDRESS_MISMATCH");
  g_autoptr (GPtrArray) addrs = inkan_certificate_get_addresses (cert, NULL);
  g_autofree char *cert_addrs = join (addrs, _("no address"));

  if (allow && (!g_ascii_strcasecmp (allow, "yes") || !strcmp (allow, "1")))
    return TRUE;
  if (from == NULL)
    {
      g_set_error (error, INKAN_ERROR, INKAN_ERROR_NO_FROM,
                   _("Not signed: mutt did not tell inkan the From address; add the lines of “inkan mutt setup” to your muttrc."));
      return FALSE;
    }
  if (*from == '\0')
    {
      g_set_error (error, INKAN_ERROR, INKAN_ERROR_ADDRESS_MISMATCH,
                   _("Not signed: From is not %s, the address of the signing certificate; change From (or, after importing a new identity, run “inkan mutt setup” again)."),
                   cert_addrs);
      return FALSE;
    }
  if (!inkan_certificate_has_address (cert, from))
    {
      g_set_error (error, INKAN_ERROR, INKAN_ERROR_ADDRESS_MISMATCH,
                   _("Not signed: From is %s, but the signing certificate is for %s; change From, or sign as %s (S, then a, in the compose menu)."),
                   from, cert_addrs, from);
      return FALSE;
    }
  return TRUE;
}

static int
run_sign (int argc, char **argv)
{
  g_autofree char *key = NULL, *cert = NULL, *intermediates = NULL, *digest = NULL;
  gboolean pss = FALSE, opaque = FALSE;
  GOptionEntry entries[] = {
    { "key", 'k', 0, G_OPTION_ARG_FILENAME, &key, N_("The private key file (mutt's %k)"), "FILE" },
    { "cert", 'c', 0, G_OPTION_ARG_FILENAME, &cert, N_("The signer's certificate file (mutt's %c)"), "FILE" },
    { "intermediates", 'i', 0, G_OPTION_ARG_FILENAME, &intermediates, N_("The intermediate CA certificates (mutt's %i)"), "FILE" },
    { "digest", 'd', 0, G_OPTION_ARG_STRING, &digest, N_("Digest: sha256 (default), sha384 or sha512 (mutt's %d)"), "D" },
    { "pss", 0, 0, G_OPTION_ARG_NONE, &pss, N_("Use RSASSA-PSS instead of RSASSA-PKCS1-v1_5"), NULL },
    { "opaque", 0, 0, G_OPTION_ARG_NONE, &opaque, N_("Make signed-data (content inside) instead of a detached signature"), NULL },
    { NULL, 0, 0, 0, NULL, NULL, NULL }
  };
  g_autoptr (GOptionContext) ctx = g_option_context_new (_("FILE — sign a MIME entity for mutt: passphrase line on stdin, DER on stdout"));
  g_autoptr (GPtrArray) certs = NULL;
  g_autoptr (InkanIdentity) id = NULL;
  g_autoptr (GBytes) entity = NULL, der = NULL;
  InkanSignOptions opts = { 0 };
  GError *error = NULL;
  char *pass;

  if (!parse_options (ctx, entries, &argc, &argv, "sign"))
    return EXIT_USAGE;
  if (argc != 2 || key == NULL || cert == NULL)
    return usage ("sign", _("give -k KEY -c CERT and one FILE"));
  if (!parse_digest (digest, &opts.digest))
    return usage ("sign", _("--digest takes sha256, sha384 or sha512"));
  opts.pss = pss;
  opts.opaque = opaque;

  /* mutt always writes the passphrase line: take it first. */
  if ((pass = read_passphrase (&error)) == NULL)
    return fail ("sign", error);
  if ((certs = inkan_certificates_load (cert, &error)) == NULL || !check_from (first_leaf (certs), &error))
    {
      wipe_free (pass);
      return fail ("sign", error);
    }
  {
    /* mutt passes the certificate itself as %i when it knows no issuer. */
    const char *paths[4] = { key, cert, NULL, NULL };
    if (intermediates && strcmp (intermediates, cert) != 0 && g_file_test (intermediates, G_FILE_TEST_IS_REGULAR))
      paths[2] = intermediates;
    id = load_identity (paths, pass, &error);
  }
  wipe_free (pass);
  if (id == NULL
      || (entity = read_file (argv[1], &error)) == NULL
      || (der = inkan_cms_sign (id, entity, &opts, &error)) == NULL
      || !write_stdout (der, &error))
    return fail ("sign", error);
  return EXIT_OK;
}

/* ---------------------------------------------------------------- verify */

/* mutt's %C is "-CAfile FILE" or "-CApath DIR"; GOption wants long options. */
static void
rewrite_openssl_options (int argc, char **argv)
{
  for (int i = 1; i < argc; i++)
    {
      if (!strcmp (argv[i], "-CAfile"))
        argv[i] = (char *) "--ca-file";
      else if (!strcmp (argv[i], "-CApath"))
        argv[i] = (char *) "--ca-path";
    }
}

/* The email trust anchors plus mutt's $smime_ca_location (a file, or a
 * folder of PEM files).  An empty or missing location adds nothing. */
static InkanTrust *
build_trust (const char *ca_file, const char *ca_path, GError **error)
{
  g_autoptr (InkanTrust) trust = inkan_trust_new (TRUE, error);

  if (trust == NULL)
    return NULL;
  if (ca_file && *ca_file && g_file_test (ca_file, G_FILE_TEST_IS_REGULAR)
      && !inkan_trust_add_file (trust, ca_file, error))
    return NULL;
  if (ca_path && *ca_path)
    {
      g_autoptr (GDir) dir = g_dir_open (ca_path, 0, NULL);
      const char *name;

      while (dir && (name = g_dir_read_name (dir)) != NULL)
        {
          g_autofree char *path = g_build_filename (ca_path, name, NULL);
          if (g_file_test (path, G_FILE_TEST_IS_REGULAR))
            inkan_trust_add_file (trust, path, NULL);
        }
    }
  return g_steal_pointer (&trust);
}

/* One plain sentence: why a signature is not "valid". */
static char *
verdict_reason (const InkanVerdict *v)
{
  InkanSigner *s = v->signers->len ? g_ptr_array_index (v->signers, 0) : NULL;
  g_autofree char *who = join (s ? s->emails : NULL, s && s->subject ? s->subject : _("unknown"));

  if (v->flags & INKAN_FLAG_NO_SIGNER)
    return g_strdup (_("Not verified: the signature names no signer certificate."));
  if (v->flags & INKAN_FLAG_NOT_DETACHED)
    return g_strdup (_("Not verified: the signature carries its own copy of the content, which may differ from what is shown."));
  if (v->kind == INKAN_VERDICT_INVALID)
    return g_strdup (_("Not verified: the signature does not match the content; the message was changed after it was signed."));
  if (v->flags & INKAN_FLAG_MULTIPLE_SIGNERS)
    return g_strdup (_("Not verified: the message has more than one signer."));
  if (v->flags & INKAN_FLAG_EXPIRED)
    return g_strdup_printf (_("Not verified: the certificate of %s (or of its CA) had expired when the message was signed."), who);
  if (v->flags & INKAN_FLAG_NOT_YET_VALID)
    return g_strdup_printf (_("Not verified: the certificate of %s (or of its CA) was not yet valid when the message was signed."), who);
  if (v->flags & INKAN_FLAG_UNTRUSTED)
    return g_strdup_printf (_("Not verified: the certificate of %s does not lead to a CA trusted for email (%s)."), who,
                            s && s->chain_error ? s->chain_error : _("unknown issuer"));
  if (v->flags & INKAN_FLAG_WEAK_ALGORITHM)
    return g_strdup_printf (_("Not verified: the signature of %s uses a weak algorithm (SHA-1, MD5 or a short RSA key)."), who);
  return g_strdup (_("Not verified."));
}

/* The folder of inkan's store (libinkan's inkan_store_default_dir(), which
 * this program does not link: it would bring libarchive along). */
static char *
store_dir (void)
{
  const char *env = g_getenv ("INKAN_SMIME_DIR");

  return env && *env ? g_strdup (env) : g_build_filename (g_get_home_dir (), ".smime", NULL);
}

/* Is @cert in the store already?  Its file there is named after its
 * subject hash (certificates/<hash>.<n>), so only those are read. */
static gboolean
store_has_certificate (X509 *cert)
{
  g_autofree char *dir = store_dir ();
  g_autofree char *index = g_build_filename (dir, "certificates", ".index", NULL);
  g_autofree char *text = NULL;
  g_auto (GStrv) lines = NULL;
  char prefix[24];

  if (!g_file_get_contents (index, &text, NULL, NULL))
    return FALSE;
  g_snprintf (prefix, sizeof prefix, "%08lx.", X509_subject_name_hash (cert));
  lines = g_strsplit (text, "\n", -1);
  for (int i = 0; lines[i]; i++)
    {
      g_auto (GStrv) f = g_strsplit_set (lines[i], " \t", 3);
      g_autofree char *path = NULL;
      g_autoptr (GPtrArray) certs = NULL;

      if (g_strv_length (f) < 2 || !g_str_has_prefix (f[1], prefix) || strchr (f[1], '/'))
        continue;
      path = g_build_filename (dir, "certificates", f[1], NULL);
      if ((certs = inkan_certificates_load (path, NULL)) != NULL && X509_cmp (g_ptr_array_index (certs, 0), cert) == 0)
        return TRUE;
    }
  return FALSE;
}

/* The inkan command: next to this program when installed, in ../../cli in
 * the build tree, else on PATH. */
static char *
inkan_program (void)
{
  g_autofree char *self = g_file_read_link ("/proc/self/exe", NULL);
  g_autofree char *dir = self ? g_path_get_dirname (self) : NULL;

  if (dir)
    {
      char *next = g_build_filename (dir, "inkan", NULL);
      char *built = g_build_filename (dir, "..", "..", "cli", "inkan", NULL);
      if (g_file_test (next, G_FILE_TEST_IS_EXECUTABLE))
        {
          g_free (built);
          return next;
        }
      g_free (next);
      if (g_file_test (built, G_FILE_TEST_IS_EXECUTABLE))
        return built;
      g_free (built);
    }
  return g_find_program_in_path ("inkan");
}

/* After a valid signature: add the signer's certificate (and the
 * intermediates that came with it) to the store with "inkan mutt
 * import-cert", unless it is there already, so that mail can be
 * encrypted to them.  Silent: mutt reads this program's standard error. */
static void
collect_signer (GBytes *sig)
{
  g_autoptr (GPtrArray) certs = NULL;
  g_autoptr (X509) signer = NULL;
  g_autofree char *inkan = NULL, *tmp = NULL;
  g_autoptr (GString) pem = g_string_new (NULL);
  int fd;

  certs = inkan_cms_get_certificates (sig, &signer, NULL);
  if (certs == NULL || signer == NULL || store_has_certificate (signer) || (inkan = inkan_program ()) == NULL)
    return;
  for (guint i = 0; i < certs->len + 1; i++)
    {
      X509 *c = i == 0 ? signer : g_ptr_array_index (certs, i - 1);
      g_autoptr (BIO) bio = BIO_new (BIO_s_mem ());
      char *data = NULL;
      long len;

      /* The signer first, then CA certificates but no root. */
      if (i > 0 && (X509_check_ca (c) <= 0 || X509_check_issued (c, c) == X509_V_OK))
        continue;
      PEM_write_bio_X509 (bio, c);
      len = BIO_get_mem_data (bio, &data);
      g_string_append_len (pem, data, len);
    }
  if ((fd = g_file_open_tmp ("inkan-mutt-XXXXXX.pem", &tmp, NULL)) < 0)
    return;
  if (write (fd, pem->str, pem->len) == (ssize_t) pem->len)
    {
      const char *args[] = { inkan, "mutt", "import-cert", tmp, NULL };
      g_spawn_sync (NULL, (char **) args, NULL,
                    G_SPAWN_STDOUT_TO_DEV_NULL | G_SPAWN_STDERR_TO_DEV_NULL,
                    NULL, NULL, NULL, NULL, NULL, NULL);
    }
  close (fd);
  unlink (tmp);
}

static int
run_verify (int argc, char **argv, gboolean opaque)
{
  g_autofree char *ca_file = NULL, *ca_path = NULL;
  gboolean collect = FALSE;
  GOptionEntry entries[] = {
    { "ca-file", 0, 0, G_OPTION_ARG_FILENAME, &ca_file, N_("Also trust the CA certificates in FILE (mutt's %C: -CAfile FILE)"), "FILE" },
    { "ca-path", 0, 0, G_OPTION_ARG_FILENAME, &ca_path, N_("Also trust the CA certificates in DIR (mutt's %C: -CApath DIR)"), "DIR" },
    { "collect", 0, 0, G_OPTION_ARG_NONE, &collect, N_("Add the signer's certificate to inkan's store when the signature is valid"), NULL },
    { NULL, 0, 0, 0, NULL, NULL, NULL }
  };
  const char *cmd = opaque ? "verify-opaque" : "verify";
  g_autoptr (GOptionContext) ctx = g_option_context_new (opaque ? _("SIGNED-DATA — verify for mutt: content on stdout, verdict on stderr")
                                                                : _("SIGNATURE FILE — verify for mutt: verdict on stderr"));
  g_autoptr (InkanTrust) trust = NULL;
  g_autoptr (GBytes) sig = NULL, entity = NULL, content = NULL;
  g_autoptr (CmsVerdict) v = NULL;
  InkanSigner *s;
  GError *error = NULL;

  rewrite_openssl_options (argc, argv);
  if (!parse_options (ctx, entries, &argc, &argv, cmd))
    return EXIT_USAGE;
  if (argc != (opaque ? 2 : 3))
    return usage (cmd, opaque ? _("give one SIGNED-DATA file") : _("give the SIGNATURE file and the signed FILE"));
  if ((trust = build_trust (ca_file, ca_path, &error)) == NULL
      || (sig = inkan_cms_load (argv[1], &error)) == NULL
      || (!opaque && (entity = read_file (argv[2], &error)) == NULL)
      || (v = inkan_cms_verify (sig, entity, trust, 0, opaque ? &content : NULL, &error)) == NULL)
    return fail (cmd, error);
  /* signed-data: the content, unless the signature itself is bad (as the
   * stock openssl command does). */
  if (opaque && content && v->kind != INKAN_VERDICT_INVALID && !write_stdout (content, &error))
    return fail (cmd, error);
  s = v->signers->len ? g_ptr_array_index (v->signers, 0) : NULL;
  if (v->kind != INKAN_VERDICT_VALID || s == NULL)
    {
      g_autofree char *reason = verdict_reason (v);
      g_printerr ("inkan: %s\n", reason);
      return EXIT_NOT_VALID;
    }
  {
    g_autofree char *who = join (s->emails, s->subject);
    /* mutt compares this line, untranslated, with "verification successful". */
    g_printerr ("Verification successful\n");
    g_printerr (_("Signed by %s (%s, %s).\n"), who, s->signature_algorithm, s->digest_algorithm);
  }
  if (collect)
    collect_signer (sig);
  return EXIT_OK;
}

/* ---------------------------------------------------------------- encrypt / decrypt */

static int
run_decrypt (int argc, char **argv)
{
  g_autofree char *key = NULL, *cert = NULL;
  GOptionEntry entries[] = {
    { "key", 'k', 0, G_OPTION_ARG_FILENAME, &key, N_("The private key file (mutt's %k)"), "FILE" },
    { "cert", 'c', 0, G_OPTION_ARG_FILENAME, &cert, N_("The recipient's certificate file (mutt's %c)"), "FILE" },
    { NULL, 0, 0, 0, NULL, NULL, NULL }
  };
  g_autoptr (GOptionContext) ctx = g_option_context_new (_("FILE — decrypt for mutt: passphrase line on stdin, MIME entity on stdout"));
  g_autoptr (InkanIdentity) id = NULL;
  g_autoptr (GBytes) cms = NULL, plain = NULL;
  GError *error = NULL;
  char *pass;

  if (!parse_options (ctx, entries, &argc, &argv, "decrypt"))
    return EXIT_USAGE;
  if (argc != 2 || key == NULL || cert == NULL)
    return usage ("decrypt", _("give -k KEY -c CERT and one FILE"));
  if ((pass = read_passphrase (&error)) == NULL)
    return fail ("decrypt", error);
  {
    const char *paths[3] = { key, cert, NULL };
    id = load_identity (paths, pass, &error);
  }
  wipe_free (pass);
  if (id == NULL
      || (cms = inkan_cms_load (argv[1], &error)) == NULL
      || (plain = inkan_cms_decrypt (cms, id, &error)) == NULL
      || !write_stdout (plain, &error))
    return fail ("decrypt", error);
  return EXIT_OK;
}

static gboolean
parse_cipher (const char *text, InkanCipher *cipher)
{
  if (text == NULL || !g_ascii_strcasecmp (text, "aes256") || !g_ascii_strcasecmp (text, "aes-256-cbc"))
    *cipher = INKAN_CIPHER_AES_256_CBC;
  else if (!g_ascii_strcasecmp (text, "aes128") || !g_ascii_strcasecmp (text, "aes-128-cbc"))
    *cipher = INKAN_CIPHER_AES_128_CBC;
  else if (!g_ascii_strcasecmp (text, "aes256-gcm") || !g_ascii_strcasecmp (text, "aes-256-gcm"))
    *cipher = INKAN_CIPHER_AES_256_GCM;
  else
    return FALSE;
  return TRUE;
}

static int
run_encrypt (int argc, char **argv)
{
  g_autofree char *cipher = NULL;
  gboolean oaep = FALSE;
  GOptionEntry entries[] = {
    { "cipher", 'a', 0, G_OPTION_ARG_STRING, &cipher, N_("aes256 (default), aes128 or aes256-gcm (mutt's %a)"), "ALG" },
    { "oaep", 0, 0, G_OPTION_ARG_NONE, &oaep, N_("Use RSAES-OAEP key transport"), NULL },
    { NULL, 0, 0, 0, NULL, NULL, NULL }
  };
  g_autoptr (GOptionContext) ctx = g_option_context_new (_("FILE CERT... — encrypt a MIME entity for mutt: DER on stdout"));
  g_autoptr (GPtrArray) recipients = g_ptr_array_new_with_free_func ((GDestroyNotify) X509_free);
  g_autoptr (GBytes) entity = NULL, der = NULL;
  InkanEncryptOptions opts = { 0 };
  GError *error = NULL;

  if (!parse_options (ctx, entries, &argc, &argv, "encrypt"))
    return EXIT_USAGE;
  if (argc < 3)
    return usage ("encrypt", _("give the FILE and at least one certificate"));
  if (!parse_cipher (cipher, &opts.cipher))
    {
      g_set_error (&error, INKAN_ERROR, INKAN_ERROR_UNSUPPORTED,
                   _("inkan encrypts with AES only; set smime_encrypt_with to aes256 or aes128 (not %s)."), cipher);
      return fail ("encrypt", error);
    }
  opts.oaep = oaep;
  /* mutt's %c: one certificate file per recipient (and one for the sender
   * with $smime_self_encrypt). */
  for (int i = 2; i < argc; i++)
    {
      g_autoptr (GPtrArray) certs = inkan_certificates_load (argv[i], &error);
      if (certs == NULL)
        return fail ("encrypt", error);
      g_ptr_array_add (recipients, X509_dup (first_leaf (certs)));
    }
  if ((entity = read_file (argv[1], &error)) == NULL
      || (der = inkan_cms_encrypt (entity, recipients, &opts, &error)) == NULL
      || !write_stdout (der, &error))
    return fail ("encrypt", error);
  return EXIT_OK;
}

/* ---------------------------------------------------------------- main */

static int run_verify_detached (int argc, char **argv) { return run_verify (argc, argv, FALSE); }
static int run_verify_opaque (int argc, char **argv) { return run_verify (argc, argv, TRUE); }

static const struct {
  const char *name;
  int (*run) (int argc, char **argv);
  const char *summary;
} commands[] = {
  { "sign", run_sign, N_("smime_sign_command: sign a MIME entity; refuses when From is not in the certificate") },
  { "verify", run_verify_detached, N_("smime_verify_command: verify a detached signature") },
  { "verify-opaque", run_verify_opaque, N_("smime_verify_opaque_command: verify signed-data and print its content") },
  { "encrypt", run_encrypt, N_("smime_encrypt_command: encrypt a MIME entity to certificates") },
  { "decrypt", run_decrypt, N_("smime_decrypt_command: decrypt to a MIME entity") },
};

int
main (int argc, char **argv)
{
  /* Only what messages need: every locale category costs a file to load,
   * and this program runs once per message. */
  setlocale (LC_CTYPE, "");
  setlocale (LC_MESSAGES, "");
  bindtextdomain (GETTEXT_PACKAGE, INKAN_LOCALEDIR);
  bind_textdomain_codeset (GETTEXT_PACKAGE, "UTF-8");
  textdomain (GETTEXT_PACKAGE);
  /* inkan_init() would also set up GMime; these commands need only
   * OpenSSL, and its legacy provider only for old keys (load_identity()). */
  default_provider = OSSL_PROVIDER_load (NULL, "default");

  for (guint i = 0; argc >= 2 && i < G_N_ELEMENTS (commands); i++)
    if (!strcmp (argv[1], commands[i].name))
      {
        int rc = commands[i].run (argc - 1, argv + 1);
        if (legacy_provider)
          OSSL_PROVIDER_unload (legacy_provider);
        OSSL_PROVIDER_unload (default_provider);
        return rc;
      }
  {
    gboolean help = argc >= 2 && (!strcmp (argv[1], "--help") || !strcmp (argv[1], "-h"));
    FILE *out = help ? stdout : stderr;

    fprintf (out, _("Usage: inkan-mutt COMMAND [OPTION...]\n\n"
                    "The commands mutt runs for each message (plugins/mutt/inkan.rc); the\n"
                    "certificate commands and the set-up are “inkan mutt”.\n\nCommands:\n"));
    for (guint i = 0; i < G_N_ELEMENTS (commands); i++)
      fprintf (out, "  %-14s %s\n", commands[i].name, _(commands[i].summary));
    return help ? EXIT_OK : EXIT_USAGE;
  }
}
