/* Large messages in bounded memory: messages parsed in place from their
 * file, MIME entities streamed into CMS, copies spilled to a temporary file.
 * See core/stream.h for the parts and docs/performance.md for the figures.
 */
#include "stream.h"
#include <errno.h>
#include <fcntl.h>
#include <limits.h>
#include <string.h>
#include <unistd.h>
#include <sys/stat.h>
#include <openssl/asn1.h>
#include <openssl/err.h>
#include <openssl/objects.h>

/* ---------------------------------------------------------------- canonical form */

/**
 * _inkan_crlf_convert:
 * @after_cr: in: whether the byte before @in (the end of the previous call's
 *   input) was CR; out: whether the last byte of @in was
 * @in: bytes of an entity serialised with LF line ends
 * @len: their length
 * @out: room for 2 × @len bytes
 *
 * The canonical form of RFC 8551 §3.1.1 (RFC 5652 §5.1 hashes exactly these
 * bytes): every LF not preceded by CR becomes CRLF; CR, CRLF and every
 * other byte are kept.  This is byte for byte GMime's unix2dos filter (without
 * ensure_newline), over memchr() instead of one byte at a time; call it
 * on consecutive pieces of the input with the same @after_cr.
 *
 * Returns: the number of bytes written to @out.
 */
gsize
_inkan_crlf_convert (gboolean *after_cr, const char *in, gsize len, char *out)
{
  const char *end = in + len;
  char *o = out;
  gboolean cr = *after_cr;

  while (in < end)
    {
      const char *lf = memchr (in, '\n', (size_t) (end - in));
      gsize n = (gsize) ((lf ? lf : end) - in);

      memcpy (o, in, n);
      o += n;
      if (n > 0)
        cr = in[n - 1] == '\r';
      if (lf == NULL)
        break;
      if (!cr)
        *o++ = '\r';
      *o++ = '\n';
      cr = FALSE;
      in = lf + 1;
    }
  *after_cr = cr;
  return (gsize) (o - out);
}

/* ---------------------------------------------------------------- sink stream */

/* Bytes a sink collects before it hands them on: GMime writes in pieces of
 * a line or 4 KiB, too small for a system call or a BIO_write each. */
#define SINK_BUFFER ((gsize) 64 << 10)

/* A write-only GMimeStream: into a BIO, another stream, or a spill (memory,
 * then a file); buffered, optionally in canonical form, optionally also
 * copying what it is given, as it is, into a second stream (a tee). */
typedef struct {
  GMimeStream parent;
  BIO *bio;            /* not owned; the target, or NULL */
  GMimeStream *out;    /* the target stream, or NULL */
  GMimeStream *mem;    /* spill: memory part */
  GMimeStream *file;   /* spill: the temporary file, once past the threshold */
  GMimeStream *tee;    /* also gets every byte as written, or NULL */
  gboolean canonical;  /* RFC 8551 §3.1.1 line ends on the way out */
  gboolean after_cr;   /* canonical: the last byte given was CR */
  char *buf;           /* SINK_BUFFER bytes not handed on yet */
  gsize len;
  GError *error;       /* the first write error */
  int errnum;          /* its errno, for a target stream */
} InkanSink;

typedef struct {
  GMimeStreamClass parent_class;
} InkanSinkClass;

static GType inkan_sink_get_type (void);
G_DEFINE_TYPE (InkanSink, inkan_sink, GMIME_TYPE_STREAM)

static void
inkan_sink_init (InkanSink *self)
{
  self->buf = g_malloc (SINK_BUFFER);
}

static void
sink_finalize (GObject *object)
{
  InkanSink *self = (InkanSink *) object;

  g_clear_object (&self->out);
  g_clear_object (&self->mem);
  g_clear_object (&self->file);
  g_clear_object (&self->tee);
  g_clear_error (&self->error);
  g_free (self->buf);
  G_OBJECT_CLASS (inkan_sink_parent_class)->finalize (object);
}

/* An unlinked temporary file, mode 0600, in $TMPDIR (or /tmp). */
static GMimeStream *
temp_stream (GError **error)
{
  g_autofree char *name = NULL;
  g_autoptr (GError) local = NULL;
  int fd = g_file_open_tmp ("inkan-XXXXXX", &name, &local);

  if (fd < 0)
    {
      _inkan_set_error (error, INKAN_ERROR_IO, _("Cannot create a temporary file for a large message: %s."),
                        local->message);
      return NULL;
    }
  unlink (name);
  fcntl (fd, F_SETFD, FD_CLOEXEC);
  return g_mime_stream_fs_new (fd);
}

static gboolean
write_all (GMimeStream *stream, const char *buf, size_t len)
{
  while (len > 0)
    {
      ssize_t n = g_mime_stream_write (stream, buf, len);
      if (n <= 0)
        return FALSE;
      buf += n;
      len -= (size_t) n;
    }
  return TRUE;
}

