/* CMS (RFC 5652) on byte buffers, for callers that own the MIME structure
 * themselves: mutt hands its hooks one MIME entity in a file and wants a
 * DER SignedData or EnvelopedData back (plugins/mutt/, cli/mutt.c).
 *
 * These are thin public wrappers over core/cms.c.  They add what a whole
 * message operation would otherwise do around it: RFC 8551 §3.1.1
 * canonicalisation (every line ends in CRLF) before signing, encrypting
 * and verifying, the certificate checks of inkan_certificate_check_usable(),
 * and a verdict with the same kinds and flags as inkan_message_verify(),
 * except that there is no From address to compare: the caller does that.
 */
#include "internal.h"
#include <openssl/err.h>
#include <openssl/pem.h>

/* The verdict rules of core/message.c (record_signature), without the
 * From comparison: flags that keep a good signature from being "valid",
 * and flags that make it unacceptable. */
#define LOWERING_FLAGS (INKAN_FLAG_UNTRUSTED | INKAN_FLAG_EXPIRED | INKAN_FLAG_NOT_YET_VALID \
                        | INKAN_FLAG_MULTIPLE_SIGNERS | INKAN_FLAG_WEAK_ALGORITHM)
#define INVALID_FLAGS (INKAN_FLAG_NOT_DETACHED | INKAN_FLAG_NO_SIGNER)

/**
 * inkan_bytes_to_crlf:
 * @data: MIME entity bytes with LF or CRLF line ends
 *
 * The RFC 8551 §3.1.1 canonical form: every LF not already preceded by CR
 * becomes CRLF; everything else is kept byte for byte.  Applying it twice
 * changes nothing.
 *
 * Returns: (transfer full): the canonical bytes.
 */
GBytes *
inkan_bytes_to_crlf (GBytes *data)
{
  gsize len;
  const guint8 *p = g_bytes_get_data (data, &len);
  GByteArray *out = g_byte_array_sized_new (len + len / 32 + 2);

  for (gsize i = 0; i < len; i++)
    {
      if (p[i] == '\n' && (i == 0 || p[i - 1] != '\r'))
        g_byte_array_append (out, (const guint8 *) "\r", 1);
      g_byte_array_append (out, &p[i], 1);
    }
  return g_byte_array_free_to_bytes (out);
}

/**
 * inkan_identity_load_files:
 * @paths: (array zero-terminated=1): PEM files that together hold one
 *   private key, its certificate and, optionally, intermediates (mutt's
 *   %k, %c and %i: keys/<id>, certificates/<id>, certificates/<issuer>)
 * @passphrase: (nullable): the key's passphrase
 * @error: return location for #INKAN_ERROR_IO, #INKAN_ERROR_PASSPHRASE_REQUIRED,
 *   #INKAN_ERROR_BAD_PASSPHRASE or #INKAN_ERROR_IDENTITY
 *
 * Loads an identity split over several files, as the smime_keys layout
 * keeps it.  A certificate that appears in more than one file is used
 * once (mutt passes the certificate itself as %i when it knows no issuer).
 * Nothing is written.
 *
 * Returns: (transfer full): the identity, or %NULL.
 */
