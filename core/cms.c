/* CMS (RFC 5652) operations over OpenSSL 3: SignedData, EnvelopedData and
 * AuthEnvelopedData on whole byte buffers.  MIME is not handled here.
 *
 * Traps avoided on purpose (seen with OpenSSL 3.0):
 *  - streaming output (i2d_CMS_bio_stream) fails for RSASSA-PSS and embeds
 *    the content even for detached signatures: use CMS_final + i2d_CMS_bio;
 *  - CMS_decrypt writes plaintext before the AES-GCM tag is checked: the
 *    plaintext goes to a memory BIO and is dropped unless CMS_decrypt
 *    succeeds;
 *  - CMS_decrypt is given the recipient certificate so that only the
 *    matching RecipientInfo is tried.
 */
#include "internal.h"
#include "stream.h"
#include "verify-cache.h"
#include <openssl/err.h>
#include <openssl/rsa.h>
#include <openssl/pkcs7.h>
#include <time.h>

static const char *
digest_name (InkanDigest digest)
{
  switch (digest)
    {
    case INKAN_DIGEST_SHA384: return "SHA384";
    case INKAN_DIGEST_SHA512: return "SHA512";
    case INKAN_DIGEST_SHA256:
    default: return "SHA256";
    }
}

/* RFC 8551 §3.5.3.2: micalg values are "sha-256", "sha-384", ... */
const char *
_inkan_digest_micalg (InkanDigest digest)
{
  switch (digest)
    {
    case INKAN_DIGEST_SHA384: return "sha-384";
    case INKAN_DIGEST_SHA512: return "sha-512";
    case INKAN_DIGEST_SHA256:
    default: return "sha-256";
    }
}

static GBytes *
cms_to_der (CMS_ContentInfo *cms)
{
  g_autoptr (BIO) out = BIO_new (BIO_s_mem ());

  if (!i2d_CMS_bio (out, cms))
    return NULL;
  return _inkan_bio_to_bytes (out);
}

/* With @trust, certificates are decoded through its cache
 * (core/verify-cache.c). */
static CMS_ContentInfo *
cms_from_der (GBytes *der, InkanTrust *trust, GError **error)
{
  CMS_ContentInfo *cms = _inkan_cms_d2i_signed (_inkan_trust_get_cache (trust), der);

  if (cms == NULL)
    {
      g_autofree char *why = _inkan_openssl_reason ();
      _inkan_set_error (error, INKAN_ERROR_CMS,
                        _("The S/MIME part is not a valid CMS structure (%s); the message may be truncated or damaged."),
                        why);
    }
  return cms;
}

/**
 * _inkan_cms_content_type:
 * @cms: DER or BER ContentInfo
 *
 * Returns: the NID of the ContentInfo contentType, or NID_undef.
 */
int
_inkan_cms_content_type (GBytes *cms)
{
  g_autoptr (CMS_ContentInfo) ci = cms_from_der (cms, NULL, NULL);

  ERR_clear_error ();
  return ci ? OBJ_obj2nid (CMS_get0_type (ci)) : NID_undef;
}

/* Signs @content (already canonical: CRLF, 7-bit safe) as SignedData
 * (RFC 5652 §5; RFC 8551 §2.5 attributes: contentType, messageDigest,
 * signingTime, SMIMECapabilities), with the signer certificate and the
 * intermediates but never the root. */
/* SMIMECapabilities (RFC 8551 §2.5.2): what inkan can decrypt, strongest
 * first.  OpenSSL's default list still advertises DES, RC2-40 and 3DES. */
static gboolean
add_smime_capabilities (CMS_SignerInfo *si)
{
  STACK_OF (X509_ALGOR) *caps = sk_X509_ALGOR_new_null ();
  const int nids[] = { NID_aes_256_gcm, NID_aes_256_cbc, NID_aes_128_gcm, NID_aes_128_cbc };
  gboolean ok = caps != NULL;

  for (guint i = 0; ok && i < G_N_ELEMENTS (nids); i++)
    ok = PKCS7_simple_smimecap (caps, nids[i], -1) > 0;
  ok = ok && CMS_add_smimecap (si, caps) > 0;
  sk_X509_ALGOR_pop_free (caps, X509_ALGOR_free);
  return ok;
}

