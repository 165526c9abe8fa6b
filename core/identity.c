/* Identities: a private key, its certificate and the intermediates.
 *
 * Sources: PKCS#12 (RFC 7292) with PBES2/AES (OpenSSL 3 default), 3DES, or
 * RC2-40 (needs the legacy provider, loaded by inkan_init()); or a PEM file
 * holding a private key (PKCS#8, encrypted or not, or a traditional key)
 * plus certificates.  The key is matched to its certificate by public key,
 * never by order in the file.
 */
#include "internal.h"
#include <openssl/decoder.h>
#include <openssl/err.h>
#include <openssl/pem.h>
#include <openssl/pkcs12.h>

struct _InkanIdentity {
  EVP_PKEY *key;
  X509 *cert;
  STACK_OF (X509) *chain;
};

/* Upper bound on identity and certificate files: a real one is a few KiB. */
#define MAX_FILE_SIZE (4 * 1024 * 1024)

GBytes *
_inkan_read_file (const char *path, const char *what, GError **error)
{
  char *data = NULL;
  gsize len = 0;
  g_autoptr (GError) local = NULL;

  if (!g_file_get_contents (path, &data, &len, &local))
    {
      _inkan_set_error (error, INKAN_ERROR_IO, _("Cannot read the %s file “%s”: %s."),
                        what, path, local->message);
      return NULL;
    }
  if (len > MAX_FILE_SIZE)
    {
      g_free (data);
      _inkan_set_error (error, INKAN_ERROR_IO, _("The %s file “%s” is too large to be one."), what, path);
      return NULL;
    }
  return g_bytes_new_take (data, len);
}

static GPtrArray *
new_cert_array (void)
{
  return g_ptr_array_new_with_free_func ((GDestroyNotify) X509_free);
}

InkanIdentity *
_inkan_identity_new_from_parts (EVP_PKEY *key, GPtrArray *certs, GError **error)
{
  InkanIdentity *id;
  X509 *leaf = NULL;

  for (guint i = 0; i < certs->len && !leaf; i++)
    {
      X509 *c = g_ptr_array_index (certs, i);
      if (X509_check_private_key (c, key) == 1)
        leaf = c;
    }
  ERR_clear_error ();
  if (leaf == NULL)
    {
      _inkan_set_error (error, INKAN_ERROR_IDENTITY,
                        certs->len ? _("The private key does not match any of the certificates given with it.")
                                   : _("No certificate was given with the private key."));
      return NULL;
    }
  id = g_new0 (InkanIdentity, 1);
  id->key = key;
  EVP_PKEY_up_ref (key);
  id->cert = leaf;
  X509_up_ref (leaf);
  id->chain = sk_X509_new_null ();
  for (guint i = 0; i < certs->len; i++)
    {
      X509 *c = g_ptr_array_index (certs, i);
      /* Never send the root: a self-signed certificate adds nothing
       * (RFC 8550 §3 lets the sender omit it; the receiver must have it). */
      gboolean dup = c == leaf || X509_cmp (c, leaf) == 0;
      for (int j = 0; !dup && j < sk_X509_num (id->chain); j++)
        dup = X509_cmp (sk_X509_value (id->chain, j), c) == 0;
      /* A file may list a certificate twice; CMS refuses duplicates. */
      if (dup || X509_check_issued (c, c) == X509_V_OK)
        continue;
      X509_up_ref (c);
      sk_X509_push (id->chain, c);
    }
  return id;
}

static gboolean
looks_like_pem (GBytes *bytes)
{
  gsize len;
  const char *data = g_bytes_get_data (bytes, &len);

  return len > 0 && g_strstr_len (data, MIN (len, (gsize) 65536), "-----BEGIN ") != NULL;
}

