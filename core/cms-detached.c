/* Decryption of a large EnvelopedData/AuthEnvelopedData in bounded memory
 * (issue 9; docs/performance.md).
 *
 * OpenSSL 3.0 parses a CMS only whole (d2i_CMS_bio), and the
 * encryptedContent of a 256 MiB message is 256 MiB of it.  So:
 *
 *  1. the decoded CMS is spilled (memory up to INKAN_SPILL_THRESHOLD, then
 *     an unlinked 0600 temporary file: core/stream.c);
 *  2. its BER is walked, header by header with OpenSSL's ASN1_get_object(),
 *     down to the encryptedContent of the EncryptedContentInfo (RFC 5652
 *     §6.1) or of the authEncryptedContentInfo (RFC 5083 §2.1), primitive
 *     or constructed (chunks of OCTET STRINGs, definite or indefinite
 *     length: what `openssl cms -encrypt -stream` and inkan write);
 *  3. a small copy of the ContentInfo is built without that field (it is
 *     OPTIONAL), with definite lengths (ASN1_object_size/ASN1_put_object),
 *     and parsed by OpenSSL;
 *  4. CMS_decrypt() is given the ciphertext as detached content: a BIO that
 *     yields the octets of the chunks, read from the spill.
 *
 * The AES-GCM tag (the mac, after the content) stays in the small copy, so
 * OpenSSL checks it at the end of the content; the caller drops the
 * plaintext unless this succeeds (RFC 5083 §2.2: nothing is released
 * before the tag is checked).  A layout the walker does not recognise is
 * parsed whole, as before, when it stayed in memory, and refused when it
 * is large (INKAN_ERROR_CMS): never guessed at.
 */
#include "stream.h"
#include <errno.h>
#include <string.h>
#include <openssl/asn1.h>
#include <openssl/err.h>
#include <openssl/objects.h>

/* Read buffer of the spill reader. */
#define READER_SIZE ((gsize) 64 << 10)
/* The ContentInfo without its encryptedContent (recipients, attributes,
 * originator certificates) is held in memory: no more than this. */
#define SMALL_COPY_MAX INKAN_SPILL_THRESHOLD

/* ---------------------------------------------------------------- buffered reader */

/* Sequential reads from a seekable stream, with a window for headers. */
typedef struct {
  GMimeStream *stream;  /* not owned */
  gint64 size;          /* stream length */
  gint64 base;          /* offset of buf[0] */
  gsize len, pos;       /* bytes in buf, read position in buf */
  gboolean io_error;
  unsigned char buf[READER_SIZE];
} Reader;

static gint64
reader_tell (const Reader *r)
{
  return r->base + (gint64) r->pos;
}

static void
reader_seek (Reader *r, gint64 offset)
{
  if (offset >= r->base && offset <= r->base + (gint64) r->len)
    {
      r->pos = (gsize) (offset - r->base);
      return;
    }
  r->base = offset;
  r->len = r->pos = 0;
}

/* Makes @want (at most READER_SIZE) bytes available at the read position,
 * fewer at the end of the stream.  Returns how many there are, or -1 on a
 * read error. */
static gssize
reader_fill (Reader *r, gsize want)
{
  if (r->len - r->pos >= want)
    return (gssize) (r->len - r->pos);
  memmove (r->buf, r->buf + r->pos, r->len - r->pos);
  r->base += (gint64) r->pos;
  r->len -= r->pos;
  r->pos = 0;
  if (g_mime_stream_seek (r->stream, r->base + (gint64) r->len, GMIME_STREAM_SEEK_SET) < 0)
    goto fail;
  while (r->len < want)
    {
      ssize_t n = g_mime_stream_read (r->stream, (char *) r->buf + r->len, READER_SIZE - r->len);
      if (n > 0)
        r->len += (gsize) n;
      else if (n == 0 || g_mime_stream_eos (r->stream))
        break;
      else
        goto fail;
    }
  return (gssize) r->len;

fail:
  r->io_error = TRUE;
  return -1;
}

/* Copies up to @n bytes into @dst; returns how many (0 at the end), -1 on
 * a read error. */
static gssize
reader_read (Reader *r, unsigned char *dst, gsize n)
{
  gssize avail = reader_fill (r, MIN (n, READER_SIZE));

  if (avail <= 0)
    return avail;
  n = MIN (n, (gsize) avail);
  memcpy (dst, r->buf + r->pos, n);
  r->pos += n;
  return (gssize) n;
}