static gboolean
deliver_bio (InkanSink *self, const char *buf, size_t len)
{
  while (len > 0)
    {
      int n = BIO_write (self->bio, buf, (int) MIN (len, (size_t) INT_MAX));
      if (n <= 0)
        {
          _inkan_set_error (&self->error, INKAN_ERROR_FAILED, "BIO_write failed");
          return FALSE;
        }
      buf += n;
      len -= (size_t) n;
    }
  return TRUE;
}

static gboolean
deliver_spill (InkanSink *self, const char *buf, size_t len)
{
  if (self->file == NULL
      && GMIME_STREAM_MEM (self->mem)->buffer->len + len > INKAN_SPILL_THRESHOLD)
    {
      GByteArray *arr = GMIME_STREAM_MEM (self->mem)->buffer;
      if ((self->file = temp_stream (&self->error)) == NULL)
        return FALSE;
      if (!write_all (self->file, (const char *) arr->data, arr->len))
        goto io_error;
      g_clear_object (&self->mem);
    }
  if (!write_all (self->file ? self->file : self->mem, buf, len))
    goto io_error;
  return TRUE;

io_error:
  _inkan_set_error (&self->error, INKAN_ERROR_IO, _("Cannot write a temporary file for a large message: %s."),
                    g_strerror (errno));
  return FALSE;
}

/* Hands @len bytes on to the target. */
static gboolean
deliver (InkanSink *self, const char *buf, size_t len)
{
  if (self->bio)
    return deliver_bio (self, buf, len);
  if (self->out)
    {
      if (write_all (self->out, buf, len))
        return TRUE;
      self->errnum = errno;
      _inkan_set_error (&self->error, INKAN_ERROR_IO, "%s", g_strerror (self->errnum));
      return FALSE;
    }
  return deliver_spill (self, buf, len);
}

/* Hands the buffered bytes on. */
static gboolean
sink_drain (InkanSink *self)
{
  gsize len = self->len;

  self->len = 0;
  return self->error == NULL && (len == 0 || deliver (self, self->buf, len));
}

/* Buffers @len bytes as they are. */
static gboolean
put_plain (InkanSink *self, const char *buf, size_t len)
{
  if (self->len == 0 && len >= SINK_BUFFER)
    return deliver (self, buf, len);
  while (len > 0)
    {
      gsize n = MIN (len, SINK_BUFFER - self->len);
      memcpy (self->buf + self->len, buf, n);
      self->len += n;
      buf += n;
      len -= n;
      if (self->len == SINK_BUFFER && !sink_drain (self))
        return FALSE;
    }
  return TRUE;
}

/* Buffers the canonical form of @len bytes (each may grow to two). */
static gboolean
put_canonical (InkanSink *self, const char *buf, size_t len)
{
  while (len > 0)
    {
      gsize n = MIN (len, (SINK_BUFFER - self->len) / 2);
      if (n == 0)
        {
          if (!sink_drain (self))
            return FALSE;
          continue;
        }
      self->len += _inkan_crlf_convert (&self->after_cr, buf, n, self->buf + self->len);
      buf += n;
      len -= n;
    }
  return TRUE;
}

static ssize_t
sink_write (GMimeStream *stream, const char *buf, size_t len)
{
  InkanSink *self = (InkanSink *) stream;

  if (self->error)
    return -1;
  if (self->tee && g_mime_stream_write (self->tee, buf, len) != (ssize_t) len)
    {
      _inkan_set_error (&self->error, INKAN_ERROR_IO, "%s", g_strerror (errno));
      return -1;
    }
  if (!(self->canonical ? put_canonical (self, buf, len) : put_plain (self, buf, len)))
    return -1;
  stream->position += len;
  return (ssize_t) len;
}

/* Hands on what is buffered (to the tee too), but does not flush a BIO
 * target: GMime flushes after every part, and flushing a CMS data BIO
 * chain ends it (its owner flushes it once, at the end). */
static int
sink_flush (GMimeStream *stream)
{
  InkanSink *self = (InkanSink *) stream;

  if (!sink_drain (self))
    return -1;
  if (self->tee && g_mime_stream_flush (self->tee) != 0)
    return -1;
  if (self->out)
    return g_mime_stream_flush (self->out);
  return 0;
}

static ssize_t
sink_read (GMimeStream *stream, char *buf, size_t len)
{
  (void) stream, (void) buf, (void) len;
  return -1;
}

static int
sink_close (GMimeStream *stream)
{
  (void) stream;
  return 0;
}

static gboolean
sink_eos (GMimeStream *stream)
{
  (void) stream;
  return TRUE;
}

static int
sink_reset (GMimeStream *stream)
{
  (void) stream;
  return -1;
}

