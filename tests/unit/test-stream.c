/* Unit tests for core/stream.c.  The RFC 8551 §3.1.1 canonical form:
 * _inkan_crlf_convert() must give, byte for byte, what GMime's unix2dos
 * filter gives (what inkan hashed before), whatever pieces the input comes
 * in; _inkan_write_canonical() and inkan_message_write() must give what
 * GMime's own serialisation (through unix2dos) gives, across the sink's
 * buffer boundaries.  Signing and encrypting the body in place (no working
 * copy, _inkan_entity_working_copy()) must still leave the message
 * unchanged on failure. */
#include "inkan.h"
#include "stream.h"

/* GMime's unix2dos filter (no ensure_newline) over @len bytes, in one go. */
static GByteArray *
gmime_unix2dos (const char *in, gsize len)
{
  g_autoptr (GMimeStream) mem = g_mime_stream_mem_new ();
  g_autoptr (GMimeStream) filtered = g_mime_stream_filter_new (mem);
  g_autoptr (GMimeFilter) unix2dos = g_mime_filter_unix2dos_new (FALSE);
  GByteArray *out = g_byte_array_new ();
  GByteArray *arr;

  g_mime_stream_filter_add (GMIME_STREAM_FILTER (filtered), unix2dos);
  if (len > 0)
    g_assert_cmpint (g_mime_stream_write (filtered, in, len), ==, (gssize) len);
  g_mime_stream_flush (filtered);
  arr = g_mime_stream_mem_get_byte_array (GMIME_STREAM_MEM (mem));
  g_byte_array_append (out, arr->data, arr->len);
  return out;
}

/* _inkan_crlf_convert() over @len bytes cut into pieces of the sizes in
 * @cuts (cycled; 0 = the rest in one piece). */
static GByteArray *
inkan_crlf (const char *in, gsize len, const gsize *cuts, guint ncuts)
{
  GByteArray *out = g_byte_array_new ();
  gboolean after_cr = FALSE;
  gsize done = 0;

  for (guint i = 0; done < len; i++)
    {
      gsize n = ncuts && cuts[i % ncuts] ? MIN (cuts[i % ncuts], len - done) : len - done;
      guint at = out->len;
      g_byte_array_set_size (out, at + 2 * n);
      g_byte_array_set_size (out, at + _inkan_crlf_convert (&after_cr, in + done, n, (char *) out->data + at));
      done += n;
    }
  return out;
}

static void
assert_same (const char *what, const char *in, gsize len, const gsize *cuts, guint ncuts)
{
  g_autoptr (GByteArray) want = gmime_unix2dos (in, len);
  g_autoptr (GByteArray) got = inkan_crlf (in, len, cuts, ncuts);

  if (got->len != want->len || (got->len > 0 && memcmp (got->data, want->data, got->len) != 0))
    {
      g_autofree char *esc = g_strescape (in, NULL);
      g_test_message ("%s: input \"%s\" (%" G_GSIZE_FORMAT " bytes) differs from unix2dos", what, esc, len);
      g_test_fail ();
    }
}

static const char *tricky[] = {
  "",
  "\n",
  "\r",
  "\r\n",
  "\n\n",
  "\r\r",
  "\r\r\n",
  "\n\r",
  "\n\r\n\r",
  "a\rb",
  "a\r",
  "\ra",
  "no final newline",
  "line\nline\n",
  "crlf\r\nalready\r\n",
  "mixed\nlf\r\nand\rbare\r\r\ncr\n\r",
  "\n\n\n\r\n\r\r\r\n\n",
};

/* Every input whole, and cut at every position (a lone LF or CR at the
 * end of one piece, the LF at the start of the next). */
static void
test_tricky (void)
{
  for (guint i = 0; i < G_N_ELEMENTS (tricky); i++)
    {
      gsize len = strlen (tricky[i]);

      assert_same ("whole", tricky[i], len, NULL, 0);
      for (gsize cut = 1; cut < len; cut++)
        {
          gsize cuts[] = { cut, 0 };
          gsize ones[] = { 1 };
          assert_same ("two pieces", tricky[i], len, cuts, 2);
          assert_same ("one byte at a time", tricky[i], len, ones, 1);
        }
    }
}

/* Random strings over { a, CR, LF }, cut at random sizes. */
static void
test_random (void)
{
  GRand *rand = g_rand_new_with_seed (8551);
  const char alphabet[] = "a\r\n";

  for (guint round = 0; round < 20000; round++)
    {
      gsize len = (gsize) g_rand_int_range (rand, 0, 64);
      g_autofree char *in = g_malloc (len + 1);
      gsize cuts[4];

      for (gsize i = 0; i < len; i++)
        in[i] = alphabet[g_rand_int_range (rand, 0, 3)];
      in[len] = '\0';
      for (guint i = 0; i < G_N_ELEMENTS (cuts); i++)
        cuts[i] = (gsize) g_rand_int_range (rand, 1, 8);
      assert_same ("random", in, len, cuts, G_N_ELEMENTS (cuts));
    }
  g_rand_free (rand);
}