/* ---------------------------------------------------------------- BER headers */

/* One element: where it starts, where its content starts and where it must
 * end (its own end when definite; the end of what encloses it when
 * indefinite, with its end-of-contents octets somewhere before). */
typedef struct {
  gint64 start, content, end;
  long len;
  int tag, xclass;
  gboolean constructed, indefinite;
} Tlv;

/* Reads the header at the read position (OpenSSL's ASN1_get_object()); the
 * element must fit before @limit.  FALSE when it is broken or does not
 * fit.  An end-of-contents (universal 0) is not an element. */
static gboolean
read_tlv (Reader *r, gint64 limit, Tlv *t)
{
  gint64 here = reader_tell (r);
  gssize avail = reader_fill (r, 16);
  const unsigned char *head = r->buf + r->pos, *p = head;
  int ret;

  if (avail <= 0 || here >= limit)
    return FALSE;
  avail = (gssize) MIN ((gint64) avail, limit - here);
  /* 0x80 is set both for a broken header and for content longer than the
   * bytes given: the header was read when p moved.  The error it queues
   * for the latter is not one (this runs inside CMS_decrypt() too). */
  ERR_set_mark ();
  ret = ASN1_get_object (&p, &t->len, &t->tag, &t->xclass, (long) avail);
  ERR_pop_to_mark ();
  if (p == head || t->len < 0 || (t->xclass == V_ASN1_UNIVERSAL && t->tag == 0))
    return FALSE;
  t->start = here;
  t->content = here + (p - head);
  t->constructed = (ret & V_ASN1_CONSTRUCTED) != 0;
  t->indefinite = (ret & 0x01) != 0;
  if (t->indefinite)
    t->end = limit;
  else if ((t->end = t->content + t->len) > limit)
    return FALSE;
  r->pos += (gsize) (p - head);
  return TRUE;
}

static gboolean
tlv_is (const Tlv *t, int xclass, int tag, gboolean constructed)
{
  return t->xclass == xclass && t->tag == tag && t->constructed == constructed;
}

/* 1 when the content of @parent ends at the read position (its
 * end-of-contents octets, if indefinite, are consumed), 0 when another
 * element follows, -1 when it is broken. */
static int
at_end (Reader *r, const Tlv *parent)
{
  gint64 here = reader_tell (r);

  if (!parent->indefinite)
    return here == parent->end ? 1 : here < parent->end ? 0 : -1;
  if (parent->end - here < 2 || reader_fill (r, 2) < 2)
    return -1;
  if (r->buf[r->pos] != 0 || r->buf[r->pos + 1] != 0)
    return 0;
  r->pos += 2;
  return 1;
}

/* Moves past the element whose header @t was just read. */
static gboolean
skip_element (Reader *r, const Tlv *t, int depth)
{
  if (!t->indefinite)
    {
      reader_seek (r, t->end);
      return TRUE;
    }
  if (depth > INKAN_MAX_DEPTH)
    return FALSE;
  for (;;)
    {
      Tlv inner;
      int end = at_end (r, t);
      if (end != 0)
        return end == 1;
      if (!read_tlv (r, t->end, &inner) || !skip_element (r, &inner, depth + 1))
        return FALSE;
    }
}

/* Appends the whole element whose header @t was just read to @out, and
 * moves past it. */
static gboolean
copy_element (Reader *r, const Tlv *t, GByteArray *out)
{
  gint64 end;

  if (!skip_element (r, t, 0))
    return FALSE;
  end = reader_tell (r);
  if (end - t->start > (gint64) (SMALL_COPY_MAX - out->len))
    return FALSE;
  reader_seek (r, t->start);
  while (reader_tell (r) < end)
    {
      gssize n = reader_fill (r, MIN (READER_SIZE, (gsize) (end - reader_tell (r))));
      if (n <= 0)
        return FALSE;
      n = (gssize) MIN ((gint64) n, end - reader_tell (r));
      g_byte_array_append (out, r->buf + r->pos, (guint) n);
      r->pos += (gsize) n;
    }
  return TRUE;
}