static gint64
sink_seek (GMimeStream *stream, gint64 offset, GMimeSeekWhence whence)
{
  (void) stream, (void) offset, (void) whence;
  return -1;
}

static gint64
sink_tell (GMimeStream *stream)
{
  return stream->position;
}

static gint64
sink_length (GMimeStream *stream)
{
  (void) stream;
  return -1;
}

static GMimeStream *
sink_substream (GMimeStream *stream, gint64 start, gint64 end)
{
  (void) stream, (void) start, (void) end;
  return NULL;
}

static void
inkan_sink_class_init (InkanSinkClass *klass)
{
  GMimeStreamClass *sc = GMIME_STREAM_CLASS (klass);

  G_OBJECT_CLASS (klass)->finalize = sink_finalize;
  sc->read = sink_read;
  sc->write = sink_write;
  sc->flush = sink_flush;
  sc->close = sink_close;
  sc->eos = sink_eos;
  sc->reset = sink_reset;
  sc->seek = sink_seek;
  sc->tell = sink_tell;
  sc->length = sink_length;
  sc->substream = sink_substream;
}

/* A sink into @bio (not owned), into @out (a reference is taken), or, when
 * both are NULL, a spill. */
static GMimeStream *
sink_new (BIO *bio, GMimeStream *out, gboolean canonical)
{
  InkanSink *self = g_object_new (inkan_sink_get_type (), NULL);

  g_mime_stream_construct (GMIME_STREAM (self), 0, -1);
  self->bio = bio;
  self->out = out ? g_object_ref (out) : NULL;
  self->canonical = canonical;
  if (bio == NULL && out == NULL)
    self->mem = g_mime_stream_mem_new ();
  return GMIME_STREAM (self);
}

GMimeStream *
_inkan_spill_new (void)
{
  return sink_new (NULL, NULL, FALSE);
}

GMimeStream *
_inkan_spill_finish (GMimeStream *spill, GError **error)
{
  InkanSink *self = (InkanSink *) spill;
  GMimeStream *out;

  sink_drain (self);
  if (self->error)
    {
      g_propagate_error (error, g_steal_pointer (&self->error));
      return NULL;
    }
  out = self->file ? g_steal_pointer (&self->file) : g_steal_pointer (&self->mem);
  self->error = g_error_new_literal (INKAN_ERROR, INKAN_ERROR_FAILED, "spill already finished");
  /* No flush: a spill's file stream has no buffer of its own, and the
   * flush of GMimeStreamFs is an fsync(2), for an unlinked file that no
   * one else will read (0.1-0.25 s per 256 MiB). */
  if (g_mime_stream_reset (out) != 0)
    {
      _inkan_set_error (error, INKAN_ERROR_IO, _("Cannot read back a temporary file: %s."), g_strerror (errno));
      g_object_unref (out);
      return NULL;
    }
  return out;
}

/* Writes @entity with LF line ends (GMime's serialisation) into @sink and
 * hands everything on. */
static gboolean
write_entity (GMimeObject *entity, GMimeStream *sink)
{
  GMimeFormatOptions *opts = g_mime_format_options_new ();
  gboolean ok;

  g_mime_format_options_set_newline_format (opts, GMIME_NEWLINE_FORMAT_UNIX);
  ok = g_mime_object_write_to_stream (entity, opts, sink) != -1 && g_mime_stream_flush (sink) == 0;
  g_mime_format_options_free (opts);
  return ok;
}

gboolean
_inkan_write_canonical (BIO *bio, gpointer entity)
{
  g_autoptr (GMimeStream) sink = sink_new (bio, NULL, TRUE);

  return write_entity (entity, sink);
}

gboolean
_inkan_write_canonical_tee (BIO *bio, gpointer tee)
{
  InkanEntityTee *t = tee;
  g_autoptr (GMimeStream) sink = sink_new (bio, NULL, TRUE);

  if (t->copy)
    ((InkanSink *) sink)->tee = g_object_ref (t->copy);
  return write_entity (t->entity, sink);
}

/* ---------------------------------------------------------------- BIO over a GMimeStream */

static int
gbio_write (BIO *bio, const char *buf, int len)
{
  ssize_t n = g_mime_stream_write (BIO_get_data (bio), buf, (size_t) len);

  return n < 0 ? -1 : (int) n;
}

static int
gbio_read (BIO *bio, char *buf, int len)
{
  GMimeStream *stream = BIO_get_data (bio);
  ssize_t n = g_mime_stream_read (stream, buf, (size_t) len);

  if (n > 0)
    return (int) n;
  /* GMime's bounded streams say -1 at their end. */
  return n == 0 || g_mime_stream_eos (stream) ? 0 : -1;
}

