/* inkan check-request: check a bulk request file (NII UPKI client/S/MIME
 * TSV, GlobalSign MPKI Lite CSV) before it is uploaded; every problem with
 * its line and column, compiler style. */
#include "inkan-cli.h"
#include <json-glib/json-glib.h>

int
cli_check_request (int argc, char **argv)
{
  g_autofree char *format_text = NULL;
  gboolean json = FALSE;
  GOptionEntry entries[] = {
    { "format", 0, 0, G_OPTION_ARG_STRING, &format_text, N_("nii-tsv or mpki-csv (default: by the content)"), N_("FORMAT") },
    { "json", 0, 0, G_OPTION_ARG_NONE, &json, N_("Print the problems as JSON"), NULL },
    { NULL, 0, 0, 0, NULL, NULL, NULL }
  };
  g_autoptr (GOptionContext) ctx = g_option_context_new (_("FILE — check a bulk certificate request file before upload"));
  g_autoptr (GPtrArray) issues = NULL;
  g_autoptr (GBytes) bytes = NULL;
  InkanRequestFormat format = INKAN_REQUEST_FORMAT_AUTO, detected;
  GError *error = NULL;
  char *data = NULL;
  gsize len = 0;
  guint errors = 0, warnings = 0;

  g_option_context_add_main_entries (ctx, entries, GETTEXT_PACKAGE);
  if (!cli_parse_options (ctx, &argc, &argv, "check-request"))
    return EXIT_USAGE;
  if (argc != 2)
    return cli_usage ("check-request", _("give one request file"));
  if (format_text && !strcmp (format_text, "nii-tsv"))
    format = INKAN_REQUEST_FORMAT_NII_TSV;
  else if (format_text && !strcmp (format_text, "mpki-csv"))
    format = INKAN_REQUEST_FORMAT_MPKI_CSV;
  else if (format_text)
    return cli_usage ("check-request", _("--format takes nii-tsv or mpki-csv"));
  if (!g_file_get_contents (argv[1], &data, &len, &error))
    {
      GError *e = g_error_new (INKAN_ERROR, INKAN_ERROR_IO, _("Cannot read “%s”: %s."), argv[1], error->message);
      g_error_free (error);
      return cli_fail ("check-request", e);
    }
  bytes = g_bytes_new_take (data, len);
  issues = inkan_request_check (bytes, format, &detected, &error);
  if (issues == NULL)
    return cli_fail ("check-request", error);
  for (guint i = 0; i < issues->len; i++)
    {
      InkanRequestIssue *is = g_ptr_array_index (issues, i);
      if (is->severity <= INKAN_SEVERITY_ERROR)
        errors++;
      else
        warnings++;
    }
  if (json)
    {
      g_autoptr (JsonBuilder) b = json_builder_new ();
      g_autoptr (JsonGenerator) gen = json_generator_new ();
      g_autoptr (JsonNode) root = NULL;
      g_autofree char *text = NULL;

      json_builder_begin_object (b);
      json_builder_set_member_name (b, "file");
      json_builder_add_string_value (b, argv[1]);
      json_builder_set_member_name (b, "format");
      json_builder_add_string_value (b, detected == INKAN_REQUEST_FORMAT_NII_TSV ? "nii-tsv" : "mpki-csv");
      json_builder_set_member_name (b, "issues");
      json_builder_begin_array (b);
      for (guint i = 0; i < issues->len; i++)
        {
          InkanRequestIssue *is = g_ptr_array_index (issues, i);
          json_builder_begin_object (b);
          json_builder_set_member_name (b, "line");
          json_builder_add_int_value (b, is->line);
          json_builder_set_member_name (b, "column");
          json_builder_add_int_value (b, is->column);
          json_builder_set_member_name (b, "field");
          json_builder_add_int_value (b, is->field);
          json_builder_set_member_name (b, "severity");
          json_builder_add_string_value (b, inkan_severity_to_string (is->severity));
          json_builder_set_member_name (b, "code");
          json_builder_add_string_value (b, is->code);
          json_builder_set_member_name (b, "message");
          json_builder_add_string_value (b, is->message);
          json_builder_end_object (b);
        }
      json_builder_end_array (b);
      json_builder_end_object (b);
      root = json_builder_get_root (b);
      json_generator_set_root (gen, root);
      json_generator_set_pretty (gen, TRUE);
      text = json_generator_to_data (gen, NULL);
      printf ("%s\n", text);
    }
  else
    {
      for (guint i = 0; i < issues->len; i++)
        {
          InkanRequestIssue *is = g_ptr_array_index (issues, i);
          printf ("%s:%u:%u: %s: %s [%s]\n", argv[1], is->line, is->column,
                  inkan_severity_to_string (is->severity), is->message, is->code);
        }
      printf ("%s: %u %s, %u %s (%s)\n", argv[1], errors, errors == 1 ? _("error") : _("errors"),
              warnings, warnings == 1 ? _("warning") : _("warnings"),
              detected == INKAN_REQUEST_FORMAT_NII_TSV ? _("NII UPKI request TSV") : _("MPKI Lite bulk CSV"));
    }
  return errors ? EXIT_NOT_VALID : EXIT_OK;
}