GBytes *
_inkan_cms_sign (InkanIdentity *identity, GBytes *content,
                 const InkanSignOptions *options, gboolean detached, GError **error)
{
  return _inkan_cms_sign_with (identity, _inkan_write_bytes, content, options, detached, error);
}

/* Feeds the content through the CMS data BIO chain as CMS_final() does,
 * but from @write, so that it is never gathered in memory: a detached
 * signature hashes it into a null BIO (RFC 5652 §5.2: no eContent). */
static gboolean
cms_final_with (CMS_ContentInfo *cms, InkanWriteFunc write, gpointer data)
{
  BIO *cmsbio = CMS_dataInit (cms, NULL);
  gboolean ok = cmsbio != NULL && write (cmsbio, data) && BIO_flush (cmsbio) > 0
                && CMS_dataFinal (cms, cmsbio);

  BIO_free_all (cmsbio);
  return ok;
}

/* _inkan_cms_sign() with the content written by @write (core/stream.h). */
GBytes *
_inkan_cms_sign_with (InkanIdentity *identity, InkanWriteFunc write, gpointer data,
                      const InkanSignOptions *options, gboolean detached, GError **error)
{
  EVP_PKEY *key = inkan_identity_get_key (identity);
  STACK_OF (X509) *chain = inkan_identity_get_chain (identity);
  unsigned int flags = CMS_BINARY | CMS_PARTIAL | (detached ? CMS_DETACHED : 0);
  g_autoptr (CMS_ContentInfo) cms = NULL;
  EVP_MD *md = NULL;
  CMS_SignerInfo *si;
  GBytes *der = NULL;

  if (options->pss && EVP_PKEY_get_base_id (key) != EVP_PKEY_RSA)
    {
      _inkan_set_error (error, INKAN_ERROR_UNSUPPORTED,
                        _("RSASSA-PSS needs an RSA key, but this identity's key is of type %s; sign without --pss."),
                        EVP_PKEY_get0_type_name (key));
      return NULL;
    }
  md = EVP_MD_fetch (NULL, digest_name (options->digest), NULL);
  cms = CMS_sign (NULL, NULL, NULL, NULL, flags);
  if (md == NULL || cms == NULL)
    goto fail;
  for (int i = 0; i < sk_X509_num (chain); i++)
    if (!CMS_add1_cert (cms, sk_X509_value (chain, i)))
      goto fail;
  si = CMS_add1_signer (cms, inkan_identity_get_certificate (identity), key, md,
                        flags | CMS_NOSMIMECAP | (options->pss ? CMS_KEY_PARAM : 0));
  if (si == NULL || !add_smime_capabilities (si))
    goto fail;
  if (options->pss)
    {
      /* RFC 4056 §3 / RFC 8551 §2.2: MGF1 with the same hash, salt length =
       * hash length, trailer field 1. */
      EVP_PKEY_CTX *pctx = CMS_SignerInfo_get0_pkey_ctx (si);
      if (EVP_PKEY_CTX_set_rsa_padding (pctx, RSA_PKCS1_PSS_PADDING) <= 0
          || EVP_PKEY_CTX_set_rsa_pss_saltlen (pctx, RSA_PSS_SALTLEN_DIGEST) <= 0
          || EVP_PKEY_CTX_set_rsa_mgf1_md (pctx, md) <= 0)
        goto fail;
    }
  if (!cms_final_with (cms, write, data))
    goto fail;
  der = cms_to_der (cms);
  if (der == NULL)
    goto fail;
  EVP_MD_free (md);
  return der;

fail:
  {
    g_autofree char *why = _inkan_openssl_reason ();
    _inkan_set_error (error, INKAN_ERROR_FAILED, _("Signing failed: %s."), why);
  }
  EVP_MD_free (md);
  return NULL;
}

/* ---------------------------------------------------------------- verify */

void
_inkan_signer_free (InkanSigner *signer)
{
  if (signer == NULL)
    return;
  g_free (signer->subject);
  g_free (signer->issuer);
  g_free (signer->serial);
  if (signer->emails)
    g_ptr_array_unref (signer->emails);
  g_free (signer->signature_algorithm);
  g_free (signer->digest_algorithm);
  g_free (signer->chain_error);
  g_free (signer);
}

void
_inkan_cms_verify_result_free (InkanCmsVerifyResult *result)
{
  if (result == NULL)
    return;
  g_ptr_array_unref (result->signers);
  if (result->content)
    g_bytes_unref (result->content);
  g_free (result);
}