static long
gbio_ctrl (BIO *bio, int cmd, long num, void *ptr)
{
  (void) num, (void) ptr;
  switch (cmd)
    {
    case BIO_CTRL_FLUSH:
      return g_mime_stream_flush (BIO_get_data (bio)) == 0 ? 1 : 0;
    case BIO_CTRL_EOF:
      return g_mime_stream_eos (BIO_get_data (bio)) ? 1 : 0;
    default:
      return 0;
    }
}

static int
gbio_destroy (BIO *bio)
{
  if (BIO_get_data (bio))
    g_object_unref (BIO_get_data (bio));
  BIO_set_data (bio, NULL);
  return 1;
}

static BIO_METHOD *
gbio_method (void)
{
  static gsize once = 0;
  static BIO_METHOD *method;

  if (g_once_init_enter (&once))
    {
      method = BIO_meth_new (BIO_get_new_index () | BIO_TYPE_SOURCE_SINK, "GMime stream");
      BIO_meth_set_write (method, gbio_write);
      BIO_meth_set_read (method, gbio_read);
      BIO_meth_set_ctrl (method, gbio_ctrl);
      BIO_meth_set_destroy (method, gbio_destroy);
      g_once_init_leave (&once, 1);
    }
  return method;
}

BIO *
_inkan_bio_new_gmime (GMimeStream *stream)
{
  BIO *bio = BIO_new (gbio_method ());

  if (bio == NULL)
    return NULL;
  BIO_set_data (bio, g_object_ref (stream));
  BIO_set_init (bio, 1);
  return bio;
}

/* ---------------------------------------------------------------- entities and parts */

GMimeObject *
_inkan_entity_parse_stream (GMimeStream *stream)
{
  g_autoptr (GMimeParser) parser = g_mime_parser_new_with_stream (stream);

  g_mime_parser_set_persist_stream (parser, TRUE);
  g_mime_parser_set_format (parser, GMIME_FORMAT_MESSAGE);
  return g_mime_parser_construct_part (parser, NULL);
}

GMimeObject *
_inkan_entity_parse_spill (GMimeStream *spill, GError **error)
{
  g_autoptr (GMimeStream) data = _inkan_spill_finish (spill, error);
  GMimeObject *copy;

  if (data == NULL)
    return NULL;
  copy = _inkan_entity_parse_stream (data);
  if (copy == NULL)
    _inkan_set_error (error, INKAN_ERROR_MESSAGE, _("The signed or decrypted content is not a MIME entity."));
  return copy;
}

GMimeObject *
_inkan_entity_copy (GMimeObject *entity, gboolean canonical, GError **error)
{
  g_autoptr (GMimeStream) spill = sink_new (NULL, NULL, canonical);

  write_entity (entity, spill);
  return _inkan_entity_parse_spill (spill, error);
}

/* ---------------------------------------------------------------- working copies */

/* Longest line of a 7bit part taken as it is: g_mime_object_encode() makes
 * a part with lines longer than 998 bytes (RFC 5322 §2.1.1), CR counted or
 * not, quoted-printable. */
#define STABLE_MAX_LINE 900

/* Scan state of a leaf's raw content (see leaf_is_stable()). */
typedef struct {
  gboolean text;  /* a 7bit (or unlabelled) part: 7-bit rules too */
  guint col;      /* bytes since the last LF */
  guint from;     /* bytes of "From " matched at the start of the line */
} StableScan;

static gboolean
scan_text (StableScan *s, const guchar *p, gsize len)
{
  for (gsize i = 0; i < len; i++)
    {
      if (p[i] == '\n')
        {
          s->col = s->from = 0;
          continue;
        }
      if (p[i] == '\0' || p[i] == '\r' || p[i] >= 0x80 || ++s->col > STABLE_MAX_LINE)
        return FALSE;
      if (s->from == s->col - 1 && s->from < 5 && p[i] == (guchar) "From "[s->from] && ++s->from == 5)
        return FALSE;
    }
  return TRUE;
}

/* Whether @part's content goes through a canonical copy unchanged: it is
 * written as it is stored (no transfer encoding to apply), has no CR (so
 * GMime's LF output is the stored bytes, and their CRLF form reads back
 * as them), and g_mime_object_encode() does not change it: base64,
 * quoted-printable or uuencode, or 7-bit text with short lines and no
 * "From " line. */
