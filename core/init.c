/* Library initialisation: GMime, OpenSSL providers, crypto context registration. */
#include "internal.h"
#include "config.h"
#include <openssl/crypto.h>
#include <openssl/provider.h>

static GMimeCryptoContext *
new_smime_context (void)
{
  return GMIME_CRYPTO_CONTEXT (inkan_smime_context_new ());
}

/**
 * inkan_init:
 *
 * Initialises GMime, loads the OpenSSL "default" and "legacy" providers (the
 * legacy one decrypts RC2-40 PKCS#12 files that older CAs and Windows still
 * produce) and registers #InkanSmimeContext for application/pkcs7-signature,
 * application/x-pkcs7-signature, application/pkcs7-mime and
 * application/x-pkcs7-mime (RFC 8551 §3.2).  Safe to call more than once.
 * The legacy provider is optional: when it is missing, only RC2 PKCS#12
 * files fail to load.
 */
void
inkan_init (void)
{
  static gsize done = 0;

  if (!g_once_init_enter (&done))
    return;
  g_mime_init ();
  /* The providers live as long as the process.  OpenSSL's exit-time
   * cleanup would free the library context under them and leave them
   * unreachable, which LeakSanitizer reports; without it they stay
   * reachable and the process exit frees everything. */
  OPENSSL_init_crypto (OPENSSL_INIT_NO_ATEXIT, NULL);
  OSSL_PROVIDER_load (NULL, "default");
  OSSL_PROVIDER_load (NULL, "legacy");
  bindtextdomain (GETTEXT_PACKAGE, INKAN_LOCALEDIR);
  bind_textdomain_codeset (GETTEXT_PACKAGE, "UTF-8");
  g_mime_crypto_context_register ("application/pkcs7-signature", new_smime_context);
  g_mime_crypto_context_register ("application/x-pkcs7-signature", new_smime_context);
  g_mime_crypto_context_register ("application/pkcs7-mime", new_smime_context);
  g_mime_crypto_context_register ("application/x-pkcs7-mime", new_smime_context);
  g_once_init_leave (&done, 1);
}

/**
 * inkan_version:
 *
 * Returns: (transfer none): the library version, e.g. "0.1.0".
 */
const char *
inkan_version (void)
{
  return INKAN_VERSION;
}