/**
 * inkan_name_to_string:
 * @name: a distinguished name
 *
 * Returns: (transfer full): @name in RFC 2253 form, UTF-8 kept readable.
 */
char *
inkan_name_to_string (const X509_NAME *name)
{
  g_autoptr (BIO) bio = BIO_new (BIO_s_mem ());
  char *data = NULL;
  long len;

  X509_NAME_print_ex (bio, name, 0, XN_FLAG_RFC2253 & ~ASN1_STRFLGS_ESC_MSB);
  len = BIO_get_mem_data (bio, &data);
  /* An empty name leaves the BIO without a buffer: still a string. */
  return len > 0 && data != NULL ? g_strndup (data, len) : g_strdup ("");
}

/**
 * inkan_certificate_serial_hex:
 * @cert: a certificate
 *
 * The serialNumber (RFC 5280 §4.1.2.2) as OpenSSL writes it: upper-case
 * hexadecimal, a leading "-" for a (non-conforming) negative one.
 *
 * Returns: (transfer full): the hex text; "" only when OpenSSL cannot
 *   convert it (out of memory).
 */
char *
inkan_certificate_serial_hex (X509 *cert)
{
  BIGNUM *bn = ASN1_INTEGER_to_BN (X509_get0_serialNumber (cert), NULL);
  char *hex = bn ? BN_bn2hex (bn) : NULL;
  char *out = g_strdup (hex ? hex : "");

  OPENSSL_free (hex);
  BN_free (bn);
  return out;
}

gint64
_inkan_asn1_time_to_unix (const ASN1_TIME *t)
{
  struct tm tm;

  if (t == NULL || !ASN1_TIME_to_tm (t, &tm))
    return -1;
  return (gint64) timegm (&tm);
}

static gint64
signing_time (CMS_SignerInfo *si)
{
  int idx = CMS_signed_get_attr_by_NID (si, NID_pkcs9_signingTime, -1);
  X509_ATTRIBUTE *attr;
  ASN1_TYPE *value;

  if (idx < 0 || (attr = CMS_signed_get_attr (si, idx)) == NULL
      || (value = X509_ATTRIBUTE_get0_type (attr, 0)) == NULL)
    return -1;
  if (value->type == V_ASN1_UTCTIME || value->type == V_ASN1_GENERALIZEDTIME)
    return _inkan_asn1_time_to_unix ((ASN1_TIME *) value->value.asn1_string);
  return -1;
}

static const char *
signature_algorithm_name (const X509_ALGOR *alg, EVP_PKEY *pk)
{
  int nid = OBJ_obj2nid (alg->algorithm);

  if (nid == NID_rsassaPss)
    return "RSASSA-PSS";
  if (nid == NID_rsaEncryption || nid == NID_sha1WithRSAEncryption
      || nid == NID_sha256WithRSAEncryption || nid == NID_sha384WithRSAEncryption
      || nid == NID_sha512WithRSAEncryption)
    return "RSASSA-PKCS1-v1_5";
  if (nid == NID_X9_62_id_ecPublicKey || nid == NID_ecdsa_with_SHA1
      || nid == NID_ecdsa_with_SHA256 || nid == NID_ecdsa_with_SHA384
      || nid == NID_ecdsa_with_SHA512 || (pk && EVP_PKEY_get_base_id (pk) == EVP_PKEY_EC))
    return "ECDSA";
  return nid != NID_undef ? OBJ_nid2sn (nid) : "unknown";
}

static char *
digest_micalg_name (const X509_ALGOR *alg, gboolean *weak)
{
  int nid = OBJ_obj2nid (alg->algorithm);

  *weak = (nid == NID_sha1 || nid == NID_md5);
  switch (nid)
    {
    case NID_sha1: return g_strdup ("sha-1");
    case NID_sha224: return g_strdup ("sha-224");
    case NID_sha256: return g_strdup ("sha-256");
    case NID_sha384: return g_strdup ("sha-384");
    case NID_sha512: return g_strdup ("sha-512");
    case NID_md5: return g_strdup ("md5");
    default: return g_ascii_strdown (nid != NID_undef ? OBJ_nid2sn (nid) : "unknown", -1);
    }
}