static gboolean
leaf_is_stable (GMimePart *part)
{
  GMimeDataWrapper *content = g_mime_part_get_content (part);
  GMimeContentEncoding encoding = g_mime_part_get_content_encoding (part);
  StableScan scan = { .text = encoding == GMIME_CONTENT_ENCODING_DEFAULT
                              || encoding == GMIME_CONTENT_ENCODING_7BIT };
  g_autofree guchar *buf = NULL;
  GMimeStream *raw;
  gboolean ok = TRUE;
  ssize_t n;

  if (content == NULL || g_mime_data_wrapper_get_encoding (content) != encoding
      || (raw = g_mime_data_wrapper_get_stream (content)) == NULL)
    return FALSE;
  if (!scan.text && encoding != GMIME_CONTENT_ENCODING_BASE64
      && encoding != GMIME_CONTENT_ENCODING_QUOTEDPRINTABLE && encoding != GMIME_CONTENT_ENCODING_UUENCODE)
    return FALSE;
  buf = g_malloc (SINK_BUFFER);
  if (g_mime_stream_reset (raw) != 0)
    return FALSE;
  while (ok && (n = g_mime_stream_read (raw, (char *) buf, SINK_BUFFER)) > 0)
    ok = scan.text ? scan_text (&scan, buf, (gsize) n) : memchr (buf, '\r', (size_t) n) == NULL;
  return g_mime_stream_reset (raw) == 0 && ok;
}

static gboolean
headers_have_cr (GMimeObject *obj)
{
  GMimeHeaderList *headers = g_mime_object_get_header_list (obj);

  for (int i = 0; i < g_mime_header_list_get_count (headers); i++)
    {
      const char *raw = g_mime_header_get_raw_value (g_mime_header_list_get_header_at (headers, i));
      if (raw && strchr (raw, '\r'))
        return TRUE;
    }
  return FALSE;
}

/* Whether _inkan_entity_copy (@obj, TRUE) followed by
 * g_mime_object_encode() serialises to the bytes @obj does after
 * g_mime_object_encode(): multiparts (with their boundary and their end
 * boundary, and no CR in headers, prologue or epilogue) and stable leaves
 * only; a message/rfc822 part is always copied.  (A multipart without its
 * end boundary gains a line end each time GMime writes and parses it.) */
static gboolean
entity_is_stable (GMimeObject *obj, GPtrArray *unlabelled)
{
  if (headers_have_cr (obj))
    return FALSE;
  if (GMIME_IS_MULTIPART (obj))
    {
      GMimeMultipart *mp = GMIME_MULTIPART (obj);
      const char *prologue = g_mime_multipart_get_prologue (mp);
      const char *epilogue = g_mime_multipart_get_epilogue (mp);

      /* write_end_boundary: whether the parser met the end boundary
       * (GMime 3 has no accessor for it). */
      if (g_mime_object_get_content_type_parameter (obj, "boundary") == NULL || !mp->write_end_boundary
          || (prologue && strchr (prologue, '\r')) || (epilogue && strchr (epilogue, '\r')))
        return FALSE;
      for (int i = 0; i < g_mime_multipart_get_count (mp); i++)
        if (!entity_is_stable (g_mime_multipart_get_part (mp, i), unlabelled))
          return FALSE;
      return TRUE;
    }
  if (!GMIME_IS_PART (obj) || !leaf_is_stable (GMIME_PART (obj)))
    return FALSE;
  if (g_mime_part_get_content_encoding (GMIME_PART (obj)) == GMIME_CONTENT_ENCODING_DEFAULT)
    g_ptr_array_add (unlabelled, g_object_ref (obj));
  return TRUE;
}

/* Undoes what g_mime_object_encode() does to a part without
 * Content-Transfer-Encoding: it labels it 7bit. */
static void
unlabel_part (gpointer part)
{
  if (g_mime_part_get_content_encoding (part) != GMIME_CONTENT_ENCODING_DEFAULT)
    g_mime_part_set_content_encoding (part, GMIME_CONTENT_ENCODING_DEFAULT);
  g_object_unref (part);
}

/**
 * _inkan_entity_working_copy:
 * @entity: the body about to be signed or encrypted
 * @undo: (out): %NULL for a copy; else what g_mime_object_encode() may
 *   change in @entity, changed back when the array is freed
 * @error: return location for the errors of _inkan_entity_copy()
 *
 * What is signed is the canonical form of the entity (RFC 8551 §3.1.1),
 * encoded for 7-bit transport (§3.1.2, §3.1.3), and a failure must leave
 * the message as it was.  A canonical copy does both; when it would
 * serialise to the very bytes @entity does (entity_is_stable()), @entity
 * itself is used and the copy, a pass and a parse over the content, saved.
 *
 * Returns: (transfer full): the entity to work on, or %NULL.
 */
GMimeObject *
_inkan_entity_working_copy (GMimeObject *entity, GPtrArray **undo, GError **error)
{
  g_autoptr (GPtrArray) unlabelled = g_ptr_array_new_with_free_func (g_object_unref);

  *undo = NULL;
  if (!entity_is_stable (entity, unlabelled))
    return _inkan_entity_copy (entity, TRUE, error);
  g_ptr_array_set_free_func (unlabelled, unlabel_part);
  *undo = g_steal_pointer (&unlabelled);
  return g_object_ref (entity);
}

