/* inkan sign: sign a message after the From/Sender address check. */
#include "inkan-cli.h"

int
cli_sign (int argc, char **argv)
{
  g_autofree char *identity_path = NULL, *output = NULL, *digest = NULL;
  gboolean pss = FALSE, opaque = FALSE, allow_mismatch = FALSE, require_sbr = FALSE;
  g_auto (CliPassphrase) pp = { -1, NULL };
  g_autofree GOptionEntry *pass_entries = cli_passphrase_entries (&pp);
  GOptionEntry entries[] = {
    { "key", 'k', 0, G_OPTION_ARG_FILENAME, &identity_path, N_("Sign with IDENTITY (.p12/.pfx, or PEM with key and certificates)"), N_("IDENTITY") },
    { "pss", 0, 0, G_OPTION_ARG_NONE, &pss, N_("Use RSASSA-PSS instead of RSASSA-PKCS1-v1_5"), NULL },
    { "opaque", 0, 0, G_OPTION_ARG_NONE, &opaque, N_("Make application/pkcs7-mime signed-data instead of multipart/signed"), NULL },
    { "digest", 0, 0, G_OPTION_ARG_STRING, &digest, N_("Digest: sha256 (default), sha384 or sha512"), "D" },
    { "allow-address-mismatch", 0, 0, G_OPTION_ARG_NONE, &allow_mismatch, N_("Sign even if From is not in the certificate"), NULL },
    { "require-sbr", 0, 0, G_OPTION_ARG_NONE, &require_sbr, N_("Refuse to sign when the certificate or chain breaks S/MIME Baseline Requirements rules"), NULL },
    { "output", 'o', 0, G_OPTION_ARG_FILENAME, &output, N_("Write the signed message to OUT (default: standard output)"), "OUT" },
    { NULL, 0, 0, 0, NULL, NULL, NULL }
  };
  g_autoptr (GOptionContext) ctx = g_option_context_new (_("[MESSAGE] — sign a message"));
  g_autoptr (InkanIdentity) id = NULL;
  g_autoptr (GMimeMessage) msg = NULL;
  InkanSignOptions opts = { 0 };
  GError *error = NULL;

  g_option_context_add_main_entries (ctx, entries, GETTEXT_PACKAGE);
  g_option_context_add_main_entries (ctx, pass_entries, GETTEXT_PACKAGE);
  if (!cli_parse_options (ctx, &argc, &argv, "sign"))
    return EXIT_USAGE;
  if (identity_path == NULL)
    return cli_usage ("sign", _("give the signing identity with -k IDENTITY"));
  if (argc > 2)
    return cli_usage ("sign", _("give at most one MESSAGE"));
  if (!cli_parse_digest (digest, &opts.digest))
    return cli_usage ("sign", _("--digest takes sha256, sha384 or sha512"));
  opts.pss = pss;
  opts.opaque = opaque;
  opts.allow_address_mismatch = allow_mismatch;

  if ((msg = cli_read_message (argc > 1 ? argv[1] : NULL, &error)) == NULL
      || (id = cli_load_identity (identity_path, &pp, &error)) == NULL
      || !cli_check_sbr ("sign", id, require_sbr, &error)
      || !inkan_message_sign (msg, id, &opts, &error))
    {
      cli_passphrase_clear (&pp);
      return cli_fail ("sign", error);
    }
  cli_passphrase_clear (&pp);
  if (!cli_write_message (output, msg, 0644, &error))
    return cli_fail ("sign", error);
  return EXIT_OK;
}
