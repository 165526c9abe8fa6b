/* What verification learns once and keeps across messages (one cache per
 * InkanTrust, shared by threads): decoded certificates, and chains already
 * found trusted.
 *
 * Why: with OpenSSL 3.0, decoding a certificate's public key goes through
 * the provider decoder machinery (OSSL_DECODER_CTX_new_for_pkey), about a
 * third of the time of verifying a small signed mail, and every chain
 * verification repeats the RSA verifications of the CA signatures.  Mail in
 * an archive comes from few signers, so both are asked again and again.
 *
 * - Certificates are keyed by their DER bytes (a hash table on the bytes
 *   themselves: equal keys are equal certificates, no digest collision to
 *   worry about).  _inkan_cms_d2i_signed() takes the certificates out of a
 *   SignedData before OpenSSL parses it and puts the cached X509 back in.
 * - A chain result is kept only when it was trusted with no flag, keyed by
 *   the cache ids of the signer and the CMS certificates, with the time
 *   window in which every certificate of the chain is valid; the store's
 *   anchors can only be added to, which cannot make such a chain untrusted.
 *   Ids are never reused, so an evicted certificate cannot alias a new one.
 * - Bounded: past INKAN_CACHE_MAX certificates everything is dropped.
 */
#include "internal.h"
#include "verify-cache.h"
#include <openssl/asn1.h>
#include <openssl/err.h>
#include <openssl/x509.h>

#define INKAN_CACHE_MAX 4096

struct _InkanVerifyCache {
  GMutex lock;
  GHashTable *by_der;      /* GBytes* DER -> CacheCert* */
  GHashTable *by_cert;     /* X509* -> CacheCert* (the cache holds a reference) */
  GHashTable *chains;      /* char* "id,id,..." -> ChainWindow* */
  guint64 next_id;
};

typedef struct {
  X509 *cert;
  guint64 id;
  InkanSigner *text;       /* its certificate fields as a verdict shows them, once asked */
  gboolean from_subject;
} CacheCert;

typedef struct {
  gint64 not_before, not_after;
} ChainWindow;

static void
cache_cert_free (CacheCert *c)
{
  X509_free (c->cert);
  _inkan_signer_free (c->text);
  g_free (c);
}

/* A hash of a certificate's DER that reads only its length and its last
 * 32 bytes (the end of the signature value, which differs between any two
 * certificates a CA signs); equality still compares every byte.  Hashing
 * whole certificates was a tenth of the time of a cache hit. */
static guint
der_hash (gconstpointer key)
{
  gsize len;
  const guint8 *p = g_bytes_get_data ((GBytes *) key, &len);
  guint h = (guint) len;

  for (gsize i = len > 32 ? len - 32 : 0; i < len; i++)
    h = h * 31 + p[i];
  return h;
}

InkanVerifyCache *
_inkan_verify_cache_new (void)
{
  InkanVerifyCache *cache = g_new0 (InkanVerifyCache, 1);

  g_mutex_init (&cache->lock);
  cache->by_der = g_hash_table_new_full (der_hash, g_bytes_equal, (GDestroyNotify) g_bytes_unref,
                                         (GDestroyNotify) cache_cert_free);
  cache->by_cert = g_hash_table_new (g_direct_hash, g_direct_equal);
  cache->chains = g_hash_table_new_full (g_str_hash, g_str_equal, g_free, g_free);
  cache->next_id = 1;
  return cache;
}

void
_inkan_verify_cache_free (InkanVerifyCache *cache)
{
  if (cache == NULL)
    return;
  g_hash_table_destroy (cache->chains);
  g_hash_table_destroy (cache->by_cert);
  g_hash_table_destroy (cache->by_der);
  g_mutex_clear (&cache->lock);
  g_free (cache);
}

/* The decoded certificate for @der (transfer full), decoding it at most
 * once while it stays cached.  NULL if it does not parse. */