/* Keeps what g_mime_object_encode() changed (on success). */
void
_inkan_entity_keep (GPtrArray *undo)
{
  if (undo)
    g_ptr_array_set_free_func (undo, g_object_unref);
}

GMimeStream *
_inkan_part_decoded_stream (GMimePart *part)
{
  GMimeDataWrapper *content = g_mime_part_get_content (part);
  GMimeStream *raw, *sub = NULL;
  GMimeContentEncoding encoding;

  if (content == NULL || (raw = g_mime_data_wrapper_get_stream (content)) == NULL)
    return g_mime_stream_mem_new ();
  sub = g_mime_stream_substream (raw, raw->bound_start, raw->bound_end);
  if (sub == NULL)
    {
      /* A stream without substreams: decode into memory. */
      GMimeStream *mem = g_mime_stream_mem_new ();
      g_mime_data_wrapper_write_to_stream (content, mem);
      g_mime_stream_reset (mem);
      return mem;
    }
  encoding = g_mime_data_wrapper_get_encoding (content);
  if (encoding == GMIME_CONTENT_ENCODING_BASE64 || encoding == GMIME_CONTENT_ENCODING_QUOTEDPRINTABLE
      || encoding == GMIME_CONTENT_ENCODING_UUENCODE)
    {
      GMimeStream *filtered = g_mime_stream_filter_new (sub);
      g_autoptr (GMimeFilter) decoder = g_mime_filter_basic_new (encoding, FALSE);
      g_mime_stream_filter_add (GMIME_STREAM_FILTER (filtered), decoder);
      g_object_unref (sub);
      return filtered;
    }
  return sub;
}

/* ContentInfo ::= SEQUENCE { contentType OBJECT IDENTIFIER, ... } (RFC 5652
 * §3): the OID is in the first few bytes, so the (possibly huge) CMS is
 * neither decoded whole nor parsed to tell what it is. */
int
_inkan_part_cms_content_type (GMimePart *part)
{
  g_autoptr (GMimeStream) stream = _inkan_part_decoded_stream (part);
  unsigned char buf[64];
  const unsigned char *p = buf;
  size_t got = 0;
  long len;
  int tag, xclass, ret, nid = NID_undef;
  ASN1_OBJECT *oid;

  while (got < sizeof buf)
    {
      ssize_t n = g_mime_stream_read (stream, (char *) buf + got, sizeof buf - got);
      if (n <= 0)
        break;
      got += (size_t) n;
    }
  ret = ASN1_get_object (&p, &len, &tag, &xclass, (long) got);
  /* 0x80 alone is a broken header; with the header read, 0x80 only says
   * that the rest is longer than these bytes. */
  if (ret != 0x80 && (ret & V_ASN1_CONSTRUCTED) && tag == V_ASN1_SEQUENCE && xclass == V_ASN1_UNIVERSAL
      && (oid = d2i_ASN1_OBJECT (NULL, &p, (long) got - (p - buf))) != NULL)
    {
      nid = OBJ_obj2nid (oid);
      ASN1_OBJECT_free (oid);
    }
  ERR_clear_error ();
  return nid;
}

/* ---------------------------------------------------------------- messages */

static GMimeMessage *
parse_message (GMimeStream *stream, GError **error)
{
  g_autoptr (GMimeParser) parser = g_mime_parser_new_with_stream (stream);
  GMimeMessage *msg;

  g_mime_parser_set_persist_stream (parser, TRUE);
  g_mime_parser_set_format (parser, GMIME_FORMAT_MESSAGE);
  msg = g_mime_parser_construct_message (parser, NULL);
  if (msg == NULL || g_mime_message_get_mime_part (msg) == NULL)
    {
      g_clear_object (&msg);
      _inkan_set_error (error, INKAN_ERROR_MESSAGE,
                        _("The input is not an RFC 5322 mail message (no header or no body was found)."));
    }
  return msg;
}

/**
 * inkan_message_load_fd:
 * @fd: a file descriptor open for reading (not closed)
 * @error: return location for #INKAN_ERROR_IO or #INKAN_ERROR_MESSAGE
 *
 * Parses one RFC 5322 message from @fd in bounded memory.  A regular file
 * of up to a few MiB is read into memory; a larger one is parsed in place
 * from its current offset, and the message reads its content from it when
 * needed (a duplicate of @fd stays open until the message is freed).  A pipe or terminal is read to its end, into memory
 * up to a few MiB and into an unlinked 0600 temporary file beyond.
 *
 * Returns: (transfer full): the parsed message, or %NULL.
 */
/* The rest of the regular file @fd, @size bytes by fstat(), in memory;
 * %NULL when it does not read as that (it changed size, or a read failed):
 * the caller then parses it in place. */