InkanIdentity *
inkan_identity_load_files (const char *const *paths, const char *passphrase, GError **error)
{
  g_autoptr (GString) pem = g_string_new (NULL);
  g_autoptr (GPtrArray) seen = g_ptr_array_new_with_free_func ((GDestroyNotify) X509_free);
  g_autoptr (GBytes) all = NULL;
  InkanIdentity *id;

  for (guint i = 0; paths && paths[i]; i++)
    {
      g_autoptr (GBytes) b = _inkan_read_file (paths[i], _("identity"), error);
      g_autoptr (BIO) in = NULL;
      gboolean has_key;
      X509 *c;

      if (b == NULL)
        goto fail;
      /* A file with the key is kept whole (the key may be in any PEM
       * form); only its certificates are remembered. */
      {
        gsize len;
        const char *data = g_bytes_get_data (b, &len);
        has_key = g_strstr_len (data, len, "PRIVATE KEY-----") != NULL;
        if (has_key)
          {
            g_string_append_len (pem, data, len);
            g_string_append_c (pem, '\n');
          }
      }
      in = _inkan_bio_from_bytes (b);
      while ((c = PEM_read_bio_X509 (in, NULL, NULL, NULL)) != NULL)
        {
          gboolean dup = FALSE;
          for (guint j = 0; j < seen->len && !dup; j++)
            dup = X509_cmp (g_ptr_array_index (seen, j), c) == 0;
          if (dup)
            {
              X509_free (c);
              continue;
            }
          if (!has_key)
            {
              g_autoptr (BIO) out = BIO_new (BIO_s_mem ());
              char *text = NULL;
              long n;
              PEM_write_bio_X509 (out, c);
              n = BIO_get_mem_data (out, &text);
              g_string_append_len (pem, text, n);
            }
          g_ptr_array_add (seen, c);
        }
      ERR_clear_error ();
    }
  all = g_bytes_new (pem->str, pem->len);
  id = _inkan_identity_load_pem (all, paths && paths[0] ? paths[0] : "", passphrase, error);
  memset (pem->str, 0, pem->len);
  return id;

fail:
  memset (pem->str, 0, pem->len);
  return NULL;
}

/**
 * inkan_cms_load:
 * @path: a file holding one CMS ContentInfo: DER (what mutt hands its
 *   hooks), PEM ("-----BEGIN PKCS7-----" or "-----BEGIN CMS-----") or bare
 *   base64
 * @error: return location for #INKAN_ERROR_IO
 *
 * Reads the file and returns the DER bytes; whether they are a valid CMS
 * structure is for the operation that uses them to say.
 *
 * Returns: (transfer full): the DER (or BER) bytes, or %NULL.
 */
GBytes *
inkan_cms_load (const char *path, GError **error)
{
  g_autoptr (GBytes) bytes = NULL;
  g_autoptr (GError) local = NULL;
  g_autofree char *text = NULL;
  char *data = NULL, *begin, *end;
  gsize len = 0, out_len = 0;
  guchar *der;

  /* No size limit beyond memory: an encrypted mail carries its attachments. */
  if (!g_file_get_contents (path, &data, &len, &local))
    {
      _inkan_set_error (error, INKAN_ERROR_IO, _("Cannot read “%s”: %s."), path, local->message);
      return NULL;
    }
  bytes = g_bytes_new_take (data, len);
  if (len == 0 || (guchar) data[0] == 0x30)
    return g_steal_pointer (&bytes);
  text = g_strndup (data, len);
  if ((begin = strstr (text, "-----BEGIN ")) != NULL)
    {
      if ((begin = strchr (begin, '\n')) == NULL || (end = strstr (begin, "-----END ")) == NULL)
        return g_steal_pointer (&bytes);
      *end = '\0';
      memmove (text, begin + 1, strlen (begin + 1) + 1);
    }
  der = g_base64_decode (g_strstrip (text), &out_len);
  if (out_len == 0 || der[0] != 0x30)
    {
      g_free (der);
      return g_steal_pointer (&bytes);
    }
  return g_bytes_new_take (der, out_len);
}

/**
 * inkan_cms_sign:
 * @identity: the signer
 * @entity: one MIME entity (its header, a blank line and its body), with
 *   LF or CRLF line ends; it must already be 7-bit safe (mutt makes it so)
 * @options: digest and RSASSA-PSS; @options->opaque puts the content inside
 *   the SignedData (application/pkcs7-mime; smime-type=signed-data) instead
 *   of making a detached signature (multipart/signed); allow_address_mismatch
 *   is ignored: there is no From here, the caller checks it
 * @error: return location for #INKAN_ERROR_CERTIFICATE (the certificate may
 *   not sign now: see inkan_certificate_check_usable()),
 *   #INKAN_ERROR_UNSUPPORTED (RSASSA-PSS with a non-RSA key) or
 *   #INKAN_ERROR_FAILED
 *
 * Signs the canonical (CRLF) form of @entity: a SignedData with the
 * signer certificate and intermediates (never the root) and the RFC 8551
 * §2.5 signed attributes.
 *
 * Returns: (transfer full): the DER ContentInfo, or %NULL.
 */
