/* SBR linter: reading certificates for the linter, and their keys.
 *
 * OpenSSL 3.0 decodes the public key of every certificate as it parses it
 * (d2i_X509() runs the provider decoders, OSSL_DECODER), which costs about
 * three times as much as the rest of the parse.  The linter needs only a
 * few facts about a subscriber key (its algorithm, RSA modulus and
 * exponent, EC curve, whether it decodes at all), so
 * inkan_lint_load_certificates() parses certificates in a library context
 * with no provider (their X509_PUBKEY keeps the encoded key only) and marks
 * them "lazy"; _lint_key_read() then reads the key facts with ASN.1
 * templates of its own (RFC 8017 A.1.1 RSAPublicKey) and EC_POINT_oct2point()
 * (SEC 1 2.3.4), as OpenSSL's decoder does.  What needs a decoded key (the
 * signature check with the issuer's key) gets a fully decoded copy of the
 * certificate, made once and only when needed.  Everything OpenSSL would
 * compute from the missing key is computed here the same way:
 * _lint_self_signed() (EXFLAG_SS), _lint_check_ca() (X509_check_ca() of
 * a version 1 certificate) and _lint_verify() (X509_verify()).
 */
#include "lint-internal.h"
#include <openssl/asn1t.h>
#include <openssl/core_dispatch.h>
#include <openssl/core_names.h>
#include <openssl/ec.h>
#include <openssl/param_build.h>
#include <openssl/params.h>
#include <openssl/pem.h>
#include <openssl/provider.h>
#include <openssl/rsa.h>

/* RFC 8017 A.1.1: RSAPublicKey ::= SEQUENCE { modulus INTEGER,
 * publicExponent INTEGER }, with the BIGNUM type OpenSSL's RSA template
 * uses, so that what decodes here decodes there. */
typedef struct {
  BIGNUM *n;
  BIGNUM *e;
} LintRsaPublicKey;

ASN1_SEQUENCE (LintRsaPublicKey) = {
  ASN1_SIMPLE (LintRsaPublicKey, n, BIGNUM),
  ASN1_SIMPLE (LintRsaPublicKey, e, BIGNUM),
} static_ASN1_SEQUENCE_END (LintRsaPublicKey)

/* ---------------------------------------------------------------- the parsing context */

/* The parsing library context has one algorithm: SHA-1, which
 * X509_check_purpose() needs for the certificate's fingerprint (X509_cmp()
 * compares fingerprints).  It is the default context's SHA-1, offered
 * through a built-in provider; with no key manager and no decoder there,
 * d2i_X509() leaves the key encoded, at once. */
static EVP_MD *default_sha1;

static void *
sha1_newctx (void *provctx)
{
  (void) provctx;
  return EVP_MD_CTX_new ();
}

static int
sha1_init (void *ctx, const OSSL_PARAM params[])
{
  (void) params;
  return EVP_DigestInit_ex (ctx, default_sha1, NULL);
}

static int
sha1_update (void *ctx, const unsigned char *in, size_t len)
{
  return EVP_DigestUpdate (ctx, in, len);
}

static int
sha1_final (void *ctx, unsigned char *out, size_t *outl, size_t outsz)
{
  unsigned int n = 0;

  if (outsz < SHA_DIGEST_LENGTH || !EVP_DigestFinal_ex (ctx, out, &n))
    return 0;
  *outl = n;
  return 1;
}

static void
sha1_freectx (void *ctx)
{
  EVP_MD_CTX_free (ctx);
}

static void *
sha1_dupctx (void *ctx)
{
  EVP_MD_CTX *copy = EVP_MD_CTX_new ();

  if (copy && !EVP_MD_CTX_copy_ex (copy, ctx))
    {
      EVP_MD_CTX_free (copy);
      return NULL;
    }
  return copy;
}

static int
sha1_get_params (OSSL_PARAM params[])
{
  OSSL_PARAM *p;

  if ((p = OSSL_PARAM_locate (params, OSSL_DIGEST_PARAM_BLOCK_SIZE)) && !OSSL_PARAM_set_size_t (p, 64))
    return 0;
  if ((p = OSSL_PARAM_locate (params, OSSL_DIGEST_PARAM_SIZE)) && !OSSL_PARAM_set_size_t (p, SHA_DIGEST_LENGTH))
    return 0;
  if ((p = OSSL_PARAM_locate (params, OSSL_DIGEST_PARAM_XOF)) && !OSSL_PARAM_set_int (p, 0))
    return 0;
  if ((p = OSSL_PARAM_locate (params, OSSL_DIGEST_PARAM_ALGID_ABSENT)) && !OSSL_PARAM_set_int (p, 0))
    return 0;
  return 1;
}