static GMimeStream *
read_small_file (int fd, gsize size)
{
  GByteArray *data = g_byte_array_sized_new ((guint) size + 1);
  off_t start = lseek (fd, 0, SEEK_CUR);
  gsize got = 0;

  if (start < 0 || (gsize) start > size)
    goto fail;
  size -= (gsize) start;
  g_byte_array_set_size (data, (guint) size + 1);
  /* One byte more than expected: a file that grew is not cut short. */
  while (got <= size)
    {
      ssize_t n = read (fd, data->data + got, size + 1 - got);
      if (n < 0 && errno == EINTR)
        continue;
      if (n <= 0)
        break;
      got += (gsize) n;
    }
  if (got != size)
    goto fail;
  g_byte_array_set_size (data, (guint) size);
  return g_mime_stream_mem_new_with_byte_array (data);

fail:
  g_byte_array_unref (data);
  if (start >= 0)
    (void) lseek (fd, start, SEEK_SET);
  return NULL;
}

GMimeMessage *
inkan_message_load_fd (int fd, GError **error)
{
  g_autoptr (GMimeStream) stream = NULL;
  struct stat st;
  gboolean regular = fstat (fd, &st) == 0 && S_ISREG (st.st_mode);

  if (regular && (gsize) st.st_size <= INKAN_SPILL_THRESHOLD
      && (stream = read_small_file (fd, (gsize) st.st_size)) != NULL)
    ; /* parsed from memory: one read instead of a seek and a read per access */
  else if (regular)
    {
      int copy = fcntl (fd, F_DUPFD_CLOEXEC, 0);
      if (copy < 0)
        {
          _inkan_set_error (error, INKAN_ERROR_IO, _("Cannot read the message: %s."), g_strerror (errno));
          return NULL;
        }
      stream = g_mime_stream_fs_new (copy);
    }
  else
    {
      g_autoptr (GMimeStream) spill = _inkan_spill_new ();
      char buf[65536];
      ssize_t n;

      while ((n = read (fd, buf, sizeof buf)) != 0)
        {
          if (n < 0 && errno == EINTR)
            continue;
          if (n < 0)
            {
              _inkan_set_error (error, INKAN_ERROR_IO, _("Cannot read the message: %s."), g_strerror (errno));
              return NULL;
            }
          if (g_mime_stream_write (spill, buf, (size_t) n) != n)
            break;
        }
      if ((stream = _inkan_spill_finish (spill, error)) == NULL)
        return NULL;
    }
  return parse_message (stream, error);
}

/* inkan_message_load() (core/message.c) in bounded memory. */
GMimeMessage *
_inkan_message_load_file (const char *path, goffset max_size, GError **error)
{
  int fd = open (path, O_RDONLY | O_CLOEXEC);
  struct stat st;
  GMimeMessage *msg = NULL;

  if (fd < 0)
    {
      _inkan_set_error (error, INKAN_ERROR_IO, _("Cannot read the message “%s”: %s."), path, g_strerror (errno));
      return NULL;
    }
  if (max_size > 0 && fstat (fd, &st) == 0 && st.st_size > max_size)
    _inkan_set_error (error, INKAN_ERROR_MESSAGE, _("The file is too large to be a mail message."));
  else
    msg = inkan_message_load_fd (fd, error);
  close (fd);
  if (msg == NULL && error && *error && (*error)->code == INKAN_ERROR_IO)
    g_prefix_error (error, "“%s”: ", path);
  return msg;
}

/**
 * inkan_message_write:
 * @message: a message
 * @stream: where to write it
 * @error: return location for #INKAN_ERROR_IO
 *
 * Writes @message with LF line ends (as inkan_message_to_bytes() does) in
 * bounded memory: content kept in a file is copied from there.
 *
 * Returns: %TRUE on success.
 */
gboolean
inkan_message_write (GMimeMessage *message, GMimeStream *stream, GError **error)
{
  g_autoptr (GMimeStream) buffered = sink_new (NULL, stream, FALSE);
  InkanSink *sink = (InkanSink *) buffered;
  int saved;

  if (write_entity (GMIME_OBJECT (message), buffered))
    return TRUE;
  saved = sink->errnum ? sink->errnum : errno;
  _inkan_set_error (error, INKAN_ERROR_IO, _("Cannot write the message: %s."), g_strerror (saved));
  errno = saved;
  return FALSE;
}

/**
 * inkan_message_write_file:
 * @message: a message
 * @path: the file to write
 * @mode: permission bits for a new file (0600 for decrypted mail)
 * @force: replace an existing file (see inkan_file_write_atomic())
 * @error: return location for #INKAN_ERROR_IO or #INKAN_ERROR_EXISTS
 *
 * inkan_message_write() into @path with the guarantees of
 * inkan_file_write_atomic(): a temporary file in the same directory,
 * fsync(2), then rename(2) (or link(2) without @force); a failure leaves no
 * partial file.
 *
 * Returns: %TRUE on success.
 */
