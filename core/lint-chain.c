/* Chain reports for administrators: the path from a certificate to an
 * email trust anchor, certificate descriptions (key, signature algorithm
 * with RSASSA-PSS parameters), and the certificates a signed message
 * carries.  Verification itself is the same as core/chain.c: purpose
 * S/MIME signing, partial chains to added anchors allowed. */
#include "lint-internal.h"
#include <openssl/rsa.h>
#include <openssl/x509_vfy.h>

/**
 * InkanChainReport: see inkan.h.
 */

/**
 * inkan_chain_report_free:
 * @report: (nullable): a report
 */
void
inkan_chain_report_free (InkanChainReport *report)
{
  if (report == NULL)
    return;
  g_ptr_array_unref (report->certificates);
  g_free (report->error_text);
  g_free (report);
}

static int
chain_cb (int ok, X509_STORE_CTX *ctx)
{
  InkanChainReport *r = X509_STORE_CTX_get_app_data (ctx);
  int err;

  if (ok)
    return 1;
  err = X509_STORE_CTX_get_error (ctx);
  if (err == X509_V_ERR_CERT_HAS_EXPIRED)
    r->flags |= INKAN_FLAG_EXPIRED;
  else if (err == X509_V_ERR_CERT_NOT_YET_VALID)
    r->flags |= INKAN_FLAG_NOT_YET_VALID;
  else
    r->flags |= INKAN_FLAG_UNTRUSTED;
  if (r->error_text == NULL)
    r->error_text = g_strdup (X509_verify_cert_error_string (err));
  return 1;   /* go on, to build the whole path and collect every reason */
}

/**
 * inkan_chain_build:
 * @cert: the certificate (usually a signer's)
 * @untrusted: (nullable) (element-type X509): intermediate certificates
 *   to build the path with (those a message carries, or a .p7b)
 * @anchors: (element-type X509): the email trust anchors (roots, or
 *   intermediates an administrator trusts)
 * @at: the time, seconds since the epoch, or 0 for now
 * @error: return location for #INKAN_ERROR_FAILED
 *
 * Builds the path from @cert to an anchor and checks it for S/MIME
 * signing at @at, as inkan_message_verify() does.  When no anchor is
 * reached the path goes as far as the certificates given allow.
 *
 * Returns: (transfer full): the report, free with inkan_chain_report_free().
 */