static X509 *
cert_for_der (InkanVerifyCache *cache, const unsigned char *der, long len)
{
  g_autoptr (GBytes) key = g_bytes_new_static (der, (gsize) len);
  CacheCert *c;
  X509 *cert;
  const unsigned char *p = der;

  g_mutex_lock (&cache->lock);
  c = g_hash_table_lookup (cache->by_der, key);
  cert = c ? X509_up_ref (c->cert), c->cert : NULL;
  g_mutex_unlock (&cache->lock);
  if (cert)
    return cert;

  /* Decode outside the lock; d2i must consume exactly the element. */
  if ((cert = d2i_X509 (NULL, &p, len)) == NULL || p != der + len)
    {
      X509_free (cert);
      return NULL;
    }
  g_mutex_lock (&cache->lock);
  if ((c = g_hash_table_lookup (cache->by_der, key)) != NULL)
    {
      /* Another thread was quicker: use its copy. */
      X509_free (cert);
      cert = c->cert;
    }
  else
    {
      if (g_hash_table_size (cache->by_der) >= INKAN_CACHE_MAX)
        {
          g_hash_table_remove_all (cache->chains);
          g_hash_table_remove_all (cache->by_cert);
          g_hash_table_remove_all (cache->by_der);
        }
      c = g_new0 (CacheCert, 1);
      c->cert = cert;
      c->id = cache->next_id++;
      g_hash_table_insert (cache->by_der, g_bytes_new (der, (gsize) len), c);
      g_hash_table_insert (cache->by_cert, cert, c);
    }
  X509_up_ref (cert);
  g_mutex_unlock (&cache->lock);
  return cert;
}

/**
 * _inkan_verify_cache_describe:
 * @cache: (nullable): a verify cache
 * @cert: a certificate
 * @signer: the signer description to fill
 * @from_subject: (out): whether the addresses come from the subject
 *
 * Fills the certificate fields of @signer (subject, issuer, serial,
 * validity, addresses) as _inkan_signer_fill_cert() would, working them
 * out once per cached certificate.
 *
 * Returns: %FALSE (and fills nothing) when @cert is not a cached one.
 */
gboolean
_inkan_verify_cache_describe (InkanVerifyCache *cache, X509 *cert, InkanSigner *signer, gboolean *from_subject)
{
  CacheCert *c;
  InkanSigner *text = NULL;
  gboolean subject = FALSE;

  if (cache == NULL)
    return FALSE;
  g_mutex_lock (&cache->lock);
  if ((c = g_hash_table_lookup (cache->by_cert, cert)) == NULL)
    {
      g_mutex_unlock (&cache->lock);
      return FALSE;
    }
  if (c->text == NULL)
    {
      /* Worked out outside the lock; the entry may be dropped meanwhile. */
      g_mutex_unlock (&cache->lock);
      text = g_new0 (InkanSigner, 1);
      _inkan_signer_fill_cert (text, cert, &subject);
      g_mutex_lock (&cache->lock);
      if ((c = g_hash_table_lookup (cache->by_cert, cert)) != NULL && c->text == NULL)
        {
          c->text = g_steal_pointer (&text);
          c->from_subject = subject;
        }
    }
  if (c != NULL && c->text != NULL)
    {
      _inkan_signer_copy_cert (signer, c->text);
      *from_subject = c->from_subject;
    }
  else
    {
      _inkan_signer_copy_cert (signer, text);
      *from_subject = subject;
    }
  g_mutex_unlock (&cache->lock);
  _inkan_signer_free (text);
  return TRUE;
}

/* ---------------------------------------------------------------- SignedData without certificates */

typedef struct {
  const unsigned char *start;   /* first byte of the header */
  const unsigned char *content; /* first byte of the content */
  long len;                     /* content length (definite only) */
  int tag, xclass, constructed;
  gboolean indefinite;
} Tlv;

/* One TLV header at *p (OpenSSL's ASN1_get_object); FALSE if broken. */
static gboolean
read_tlv (const unsigned char **p, const unsigned char *end, Tlv *t)
{
  int ret;

  t->start = *p;
  ret = ASN1_get_object (p, &t->len, &t->tag, &t->xclass, end - *p);
  if (ret & 0x80)
    return FALSE;
  t->content = *p;
  t->constructed = ret & V_ASN1_CONSTRUCTED;
  t->indefinite = (ret & 0x01) != 0;
  return TRUE;
}

/* Skips the whole element whose header @t was just read (content and, for
 * an indefinite length, everything up to its end-of-contents). */
static gboolean
skip_content (const unsigned char **p, const unsigned char *end, const Tlv *t, int depth)
{
  if (!t->indefinite)
    {
      *p = t->content + t->len;
      return *p <= end;
    }
  if (depth > 16)
    return FALSE;
  for (;;)
    {
      Tlv inner;
      if (end - *p >= 2 && (*p)[0] == 0 && (*p)[1] == 0)
        {
          *p += 2;
          return TRUE;
        }
      if (!read_tlv (p, end, &inner) || !skip_content (p, end, &inner, depth + 1))
        return FALSE;
    }
}

/* The size of @t's header when its content is @len bytes long. */
static long
header_size (const Tlv *t, long len)
{
  if (t->indefinite)
    return t->content - t->start;
  return ASN1_object_size (1, len, t->tag) - len;
}