static const OSSL_DISPATCH sha1_functions[] = {
  { OSSL_FUNC_DIGEST_NEWCTX, (void (*) (void)) sha1_newctx },
  { OSSL_FUNC_DIGEST_INIT, (void (*) (void)) sha1_init },
  { OSSL_FUNC_DIGEST_UPDATE, (void (*) (void)) sha1_update },
  { OSSL_FUNC_DIGEST_FINAL, (void (*) (void)) sha1_final },
  { OSSL_FUNC_DIGEST_FREECTX, (void (*) (void)) sha1_freectx },
  { OSSL_FUNC_DIGEST_DUPCTX, (void (*) (void)) sha1_dupctx },
  { OSSL_FUNC_DIGEST_GET_PARAMS, (void (*) (void)) sha1_get_params },
  { 0, NULL }
};

static const OSSL_ALGORITHM parse_digests[] = {
  { "SHA1:SHA-1:SSL3-SHA1:1.3.14.3.2.26", "provider=inkan-lint", sha1_functions, NULL },
  { NULL, NULL, NULL, NULL }
};

static const OSSL_ALGORITHM *
parse_query (void *provctx, int operation_id, int *no_cache)
{
  (void) provctx;
  *no_cache = 0;
  return operation_id == OSSL_OP_DIGEST ? parse_digests : NULL;
}

static const OSSL_DISPATCH parse_provider_functions[] = {
  { OSSL_FUNC_PROVIDER_QUERY_OPERATION, (void (*) (void)) parse_query },
  { 0, NULL }
};

static int
parse_provider_init (const OSSL_CORE_HANDLE *handle, const OSSL_DISPATCH *in, const OSSL_DISPATCH **out,
                     void **provctx)
{
  (void) in;
  *out = parse_provider_functions;
  *provctx = (void *) handle;
  return 1;
}

static OSSL_LIB_CTX *parse_libctx;
static int lazy_index = -1;
static EVP_KEYMGMT *rsa_keymgmt, *ec_keymgmt;
static EC_GROUP *groups[3];   /* P-256, P-384, P-521 */
static const int group_nids[3] = { NID_X9_62_prime256v1, NID_secp384r1, NID_secp521r1 };

static void
init_once (void)
{
  static gsize done;

  if (g_once_init_enter (&done))
    {
      /* Key decoding fails at once there (d2i_X509() treats that as
       * "key not decoded", not as an error). */
      default_sha1 = EVP_MD_fetch (NULL, "SHA1", NULL);
      parse_libctx = OSSL_LIB_CTX_new ();
      if (parse_libctx
          && (default_sha1 == NULL || !OSSL_PROVIDER_add_builtin (parse_libctx, "inkan-lint", parse_provider_init)
              || OSSL_PROVIDER_load (parse_libctx, "inkan-lint") == NULL))
        {
          OSSL_LIB_CTX_free (parse_libctx);
          parse_libctx = NULL;
        }
      lazy_index = X509_get_ex_new_index (0, (void *) "inkan lint: key not decoded", NULL, NULL, NULL);
      rsa_keymgmt = EVP_KEYMGMT_fetch (NULL, "RSA", NULL);
      ec_keymgmt = EVP_KEYMGMT_fetch (NULL, "EC", NULL);
      for (guint i = 0; i < G_N_ELEMENTS (groups); i++)
        groups[i] = EC_GROUP_new_by_curve_name (group_nids[i]);
      ERR_clear_error ();
      g_once_init_leave (&done, 1);
    }
}

/* TRUE when @cert was parsed by inkan_lint_load_certificates() (its
 * public key is not decoded). */
gboolean
_lint_is_lazy (X509 *cert)
{
  init_once ();
  return lazy_index >= 0 && X509_get_ex_data (cert, lazy_index) != NULL;
}

/* One certificate from DER, with the key left encoded; NULL when it does
 * not parse (as d2i_X509() would not). */