InkanChainReport *
inkan_chain_build (X509 *cert, GPtrArray *untrusted, GPtrArray *anchors, gint64 at, GError **error)
{
  X509_STORE *store = X509_STORE_new ();
  X509_STORE_CTX *ctx = X509_STORE_CTX_new ();
  STACK_OF (X509) *others = sk_X509_new_null ();
  STACK_OF (X509) *chain;
  InkanChainReport *r;

  if (store == NULL || ctx == NULL || others == NULL)
    {
      X509_STORE_free (store);
      X509_STORE_CTX_free (ctx);
      sk_X509_free (others);
      _inkan_set_error (error, INKAN_ERROR_FAILED, _("Chain verification cannot be set up."));
      return NULL;
    }
  r = g_new0 (InkanChainReport, 1);
  r->certificates = g_ptr_array_new_with_free_func ((GDestroyNotify) X509_free);
  X509_STORE_set_flags (store, X509_V_FLAG_PARTIAL_CHAIN);
  for (guint i = 0; anchors && i < anchors->len; i++)
    X509_STORE_add_cert (store, g_ptr_array_index (anchors, i));
  for (guint i = 0; untrusted && i < untrusted->len; i++)
    sk_X509_push (others, g_ptr_array_index (untrusted, i));
  ERR_clear_error ();
  X509_STORE_CTX_init (ctx, store, cert, others);
  X509_STORE_CTX_set_purpose (ctx, X509_PURPOSE_SMIME_SIGN);
  X509_VERIFY_PARAM_set_time (X509_STORE_CTX_get0_param (ctx),
                              (time_t) (at > 0 ? at : g_get_real_time () / G_USEC_PER_SEC));
  X509_STORE_CTX_set_app_data (ctx, r);
  X509_STORE_CTX_set_verify_cb (ctx, chain_cb);
  if (X509_verify_cert (ctx) <= 0 && r->flags == 0)
    {
      r->flags = INKAN_FLAG_UNTRUSTED;
      r->error_text = g_strdup (X509_verify_cert_error_string (X509_STORE_CTX_get_error (ctx)));
    }
  chain = X509_STORE_CTX_get1_chain (ctx);
  for (int i = 0; chain && i < sk_X509_num (chain); i++)
    {
      X509 *c = sk_X509_value (chain, i);
      X509_up_ref (c);
      g_ptr_array_add (r->certificates, c);
    }
  sk_X509_pop_free (chain, X509_free);
  if (r->certificates->len == 0)
    {
      X509_up_ref (cert);
      g_ptr_array_add (r->certificates, cert);
    }
  /* Extend a path that stopped short with the issuers given, so that the
   * report shows what is there even when no anchor is reached. */
  for (guint guard = 0; guard < 16; guard++)
    {
      X509 *last = g_ptr_array_index (r->certificates, r->certificates->len - 1);
      X509 *next = NULL;

      if (X509_check_issued (last, last) == X509_V_OK)
        break;
      for (guint i = 0; untrusted && i < untrusted->len && !next; i++)
        {
          X509 *cand = g_ptr_array_index (untrusted, i);
          gboolean used = FALSE;
          for (guint j = 0; j < r->certificates->len; j++)
            used = used || X509_cmp (g_ptr_array_index (r->certificates, j), cand) == 0;
          if (!used && X509_check_issued (cand, last) == X509_V_OK)
            next = cand;
        }
      if (next == NULL)
        break;
      X509_up_ref (next);
      g_ptr_array_add (r->certificates, next);
    }
  {
    X509 *last = g_ptr_array_index (r->certificates, r->certificates->len - 1);
    for (guint i = 0; anchors && i < anchors->len && !r->anchored; i++)
      r->anchored = X509_cmp (last, g_ptr_array_index (anchors, i)) == 0;
  }
  r->trusted = r->flags == 0 && r->anchored;
  if (!r->anchored)
    r->flags |= INKAN_FLAG_UNTRUSTED;
  X509_STORE_CTX_free (ctx);
  X509_STORE_free (store);
  sk_X509_free (others);
  ERR_clear_error ();
  return r;
}

/* ---------------------------------------------------------------- descriptions */

/**
 * inkan_certificate_describe_key:
 * @cert: a certificate
 *
 * Returns: (transfer full): the subject public key as people name it:
 *   "RSA 2048", "EC P-256", "Ed25519", "ML-DSA", or the algorithm OID.
 */
char *
inkan_certificate_describe_key (X509 *cert)
{
  int bits;
  const char *curve;
  int kind = _lint_public_key_kind (cert, &bits, &curve);

  switch (kind)
    {
    case KEY_RSA: return g_strdup_printf ("RSA %d", bits);
    case KEY_EC: return g_strdup_printf ("EC %s", curve ? curve : _("(explicit curve parameters)"));
    case KEY_ED25519: return g_strdup ("Ed25519");
    case KEY_ED448: return g_strdup ("Ed448");
    case KEY_MLDSA: return g_strdup ("ML-DSA");
    case KEY_MLKEM: return g_strdup ("ML-KEM");
    default:
      {
        ASN1_OBJECT *oid = NULL;
        X509_PUBKEY_get0_param (&oid, NULL, NULL, NULL, X509_get_X509_PUBKEY (cert));
        return _lint_oid_text (oid);
      }
    }
}

static const char *
hash_name (const X509_ALGOR *alg)
{
  const ASN1_OBJECT *obj = NULL;

  if (alg == NULL)
    return "SHA-1";
  X509_ALGOR_get0 (&obj, NULL, NULL, alg);
  switch (OBJ_obj2nid (obj))
    {
    case NID_sha1: return "SHA-1";
    case NID_sha224: return "SHA-224";
    case NID_sha256: return "SHA-256";
    case NID_sha384: return "SHA-384";
    case NID_sha512: return "SHA-512";
    default: return OBJ_nid2sn (OBJ_obj2nid (obj));
    }
}

