/* The inkan GError domain and OpenSSL error text. */
#include "internal.h"
#include <openssl/err.h>

G_DEFINE_QUARK (inkan-error-quark, inkan_error)

void
_inkan_set_error (GError **error, InkanError code, const char *format, ...)
{
  va_list ap;

  if (error == NULL)
    return;
  va_start (ap, format);
  *error = g_error_new_valist (INKAN_ERROR, code, format, ap);
  va_end (ap);
  /* Addresses and file names from hostile input may not be UTF-8; the
   * sentence goes to terminals and into JSON, so it must be. */
  if (!g_utf8_validate ((*error)->message, -1, NULL))
    {
      char *valid = g_utf8_make_valid ((*error)->message, -1);
      g_free ((*error)->message);
      (*error)->message = valid;
    }
}

/* Returns the reason string of the last queued OpenSSL error, or a generic
 * text; clears the OpenSSL error queue.  Caller frees. */
char *
_inkan_openssl_reason (void)
{
  unsigned long code = ERR_peek_last_error ();
  const char *reason = code ? ERR_reason_error_string (code) : NULL;
  char *text = g_strdup (reason ? reason : "unknown OpenSSL error");

  ERR_clear_error ();
  return text;
}

BIO *
_inkan_bio_from_bytes (GBytes *bytes)
{
  gsize len = 0;
  const void *data = g_bytes_get_data (bytes, &len);

  return BIO_new_mem_buf (data ? data : "", (int) len);
}

GBytes *
_inkan_bio_to_bytes (BIO *bio)
{
  char *data = NULL;
  long len = BIO_get_mem_data (bio, &data);

  return g_bytes_new (data, len > 0 ? (gsize) len : 0);
}

/* A content writer (see core/stream.h) for bytes already in memory; kept
 * here, free of GMime, so that programs linking only the CMS code stay small. */
gboolean
_inkan_write_bytes (BIO *bio, gpointer bytes)
{
  gsize len;
  const char *data = g_bytes_get_data (bytes, &len);

  while (len > 0)
    {
      int n = BIO_write (bio, data, (int) MIN (len, (gsize) INT_MAX));
      if (n <= 0)
        return FALSE;
      data += n;
      len -= (gsize) n;
    }
  return TRUE;
}
