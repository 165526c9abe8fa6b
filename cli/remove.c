/* inkan remove: take an identity or certificate out of a store. */
#include "inkan-cli.h"

int
cli_remove (int argc, char **argv)
{
  g_autofree char *store = NULL, *profile = NULL;
  g_auto (CliPassphrase) pp = { -1, NULL };
  g_autofree GOptionEntry *pass_entries = cli_passphrase_entries (&pp);
  GOptionEntry entries[] = {
    { "store", 0, 0, G_OPTION_ARG_STRING, &store, N_("inkan (default, also “mutt”) or thunderbird"), N_("STORE") },
    { "profile", 0, 0, G_OPTION_ARG_FILENAME, &profile, N_("The Thunderbird profile folder"), "DIR" },
    { NULL, 0, 0, 0, NULL, NULL, NULL }
  };
  g_autoptr (GOptionContext) ctx = g_option_context_new (_("ID — remove an entry (id, label or address) from a store"));
  GError *error = NULL;
  gboolean ok;

  g_option_context_add_main_entries (ctx, entries, GETTEXT_PACKAGE);
  g_option_context_add_main_entries (ctx, pass_entries, GETTEXT_PACKAGE);
  if (!cli_parse_options (ctx, &argc, &argv, "remove"))
    return EXIT_USAGE;
  if (argc != 2)
    return cli_usage ("remove", _("give exactly one ID (see “inkan list”)"));
  if (store && !strcmp (store, "thunderbird"))
    {
      g_autofree char *prof = profile ? g_strdup (profile) : inkan_thunderbird_default_profile (NULL, &error);
      ok = prof && inkan_thunderbird_remove (prof, argv[1], cli_ask_passphrase, &pp, &error);
    }
  else if (store == NULL || !strcmp (store, "inkan") || !strcmp (store, "mutt"))
    {
      g_autofree char *dir = inkan_store_default_dir ();
      ok = inkan_store_remove (dir, argv[1], &error);
    }
  else
    return cli_usage ("remove", _("--store takes inkan, mutt or thunderbird"));
  cli_passphrase_clear (&pp);
  if (!ok)
    return cli_fail ("remove", error);
  printf (_("Removed %s.\n"), argv[1]);
  return EXIT_OK;
}