/**
 * inkan_certificate_describe_signature:
 * @cert: a certificate
 *
 * Returns: (transfer full): the algorithm its issuer signed it with, e.g.
 *   "sha256WithRSAEncryption", "ecdsa-with-SHA384" or
 *   "RSASSA-PSS (SHA-256, MGF1-SHA-256, salt 32)".
 */
char *
inkan_certificate_describe_signature (X509 *cert)
{
  const X509_ALGOR *alg = NULL;
  const ASN1_OBJECT *obj = NULL;
  const void *pval = NULL;
  int ptype = 0;
  int nid;

  X509_get0_signature (NULL, &alg, cert);
  X509_ALGOR_get0 (&obj, &ptype, &pval, alg);
  nid = OBJ_obj2nid (obj);
  if (nid == NID_rsassaPss)
    {
      RSA_PSS_PARAMS *pss = ptype == V_ASN1_SEQUENCE ? ASN1_item_unpack (pval, ASN1_ITEM_rptr (RSA_PSS_PARAMS)) : NULL;
      X509_ALGOR *mgf_hash = NULL;
      char *text;
      long salt = 20, trailer = 1;

      if (pss == NULL)
        return g_strdup (_("RSASSA-PSS (unreadable parameters)"));
      if (pss->maskGenAlgorithm)
        {
          const void *mval = NULL;
          int mtype = 0;
          X509_ALGOR_get0 (NULL, &mtype, &mval, pss->maskGenAlgorithm);
          if (mtype == V_ASN1_SEQUENCE)
            mgf_hash = ASN1_item_unpack (mval, ASN1_ITEM_rptr (X509_ALGOR));
        }
      if (pss->saltLength)
        salt = ASN1_INTEGER_get (pss->saltLength);
      if (pss->trailerField)
        trailer = ASN1_INTEGER_get (pss->trailerField);
      text = trailer != 1 || pss->trailerField
                 ? g_strdup_printf ("RSASSA-PSS (%s, MGF1-%s, salt %ld, trailerField %ld)", hash_name (pss->hashAlgorithm),
                                    hash_name (mgf_hash), salt, trailer)
                 : g_strdup_printf ("RSASSA-PSS (%s, MGF1-%s, salt %ld)", hash_name (pss->hashAlgorithm),
                                    hash_name (mgf_hash), salt);
      X509_ALGOR_free (mgf_hash);
      RSA_PSS_PARAMS_free (pss);
      return text;
    }
  if (nid == NID_undef)
    return _lint_oid_text (obj);
  return g_strdup (OBJ_nid2ln (nid));
}

/* ---------------------------------------------------------------- messages */

static GBytes *
decoded_part (GMimePart *part)
{
  GMimeDataWrapper *content = g_mime_part_get_content (part);
  g_autoptr (GMimeStream) mem = g_mime_stream_mem_new ();
  GByteArray *array;

  if (content == NULL)
    return NULL;
  g_mime_data_wrapper_write_to_stream (content, mem);
  array = g_mime_stream_mem_get_byte_array (GMIME_STREAM_MEM (mem));
  return g_bytes_new (array->data, array->len);
}

static gboolean
is_pkcs7 (GMimeObject *obj, const char *subtype)
{
  GMimeContentType *ct = g_mime_object_get_content_type (obj);
  g_autofree char *x = g_strconcat ("x-", subtype, NULL);

  return ct && (g_mime_content_type_is_type (ct, "application", subtype)
                || g_mime_content_type_is_type (ct, "application", x));
}