static X509 *
parse_lazy (const unsigned char *der, long len)
{
  X509 *cert;
  const unsigned char *p = der;

  init_once ();
  if (parse_libctx == NULL || lazy_index < 0)
    return d2i_X509 (NULL, &p, len);
  cert = X509_new_ex (parse_libctx, NULL);
  if (cert == NULL)
    return NULL;
  /* d2i_X509() frees cert and sets it to NULL when it fails. */
  if (d2i_X509 (&cert, &p, len) == NULL)
    {
      X509_free (cert);
      return NULL;
    }
  X509_set_ex_data (cert, lazy_index, (void *) 1);
  return cert;
}

/* @cert fully decoded in the default library context (a new reference):
 * @cert itself unless it is lazy. */
X509 *
_lint_full_cert (X509 *cert)
{
  unsigned char *der = NULL;
  const unsigned char *p;
  int len;
  X509 *full;

  if (!_lint_is_lazy (cert))
    {
      X509_up_ref (cert);
      return cert;
    }
  len = i2d_X509 (cert, &der);
  p = der;
  full = len > 0 ? d2i_X509 (NULL, &p, len) : NULL;
  OPENSSL_free (der);
  ERR_clear_error ();
  if (full == NULL)
    {
      X509_up_ref (cert);
      return cert;
    }
  return full;
}

/**
 * inkan_lint_parse_der:
 * @der: (array length=len): a DER certificate
 * @len: its length
 *
 * One certificate as inkan_lint_load_certificates() reads it (its key
 * not decoded): for the inkan_lint_* functions only.
 *
 * Returns: (transfer full) (nullable): the certificate, or %NULL when
 *   @der is not one (as for d2i_X509()).
 */
X509 *
inkan_lint_parse_der (const unsigned char *der, gsize len)
{
  X509 *cert = len <= G_MAXLONG ? parse_lazy (der, (long) len) : NULL;

  ERR_clear_error ();
  return cert;
}

/* ---------------------------------------------------------------- PEM */

/* The PEM fast path: only files whose every "-----BEGIN " line is
 * "-----BEGIN CERTIFICATE-----", each block with base64 lines only (no
 * RFC 1421 headers) and its "-----END CERTIFICATE-----" line, every line
 * shorter than OpenSSL's PEM line buffer.  Anything else is read by
 * OpenSSL's PEM reader (read_pem_openssl()), so that both read the same
 * certificates.  As PEM_read_bio_X509() in a loop, reading stops at the
 * first block that does not decode.  FALSE: not such a file. */
static gboolean
read_pem_fast (const char *data, gsize len, GPtrArray *certs)
{
  static const char begin[] = "-----BEGIN CERTIFICATE-----";
  static const char end[] = "-----END CERTIFICATE-----";
  const char *p = data, *limit = data + len;
  g_autoptr (GArray) blocks = g_array_new (FALSE, FALSE, sizeof (gsize));   /* body start, body end pairs */
  gboolean in_block = FALSE;
  gsize body = 0;
  unsigned char *der = NULL;
  gsize der_size = 0;
  gboolean ok = TRUE;

  if (memchr (data, '\0', len) != NULL)
    return FALSE;
  while (p < limit)
    {
      const char *nl = memchr (p, '\n', (gsize) (limit - p));
      const char *eol = nl ? nl : limit;
      gsize n = (gsize) (eol - p);

      if (n > 0 && p[n - 1] == '\r')
        n--;
      if (eol - p >= 250)
        return FALSE;
      if (!in_block)
        {
          if (n >= 11 && memcmp (p, "-----BEGIN ", 11) == 0)
            {
              if (n != sizeof begin - 1 || memcmp (p, begin, n) != 0)
                return FALSE;
              in_block = TRUE;
              body = (gsize) ((nl ? nl + 1 : limit) - data);
            }
        }
      else if (n >= 5 && memcmp (p, "-----", 5) == 0)
        {
          gsize body_end = (gsize) (p - data);
          if (n != sizeof end - 1 || memcmp (p, end, n) != 0)
            return FALSE;
          g_array_append_val (blocks, body);
          g_array_append_val (blocks, body_end);
          in_block = FALSE;
        }
      else
        {
          /* A blank line would end an RFC 1421 header for OpenSSL. */
          if (n == 0)
            return FALSE;
          for (gsize i = 0; i < n; i++)
            if (!g_ascii_isalnum (p[i]) && p[i] != '+' && p[i] != '/' && p[i] != '=')
              return FALSE;
        }
      p = nl ? nl + 1 : limit;
    }
  if (in_block)
    return FALSE;

  for (guint b = 0; b < blocks->len && ok; b += 2)
    {
      gsize start = g_array_index (blocks, gsize, b), stop = g_array_index (blocks, gsize, b + 1);
      EVP_ENCODE_CTX *ectx = EVP_ENCODE_CTX_new ();
      int out = 0, last = 0;
      X509 *cert = NULL;

      if (der_size < (stop - start) + 80)
        {
          der_size = (stop - start) + 80;
          der = g_realloc (der, der_size);
        }
      /* OpenSSL's own base64 decoder, as PEM_read_bio() uses it. */
      EVP_DecodeInit (ectx);
      if (stop - start > G_MAXINT
          || EVP_DecodeUpdate (ectx, der, &out, (const unsigned char *) data + start, (int) (stop - start)) < 0
          || EVP_DecodeFinal (ectx, der + out, &last) < 0)
        ok = FALSE;
      EVP_ENCODE_CTX_free (ectx);
      if (!ok)
        break;
      cert = parse_lazy (der, out + last);
      if (cert == NULL)
        break;
      g_ptr_array_add (certs, cert);
    }
  g_free (der);
  if (!ok)
    {
      /* A block OpenSSL's reader may read differently: let it read all. */
      g_ptr_array_set_size (certs, 0);
      return FALSE;
    }
  return TRUE;
}

