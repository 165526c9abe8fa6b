/* libFuzzer harness: mailbox addresses (core/address.c) and the From and
 * Sender header fields around them (core/message.c).  Input: line A, then
 * B (the rest, which may hold more header lines).
 *  - inkan_address_normalize()/inkan_address_equal() on A and B, with the
 *    algebra they promise: equality is symmetric, an address equals its
 *    normal form, the normal form is a fixed point;
 *  - "From: A" and "Sender: B" above a body signed once, at start-up, by
 *    the fixed identity (fuzz@example.org): verify must follow the verdict
 *    invariants and may say "valid" only when the header has exactly one
 *    From field; inkan_message_check_sender() must agree with itself. */
#include "fuzz-common.h"

static GBytes *signed_body;   /* the MIME body of a message signed by fuzz@example.org */

static void
make_signed_body (FuzzFixture *f)
{
  static const char plain[] = "From: Fuzz <" FUZZ_ADDRESS ">\nTo: bob@example.org\nSubject: s\n"
                              "MIME-Version: 1.0\nContent-Type: text/plain\n\nHello Bob.\n";
  g_autoptr (GBytes) in = g_bytes_new_static (plain, sizeof plain - 1);
  g_autoptr (GMimeMessage) msg = inkan_message_parse_bytes (in, NULL);
  InkanSignOptions opts = { 0 };
  g_autoptr (GError) error = NULL;
  GMimeFormatOptions *fo = g_mime_format_options_new ();
  g_autoptr (GMimeStream) mem = g_mime_stream_mem_new ();
  GByteArray *arr;

  if (msg == NULL || !inkan_message_sign (msg, f->identity, &opts, &error))
    {
      fprintf (stderr, "cannot sign the fixed body: %s\n", error ? error->message : "parse");
      abort ();
    }
  /* Only the body entity, with its Content-Type header. */
  g_mime_object_write_to_stream (g_mime_message_get_mime_part (msg), fo, mem);
  g_mime_format_options_free (fo);
  arr = g_mime_stream_mem_get_byte_array (GMIME_STREAM_MEM (mem));
  signed_body = g_bytes_new (arr->data, arr->len);
}

static guint
count_from_fields (GMimeMessage *msg)
{
  GMimeHeaderList *headers = g_mime_object_get_header_list (GMIME_OBJECT (msg));
  guint n = 0;

  for (int i = 0; i < g_mime_header_list_get_count (headers); i++)
    {
      g_autofree char *name = g_strdup (g_mime_header_get_name (g_mime_header_list_get_header_at (headers, i)));
      if (g_ascii_strcasecmp (g_strstrip (name), "From") == 0)
        n++;
    }
  return n;
}

int
LLVMFuzzerTestOneInput (const uint8_t *data, size_t size)
{
  FuzzFixture *f = fuzz_fixture ();
  g_autofree char *input = g_strndup ((const char *) data, size); /* stops at a NUL */
  char *nl = strchr (input, '\n');
  const char *a = input, *b = nl ? nl + 1 : "";

  gboolean gmime_leaks = fuzz_gmime_issue_159 (data, size);

  if (signed_body == NULL)
    make_signed_body (f);
  if (nl)
    *nl = '\0';
  /* "From: A" and "Sender: B" are address fields. */
  if (!gmime_leaks)
    {
      g_autofree char *fields = g_strconcat ("From: ", a, "\nSender: ", b, NULL);
      gmime_leaks = fuzz_gmime_issue_159 ((const uint8_t *) fields, strlen (fields));
    }
  if (gmime_leaks)
    fuzz_leak_check (FALSE);

  {
    g_autofree char *na = inkan_address_normalize (a, NULL);
    g_autofree char *nb = inkan_address_normalize (b, NULL);
    gboolean eq = inkan_address_equal (a, b);

    fuzz_assert (eq == inkan_address_equal (b, a));
    fuzz_assert (!eq || (na && nb && strcmp (na, nb) == 0));
    if (na)
      {
        g_autofree char *nna = inkan_address_normalize (na, NULL);
        fuzz_check_utf8 (na);
        fuzz_assert (inkan_address_equal (a, na));
        fuzz_assert (nna != NULL && strcmp (na, nna) == 0);
      }
  }

  {
    g_autoptr (GByteArray) mail = g_byte_array_new ();
    g_autoptr (GBytes) bytes = NULL;
    g_autoptr (GMimeMessage) msg = NULL;

    g_byte_array_append (mail, (const guint8 *) "From: ", 6);
    g_byte_array_append (mail, (const guint8 *) a, strlen (a));
    g_byte_array_append (mail, (const guint8 *) "\nSender: ", 9);
    g_byte_array_append (mail, (const guint8 *) b, strlen (b));
    g_byte_array_append (mail, (const guint8 *) "\nMIME-Version: 1.0\n", 19);
    g_byte_array_append (mail, g_bytes_get_data (signed_body, NULL), g_bytes_get_size (signed_body));
    bytes = g_byte_array_free_to_bytes (g_steal_pointer (&mail));
    msg = inkan_message_parse_bytes (bytes, NULL);
    if (msg)
      {
        g_autoptr (GError) error = NULL;
        g_autoptr (InkanVerdict) v = inkan_message_verify (msg, f->trust, 0, &error);
        gboolean may_sign;

        fuzz_assert ((v == NULL) != (error == NULL));

        fuzz_check_error (error);
        if (v)
          {
            fuzz_check_verdict (v);
            if (v->kind == INKAN_VERDICT_VALID)
              fuzz_assert (count_from_fields (msg) == 1);
          }
        g_clear_error (&error);
        may_sign = inkan_message_check_sender (msg, f->cert, &error);
        fuzz_assert (may_sign == (error == NULL));
        fuzz_check_error (error);
        /* What inkan signs for one From mailbox, its verify matches. */
        if (may_sign && v)
          {
            InternetAddressList *from = g_mime_message_get_addresses (msg, GMIME_ADDRESS_TYPE_FROM);
            if (internet_address_list_length (from) == 1
                && INTERNET_ADDRESS_IS_MAILBOX (internet_address_list_get_address (from, 0)))
              fuzz_assert (!(v->flags & INKAN_FLAG_FROM_MISMATCH));
          }
      }
  }
  if (gmime_leaks)
    fuzz_leak_check (TRUE);
  return 0;
}
