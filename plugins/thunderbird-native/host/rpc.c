/* JSON-RPC 2.0 over native-messaging frames: validation of the request
 * envelope, dispatch, and the reply (result or error), never larger than
 * HOST_MAX_REPLY. */
#include "host.h"

G_DEFINE_QUARK (inkan-native-host-error-quark, host_error)

static const char *const inkan_error_names[] = {
  NULL, "failed", "io", "passphrase-required", "bad-passphrase", "identity", "certificate",
  "message", "no-from", "address-mismatch", "not-smime", "cms", "not-recipient", "decrypt",
  "unsupported", "exists", "not-found", "locked",
};

/* The reply text, always valid UTF-8 JSON: json-glib leaves U+001F
 * unescaped and copies invalid UTF-8 (from a malformed certificate name,
 * say) as it is.  The output is not pretty-printed, so a byte below 0x20
 * can only be inside a string, where it becomes \u00XX. */
static GBytes *
generate (JsonNode *root)
{
  g_autoptr (JsonGenerator) gen = json_generator_new ();
  g_autofree char *text = NULL;
  g_autofree char *valid = NULL;
  GString *out;
  gsize len = 0;

  json_generator_set_root (gen, root);
  text = json_generator_to_data (gen, &len);
  if (!g_utf8_validate (text, (gssize) len, NULL))
    {
      valid = g_utf8_make_valid (text, (gssize) len);
      g_free (text);
      text = g_steal_pointer (&valid);
      len = strlen (text);
    }
  out = g_string_sized_new (len + 16);
  for (gsize i = 0; i < len; i++)
    {
      if ((guchar) text[i] < 0x20)
        g_string_append_printf (out, "\\u%04x", (guchar) text[i]);
      else
        g_string_append_c (out, text[i]);
    }
  return g_string_free_to_bytes (out);
}

/* A request's string, fit to be quoted in an error message. */
char *
rpc_excerpt (const char *s)
{
  g_autofree char *valid = g_utf8_make_valid (s, -1);

  return g_utf8_substring (valid, 0, MIN (g_utf8_strlen (valid, -1), 64));
}

static JsonNode *
envelope (JsonNode *id)
{
  JsonNode *root = json_node_new (JSON_NODE_OBJECT);
  JsonObject *o = json_object_new ();

  json_object_set_string_member (o, "jsonrpc", "2.0");
  json_object_set_member (o, "id", id ? json_node_copy (id) : json_node_new (JSON_NODE_NULL));
  json_node_take_object (root, o);
  return root;
}

static GBytes *
error_frame_full (JsonNode *id, int code, const char *message, const char *inkan_name, int inkan_code)
{
  g_autoptr (JsonNode) root = envelope (id);
  JsonObject *err = json_object_new ();

  json_object_set_int_member (err, "code", code);
  json_object_set_string_member (err, "message", message);
  if (inkan_name)
    {
      JsonObject *data = json_object_new ();
      json_object_set_string_member (data, "inkan_error", inkan_name);
      json_object_set_int_member (data, "inkan_code", inkan_code);
      json_object_set_object_member (err, "data", data);
    }
  json_object_set_object_member (json_node_get_object (root), "error", err);
  return generate (root);
}

GBytes *
rpc_error_frame (JsonNode *id, int code, const char *message)
{
  return error_frame_full (id, code, message, NULL, 0);
}

static GBytes *
error_from_gerror (JsonNode *id, const GError *error)
{
  if (error->domain == HOST_ERROR)
    return rpc_error_frame (id, error->code, error->message);
  if (error->domain == INKAN_ERROR && error->code > 0
      && error->code < (int) G_N_ELEMENTS (inkan_error_names))
    return error_frame_full (id, RPC_INKAN_BASE - error->code, error->message,
                             inkan_error_names[error->code], error->code);
  return rpc_error_frame (id, RPC_INTERNAL_ERROR, error->message);
}

/* Arrays and objects nested deeper than HOST_MAX_DEPTH (json-glib parses
 * recursively); strings are skipped.  The text is valid UTF-8. */
static gboolean
too_deep (const guint8 *p, gsize len)
{
  int depth = 0;
  gboolean in_string = FALSE;

  for (gsize i = 0; i < len; i++)
    {
      guint8 c = p[i];
      if (in_string)
        {
          if (c == '\\')
            i++;
          else if (c == '"')
            in_string = FALSE;
        }
      else if (c == '"')
        in_string = TRUE;
      else if (c == '[' || c == '{')
        {
          if (++depth > HOST_MAX_DEPTH)
            return TRUE;
        }
      else if (c == ']' || c == '}')
        depth--;
    }
  return FALSE;
}

static const char *const envelope_members[] = { "jsonrpc", "id", "method", "params", NULL };