/* PEM_read_bio_X509() in a loop, as inkan_certificates_load() reads. */
static void
read_pem_openssl (GBytes *bytes, GPtrArray *certs)
{
  g_autoptr (BIO) bio = _inkan_bio_from_bytes (bytes);

  for (;;)
    {
      char *name = NULL, *header = NULL;
      unsigned char *data = NULL;
      long len = 0;
      X509 *cert = NULL;

      /* PEM_read_bio_X509() reads "CERTIFICATE" and "X509 CERTIFICATE"
       * blocks and skips the others. */
      if (!PEM_read_bio (bio, &name, &header, &data, &len))
        break;
      if (strcmp (name, PEM_STRING_X509) == 0 || strcmp (name, PEM_STRING_X509_OLD) == 0)
        {
          EVP_CIPHER_INFO cipher;
          if (PEM_get_EVP_CIPHER_INFO (header, &cipher) && cipher.cipher == NULL)
            cert = parse_lazy (data, len);
          OPENSSL_free (name);
          OPENSSL_free (header);
          OPENSSL_free (data);
          if (cert == NULL)
            break;
          g_ptr_array_add (certs, cert);
          continue;
        }
      OPENSSL_free (name);
      OPENSSL_free (header);
      OPENSSL_free (data);
    }
  ERR_clear_error ();
}

/**
 * inkan_lint_load_certificates:
 * @path: a PEM file with one or more certificates, or one DER certificate
 * @error: return location for #INKAN_ERROR_IO or #INKAN_ERROR_CERTIFICATE
 *
 * Reads certificates as inkan_certificates_load() does, for the linter
 * only: their public keys are not decoded (OpenSSL 3.0 spends most of a
 * certificate parse on that), so give them to inkan_linter_check(),
 * inkan_linter_add_candidate(), inkan_lint_certificate() and the other
 * inkan_lint_* and name functions, not to signing, encryption or chain
 * building.
 *
 * Returns: (transfer full) (element-type X509): the certificates, at least
 *   one, or %NULL.
 */
GPtrArray *
inkan_lint_load_certificates (const char *path, GError **error)
{
  g_autoptr (GBytes) bytes = _inkan_read_file (path, _("certificate"), error);
  g_autoptr (GPtrArray) certs = NULL;
  gsize len;
  const char *data;

  if (bytes == NULL)
    return NULL;
  certs = g_ptr_array_new_with_free_func ((GDestroyNotify) X509_free);
  data = g_bytes_get_data (bytes, &len);
  if (len > 0 && g_strstr_len (data, MIN (len, (gsize) 65536), "-----BEGIN ") != NULL)
    {
      if (!read_pem_fast (data, len, certs))
        read_pem_openssl (bytes, certs);
    }
  else if (len > 0)
    {
      X509 *cert = len <= G_MAXLONG ? parse_lazy ((const unsigned char *) data, (long) len) : NULL;
      if (cert)
        g_ptr_array_add (certs, cert);
    }
  ERR_clear_error ();
  if (certs->len == 0)
    {
      _inkan_set_error (error, INKAN_ERROR_CERTIFICATE,
                        _("“%s” holds no certificate (PEM or DER expected)."), path);
      return NULL;
    }
  return g_steal_pointer (&certs);
}

