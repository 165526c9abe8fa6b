/* The GMimeCryptoContext registration: a plain GMime program verifies and
 * decrypts inkan's S/MIME through the registry (no inkan message code). */
#include "inkan.h"

static const char *pki;

static char *
pki_path (const char *name)
{
  return g_build_filename (pki, name, NULL);
}

static char *
read_passphrase (void)
{
  g_autofree char *path = pki_path ("passphrase.txt");
  char *text = NULL;

  g_assert_true (g_file_get_contents (path, &text, NULL, NULL));
  g_strchomp (text);
  return text;
}

static GMimeMessage *
signed_sample (gboolean opaque)
{
  g_autofree char *mail = g_build_filename (g_getenv ("MAIL"), "plain.eml", NULL);
  g_autofree char *p12 = pki_path ("alice.p12");
  g_autofree char *pass = read_passphrase ();
  g_autoptr (GError) error = NULL;
  g_autoptr (InkanIdentity) id = inkan_identity_load (p12, pass, &error);
  GMimeMessage *msg = inkan_message_load (mail, &error);
  InkanSignOptions opts = { .opaque = opaque };

  g_assert_no_error (error);
  g_assert_true (inkan_message_sign (msg, id, &opts, &error));
  g_assert_no_error (error);
  return msg;
}

static void
test_registered (void)
{
  const char *protocols[] = { "application/pkcs7-signature", "application/x-pkcs7-signature",
                              "application/pkcs7-mime", "application/x-pkcs7-mime" };

  for (guint i = 0; i < G_N_ELEMENTS (protocols); i++)
    {
      g_autoptr (GMimeCryptoContext) ctx = g_mime_crypto_context_new (protocols[i]);
      g_assert_nonnull (ctx);
      g_assert_true (INKAN_IS_SMIME_CONTEXT (ctx));
      g_assert_cmpstr (g_mime_crypto_context_get_signature_protocol (ctx), ==, "application/pkcs7-signature");
    }
}

static void
test_gmime_verifies_multipart_signed (void)
{
  g_autoptr (GMimeMessage) msg = signed_sample (FALSE);
  g_autoptr (GError) error = NULL;
  GMimeObject *body = g_mime_message_get_mime_part (msg);
  g_autoptr (GMimeSignatureList) sigs = NULL;
  GMimeSignature *sig;

  g_assert_true (GMIME_IS_MULTIPART_SIGNED (body));
  /* GMime picks the context from the protocol parameter; the registry
   * context trusts $INKAN_EMAIL_ANCHORS (the test root). */
  sigs = g_mime_multipart_signed_verify (GMIME_MULTIPART_SIGNED (body), GMIME_VERIFY_NONE, &error);
  g_assert_no_error (error);
  g_assert_cmpint (g_mime_signature_list_length (sigs), ==, 1);
  sig = g_mime_signature_list_get_signature (sigs, 0);
  g_assert_true (g_mime_signature_get_status (sig) & GMIME_SIGNATURE_STATUS_GREEN);
  g_assert_cmpstr (g_mime_certificate_get_email (g_mime_signature_get_certificate (sig)), ==, "alice@example.org");
}

static void
test_gmime_detects_tampering (void)
{
  g_autoptr (GMimeMessage) msg = signed_sample (FALSE);
  g_autoptr (GError) error = NULL;
  GMimeObject *body = g_mime_message_get_mime_part (msg);
  GMimeObject *content = g_mime_multipart_get_part (GMIME_MULTIPART (body), 0);
  g_autoptr (GMimeSignatureList) sigs = NULL;

  g_mime_object_set_header (content, "X-Tampered", "yes", NULL);
  sigs = g_mime_multipart_signed_verify (GMIME_MULTIPART_SIGNED (body), GMIME_VERIFY_NONE, &error);
  g_assert_no_error (error);
  g_assert_true (g_mime_signature_get_status (g_mime_signature_list_get_signature (sigs, 0)) & GMIME_SIGNATURE_STATUS_RED);
}

static void
test_context_encrypt_decrypt (void)
{
  g_autofree char *bob_p12 = pki_path ("bob.p12");
  g_autofree char *bob_cert = pki_path ("bob.cert.pem");
  g_autofree char *pass = read_passphrase ();
  g_autoptr (GError) error = NULL;
  g_autoptr (InkanIdentity) bob = inkan_identity_load (bob_p12, pass, &error);
  g_autoptr (InkanSmimeContext) ctx = inkan_smime_context_new ();
  g_autoptr (GPtrArray) recipients = g_ptr_array_new ();
  g_autoptr (GMimeStream) in = g_mime_stream_mem_new_with_buffer ("Content-Type: text/plain\r\n\r\nhello\r\n", 35);
  g_autoptr (GMimeStream) cipher = g_mime_stream_mem_new ();
  g_autoptr (GMimeStream) plain = g_mime_stream_mem_new ();
  g_autoptr (GMimeDecryptResult) result = NULL;
  GByteArray *arr;

  g_assert_no_error (error);
  g_ptr_array_add (recipients, bob_cert); /* GMime passes recipient strings: certificate files */
  g_assert_cmpint (g_mime_crypto_context_encrypt (GMIME_CRYPTO_CONTEXT (ctx), FALSE, NULL, GMIME_ENCRYPT_NONE,
                                                  recipients, in, cipher, &error), ==, 0);
  g_assert_no_error (error);
  g_mime_stream_reset (cipher);
  inkan_smime_context_set_identity (ctx, bob);
  result = g_mime_crypto_context_decrypt (GMIME_CRYPTO_CONTEXT (ctx), GMIME_DECRYPT_NONE, NULL, cipher, plain, &error);
  g_assert_no_error (error);
  g_assert_nonnull (result);
  arr = g_mime_stream_mem_get_byte_array (GMIME_STREAM_MEM (plain));
  g_assert_cmpmem (arr->data, arr->len, "Content-Type: text/plain\r\n\r\nhello\r\n", 35);
}

int
main (int argc, char **argv)
{
  g_test_init (&argc, &argv, NULL);
  inkan_init ();
  pki = g_getenv ("PKI");
  g_test_add_func ("/context/registered", test_registered);
  g_test_add_func ("/context/gmime-verifies", test_gmime_verifies_multipart_signed);
  g_test_add_func ("/context/gmime-detects-tampering", test_gmime_detects_tampering);
  g_test_add_func ("/context/encrypt-decrypt", test_context_encrypt_decrypt);
  return g_test_run ();
}
