/* InkanSmimeContext: a GMimeCryptoContext over OpenSSL CMS.
 *
 * inkan_init() registers it for application/pkcs7-signature,
 * application/x-pkcs7-signature, application/pkcs7-mime and
 * application/x-pkcs7-mime, so any GMime program (g_mime_multipart_signed_verify,
 * g_mime_application_pkcs7_mime_decrypt, ...) uses inkan for S/MIME.  A
 * context made by GMime's registry has no identity and only the system email
 * anchors; set them with the setters below.
 */
#include "internal.h"

struct _InkanSmimeContext {
  GMimeCryptoContext parent;
  InkanIdentity *identity;   /* not owned */
  InkanTrust *trust;         /* not owned; NULL = system anchors */
  InkanSignOptions sign_options;
  InkanEncryptOptions encrypt_options;
  GPtrArray *recipients;     /* X509*, owned ref */
};

G_DEFINE_TYPE (InkanSmimeContext, inkan_smime_context, GMIME_TYPE_CRYPTO_CONTEXT)

static const struct {
  const char *micalg;
  GMimeDigestAlgo algo;
  InkanDigest digest;
} digests[] = {
  { "sha-256", GMIME_DIGEST_ALGO_SHA256, INKAN_DIGEST_SHA256 },
  { "sha-384", GMIME_DIGEST_ALGO_SHA384, INKAN_DIGEST_SHA384 },
  { "sha-512", GMIME_DIGEST_ALGO_SHA512, INKAN_DIGEST_SHA512 },
  { "sha-1", GMIME_DIGEST_ALGO_SHA1, INKAN_DIGEST_SHA256 },
};

static GMimeDigestAlgo
ctx_digest_id (GMimeCryptoContext *ctx, const char *name)
{
  (void) ctx;
  for (guint i = 0; name && i < G_N_ELEMENTS (digests); i++)
    if (!g_ascii_strcasecmp (name, digests[i].micalg))
      return digests[i].algo;
  return GMIME_DIGEST_ALGO_DEFAULT;
}

static const char *
ctx_digest_name (GMimeCryptoContext *ctx, GMimeDigestAlgo algo)
{
  (void) ctx;
  for (guint i = 0; i < G_N_ELEMENTS (digests); i++)
    if (digests[i].algo == algo)
      return digests[i].micalg;
  return "sha-256";
}

static const char *
ctx_signature_protocol (GMimeCryptoContext *ctx)
{
  (void) ctx;
  return "application/pkcs7-signature";
}

static const char *
ctx_encryption_protocol (GMimeCryptoContext *ctx)
{
  (void) ctx;
  return "application/pkcs7-mime";
}

static const char *
ctx_key_exchange_protocol (GMimeCryptoContext *ctx)
{
  (void) ctx;
  return "application/pkcs7-keys";
}

static GBytes *
stream_to_bytes (GMimeStream *stream)
{
  g_autoptr (GMimeStream) mem = g_mime_stream_mem_new ();
  GByteArray *arr;

  g_mime_stream_write_to_stream (stream, mem);
  arr = g_mime_stream_mem_get_byte_array (GMIME_STREAM_MEM (mem));
  return g_bytes_new (arr->data, arr->len);
}

static gboolean
write_bytes (GMimeStream *stream, GBytes *bytes)
{
  gsize len;
  const char *data = g_bytes_get_data (bytes, &len);

  return g_mime_stream_write (stream, data, len) == (gssize) len;
}

static gboolean
need_identity (InkanSmimeContext *self, GError **error)
{
  if (self->identity)
    return TRUE;
  _inkan_set_error (error, INKAN_ERROR_IDENTITY,
                    _("No identity is set on the S/MIME context; call inkan_smime_context_set_identity()."));
  return FALSE;
}

static int
ctx_sign (GMimeCryptoContext *ctx, gboolean detach, const char *userid,
          GMimeStream *istream, GMimeStream *ostream, GError **error)
{
  InkanSmimeContext *self = INKAN_SMIME_CONTEXT (ctx);
  g_autoptr (GBytes) content = NULL;
  g_autoptr (GBytes) der = NULL;

  (void) userid;
  if (!need_identity (self, error))
    return -1;
  content = stream_to_bytes (istream);
  der = _inkan_cms_sign (self->identity, content, &self->sign_options, detach, error);
  if (der == NULL || !write_bytes (ostream, der))
    return -1;
  return digests[self->sign_options.digest].algo;
}