gboolean
inkan_message_write_file (GMimeMessage *message, const char *path, int mode,
                          gboolean force, GError **error)
{
  g_autofree char *tmp = g_strdup_printf ("%s.XXXXXX", path);
  g_autoptr (GMimeStream) out = NULL;
  struct stat st;
  int fd, saved;

  if (lstat (path, &st) == 0 && !S_ISREG (st.st_mode))
    {
      _inkan_set_error (error, INKAN_ERROR_IO, _("“%s” is not a regular file; nothing was written."), path);
      return FALSE;
    }
  if ((fd = g_mkstemp_full (tmp, O_WRONLY | O_CLOEXEC, mode)) < 0)
    {
      _inkan_set_error (error, INKAN_ERROR_IO, _("Cannot create “%s”: %s."), path, g_strerror (errno));
      return FALSE;
    }
  /* A pipe stream, not GMimeStreamFs: the flush of GMimeStreamFs is an
   * fsync(2) of its own, and the one below is the one that counts. */
  out = g_mime_stream_pipe_new (fd);
  g_mime_stream_pipe_set_owner (GMIME_STREAM_PIPE (out), FALSE);
  if (!inkan_message_write (message, out, NULL) || fsync (fd) != 0)
    goto fail;
  g_clear_object (&out);
  if (close (fd) != 0)
    {
      fd = -1;
      goto fail;
    }
  fd = -1;
  if (force ? rename (tmp, path) != 0 : link (tmp, path) != 0)
    goto fail;
  if (!force)
    unlink (tmp);
  return TRUE;

fail:
  saved = errno;
  g_clear_object (&out);
  if (fd >= 0)
    close (fd);
  unlink (tmp);
  if (saved == EEXIST && !force)
    _inkan_set_error (error, INKAN_ERROR_EXISTS, _("“%s” already exists; nothing was changed (use --force to replace it)."), path);
  else
    _inkan_set_error (error, INKAN_ERROR_IO, _("Cannot write “%s”: %s; nothing was written."), path, g_strerror (saved));
  return FALSE;
}

/* ---------------------------------------------------------------- decrypt */

/* Decrypts the CMS in @part for @identity in bounded memory (the ciphertext
 * is streamed: core/cms-detached.c), and the plaintext goes to a spill
 * stream, dropped unless decryption succeeds. */
GMimeStream *
_inkan_part_decrypt (GMimePart *part, InkanIdentity *identity, GError **error)
{
  g_autoptr (GMimeStream) decoded = _inkan_part_decoded_stream (part);
  g_autoptr (GMimeStream) spill = _inkan_spill_new ();
  g_autoptr (BIO) out = _inkan_bio_new_gmime (spill);

  if (out == NULL)
    {
      _inkan_set_error (error, INKAN_ERROR_FAILED, _("Out of memory."));
      return NULL;
    }
  if (!_inkan_cms_decrypt_stream (decoded, identity, out, error))
    return NULL;
  return _inkan_spill_finish (spill, error);
}

/* ---------------------------------------------------------------- encrypt */

GMimeStream *
_inkan_entity_encrypt (GMimeObject *entity, GPtrArray *recipients,
                       const InkanEncryptOptions *options, GError **error)
{
  g_autoptr (GMimeStream) spill = _inkan_spill_new ();
  g_autoptr (BIO) out = _inkan_bio_new_gmime (spill);
  g_autoptr (GMimeStream) ber = NULL;
  GByteArray *arr;
  const unsigned char *p;
  g_autoptr (CMS_ContentInfo) cms = NULL;
  g_autoptr (BIO) der = NULL;
  char *data;
  long len;

  if (out == NULL || !_inkan_cms_encrypt_to (_inkan_write_canonical, entity, recipients, options, out, error)
      || (ber = _inkan_spill_finish (spill, error)) == NULL)
    return NULL;
  if (!GMIME_IS_STREAM_MEM (ber))
    return g_steal_pointer (&ber);
  /* Small enough to have stayed in memory: re-encoded with definite
   * lengths (DER), which every reader takes. */
  arr = g_mime_stream_mem_get_byte_array (GMIME_STREAM_MEM (ber));
  p = arr->data;
  der = BIO_new (BIO_s_mem ());
  if ((cms = d2i_CMS_ContentInfo (NULL, &p, (long) arr->len)) == NULL || !i2d_CMS_bio (der, cms)
      || (len = BIO_get_mem_data (der, &data)) <= 0)
    {
      g_autofree char *why = _inkan_openssl_reason ();
      _inkan_set_error (error, INKAN_ERROR_FAILED, _("Encryption failed: %s."), why);
      return NULL;
    }
  return g_mime_stream_mem_new_with_buffer (data, (size_t) len);
}
