/* The certificates behind a verdict: what a report (the Thunderbird
 * native-messaging host, a future "inkan verify --chain") needs beyond the
 * verdict itself to show the chain and the SBR profile of the signer.
 *
 * The signature is found as inkan_message_verify() finds it: the body's
 * multipart/signed or signed-data, else the first signed part below it
 * (depth first, through forwarded messages).  Only public GMime and OpenSSL
 * calls are used; nothing is verified here.
 */
#include "internal.h"
#include <openssl/err.h>

static gboolean
is_pkcs7 (GMimeContentType *ct, const char *subtype)
{
  g_autofree char *x = g_strconcat ("x-", subtype, NULL);

  return ct && (g_mime_content_type_is_type (ct, "application", subtype)
                || g_mime_content_type_is_type (ct, "application", x));
}

static GBytes *
decoded_content (GMimePart *part)
{
  GMimeDataWrapper *w = g_mime_part_get_content (part);
  g_autoptr (GMimeStream) mem = NULL;
  GByteArray *arr;

  if (w == NULL)
    return NULL;
  mem = g_mime_stream_mem_new ();
  if (g_mime_data_wrapper_write_to_stream (w, mem) < 0)
    return NULL;
  arr = g_mime_stream_mem_get_byte_array (GMIME_STREAM_MEM (mem));
  return g_bytes_new (arr->data, arr->len);
}

static CMS_ContentInfo *
cms_of (GBytes *der)
{
  g_autoptr (BIO) bio = NULL;

  if (der == NULL || g_bytes_get_size (der) == 0)
    return NULL;
  bio = BIO_new_mem_buf (g_bytes_get_data (der, NULL), (int) g_bytes_get_size (der));
  return d2i_CMS_bio (bio, NULL);
}

/* The SignedData of @obj when @obj is a signature layer; NULL otherwise.
 * *@enveloped is set for an EnvelopedData/AuthEnvelopedData part. */
static CMS_ContentInfo *
signed_data_of (GMimeObject *obj, gboolean *enveloped)
{
  GMimeContentType *ct = g_mime_object_get_content_type (obj);
  g_autoptr (GBytes) der = NULL;
  CMS_ContentInfo *cms;
  int nid;

  if (GMIME_IS_MULTIPART (obj) && g_mime_content_type_is_type (ct, "multipart", "signed"))
    {
      const char *protocol = g_mime_object_get_content_type_parameter (obj, "protocol");
      GMimeObject *sig;

      if (protocol == NULL || (g_ascii_strcasecmp (protocol, "application/pkcs7-signature")
                               && g_ascii_strcasecmp (protocol, "application/x-pkcs7-signature")))
        return NULL;
      if (g_mime_multipart_get_count (GMIME_MULTIPART (obj)) != 2
          || !GMIME_IS_PART ((sig = g_mime_multipart_get_part (GMIME_MULTIPART (obj), 1))))
        return NULL;
      der = decoded_content (GMIME_PART (sig));
    }
  else if (GMIME_IS_PART (obj) && is_pkcs7 (ct, "pkcs7-mime"))
    der = decoded_content (GMIME_PART (obj));
  else
    return NULL;
  cms = cms_of (der);
  ERR_clear_error ();
  if (cms == NULL)
    return NULL;
  nid = OBJ_obj2nid (CMS_get0_type (cms));
  if (nid == NID_pkcs7_signed)
    return cms;
  if (enveloped && (nid == NID_pkcs7_enveloped || nid == NID_id_smime_ct_authEnvelopedData))
    *enveloped = TRUE;
  CMS_ContentInfo_free (cms);
  return NULL;
}

static CMS_ContentInfo *
find_signed_data (GMimeObject *obj, int depth)
{
  CMS_ContentInfo *cms;

  if (obj == NULL || depth > INKAN_MAX_DEPTH)
    return NULL;
  if ((cms = signed_data_of (obj, NULL)) != NULL)
    return cms;
  if (GMIME_IS_MULTIPART (obj))
    {
      for (int i = 0; i < g_mime_multipart_get_count (GMIME_MULTIPART (obj)); i++)
        if ((cms = find_signed_data (g_mime_multipart_get_part (GMIME_MULTIPART (obj), i), depth + 1)))
          return cms;
    }
  else if (GMIME_IS_MESSAGE_PART (obj))
    {
      GMimeMessage *inner = g_mime_message_part_get_message (GMIME_MESSAGE_PART (obj));
      if (inner)
        return find_signed_data (g_mime_message_get_mime_part (inner), depth + 1);
    }
  return NULL;
}

/**
 * inkan_message_get_signer_certificates:
 * @message: a received message
 * @error: return location for #INKAN_ERROR_NOT_SMIME (no signature, or the
 *   body is encrypted: decrypt it first)
 *
 * Finds the signature that inkan_message_verify() reports on and returns
 * the certificates its SignedData carries (RFC 5652 §5.1 certificates):
 * the certificate of the first SignerInfo first, when it is there, then the
 * others in their order.  Nothing is verified: use the verdict to know
 * whether the signature and the chain are good.  @message is not changed.
 *
 * Returns: (transfer full) (element-type X509): the certificates (possibly
 *   empty: a SignedData may carry none), free with g_ptr_array_unref(); or
 *   %NULL with @error set.
 */
GPtrArray *
inkan_message_get_signer_certificates (GMimeMessage *message, GError **error)
{
  GMimeObject *body;
  CMS_ContentInfo *cms;
  STACK_OF (X509) *certs;
  STACK_OF (CMS_SignerInfo) *sis;
  GPtrArray *out;
  gboolean enveloped = FALSE;
  int leaf = -1;

  g_return_val_if_fail (GMIME_IS_MESSAGE (message), NULL);
  body = g_mime_message_get_mime_part (message);
  if (body == NULL)
    {
      _inkan_set_error (error, INKAN_ERROR_NOT_SMIME, _("The message has no body."));
      return NULL;
    }
  cms = signed_data_of (body, &enveloped);
  if (cms == NULL && enveloped)
    {
      _inkan_set_error (error, INKAN_ERROR_NOT_SMIME,
                        _("The message is encrypted; decrypt it to see its signature."));
      return NULL;
    }
  if (cms == NULL && (cms = find_signed_data (body, 0)) == NULL)
    {
      _inkan_set_error (error, INKAN_ERROR_NOT_SMIME, _("The message has no S/MIME signature."));
      return NULL;
    }
  out = g_ptr_array_new_with_free_func ((GDestroyNotify) X509_free);
  certs = CMS_get1_certs (cms);
  sis = CMS_get0_SignerInfos (cms);
  if (sis && sk_CMS_SignerInfo_num (sis) > 0)
    for (int i = 0; i < sk_X509_num (certs) && leaf < 0; i++)
      if (CMS_SignerInfo_cert_cmp (sk_CMS_SignerInfo_value (sis, 0), sk_X509_value (certs, i)) == 0)
        leaf = i;
  if (leaf >= 0)
    {
      X509_up_ref (sk_X509_value (certs, leaf));
      g_ptr_array_add (out, sk_X509_value (certs, leaf));
    }
  for (int i = 0; i < sk_X509_num (certs); i++)
    if (i != leaf)
      {
        X509_up_ref (sk_X509_value (certs, i));
        g_ptr_array_add (out, sk_X509_value (certs, i));
      }
  sk_X509_pop_free (certs, X509_free);
  CMS_ContentInfo_free (cms);
  ERR_clear_error ();
  return out;
}
