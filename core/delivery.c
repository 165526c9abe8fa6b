/* CA deliveries: whatever a CA or a user hands over, read into keys and
 * certificates.
 *
 * Shapes seen from DigiCert, Secure Mail ID, MPKI Lite and NII UPKI (see
 * docs/import.md): a PKCS#12 (.p12/.pfx; PBES2/AES, 3DES or RC2-40), the
 * user's own private key (PEM, PKCS#8 encrypted or not) with a leaf .crt and
 * an intermediate .crt (PEM or DER), a .p7b/.p7c (PKCS#7 certs-only, RFC 2315
 * §9.1 "degenerate" SignedData, PEM or DER), or a zip of such files.  Zip
 * archives are read with libarchive, in the libinkan-ext module
 * (core/delivery-zip.c).
 */
#include "ext.h"
#include <openssl/err.h>
#include <openssl/pem.h>
#include <openssl/pkcs12.h>
#include <openssl/pkcs7.h>

#define MAX_DELIVERY_FILE (8 * 1024 * 1024)
#define MAX_ZIP_DEPTH 2

struct _InkanDelivery {
  GPtrArray *keys;     /* EVP_PKEY* */
  GPtrArray *certs;    /* X509*, every certificate given, in order, no duplicates */
  char *passphrase;    /* the one that opened the key, wiped on free */
  InkanIdentity *identity;
};

typedef struct {
  InkanPassphraseFunc ask;
  gpointer ask_data;
  const char *what;
  char *answer;        /* borrowed from the delivery */
  char **store;        /* where the delivery keeps the passphrase */
  GError *error;
  gboolean asked;
} Asker;

static const char *
asker_get (Asker *a)
{
  if (*a->store)
    return *a->store;
  if (a->asked || a->ask == NULL)
    return NULL;
  a->asked = TRUE;
  *a->store = a->ask (a->what, a->ask_data, &a->error);
  return *a->store;
}

static void
add_cert (InkanDelivery *d, X509 *cert)
{
  for (guint i = 0; i < d->certs->len; i++)
    if (X509_cmp (g_ptr_array_index (d->certs, i), cert) == 0)
      {
        X509_free (cert);
        return;
      }
  g_ptr_array_add (d->certs, cert);
}

static void
add_cert_stack (InkanDelivery *d, STACK_OF (X509) *certs)
{
  for (int i = 0; certs && i < sk_X509_num (certs); i++)
    {
      X509 *c = sk_X509_value (certs, i);
      X509_up_ref (c);
      add_cert (d, c);
    }
}

static gboolean
read_pkcs12 (InkanDelivery *d, PKCS12 *p12, Asker *a, GError **error)
{
  EVP_PKEY *key = NULL;
  X509 *cert = NULL;
  STACK_OF (X509) *ca = NULL;
  const char *pass = NULL;

  if (PKCS12_verify_mac (p12, "", 0) == 1)
    pass = "";
  else if (PKCS12_verify_mac (p12, NULL, 0) == 1)
    pass = NULL;
  else
    {
      pass = asker_get (a);
      if (pass == NULL)
        {
          if (a->error)
            g_propagate_error (error, g_steal_pointer (&a->error));
          else
            _inkan_set_error (error, INKAN_ERROR_PASSPHRASE_REQUIRED,
                              _("The PKCS#12 file “%s” is protected by a passphrase; give it with --passphrase-fd or --passphrase-file."),
                              a->what);
          return FALSE;
        }
      if (PKCS12_verify_mac (p12, pass, -1) != 1)
        {
          ERR_clear_error ();
          _inkan_set_error (error, INKAN_ERROR_BAD_PASSPHRASE, _("The passphrase for “%s” is wrong."), a->what);
          return FALSE;
        }
    }
  if (!PKCS12_parse (p12, pass, &key, &cert, &ca))
    {
      g_autofree char *why = _inkan_openssl_reason ();
      _inkan_set_error (error, INKAN_ERROR_IDENTITY,
                        _("The PKCS#12 file “%s” cannot be decrypted (%s); if it uses RC2, the OpenSSL legacy provider must be installed."),
                        a->what, why);
      return FALSE;
    }
  if (key)
    g_ptr_array_add (d->keys, key);
  if (cert)
    add_cert (d, cert);
  add_cert_stack (d, ca);
  sk_X509_pop_free (ca, X509_free);
  return TRUE;
}

