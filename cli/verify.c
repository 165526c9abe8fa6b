/* inkan verify: the verdict on a signed message. */
#include "inkan-cli.h"

int
cli_verify (int argc, char **argv)
{
  g_auto (GStrv) trust_files = NULL;
  g_autofree char *at_text = NULL;
  gboolean no_system = FALSE, json = FALSE;
  GOptionEntry entries[] = {
    { "trust", 0, 0, G_OPTION_ARG_FILENAME_ARRAY, &trust_files, N_("Also trust the CA certificates in PEMFILE (repeatable)"), "PEMFILE" },
    { "no-system-trust", 0, 0, G_OPTION_ARG_NONE, &no_system, N_("Do not trust the system's email roots"), NULL },
    { "at", 0, 0, G_OPTION_ARG_STRING, &at_text, N_("Check the chain at this ISO 8601 time instead of the signing time"), "TIME" },
    { "json", 0, 0, G_OPTION_ARG_NONE, &json, N_("Print the verdict as JSON"), NULL },
    { NULL, 0, 0, 0, NULL, NULL, NULL }
  };
  g_autoptr (GOptionContext) ctx = g_option_context_new (_("[MESSAGE] — verify a signed message"));
  g_autoptr (InkanTrust) trust = NULL;
  g_autoptr (GMimeMessage) msg = NULL;
  g_autoptr (InkanVerdict) verdict = NULL;
  GError *error = NULL;
  gint64 at = 0;

  g_option_context_add_main_entries (ctx, entries, GETTEXT_PACKAGE);
  if (!cli_parse_options (ctx, &argc, &argv, "verify"))
    return EXIT_USAGE;
  if (argc > 2)
    return cli_usage ("verify", _("give at most one MESSAGE"));
  if (!cli_parse_time (at_text, &at, &error))
    {
      cli_usage ("verify", error->message);
      g_error_free (error);
      return EXIT_USAGE;
    }
  if ((trust = cli_build_trust (trust_files, no_system, &error)) == NULL
      || (msg = cli_read_message (argc > 1 ? argv[1] : NULL, &error)) == NULL
      || (verdict = inkan_message_verify (msg, trust, at, &error)) == NULL)
    return cli_fail ("verify", error);
  cli_print_verdict (stdout, verdict, json);
  cli_hint_missing_anchors (verdict, no_system);
  if (verdict->kind == INKAN_VERDICT_NOT_SIGNED && (verdict->flags & INKAN_FLAG_ENCRYPTED) && !json)
    g_printerr (_("inkan verify: the message is encrypted; run “inkan decrypt -k IDENTITY” to read and verify it.\n"));
  return cli_verdict_exit_code (verdict);
}
