/* libFuzzer harness: the SBR certificate linter (core/lint*.c) on DER.
 * The input is a certificate, optionally followed by its issuer's.  Every
 * finding must have a code, a path and a sentence in valid UTF-8, and the
 * certificates parsed as "inkan lint" parses them (inkan_lint_parse_der(),
 * keys not decoded) must give the very same findings. */
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

    /* The same through an InkanLinter, both certificates parsed lazily. */
    {
      X509 *lazy = inkan_lint_parse_der (data, (gsize) (size));
      g_autoptr (InkanLinter) linter = inkan_linter_new (NULL, g_get_real_time () / G_USEC_PER_SEC);
      g_autoptr (GPtrArray) again = NULL;
      g_autoptr (GError) error2 = NULL;

      fuzz_assert (lazy != NULL);
      if (issuer)
        {
          const unsigned char *q = data;
          X509 *first = d2i_X509 (NULL, &q, (long) size);
          X509 *lazy_issuer = inkan_lint_parse_der (q, (gsize) (data + size - q));
          fuzz_assert (lazy_issuer != NULL);
          inkan_linter_add_issuer (linter, lazy_issuer);
          X509_free (lazy_issuer);
          X509_free (first);
        }
      again = inkan_linter_check (linter, lazy, &error2);
      fuzz_assert ((again == NULL) == (findings == NULL));
      fuzz_assert (strcmp (inkan_lint_certificate_kind (lazy), inkan_lint_certificate_kind (cert)) == 0);
      for (guint i = 0; findings && again && i < MAX (findings->len, again->len); i++)
        {
          InkanFinding *a, *b;
          fuzz_assert (i < findings->len && i < again->len);
          a = g_ptr_array_index (findings, i);
          b = g_ptr_array_index (again, i);
          fuzz_assert (a->severity == b->severity && strcmp (a->code, b->code) == 0);
          fuzz_assert (g_strcmp0 (a->path, b->path) == 0 && strcmp (a->message, b->message) == 0);
        }
      X509_free (lazy);
    }
  }
  sk_X509_pop_free (issuers, X509_free);
  X509_free (cert);
  return 0;
}