GBytes *
inkan_cms_sign (InkanIdentity *identity, GBytes *entity, const InkanSignOptions *options, GError **error)
{
  g_autoptr (GBytes) canon = NULL;

  if (!inkan_certificate_check_usable (inkan_identity_get_certificate (identity), TRUE,
                                       g_get_real_time () / G_USEC_PER_SEC, error))
    return NULL;
  canon = inkan_bytes_to_crlf (entity);
  return _inkan_cms_sign (identity, canon, options, !options->opaque, error);
}

/**
 * inkan_cms_verify:
 * @cms: a DER (or BER) ContentInfo holding SignedData
 * @entity: (nullable): for a detached signature, the signed MIME entity
 *   (LF or CRLF line ends; it is canonicalised); %NULL when the content is
 *   inside @cms (signed-data)
 * @trust: the trust anchors
 * @at: check the chain at this time (seconds since the epoch); 0 for the
 *   signingTime when it is not in the future, else now
 * @content: (out) (optional) (transfer full): for signed-data, the
 *   encapsulated content; set to %NULL otherwise
 * @error: return location for #INKAN_ERROR_CMS when @cms cannot be read as
 *   SignedData at all
 *
 * Verifies a signature without a message around it.  The verdict has the
 * kinds and flags of inkan_message_verify() except that #InkanVerdict.from
 * is %NULL, #INKAN_FLAG_FROM_MISMATCH is never set and every
 * #InkanSigner.from_match is %FALSE: comparing the signer with the From
 * address is left to the caller (mutt does it through its
 * smime_get_cert_email_command).  So #INKAN_VERDICT_VALID here means: the
 * signature and digest verify, there is one signer, its chain reaches an
 * email-trusted anchor, nothing is expired and no weak algorithm is used.
 *
 * Returns: (transfer full): the verdict, or %NULL.
 */
InkanVerdict *
inkan_cms_verify (GBytes *cms, GBytes *entity, InkanTrust *trust, gint64 at,
                  GBytes **content, GError **error)
{
  g_autoptr (GBytes) canon = entity ? inkan_bytes_to_crlf (entity) : NULL;
  g_autoptr (InkanCmsVerifyResult) res = NULL;
  InkanVerdict *v;

  if (content)
    *content = NULL;
  res = _inkan_cms_verify (cms, canon, trust, at, error);
  if (res == NULL)
    return NULL;
  v = g_new0 (InkanVerdict, 1);
  v->flags = res->flags;
  v->signers = g_steal_pointer (&res->signers);
  res->signers = g_ptr_array_new ();
  if (!res->signature_valid || (v->flags & INVALID_FLAGS))
    v->kind = INKAN_VERDICT_INVALID;
  else if (v->flags & LOWERING_FLAGS)
    v->kind = INKAN_VERDICT_VALID_SIGNATURE;
  else
    v->kind = INKAN_VERDICT_VALID;
  if (content && res->content)
    *content = g_bytes_ref (res->content);
  return v;
}

/**
 * inkan_cms_encrypt:
 * @entity: one MIME entity, LF or CRLF line ends (it is canonicalised)
 * @recipients: (element-type X509): the recipients' certificates (include
 *   the sender's own to be able to read the mail later)
 * @options: cipher and key transport
 * @error: return location for #INKAN_ERROR_CERTIFICATE (a recipient
 *   certificate may not be used to encrypt now; it names the address) or
 *   #INKAN_ERROR_FAILED
 *
 * Returns: (transfer full): the DER EnvelopedData (AuthEnvelopedData for
 *   AES-GCM) ContentInfo, or %NULL.
 */
