/* libFuzzer harness: what a CA or user hands over (PKCS#12, PEM or DER
 * keys and certificates, .p7b, zip) through inkan_delivery_load(),
 * inkan_identity_load() and inkan_certificates_load().  The input is put in
 * a memfd and read through /proc/self/fd/N, so the real file path of the
 * library is exercised without touching a disk.  The passphrase asked for
 * is the test PKI's, so the seeds (made by make-seeds.sh) open. */
#define _GNU_SOURCE
#include "fuzz-common.h"
#include <sys/mman.h>
#include <unistd.h>

static char *
ask (const char *what, gpointer user_data, GError **error)
{
  int *asked = user_data;

  (void) what;
  (void) error;
  (*asked)++;
  return g_strdup (FUZZ_PASSPHRASE);
}

static void
check_addresses (X509 *cert)
{
  g_autoptr (GPtrArray) addrs = inkan_certificate_get_addresses (cert, NULL);

  for (guint i = 0; i < addrs->len; i++)
    fuzz_check_utf8 (g_ptr_array_index (addrs, i));
}

int
LLVMFuzzerTestOneInput (const uint8_t *data, size_t size)
{
  static int fd = -1;
  static char path[64];
  const char *paths[] = { path, NULL };

  fuzz_fixture ();
  if (fd < 0)
    {
      fd = memfd_create ("inkan-fuzz-delivery", 0);
      fuzz_assert (fd >= 0);
      g_snprintf (path, sizeof path, "/proc/self/fd/%d", fd);
    }
  fuzz_assert (ftruncate (fd, 0) == 0);
  fuzz_assert (pwrite (fd, data, size, 0) == (ssize_t) size);

  {
    g_autoptr (GError) error = NULL;
    int asked = 0;
    g_autoptr (InkanDelivery) d = inkan_delivery_load (paths, ask, &asked, &error);
    fuzz_assert ((d == NULL) != (error == NULL));
    fuzz_check_error (error);
    fuzz_assert (asked <= 1); /* asked once at most */
    if (d)
      {
        GPtrArray *certs = inkan_delivery_get_certificates (d);
        InkanIdentity *id = inkan_delivery_get_identity (d);
        for (guint i = 0; i < certs->len; i++)
          check_addresses (g_ptr_array_index (certs, i));
        if (id)
          fuzz_assert (inkan_identity_get_key (id) && inkan_identity_get_certificate (id));
        else
          fuzz_assert (certs->len > 0);
      }
  }
  {
    g_autoptr (GError) error = NULL;
    g_autoptr (InkanIdentity) id = inkan_identity_load (path, NULL, &error);
    fuzz_assert ((id == NULL) != (error == NULL));
    fuzz_check_error (error);
    if (id == NULL && g_error_matches (error, INKAN_ERROR, INKAN_ERROR_PASSPHRASE_REQUIRED))
      {
        g_clear_error (&error);
        id = inkan_identity_load (path, FUZZ_PASSPHRASE, &error);
        fuzz_assert ((id == NULL) != (error == NULL));
        fuzz_check_error (error);
      }
    if (id)
      check_addresses (inkan_identity_get_certificate (id));
  }
  {
    g_autoptr (GError) error = NULL;
    g_autoptr (GPtrArray) certs = inkan_certificates_load (path, &error);
    fuzz_assert ((certs == NULL) != (error == NULL));
    fuzz_check_error (error);
    for (guint i = 0; certs && i < certs->len; i++)
      check_addresses (g_ptr_array_index (certs, i));
  }
  return 0;
}