static InkanIdentity *
load_pkcs12 (PKCS12 *p12, const char *path, const char *passphrase, GError **error)
{
  EVP_PKEY *key = NULL;
  X509 *cert = NULL;
  STACK_OF (X509) *ca = NULL;
  const char *pass = passphrase;
  g_autoptr (GPtrArray) certs = NULL;
  InkanIdentity *id;

  /* RFC 7292 §5.1: the MAC proves the passphrase.  Try the empty
   * passphrase (both encodings) when none was given. */
  if (pass == NULL)
    {
      if (PKCS12_verify_mac (p12, "", 0) == 1)
        pass = "";
      else if (PKCS12_verify_mac (p12, NULL, 0) == 1)
        pass = NULL;
      else
        {
          ERR_clear_error ();
          _inkan_set_error (error, INKAN_ERROR_PASSPHRASE_REQUIRED,
                            _("The PKCS#12 file “%s” is protected by a passphrase; give it with --passphrase-fd or --passphrase-file."),
                            path);
          return NULL;
        }
    }
  else if (PKCS12_mac_present (p12) && PKCS12_verify_mac (p12, pass, -1) != 1)
    {
      ERR_clear_error ();
      _inkan_set_error (error, INKAN_ERROR_BAD_PASSPHRASE,
                        _("The passphrase for “%s” is wrong."), path);
      return NULL;
    }
  if (!PKCS12_parse (p12, pass, &key, &cert, &ca))
    {
      g_autofree char *why = _inkan_openssl_reason ();
      _inkan_set_error (error, INKAN_ERROR_IDENTITY,
                        _("The PKCS#12 file “%s” cannot be decrypted (%s); if it uses RC2, the OpenSSL legacy provider must be installed."),
                        path, why);
      return NULL;
    }
  if (key == NULL)
    {
      X509_free (cert);
      sk_X509_pop_free (ca, X509_free);
      _inkan_set_error (error, INKAN_ERROR_IDENTITY,
                        _("The PKCS#12 file “%s” holds no private key."), path);
      return NULL;
    }
  certs = new_cert_array ();
  if (cert)
    g_ptr_array_add (certs, cert);
  for (int i = 0; ca && i < sk_X509_num (ca); i++)
    {
      X509 *c = sk_X509_value (ca, i);
      X509_up_ref (c);
      g_ptr_array_add (certs, c);
    }
  sk_X509_pop_free (ca, X509_free);
  id = _inkan_identity_new_from_parts (key, certs, error);
  EVP_PKEY_free (key);
  return id;
}

typedef struct {
  const char *passphrase;
  gboolean asked;
} PassData;

static int
pem_passphrase_cb (char *buf, int size, int rwflag, void *user_data)
{
  PassData *pd = user_data;
  size_t len;

  (void) rwflag;
  pd->asked = TRUE;
  if (pd->passphrase == NULL)
    return -1;
  len = strlen (pd->passphrase);
  if (len > (size_t) size)
    return -1;
  memcpy (buf, pd->passphrase, len);
  return (int) len;
}

static GPtrArray *
read_pem_certs (GBytes *bytes)
{
  GPtrArray *certs = new_cert_array ();
  g_autoptr (BIO) bio = _inkan_bio_from_bytes (bytes);
  X509 *c;

  while ((c = PEM_read_bio_X509 (bio, NULL, NULL, NULL)) != NULL)
    g_ptr_array_add (certs, c);
  ERR_clear_error ();
  return certs;
}

/* The key of a PEM identity when it is an unencrypted PKCS#8 key ("PRIVATE
 * KEY"), decoded with the decoder for its structure and algorithm only;
 * NULL for anything else, and the caller takes PEM_read_bio_PrivateKey(),
 * which sets up decoders for every key type and structure: about 3 million
 * instructions more, 7 % of a whole `inkan sign` of a small mail
 * (docs/performance.md).  Certificates before the key are skipped, as
 * PEM_read_bio_PrivateKey() does; any other block first (an encrypted or
 * traditional key, a public key) is left to it. */
