/* inkan decrypt: remove enveloped/signed layers and report the signature inside. */
#include "inkan-cli.h"
#include <stdio.h>

int
cli_decrypt (int argc, char **argv)
{
  g_auto (GStrv) trust_files = NULL;
  g_autofree char *identity_path = NULL, *output = NULL, *at_text = NULL;
  gboolean no_system = FALSE, json = FALSE;
  g_auto (CliPassphrase) pp = { -1, NULL };
  g_autofree GOptionEntry *pass_entries = cli_passphrase_entries (&pp);
  GOptionEntry entries[] = {
    { "key", 'k', 0, G_OPTION_ARG_FILENAME, &identity_path, N_("Decrypt with IDENTITY (.p12/.pfx, or PEM with key and certificates)"), N_("IDENTITY") },
    { "trust", 0, 0, G_OPTION_ARG_FILENAME_ARRAY, &trust_files, N_("Also trust the CA certificates in PEMFILE (repeatable)"), "PEMFILE" },
    { "no-system-trust", 0, 0, G_OPTION_ARG_NONE, &no_system, N_("Do not trust the system's email roots"), NULL },
    { "at", 0, 0, G_OPTION_ARG_STRING, &at_text, N_("Check signer chains at this ISO 8601 time"), "TIME" },
    { "json", 0, 0, G_OPTION_ARG_NONE, &json, N_("Print the verdict as JSON"), NULL },
    { "output", 'o', 0, G_OPTION_ARG_FILENAME, &output, N_("Write the decrypted message to OUT (mode 0600; default: standard output)"), "OUT" },
    { NULL, 0, 0, 0, NULL, NULL, NULL }
  };
  g_autoptr (GOptionContext) ctx = g_option_context_new (_("[MESSAGE] — decrypt a message"));
  g_autoptr (InkanTrust) trust = NULL;
  g_autoptr (InkanIdentity) id = NULL;
  g_autoptr (GMimeMessage) msg = NULL;
  g_autoptr (InkanVerdict) verdict = NULL;
  GError *error = NULL;
  gint64 at = 0;
  gboolean to_stdout;

  g_option_context_add_main_entries (ctx, entries, GETTEXT_PACKAGE);
  g_option_context_add_main_entries (ctx, pass_entries, GETTEXT_PACKAGE);
  if (!cli_parse_options (ctx, &argc, &argv, "decrypt"))
    return EXIT_USAGE;
  if (identity_path == NULL)
    return cli_usage ("decrypt", _("give your identity with -k IDENTITY"));
  if (argc > 2)
    return cli_usage ("decrypt", _("give at most one MESSAGE"));
  if (!cli_parse_time (at_text, &at, &error))
    {
      cli_usage ("decrypt", error->message);
      g_error_free (error);
      return EXIT_USAGE;
    }
  if ((trust = cli_build_trust (trust_files, no_system, &error)) == NULL
      || (msg = cli_read_message (argc > 1 ? argv[1] : NULL, &error)) == NULL
      || (id = cli_load_identity (identity_path, &pp, &error)) == NULL
      || (verdict = inkan_message_decrypt (msg, id, trust, at, &error)) == NULL)
    {
      cli_passphrase_clear (&pp);
      return cli_fail ("decrypt", error);
    }
  cli_passphrase_clear (&pp);
  if (!cli_write_message (output, msg, 0600, &error))
    return cli_fail ("decrypt", error);
  /* The report goes where the message does not. */
  to_stdout = output != NULL && strcmp (output, "-") != 0;
  cli_print_verdict (to_stdout ? stdout : stderr, verdict, json);
  cli_hint_missing_anchors (verdict, no_system);
  return verdict->kind == INKAN_VERDICT_NOT_SIGNED ? EXIT_OK : cli_verdict_exit_code (verdict);
}
