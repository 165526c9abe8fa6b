/* inkan list: identities and certificates in a store, with days left. */
#include "inkan-cli.h"
#include <json-glib/json-glib.h>

static void
print_json (GPtrArray *entries)
{
  g_autoptr (JsonBuilder) b = json_builder_new ();
  g_autoptr (JsonGenerator) gen = json_generator_new ();
  g_autoptr (JsonNode) root = NULL;
  g_autofree char *text = NULL;

  json_builder_begin_array (b);
  for (guint i = 0; i < entries->len; i++)
    {
      InkanStoreEntry *e = g_ptr_array_index (entries, i);
      g_autoptr (GDateTime) end = g_date_time_new_from_unix_utc (e->not_after);
      g_autofree char *iso = end ? g_date_time_format_iso8601 (end) : NULL;

      json_builder_begin_object (b);
      json_builder_set_member_name (b, "store");
      json_builder_add_string_value (b, e->store);
      json_builder_set_member_name (b, "id");
      json_builder_add_string_value (b, e->id);
      json_builder_set_member_name (b, "label");
      json_builder_add_string_value (b, e->label);
      json_builder_set_member_name (b, "emails");
      json_builder_begin_array (b);
      for (guint j = 0; e->emails && j < e->emails->len; j++)
        json_builder_add_string_value (b, g_ptr_array_index (e->emails, j));
      json_builder_end_array (b);
      json_builder_set_member_name (b, "subject");
      json_builder_add_string_value (b, e->subject);
      json_builder_set_member_name (b, "issuer");
      json_builder_add_string_value (b, e->issuer);
      json_builder_set_member_name (b, "not_after");
      json_builder_add_string_value (b, iso);
      json_builder_set_member_name (b, "days_left");
      json_builder_add_int_value (b, inkan_days_left (e->not_after, g_get_real_time () / G_USEC_PER_SEC));
      json_builder_set_member_name (b, "has_key");
      json_builder_add_boolean_value (b, e->has_key);
      json_builder_end_object (b);
    }
  json_builder_end_array (b);
  root = json_builder_get_root (b);
  json_generator_set_root (gen, root);
  json_generator_set_pretty (gen, TRUE);
  text = json_generator_to_data (gen, NULL);
  printf ("%s\n", text);
}

static void
print_text (GPtrArray *entries)
{
  if (entries->len == 0)
    printf (_("The store is empty; add an identity with “inkan import”.\n"));
  for (guint i = 0; i < entries->len; i++)
    {
      InkanStoreEntry *e = g_ptr_array_index (entries, i);
      g_autoptr (GDateTime) end = g_date_time_new_from_unix_utc (e->not_after);
      g_autofree char *date = end ? g_date_time_format (end, "%Y-%m-%d") : g_strdup ("?");
      gint64 days = inkan_days_left (e->not_after, g_get_real_time () / G_USEC_PER_SEC);

      g_ptr_array_add (e->emails, NULL);
      {
        g_autofree char *emails = g_strjoinv (", ", (char **) e->emails->pdata);
        printf ("%-12s %s%s\n", e->id, emails, e->has_key ? _(" [key]") : "");
      }
      g_ptr_array_remove_index (e->emails, e->emails->len - 1);
      printf (_("             %s, issued by %s\n"), e->subject, e->issuer);
      if (days < 0)
        printf (_("             EXPIRED on %s\n"), date);
      else
        printf (_("             valid until %s (%" G_GINT64_FORMAT " days left)\n"), date, days);
    }
}

int
cli_list (int argc, char **argv)
{
  g_autofree char *store = NULL, *profile = NULL;
  gboolean json = FALSE;
  g_auto (CliPassphrase) pp = { -1, NULL };
  g_autofree GOptionEntry *pass_entries = cli_passphrase_entries (&pp);
  GOptionEntry entries[] = {
    { "store", 0, 0, G_OPTION_ARG_STRING, &store, N_("inkan (default, also “mutt”) or thunderbird"), N_("STORE") },
    { "profile", 0, 0, G_OPTION_ARG_FILENAME, &profile, N_("The Thunderbird profile folder"), "DIR" },
    { "json", 0, 0, G_OPTION_ARG_NONE, &json, N_("Print JSON"), NULL },
    { NULL, 0, 0, 0, NULL, NULL, NULL }
  };
  g_autoptr (GOptionContext) ctx = g_option_context_new (_("— list identities and certificates"));
  g_autoptr (GPtrArray) list = NULL;
  GError *error = NULL;

  g_option_context_add_main_entries (ctx, entries, GETTEXT_PACKAGE);
  g_option_context_add_main_entries (ctx, pass_entries, GETTEXT_PACKAGE);
  if (!cli_parse_options (ctx, &argc, &argv, "list"))
    return EXIT_USAGE;
  if (store && !strcmp (store, "thunderbird"))
    {
      g_autofree char *prof = profile ? g_strdup (profile) : inkan_thunderbird_default_profile (NULL, &error);
      if (prof)
        list = inkan_thunderbird_list (prof, cli_ask_passphrase, &pp, &error);
    }
  else if (store == NULL || !strcmp (store, "inkan") || !strcmp (store, "mutt"))
    {
      g_autofree char *dir = inkan_store_default_dir ();
      list = inkan_store_list (dir, &error);
    }
  else
    return cli_usage ("list", _("--store takes inkan, mutt or thunderbird"));
  cli_passphrase_clear (&pp);
  if (list == NULL)
    return cli_fail ("list", error);
  if (json)
    print_json (list);
  else
    print_text (list);
  return EXIT_OK;
}