/* A message with a part larger than the sink's buffer whose CRs and LFs
 * fall around its 32 KiB and 64 KiB boundaries, plus a multipart prologue,
 * an 8bit part and no final newline. */
static GByteArray *
tricky_message (void)
{
  GByteArray *msg = g_byte_array_new ();
  const char *head = "From: Alice <alice@example.org>\nSubject: canonical\nMIME-Version: 1.0\n"
                     "Content-Type: multipart/mixed; boundary=\"b\"\n\nprologue\r\n--b\n"
                     "Content-Type: text/plain\n\nbare\rcr\r\r\nand crlf\r\n\n--b\n"
                     "Content-Type: application/octet-stream\n\n";

  g_byte_array_append (msg, (const guint8 *) head, strlen (head));
  for (guint i = 0; i < 200000; i++)
    {
      guint8 c = "abcdefghij\n\r"[i % 12];
      if (i % 32768 == 32767 || i % 65536 == 0)
        c = i % 3 ? '\r' : '\n';
      g_byte_array_append (msg, &c, 1);
    }
  g_byte_array_append (msg, (const guint8 *) "\n--b--\nepilogue", 15);
  return msg;
}

static GMimeMessage *
parse (GByteArray *bytes)
{
  g_autoptr (GMimeStream) stream = g_mime_stream_mem_new_with_buffer ((const char *) bytes->data, bytes->len);
  g_autoptr (GMimeParser) parser = g_mime_parser_new_with_stream (stream);
  GMimeMessage *msg = g_mime_parser_construct_message (parser, NULL);

  g_assert_nonnull (msg);
  return msg;
}

/* GMime's serialisation of @obj with LF line ends, optionally through unix2dos. */
static GByteArray *
gmime_write (GMimeObject *obj, gboolean canonical)
{
  g_autoptr (GMimeStream) mem = g_mime_stream_mem_new ();
  g_autoptr (GMimeStream) filtered = g_mime_stream_filter_new (mem);
  GMimeFormatOptions *opts = g_mime_format_options_new ();
  GByteArray *out = g_byte_array_new ();
  GByteArray *arr;

  if (canonical)
    {
      g_autoptr (GMimeFilter) unix2dos = g_mime_filter_unix2dos_new (FALSE);
      g_mime_stream_filter_add (GMIME_STREAM_FILTER (filtered), unix2dos);
    }
  g_mime_format_options_set_newline_format (opts, GMIME_NEWLINE_FORMAT_UNIX);
  g_assert_cmpint (g_mime_object_write_to_stream (obj, opts, filtered), !=, -1);
  g_mime_stream_flush (filtered);
  g_mime_format_options_free (opts);
  arr = g_mime_stream_mem_get_byte_array (GMIME_STREAM_MEM (mem));
  g_byte_array_append (out, arr->data, arr->len);
  return out;
}

static void
assert_bytes (GByteArray *got, const char *data, gsize len)
{
  g_assert_cmpuint (got->len, ==, len);
  g_assert_true (memcmp (got->data, data, len) == 0);
}

static void
test_write_canonical (void)
{
  g_autoptr (GByteArray) bytes = tricky_message ();
  g_autoptr (GMimeMessage) msg = parse (bytes);
  GMimeObject *body = g_mime_message_get_mime_part (msg);
  g_autoptr (GByteArray) want = gmime_write (body, TRUE);
  g_autoptr (BIO) bio = BIO_new (BIO_s_mem ());
  char *data;
  long len;

  g_assert_true (_inkan_write_canonical (bio, body));
  len = BIO_get_mem_data (bio, &data);
  g_assert_cmpuint (want->len, >, 200000);
  assert_bytes (want, data, (gsize) len);
}

static void
test_message_write (void)
{
  g_autoptr (GByteArray) bytes = tricky_message ();
  g_autoptr (GMimeMessage) msg = parse (bytes);
  g_autoptr (GByteArray) want = gmime_write (GMIME_OBJECT (msg), FALSE);
  g_autoptr (GMimeStream) mem = g_mime_stream_mem_new ();
  g_autoptr (GError) error = NULL;
  GByteArray *got;

  g_assert_true (inkan_message_write (msg, mem, &error));
  g_assert_no_error (error);
  got = g_mime_stream_mem_get_byte_array (GMIME_STREAM_MEM (mem));
  assert_bytes (want, (const char *) got->data, got->len);
}

/* A message that is signed in place: an unlabelled 7-bit text part (which
 * g_mime_object_encode() labels 7bit) and a base64 part. */
static const char in_place[] =
  "From: Alice <alice@example.org>\nTo: Bob <bob@example.org>\nSubject: in place\n"
  "MIME-Version: 1.0\nContent-Type: multipart/mixed; boundary=\"b\"\n\n"
  "--b\nContent-Type: text/plain; charset=us-ascii\n\nHello.\n\n"
  "--b\nContent-Type: application/octet-stream\nContent-Transfer-Encoding: base64\n\n"
  "AAECAwQFBgcICQ==\n--b--\n";

static GMimeMessage *
in_place_message (void)
{
  g_autoptr (GByteArray) bytes = g_byte_array_new ();

  g_byte_array_append (bytes, (const guint8 *) in_place, sizeof in_place - 1);
  return parse (bytes);
}

