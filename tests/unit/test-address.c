/* Unit tests for core/address.c: the rfc822Name/SmtpUTF8Mailbox match rule. */
#include "inkan.h"
#include <idn2.h>

static void
test_normalize (void)
{
  struct { const char *in, *out; } cases[] = {
    { "alice@example.org", "alice@example.org" },
    { "Alice@Example.ORG", "alice@example.org" },        /* ASCII case folds */
    { "太郎@例え.jp", "太郎@xn--r8jz45g.jp" },            /* U-label domain → A-label */
    { "taro@XN--R8JZ45G.JP", "taro@xn--r8jz45g.jp" },
    { "a.b+tag@sub.example.co.jp", "a.b+tag@sub.example.co.jp" },
  };

  for (guint i = 0; i < G_N_ELEMENTS (cases); i++)
    {
      g_autoptr (GError) error = NULL;
      g_autofree char *got = inkan_address_normalize (cases[i].in, &error);
      g_assert_no_error (error);
      g_assert_cmpstr (got, ==, cases[i].out);
    }
}

static void
test_invalid (void)
{
  const char *bad[] = { "", "alice", "@example.org", "alice@", "\xff\xfe@example.org" };

  for (guint i = 0; i < G_N_ELEMENTS (bad); i++)
    {
      g_autoptr (GError) error = NULL;
      g_autofree char *got = inkan_address_normalize (bad[i], &error);
      g_assert_null (got);
      g_assert_error (error, INKAN_ERROR, INKAN_ERROR_NO_FROM);
      g_assert_false (inkan_address_equal (bad[i], bad[i]));
    }
}

static void
test_equal (void)
{
  g_assert_true (inkan_address_equal ("alice@example.org", "ALICE@example.org"));
  g_assert_true (inkan_address_equal ("太郎@例え.jp", "太郎@xn--r8jz45g.jp"));
  /* mutt's historical prefix bug: a prefix is not a match */
  g_assert_false (inkan_address_equal ("alice@example.or", "alice@example.org"));
  g_assert_false (inkan_address_equal ("alice@example.org", "alice@example.org.evil.com"));
  g_assert_false (inkan_address_equal ("lice@example.org", "alice@example.org"));
  /* local parts are exact but for ASCII case: no Unicode folding */
  g_assert_false (inkan_address_equal ("ÄLICE@example.org", "älice@example.org"));
  /* a homograph domain (Cyrillic 'а') is a different domain */
  g_assert_false (inkan_address_equal ("alice@ex\xd0\xb0mple.org", "alice@example.org"));
}

/* The plain-ASCII shortcut of inkan_address_normalize() must give what
 * libidn2 gives (or fail where it fails): every domain here is compared
 * with libidn2's own answer, lower-cased as inkan does. */
static void
test_ascii_like_idn2 (void)
{
  const char *domains[] = {
    "example.org", "EXAMPLE.Org", "a.b.c.d.e.f.g", "123.45", "a-b.example", "x1-2-3.jp",
    "-lead.example", "trail-.example", "ab--cd.example", "xn--r8jz45g.jp", "XN--R8JZ45G.JP",
    "xn--bad-punycode-.jp", "xn--.jp", "a..b", ".example", "example.", "under_score.example",
    "sp ace.example", "abcdefghijklmnopqrstuvwxyzabcdefghijklmnopqrstuvwxyzabcdefghijk.jp",
    "abcdefghijklmnopqrstuvwxyzabcdefghijklmnopqrstuvwxyzabcdefghijkl.jp",
    "a-.b", "ab-.cd", "a--b.example", "abc--d.example", "1--1.example",
  };

  for (guint i = 0; i < G_N_ELEMENTS (domains); i++)
    {
      g_autofree char *addr = g_strconcat ("User@", domains[i], NULL);
      g_autofree char *got = inkan_address_normalize (addr, NULL);
      char *mapped = NULL;
      g_autofree char *want = NULL;

      if (idn2_to_ascii_8z (domains[i], &mapped, IDN2_NONTRANSITIONAL | IDN2_NFC_INPUT) == IDN2_OK
          || idn2_to_ascii_8z (domains[i], &mapped, IDN2_TRANSITIONAL | IDN2_NFC_INPUT) == IDN2_OK)
        {
          g_autofree char *lower = g_ascii_strdown (mapped, -1);
          if (lower[0] != '\0' && lower[0] != '.')
            want = g_strconcat ("user@", lower, NULL);
        }
      idn2_free (mapped);
      g_test_message ("%s: inkan %s, libidn2 %s", domains[i], got ? got : "(invalid)", want ? want : "(invalid)");
      g_assert_cmpstr (got, ==, want);
    }
}

int
main (int argc, char **argv)
{
  g_test_init (&argc, &argv, NULL);
  inkan_init ();
  g_test_add_func ("/address/normalize", test_normalize);
  g_test_add_func ("/address/invalid", test_invalid);
  g_test_add_func ("/address/equal", test_equal);
  g_test_add_func ("/address/ascii-like-idn2", test_ascii_like_idn2);
  return g_test_run ();
}
