/* Unit tests for core/address.c: the rfc822Name/SmtpUTF8Mailbox match rule. */
#include "inkan.h"

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

int
main (int argc, char **argv)
{
  g_test_init (&argc, &argv, NULL);
  inkan_init ();
  g_test_add_func ("/address/normalize", test_normalize);
  g_test_add_func ("/address/invalid", test_invalid);
  g_test_add_func ("/address/equal", test_equal);
  return g_test_run ();
}
