/* Small json-glib helpers shared by the inkan CLI and the Thunderbird
 * native host: null for missing values, times as ISO 8601 UTC. */
#ifndef INKAN_JSON_OUT_H
#define INKAN_JSON_OUT_H

#include <json-glib/json-glib.h>

void cli_json_add_string (JsonBuilder *b, const char *name, const char *value);
void cli_json_add_bool (JsonBuilder *b, const char *name, gboolean value);
void cli_json_add_int (JsonBuilder *b, const char *name, gint64 value);
void cli_json_add_time (JsonBuilder *b, const char *name, gint64 t);
char *cli_json_iso_time (gint64 t);

#endif
