/* inkan export: an identity as a PKCS#12 file for another client. */
#include "inkan-cli.h"

int
cli_export (int argc, char **argv)
{
  g_autofree char *identity_path = NULL, *output = NULL;
  gboolean legacy = FALSE, weak_ok = FALSE, force = FALSE;
  g_auto (CliPassphrase) pp = { -1, NULL }, npp = { -1, NULL };
  g_autofree GOptionEntry *pass_entries = cli_passphrase_entries (&pp);
  g_autofree GOptionEntry *new_entries = cli_new_passphrase_entries (&npp);
  GOptionEntry entries[] = {
    { "key", 'k', 0, G_OPTION_ARG_FILENAME, &identity_path, N_("The identity to export (file, or address in the store)"), N_("IDENTITY") },
    { "output", 'o', 0, G_OPTION_ARG_FILENAME, &output, N_("The PKCS#12 file to write"), "OUT.p12" },
    { "legacy", 0, 0, G_OPTION_ARG_NONE, &legacy, N_("3DES and a SHA-1 MAC, for old clients and gpgsm 2.2"), NULL },
    { "weak-passphrase-ok", 0, 0, G_OPTION_ARG_NONE, &weak_ok, N_("Accept a passphrase shorter than 12 characters or of one kind"), NULL },
    { "force", 0, 0, G_OPTION_ARG_NONE, &force, N_("Replace OUT.p12 if it exists"), NULL },
    { NULL, 0, 0, 0, NULL, NULL, NULL }
  };
  g_autoptr (GOptionContext) ctx = g_option_context_new (_("— export an identity as PKCS#12"));
  g_autoptr (InkanIdentity) id = NULL;
  g_autoptr (GBytes) p12 = NULL;
  g_autofree char *pass = NULL;
  GError *error = NULL;

  g_option_context_add_main_entries (ctx, entries, GETTEXT_PACKAGE);
  g_option_context_add_main_entries (ctx, pass_entries, GETTEXT_PACKAGE);
  g_option_context_add_main_entries (ctx, new_entries, GETTEXT_PACKAGE);
  if (!cli_parse_options (ctx, &argc, &argv, "export"))
    return EXIT_USAGE;
  if (identity_path == NULL || output == NULL)
    return cli_usage ("export", _("give -k IDENTITY and -o OUT.p12"));
  if ((id = cli_load_identity (identity_path, &pp, &error)) == NULL
      || (pass = cli_ask_new_passphrase (output, &npp, &error)) == NULL)
    goto fail;
  if (!weak_ok && !inkan_passphrase_is_strong (pass))
    {
      memset (pass, 0, strlen (pass));
      cli_passphrase_clear (&pp);
      cli_passphrase_clear (&npp);
      g_printerr (_("inkan export: the new passphrase is too weak: use 12 to 72 characters with at least three of lower case, upper case, digits and symbols (or --weak-passphrase-ok).\n"));
      return EXIT_PASSPHRASE;
    }
  p12 = inkan_identity_export_pkcs12 (id, pass, legacy, NULL, &error);
  memset (pass, 0, strlen (pass));
  if (p12 == NULL
      || !inkan_file_write_atomic (output, g_bytes_get_data (p12, NULL), g_bytes_get_size (p12), 0600, force, &error))
    goto fail;
  cli_passphrase_clear (&pp);
  cli_passphrase_clear (&npp);
  printf (_("Wrote %s (%s).\n"), output, legacy ? _("3DES, SHA-1 MAC") : _("AES-256, SHA-256 MAC"));
  return EXIT_OK;

fail:
  cli_passphrase_clear (&pp);
  cli_passphrase_clear (&npp);
  return cli_fail ("export", error);
}