/* Writes a constructed header with @len content bytes (or an indefinite
 * one) and returns its size. */
static int
put_header (GByteArray *out, const Tlv *t, long len)
{
  unsigned char hdr[16], *q = hdr;

  if (t->indefinite)
    {
      g_byte_array_append (out, t->start, (guint) (t->content - t->start));
      return (int) (t->content - t->start);
    }
  ASN1_put_object (&q, 1, (int) len, t->tag, t->xclass);
  g_byte_array_append (out, hdr, (guint) (q - hdr));
  return (int) (q - hdr);
}

/* The ContentInfo at @der with the SignedData certificates field taken
 * out, and the certificates it held (decoded, from the cache); NULL when
 * the layout is not the plain one (then the caller parses @der as it is). */
static GByteArray *
strip_certificates (InkanVerifyCache *cache, const unsigned char *der, gsize der_len, GPtrArray *certs)
{
  const unsigned char *p = der, *end = der + der_len, *certs_end, *q;
  Tlv ci, oid, explicit0, sd, field, certset;
  GByteArray *out;
  long removed, sd_len, ex_len, ci_len, delta;

  /* ContentInfo SEQUENCE { OID, [0] EXPLICIT SignedData SEQUENCE { version,
   * digestAlgorithms, encapContentInfo, [0] IMPLICIT certificates, ... } } */
  if (!read_tlv (&p, end, &ci) || ci.tag != V_ASN1_SEQUENCE || !ci.constructed
      || !read_tlv (&p, end, &oid) || oid.tag != V_ASN1_OBJECT || oid.constructed || oid.indefinite
      || !skip_content (&p, end, &oid, 0)
      || !read_tlv (&p, end, &explicit0) || explicit0.xclass != V_ASN1_CONTEXT_SPECIFIC
      || explicit0.tag != 0 || !explicit0.constructed
      || !read_tlv (&p, end, &sd) || sd.tag != V_ASN1_SEQUENCE || !sd.constructed)
    return NULL;
  for (int i = 0; i < 3; i++) /* version, digestAlgorithms, encapContentInfo */
    if (!read_tlv (&p, end, &field) || field.xclass != V_ASN1_UNIVERSAL || !skip_content (&p, end, &field, 0))
      return NULL;
  q = p;
  if (!read_tlv (&p, end, &certset) || certset.xclass != V_ASN1_CONTEXT_SPECIFIC || certset.tag != 0
      || !certset.constructed || certset.indefinite)
    return NULL;
  certs_end = certset.content + certset.len;
  if (certs_end > end)
    return NULL;
  while (p < certs_end)
    {
      Tlv cert;
      X509 *x;
      if (!read_tlv (&p, certs_end, &cert) || cert.xclass != V_ASN1_UNIVERSAL || cert.tag != V_ASN1_SEQUENCE
          || cert.indefinite || !skip_content (&p, certs_end, &cert, 0)
          || (x = cert_for_der (cache, cert.start, p - cert.start)) == NULL)
        return NULL;
      g_ptr_array_add (certs, x);
    }
  removed = certs_end - q;

  /* Rebuild the three enclosing headers with the shorter lengths (an
   * indefinite length stays as it was, with its end-of-contents). */
  sd_len = sd.len - removed;
  delta = sd.indefinite ? -removed
          : (header_size (&sd, sd_len) + sd_len) - ((sd.content - sd.start) + sd.len);
  ex_len = explicit0.len + delta;
  delta = explicit0.indefinite ? delta
          : (header_size (&explicit0, ex_len) + ex_len) - ((explicit0.content - explicit0.start) + explicit0.len);
  ci_len = ci.len + delta;
  if ((!sd.indefinite && sd_len < 0) || (!explicit0.indefinite && ex_len < 0) || (!ci.indefinite && ci_len < 0))
    return NULL;
  out = g_byte_array_sized_new ((guint) (der_len - (gsize) removed + 16));
  put_header (out, &ci, ci_len);
  g_byte_array_append (out, oid.start, (guint) (explicit0.start - oid.start));
  put_header (out, &explicit0, ex_len);
  put_header (out, &sd, sd_len);
  g_byte_array_append (out, sd.content, (guint) (q - sd.content));
  g_byte_array_append (out, certs_end, (guint) (end - certs_end));
  return out;
}

/**
 * _inkan_cms_d2i_signed:
 * @cache: (nullable): the verify cache of the InkanTrust in use
 * @der: a DER/BER ContentInfo
 *
 * d2i_CMS_ContentInfo(), except that the certificates of a SignedData are
 * decoded through @cache (at most once per certificate while cached).
 * Anything but the plain SignedData layout is parsed as it is.
 *
 * Returns: (transfer full): the ContentInfo, or %NULL when it does not parse.
 */
