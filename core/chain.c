/* Trust anchors and chain verification for emailProtection.
 *
 * Trust for email is an explicit list of anchors: the email-trusted roots
 * (the Mozilla root store's email-protection trust bit, as Thunderbird uses
 * it; see docs/trust.md for how that file is made) plus anchors the user or
 * administrator adds.  Never the TLS bundle.  Added anchors may be
 * intermediates (X509_V_FLAG_PARTIAL_CHAIN).  The purpose checked is
 * S/MIME signing (RFC 8550 §4.4.4: extKeyUsage, when present, must allow
 * emailProtection).
 */
#include "internal.h"
#include "verify-cache.h"
#include "config.h"
#include <openssl/err.h>
#include <openssl/x509_vfy.h>

struct _InkanTrust {
  X509_STORE *store;
  guint n_anchors;
  InkanVerifyCache *cache;  /* decoded certificates, trusted chains (core/verify-cache.c) */
};

InkanVerifyCache *
_inkan_trust_get_cache (InkanTrust *trust)
{
  return trust ? trust->cache : NULL;
}

/**
 * inkan_trust_system_anchors_path:
 *
 * The PEM file of email-trusted roots used when system anchors are asked
 * for: $INKAN_EMAIL_ANCHORS when set, else the file installed with inkan
 * (datadir/inkan/email-anchors.pem).
 *
 * Returns: (transfer none): a path; the file may not exist.
 */
const char *
inkan_trust_system_anchors_path (void)
{
  const char *env = g_getenv ("INKAN_EMAIL_ANCHORS");

  return env && *env ? env : INKAN_EMAIL_ANCHORS;
}

/**
 * inkan_trust_new:
 * @system_anchors: also trust the email-trusted roots of
 *   inkan_trust_system_anchors_path() (a missing file adds none)
 * @error: return location for #INKAN_ERROR_CERTIFICATE when the system file
 *   exists but cannot be parsed
 *
 * Returns: (transfer full): a new trust set, free with inkan_trust_free().
 */
InkanTrust *
inkan_trust_new (gboolean system_anchors, GError **error)
{
  InkanTrust *trust = g_new0 (InkanTrust, 1);

  trust->store = X509_STORE_new ();
  trust->cache = _inkan_verify_cache_new ();
  X509_STORE_set_flags (trust->store, X509_V_FLAG_PARTIAL_CHAIN);
  if (system_anchors && g_file_test (inkan_trust_system_anchors_path (), G_FILE_TEST_EXISTS)
      && !inkan_trust_add_file (trust, inkan_trust_system_anchors_path (), error))
    {
      inkan_trust_free (trust);
      return NULL;
    }
  return trust;
}

/**
 * inkan_trust_add_file:
 * @trust: a trust set
 * @path: a PEM file with one or more CA certificates (roots or intermediates)
 * @error: return location for #INKAN_ERROR_IO or #INKAN_ERROR_CERTIFICATE
 *
 * Adds every certificate of @path as a trust anchor.  On error @trust is
 * unchanged.
 *
 * Returns: %TRUE on success.
 */
gboolean
inkan_trust_add_file (InkanTrust *trust, const char *path, GError **error)
{
  g_autoptr (GPtrArray) certs = inkan_certificates_load (path, error);

  if (certs == NULL)
    return FALSE;
  for (guint i = 0; i < certs->len; i++)
    {
      X509_STORE_add_cert (trust->store, g_ptr_array_index (certs, i));
      trust->n_anchors++;
    }
  ERR_clear_error (); /* duplicates are not an error */
  return TRUE;
}

/**
 * inkan_trust_add_cert:
 * @trust: a trust set
 * @cert: (transfer none): a CA certificate to trust as an anchor
 */
void
inkan_trust_add_cert (InkanTrust *trust, X509 *cert)
{
  X509_STORE_add_cert (trust->store, cert);
  trust->n_anchors++;
  ERR_clear_error ();
}

/**
 * inkan_trust_free:
 * @trust: (nullable): a trust set
 */
void
inkan_trust_free (InkanTrust *trust)
{
  if (trust == NULL)
    return;
  X509_STORE_free (trust->store);
  _inkan_verify_cache_free (trust->cache);
  g_free (trust);
}

static int
collect_errors_cb (int ok, X509_STORE_CTX *ctx)
{
  InkanChainResult *result = X509_STORE_CTX_get_app_data (ctx);
  int err;

  if (ok)
    return 1;
  err = X509_STORE_CTX_get_error (ctx);
  switch (err)
    {
    case X509_V_ERR_CERT_HAS_EXPIRED:
      result->flags |= INKAN_FLAG_EXPIRED;
      break;
    case X509_V_ERR_CERT_NOT_YET_VALID:
      result->flags |= INKAN_FLAG_NOT_YET_VALID;
      break;
    default:
      result->flags |= INKAN_FLAG_UNTRUSTED;
      break;
    }
  if (result->error_text == NULL)
    result->error_text = g_strdup (X509_verify_cert_error_string (err));
  /* Keep going so that every reason is collected (an expired certificate
   * under an unknown root is both expired and untrusted). */
  return 1;
}

/* Verifies @cert for S/MIME signing at @at (seconds since the epoch) with
 * @untrusted as intermediates; fills @result (caller frees error_text). */
void
_inkan_trust_check (InkanTrust *trust, X509 *cert, STACK_OF (X509) *untrusted,
                    gint64 at, InkanChainResult *result)
{
  X509_STORE_CTX *ctx = X509_STORE_CTX_new ();

  memset (result, 0, sizeof *result);
  /* A chain already found trusted with no flag, valid at @at: the same
   * answer without repeating the CA signature checks. */
  if (_inkan_verify_cache_chain_trusted (trust->cache, cert, untrusted, at))
    {
      X509_STORE_CTX_free (ctx);
      result->trusted = TRUE;
      return;
    }
  if (ctx == NULL || !X509_STORE_CTX_init (ctx, trust->store, cert, untrusted))
    {
      result->flags = INKAN_FLAG_UNTRUSTED;
      result->error_text = g_strdup ("cannot set up chain verification");
      X509_STORE_CTX_free (ctx);
      return;
    }
  X509_STORE_CTX_set_purpose (ctx, X509_PURPOSE_SMIME_SIGN);
  X509_VERIFY_PARAM_set_time (X509_STORE_CTX_get0_param (ctx), (time_t) at);
  X509_STORE_CTX_set_app_data (ctx, result);
  X509_STORE_CTX_set_verify_cb (ctx, collect_errors_cb);
  if (X509_verify_cert (ctx) <= 0 && result->flags == 0)
    {
      result->flags = INKAN_FLAG_UNTRUSTED;
      result->error_text = g_strdup (X509_verify_cert_error_string (X509_STORE_CTX_get_error (ctx)));
    }
  result->trusted = (result->flags == 0);
  if (result->trusted)
    _inkan_verify_cache_add_chain (trust->cache, cert, untrusted, X509_STORE_CTX_get0_chain (ctx));
  X509_STORE_CTX_free (ctx);
  ERR_clear_error ();
}
