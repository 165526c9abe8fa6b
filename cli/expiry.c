/* inkan expiry: certificates with days left, marked with the renewal
 * reminder they are inside (DigiCert reminds 90, 60, 30, 7 and 3 days
 * before expiry, and 7 days after). */
#include "inkan-cli.h"
#include <json-glib/json-glib.h>
#include <openssl/x509v3.h>

typedef struct {
  char *who;
  char *subject;
  char *issuer;
  char *source;      /* file, or store:id */
  gint64 not_after;
  gint64 days_left;
} Row;

static void
row_free (Row *r)
{
  g_free (r->who);
  g_free (r->subject);
  g_free (r->issuer);
  g_free (r->source);
  g_free (r);
}

static int
compare_rows (gconstpointer a, gconstpointer b)
{
  const Row *x = *(Row *const *) a, *y = *(Row *const *) b;
  return x->not_after < y->not_after ? -1 : x->not_after > y->not_after ? 1 : strcmp (x->who, y->who);
}

static gint64
asn1_unix (const ASN1_TIME *t)
{
  struct tm tm;
  return ASN1_TIME_to_tm (t, &tm) ? (gint64) timegm (&tm) : 0;
}

static Row *
row_from_cert (X509 *cert, const char *source, gint64 now)
{
  Row *r = g_new0 (Row, 1);
  g_autoptr (GPtrArray) emails = inkan_certificate_get_addresses (cert, NULL);

  r->subject = inkan_name_to_string (X509_get_subject_name (cert));
  r->issuer = inkan_name_to_string (X509_get_issuer_name (cert));
  r->who = g_strdup (emails && emails->len ? g_ptr_array_index (emails, 0) : r->subject);
  r->source = g_strdup (source);
  r->not_after = asn1_unix (X509_get0_notAfter (cert));
  r->days_left = inkan_days_left (r->not_after, now);
  return r;
}

static Row *
row_from_entry (InkanStoreEntry *e, gint64 now)
{
  Row *r = g_new0 (Row, 1);

  r->subject = g_strdup (e->subject);
  r->issuer = g_strdup (e->issuer);
  r->who = g_strdup (e->emails && e->emails->len ? g_ptr_array_index (e->emails, 0) : e->subject);
  r->source = g_strdup_printf ("%s:%s", e->store, e->id);
  r->not_after = e->not_after;
  r->days_left = inkan_days_left (e->not_after, now);
  return r;
}

static int
compare_desc (gconstpointer a, gconstpointer b)
{
  int x = *(const int *) a, y = *(const int *) b;
  return y - x;
}

/* The reminder a certificate is inside: the smallest threshold that is
 * not below its days left; -1 when outside every threshold; 0 expired. */
static int
reminder (GArray *days, gint64 left)
{
  int found = -1;

  if (left < 0)
    return 0;
  for (guint i = 0; i < days->len; i++)
    if (left <= g_array_index (days, int, i))
      found = g_array_index (days, int, i);
  return found;
}

static char *
reminder_text (int r, gint64 left)
{
  if (r == 0)
    return left >= -7 ? g_strdup (_("EXPIRED (within DigiCert's 7-days-after reminder)")) : g_strdup (_("EXPIRED"));
  if (r < 0)
    return g_strdup ("-");
  return g_strdup_printf (_("%d-day reminder"), r);
}

