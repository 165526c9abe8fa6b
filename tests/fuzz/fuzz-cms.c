/* libFuzzer harness: CMS (RFC 5652) DER straight into inkan, without the
 * base64 layer that makes mutations of whole mails slow to reach it.
 * The first byte chooses how the DER is presented:
 *   0: the body of a message as application/pkcs7-mime (verify, decrypt)
 *   1: the smime.p7s of a multipart/signed over a fixed text part (verify)
 *   2: the bytes API of core/cms-bytes.c (inkan_cms_verify, _decrypt,
 *      _get_certificates), with and without detached content
 *   3: a pkcs7-mime part second in an unsigned multipart/mixed
 */
#include "fuzz-common.h"

G_DEFINE_AUTOPTR_CLEANUP_FUNC (GMimePart, g_object_unref)
G_DEFINE_AUTOPTR_CLEANUP_FUNC (GMimeMultipart, g_object_unref)

static const char text_entity[] = "Content-Type: text/plain; charset=us-ascii\r\n\r\nHello Bob.\r\n";

static GMimePart *
pkcs7_part (const char *subtype, const uint8_t *der, size_t len)
{
  GMimePart *part = g_mime_part_new_with_type ("application", subtype);
  g_autoptr (GMimeStream) stream = g_mime_stream_mem_new_with_buffer ((const char *) der, len);
  g_autoptr (GMimeDataWrapper) wrapper = g_mime_data_wrapper_new_with_stream (stream, GMIME_CONTENT_ENCODING_BINARY);

  g_mime_part_set_content (part, wrapper);
  g_mime_part_set_content_encoding (part, GMIME_CONTENT_ENCODING_BASE64);
  return part;
}

static GMimeObject *
text_part (void)
{
  GMimeTextPart *t = g_mime_text_part_new_with_subtype ("plain");
  g_mime_text_part_set_text (t, "Hello Bob.\n");
  return GMIME_OBJECT (t);
}

static GMimeMessage *
new_message (GMimeObject *body)
{
  GMimeMessage *msg = g_mime_message_new (TRUE);

  g_mime_message_add_mailbox (msg, GMIME_ADDRESS_TYPE_FROM, "Fuzz", FUZZ_ADDRESS);
  g_mime_message_set_subject (msg, "cms", NULL);
  g_mime_message_set_mime_part (msg, body);
  return msg;
}

static void
message_ops (FuzzFixture *f, GMimeMessage *msg, gboolean decrypt)
{
  {
    g_autoptr (GError) error = NULL;
    g_autoptr (InkanVerdict) v = inkan_message_verify (msg, f->trust, 0, &error);
    fuzz_assert ((v == NULL) != (error == NULL));
    fuzz_check_error (error);
    if (v)
      fuzz_check_verdict (v);
  }
  if (decrypt)
    {
      g_autoptr (GError) error = NULL;
      g_autoptr (InkanVerdict) v = inkan_message_decrypt (msg, f->identity, f->trust, 0, &error);
      fuzz_assert ((v == NULL) != (error == NULL));
      fuzz_check_error (error);
      if (v)
        {
          g_autoptr (GBytes) out = inkan_message_to_bytes (msg);
          fuzz_assert (g_bytes_get_size (out) > 0);
          fuzz_check_verdict (v);
        }
    }
}

int
LLVMFuzzerTestOneInput (const uint8_t *data, size_t size)
{
  FuzzFixture *f = fuzz_fixture ();
  const uint8_t *der = data + 1;
  size_t len = size - 1;

  if (size < 1)
    return 0;
  switch (data[0] & 3)
    {
    case 0:
      {
        g_autoptr (GMimePart) part = pkcs7_part ((data[0] & 4) ? "x-pkcs7-mime" : "pkcs7-mime", der, len);
        g_autoptr (GMimeMessage) msg = NULL;
        if (data[0] & 8)
          g_mime_object_set_content_type_parameter (GMIME_OBJECT (part), "smime-type",
                                                    (data[0] & 16) ? "signed-data" : "enveloped-data");
        msg = new_message (GMIME_OBJECT (part));
        message_ops (f, msg, TRUE);
        break;
      }
    case 1:
      {
        g_autoptr (GMimeMultipart) mps = GMIME_MULTIPART (g_mime_multipart_signed_new ());
        g_autoptr (GMimeObject) content = text_part ();
        g_autoptr (GMimePart) sig = pkcs7_part ("pkcs7-signature", der, len);
        g_autoptr (GMimeMessage) msg = NULL;
        g_mime_object_set_content_type_parameter (GMIME_OBJECT (mps), "protocol", "application/pkcs7-signature");
        g_mime_object_set_content_type_parameter (GMIME_OBJECT (mps), "micalg", "sha-256");
        g_mime_multipart_add (mps, content);
        g_mime_multipart_add (mps, GMIME_OBJECT (sig));
        msg = new_message (GMIME_OBJECT (mps));
        message_ops (f, msg, TRUE);
        break;
      }
    case 2:
      {
        g_autoptr (GBytes) cms = g_bytes_new (der, len);
        g_autoptr (GBytes) entity = g_bytes_new_static (text_entity, sizeof text_entity - 1);
        {
          g_autoptr (GError) error = NULL;
          g_autoptr (GBytes) content = NULL;
          g_autoptr (InkanVerdict) v = inkan_cms_verify (cms, NULL, f->trust, 0, &content, &error);
          fuzz_assert ((v == NULL) != (error == NULL));
          fuzz_check_error (error);
          if (v)
            fuzz_check_verdict_full (v, FALSE);
        }
        {
          g_autoptr (GError) error = NULL;
          g_autoptr (InkanVerdict) v = inkan_cms_verify (cms, entity, f->trust, 0, NULL, &error);
          fuzz_assert ((v == NULL) != (error == NULL));
          fuzz_check_error (error);
          if (v)
            fuzz_check_verdict_full (v, FALSE);
        }
        {
          g_autoptr (GError) error = NULL;
          g_autoptr (GBytes) plain = inkan_cms_decrypt (cms, f->identity, &error);
          fuzz_assert ((plain == NULL) != (error == NULL));
          fuzz_check_error (error);
        }
        {
          g_autoptr (GError) error = NULL;
          X509 *signer = NULL;
          g_autoptr (GPtrArray) certs = inkan_cms_get_certificates (cms, &signer, &error);
          fuzz_assert ((certs == NULL) != (error == NULL));
          fuzz_check_error (error);
          X509_free (signer);
        }
        break;
      }
    case 3:
      {
        g_autoptr (GMimeMultipart) mixed = g_mime_multipart_new_with_subtype ("mixed");
        g_autoptr (GMimeObject) text = text_part ();
        g_autoptr (GMimePart) part = pkcs7_part ("pkcs7-mime", der, len);
        g_autoptr (GMimeMessage) msg = NULL;
        g_mime_multipart_add (mixed, text);
        g_mime_multipart_add (mixed, GMIME_OBJECT (part));
        msg = new_message (GMIME_OBJECT (mixed));
        message_ops (f, msg, TRUE);
        break;
      }
    }
  return 0;
}