static int
pem_cb (char *buf, int size, int rwflag, void *user_data)
{
  Asker *a = user_data;
  const char *pass = asker_get (a);
  size_t len;

  (void) rwflag;
  if (pass == NULL || (len = strlen (pass)) > (size_t) size)
    return -1;
  memcpy (buf, pass, len);
  return (int) len;
}

static gboolean
read_pem (InkanDelivery *d, GBytes *bytes, Asker *a, GError **error)
{
  g_autoptr (BIO) bio = _inkan_bio_from_bytes (bytes);
  char *name = NULL, *header = NULL;
  unsigned char *data = NULL;
  long len = 0;
  gboolean found = FALSE;

  /* Walk every PEM block by name (RFC 7468). */
  while (PEM_read_bio (bio, &name, &header, &data, &len))
    {
      const unsigned char *p = data;

      if (!strcmp (name, PEM_STRING_X509) || !strcmp (name, PEM_STRING_X509_OLD)
          || !strcmp (name, PEM_STRING_X509_TRUSTED))
        {
          X509 *c = !strcmp (name, PEM_STRING_X509_TRUSTED) ? d2i_X509_AUX (NULL, &p, len) : d2i_X509 (NULL, &p, len);
          if (c)
            add_cert (d, c), found = TRUE;
        }
      else if (!strcmp (name, PEM_STRING_PKCS7))
        {
          PKCS7 *p7 = d2i_PKCS7 (NULL, &p, len);
          if (p7 && PKCS7_type_is_signed (p7))
            add_cert_stack (d, p7->d.sign->cert), found = TRUE;
          PKCS7_free (p7);
        }
      OPENSSL_free (name);
      OPENSSL_free (header);
      OPENSSL_free (data);
    }
  ERR_clear_error ();

  if (g_strstr_len (g_bytes_get_data (bytes, NULL), g_bytes_get_size (bytes), "PRIVATE KEY-----"))
    {
      g_autoptr (BIO) kbio = _inkan_bio_from_bytes (bytes);
      EVP_PKEY *key = PEM_read_bio_PrivateKey (kbio, NULL, pem_cb, a);

      if (key == NULL)
        {
          ERR_clear_error ();
          if (a->error)
            g_propagate_error (error, g_steal_pointer (&a->error));
          else if (*a->store)
            _inkan_set_error (error, INKAN_ERROR_BAD_PASSPHRASE, _("The passphrase for “%s” is wrong."), a->what);
          else
            _inkan_set_error (error, INKAN_ERROR_PASSPHRASE_REQUIRED,
                              _("The private key in “%s” is encrypted; give its passphrase with --passphrase-fd or --passphrase-file."),
                              a->what);
          return FALSE;
        }
      g_ptr_array_add (d->keys, key);
      found = TRUE;
    }
  if (!found)
    _inkan_set_error (error, INKAN_ERROR_CERTIFICATE,
                      _("“%s” holds no certificate or key that inkan can read."), a->what);
  return found;
}

static gboolean read_bytes (InkanDelivery *d, GBytes *bytes, Asker *a, int depth, GError **error);

typedef struct {
  InkanDelivery *d;
  Asker *a;
  int depth;
  gboolean any;
} ZipWalk;

static gboolean
read_zip_member (const char *path, GBytes *member, gpointer user_data, GError **error)
{
  ZipWalk *w = user_data;
  g_autofree char *what = NULL;
  Asker sub = *w->a;

  /* Documentation and other files in CA zips are skipped quietly. */
  if (g_str_has_suffix (path, ".txt") || g_str_has_suffix (path, ".html") || g_str_has_suffix (path, ".pdf"))
    return TRUE;
  what = g_strdup_printf ("%s:%s", w->a->what, path);
  sub.what = what;
  if (read_bytes (w->d, member, &sub, w->depth + 1, NULL))
    w->any = TRUE;
  w->a->asked = w->a->asked || sub.asked;
  if (sub.error)
    {
      g_propagate_error (error, g_steal_pointer (&sub.error));
      return FALSE;
    }
  return TRUE;
}