int
cli_expiry (int argc, char **argv)
{
  g_autofree char *store = NULL, *profile = NULL, *days_text = NULL, *at_text = NULL;
  gboolean json = FALSE;
  g_auto (CliPassphrase) pp = { -1, NULL };
  g_autofree GOptionEntry *pass_entries = cli_passphrase_entries (&pp);
  GOptionEntry entries[] = {
    { "store", 0, 0, G_OPTION_ARG_STRING, &store, N_("List the certificates of a store: inkan (default without CERT; mutt's smime_keys layout), mutt or thunderbird"), N_("STORE") },
    { "profile", 0, 0, G_OPTION_ARG_FILENAME, &profile, N_("The Thunderbird profile folder (default: the default profile)"), "DIR" },
    { "days", 0, 0, G_OPTION_ARG_STRING, &days_text, N_("Reminder thresholds in days (default: 90,60,30,7,3, as DigiCert sends them)"), "LIST" },
    { "at", 0, 0, G_OPTION_ARG_STRING, &at_text, N_("Count days left from this ISO 8601 time instead of now"), "TIME" },
    { "json", 0, 0, G_OPTION_ARG_NONE, &json, N_("Print the list as JSON"), NULL },
    { NULL, 0, 0, 0, NULL, NULL, NULL }
  };
  g_autoptr (GOptionContext) ctx = g_option_context_new (_("[CERT...] — certificates with days left and renewal reminders"));
  g_autoptr (GPtrArray) rows = g_ptr_array_new_with_free_func ((GDestroyNotify) row_free);
  g_autoptr (GArray) days = g_array_new (FALSE, FALSE, sizeof (int));
  GError *error = NULL;
  gint64 at = 0, now;
  int largest;
  guint inside = 0;

  g_option_context_add_main_entries (ctx, entries, GETTEXT_PACKAGE);
  g_option_context_add_main_entries (ctx, pass_entries, GETTEXT_PACKAGE);
  if (!cli_parse_options (ctx, &argc, &argv, "expiry"))
    return EXIT_USAGE;
  {
    g_auto (GStrv) parts = g_strsplit (days_text ? days_text : "90,60,30,7,3", ",", -1);
    for (int i = 0; parts[i]; i++)
      {
        char *end = NULL;
        long d = strtol (g_strstrip (parts[i]), &end, 10);
        int v = (int) d;
        if (end == parts[i] || *end || d < 0 || d > 3650)
          return cli_usage ("expiry", _("--days takes a comma-separated list of day counts, e.g. 90,60,30,7,3"));
        g_array_append_val (days, v);
      }
    g_array_sort (days, compare_desc);
  }
  largest = g_array_index (days, int, 0);
  if (store && strcmp (store, "inkan") && strcmp (store, "mutt") && strcmp (store, "thunderbird"))
    return cli_usage ("expiry", _("--store takes inkan, mutt or thunderbird"));
  if (!cli_parse_time (at_text, &at, &error))
    {
      cli_usage ("expiry", error->message);
      g_error_free (error);
      return EXIT_USAGE;
    }
  now = at ? at : g_get_real_time () / G_USEC_PER_SEC;
  if (store == NULL && argc < 2)
    store = g_strdup ("inkan");

  for (int i = 1; i < argc; i++)
    {
      g_autoptr (GPtrArray) certs = cli_load_certificate_file (argv[i], &pp, &error);
      if (certs == NULL)
        {
          cli_passphrase_clear (&pp);
          return cli_fail ("expiry", error);
        }
      for (guint j = 0; j < certs->len; j++)
        g_ptr_array_add (rows, row_from_cert (g_ptr_array_index (certs, j), argv[i], now));
    }
  if (store)
    {
      g_autoptr (GPtrArray) entries_list = NULL;
      if (!strcmp (store, "thunderbird"))
        {
          g_autofree char *prof = profile ? g_strdup (profile) : inkan_thunderbird_default_profile (NULL, &error);
          if (prof)
            entries_list = inkan_thunderbird_list (prof, cli_ask_passphrase, &pp, &error);
        }
      else
        {
          g_autofree char *dir = inkan_store_default_dir ();
          entries_list = inkan_store_list (dir, &error);
        }
      if (entries_list == NULL)
        {
          cli_passphrase_clear (&pp);
          return cli_fail ("expiry", error);
        }
      for (guint j = 0; j < entries_list->len; j++)
        g_ptr_array_add (rows, row_from_entry (g_ptr_array_index (entries_list, j), now));
    }
  cli_passphrase_clear (&pp);
  g_ptr_array_sort (rows, compare_rows);

  for (guint i = 0; i < rows->len; i++)
    {
      Row *r = g_ptr_array_index (rows, i);
      if (r->days_left <= largest)
        inside++;
    }
  if (json)
    {
      g_autoptr (JsonBuilder) b = json_builder_new ();
      g_autoptr (JsonGenerator) gen = json_generator_new ();
      g_autoptr (JsonNode) root = NULL;
      g_autofree char *text = NULL;

      json_builder_begin_array (b);
      for (guint i = 0; i < rows->len; i++)
        {
          Row *r = g_ptr_array_index (rows, i);
          g_autoptr (GDateTime) dt = g_date_time_new_from_unix_utc (r->not_after);
          g_autofree char *iso = dt ? g_date_time_format_iso8601 (dt) : NULL;
          int rem = reminder (days, r->days_left);

          json_builder_begin_object (b);
          json_builder_set_member_name (b, "certificate");
          json_builder_add_string_value (b, r->who);
          json_builder_set_member_name (b, "subject");
          json_builder_add_string_value (b, r->subject);
          json_builder_set_member_name (b, "issuer");
          json_builder_add_string_value (b, r->issuer);
          json_builder_set_member_name (b, "source");
          json_builder_add_string_value (b, r->source);
          json_builder_set_member_name (b, "not_after");
          json_builder_add_string_value (b, iso ? iso : "");
          json_builder_set_member_name (b, "days_left");
          json_builder_add_int_value (b, r->days_left);
          json_builder_set_member_name (b, "expired");
          json_builder_add_boolean_value (b, r->days_left < 0);
          json_builder_set_member_name (b, "reminder_days");
          if (rem > 0)
            json_builder_add_int_value (b, rem);
          else
            json_builder_add_null_value (b);
          json_builder_end_object (b);
        }
      json_builder_end_array (b);
      root = json_builder_get_root (b);
      json_generator_set_root (gen, root);
      json_generator_set_pretty (gen, TRUE);
      text = json_generator_to_data (gen, NULL);
      printf ("%s\n", text);
    }
  else
    {
      if (rows->len == 0)
        printf (_("No certificates.\n"));
      else
        printf ("%6s  %-10s  %-50s  %s\n", _("DAYS"), _("EXPIRES"), _("REMINDER"), _("CERTIFICATE"));
      for (guint i = 0; i < rows->len; i++)
        {
          Row *r = g_ptr_array_index (rows, i);
          g_autoptr (GDateTime) dt = g_date_time_new_from_unix_utc (r->not_after);
          g_autofree char *date = dt ? g_date_time_format (dt, "%Y-%m-%d") : g_strdup ("?");
          g_autofree char *rem = reminder_text (reminder (days, r->days_left), r->days_left);
          printf ("%6" G_GINT64_FORMAT "  %-10s  %-50s  %s  (%s)\n", r->days_left, date, rem, r->who, r->source);
        }
    }
  return inside ? EXIT_NOT_VALID : EXIT_OK;
}