/* ---------------------------------------------------------------- keys */

static gboolean
oid_has_prefix (const char *text, const char *prefix, const char *last_digits)
{
  gsize n = strlen (prefix);
  return strncmp (text, prefix, n) == 0 && text[n] && strchr (last_digits, text[n]) && text[n + 1] == '\0';
}

/* The facts the rules need about @cert's public key (see LintKey).  For a
 * certificate parsed normally they come from OpenSSL's decoded key; for a
 * lazy one, RSA (rsaEncryption) and EC keys on P-256, P-384 and P-521 are
 * read here, other keys decoded by OpenSSL (d2i_PUBKEY()). */
void
_lint_key_read (X509 *cert, LintKey *key)
{
  X509_PUBKEY *xpk = X509_get_X509_PUBKEY (cert);
  ASN1_OBJECT *oid = NULL;
  const unsigned char *pk = NULL;
  int pklen = 0, ptype = 0, nid;
  const void *pval = NULL;
  X509_ALGOR *alg = NULL;
  gboolean lazy = _lint_is_lazy (cert);

  memset (key, 0, sizeof *key);
  key->kind = KEY_UNKNOWN;
  if (xpk == NULL || !X509_PUBKEY_get0_param (&oid, &pk, &pklen, &alg, xpk))
    return;
  X509_ALGOR_get0 (NULL, &ptype, &pval, alg);
  nid = OBJ_obj2nid (oid);
  switch (nid)
    {
    case NID_rsaEncryption:
    case NID_rsassaPss:
      key->kind = KEY_RSA;
      break;
    case NID_X9_62_id_ecPublicKey:
      key->kind = KEY_EC;
      if (ptype == V_ASN1_OBJECT)
        switch ((key->curve_nid = OBJ_obj2nid (pval)))
          {
          case NID_X9_62_prime256v1: key->curve = "P-256"; break;
          case NID_secp384r1: key->curve = "P-384"; break;
          case NID_secp521r1: key->curve = "P-521"; break;
          default: key->curve = OBJ_nid2sn (key->curve_nid); break;
          }
      break;
    case NID_ED25519: key->kind = KEY_ED25519; break;
    case NID_ED448: key->kind = KEY_ED448; break;
    default:
      {
        char buf[80];
        OBJ_obj2txt (buf, sizeof buf, oid, 1);
        if (oid_has_prefix (buf, "2.16.840.1.101.3.4.3.1", "789"))
          key->kind = KEY_MLDSA;
        else if (oid_has_prefix (buf, "2.16.840.1.101.3.4.4.", "123"))
          key->kind = KEY_MLKEM;
        else
          key->kind = KEY_OTHER;
      }
    }

  /* RSAPublicKey, as rsa_pub_decode() reads it (no other check for
   * rsaEncryption). */
  if (nid == NID_rsaEncryption || nid == NID_rsassaPss)
    {
      const unsigned char *p = pk;
      LintRsaPublicKey *rsa = (LintRsaPublicKey *) ASN1_item_d2i (NULL, &p, pklen, ASN1_ITEM_rptr (LintRsaPublicKey));
      if (rsa)
        {
          key->n = rsa->n;
          key->e = rsa->e;
          rsa->n = rsa->e = NULL;
          ASN1_item_free ((ASN1_VALUE *) rsa, ASN1_ITEM_rptr (LintRsaPublicKey));
        }
    }

  if (!lazy)
    {
      EVP_PKEY *decoded = X509_get0_pubkey (cert);
      ERR_clear_error ();
      if (decoded)
        {
          key->decodes = TRUE;
          key->bits = EVP_PKEY_get_bits (decoded);
          key->pkey = decoded;
          EVP_PKEY_up_ref (decoded);
        }
      return;
    }
  init_once ();
  if (nid == NID_rsaEncryption && rsa_keymgmt)
    {
      key->decodes = key->n != NULL;
      key->bits = key->n ? BN_num_bits (key->n) : 0;
      key->keymgmt = rsa_keymgmt;
      return;
    }
  if (nid == NID_X9_62_id_ecPublicKey && ptype == V_ASN1_OBJECT && ec_keymgmt)
    for (guint i = 0; i < G_N_ELEMENTS (groups); i++)
      if (groups[i] && key->curve_nid == group_nids[i])
        {
          /* o2i_ECPublicKey() (SEC 1 2.3.4): the point must be on the curve. */
          EC_POINT *point = EC_POINT_new (groups[i]);
          key->decodes = point && EC_POINT_oct2point (groups[i], point, pk, (size_t) pklen, NULL) == 1;
          key->bits = key->decodes ? EC_GROUP_order_bits (groups[i]) : 0;
          key->keymgmt = ec_keymgmt;
          EC_POINT_free (point);
          ERR_clear_error ();
          return;
        }
  /* Anything else: OpenSSL's decoder. */
  {
    unsigned char *der = NULL;
    int dlen = i2d_X509_PUBKEY (xpk, &der);
    const unsigned char *p = der;
    key->pkey = dlen > 0 ? d2i_PUBKEY (NULL, &p, dlen) : NULL;
    OPENSSL_free (der);
    ERR_clear_error ();
    key->decodes = key->pkey != NULL;
    key->bits = key->pkey ? EVP_PKEY_get_bits (key->pkey) : 0;
  }
}

