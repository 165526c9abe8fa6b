/* libFuzzer harness: certificates as DER (RFC 5280) through what inkan
 * reads from them: the mailbox addresses (rfc822Name, SmtpUTF8Mailbox,
 * subject emailAddress; core/address.c), the SBR profile and the sender's
 * usability checks.  Every address returned must be valid UTF-8 without
 * NUL, and must match itself through inkan_certificate_has_address(). */
#include "fuzz-common.h"
#include <openssl/x509.h>

int
LLVMFuzzerTestOneInput (const uint8_t *data, size_t size)
{
  const unsigned char *p = data;
  X509 *cert;

  fuzz_fixture ();
  cert = d2i_X509 (NULL, &p, (long) size);
  if (cert == NULL)
    return 0;
  {
    gboolean from_subject = FALSE;
    g_autoptr (GPtrArray) addrs = inkan_certificate_get_addresses (cert, &from_subject);
    for (guint i = 0; i < addrs->len; i++)
      {
        const char *a = g_ptr_array_index (addrs, i);
        g_autofree char *n = inkan_address_normalize (a, NULL);
        fuzz_check_utf8 (a);
        if (n)
          fuzz_assert (inkan_certificate_has_address (cert, a));
      }
    fuzz_assert (!from_subject || addrs->len > 0);
    (void) inkan_certificate_has_address (cert, FUZZ_ADDRESS);
  }
  (void) inkan_certificate_sbr_profile (cert);
  for (int signing = 0; signing < 2; signing++)
    {
      g_autoptr (GError) error = NULL;
      gboolean ok = inkan_certificate_check_usable (cert, signing, g_get_real_time () / G_USEC_PER_SEC, &error);
      fuzz_assert (ok == (error == NULL));
      fuzz_check_error (error);
      if (error)
        fuzz_check_utf8 (error->message);
    }
  X509_free (cert);
  return 0;
}