/* A new buffer: a constructed header with a definite length, then @content. */
static GByteArray *
wrap (GByteArray *content, int tag, int xclass)
{
  int total = ASN1_object_size (1, (int) content->len, tag);
  GByteArray *out;
  unsigned char *q;

  if (total < 0)
    return NULL;
  out = g_byte_array_sized_new ((guint) total);
  g_byte_array_set_size (out, (guint) total - content->len);
  q = out->data;
  ASN1_put_object (&q, 1, (int) content->len, tag, xclass);
  g_assert (q == out->data + out->len);
  g_byte_array_append (out, content->data, content->len);
  return out;
}

/* ---------------------------------------------------------------- encryptedContent chunks */

/* The octets of the encryptedContent, [0] IMPLICIT OCTET STRING: one
 * primitive string, or a constructed one whose parts are primitive
 * OCTET STRINGs (X.690 §8.7.3; OpenSSL's streaming encoder writes them). */
typedef struct {
  Reader *r;
  Tlv outer;
  gint64 left;          /* octets left in the current chunk */
  gboolean started;     /* primitive: its one chunk was handed out */
  gboolean done;        /* the end of the content was reached */
} Chunks;

static void
chunks_start (Chunks *c, Reader *r, const Tlv *outer)
{
  c->r = r;
  c->outer = *outer;
  c->left = 0;
  c->started = c->done = FALSE;
  reader_seek (r, outer->content);
}

/* Goes to the next non-empty chunk: 1 (then c->left > 0), 0 at the end of
 * the content, -1 when a chunk is not a primitive OCTET STRING. */
static int
chunks_next (Chunks *c)
{
  if (c->done)
    return 0;
  if (!c->outer.constructed)
    {
      if (c->started)
        return 0;
      c->started = TRUE;
      c->left = c->outer.len;
      return c->left > 0;
    }
  for (;;)
    {
      Tlv chunk;
      int end = at_end (c->r, &c->outer);
      if (end != 0)
        {
          c->done = end == 1;
          return end == 1 ? 0 : -1;
        }
      if (!read_tlv (c->r, c->outer.end, &chunk) || chunk.indefinite
          || !tlv_is (&chunk, V_ASN1_UNIVERSAL, V_ASN1_OCTET_STRING, FALSE))
        return -1;
      if ((c->left = chunk.len) > 0)
        return 1;
    }
}

/* Checks every chunk header and moves past the content. */
static gboolean
chunks_check (Chunks *c)
{
  int more;

  while ((more = chunks_next (c)) == 1)
    {
      reader_seek (c->r, reader_tell (c->r) + c->left);
      c->left = 0;
    }
  return more == 0 && !c->r->io_error;
}

static int
content_bio_read (BIO *bio, char *buf, int len)
{
  Chunks *c = BIO_get_data (bio);
  int done = 0;

  while (done < len)
    {
      gssize n;
      if (c->left == 0)
        {
          int more = chunks_next (c);
          if (more < 0)
            return -1;
          if (more == 0)
            break;
        }
      n = reader_read (c->r, (unsigned char *) buf + done, (gsize) MIN ((gint64) (len - done), c->left));
      if (n <= 0)
        return -1;
      c->left -= n;
      done += (int) n;
    }
  return done;
}

static long
content_bio_ctrl (BIO *bio, int cmd, long num, void *ptr)
{
  (void) bio, (void) num, (void) ptr;
  return cmd == BIO_CTRL_FLUSH ? 1 : 0;
}

/* A read-only BIO yielding the encryptedContent octets of @c (not owned). */
static BIO *
content_bio_new (Chunks *c)
{
  static gsize once = 0;
  static BIO_METHOD *method;
  BIO *bio;

  if (g_once_init_enter (&once))
    {
      method = BIO_meth_new (BIO_get_new_index () | BIO_TYPE_SOURCE_SINK, "CMS encryptedContent");
      BIO_meth_set_read (method, content_bio_read);
      BIO_meth_set_ctrl (method, content_bio_ctrl);
      g_once_init_leave (&once, 1);
    }
  if ((bio = BIO_new (method)) == NULL)
    return NULL;
  BIO_set_data (bio, c);
  BIO_set_init (bio, 1);
  return bio;
}

/* ---------------------------------------------------------------- the walk */

typedef enum {
  WALK_OK,
  WALK_NOT_ENVELOPED,   /* a ContentInfo, but of another type */
  WALK_UNRECOGNISED,    /* a layout this walker does not take apart */
} WalkResult;