static InkanIdentity *
identity (const char *name)
{
  g_autofree char *p12 = g_strdup_printf ("%s/%s.p12", g_getenv ("PKI"), name);
  g_autoptr (GError) error = NULL;
  InkanIdentity *id = inkan_identity_load (p12, "inkan-test-passphrase", &error);

  g_assert_no_error (error);
  return id;
}

static void
assert_unchanged (GMimeMessage *msg)
{
  g_autoptr (GBytes) after = inkan_message_to_bytes (msg);
  gsize len;
  const char *data = g_bytes_get_data (after, &len);

  g_assert_cmpuint (len, ==, sizeof in_place - 1);
  g_assert_true (memcmp (data, in_place, len) == 0);
}

/* The message is worked on in place, and what g_mime_object_encode() may
 * do to its unlabelled part (label it) is undone unless kept. */
static void
test_in_place_undo (void)
{
  for (int keep = 0; keep < 2; keep++)
    {
      g_autoptr (GMimeMessage) msg = in_place_message ();
      GMimeObject *body = g_mime_message_get_mime_part (msg);
      GMimePart *text = GMIME_PART (g_mime_multipart_get_part (GMIME_MULTIPART (body), 0));
      g_autoptr (GError) error = NULL;
      GPtrArray *undo = NULL;
      g_autoptr (GMimeObject) work = _inkan_entity_working_copy (body, &undo, &error);

      g_assert_no_error (error);
      g_assert_true (work == body);
      g_assert_nonnull (undo);
      g_mime_part_set_content_encoding (text, GMIME_CONTENT_ENCODING_QUOTEDPRINTABLE);
      if (keep)
        _inkan_entity_keep (undo);
      g_ptr_array_unref (undo);
      if (keep)
        g_assert_cmpint (g_mime_part_get_content_encoding (text), ==, GMIME_CONTENT_ENCODING_QUOTEDPRINTABLE);
      else
        assert_unchanged (msg);
    }
}

/* 8bit text is copied (g_mime_object_encode() makes it quoted-printable). */
static void
test_copied (void)
{
  static const char eight[] = "From: a@example.org\nContent-Type: text/plain; charset=utf-8\n"
                              "Content-Transfer-Encoding: 8bit\n\n\xc3\xa9t\xc3\xa9\n";
  g_autoptr (GByteArray) bytes = g_byte_array_new ();
  g_autoptr (GMimeMessage) msg = NULL;
  g_autoptr (GError) error = NULL;
  GPtrArray *undo = NULL;
  g_autoptr (GMimeObject) work = NULL;

  g_byte_array_append (bytes, (const guint8 *) eight, sizeof eight - 1);
  msg = parse (bytes);
  work = _inkan_entity_working_copy (g_mime_message_get_mime_part (msg), &undo, &error);
  g_assert_no_error (error);
  g_assert_true (work != g_mime_message_get_mime_part (msg));
  g_assert_null (undo);
}

/* RSASSA-PSS with an EC key fails after g_mime_object_encode(). */
static void
test_sign_failure (void)
{
  g_autoptr (GMimeMessage) msg = in_place_message ();
  g_autoptr (InkanIdentity) dave = identity ("dave");
  InkanSignOptions opts = { .pss = TRUE, .allow_address_mismatch = TRUE };
  g_autoptr (GError) error = NULL;

  g_assert_false (inkan_message_sign (msg, dave, &opts, &error));
  g_assert_error (error, INKAN_ERROR, INKAN_ERROR_UNSUPPORTED);
  assert_unchanged (msg);
}

/* Sign, then an expired recipient: the signature was made in place. */
static void
test_encrypt_failure (void)
{
  g_autoptr (GMimeMessage) msg = in_place_message ();
  g_autoptr (InkanIdentity) alice = identity ("alice");
  g_autofree char *frank = g_strdup_printf ("%s/frank.cert.pem", g_getenv ("PKI"));
  g_autoptr (GPtrArray) recipients = inkan_certificates_load (frank, NULL);
  InkanSignOptions sign = { .allow_address_mismatch = TRUE };
  InkanEncryptOptions enc = { 0 };
  g_autoptr (GError) error = NULL;

  g_assert_nonnull (recipients);
  g_assert_false (inkan_message_encrypt (msg, recipients, alice, &sign, &enc, &error));
  g_assert_nonnull (error);
  assert_unchanged (msg);
}

int
main (int argc, char **argv)
{
  g_test_init (&argc, &argv, NULL);
  inkan_init ();
  g_test_add_func ("/stream/crlf/tricky", test_tricky);
  g_test_add_func ("/stream/crlf/random", test_random);
  g_test_add_func ("/stream/write-canonical", test_write_canonical);
  g_test_add_func ("/stream/message-write", test_message_write);
  g_test_add_func ("/stream/in-place/undo", test_in_place_undo);
  g_test_add_func ("/stream/in-place/copied", test_copied);
  g_test_add_func ("/stream/in-place/sign-failure", test_sign_failure);
  g_test_add_func ("/stream/in-place/encrypt-failure", test_encrypt_failure);
  return g_test_run ();
}
