/* inkan encrypt: EnvelopedData/AuthEnvelopedData to recipients, optionally signed first. */
#include "inkan-cli.h"

static gboolean
parse_cipher (const char *text, InkanCipher *cipher)
{
  if (text == NULL || !g_ascii_strcasecmp (text, "aes-256-cbc"))
    *cipher = INKAN_CIPHER_AES_256_CBC;
  else if (!g_ascii_strcasecmp (text, "aes-128-cbc"))
    *cipher = INKAN_CIPHER_AES_128_CBC;
  else if (!g_ascii_strcasecmp (text, "aes-256-gcm"))
    *cipher = INKAN_CIPHER_AES_256_GCM;
  else
    return FALSE;
  return TRUE;
}

int
cli_encrypt (int argc, char **argv)
{
  g_auto (GStrv) recipient_files = NULL;
  g_autofree char *identity_path = NULL, *output = NULL, *digest = NULL, *cipher = NULL;
  gboolean sign = FALSE, pss = FALSE, opaque = FALSE, oaep = FALSE, allow_mismatch = FALSE, require_sbr = FALSE;
  g_auto (CliPassphrase) pp = { -1, NULL };
  g_autofree GOptionEntry *pass_entries = cli_passphrase_entries (&pp);
  GOptionEntry entries[] = {
    { "recipient", 'r', 0, G_OPTION_ARG_FILENAME_ARRAY, &recipient_files, N_("Encrypt to the certificate(s) in CERT, or to an address in the store (repeat for more)"), N_("CERT") },
    { "sign", 0, 0, G_OPTION_ARG_NONE, &sign, N_("Sign with -k IDENTITY first, then encrypt"), NULL },
    { "key", 'k', 0, G_OPTION_ARG_FILENAME, &identity_path, N_("Your identity: signs with --sign, and is always a recipient"), N_("IDENTITY") },
    { "pss", 0, 0, G_OPTION_ARG_NONE, &pss, N_("Sign with RSASSA-PSS"), NULL },
    { "opaque", 0, 0, G_OPTION_ARG_NONE, &opaque, N_("Sign as opaque signed-data"), NULL },
    { "digest", 0, 0, G_OPTION_ARG_STRING, &digest, N_("Digest for --sign: sha256, sha384, sha512"), "D" },
    { "allow-address-mismatch", 0, 0, G_OPTION_ARG_NONE, &allow_mismatch, N_("Sign even if From is not in the certificate"), NULL },
    { "require-sbr", 0, 0, G_OPTION_ARG_NONE, &require_sbr, N_("With --sign: refuse when the certificate or chain breaks S/MIME Baseline Requirements rules"), NULL },
    { "cipher", 0, 0, G_OPTION_ARG_STRING, &cipher, N_("aes-256-cbc (default), aes-128-cbc or aes-256-gcm (AuthEnvelopedData)"), "C" },
    { "oaep", 0, 0, G_OPTION_ARG_NONE, &oaep, N_("Use RSAES-OAEP (SHA-256) key transport"), NULL },
    { "output", 'o', 0, G_OPTION_ARG_FILENAME, &output, N_("Write the encrypted message to OUT (default: standard output)"), "OUT" },
    { NULL, 0, 0, 0, NULL, NULL, NULL }
  };
  g_autoptr (GOptionContext) ctx = g_option_context_new (_("[MESSAGE] — encrypt a message"));
  g_autoptr (GPtrArray) recipients = g_ptr_array_new_with_free_func ((GDestroyNotify) X509_free);
  g_autoptr (InkanIdentity) id = NULL;
  g_autoptr (GMimeMessage) msg = NULL;
  InkanSignOptions sopts = { 0 };
  InkanEncryptOptions eopts = { 0 };
  GError *error = NULL;

  g_option_context_add_main_entries (ctx, entries, GETTEXT_PACKAGE);
  g_option_context_add_main_entries (ctx, pass_entries, GETTEXT_PACKAGE);
  if (!cli_parse_options (ctx, &argc, &argv, "encrypt"))
    return EXIT_USAGE;
  if (recipient_files == NULL && identity_path == NULL)
    return cli_usage ("encrypt", _("give at least one recipient certificate with -r CERT"));
  if (sign && identity_path == NULL)
    return cli_usage ("encrypt", _("--sign needs your identity with -k IDENTITY"));
  if (argc > 2)
    return cli_usage ("encrypt", _("give at most one MESSAGE"));
  if (!sign && (pss || opaque || digest || allow_mismatch))
    return cli_usage ("encrypt", _("--pss, --opaque, --digest and --allow-address-mismatch need --sign"));
  if (!cli_parse_digest (digest, &sopts.digest))
    return cli_usage ("encrypt", _("--digest takes sha256, sha384 or sha512"));
  if (!parse_cipher (cipher, &eopts.cipher))
    return cli_usage ("encrypt", _("--cipher takes aes-256-cbc, aes-128-cbc or aes-256-gcm"));
  sopts.pss = pss;
  sopts.opaque = opaque;
  sopts.allow_address_mismatch = allow_mismatch;
  eopts.oaep = oaep;

  for (int i = 0; recipient_files && recipient_files[i]; i++)
    {
      g_autoptr (GPtrArray) certs = cli_load_certificates (recipient_files[i], &error);
      if (certs == NULL)
        return cli_fail ("encrypt", error);
      g_ptr_array_extend_and_steal (recipients, g_steal_pointer (&certs));
    }
  if ((msg = cli_read_message (argc > 1 ? argv[1] : NULL, &error)) == NULL
      || (identity_path && (id = cli_load_identity (identity_path, &pp, &error)) == NULL)
      || (sign && !cli_check_sbr ("encrypt", id, require_sbr, &error))
      || !inkan_message_encrypt (msg, recipients, id, sign ? &sopts : NULL, &eopts, &error))
    {
      cli_passphrase_clear (&pp);
      return cli_fail ("encrypt", error);
    }
  cli_passphrase_clear (&pp);
  if (!cli_write_message (output, msg, 0644, &error))
    return cli_fail ("encrypt", error);
  return EXIT_OK;
}