/* contentType of the ContentInfo (RFC 5652 §3), whose header @t was read:
 * its NID, and the element appended to @out. */
static int
read_content_type (Reader *r, const Tlv *t, GByteArray *out)
{
  g_autoptr (ASN1_OBJECT) oid = NULL;
  const unsigned char *p;
  guint at = out->len;

  if (!tlv_is (t, V_ASN1_UNIVERSAL, V_ASN1_OBJECT, FALSE) || t->len > 64 || !copy_element (r, t, out))
    return NID_undef;
  p = out->data + at;
  oid = d2i_ASN1_OBJECT (NULL, &p, (long) (out->len - at));
  return oid ? OBJ_obj2nid (oid) : NID_undef;
}

/* EncryptedContentInfo ::= SEQUENCE { contentType, contentEncryptionAlgorithm,
 * encryptedContent [0] IMPLICIT OCTET STRING OPTIONAL } (RFC 5652 §6.1;
 * RFC 5083 §2.1 uses the same type): @eci gets the first two fields,
 * @content the header of the third, whose chunks are all checked. */
static gboolean
walk_encrypted_content_info (Reader *r, const Tlv *seq, GByteArray *eci, Tlv *content)
{
  Tlv type, alg;
  Chunks chunks;

  if (!read_tlv (r, seq->end, &type) || !tlv_is (&type, V_ASN1_UNIVERSAL, V_ASN1_OBJECT, FALSE)
      || !copy_element (r, &type, eci)
      || !read_tlv (r, seq->end, &alg) || !tlv_is (&alg, V_ASN1_UNIVERSAL, V_ASN1_SEQUENCE, TRUE)
      || !copy_element (r, &alg, eci)
      || at_end (r, seq) != 0 /* no encryptedContent: nothing to stream */
      || !read_tlv (r, seq->end, content) || content->xclass != V_ASN1_CONTEXT_SPECIFIC || content->tag != 0)
    return FALSE;
  chunks_start (&chunks, r, content);
  return chunks_check (&chunks) && at_end (r, seq) == 1;
}

/* EnvelopedData (RFC 5652 §6.1) or AuthEnvelopedData (RFC 5083 §2.1), whose
 * header @env was read: into @fields go version, originatorInfo and
 * recipientInfos (before), the EncryptedContentInfo without its content,
 * then unprotectedAttrs, or authAttrs, mac and unauthAttrs (after).  Fields
 * other than the EncryptedContentInfo are copied as they are and left to
 * OpenSSL to judge. */
static gboolean
walk_enveloped (Reader *r, const Tlv *env, GByteArray *fields, Tlv *content)
{
  g_autoptr (GByteArray) eci = g_byte_array_new ();
  g_autoptr (GByteArray) wrapped = NULL;
  Tlv f;
  int end, before = 0;

  /* version, [0] originatorInfo OPTIONAL, recipientInfos: up to the first SEQUENCE */
  for (;;)
    {
      if (at_end (r, env) != 0 || !read_tlv (r, env->end, &f))
        return FALSE;
      if (tlv_is (&f, V_ASN1_UNIVERSAL, V_ASN1_SEQUENCE, TRUE))
        break;
      if (++before > 3 || !copy_element (r, &f, fields))
        return FALSE;
    }
  if (!walk_encrypted_content_info (r, &f, eci, content) || (wrapped = wrap (eci, V_ASN1_SEQUENCE, V_ASN1_UNIVERSAL)) == NULL)
    return FALSE;
  g_byte_array_append (fields, wrapped->data, wrapped->len);
  while ((end = at_end (r, env)) == 0)
    if (!read_tlv (r, env->end, &f) || !copy_element (r, &f, fields))
      return FALSE;
  return end == 1;
}

/* ContentInfo ::= SEQUENCE { contentType, content [0] EXPLICIT ANY }
 * (RFC 5652 §3).  On WALK_OK, @small is the ContentInfo without the
 * encryptedContent, and @content the header of that field. */