static GMimeSignatureList *
ctx_verify (GMimeCryptoContext *ctx, GMimeVerifyFlags flags, GMimeStream *istream,
            GMimeStream *sigstream, GMimeStream *ostream, GError **error)
{
  InkanSmimeContext *self = INKAN_SMIME_CONTEXT (ctx);
  g_autoptr (InkanTrust) own_trust = NULL;
  g_autoptr (InkanCmsVerifyResult) res = NULL;
  g_autoptr (GBytes) der = NULL;
  g_autoptr (GBytes) content = NULL;
  GMimeSignatureList *list;

  (void) flags;
  if (self->trust == NULL && (own_trust = inkan_trust_new (TRUE, error)) == NULL)
    return NULL;
  if (sigstream)
    {
      content = stream_to_bytes (istream);
      der = stream_to_bytes (sigstream);
    }
  else
    der = stream_to_bytes (istream);
  res = _inkan_cms_verify (der, content, self->trust ? self->trust : own_trust, 0, error);
  if (res == NULL)
    return NULL;
  if (res->content && ostream)
    write_bytes (ostream, res->content);

  list = g_mime_signature_list_new ();
  for (guint i = 0; i < res->signers->len; i++)
    {
      InkanSigner *s = g_ptr_array_index (res->signers, i);
      g_autoptr (GMimeSignature) sig = g_mime_signature_new ();
      g_autoptr (GMimeCertificate) cert = g_mime_certificate_new ();
      GMimeSignatureStatus status = 0;

      if (!s->signature_valid || (res->flags & INKAN_FLAG_NOT_DETACHED))
        status = GMIME_SIGNATURE_STATUS_RED | GMIME_SIGNATURE_STATUS_BAD_POLICY;
      else if (s->chain_trusted)
        status = GMIME_SIGNATURE_STATUS_VALID | GMIME_SIGNATURE_STATUS_GREEN;
      else
        status = GMIME_SIGNATURE_STATUS_VALID
                 | ((res->flags & INKAN_FLAG_EXPIRED) ? GMIME_SIGNATURE_STATUS_KEY_EXPIRED : 0)
                 | ((res->flags & INKAN_FLAG_UNTRUSTED) ? GMIME_SIGNATURE_STATUS_CRL_MISSING : 0);
      g_mime_signature_set_status (sig, status);
      g_mime_signature_set_created (sig, s->signing_time);
      g_mime_certificate_set_name (cert, s->subject);
      g_mime_certificate_set_issuer_name (cert, s->issuer);
      g_mime_certificate_set_issuer_serial (cert, s->serial);
      if (s->emails && s->emails->len)
        g_mime_certificate_set_email (cert, g_ptr_array_index (s->emails, 0));
      g_mime_certificate_set_created (cert, s->not_before);
      g_mime_certificate_set_expires (cert, s->not_after);
      g_mime_certificate_set_trust (cert, s->chain_trusted ? GMIME_TRUST_FULL : GMIME_TRUST_UNKNOWN);
      g_mime_signature_set_certificate (sig, cert);
      g_mime_signature_list_add (list, sig);
    }
  return list;
}

static int
ctx_encrypt (GMimeCryptoContext *ctx, gboolean sign, const char *userid,
             GMimeEncryptFlags flags, GPtrArray *recipients, GMimeStream *istream,
             GMimeStream *ostream, GError **error)
{
  InkanSmimeContext *self = INKAN_SMIME_CONTEXT (ctx);
  g_autoptr (GPtrArray) certs = g_ptr_array_new_with_free_func ((GDestroyNotify) X509_free);
  g_autoptr (GBytes) content = NULL;
  g_autoptr (GBytes) der = NULL;

  (void) userid;
  (void) flags;
  if (sign)
    {
      _inkan_set_error (error, INKAN_ERROR_UNSUPPORTED,
                        _("Sign first, then encrypt: S/MIME has no combined sign-and-encrypt operation."));
      return -1;
    }
  /* Recipients: the certificates set on the context, else the strings
   * GMime passes are read as certificate file paths. */
  for (guint i = 0; self->recipients && i < self->recipients->len; i++)
    {
      X509_up_ref (g_ptr_array_index (self->recipients, i));
      g_ptr_array_add (certs, g_ptr_array_index (self->recipients, i));
    }
  for (guint i = 0; !self->recipients && recipients && i < recipients->len; i++)
    {
      g_autoptr (GPtrArray) loaded = inkan_certificates_load (g_ptr_array_index (recipients, i), error);
      if (loaded == NULL)
        return -1;
      g_ptr_array_extend_and_steal (certs, g_steal_pointer (&loaded));
    }
  if (certs->len == 0)
    {
      _inkan_set_error (error, INKAN_ERROR_CERTIFICATE, _("No recipient certificate was given."));
      return -1;
    }
  content = stream_to_bytes (istream);
  der = _inkan_cms_encrypt (content, certs, &self->encrypt_options, error);
  if (der == NULL || !write_bytes (ostream, der))
    return -1;
  return 0;
}