void
_lint_key_clear (LintKey *key)
{
  BN_free (key->n);
  BN_free (key->e);
  EVP_PKEY_free (key->pkey);
  memset (key, 0, sizeof *key);
}

/* EVP_PKEY_is_a() for the key @key describes. */
static gboolean
key_is_a (const LintKey *key, const char *name)
{
  if (key->pkey)
    return EVP_PKEY_is_a (key->pkey, name);
  return key->keymgmt && EVP_KEYMGMT_is_a (key->keymgmt, name);
}

/* A decoded EVP_PKEY for @key (a new reference), for signature checks:
 * @cert's own when it has one, else OpenSSL's decoder on its SPKI. */
EVP_PKEY *
_lint_key_pkey (X509 *cert, const LintKey *key)
{
  unsigned char *der = NULL;
  const unsigned char *p;
  int len;
  EVP_PKEY *pkey = NULL;

  if (key->pkey)
    {
      EVP_PKEY_up_ref (key->pkey);
      return key->pkey;
    }
  if (!key->decodes)
    return NULL;
  if (key->keymgmt == rsa_keymgmt && key->n && key->e)
    {
      /* The same modulus and exponent as OpenSSL's decoder would give,
       * without the decoder. */
      OSSL_PARAM_BLD *bld = OSSL_PARAM_BLD_new ();
      OSSL_PARAM *params = NULL;
      EVP_PKEY_CTX *ctx = EVP_PKEY_CTX_new_from_name (NULL, "RSA", NULL);

      if (bld && ctx && OSSL_PARAM_BLD_push_BN (bld, OSSL_PKEY_PARAM_RSA_N, key->n)
          && OSSL_PARAM_BLD_push_BN (bld, OSSL_PKEY_PARAM_RSA_E, key->e)
          && (params = OSSL_PARAM_BLD_to_param (bld)) != NULL
          && EVP_PKEY_fromdata_init (ctx) > 0)
        EVP_PKEY_fromdata (ctx, &pkey, EVP_PKEY_PUBLIC_KEY, params);
      OSSL_PARAM_free (params);
      OSSL_PARAM_BLD_free (bld);
      EVP_PKEY_CTX_free (ctx);
      ERR_clear_error ();
      if (pkey)
        return pkey;
    }
  len = i2d_X509_PUBKEY (X509_get_X509_PUBKEY (cert), &der);
  p = der;
  pkey = len > 0 ? d2i_PUBKEY (NULL, &p, len) : NULL;
  OPENSSL_free (der);
  ERR_clear_error ();
  return pkey;
}

/* ---------------------------------------------------------------- as OpenSSL would */

/* The certificate's signature algorithm fits the key (OpenSSL's
 * check_sig_alg_match(), RFC 5280 4.1.1.2). */
static gboolean
sig_alg_matches_key (X509 *cert, const LintKey *key)
{
  int sig_pknid = NID_undef;

  if (!key->decodes)
    return FALSE;
  if (!OBJ_find_sigid_algs (OBJ_obj2nid (X509_get0_tbs_sigalg (cert)->algorithm), NULL, &sig_pknid))
    return FALSE;
  return key_is_a (key, OBJ_nid2sn (sig_pknid)) || (key_is_a (key, "RSA") && sig_pknid == NID_rsassaPss);
}

/* Whether OpenSSL would call @cert self-signed (EXFLAG_SS): the subject
 * is the issuer, a keyIdentifier of the authorityKeyIdentifier is the
 * subjectKeyIdentifier, and the signature algorithm fits the key. */