/* The CMS of the first signature below @obj, or NULL. */
static GBytes *
find_signature (GMimeObject *obj, gboolean *encrypted, int depth)
{
  if (depth > INKAN_MAX_DEPTH)
    return NULL;
  if (GMIME_IS_MULTIPART_SIGNED (obj) && g_mime_multipart_get_count (GMIME_MULTIPART (obj)) == 2)
    {
      GMimeObject *sig = g_mime_multipart_get_part (GMIME_MULTIPART (obj), 1);
      if (GMIME_IS_PART (sig) && is_pkcs7 (sig, "pkcs7-signature"))
        return decoded_part (GMIME_PART (sig));
    }
  if (GMIME_IS_PART (obj) && is_pkcs7 (obj, "pkcs7-mime"))
    {
      GBytes *der = decoded_part (GMIME_PART (obj));
      int type = der ? _inkan_cms_content_type (der) : NID_undef;
      if (type == NID_pkcs7_signed)
        return der;
      if (type == NID_pkcs7_enveloped || type == NID_id_smime_ct_authEnvelopedData)
        *encrypted = TRUE;
      if (der)
        g_bytes_unref (der);
      return NULL;
    }
  if (GMIME_IS_MULTIPART (obj))
    for (int i = 0; i < g_mime_multipart_get_count (GMIME_MULTIPART (obj)); i++)
      {
        GBytes *found = find_signature (g_mime_multipart_get_part (GMIME_MULTIPART (obj), i), encrypted, depth + 1);
        if (found)
          return found;
      }
  if (GMIME_IS_MESSAGE_PART (obj))
    {
      GMimeMessage *inner = g_mime_message_part_get_message (GMIME_MESSAGE_PART (obj));
      if (inner && g_mime_message_get_mime_part (inner))
        return find_signature (g_mime_message_get_mime_part (inner), encrypted, depth + 1);
    }
  return NULL;
}

/**
 * inkan_message_get_certificates:
 * @message: a signed message
 * @signer: (out) (optional) (transfer full): the first signer's
 *   certificate, or %NULL when the signature does not carry it
 * @error: return location for #INKAN_ERROR_NOT_SMIME (no signature; or
 *   the message is encrypted: decrypt it first) or #INKAN_ERROR_CMS
 *
 * The certificates in the first S/MIME signature of @message (the signer's
 * and the chain the sender included), without verifying anything.
 *
 * Returns: (transfer full) (element-type X509): the certificates, or %NULL.
 */
GPtrArray *
inkan_message_get_certificates (GMimeMessage *message, X509 **signer, GError **error)
{
  gboolean encrypted = FALSE;
  g_autoptr (GBytes) der = find_signature (g_mime_message_get_mime_part (message), &encrypted, 0);
  g_autoptr (BIO) bio = NULL;
  g_autoptr (CMS_ContentInfo) cms = NULL;
  STACK_OF (X509) *certs;
  STACK_OF (CMS_SignerInfo) *sis;
  GPtrArray *out;

  if (signer)
    *signer = NULL;
  if (der == NULL)
    {
      _inkan_set_error (error, INKAN_ERROR_NOT_SMIME,
                        encrypted ? _("The message is encrypted; decrypt it first to see the signer's certificates.")
                                  : _("The message has no S/MIME signature."));
      return NULL;
    }
  bio = _inkan_bio_from_bytes (der);
  cms = d2i_CMS_bio (bio, NULL);
  if (cms == NULL)
    {
      g_autofree char *why = _inkan_openssl_reason ();
      _inkan_set_error (error, INKAN_ERROR_CMS, _("The S/MIME signature cannot be read (%s)."), why);
      return NULL;
    }
  out = g_ptr_array_new_with_free_func ((GDestroyNotify) X509_free);
  certs = CMS_get1_certs (cms);
  for (int i = 0; certs && i < sk_X509_num (certs); i++)
    {
      X509 *c = sk_X509_value (certs, i);
      X509_up_ref (c);
      g_ptr_array_add (out, c);
    }
  sis = CMS_get0_SignerInfos (cms);
  for (int i = 0; signer && certs && sk_CMS_SignerInfo_num (sis) > 0 && i < sk_X509_num (certs); i++)
    if (CMS_SignerInfo_cert_cmp (sk_CMS_SignerInfo_value (sis, 0), sk_X509_value (certs, i)) == 0)
      {
        *signer = sk_X509_value (certs, i);
        X509_up_ref (*signer);
        break;
      }
  sk_X509_pop_free (certs, X509_free);
  ERR_clear_error ();
  return out;
}