static WalkResult
walk (Reader *r, GByteArray **small, Tlv *content)
{
  g_autoptr (GByteArray) head = g_byte_array_new ();
  g_autoptr (GByteArray) fields = g_byte_array_new ();
  g_autoptr (GByteArray) env_der = NULL;
  g_autoptr (GByteArray) explicit_der = NULL;
  Tlv ci, type, explicit0, env;
  int nid;

  if (!read_tlv (r, r->size, &ci) || !tlv_is (&ci, V_ASN1_UNIVERSAL, V_ASN1_SEQUENCE, TRUE)
      || !read_tlv (r, ci.end, &type))
    return WALK_UNRECOGNISED;
  nid = read_content_type (r, &type, head);
  if (nid != NID_pkcs7_enveloped && nid != NID_id_smime_ct_authEnvelopedData)
    return nid == NID_undef ? WALK_UNRECOGNISED : WALK_NOT_ENVELOPED;
  if (!read_tlv (r, ci.end, &explicit0) || !tlv_is (&explicit0, V_ASN1_CONTEXT_SPECIFIC, 0, TRUE)
      || !read_tlv (r, explicit0.end, &env) || !tlv_is (&env, V_ASN1_UNIVERSAL, V_ASN1_SEQUENCE, TRUE)
      || !walk_enveloped (r, &env, fields, content)
      || at_end (r, &explicit0) != 1 || at_end (r, &ci) != 1
      || reader_tell (r) != r->size /* trailing data */
      || (env_der = wrap (fields, V_ASN1_SEQUENCE, V_ASN1_UNIVERSAL)) == NULL
      || (explicit_der = wrap (env_der, 0, V_ASN1_CONTEXT_SPECIFIC)) == NULL)
    return WALK_UNRECOGNISED;
  g_byte_array_append (head, explicit_der->data, explicit_der->len);
  *small = wrap (head, V_ASN1_SEQUENCE, V_ASN1_UNIVERSAL);
  return *small ? WALK_OK : WALK_UNRECOGNISED;
}

/* ---------------------------------------------------------------- decrypt */

/* Copies @from to its end into the spill @to, in large writes (a decoding
 * filter stream yields about 3 KiB a read).  A write error stays in the
 * spill (_inkan_spill_finish() reports it). */
static gboolean
spill_copy (GMimeStream *from, GMimeStream *to, GError **error)
{
  g_autofree char *buf = g_malloc (READER_SIZE);
  gsize len = 0;
  gboolean end = FALSE;

  while (!end)
    {
      ssize_t n = g_mime_stream_read (from, buf + len, READER_SIZE - len);
      if (n > 0)
        len += (gsize) n;
      else if (n == 0 || g_mime_stream_eos (from))
        end = TRUE;
      else
        {
          _inkan_set_error (error, INKAN_ERROR_IO, _("Cannot read the encrypted S/MIME part: %s."),
                            g_strerror (errno));
          return FALSE;
        }
      if ((len == READER_SIZE || (end && len > 0)) && g_mime_stream_write (to, buf, len) != (ssize_t) len)
        return TRUE;
      if (len == READER_SIZE)
        len = 0;
    }
  return TRUE;
}

/* What the walker did not take apart: parsed whole by OpenSSL, as before,
 * when it is small (it stayed in memory); refused when it is large. */
static gboolean
decrypt_whole (GMimeStream *data, const Reader *r, WalkResult res, InkanIdentity *identity,
               BIO *out, GError **error)
{
  g_autoptr (BIO) in = NULL;

  if (r->io_error)
    {
      _inkan_set_error (error, INKAN_ERROR_IO, _("Cannot read back a temporary file: %s."), g_strerror (errno));
      return FALSE;
    }
  if (!GMIME_IS_STREAM_MEM (data))
    {
      if (res == WALK_NOT_ENVELOPED)
        _inkan_set_error (error, INKAN_ERROR_NOT_SMIME,
                          _("The S/MIME part is not encrypted (CMS EnvelopedData or AuthEnvelopedData)."));
      else
        _inkan_set_error (error, INKAN_ERROR_CMS,
                          _("The S/MIME part is not a well-formed CMS EnvelopedData or AuthEnvelopedData (RFC 5652, RFC 5083); the message may be truncated or damaged. Nothing was decrypted."));
      return FALSE;
    }
  if (g_mime_stream_reset (data) != 0 || (in = _inkan_bio_new_gmime (data)) == NULL)
    {
      _inkan_set_error (error, INKAN_ERROR_FAILED, _("Out of memory."));
      return FALSE;
    }
  return _inkan_cms_decrypt_bio (in, identity, out, error);
}