static EVP_PKEY *
read_plain_pkcs8 (GBytes *bytes)
{
  g_autoptr (BIO) bio = _inkan_bio_from_bytes (bytes);
  EVP_PKEY *key = NULL;
  char *name = NULL, *header = NULL;
  unsigned char *der = NULL;
  long len = 0;

  while (bio && PEM_read_bio (bio, &name, &header, &der, &len) == 1)
    {
      gboolean cert = !strcmp (name, PEM_STRING_X509) || !strcmp (name, PEM_STRING_X509_OLD)
                      || !strcmp (name, PEM_STRING_X509_TRUSTED);

      if (!cert && !strcmp (name, PEM_STRING_PKCS8INF) && *header == '\0')
        {
          const unsigned char *p = der;
          PKCS8_PRIV_KEY_INFO *p8 = d2i_PKCS8_PRIV_KEY_INFO (NULL, &p, len);
          const ASN1_OBJECT *alg = NULL;
          char oid[128];

          /* The keytype as a dotted OID, which every provider lists among
           * its algorithm's names. */
          if (p8 && PKCS8_pkey_get0 (&alg, NULL, NULL, NULL, p8)
              && OBJ_obj2txt (oid, sizeof oid, alg, 1) > 0)
            {
              OSSL_DECODER_CTX *dctx = OSSL_DECODER_CTX_new_for_pkey (&key, "DER", "PrivateKeyInfo", oid,
                                                                     EVP_PKEY_KEYPAIR, NULL, NULL);
              const unsigned char *in = der;
              size_t left = (size_t) len;

              if (dctx == NULL || !OSSL_DECODER_from_data (dctx, &in, &left))
                g_clear_pointer (&key, EVP_PKEY_free);
              OSSL_DECODER_CTX_free (dctx);
            }
          PKCS8_PRIV_KEY_INFO_free (p8);
        }
      OPENSSL_free (name);
      OPENSSL_free (header);
      OPENSSL_clear_free (der, len);
      if (!cert)
        break;
    }
  ERR_clear_error ();
  return key;
}

InkanIdentity *
_inkan_identity_load_pem (GBytes *bytes, const char *path, const char *passphrase, GError **error)
{
  g_autoptr (BIO) bio = _inkan_bio_from_bytes (bytes);
  PassData pd = { passphrase, FALSE };
  g_autoptr (EVP_PKEY) key = read_plain_pkcs8 (bytes);
  g_autoptr (GPtrArray) certs = NULL;

  if (key == NULL)
    key = PEM_read_bio_PrivateKey (bio, NULL, pem_passphrase_cb, &pd);
  if (key == NULL)
    {
      ERR_clear_error ();
      if (pd.asked && passphrase == NULL)
        _inkan_set_error (error, INKAN_ERROR_PASSPHRASE_REQUIRED,
                          _("The private key in “%s” is encrypted; give its passphrase with --passphrase-fd or --passphrase-file."),
                          path);
      else if (pd.asked)
        _inkan_set_error (error, INKAN_ERROR_BAD_PASSPHRASE, _("The passphrase for “%s” is wrong."), path);
      else
        _inkan_set_error (error, INKAN_ERROR_IDENTITY,
                          _("“%s” holds no private key; give a PKCS#12 file or a PEM file with the key and its certificates."),
                          path);
      return NULL;
    }
  certs = read_pem_certs (bytes);
  return _inkan_identity_new_from_parts (key, certs, error);
}

/**
 * inkan_identity_load:
 * @path: a PKCS#12 file (.p12/.pfx, DER) or a PEM file with a private key
 *   and its certificates (leaf and intermediates, in any order)
 * @passphrase: (nullable): the passphrase; %NULL to try without one
 * @error: return location for an error:
 *   #INKAN_ERROR_IO (unreadable), #INKAN_ERROR_PASSPHRASE_REQUIRED (encrypted
 *   and @passphrase is %NULL: ask the user, then call again),
 *   #INKAN_ERROR_BAD_PASSPHRASE, #INKAN_ERROR_IDENTITY (no key, no
 *   certificate, key matches no certificate, unknown format)
 *
 * Loads a signing/decryption identity.  Nothing is written anywhere.
 * Self-signed certificates found in the file are dropped from the chain.
 *
 * Returns: (transfer full): the identity, free with inkan_identity_free().
 */
