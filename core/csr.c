/* Key and certificate signing request (RFC 2986) for CA enrolment flows
 * where the user keeps the key (Secure Mail ID, MPKI, NII UPKI CSR). */
#include "internal.h"
#include <openssl/err.h>
#include <openssl/pem.h>
#include <openssl/rsa.h>
#include <openssl/x509v3.h>

static EVP_PKEY *
generate_key (const char *type, GError **error)
{
  EVP_PKEY *key = NULL;

  if (!g_strcmp0 (type, "rsa2048") || type == NULL)
    key = EVP_RSA_gen (2048);
  else if (!strcmp (type, "rsa3072"))
    key = EVP_RSA_gen (3072);
  else if (!strcmp (type, "rsa4096"))
    key = EVP_RSA_gen (4096);
  else if (!strcmp (type, "p256"))
    key = EVP_EC_gen ("P-256");
  else if (!strcmp (type, "p384"))
    key = EVP_EC_gen ("P-384");
  else
    {
      _inkan_set_error (error, INKAN_ERROR_UNSUPPORTED,
                        _("Unknown key type “%s”; use rsa2048, rsa3072, rsa4096, p256 or p384."), type);
      return NULL;
    }
  if (key == NULL)
    _inkan_set_error (error, INKAN_ERROR_FAILED, _("Key generation failed."));
  return key;
}

/**
 * inkan_csr_new:
 * @email: the mailbox address the certificate is for
 * @key_type: (nullable): rsa2048 (default), rsa3072, rsa4096, p256 or p384;
 *   SBR 6.1.5 requires RSA of at least 2048 bits or P-256/P-384/P-521
 * @subject: (nullable): the subject DN in OpenSSL's "/C=JP/O=.../CN=..."
 *   form; default: CN=@email
 * @key: (out) (transfer full): the new private key
 * @error: return location for #INKAN_ERROR_UNSUPPORTED, #INKAN_ERROR_NO_FROM
 *   (not an address) or #INKAN_ERROR_FAILED
 *
 * Makes a CSR signed with SHA-256 whose extensionRequest carries
 * subjectAltName rfc822Name = @email (RFC 2985 §5.4.2); CAs take the SAN
 * from there or from validation, per SBR 7.1.4.2.1.
 *
 * Returns: (transfer full): the CSR in PEM, or %NULL.
 */
char *
inkan_csr_new (const char *email, const char *key_type, const char *subject,
               EVP_PKEY **key, GError **error)
{
  g_autofree char *norm = inkan_address_normalize (email, error);
  g_autoptr (EVP_PKEY) pkey = NULL;
  X509_REQ *req = NULL;
  X509_NAME *name = NULL;
  STACK_OF (X509_EXTENSION) *exts = NULL;
  X509_EXTENSION *san = NULL;
  g_autofree char *san_value = NULL;
  g_autoptr (BIO) out = NULL;
  char *pem = NULL, *data = NULL;
  long len;

  if (norm == NULL || (pkey = generate_key (key_type, error)) == NULL)
    return NULL;
  req = X509_REQ_new ();
  name = X509_NAME_new ();
  if (subject && *subject)
    {
      /* "/K=V/K=V": split on unescaped '/'. */
      g_auto (GStrv) parts = g_strsplit (subject[0] == '/' ? subject + 1 : subject, "/", -1);
      for (int i = 0; parts[i]; i++)
        {
          char *eq = strchr (parts[i], '=');
          g_autofree char *field = eq ? g_strndup (parts[i], eq - parts[i]) : NULL;
          if (field == NULL || !X509_NAME_add_entry_by_txt (name, field, MBSTRING_UTF8,
                                                            (unsigned char *) eq + 1, -1, -1, 0))
            {
              _inkan_set_error (error, INKAN_ERROR_UNSUPPORTED,
                                _("The subject “%s” is not of the form /C=JP/O=Example/CN=name."), subject);
              goto fail_quiet;
            }
        }
    }
  else
    X509_NAME_add_entry_by_txt (name, "CN", MBSTRING_UTF8, (unsigned char *) email, -1, -1, 0);
  san_value = g_strdup_printf ("email:%s", email);
  exts = sk_X509_EXTENSION_new_null ();
  san = X509V3_EXT_conf_nid (NULL, NULL, NID_subject_alt_name, san_value);
  if (san == NULL || !sk_X509_EXTENSION_push (exts, san)
      || !X509_REQ_set_version (req, 0) || !X509_REQ_set_subject_name (req, name)
      || !X509_REQ_set_pubkey (req, pkey) || !X509_REQ_add_extensions (req, exts)
      || !X509_REQ_sign (req, pkey, EVP_sha256 ()))
    goto fail;
  out = BIO_new (BIO_s_mem ());
  if (!PEM_write_bio_X509_REQ (out, req))
    goto fail;
  len = BIO_get_mem_data (out, &data);
  pem = g_strndup (data, len);
  *key = g_steal_pointer (&pkey);
  goto done;

fail:
  {
    g_autofree char *why = _inkan_openssl_reason ();
    _inkan_set_error (error, INKAN_ERROR_FAILED, _("Cannot make the certificate request: %s."), why);
  }
fail_quiet:
done:
  sk_X509_EXTENSION_pop_free (exts, X509_EXTENSION_free);
  X509_NAME_free (name);
  X509_REQ_free (req);
  return pem;
}