/**
 * _inkan_cms_decrypt_stream:
 * @cms: the decoded CMS ContentInfo, read from its current position to its end
 * @identity: the recipient
 * @out: where the plaintext goes, as it is decrypted
 * @error: return location for a #GError
 *
 * _inkan_cms_decrypt_bio() in bounded memory: only the ContentInfo without
 * its encryptedContent (RFC 5652 §6.1, RFC 5083 §2.1) is parsed, and the
 * ciphertext is streamed from a spill into CMS_decrypt() as detached
 * content.  As there, @out must be dropped unless this returns %TRUE: with
 * AES-GCM, plaintext is written before the tag is checked at the end.
 *
 * Returns: %TRUE when the whole plaintext was written to @out.
 */
gboolean
_inkan_cms_decrypt_stream (GMimeStream *cms, InkanIdentity *identity, BIO *out, GError **error)
{
  g_autoptr (GMimeStream) spill = _inkan_spill_new ();
  g_autoptr (GMimeStream) data = NULL;
  g_autofree Reader *r = NULL;
  g_autoptr (GByteArray) small = NULL;
  g_autoptr (CMS_ContentInfo) parsed = NULL;
  g_autoptr (BIO) dcont = NULL;
  const unsigned char *p;
  Chunks chunks;
  Tlv content;
  WalkResult res;

  if (!spill_copy (cms, spill, error) || (data = _inkan_spill_finish (spill, error)) == NULL)
    return FALSE;
  r = g_new0 (Reader, 1);
  r->stream = data;
  r->size = g_mime_stream_length (data);
  res = r->size > 0 ? walk (r, &small, &content) : WALK_UNRECOGNISED;
  if (res == WALK_OK)
    {
      p = small->data;
      parsed = d2i_CMS_ContentInfo (NULL, &p, (long) small->len);
      if (parsed == NULL || p != small->data + small->len)
        res = WALK_UNRECOGNISED;
    }
  ERR_clear_error ();
  if (res != WALK_OK)
    return decrypt_whole (data, r, res, identity, out, error);
  chunks_start (&chunks, r, &content);
  if ((dcont = content_bio_new (&chunks)) == NULL)
    {
      _inkan_set_error (error, INKAN_ERROR_FAILED, _("Out of memory."));
      return FALSE;
    }
  return _inkan_cms_decrypt_parsed (parsed, dcont, identity, out, error);
}

/**
 * _inkan_cms_decrypt_content:
 * @cms: a parsed EnvelopedData or AuthEnvelopedData without encryptedContent
 * @key: the recipient's private key
 * @cert: the recipient's certificate (only its RecipientInfo is tried)
 * @dcont: the encryptedContent octets (see _inkan_cms_decrypt_stream())
 * @out: where the plaintext goes
 *
 * CMS_decrypt() with detached content, minus its output buffer: OpenSSL
 * 3.0 gathers the whole plaintext of AES-GCM in a memory BIO before
 * writing it out, so that nothing leaves before the tag is checked.  Here
 * the plaintext is written to @out as it comes, and the caller keeps the
 * same rule by dropping @out unless this returns %TRUE (RFC 5083 §2.2):
 * the cipher BIO's status is only good once the final block (CBC padding)
 * or the tag (GCM) has been checked at the end of the content.
 *
 * Returns: %TRUE when the content was decrypted whole and checked; the
 *   OpenSSL error queue says why not.
 */
gboolean
_inkan_cms_decrypt_content (CMS_ContentInfo *cms, EVP_PKEY *key, X509 *cert, BIO *dcont, BIO *out)
{
  g_autofree unsigned char *buf = NULL;
  BIO *chain, *next;
  gboolean ok = FALSE;
  int n;

  if (!CMS_decrypt_set1_pkey (cms, key, cert) || (chain = CMS_dataInit (cms, dcont)) == NULL)
    return FALSE;
  buf = g_malloc (READER_SIZE);
  while ((n = BIO_read (chain, buf, (int) READER_SIZE)) > 0)
    if (BIO_write (out, buf, n) != n)
      break;
  ok = n == 0 && BIO_method_type (chain) == BIO_TYPE_CIPHER && BIO_get_cipher_status (chain) > 0;
  /* Free what CMS_dataInit() put above @dcont, not @dcont itself. */
  while (chain != NULL && chain != dcont)
    {
      next = BIO_pop (chain);
      BIO_free (chain);
      chain = next;
    }
  return ok;
}