InkanIdentity *
inkan_identity_load (const char *path, const char *passphrase, GError **error)
{
  g_autoptr (GBytes) bytes = _inkan_read_file (path, _("identity"), error);
  const unsigned char *p;
  gsize len;
  PKCS12 *p12;
  InkanIdentity *id;

  if (bytes == NULL)
    return NULL;
  if (looks_like_pem (bytes))
    return _inkan_identity_load_pem (bytes, path, passphrase, error);

  p = g_bytes_get_data (bytes, &len);
  p12 = d2i_PKCS12 (NULL, &p, (long) len);
  if (p12 == NULL)
    {
      ERR_clear_error ();
      _inkan_set_error (error, INKAN_ERROR_IDENTITY,
                        _("“%s” is neither a PKCS#12 file nor a PEM file with a key; it may be truncated or of another kind."),
                        path);
      return NULL;
    }
  id = load_pkcs12 (p12, path, passphrase, error);
  PKCS12_free (p12);
  return id;
}

/**
 * inkan_identity_free:
 * @identity: (nullable): an identity
 *
 * Frees @identity and the key material it holds.
 */
void
inkan_identity_free (InkanIdentity *identity)
{
  if (identity == NULL)
    return;
  EVP_PKEY_free (identity->key);
  X509_free (identity->cert);
  sk_X509_pop_free (identity->chain, X509_free);
  g_free (identity);
}

/**
 * inkan_identity_get_certificate:
 * @identity: an identity
 *
 * Returns: (transfer none): the end-entity certificate.
 */
X509 *
inkan_identity_get_certificate (InkanIdentity *identity)
{
  return identity->cert;
}

/**
 * inkan_identity_get_key:
 * @identity: an identity
 *
 * Returns: (transfer none): the private key.
 */
EVP_PKEY *
inkan_identity_get_key (InkanIdentity *identity)
{
  return identity->key;
}

/**
 * inkan_identity_get_chain:
 * @identity: an identity
 *
 * Returns: (transfer none): the intermediate CA certificates (no root).
 */
STACK_OF (X509) *
inkan_identity_get_chain (InkanIdentity *identity)
{
  return identity->chain;
}

/**
 * inkan_certificates_load:
 * @path: a PEM file with one or more certificates, or one DER certificate
 * @error: return location for #INKAN_ERROR_IO or #INKAN_ERROR_CERTIFICATE
 *
 * Loads recipient or anchor certificates.
 *
 * Returns: (transfer full) (element-type X509): the certificates, at least one.
 */
GPtrArray *
inkan_certificates_load (const char *path, GError **error)
{
  g_autoptr (GBytes) bytes = _inkan_read_file (path, _("certificate"), error);
  g_autoptr (GPtrArray) certs = NULL;

  if (bytes == NULL)
    return NULL;
  if (looks_like_pem (bytes))
    certs = read_pem_certs (bytes);
  else
    {
      gsize len;
      const unsigned char *p = g_bytes_get_data (bytes, &len);
      X509 *c = d2i_X509 (NULL, &p, (long) len);

      ERR_clear_error ();
      certs = new_cert_array ();
      if (c)
        g_ptr_array_add (certs, c);
    }
  if (certs->len == 0)
    {
      _inkan_set_error (error, INKAN_ERROR_CERTIFICATE,
                        _("“%s” holds no certificate (PEM or DER expected)."), path);
      return NULL;
    }
  return g_steal_pointer (&certs);
}