CMS_ContentInfo *
_inkan_cms_d2i_signed (InkanVerifyCache *cache, GBytes *der)
{
  gsize len;
  const unsigned char *data = g_bytes_get_data (der, &len);
  const unsigned char *p;
  g_autoptr (GPtrArray) certs = g_ptr_array_new_with_free_func ((GDestroyNotify) X509_free);
  GByteArray *stripped = NULL;
  CMS_ContentInfo *cms = NULL;

  if (cache && data != NULL && len < G_MAXINT32 && (stripped = strip_certificates (cache, data, len, certs)) != NULL)
    {
      p = stripped->data;
      cms = d2i_CMS_ContentInfo (NULL, &p, (long) stripped->len);
      for (guint i = 0; cms && i < certs->len; i++)
        if (!CMS_add1_cert (cms, g_ptr_array_index (certs, i)))
          g_clear_pointer (&cms, CMS_ContentInfo_free);
      g_byte_array_unref (stripped);
      if (cms)
        return cms;
    }
  ERR_clear_error ();
  p = data;
  return d2i_CMS_ContentInfo (NULL, &p, (long) MIN (len, (gsize) G_MAXLONG));
}

/* ---------------------------------------------------------------- trusted chains */

/* "id,id,...": the cache ids of @cert and @untrusted, or NULL when one of
 * them is not a cached certificate. */
static char *
chain_key (InkanVerifyCache *cache, X509 *cert, STACK_OF (X509) *untrusted)
{
  GString *key = g_string_new (NULL);
  int n = sk_X509_num (untrusted);

  g_mutex_lock (&cache->lock);
  for (int i = -1; i < n; i++)
    {
      CacheCert *c = g_hash_table_lookup (cache->by_cert, i < 0 ? cert : sk_X509_value (untrusted, i));
      if (c == NULL)
        {
          g_mutex_unlock (&cache->lock);
          g_string_free (key, TRUE);
          return NULL;
        }
      g_string_append_printf (key, "%" G_GUINT64_FORMAT ",", c->id);
    }
  g_mutex_unlock (&cache->lock);
  return g_string_free (key, FALSE);
}

/**
 * _inkan_verify_cache_chain_trusted:
 * @cache: (nullable): a verify cache
 * @cert: the signer certificate
 * @untrusted: the certificates that came with it
 * @at: the verification time
 *
 * Returns: %TRUE when this very chain was found trusted with no flag, and
 *   every certificate in it is valid at @at.
 */
gboolean
_inkan_verify_cache_chain_trusted (InkanVerifyCache *cache, X509 *cert, STACK_OF (X509) *untrusted, gint64 at)
{
  g_autofree char *key = cache ? chain_key (cache, cert, untrusted) : NULL;
  ChainWindow *w;
  gboolean hit = FALSE;

  if (key == NULL)
    return FALSE;
  g_mutex_lock (&cache->lock);
  w = g_hash_table_lookup (cache->chains, key);
  hit = w && at >= w->not_before && at <= w->not_after;
  g_mutex_unlock (&cache->lock);
  return hit;
}

/**
 * _inkan_verify_cache_add_chain:
 * @cache: (nullable): a verify cache
 * @cert: the signer certificate
 * @untrusted: the certificates that came with it
 * @chain: the chain X509_verify_cert() built and found trusted with no flag
 */
void
_inkan_verify_cache_add_chain (InkanVerifyCache *cache, X509 *cert, STACK_OF (X509) *untrusted,
                               STACK_OF (X509) *chain)
{
  g_autofree char *key = cache ? chain_key (cache, cert, untrusted) : NULL;
  ChainWindow w = { G_MININT64, G_MAXINT64 };

  if (key == NULL || sk_X509_num (chain) == 0)
    return;
  for (int i = 0; i < sk_X509_num (chain); i++)
    {
      gint64 nb = _inkan_asn1_time_to_unix (X509_get0_notBefore (sk_X509_value (chain, i)));
      gint64 na = _inkan_asn1_time_to_unix (X509_get0_notAfter (sk_X509_value (chain, i)));
      if (nb == -1 || na == -1)
        return;
      w.not_before = MAX (w.not_before, nb);
      w.not_after = MIN (w.not_after, na);
    }
  g_mutex_lock (&cache->lock);
  if (g_hash_table_size (cache->chains) < INKAN_CACHE_MAX)
    g_hash_table_replace (cache->chains, g_steal_pointer (&key), g_memdup2 (&w, sizeof w));
  g_mutex_unlock (&cache->lock);
}