static void
free_bio_upto (BIO *bio, BIO *upto)
{
  if (upto == NULL)
    {
      BIO_free_all (bio);
      return;
    }
  while (bio != NULL && bio != upto)
    {
      BIO *next = BIO_pop (bio);
      BIO_free (bio);
      bio = next;
    }
}

/* The certificate fields of @s (subject, issuer, serial, validity and
 * addresses, inkan_certificate_get_addresses()) from @cert. */
void
_inkan_signer_fill_cert (InkanSigner *s, X509 *cert, gboolean *from_subject)
{
  g_autofree char *hex = inkan_certificate_serial_hex (cert);

  s->subject = _inkan_name_to_string (X509_get_subject_name (cert));
  s->issuer = _inkan_name_to_string (X509_get_issuer_name (cert));
  s->serial = g_ascii_strdown (hex, -1);
  s->not_before = _inkan_asn1_time_to_unix (X509_get0_notBefore (cert));
  s->not_after = _inkan_asn1_time_to_unix (X509_get0_notAfter (cert));
  s->emails = inkan_certificate_get_addresses (cert, from_subject);
}

/* Copies the fields _inkan_signer_fill_cert() sets from @from to @to. */
void
_inkan_signer_copy_cert (InkanSigner *to, const InkanSigner *from)
{
  to->subject = g_strdup (from->subject);
  to->issuer = g_strdup (from->issuer);
  to->serial = g_strdup (from->serial);
  to->not_before = from->not_before;
  to->not_after = from->not_after;
  to->emails = g_ptr_array_new_full (from->emails->len, g_free);
  for (guint i = 0; i < from->emails->len; i++)
    g_ptr_array_add (to->emails, g_strdup (g_ptr_array_index (from->emails, i)));
}

static InkanSigner *
describe_signer (InkanTrust *trust, CMS_SignerInfo *si, X509 *signer, EVP_PKEY *pk,
                 X509_ALGOR *pdig, X509_ALGOR *psig, guint *flags)
{
  InkanSigner *s = g_new0 (InkanSigner, 1);
  gboolean weak = FALSE, from_subject = FALSE;

  s->signing_time = signing_time (si);
  s->digest_algorithm = digest_micalg_name (pdig, &weak);
  s->signature_algorithm = g_strdup (signature_algorithm_name (psig, pk));
  if (weak)
    *flags |= INKAN_FLAG_WEAK_ALGORITHM;
  if (signer == NULL)
    {
      s->emails = g_ptr_array_new_with_free_func (g_free);
      *flags |= INKAN_FLAG_NO_SIGNER;
      return s;
    }
  if (!_inkan_verify_cache_describe (_inkan_trust_get_cache (trust), signer, s, &from_subject))
    _inkan_signer_fill_cert (s, signer, &from_subject);
  if (from_subject)
    *flags |= INKAN_FLAG_ADDRESS_FROM_SUBJECT;
  /* NULL when the key cannot be decoded (an unknown algorithm): the
   * signature then does not verify. */
  if (X509_get0_pubkey (signer) != NULL && EVP_PKEY_get_base_id (X509_get0_pubkey (signer)) == EVP_PKEY_RSA
      && EVP_PKEY_get_bits (X509_get0_pubkey (signer)) < 2048)
    *flags |= INKAN_FLAG_WEAK_ALGORITHM;
  return s;
}

/* Verifies a SignedData.  @detached_content is the canonical content of a
 * multipart/signed (RFC 8551 §3.5.3), or %NULL for signed-data with
 * encapsulated content (RFC 8551 §3.5.2), whose content is returned in the
 * result.  The chain is checked at @at when non-zero, else at the
 * signingTime (if it is not in the future), else now.  Returns %NULL only
 * when the structure cannot be read at all. */
InkanCmsVerifyResult *
_inkan_cms_verify (GBytes *der, GBytes *detached_content, InkanTrust *trust,
                   gint64 at, GError **error)
{
  return _inkan_cms_verify_with (der, detached_content ? _inkan_write_bytes : NULL, detached_content,
                                 trust, at, error);
}

/* _inkan_cms_verify() with the detached content written by @write (NULL
 * for encapsulated content): it is hashed on the way into a null BIO. */