GBytes *
rpc_handle_frame (const guint8 *data, gsize len)
{
  g_autoptr (JsonParser) parser = NULL;
  g_autoptr (GError) error = NULL;
  g_autoptr (JsonNode) result = NULL;
  g_autoptr (JsonNode) reply = NULL;
  g_autoptr (GBytes) out = NULL;
  JsonObject *req;
  JsonNode *id = NULL, *params_node, *node;
  const char *method_name, *version;
  const Method *method;
  gboolean notification;
  Params params = { NULL };
  gint64 t0 = g_get_monotonic_time ();

  if (!g_utf8_validate ((const char *) data, (gssize) len, NULL))
    {
      host_log ("WARNING", "request: not UTF-8 (%zu bytes)", len);
      return rpc_error_frame (NULL, RPC_PARSE_ERROR, "The request is not valid UTF-8.");
    }
  if (too_deep (data, len))
    {
      host_log ("WARNING", "request: nested too deeply");
      return rpc_error_frame (NULL, RPC_PARSE_ERROR, "The request nests arrays or objects too deeply.");
    }
  parser = json_parser_new_immutable ();
  if (len == 0 || !json_parser_load_from_data (parser, (const char *) data, (gssize) len, &error))
    {
      g_autofree char *msg = g_strdup_printf ("The request is not valid JSON: %s.",
                                              error ? error->message : "empty");
      host_log ("WARNING", "request: not JSON");
      return rpc_error_frame (NULL, RPC_PARSE_ERROR, msg);
    }
  node = json_parser_get_root (parser);
  if (node == NULL || !JSON_NODE_HOLDS_OBJECT (node))
    return rpc_error_frame (NULL, RPC_INVALID_REQUEST,
                            node && JSON_NODE_HOLDS_ARRAY (node)
                            ? "Batch requests are not supported: send one request object per frame."
                            : "The request is not a JSON-RPC 2.0 request object.");
  req = json_node_get_object (node);

  /* id first, so that the other errors can name it. */
  if (json_object_has_member (req, "id"))
    {
      JsonNode *n = json_object_get_member (req, "id");
      gboolean ok = JSON_NODE_HOLDS_NULL (n)
                    || (JSON_NODE_HOLDS_VALUE (n)
                        && (json_node_get_value_type (n) == G_TYPE_STRING
                            || json_node_get_value_type (n) == G_TYPE_INT64));
      if (!ok)
        return rpc_error_frame (NULL, RPC_INVALID_REQUEST, "\"id\" must be a string, an integer or null.");
      if (JSON_NODE_HOLDS_VALUE (n) && json_node_get_value_type (n) == G_TYPE_STRING
          && strlen (json_node_get_string (n)) > 256)
        return rpc_error_frame (NULL, RPC_INVALID_REQUEST, "\"id\" is longer than 256 characters.");
      id = n;
    }
  notification = (id == NULL);

  {
    GList *members = json_object_get_members (req);
    for (GList *l = members; l; l = l->next)
      if (!g_strv_contains (envelope_members, l->data))
        {
          g_autofree char *name = rpc_excerpt (l->data);
          g_autofree char *msg = g_strdup_printf ("Unknown member \"%s\" in the request.", name);
          g_list_free (members);
          return rpc_error_frame (id, RPC_INVALID_REQUEST, msg);
        }
    g_list_free (members);
  }
  node = json_object_get_member (req, "jsonrpc");
  version = node && JSON_NODE_HOLDS_VALUE (node) && json_node_get_value_type (node) == G_TYPE_STRING
            ? json_node_get_string (node) : NULL;
  if (version == NULL || strcmp (version, "2.0") != 0)
    return rpc_error_frame (id, RPC_INVALID_REQUEST, "\"jsonrpc\" must be \"2.0\".");
  node = json_object_get_member (req, "method");
  method_name = node && JSON_NODE_HOLDS_VALUE (node) && json_node_get_value_type (node) == G_TYPE_STRING
                ? json_node_get_string (node) : NULL;
  if (method_name == NULL)
    return rpc_error_frame (id, RPC_INVALID_REQUEST, "\"method\" must be a string.");
  params_node = json_object_get_member (req, "params");
  if (params_node && JSON_NODE_HOLDS_OBJECT (params_node))
    params.obj = json_node_get_object (params_node);
  else if (params_node && !JSON_NODE_HOLDS_NULL (params_node))
    return rpc_error_frame (id, RPC_INVALID_PARAMS, "\"params\" must be an object (named parameters).");

  method = methods_find (method_name);
  if (method == NULL)
    {
      g_autofree char *name = rpc_excerpt (method_name);
      g_autofree char *msg = g_strdup_printf ("There is no method \"%s\".", name);
      host_log ("WARNING", "request id=%s: unknown method", notification ? "-" : "set");
      return notification ? NULL : rpc_error_frame (id, RPC_METHOD_NOT_FOUND, msg);
    }

  result = method->run (&params, &error);
  if (result == NULL && error == NULL)
    g_set_error_literal (&error, HOST_ERROR, RPC_INTERNAL_ERROR, "The method returned nothing.");
  host_log ("INFO", "%s: %s in %.1f ms", method->name,
            error ? error->message : "ok", (g_get_monotonic_time () - t0) / 1000.0);
  if (notification)
    return NULL;
  if (error)
    return error_from_gerror (id, error);

  reply = envelope (id);
  json_object_set_member (json_node_get_object (reply), "result", g_steal_pointer (&result));
  out = generate (reply);
  if (g_bytes_get_size (out) > HOST_MAX_REPLY)
    {
      g_autofree char *msg = g_strdup_printf ("The reply would be %zu bytes; native messaging allows %zu.",
                                              g_bytes_get_size (out), HOST_MAX_REPLY);
      return rpc_error_frame (id, RPC_REPLY_TOO_LARGE, msg);
    }
  return g_steal_pointer (&out);
}