static GMimeDecryptResult *
ctx_decrypt (GMimeCryptoContext *ctx, GMimeDecryptFlags flags, const char *session_key,
             GMimeStream *istream, GMimeStream *ostream, GError **error)
{
  InkanSmimeContext *self = INKAN_SMIME_CONTEXT (ctx);
  g_autoptr (GBytes) der = NULL;
  g_autoptr (GBytes) plain = NULL;

  (void) flags;
  (void) session_key;
  if (!need_identity (self, error))
    return NULL;
  der = stream_to_bytes (istream);
  plain = _inkan_cms_decrypt (der, self->identity, error);
  if (plain == NULL || !write_bytes (ostream, plain))
    return NULL;
  return g_mime_decrypt_result_new ();
}

static int
ctx_import_keys (GMimeCryptoContext *ctx, GMimeStream *istream, GError **error)
{
  (void) ctx;
  (void) istream;
  _inkan_set_error (error, INKAN_ERROR_UNSUPPORTED, _("Use “inkan import” to import certificates and keys."));
  return -1;
}

static int
ctx_export_keys (GMimeCryptoContext *ctx, const char *keys[], GMimeStream *ostream, GError **error)
{
  (void) ctx;
  (void) keys;
  (void) ostream;
  _inkan_set_error (error, INKAN_ERROR_UNSUPPORTED, _("Use “inkan export” to export an identity."));
  return -1;
}

static void
inkan_smime_context_finalize (GObject *object)
{
  InkanSmimeContext *self = INKAN_SMIME_CONTEXT (object);

  if (self->recipients)
    g_ptr_array_unref (self->recipients);
  G_OBJECT_CLASS (inkan_smime_context_parent_class)->finalize (object);
}

static void
inkan_smime_context_class_init (InkanSmimeContextClass *klass)
{
  GMimeCryptoContextClass *crypto = GMIME_CRYPTO_CONTEXT_CLASS (klass);

  G_OBJECT_CLASS (klass)->finalize = inkan_smime_context_finalize;
  crypto->digest_id = ctx_digest_id;
  crypto->digest_name = ctx_digest_name;
  crypto->get_signature_protocol = ctx_signature_protocol;
  crypto->get_encryption_protocol = ctx_encryption_protocol;
  crypto->get_key_exchange_protocol = ctx_key_exchange_protocol;
  crypto->sign = ctx_sign;
  crypto->verify = ctx_verify;
  crypto->encrypt = ctx_encrypt;
  crypto->decrypt = ctx_decrypt;
  crypto->import_keys = ctx_import_keys;
  crypto->export_keys = ctx_export_keys;
}

static void
inkan_smime_context_init (InkanSmimeContext *self)
{
  self->sign_options.digest = INKAN_DIGEST_SHA256;
  self->encrypt_options.cipher = INKAN_CIPHER_AES_256_CBC;
}

/**
 * inkan_smime_context_new:
 *
 * Returns: (transfer full): a context with no identity, system email
 *   anchors, SHA-256 RSASSA-PKCS1-v1_5 signing and AES-256-CBC encryption.
 */
InkanSmimeContext *
inkan_smime_context_new (void)
{
  return g_object_new (INKAN_TYPE_SMIME_CONTEXT, NULL);
}

/**
 * inkan_smime_context_set_identity:
 * @ctx: a context
 * @identity: (nullable) (transfer none): the identity to sign and decrypt
 *   with; it must outlive @ctx
 */
void
inkan_smime_context_set_identity (InkanSmimeContext *ctx, InkanIdentity *identity)
{
  ctx->identity = identity;
}

/**
 * inkan_smime_context_set_trust:
 * @ctx: a context
 * @trust: (nullable) (transfer none): anchors for verification; must outlive @ctx
 */
void
inkan_smime_context_set_trust (InkanSmimeContext *ctx, InkanTrust *trust)
{
  ctx->trust = trust;
}

/**
 * inkan_smime_context_set_sign_options:
 * @ctx: a context
 * @options: digest and RSASSA-PSS choice (copied; opaque and the address
 *   override do not apply at this level)
 */
void
inkan_smime_context_set_sign_options (InkanSmimeContext *ctx, const InkanSignOptions *options)
{
  ctx->sign_options = *options;
}

/**
 * inkan_smime_context_set_encrypt_options:
 * @ctx: a context
 * @options: cipher and key transport (copied)
 */
void
inkan_smime_context_set_encrypt_options (InkanSmimeContext *ctx, const InkanEncryptOptions *options)
{
  ctx->encrypt_options = *options;
}

/**
 * inkan_smime_context_set_recipients:
 * @ctx: a context
 * @recipients: (nullable) (element-type X509) (transfer none): recipient
 *   certificates used by encrypt instead of GMime's recipient strings
 */
void
inkan_smime_context_set_recipients (InkanSmimeContext *ctx, GPtrArray *recipients)
{
  if (ctx->recipients)
    g_ptr_array_unref (ctx->recipients);
  ctx->recipients = recipients ? g_ptr_array_ref (recipients) : NULL;
}
