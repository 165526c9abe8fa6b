/* Typed, validated access to a request's "params" object.  Every failure is
 * HOST_ERROR / RPC_INVALID_PARAMS with a sentence naming the member. */
#include "host.h"
#include <openssl/err.h>
#include <openssl/pem.h>

void
params_error (GError **error, const char *format, ...)
{
  va_list ap;

  va_start (ap, format);
  if (error && *error == NULL)
    *error = g_error_new_valist (HOST_ERROR, RPC_INVALID_PARAMS, format, ap);
  va_end (ap);
}

gboolean
params_check_members (Params *p, const char *const *allowed, GError **error)
{
  GList *members;
  gboolean ok = TRUE;

  if (p->obj == NULL)
    return TRUE;
  members = json_object_get_members (p->obj);
  for (GList *l = members; l && ok; l = l->next)
    if (!g_strv_contains (allowed, l->data))
      {
        g_autofree char *name = rpc_excerpt (l->data);
        params_error (error, "Unknown parameter \"%s\".", name);
        ok = FALSE;
      }
  g_list_free (members);
  return ok;
}

static JsonNode *
member (Params *p, const char *name)
{
  JsonNode *n = p->obj ? json_object_get_member (p->obj, name) : NULL;

  return n && !JSON_NODE_HOLDS_NULL (n) ? n : NULL;
}

gboolean
params_string (Params *p, const char *name, gboolean required, gsize max_len,
               const char **out, GError **error)
{
  JsonNode *n = member (p, name);

  *out = NULL;
  if (n == NULL)
    {
      if (required)
        params_error (error, "The parameter \"%s\" is required.", name);
      return !required;
    }
  if (!JSON_NODE_HOLDS_VALUE (n) || json_node_get_value_type (n) != G_TYPE_STRING)
    {
      params_error (error, "The parameter \"%s\" must be a string.", name);
      return FALSE;
    }
  *out = json_node_get_string (n);
  if (strlen (*out) > max_len)
    {
      params_error (error, "The parameter \"%s\" is longer than %zu bytes.", name, max_len);
      return FALSE;
    }
  if (required && **out == '\0')
    {
      params_error (error, "The parameter \"%s\" is empty.", name);
      return FALSE;
    }
  return TRUE;
}

gboolean
params_bool (Params *p, const char *name, gboolean *out, GError **error)
{
  JsonNode *n = member (p, name);

  if (n == NULL)
    return TRUE;
  if (!JSON_NODE_HOLDS_VALUE (n) || json_node_get_value_type (n) != G_TYPE_BOOLEAN)
    {
      params_error (error, "The parameter \"%s\" must be true or false.", name);
      return FALSE;
    }
  *out = json_node_get_boolean (n);
  return TRUE;
}

gboolean
params_int (Params *p, const char *name, gint64 min, gint64 max, gint64 *out, GError **error)
{
  JsonNode *n = member (p, name);

  if (n == NULL)
    return TRUE;
  if (!JSON_NODE_HOLDS_VALUE (n) || json_node_get_value_type (n) != G_TYPE_INT64
      || json_node_get_int (n) < min || json_node_get_int (n) > max)
    {
      params_error (error, "The parameter \"%s\" must be an integer from %" G_GINT64_FORMAT
                    " to %" G_GINT64_FORMAT ".", name, min, max);
      return FALSE;
    }
  *out = json_node_get_int (n);
  return TRUE;
}

/* "at": seconds since the epoch, or an ISO 8601 date-time. */
gboolean
params_time (Params *p, const char *name, gint64 *out, GError **error)
{
  JsonNode *n = member (p, name);

  if (n == NULL)
    return TRUE;
  if (JSON_NODE_HOLDS_VALUE (n) && json_node_get_value_type (n) == G_TYPE_STRING)
    {
      g_autoptr (GTimeZone) utc = g_time_zone_new_utc ();
      g_autoptr (GDateTime) dt = g_date_time_new_from_iso8601 (json_node_get_string (n), utc);
      if (dt == NULL)
        {
          params_error (error, "The parameter \"%s\" is not an ISO 8601 date-time.", name);
          return FALSE;
        }
      *out = g_date_time_to_unix (dt);
      return TRUE;
    }
  return params_int (p, name, 1, G_GINT64_CONSTANT (253402300799), out, error);
}

gboolean
params_array (Params *p, const char *name, gboolean required, guint max_len,
              JsonArray **out, GError **error)
{
  JsonNode *n = member (p, name);

  *out = NULL;
  if (n == NULL)
    {
      if (required)
        params_error (error, "The parameter \"%s\" is required.", name);
      return !required;
    }
  if (!JSON_NODE_HOLDS_ARRAY (n))
    {
      params_error (error, "The parameter \"%s\" must be an array.", name);
      return FALSE;
    }
  *out = json_node_get_array (n);
  if (json_array_get_length (*out) > max_len)
    {
      params_error (error, "The parameter \"%s\" has more than %u elements.", name, max_len);
      return FALSE;
    }
  return TRUE;
}

/* Strict base64 (RFC 4648 §4; whitespace allowed between groups). */
GBytes *
params_base64 (const char *text, gsize max_decoded, const char *what, GError **error)
{
  g_autoptr (GString) clean = g_string_sized_new (strlen (text));
  guchar *raw;
  gsize len;
  int pad = 0;

  for (const char *c = text; *c; c++)
    {
      if (g_ascii_isspace (*c))
        continue;
      if (*c == '=')
        pad++;
      else if (pad || !(g_ascii_isalnum (*c) || *c == '+' || *c == '/'))
        {
          params_error (error, "%s is not base64.", what);
          return NULL;
        }
      g_string_append_c (clean, *c);
    }
  if (clean->len % 4 != 0 || pad > 2)
    {
      params_error (error, "%s is not base64 (its length is not a multiple of 4).", what);
      return NULL;
    }
  if (clean->len / 4 * 3 > max_decoded + 2)
    {
      params_error (error, "%s is larger than %zu bytes.", what, max_decoded);
      return NULL;
    }
  raw = g_base64_decode (clean->str, &len);
  if (len > max_decoded)
    {
      g_free (raw);
      params_error (error, "%s is larger than %zu bytes.", what, max_decoded);
      return NULL;
    }
  return g_bytes_new_take (raw, len);
}

/* A certificate given as PEM text or as base64 DER. */
X509 *
params_certificate (const char *text, const char *what, GError **error)
{
  X509 *x = NULL;

  if (strstr (text, "-----BEGIN"))
    {
      BIO *bio = BIO_new_mem_buf (text, -1);
      x = PEM_read_bio_X509 (bio, NULL, NULL, NULL);
      BIO_free (bio);
    }
  else
    {
      g_autoptr (GBytes) der = params_base64 (text, 64 * 1024, what, error);
      const unsigned char *p;
      gsize len;

      if (der == NULL)
        return NULL;
      p = g_bytes_get_data (der, &len);
      x = d2i_X509 (NULL, &p, (long) len);
      if (x && p != (const unsigned char *) g_bytes_get_data (der, NULL) + len)
        g_clear_pointer (&x, X509_free);
    }
  ERR_clear_error ();
  if (x == NULL)
    params_error (error, "%s is not an X.509 certificate (PEM or base64 DER).", what);
  return x;
}