InkanCmsVerifyResult *
_inkan_cms_verify_with (GBytes *der, InkanWriteFunc write, gpointer detached_content,
                        InkanTrust *trust, gint64 at, GError **error)
{
  g_autoptr (CMS_ContentInfo) cms = cms_from_der (der, trust, error);
  g_autoptr (InkanCmsVerifyResult) result = NULL;
  g_autoptr (BIO) dcont = NULL;
  STACK_OF (CMS_SignerInfo) *sis;
  STACK_OF (X509) *certs = NULL;
  BIO *cmsbio = NULL;
  gboolean all_valid = TRUE;
  gint64 now = g_get_real_time () / G_USEC_PER_SEC;

  if (cms == NULL)
    return NULL;
  if (OBJ_obj2nid (CMS_get0_type (cms)) != NID_pkcs7_signed)
    {
      _inkan_set_error (error, INKAN_ERROR_CMS, _("The S/MIME signature part does not hold CMS SignedData."));
      return NULL;
    }
  if (detached_content == NULL && CMS_is_detached (cms))
    {
      _inkan_set_error (error, INKAN_ERROR_CMS,
                        _("The S/MIME signed-data part holds a detached signature without its content."));
      return NULL;
    }

  result = g_new0 (InkanCmsVerifyResult, 1);
  result->signers = g_ptr_array_new_with_free_func ((GDestroyNotify) _inkan_signer_free);
  /* RFC 8551 §3.5.3: the CMS of a multipart/signed is detached; eContent
   * there means the displayed text and the signed text may differ. */
  if (detached_content != NULL && !CMS_is_detached (cms))
    result->flags |= INKAN_FLAG_NOT_DETACHED;

  sis = CMS_get0_SignerInfos (cms);
  if (sk_CMS_SignerInfo_num (sis) == 0)
    result->flags |= INKAN_FLAG_NO_SIGNER;
  if (sk_CMS_SignerInfo_num (sis) > 1)
    result->flags |= INKAN_FLAG_MULTIPLE_SIGNERS;
  CMS_set1_signers_certs (cms, NULL, 0);
  ERR_clear_error ();
  certs = CMS_get1_certs (cms);

  if (detached_content)
    dcont = BIO_new (BIO_s_null ());
  cmsbio = CMS_dataInit (cms, dcont);
  if (cmsbio != NULL && detached_content && !(write (cmsbio, detached_content) && BIO_flush (cmsbio) > 0))
    {
      free_bio_upto (cmsbio, dcont);
      cmsbio = NULL;
    }
  if (cmsbio == NULL)
    {
      g_autofree char *why = _inkan_openssl_reason ();
      sk_X509_pop_free (certs, X509_free);
      _inkan_set_error (error, INKAN_ERROR_CMS, _("The signed content cannot be read (%s)."), why);
      return NULL;
    }
  {
    g_autoptr (BIO) out = BIO_new (BIO_s_mem ());
    char buf[16384];
    int n;

    while ((n = BIO_read (cmsbio, buf, sizeof buf)) > 0)
      if (detached_content == NULL)
        BIO_write (out, buf, n);
    if (detached_content == NULL)
      result->content = _inkan_bio_to_bytes (out);
  }

  for (int i = 0; i < sk_CMS_SignerInfo_num (sis); i++)
    {
      CMS_SignerInfo *si = sk_CMS_SignerInfo_value (sis, i);
      EVP_PKEY *pk = NULL;
      X509 *signer = NULL;
      X509_ALGOR *pdig = NULL, *psig = NULL;
      InkanSigner *s;
      gboolean ok;

      CMS_SignerInfo_get0_algs (si, &pk, &signer, &pdig, &psig);
      s = describe_signer (trust, si, signer, pk, pdig, psig, &result->flags);
      g_ptr_array_add (result->signers, s);
      if (signer == NULL)
        {
          all_valid = FALSE;
          continue;
        }
      /* RFC 5652 §5.4/§5.6: signature over the signed attributes, and the
       * messageDigest attribute against the content digest. */
      ok = (CMS_signed_get_attr_count (si) < 0 || CMS_SignerInfo_verify (si) == 1)
           && CMS_SignerInfo_verify_content (si, cmsbio) == 1;
      ERR_clear_error ();
      s->signature_valid = ok;
      all_valid = all_valid && ok;

      s->verified_at = at != 0 ? at
                       : (s->signing_time > 0 && s->signing_time <= now) ? s->signing_time : now;
      {
        InkanChainResult cr;
        _inkan_trust_check (trust, signer, certs, s->verified_at, &cr);
        s->chain_trusted = cr.trusted;
        s->chain_error = cr.error_text;
        result->flags |= cr.flags;
      }
    }
  free_bio_upto (cmsbio, dcont);
  sk_X509_pop_free (certs, X509_free);
  ERR_clear_error ();
  result->signature_valid = all_valid && result->signers->len > 0;
  return g_steal_pointer (&result);
}

