/* Internal: large messages in bounded memory (core/stream.c).
 *
 * Content is never gathered in one buffer on the way into or out of CMS:
 * a MIME entity is serialised, canonicalised (RFC 8551 §3.1.1: LF -> CRLF,
 * _inkan_crlf_convert()) and written straight into OpenSSL's CMS data BIO
 * chain; copies of entities and CMS output go to a "spill" stream, memory up to
 * INKAN_SPILL_THRESHOLD and an unlinked 0600 temporary file beyond; parsed
 * messages keep their content in the file they came from
 * (g_mime_parser_set_persist_stream).  docs/performance.md has the figures.
 */
#ifndef INKAN_STREAM_H
#define INKAN_STREAM_H

#include "internal.h"

/* Bytes kept in memory before a spill stream moves to a temporary file. */
#define INKAN_SPILL_THRESHOLD ((gsize) 4 << 20)

/* Writes some content into @bio (a CMS data BIO chain); FALSE on failure. */
typedef gboolean (*InkanWriteFunc) (BIO *bio, gpointer data);

/* InkanWriteFunc for a GBytes* already in canonical form. */
gboolean _inkan_write_bytes (BIO *bio, gpointer bytes);
/* InkanWriteFunc for a GMimeObject*: its RFC 8551 §3.1.1 canonical form,
 * byte for byte what writing it with LF line ends through unix2dos gives. */
gboolean _inkan_write_canonical (BIO *bio, gpointer entity);
/* InkanWriteFunc for an InkanEntityTee*: _inkan_write_canonical() of
 * @entity that also writes the LF form it canonicalises into @copy (a
 * spill; NULL for none), so that what is hashed and what is put back come
 * from one serialisation. */
typedef struct {
  GMimeObject *entity;
  GMimeStream *copy;
} InkanEntityTee;
gboolean _inkan_write_canonical_tee (BIO *bio, gpointer tee);
/* RFC 8551 §3.1.1 canonical form of @len bytes (LF -> CRLF where no CR
 * precedes; @after_cr carries the last byte's state between pieces) into
 * @out (2 * @len bytes); returns the bytes written. */
gsize _inkan_crlf_convert (gboolean *after_cr, const char *in, gsize len, char *out);

/* A BIO that reads from and writes to @stream (a new reference is taken). */
BIO *_inkan_bio_new_gmime (GMimeStream *stream);

/* A write-only stream: memory, then an unlinked 0600 temporary file past
 * INKAN_SPILL_THRESHOLD.  _inkan_spill_finish() returns what was written
 * as a readable, seekable stream at offset 0 (transfer full), or NULL with
 * @error set when the temporary file could not be written. */
GMimeStream *_inkan_spill_new (void);
GMimeStream *_inkan_spill_finish (GMimeStream *spill, GError **error);

/* Parses one MIME entity (headers + body) from @stream, keeping content in
 * @stream (persistent); NULL when it is not one. */
GMimeObject *_inkan_entity_parse_stream (GMimeStream *stream);
/* A new, independent entity: @entity written with LF line ends (through
 * unix2dos when @canonical) and parsed again.  In bounded memory. */
GMimeObject *_inkan_entity_copy (GMimeObject *entity, gboolean canonical, GError **error);
/* _inkan_spill_finish() of @spill, parsed as one MIME entity (in place). */
GMimeObject *_inkan_entity_parse_spill (GMimeStream *spill, GError **error);
/* The entity to sign or encrypt in place of @entity (transfer full):
 * _inkan_entity_copy (@entity, TRUE), or, when that copy would serialise
 * to the very bytes @entity does (before and after g_mime_object_encode()),
 * @entity itself: then *@undo lists what g_mime_object_encode() may change
 * in it, and freeing *@undo changes it back unless _inkan_entity_keep()
 * was called (*@undo is NULL for a copy). */
GMimeObject *_inkan_entity_working_copy (GMimeObject *entity, GPtrArray **undo, GError **error);
void _inkan_entity_keep (GPtrArray *undo);
/* The decoded content of @part as a stream (transfer full). */
GMimeStream *_inkan_part_decoded_stream (GMimePart *part);
/* The CMS contentType NID of @part's decoded content, read from its first
 * bytes, or NID_undef. */
int _inkan_part_cms_content_type (GMimePart *part);

/* cms.c: the operations of internal.h with content written by an
 * InkanWriteFunc instead of held in a GBytes. */
GBytes *_inkan_cms_sign_with (InkanIdentity *identity, InkanWriteFunc write, gpointer data,
                              const InkanSignOptions *options, gboolean detached, GError **error);
InkanCmsVerifyResult *_inkan_cms_verify_with (GBytes *der, InkanWriteFunc write, gpointer detached_content,
                                              InkanTrust *trust, gint64 at, GError **error);
gboolean _inkan_cms_encrypt_to (InkanWriteFunc write, gpointer data, GPtrArray *recipients,
                                const InkanEncryptOptions *options, BIO *out, GError **error);
gboolean _inkan_cms_decrypt_bio (BIO *in, InkanIdentity *identity, BIO *out, GError **error);
gboolean _inkan_cms_decrypt_parsed (CMS_ContentInfo *cms, BIO *dcont, InkanIdentity *identity,
                                    BIO *out, GError **error);
/* cms-detached.c: _inkan_cms_decrypt_bio() in bounded memory, from the
 * decoded CMS in @cms (the encryptedContent streamed as detached content). */
gboolean _inkan_cms_decrypt_stream (GMimeStream *cms, InkanIdentity *identity, BIO *out, GError **error);
gboolean _inkan_cms_decrypt_content (CMS_ContentInfo *cms, EVP_PKEY *key, X509 *cert, BIO *dcont, BIO *out);

/* The EnvelopedData/AuthEnvelopedData of @entity's canonical form, streamed
 * (see _inkan_cms_encrypt_to()): DER when it is small, as the whole-buffer
 * path made it, BER with indefinite lengths in a temporary file when large. */
GMimeStream *_inkan_entity_encrypt (GMimeObject *entity, GPtrArray *recipients,
                                    const InkanEncryptOptions *options, GError **error);

/* The plaintext of the EnvelopedData/AuthEnvelopedData in @part (see
 * _inkan_cms_decrypt_bio()), as a readable stream (transfer full). */
GMimeStream *_inkan_part_decrypt (GMimePart *part, InkanIdentity *identity, GError **error);

/* inkan_message_load() in bounded memory (inkan_message_load_fd() on
 * @path); a file larger than @max_size bytes (when > 0) is refused with
 * #INKAN_ERROR_MESSAGE without being read. */
GMimeMessage *_inkan_message_load_file (const char *path, goffset max_size, GError **error);

#endif
