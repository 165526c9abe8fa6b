/* libFuzzer harness: the SBR certificate linter (core/lint*.c) on DER.
 * The input is a certificate, optionally followed by its issuer's.  Every
 * finding must have a code, a path and a sentence in valid UTF-8. */
#include "fuzz-common.h"
#include <openssl/x509.h>

int
LLVMFuzzerTestOneInput (const uint8_t *data, size_t size)
{
  const unsigned char *p = data;
  X509 *cert, *issuer = NULL;
  STACK_OF (X509) *issuers = sk_X509_new_null ();

  fuzz_fixture ();
  cert = d2i_X509 (NULL, &p, (long) size);
  if (cert == NULL)
    {
      sk_X509_free (issuers);
      return 0;
    }
  if (p < data + size && (issuer = d2i_X509 (NULL, &p, (long) (data + size - p))) != NULL)
    sk_X509_push (issuers, issuer);
  {
    g_autoptr (GError) error = NULL;
    g_autoptr (GPtrArray) findings = inkan_lint_certificate (cert, issuers, g_get_real_time () / G_USEC_PER_SEC, &error);
    fuzz_assert ((findings == NULL) != (error == NULL));
    fuzz_check_error (error);
    for (guint i = 0; findings && i < findings->len; i++)
      {
        InkanFinding *fi = g_ptr_array_index (findings, i);
        fuzz_assert (fi->severity <= INKAN_SEVERITY_INFO);
        fuzz_assert (fi->code && fi->message);
        fuzz_check_utf8 (fi->code);
        fuzz_check_utf8 (fi->path);
        fuzz_check_utf8 (fi->message);
      }
    (void) inkan_lint_certificate_kind (cert);
  }
  sk_X509_pop_free (issuers, X509_free);
  X509_free (cert);
  return 0;
}