/* ---------------------------------------------------------------- envelope */

static const char *
cipher_name (InkanCipher cipher)
{
  switch (cipher)
    {
    case INKAN_CIPHER_AES_128_CBC: return "AES-128-CBC";
    case INKAN_CIPHER_AES_256_GCM: return "AES-256-GCM";
    case INKAN_CIPHER_AES_256_CBC:
    default: return "AES-256-CBC";
    }
}

/* Encrypts @content to every certificate in @recipients (X509*): EnvelopedData
 * (RFC 5652 §6) for CBC ciphers, AuthEnvelopedData (RFC 5083, RFC 5084) for
 * AES-GCM.  RSA recipients get KeyTransRecipientInfo with RSAES-PKCS1-v1_5,
 * or RSAES-OAEP with SHA-256 and MGF1-SHA-256 (RFC 8017, RFC 4055 §4.1) when
 * @options->oaep; EC recipients get KeyAgreeRecipientInfo (RFC 5753). */
static CMS_ContentInfo *
encrypt_setup (GPtrArray *recipients, const InkanEncryptOptions *options, unsigned int flags)
{
  EVP_CIPHER *cipher = EVP_CIPHER_fetch (NULL, cipher_name (options->cipher), NULL);
  EVP_MD *sha256 = EVP_MD_fetch (NULL, "SHA256", NULL);
  CMS_ContentInfo *cms = NULL;

  if (cipher == NULL || sha256 == NULL || (cms = CMS_encrypt (NULL, NULL, cipher, flags)) == NULL)
    goto fail;
  for (guint i = 0; i < recipients->len; i++)
    {
      X509 *cert = g_ptr_array_index (recipients, i);
      gboolean oaep = options->oaep && X509_get0_pubkey (cert) != NULL
                      && EVP_PKEY_get_base_id (X509_get0_pubkey (cert)) == EVP_PKEY_RSA;
      /* EC recipients: KeyAgreeRecipientInfo with OpenSSL's
       * dhSinglePass-stdDH-sha1kdf-scheme (allowed by RFC 5753; the SHA-256
       * KDF could not be selected through OpenSSL 3.0's CMS API). */
      CMS_RecipientInfo *ri = CMS_add1_recipient_cert (cms, cert, flags | (oaep ? CMS_KEY_PARAM : 0));

      if (ri == NULL)
        goto fail;
      if (oaep)
        {
          EVP_PKEY_CTX *pctx = CMS_RecipientInfo_get0_pkey_ctx (ri);
          if (EVP_PKEY_CTX_set_rsa_padding (pctx, RSA_PKCS1_OAEP_PADDING) <= 0
              || EVP_PKEY_CTX_set_rsa_oaep_md (pctx, sha256) <= 0
              || EVP_PKEY_CTX_set_rsa_mgf1_md (pctx, sha256) <= 0)
            goto fail;
        }
    }
  EVP_CIPHER_free (cipher);
  EVP_MD_free (sha256);
  return cms;

fail:
  CMS_ContentInfo_free (cms);
  EVP_CIPHER_free (cipher);
  EVP_MD_free (sha256);
  return NULL;
}

static void
encrypt_error (GError **error)
{
  g_autofree char *why = _inkan_openssl_reason ();
  _inkan_set_error (error, INKAN_ERROR_FAILED, _("Encryption failed: %s."), why);
}

GBytes *
_inkan_cms_encrypt (GBytes *content, GPtrArray *recipients,
                    const InkanEncryptOptions *options, GError **error)
{
  unsigned int flags = CMS_BINARY | CMS_PARTIAL;
  g_autoptr (CMS_ContentInfo) cms = encrypt_setup (recipients, options, flags);
  g_autoptr (BIO) in = NULL;
  GBytes *der = NULL;

  in = _inkan_bio_from_bytes (content);
  if (cms == NULL || !CMS_final (cms, in, NULL, flags) || (der = cms_to_der (cms)) == NULL)
    encrypt_error (error);
  return der;
}

