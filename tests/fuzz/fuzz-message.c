/* libFuzzer harness: a whole message (RFC 5322 + MIME + S/MIME) through
 * inkan_message_verify(), inkan_message_check_sender() and
 * inkan_message_decrypt() with the fixed test identity.  Besides crashes,
 * leaks and undefined behaviour it checks the verdict invariants
 * (fuzz-common.h) and that a failed decrypt leaves the message unchanged. */
#include "fuzz-common.h"

static void run (FuzzFixture *f, const uint8_t *data, size_t size);

int
LLVMFuzzerTestOneInput (const uint8_t *data, size_t size)
{
  FuzzFixture *f = fuzz_fixture ();
  gboolean gmime_leaks = fuzz_gmime_issue_159 (data, size);

  if (gmime_leaks)
    fuzz_leak_check (FALSE);
  run (f, data, size);
  if (gmime_leaks)
    fuzz_leak_check (TRUE);
  return 0;
}

static void
run (FuzzFixture *f, const uint8_t *data, size_t size)
{
  g_autoptr (GBytes) bytes = g_bytes_new (data, size);
  g_autoptr (GMimeMessage) msg = inkan_message_parse_bytes (bytes, NULL);
  g_autoptr (GBytes) before = NULL;
  g_autoptr (GBytes) after = NULL;

  if (msg == NULL)
    return;
  before = fuzz_message_bytes (msg);
  {
    g_autoptr (GError) error = NULL;
    g_autoptr (InkanVerdict) v = inkan_message_verify (msg, f->trust, 0, &error);
    fuzz_assert ((v == NULL) != (error == NULL));
    fuzz_check_error (error);
    if (v)
      fuzz_check_verdict (v);
  }
  {
    g_autoptr (GError) error = NULL;
    gboolean ok = inkan_message_check_sender (msg, f->cert, &error);
    fuzz_assert (ok == (error == NULL));
    fuzz_check_error (error);
  }
  after = fuzz_message_bytes (msg);
  fuzz_assert (g_bytes_equal (before, after)); /* verify changes nothing */
  {
    g_autoptr (GError) error = NULL;
    g_autoptr (InkanVerdict) v = inkan_message_decrypt (msg, f->identity, f->trust, 0, &error);
    fuzz_assert ((v == NULL) != (error == NULL));
    fuzz_check_error (error);
    if (v)
      {
        g_autoptr (GBytes) plain = fuzz_message_bytes (msg);
        fuzz_assert (g_bytes_get_size (plain) > 0);
        fuzz_check_verdict (v);
        fuzz_assert (v->flags & INKAN_FLAG_ENCRYPTED);
      }
    else
      {
        g_autoptr (GBytes) unchanged = fuzz_message_bytes (msg);
        fuzz_assert (g_bytes_equal (before, unchanged));
      }
  }
}