gboolean
_lint_self_signed (X509 *cert, const LintKey *key)
{
  AUTHORITY_KEYID *akid;
  gboolean ok;

  if (!_lint_is_lazy (cert))
    return (X509_get_extension_flags (cert) & EXFLAG_SS) != 0;
  if (X509_NAME_cmp (X509_get_subject_name (cert), X509_get_issuer_name (cert)) != 0)
    return FALSE;
  akid = X509_get_ext_d2i (cert, NID_authority_key_identifier, NULL, NULL);
  ok = X509_check_akid (cert, akid) == X509_V_OK;
  AUTHORITY_KEYID_free (akid);
  ERR_clear_error ();
  return ok && sig_alg_matches_key (cert, key);
}

/* X509_check_ca() (RFC 5280 4.2.1.9), also for lazy certificates: only a
 * version 1 certificate without basicConstraints needs EXFLAG_SS. */
int
_lint_check_ca (X509 *cert)
{
  int ca = X509_check_ca (cert);

  if (ca == 0 && _lint_is_lazy (cert) && X509_get_version (cert) == X509_VERSION_1
      && X509_get_ext_by_NID (cert, NID_basic_constraints, -1) < 0)
    {
      X509 *full = _lint_full_cert (cert);
      ca = X509_check_ca (full);
      X509_free (full);
    }
  return ca;
}

/* The tbsCertificate of @cert as encoded (the first element of the
 * Certificate SEQUENCE; i2d_X509() keeps the encoding it was parsed from):
 * *tbs and *tbs_len point into *der, which the caller frees. */
static gboolean
tbs_of (X509 *cert, unsigned char **der, const unsigned char **tbs, long *tbs_len)
{
  const unsigned char *p;
  long content_len;
  int len, tag, xclass;

  *der = NULL;
  len = i2d_X509 (cert, der);
  p = *der;
  if (len <= 0 || (ASN1_get_object (&p, &content_len, &tag, &xclass, len) & 0x80) != 0)
    return FALSE;
  *tbs = p;
  if ((ASN1_get_object (&p, tbs_len, &tag, &xclass, content_len) & 0x80) != 0 || tag != V_ASN1_SEQUENCE)
    return FALSE;
  *tbs_len += p - *tbs;
  return TRUE;
}

/* X509_verify (@cert, @pkey) in the default library context: the
 * tbsCertificate as encoded, signed with signatureAlgorithm, which must
 * equal tbsCertificate.signature. */
int
_lint_verify (X509 *cert, EVP_PKEY *pkey)
{
  const X509_ALGOR *alg;
  const ASN1_BIT_STRING *sig;
  unsigned char *der = NULL;
  const unsigned char *tbs = NULL;
  long tbs_len = 0;
  int rv = -1;
  ASN1_TYPE *any = NULL;
  ASN1_STRING *seq = NULL;

  if (!_lint_is_lazy (cert))
    return X509_verify (cert, pkey);
  X509_get0_signature (&sig, &alg, cert);
  if (X509_ALGOR_cmp (alg, X509_get0_tbs_sigalg (cert)) != 0)
    return 0;
  if (!tbs_of (cert, &der, &tbs, &tbs_len))
    goto out;
  /* An ANY holding a SEQUENCE is encoded as it is: the tbsCertificate. */
  seq = ASN1_STRING_type_new (V_ASN1_SEQUENCE);
  any = ASN1_TYPE_new ();
  if (seq == NULL || any == NULL || tbs_len > G_MAXINT || !ASN1_STRING_set (seq, tbs, (int) tbs_len))
    goto out;
  ASN1_TYPE_set (any, V_ASN1_SEQUENCE, seq);
  seq = NULL;
  rv = ASN1_item_verify_ex (ASN1_ITEM_rptr (ASN1_ANY), alg, sig, any, X509_get0_distinguishing_id (cert), pkey,
                            NULL, NULL);
out:
  ASN1_STRING_free (seq);
  ASN1_TYPE_free (any);
  OPENSSL_free (der);
  return rv;
}

/* ---------------------------------------------------------------- RSA signatures */

/* RSASSA-PKCS1-v1_5 with SHA-256, -384, -512 (RFC 8017 8.2, RFC 4055 5),
 * the signatures of nearly every certificate: verification contexts set up
 * once per issuer key and hash (EVP_PKEY_verify() on the digest is what
 * EVP_DigestVerify() does after hashing). */