/* Zip archives are read by libinkan-ext, the module with the libarchive
 * code (core/delivery-zip.c), loaded on the first zip. */
static gboolean
read_zip (InkanDelivery *d, GBytes *bytes, Asker *a, int depth, GError **error)
{
  ZipWalk w = { d, a, depth, FALSE };
  const InkanExt *ext = _inkan_ext (error);

  if (ext == NULL || !ext->zip_read (bytes, a->what, MAX_DELIVERY_FILE, read_zip_member, &w, error))
    return FALSE;
  if (!w.any)
    {
      _inkan_set_error (error, INKAN_ERROR_CERTIFICATE, _("The zip archive “%s” holds no certificate or key."), a->what);
      return FALSE;
    }
  return TRUE;
}

static gboolean
read_der (InkanDelivery *d, GBytes *bytes, Asker *a, GError **error)
{
  gsize len;
  const unsigned char *data = g_bytes_get_data (bytes, &len), *p;
  PKCS12 *p12;
  PKCS7 *p7;
  X509 *cert;
  EVP_PKEY *key;

  p = data;
  if ((cert = d2i_X509 (NULL, &p, (long) len)) != NULL)
    {
      add_cert (d, cert);
      return TRUE;
    }
  p = data;
  if ((p7 = d2i_PKCS7 (NULL, &p, (long) len)) != NULL)
    {
      gboolean ok = PKCS7_type_is_signed (p7) && p7->d.sign->cert;
      if (ok)
        add_cert_stack (d, p7->d.sign->cert);
      PKCS7_free (p7);
      if (ok)
        return TRUE;
    }
  p = data;
  if ((p12 = d2i_PKCS12 (NULL, &p, (long) len)) != NULL)
    {
      gboolean ok;
      ERR_clear_error ();
      ok = read_pkcs12 (d, p12, a, error);
      PKCS12_free (p12);
      return ok;
    }
  p = data;
  if ((key = d2i_AutoPrivateKey (NULL, &p, (long) len)) != NULL)
    {
      g_ptr_array_add (d->keys, key);
      return TRUE;
    }
  ERR_clear_error ();
  _inkan_set_error (error, INKAN_ERROR_CERTIFICATE,
                    _("“%s” is not a certificate, PKCS#7 bundle, PKCS#12 file, private key or zip archive; it may be truncated."),
                    a->what);
  return FALSE;
}

static gboolean
read_bytes (InkanDelivery *d, GBytes *bytes, Asker *a, int depth, GError **error)
{
  gsize len;
  const char *data = g_bytes_get_data (bytes, &len);

  if (len >= 4 && memcmp (data, "PK\003\004", 4) == 0)
    {
      if (depth >= MAX_ZIP_DEPTH)
        {
          _inkan_set_error (error, INKAN_ERROR_CERTIFICATE, _("“%s” nests zip archives too deeply."), a->what);
          return FALSE;
        }
      return read_zip (d, bytes, a, depth, error);
    }
  if (g_strstr_len (data, MIN (len, (gsize) 65536), "-----BEGIN "))
    return read_pem (d, bytes, a, error);
  return read_der (d, bytes, a, error);
}

/**
 * inkan_delivery_free:
 * @delivery: (nullable): a delivery
 *
 * Frees the keys and certificates and wipes the passphrase.
 */
void
inkan_delivery_free (InkanDelivery *delivery)
{
  if (delivery == NULL)
    return;
  g_ptr_array_unref (delivery->keys);
  g_ptr_array_unref (delivery->certs);
  if (delivery->passphrase)
    {
      memset (delivery->passphrase, 0, strlen (delivery->passphrase));
      g_free (delivery->passphrase);
    }
  inkan_identity_free (delivery->identity);
  g_free (delivery);
}