/* _inkan_cms_encrypt() in bounded memory: the content is written by @write
 * into OpenSSL's streaming encoder (BIO_new_CMS, what i2d_CMS_bio_stream
 * uses; the RSASSA-PSS trap of signing does not apply to enveloping), and
 * the ContentInfo goes to @out as BER with indefinite lengths, as `openssl
 * cms -encrypt -stream` writes it. */
gboolean
_inkan_cms_encrypt_to (InkanWriteFunc write, gpointer data, GPtrArray *recipients,
                       const InkanEncryptOptions *options, BIO *out, GError **error)
{
  unsigned int flags = CMS_BINARY | CMS_PARTIAL | CMS_STREAM;
  g_autoptr (CMS_ContentInfo) cms = encrypt_setup (recipients, options, flags);
  BIO *cmsbio = cms ? BIO_new_CMS (out, cms) : NULL;
  gboolean ok = cmsbio != NULL && write (cmsbio, data) && BIO_flush (cmsbio) > 0;

  free_bio_upto (cmsbio, out);
  if (!ok)
    encrypt_error (error);
  return ok;
}

/* Does any RecipientInfo name @cert (issuerAndSerialNumber or subject key
 * identifier; RFC 5652 §6.2.1, §6.2.2)?  OpenSSL 3.0's CMS_decrypt does not
 * always say "no matching recipient" when none does. */
static gboolean
has_recipient (CMS_ContentInfo *cms, X509 *cert)
{
  STACK_OF (CMS_RecipientInfo) *ris = CMS_get0_RecipientInfos (cms);

  for (int i = 0; i < sk_CMS_RecipientInfo_num (ris); i++)
    {
      CMS_RecipientInfo *ri = sk_CMS_RecipientInfo_value (ris, i);
      int type = CMS_RecipientInfo_type (ri);

      if (type == CMS_RECIPINFO_TRANS && CMS_RecipientInfo_ktri_cert_cmp (ri, cert) == 0)
        return TRUE;
      if (type == CMS_RECIPINFO_AGREE)
        {
          STACK_OF (CMS_RecipientEncryptedKey) *reks = CMS_RecipientInfo_kari_get0_reks (ri);
          for (int j = 0; j < sk_CMS_RecipientEncryptedKey_num (reks); j++)
            if (CMS_RecipientEncryptedKey_cert_cmp (sk_CMS_RecipientEncryptedKey_value (reks, j), cert) == 0)
              return TRUE;
        }
    }
  return FALSE;
}

/* RFC 5084 §3.2: the AES-GCM authentication tag (the AuthEnvelopedData
 * mac) is 12 to 16 octets.  OpenSSL takes the tag length from the mac as
 * it comes, so a tag cut in transit to 4 octets would be checked on 32
 * bits only: find its length (OpenSSL's DER re-encoding, walked with its
 * own TLV decoder).  Returns -1 when there is no mac. */
static long
auth_tag_length (CMS_ContentInfo *cms)
{
  unsigned char *der = NULL;
  const unsigned char *p, *end;
  long len = 0, found = -1;
  int n = i2d_CMS_ContentInfo (cms, &der), tag, xclass;

  if (n <= 0)
    return -1;
  p = der;
  end = der + n;
  /* ContentInfo SEQUENCE { contentType OID, [0] EXPLICIT AuthEnvelopedData SEQUENCE { ... } } */
  if (ASN1_get_object (&p, &len, &tag, &xclass, end - p) & 0x80
      || ASN1_get_object (&p, &len, &tag, &xclass, end - p) & 0x80 || (p += len) > end
      || ASN1_get_object (&p, &len, &tag, &xclass, end - p) & 0x80
      || ASN1_get_object (&p, &len, &tag, &xclass, end - p) & 0x80)
    goto done;
  end = p + len;
  /* version, originatorInfo [0], recipientInfos SET, authEncryptedContentInfo
   * SEQUENCE, authAttrs [1], mac OCTET STRING, unauthAttrs [2] */
  while (p < end && !(ASN1_get_object (&p, &len, &tag, &xclass, end - p) & 0x80))
    {
      if (xclass == V_ASN1_UNIVERSAL && tag == V_ASN1_OCTET_STRING)
        {
          found = len;
          break;
        }
      p += len;
    }
done:
  OPENSSL_free (der);
  ERR_clear_error ();
  return found;
}