struct _LintVerifier {
  EVP_PKEY *pkey;
  EVP_PKEY_CTX *ctx[3];
};

static const int pkcs1_nids[3] = { NID_sha256WithRSAEncryption, NID_sha384WithRSAEncryption, NID_sha512WithRSAEncryption };
static const char *const pkcs1_hashes[3] = { "SHA256", "SHA384", "SHA512" };

void
_lint_verifier_free (LintVerifier *v)
{
  if (v == NULL)
    return;
  for (guint i = 0; i < G_N_ELEMENTS (v->ctx); i++)
    EVP_PKEY_CTX_free (v->ctx[i]);
  EVP_PKEY_free (v->pkey);
  g_free (v);
}

static EVP_MD *
pkcs1_md (int i)
{
  static EVP_MD *mds[3];
  static gsize done;

  if (g_once_init_enter (&done))
    {
      for (int k = 0; k < 3; k++)
        mds[k] = EVP_MD_fetch (NULL, pkcs1_hashes[k], NULL);
      g_once_init_leave (&done, 1);
    }
  return mds[i];
}

/* X509_verify (@cert, @pkey), through @verifiers (EVP_PKEY* ->
 * LintVerifier*) when the signature is RSASSA-PKCS1-v1_5 with SHA-2 and
 * @pkey an rsaEncryption key; @verifiers may be NULL (no caching). */
int
_lint_verify_cached (GHashTable *verifiers, X509 *cert, EVP_PKEY *pkey)
{
  const X509_ALGOR *alg;
  const ASN1_BIT_STRING *sig;
  int nid, hash = -1, rv = -1;
  LintVerifier *v, local = { 0 };
  unsigned char *der = NULL, md[EVP_MAX_MD_SIZE];
  const unsigned char *tbs = NULL;
  long tbs_len = 0;
  unsigned int md_len = 0;

  X509_get0_signature (&sig, &alg, cert);
  nid = OBJ_obj2nid (alg->algorithm);
  for (int i = 0; i < 3; i++)
    if (nid == pkcs1_nids[i])
      hash = i;
  if (hash < 0 || pkcs1_md (hash) == NULL || !EVP_PKEY_is_a (pkey, OBJ_nid2sn (NID_rsaEncryption)))
    return _lint_verify (cert, pkey);
  /* The checks ASN1_item_verify_ctx() makes before it verifies. */
  if (X509_ALGOR_cmp (alg, X509_get0_tbs_sigalg (cert)) != 0)
    return 0;
  if (sig->type == V_ASN1_BIT_STRING && (sig->flags & 0x7) != 0)
    return -1;

  v = verifiers ? g_hash_table_lookup (verifiers, pkey) : NULL;
  if (v == NULL)
    {
      v = verifiers ? g_new0 (LintVerifier, 1) : &local;
      EVP_PKEY_up_ref (pkey);
      v->pkey = pkey;
      if (verifiers)
        g_hash_table_insert (verifiers, pkey, v);
    }
  if (v->ctx[hash] == NULL)
    {
      EVP_PKEY_CTX *ctx = EVP_PKEY_CTX_new_from_pkey (NULL, pkey, NULL);
      if (ctx == NULL || EVP_PKEY_verify_init (ctx) <= 0 || EVP_PKEY_CTX_set_rsa_padding (ctx, RSA_PKCS1_PADDING) <= 0
          || EVP_PKEY_CTX_set_signature_md (ctx, pkcs1_md (hash)) <= 0)
        EVP_PKEY_CTX_free (ctx);
      else
        v->ctx[hash] = ctx;
    }
  if (v->ctx[hash] && tbs_of (cert, &der, &tbs, &tbs_len)
      && EVP_Digest (tbs, (size_t) tbs_len, md, &md_len, pkcs1_md (hash), NULL))
    rv = EVP_PKEY_verify (v->ctx[hash], sig->data, (size_t) sig->length, md, md_len) > 0 ? 1 : 0;
  else if (v->ctx[hash] == NULL)
    rv = _lint_verify (cert, pkey);
  OPENSSL_free (der);
  if (v == &local)
    {
      for (guint i = 0; i < G_N_ELEMENTS (local.ctx); i++)
        EVP_PKEY_CTX_free (local.ctx[i]);
      EVP_PKEY_free (local.pkey);
    }
  return rv;
}