/**
 * inkan_delivery_load:
 * @paths: (array zero-terminated=1): the files a CA or user handed over:
 *   .p12/.pfx, PEM or DER certificates and keys, .p7b/.p7c, zip archives
 * @ask: (nullable): asked once for the passphrase of an encrypted PKCS#12
 *   or key (the same passphrase is tried for every encrypted item)
 * @ask_data: data for @ask
 * @error: return location for #INKAN_ERROR_IO, #INKAN_ERROR_CERTIFICATE
 *   (unreadable or unknown content), #INKAN_ERROR_PASSPHRASE_REQUIRED,
 *   #INKAN_ERROR_BAD_PASSPHRASE, or #INKAN_ERROR_IDENTITY (keys given but
 *   none matches a certificate, by public key)
 *
 * Reads every file and pairs the private key (if any) with its certificate.
 * Nothing is written.
 *
 * Returns: (transfer full): the delivery, free with inkan_delivery_free().
 */
InkanDelivery *
inkan_delivery_load (const char *const *paths, InkanPassphraseFunc ask, gpointer ask_data, GError **error)
{
  InkanDelivery *d = g_new0 (InkanDelivery, 1);

  d->keys = g_ptr_array_new_with_free_func ((GDestroyNotify) EVP_PKEY_free);
  d->certs = g_ptr_array_new_with_free_func ((GDestroyNotify) X509_free);
  for (int i = 0; paths && paths[i]; i++)
    {
      g_autoptr (GError) local = NULL;
      char *data = NULL;
      gsize len = 0;
      g_autoptr (GBytes) bytes = NULL;
      Asker a = { ask, ask_data, paths[i], NULL, &d->passphrase, NULL, FALSE };

      if (!g_file_get_contents (paths[i], &data, &len, &local))
        {
          _inkan_set_error (error, INKAN_ERROR_IO, _("Cannot read “%s”: %s."), paths[i], local->message);
          inkan_delivery_free (d);
          return NULL;
        }
      bytes = g_bytes_new_take (data, len);
      if (len > MAX_DELIVERY_FILE || !read_bytes (d, bytes, &a, 0, error))
        {
          if (len > MAX_DELIVERY_FILE)
            _inkan_set_error (error, INKAN_ERROR_CERTIFICATE, _("“%s” is too large to be a certificate or key."), paths[i]);
          g_clear_error (&a.error);
          inkan_delivery_free (d);
          return NULL;
        }
    }
  if (d->keys->len > 0)
    {
      for (guint i = 0; i < d->keys->len && !d->identity; i++)
        d->identity = _inkan_identity_new_from_parts (g_ptr_array_index (d->keys, i), d->certs, NULL);
      if (d->identity == NULL)
        {
          _inkan_set_error (error, INKAN_ERROR_IDENTITY,
                            d->certs->len ? _("The private key does not match any of the certificates given; add the certificate the CA issued for this key.")
                                          : _("Only a private key was given; add the certificate the CA issued for it (.crt, .cer or .p7b)."));
          inkan_delivery_free (d);
          return NULL;
        }
    }
  else if (d->certs->len == 0)
    {
      _inkan_set_error (error, INKAN_ERROR_CERTIFICATE, _("No certificate or key was found in the files given."));
      inkan_delivery_free (d);
      return NULL;
    }
  return d;
}

/**
 * inkan_delivery_get_identity:
 * @delivery: a delivery
 *
 * Returns: (transfer none) (nullable): the key with its certificate and
 *   chain (intermediates only), or %NULL for a certificates-only delivery.
 */
InkanIdentity *
inkan_delivery_get_identity (InkanDelivery *delivery)
{
  return delivery->identity;
}

/**
 * inkan_delivery_get_certificates:
 * @delivery: a delivery
 *
 * Returns: (transfer none) (element-type X509): every certificate given,
 *   leaf, intermediates and roots alike, without duplicates.
 */
GPtrArray *
inkan_delivery_get_certificates (InkanDelivery *delivery)
{
  return delivery->certs;
}

/**
 * inkan_delivery_get_passphrase:
 * @delivery: a delivery
 *
 * Returns: (transfer none) (nullable): the passphrase that opened the key,
 *   or %NULL when none was needed.  Valid until the delivery is freed.
 */
const char *
inkan_delivery_get_passphrase (InkanDelivery *delivery)
{
  return delivery->passphrase;
}