/* Decrypts EnvelopedData or AuthEnvelopedData for @identity.  The plaintext
 * is buffered and returned only when CMS_decrypt succeeds, so a failed
 * AES-GCM tag check (RFC 5083 §2.2) yields no plaintext at all. */
GBytes *
_inkan_cms_decrypt (GBytes *der, InkanIdentity *identity, GError **error)
{
  g_autoptr (BIO) in = _inkan_bio_from_bytes (der);
  g_autoptr (BIO) out = BIO_new (BIO_s_mem ());

  if (!_inkan_cms_decrypt_bio (in, identity, out, error))
    return NULL;
  return _inkan_bio_to_bytes (out);
}

/* _inkan_cms_decrypt() from BIO to BIO.  OpenSSL reads the whole CMS into
 * memory (d2i_CMS_bio); the plaintext goes to @out as it is decrypted, so
 * @out must be dropped unless this returns %TRUE (the AES-GCM trap). */
gboolean
_inkan_cms_decrypt_bio (BIO *in, InkanIdentity *identity, BIO *out, GError **error)
{
  g_autoptr (CMS_ContentInfo) cms = d2i_CMS_bio (in, NULL);

  if (cms == NULL)
    {
      g_autofree char *why = _inkan_openssl_reason ();
      _inkan_set_error (error, INKAN_ERROR_CMS,
                        _("The S/MIME part is not a valid CMS structure (%s); the message may be truncated or damaged."),
                        why);
      return FALSE;
    }
  return _inkan_cms_decrypt_parsed (cms, NULL, identity, out, error);
}

/* The decryption of _inkan_cms_decrypt_bio() once @cms is parsed; @dcont,
 * when not %NULL, is its encryptedContent given as detached content
 * (core/cms-detached.c). */
gboolean
_inkan_cms_decrypt_parsed (CMS_ContentInfo *cms, BIO *dcont, InkanIdentity *identity, BIO *out, GError **error)
{
  int nid = OBJ_obj2nid (CMS_get0_type (cms));

  if (nid != NID_pkcs7_enveloped && nid != NID_id_smime_ct_authEnvelopedData)
    {
      _inkan_set_error (error, INKAN_ERROR_NOT_SMIME,
                        _("The S/MIME part is not encrypted (CMS EnvelopedData or AuthEnvelopedData)."));
      return FALSE;
    }
  if (!has_recipient (cms, inkan_identity_get_certificate (identity)))
    {
      ERR_clear_error ();
      _inkan_set_error (error, INKAN_ERROR_NOT_RECIPIENT,
                        _("The message is not encrypted to this identity's certificate; use the identity it was sent to."));
      return FALSE;
    }
  if (nid == NID_id_smime_ct_authEnvelopedData)
    {
      long tag_len = auth_tag_length (cms);
      if (tag_len < 12 || tag_len > 16)
        {
          _inkan_set_error (error, INKAN_ERROR_DECRYPT,
                            _("Decryption failed: the AES-GCM authentication tag is %ld bytes long, but RFC 5084 allows 12 to 16; the message was cut or altered in transit. No plaintext was written."),
                            tag_len);
          return FALSE;
        }
    }
  if (dcont ? !_inkan_cms_decrypt_content (cms, inkan_identity_get_key (identity),
                                           inkan_identity_get_certificate (identity), dcont, out)
            : !CMS_decrypt (cms, inkan_identity_get_key (identity), inkan_identity_get_certificate (identity),
                            NULL, out, CMS_BINARY))
    {
      unsigned long code = ERR_peek_last_error ();
      g_autofree char *why = _inkan_openssl_reason ();

      if (ERR_GET_LIB (code) == ERR_LIB_CMS && ERR_GET_REASON (code) == CMS_R_NO_MATCHING_RECIPIENT)
        _inkan_set_error (error, INKAN_ERROR_NOT_RECIPIENT,
                          _("The message is not encrypted to this identity's certificate; use the identity it was sent to."));
      else
        _inkan_set_error (error, INKAN_ERROR_DECRYPT,
                          _("Decryption failed: the message was damaged or altered in transit, or the key does not fit (%s). No plaintext was written."),
                          strcmp (why, "unknown OpenSSL error") ? why : _("the integrity check failed"));
      return FALSE;
    }
  return TRUE;
}