GBytes *
inkan_cms_encrypt (GBytes *entity, GPtrArray *recipients, const InkanEncryptOptions *options,
                   GError **error)
{
  g_autoptr (GBytes) canon = NULL;
  gint64 now = g_get_real_time () / G_USEC_PER_SEC;

  for (guint i = 0; i < recipients->len; i++)
    if (!inkan_certificate_check_usable (g_ptr_array_index (recipients, i), FALSE, now, error))
      return NULL;
  canon = inkan_bytes_to_crlf (entity);
  return _inkan_cms_encrypt (canon, recipients, options, error);
}

/**
 * inkan_cms_decrypt:
 * @cms: a DER (or BER) EnvelopedData or AuthEnvelopedData ContentInfo
 * @identity: the recipient
 * @error: return location for #INKAN_ERROR_CMS, #INKAN_ERROR_NOT_SMIME
 *   (not encrypted), #INKAN_ERROR_NOT_RECIPIENT or #INKAN_ERROR_DECRYPT; no
 *   plaintext is returned on any error
 *
 * Returns: (transfer full): the decrypted content, as the sender's
 *   canonical (usually CRLF) MIME entity, or %NULL.
 */
GBytes *
inkan_cms_decrypt (GBytes *cms, InkanIdentity *identity, GError **error)
{
  return _inkan_cms_decrypt (cms, identity, error);
}

/**
 * inkan_cms_get_certificates:
 * @cms: a DER (or BER) ContentInfo holding SignedData
 * @signer: (out) (optional) (transfer full) (nullable): the certificate of
 *   the only SignerInfo; %NULL when there is none, more than one, or its
 *   certificate is not included
 * @error: return location for #INKAN_ERROR_CMS
 *
 * The certificates a signature carries (what `openssl pkcs7 -print_certs`
 * shows), for collecting a correspondent's certificate.  Nothing is
 * verified here.
 *
 * Returns: (transfer full) (element-type X509): the certificates, possibly
 *   none, or %NULL when @cms is not readable SignedData.
 */
GPtrArray *
inkan_cms_get_certificates (GBytes *cms, X509 **signer, GError **error)
{
  g_autoptr (BIO) in = _inkan_bio_from_bytes (cms);
  g_autoptr (CMS_ContentInfo) ci = d2i_CMS_bio (in, NULL);
  STACK_OF (X509) *certs;
  GPtrArray *out;

  if (signer)
    *signer = NULL;
  if (ci == NULL || OBJ_obj2nid (CMS_get0_type (ci)) != NID_pkcs7_signed)
    {
      ERR_clear_error ();
      _inkan_set_error (error, INKAN_ERROR_CMS, _("The S/MIME part does not hold a CMS SignedData structure."));
      return NULL;
    }
  out = g_ptr_array_new_with_free_func ((GDestroyNotify) X509_free);
  certs = CMS_get1_certs (ci);
  for (int i = 0; certs && i < sk_X509_num (certs); i++)
    {
      X509 *c = sk_X509_value (certs, i);
      X509_up_ref (c);
      g_ptr_array_add (out, c);
    }
  sk_X509_pop_free (certs, X509_free);
  if (signer)
    {
      STACK_OF (CMS_SignerInfo) *sis = CMS_get0_SignerInfos (ci);
      X509 *cert = NULL;

      if (sk_CMS_SignerInfo_num (sis) == 1)
        {
          CMS_SignerInfo *si = sk_CMS_SignerInfo_value (sis, 0);
          for (guint i = 0; i < out->len && cert == NULL; i++)
            if (CMS_SignerInfo_cert_cmp (si, g_ptr_array_index (out, i)) == 0)
              cert = g_ptr_array_index (out, i);
        }
      if (cert)
        {
          X509_up_ref (cert);
          *signer = cert;
        }
    }
  ERR_clear_error ();
  return out;
}
