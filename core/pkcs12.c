/* PKCS#12 export (RFC 7292): what clients import. */
#include "internal.h"
#include <openssl/err.h>
#include <openssl/pkcs12.h>

/**
 * inkan_identity_export_pkcs12:
 * @identity: the identity (key, certificate, intermediates)
 * @passphrase: the passphrase protecting the file; not empty
 * @legacy: %FALSE for PBES2 with AES-256-CBC and PBKDF2, and an HMAC-SHA-256
 *   MAC (what OpenSSL 3 and current clients use); %TRUE for
 *   pbeWithSHAAnd3-KeyTripleDES-CBC and a SHA-1 MAC, for old clients and
 *   gpgsm 2.2, which cannot read AES PKCS#12
 * @friendly_name: (nullable): the friendlyName attribute; default: the
 *   first address of the certificate
 * @error: return location for #INKAN_ERROR_FAILED
 *
 * Returns: (transfer full): the DER PKCS#12 file, or %NULL.
 */
GBytes *
inkan_identity_export_pkcs12 (InkanIdentity *identity, const char *passphrase, gboolean legacy,
                              const char *friendly_name, GError **error)
{
  X509 *cert = inkan_identity_get_certificate (identity);
  g_autoptr (GPtrArray) emails = inkan_certificate_get_addresses (cert, NULL);
  const char *name = friendly_name ? friendly_name : emails->len ? g_ptr_array_index (emails, 0) : NULL;
  int nid_key = legacy ? NID_pbe_WithSHA1And3_Key_TripleDES_CBC : NID_aes_256_cbc;
  int nid_cert = legacy ? NID_pbe_WithSHA1And3_Key_TripleDES_CBC : NID_aes_256_cbc;
  PKCS12 *p12;
  g_autoptr (BIO) out = BIO_new (BIO_s_mem ());

  p12 = PKCS12_create_ex (passphrase, name, inkan_identity_get_key (identity), cert,
                          inkan_identity_get_chain (identity), nid_key, nid_cert,
                          PKCS12_DEFAULT_ITER, PKCS12_DEFAULT_ITER, 0, NULL, NULL);
  if (p12)
    {
      /* The MAC digest is chosen, not left to OpenSSL's default: SHA-256,
       * or SHA-1 for the clients that only know that. */
      EVP_MD *md = EVP_MD_fetch (NULL, legacy ? "SHA1" : "SHA256", NULL);
      int ok = md && PKCS12_set_mac (p12, passphrase, -1, NULL, 0, PKCS12_DEFAULT_ITER, md);
      EVP_MD_free (md);
      if (!ok)
        {
          PKCS12_free (p12);
          p12 = NULL;
        }
    }
  if (p12 == NULL || !i2d_PKCS12_bio (out, p12))
    {
      g_autofree char *why = _inkan_openssl_reason ();
      PKCS12_free (p12);
      _inkan_set_error (error, INKAN_ERROR_FAILED, _("Cannot make the PKCS#12 file: %s."), why);
      return NULL;
    }
  PKCS12_free (p12);
  return _inkan_bio_to_bytes (out);
}

/**
 * inkan_passphrase_is_strong:
 * @passphrase: a candidate passphrase
 *
 * The rule DigiCert gives for PKCS#12 passwords: 12 to 72 characters, with
 * at least three of: lower case, upper case, digits, other characters.
 *
 * Returns: %TRUE when @passphrase follows it.
 */
gboolean
inkan_passphrase_is_strong (const char *passphrase)
{
  gboolean lower = FALSE, upper = FALSE, digit = FALSE, other = FALSE;
  glong len = g_utf8_strlen (passphrase, -1);

  if (len < 12 || len > 72)
    return FALSE;
  for (const char *p = passphrase; *p; p++)
    {
      if (g_ascii_islower (*p)) lower = TRUE;
      else if (g_ascii_isupper (*p)) upper = TRUE;
      else if (g_ascii_isdigit (*p)) digit = TRUE;
      else other = TRUE;
    }
  return lower + upper + digit + other >= 3;
}
