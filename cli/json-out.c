/* json-glib helpers shared by the CLI's --json printers and the native host. */
#include "json-out.h"

/* Seconds since the epoch as "2026-11-23T14:48:34Z"; NULL when t < 0. */
char *
cli_json_iso_time (gint64 t)
{
  g_autoptr (GDateTime) dt = t >= 0 ? g_date_time_new_from_unix_utc (t) : NULL;

  return dt ? g_date_time_format (dt, "%FT%TZ") : NULL;
}

void
cli_json_add_string (JsonBuilder *b, const char *name, const char *value)
{
  json_builder_set_member_name (b, name);
  if (value)
    json_builder_add_string_value (b, value);
  else
    json_builder_add_null_value (b);
}

void
cli_json_add_bool (JsonBuilder *b, const char *name, gboolean value)
{
  json_builder_set_member_name (b, name);
  json_builder_add_boolean_value (b, value);
}

void
cli_json_add_int (JsonBuilder *b, const char *name, gint64 value)
{
  json_builder_set_member_name (b, name);
  json_builder_add_int_value (b, value);
}

void
cli_json_add_time (JsonBuilder *b, const char *name, gint64 t)
{
  g_autofree char *s = cli_json_iso_time (t);

  cli_json_add_string (b, name, s);
}
