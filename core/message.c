/* Whole-message S/MIME operations on GMimeMessage (RFC 8551 §3).
 *
 * GMime owns the MIME structure; core/cms.c owns CMS.  This file decides
 * what is signed (the canonical, 7-bit-safe body entity), what a signature
 * covers, and turns CMS results into a verdict a person can act on.
 */
#include "internal.h"
#include "stream.h"

/* ---------------------------------------------------------------- I/O */

/**
 * inkan_message_parse_bytes:
 * @bytes: an RFC 5322 message (LF or CRLF line ends)
 * @error: return location for #INKAN_ERROR_MESSAGE
 *
 * Returns: (transfer full): the parsed message, or %NULL.
 */
GMimeMessage *
inkan_message_parse_bytes (GBytes *bytes, GError **error)
{
  gsize len;
  const char *data = g_bytes_get_data (bytes, &len);
  g_autoptr (GMimeStream) stream = g_mime_stream_mem_new_with_buffer (data ? data : "", len);
  g_autoptr (GMimeParser) parser = g_mime_parser_new_with_stream (stream);
  GMimeMessage *msg;

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
 * inkan_message_load:
 * @path: a file holding one RFC 5322 message
 * @error: return location for #INKAN_ERROR_IO or #INKAN_ERROR_MESSAGE
 *
 * Returns: (transfer full): the parsed message, or %NULL.
 */
GMimeMessage *
inkan_message_load (const char *path, GError **error)
{
  /* Parsed in place: content stays in the file (core/stream.c). */
  return _inkan_message_load_file (path, 0, error);
}

static GBytes *
object_to_bytes (GMimeObject *obj, GMimeNewLineFormat newline)
{
  g_autoptr (GMimeStream) mem = g_mime_stream_mem_new ();
  GMimeFormatOptions *opts = g_mime_format_options_new ();
  GByteArray *arr;

  g_mime_format_options_set_newline_format (opts, newline);
  g_mime_object_write_to_stream (obj, opts, mem);
  g_mime_format_options_free (opts);
  arr = g_mime_stream_mem_get_byte_array (GMIME_STREAM_MEM (mem));
  return g_bytes_new (arr->data, arr->len);
}

/**
 * inkan_message_to_bytes:
 * @message: a message
 *
 * Serialises @message with LF line ends (the form mail files on Unix use;
 * the MTA makes them CRLF on the wire).
 *
 * Returns: (transfer full): the message bytes.
 */
GBytes *
inkan_message_to_bytes (GMimeMessage *message)
{
  return object_to_bytes (GMIME_OBJECT (message), GMIME_NEWLINE_FORMAT_UNIX);
}

/* The bytes a signature covers: the entity with every line ending made
 * CRLF (RFC 8551 §3.1.1 canonicalisation).  GMime's DOS newline format is
 * not enough: it leaves multipart prologues as they were parsed, so the
 * whole LF serialisation is converted instead (every LF not after a CR
 * becomes CRLF, as GMime's unix2dos filter does), on its way into the CMS
 * digest: _inkan_write_canonical() (core/stream.c). */

static GMimeObject *
parse_entity (GBytes *bytes, GError **error)
{
  gsize len;
  const char *data = g_bytes_get_data (bytes, &len);
  g_autoptr (GMimeStream) stream = g_mime_stream_mem_new_with_buffer (data ? data : "", len);
  g_autoptr (GMimeParser) parser = g_mime_parser_new_with_stream (stream);
  GMimeObject *obj;

  g_mime_parser_set_format (parser, GMIME_FORMAT_MESSAGE);
  obj = g_mime_parser_construct_part (parser, NULL);
  if (obj == NULL)
    _inkan_set_error (error, INKAN_ERROR_MESSAGE, _("The signed or decrypted content is not a MIME entity."));
  return obj;
}

/* Decrypted content without MIME headers (some senders encrypt a bare
 * body) is, by RFC 2045 §5.2, text/plain; charset=us-ascii. */
static GMimeObject *
parse_decrypted (GBytes *bytes, GError **error)
{
  GMimeObject *obj = parse_entity (bytes, NULL);
  GMimeTextPart *part;
  gsize len;
  const char *data = g_bytes_get_data (bytes, &len);
  g_autofree char *text = NULL;

  if (obj)
    return obj;
  if (len > 0 && memchr (data, '\0', len) != NULL)
    {
      _inkan_set_error (error, INKAN_ERROR_MESSAGE, _("The decrypted content is neither a MIME entity nor text."));
      return NULL;
    }
  part = g_mime_text_part_new_with_subtype ("plain");
  text = g_strndup (data, len);
  g_mime_text_part_set_text (part, text);
  return GMIME_OBJECT (part);
}

/* parse_decrypted() for plaintext in a stream: a small one as before, a
 * large one (spilled to a file) parsed in place. */
static GMimeObject *
parse_decrypted_stream (GMimeStream *plain, GError **error)
{
  GMimeObject *obj;

  if (GMIME_IS_STREAM_MEM (plain))
    {
      GByteArray *arr = g_mime_stream_mem_get_byte_array (GMIME_STREAM_MEM (plain));
      g_autoptr (GBytes) bytes = g_bytes_new_static (arr->data, arr->len);
      return parse_decrypted (bytes, error);
    }
  if ((obj = _inkan_entity_parse_stream (plain)) == NULL)
    _inkan_set_error (error, INKAN_ERROR_MESSAGE, _("The decrypted content is neither a MIME entity nor text."));
  return obj;
}

static GBytes *
part_decoded_bytes (GMimePart *part)
{
  GMimeDataWrapper *content = g_mime_part_get_content (part);
  g_autoptr (GMimeStream) mem = g_mime_stream_mem_new ();
  GByteArray *arr;

  if (content)
    g_mime_data_wrapper_write_to_stream (content, mem);
  arr = g_mime_stream_mem_get_byte_array (GMIME_STREAM_MEM (mem));
  return g_bytes_new (arr->data, arr->len);
}

static GMimePart *
new_pkcs7_part_stream (const char *subtype, const char *smime_type, const char *filename, GMimeStream *stream)
{
  GMimePart *part = g_mime_part_new_with_type ("application", subtype);
  g_autoptr (GMimeDataWrapper) wrapper = g_mime_data_wrapper_new_with_stream (stream, GMIME_CONTENT_ENCODING_DEFAULT);

  if (smime_type)
    g_mime_object_set_content_type_parameter (GMIME_OBJECT (part), "smime-type", smime_type);
  g_mime_part_set_content (part, wrapper);
  g_mime_part_set_filename (part, filename); /* Content-Type name= and Content-Disposition filename= */
  g_mime_object_set_disposition (GMIME_OBJECT (part), "attachment");
  g_mime_part_set_content_encoding (part, GMIME_CONTENT_ENCODING_BASE64);
  return part;
}

static GMimePart *
new_pkcs7_part (const char *subtype, const char *smime_type, const char *filename, GBytes *der)
{
  gsize len;
  const char *data = g_bytes_get_data (der, &len);
  g_autoptr (GMimeStream) stream = g_mime_stream_mem_new_with_buffer (data, len);

  return new_pkcs7_part_stream (subtype, smime_type, filename, stream);
}

/* ---------------------------------------------------------------- addresses */

static void
collect_mailboxes (InternetAddressList *list, GPtrArray *out, int depth)
{
  for (int i = 0; list && depth < 4 && i < internet_address_list_length (list); i++)
    {
      InternetAddress *ia = internet_address_list_get_address (list, i);
      if (INTERNET_ADDRESS_IS_MAILBOX (ia))
        g_ptr_array_add (out, g_strdup (internet_address_mailbox_get_addr (INTERNET_ADDRESS_MAILBOX (ia))));
      else if (INTERNET_ADDRESS_IS_GROUP (ia))
        collect_mailboxes (internet_address_group_get_members (INTERNET_ADDRESS_GROUP (ia)), out, depth + 1);
    }
}

static GPtrArray *
header_mailboxes (GMimeMessage *message, GMimeAddressType type)
{
  GPtrArray *out = g_ptr_array_new_with_free_func (g_free);

  collect_mailboxes (g_mime_message_get_addresses (message, type), out, 0);
  return out;
}

/* Counts the '@' that are not inside a quoted string or a comment
 * (RFC 5322 §3.2.2, §3.2.4): each one belongs to an addr-spec. */
static guint
count_addr_specs (const char *raw)
{
  guint n = 0, depth = 0;
  gboolean quoted = FALSE;

  for (const char *p = raw; p && *p; p++)
    {
      if (*p == '\\' && p[1])
        p++;
      else if (quoted)
        quoted = *p != '"';
      else if (*p == '"' && depth == 0)
        quoted = TRUE;
      else if (*p == '(')
        depth++;
      else if (*p == ')' && depth > 0)
        depth--;
      else if (*p == '@' && depth == 0)
        n++;
    }
  return n;
}

/* The From mailboxes, and whether the From field says more than GMime could
 * parse: a second From field, or addresses GMime dropped (it stops at a
 * stray ';', which Outlook uses as a separator).  An ambiguous From is
 * never matched to a signer and never signed for. */
static GPtrArray *
from_mailboxes (GMimeMessage *message, gboolean *ambiguous)
{
  GMimeHeaderList *headers = g_mime_object_get_header_list (GMIME_OBJECT (message));
  GPtrArray *from = header_mailboxes (message, GMIME_ADDRESS_TYPE_FROM);
  guint fields = 0, specs = 0;

  for (int i = 0; i < g_mime_header_list_get_count (headers); i++)
    {
      GMimeHeader *h = g_mime_header_list_get_header_at (headers, i);
      if (g_ascii_strcasecmp (g_mime_header_get_name (h), "From") == 0)
        {
          fields++;
          specs += count_addr_specs (g_mime_header_get_raw_value (h));
        }
    }
  *ambiguous = fields > 1 || specs > from->len;
  return from;
}

/* Header text from hostile mail may be any bytes (GMime passes an
 * undecodable addr-spec through); verdicts are printed as JSON, so they
 * must be UTF-8: invalid sequences become U+FFFD. */
static char *
utf8_take_valid (char *text)
{
  char *valid;

  if (text == NULL || g_utf8_validate (text, -1, NULL))
    return text;
  valid = g_utf8_make_valid (text, -1);
  g_free (text);
  return valid;
}

/* Every From field as written, joined by " | ". */
static char *
raw_from_fields (GMimeMessage *message)
{
  GMimeHeaderList *headers = g_mime_object_get_header_list (GMIME_OBJECT (message));
  GString *all = g_string_new (NULL);

  for (int i = 0; i < g_mime_header_list_get_count (headers); i++)
    {
      GMimeHeader *h = g_mime_header_list_get_header_at (headers, i);
      if (g_ascii_strcasecmp (g_mime_header_get_name (h), "From") == 0)
        {
          g_autofree char *raw = g_strdup (g_mime_header_get_raw_value (h));
          g_strdelimit (raw, "\r\n\t", ' ');
          g_string_append_printf (all, "%s%s", all->len ? " | " : "", g_strstrip (raw));
        }
    }
  return utf8_take_valid (g_string_free (all, FALSE));
}

static char *
addresses_text (GMimeMessage *message, GMimeAddressType type)
{
  InternetAddressList *list = g_mime_message_get_addresses (message, type);

  if (list == NULL || internet_address_list_length (list) == 0)
    return NULL;
  return utf8_take_valid (internet_address_list_to_string (list, NULL, FALSE));
}

static char *
join_addresses (X509 *cert)
{
  g_autoptr (GPtrArray) addrs = inkan_certificate_get_addresses (cert, NULL);

  if (addrs->len == 0)
    return g_strdup (_("no address"));
  g_ptr_array_add (addrs, NULL);
  return g_strjoinv (", ", (char **) addrs->pdata);
}

/**
 * inkan_message_check_sender:
 * @message: the message about to be signed
 * @cert: the signer certificate
 * @error: return location for #INKAN_ERROR_NO_FROM (no From) or
 *   #INKAN_ERROR_ADDRESS_MISMATCH (an address is not in @cert)
 *
 * The send-time promise: every From mailbox, and the Sender mailbox if
 * there is one, must be an rfc822Name or SmtpUTF8Mailbox of @cert (RFC 8550
 * §3; SBR 7.1.4.2.1), compared with inkan_address_equal().
 *
 * Returns: %TRUE when the certificate may sign for this message.
 */
gboolean
inkan_message_check_sender (GMimeMessage *message, X509 *cert, GError **error)
{
  gboolean ambiguous = FALSE;
  g_autoptr (GPtrArray) from = from_mailboxes (message, &ambiguous);
  g_autoptr (GPtrArray) sender = header_mailboxes (message, GMIME_ADDRESS_TYPE_SENDER);

  if (ambiguous)
    {
      g_autofree char *raw = raw_from_fields (message);
      _inkan_set_error (error, INKAN_ERROR_NO_FROM,
                        _("Refusing to sign: the From header “%s” cannot be read unambiguously (two From fields, or addresses separated by ';'); write one From field with comma-separated addresses."),
                        raw);
      return FALSE;
    }
  if (from->len == 0)
    {
      _inkan_set_error (error, INKAN_ERROR_NO_FROM,
                        _("The message has no From address, so it cannot be checked against the certificate; add a From header."));
      return FALSE;
    }
  g_ptr_array_extend_and_steal (from, g_steal_pointer (&sender));
  for (guint i = 0; i < from->len; i++)
    {
      const char *addr = g_ptr_array_index (from, i);
      if (!inkan_certificate_has_address (cert, addr))
        {
          g_autofree char *cert_addrs = join_addresses (cert);
          _inkan_set_error (error, INKAN_ERROR_ADDRESS_MISMATCH,
                            _("Refusing to sign: the sender address %s is not in the signing certificate, which is for %s; sign with the identity for %s, or pass --allow-address-mismatch."),
                            addr, cert_addrs, addr);
          return FALSE;
        }
    }
  return TRUE;
}

/* ---------------------------------------------------------------- sign / encrypt */

/* Structural limits on hostile input (docs/security.md): a MIME tree
 * nested deeper than INKAN_MAX_DEPTH (multipart and message/rfc822
 * levels) or with more than INKAN_MAX_PARTS entities is refused before
 * anything else walks it.  No mail program writes such a message. */
static gboolean
count_parts (GMimeObject *obj, int depth, guint *parts, GError **error)
{
  if (depth > INKAN_MAX_DEPTH)
    {
      _inkan_set_error (error, INKAN_ERROR_MESSAGE,
                        _("The message nests MIME parts more than %d levels deep; inkan does not read such a message."),
                        INKAN_MAX_DEPTH);
      return FALSE;
    }
  if (++*parts > INKAN_MAX_PARTS)
    {
      _inkan_set_error (error, INKAN_ERROR_MESSAGE,
                        _("The message has more than %d MIME parts; inkan does not read such a message."),
                        INKAN_MAX_PARTS);
      return FALSE;
    }
  if (GMIME_IS_MULTIPART (obj))
    {
      for (int i = 0; i < g_mime_multipart_get_count (GMIME_MULTIPART (obj)); i++)
        if (!count_parts (g_mime_multipart_get_part (GMIME_MULTIPART (obj), i), depth + 1, parts, error))
          return FALSE;
    }
  else if (GMIME_IS_MESSAGE_PART (obj))
    {
      GMimeMessage *inner = g_mime_message_part_get_message (GMIME_MESSAGE_PART (obj));
      if (inner && g_mime_message_get_mime_part (inner))
        return count_parts (g_mime_message_get_mime_part (inner), depth + 1, parts, error);
    }
  return TRUE;
}

static gboolean
check_structure (GMimeObject *obj, GError **error)
{
  guint parts = 0;

  return obj == NULL || count_parts (obj, 0, &parts, error);
}

/* A multipart whose Content-Type has no boundary parameter (RFC 2046
 * §5.1.1 requires one) cannot be signed or encrypted faithfully: GMime
 * makes one up each time it writes the part, so what is hashed and what
 * is sent differ.  Refused, with what to fix. */
static gboolean
check_boundaries (GMimeObject *obj, GError **error)
{
  if (GMIME_IS_MULTIPART (obj))
    {
      /* The header as written, not GMime's object: GMime makes up a
       * boundary for its object where the header has none. */
      const char *header = g_mime_object_get_header (obj, "Content-Type");
      GMimeContentType *written = header ? g_mime_content_type_parse (NULL, header) : NULL;
      gboolean has_boundary = written && g_mime_content_type_get_parameter (written, "boundary") != NULL;

      g_clear_object (&written);
      if (!has_boundary)
        {
          g_autofree char *type = g_mime_content_type_get_mime_type (g_mime_object_get_content_type (obj));
          _inkan_set_error (error, INKAN_ERROR_MESSAGE,
                            _("The message has a %s part without a boundary parameter (RFC 2046 §5.1.1), so it cannot be signed or encrypted as written; let the mail program write the message again."),
                            type);
          return FALSE;
        }
      for (int i = 0; i < g_mime_multipart_get_count (GMIME_MULTIPART (obj)); i++)
        if (!check_boundaries (g_mime_multipart_get_part (GMIME_MULTIPART (obj), i), error))
          return FALSE;
    }
  else if (GMIME_IS_MESSAGE_PART (obj))
    {
      GMimeMessage *inner = g_mime_message_part_get_message (GMIME_MESSAGE_PART (obj));
      if (inner && g_mime_message_get_mime_part (inner))
        return check_boundaries (g_mime_message_get_mime_part (inner), error);
    }
  return TRUE;
}

static gint64
now (void)
{
  return g_get_real_time () / G_USEC_PER_SEC;
}

/* Signs @entity: a canonical working copy, or with @in_place the
 * message's own body (see _inkan_entity_working_copy()). */
static GMimeObject *
sign_entity (GMimeObject *entity, gboolean in_place, InkanIdentity *identity,
             const InkanSignOptions *options, GError **error)
{
  g_autoptr (GBytes) der = NULL;
  g_autoptr (GMimeObject) content = NULL;
  g_autoptr (GMimeStream) copy = options->opaque || in_place ? NULL : _inkan_spill_new ();
  InkanEntityTee tee = { entity, copy };
  GMimeMultipart *mps;
  GMimePart *sig;

  /* RFC 8551 §3.1.2/§3.1.3: the signed entity must survive 7-bit
   * transport unchanged, so 8bit/binary parts become QP or base64. */
  g_mime_object_encode (entity, GMIME_ENCODING_CONSTRAINT_7BIT);
  /* One serialisation: its canonical form is hashed, its LF form kept. */
  der = _inkan_cms_sign_with (identity, _inkan_write_canonical_tee, &tee, options, !options->opaque, error);
  if (der == NULL)
    return NULL;
  if (options->opaque)
    return GMIME_OBJECT (new_pkcs7_part ("pkcs7-mime", "signed-data", "smime.p7m", der));

  /* Put back exactly what was signed (in its LF form, like the rest of
   * the output), parsed again: GMime writes some entities differently
   * inside a multipart than alone (a multipart without its end boundary),
   * and the parsed copy is the form that writes back as what was hashed.
   * The body signed in place has no such entity: it goes back as it is. */
  content = in_place ? g_object_ref (entity) : _inkan_entity_parse_spill (copy, error);
  if (content == NULL)
    return NULL;
  mps = GMIME_MULTIPART (g_mime_multipart_signed_new ());
  g_mime_multipart_set_boundary (mps, NULL); /* generate a random boundary */
  g_mime_object_set_content_type_parameter (GMIME_OBJECT (mps), "protocol", "application/pkcs7-signature");
  g_mime_object_set_content_type_parameter (GMIME_OBJECT (mps), "micalg", _inkan_digest_micalg (options->digest));
  g_mime_multipart_add (mps, content);
  sig = new_pkcs7_part ("pkcs7-signature", NULL, "smime.p7s", der);
  g_mime_object_set_header (GMIME_OBJECT (sig), "Content-Description", "S/MIME Cryptographic Signature", NULL);
  g_mime_multipart_add (mps, GMIME_OBJECT (sig));
  g_object_unref (sig);
  return GMIME_OBJECT (mps);
}

/**
 * inkan_message_sign:
 * @message: the message; its body is replaced by the signed form
 * @identity: the signer
 * @options: digest, RSASSA-PSS, opaque, address-check override
 * @error: return location for #INKAN_ERROR_NO_FROM,
 *   #INKAN_ERROR_ADDRESS_MISMATCH (see inkan_message_check_sender()),
 *   #INKAN_ERROR_UNSUPPORTED or #INKAN_ERROR_FAILED
 *
 * Signs the body as multipart/signed with an application/pkcs7-signature
 * part named smime.p7s (RFC 8551 §3.5.3), or as application/pkcs7-mime;
 * smime-type=signed-data (§3.5.2).  On error @message is unchanged.
 *
 * Returns: %TRUE on success.
 */
gboolean
inkan_message_sign (GMimeMessage *message, InkanIdentity *identity,
                    const InkanSignOptions *options, GError **error)
{
  GMimeObject *body = g_mime_message_get_mime_part (message);
  g_autoptr (GPtrArray) undo = NULL;
  g_autoptr (GMimeObject) copy = NULL;
  GMimeObject *signed_obj;

  if (!inkan_certificate_check_usable (inkan_identity_get_certificate (identity), TRUE, now (), error)
      || (!options->allow_address_mismatch
          && !inkan_message_check_sender (message, inkan_identity_get_certificate (identity), error)))
    return FALSE;
  if (!check_structure (body, error) || !check_boundaries (body, error))
    return FALSE;
  /* Work on a copy (or on the body itself when a copy would be the same
   * bytes, undone on failure) so that a failure leaves @message as it was. */
  copy = _inkan_entity_working_copy (body, &undo, error);
  if (copy == NULL)
    return FALSE;
  signed_obj = sign_entity (copy, undo != NULL, identity, options, error);
  if (signed_obj == NULL)
    return FALSE;
  _inkan_entity_keep (undo);
  g_mime_message_set_mime_part (message, signed_obj);
  g_object_unref (signed_obj);
  return TRUE;
}

static gboolean
same_cert_in (GPtrArray *certs, X509 *cert)
{
  for (guint i = 0; i < certs->len; i++)
    if (X509_cmp (g_ptr_array_index (certs, i), cert) == 0)
      return TRUE;
  return FALSE;
}

/**
 * inkan_message_encrypt:
 * @message: the message; its body is replaced by application/pkcs7-mime
 * @recipients: (element-type X509): the recipients' certificates
 * @sender: (nullable): the sender's identity; its certificate is always
 *   added as a recipient so that the sent copy stays readable
 * @sign_options: (nullable): when not %NULL (and @sender is given), sign
 *   first with these options, then encrypt (RFC 8551 §3.7)
 * @options: cipher and key transport
 * @error: return location for the errors of inkan_message_sign(), or
 *   #INKAN_ERROR_FAILED when a recipient certificate cannot be used
 *
 * Encrypts the body as EnvelopedData (smime-type=enveloped-data) or, for
 * AES-GCM, AuthEnvelopedData (smime-type=authEnveloped-data, RFC 5083).
 * On error @message is unchanged.
 *
 * Returns: %TRUE on success.
 */
gboolean
inkan_message_encrypt (GMimeMessage *message, GPtrArray *recipients,
                       InkanIdentity *sender, const InkanSignOptions *sign_options,
                       const InkanEncryptOptions *options, GError **error)
{
  g_autoptr (GPtrArray) all = g_ptr_array_new ();
  g_autoptr (GPtrArray) undo = NULL;
  g_autoptr (GMimeObject) body = NULL;
  g_autoptr (GMimeStream) der = NULL;
  GMimePart *part;

  if (!check_structure (g_mime_message_get_mime_part (message), error)
      || !check_boundaries (g_mime_message_get_mime_part (message), error))
    return FALSE;
  body = _inkan_entity_working_copy (g_mime_message_get_mime_part (message), &undo, error);
  if (body == NULL)
    return FALSE;
  if (sender && sign_options)
    {
      GMimeObject *signed_obj;

      if (!inkan_certificate_check_usable (inkan_identity_get_certificate (sender), TRUE, now (), error)
          || (!sign_options->allow_address_mismatch
              && !inkan_message_check_sender (message, inkan_identity_get_certificate (sender), error)))
        return FALSE;
      signed_obj = sign_entity (body, undo != NULL, sender, sign_options, error);
      if (signed_obj == NULL)
        return FALSE;
      g_object_unref (body);
      body = signed_obj;
    }
  for (guint i = 0; i < recipients->len; i++)
    {
      X509 *cert = g_ptr_array_index (recipients, i);
      if (!inkan_certificate_check_usable (cert, FALSE, now (), error))
        return FALSE;
      if (!same_cert_in (all, cert))
        g_ptr_array_add (all, cert);
    }
  /* The sender's own copy: added when its certificate may encrypt (a
   * signing-only certificate cannot be). */
  if (sender && !same_cert_in (all, inkan_identity_get_certificate (sender))
      && inkan_certificate_check_usable (inkan_identity_get_certificate (sender), FALSE, now (), NULL))
    g_ptr_array_add (all, inkan_identity_get_certificate (sender));
  if (all->len == 0)
    {
      _inkan_set_error (error, INKAN_ERROR_CERTIFICATE, _("No recipient certificate was given."));
      return FALSE;
    }

  g_mime_object_encode (body, GMIME_ENCODING_CONSTRAINT_7BIT);
  der = _inkan_entity_encrypt (body, all, options, error);
  if (der == NULL)
    return FALSE;
  part = new_pkcs7_part_stream ("pkcs7-mime",
                                options->cipher == INKAN_CIPHER_AES_256_GCM ? "authEnveloped-data" : "enveloped-data",
                                "smime.p7m", der);
  _inkan_entity_keep (undo);
  g_mime_message_set_mime_part (message, GMIME_OBJECT (part));
  g_object_unref (part);
  return TRUE;
}

/* ---------------------------------------------------------------- verdicts */

/**
 * inkan_verdict_free:
 * @verdict: (nullable): a verdict
 */
void
inkan_verdict_free (InkanVerdict *verdict)
{
  if (verdict == NULL)
    return;
  if (verdict->signers)
    g_ptr_array_unref (verdict->signers);
  g_free (verdict->from);
  g_free (verdict->sender);
  g_free (verdict->signed_part);
  g_free (verdict);
}

/**
 * inkan_verdict_kind_to_string:
 * @kind: a verdict kind
 *
 * Returns: (transfer none): the stable name used in --json output:
 *   "valid", "valid-signature", "invalid", "not-signed".
 */
const char *
inkan_verdict_kind_to_string (InkanVerdictKind kind)
{
  switch (kind)
    {
    case INKAN_VERDICT_VALID: return "valid";
    case INKAN_VERDICT_VALID_SIGNATURE: return "valid-signature";
    case INKAN_VERDICT_INVALID: return "invalid";
    case INKAN_VERDICT_NOT_SIGNED:
    default: return "not-signed";
    }
}

/**
 * inkan_verdict_flag_to_string:
 * @flag: one #InkanVerdictFlags bit
 *
 * Returns: (transfer none): the stable flag name ("from-mismatch", ...), or
 *   %NULL for an unknown bit.
 */
const char *
inkan_verdict_flag_to_string (InkanVerdictFlags flag)
{
  switch (flag)
    {
    case INKAN_FLAG_FROM_MISMATCH: return "from-mismatch";
    case INKAN_FLAG_UNTRUSTED: return "untrusted";
    case INKAN_FLAG_EXPIRED: return "expired";
    case INKAN_FLAG_NOT_YET_VALID: return "not-yet-valid";
    case INKAN_FLAG_NO_SIGNER: return "no-signer";
    case INKAN_FLAG_MULTIPLE_SIGNERS: return "multiple-signers";
    case INKAN_FLAG_NOT_DETACHED: return "not-detached";
    case INKAN_FLAG_PARTIALLY_SIGNED: return "partially-signed";
    case INKAN_FLAG_WEAK_ALGORITHM: return "weak-algorithm";
    case INKAN_FLAG_ADDRESS_FROM_SUBJECT: return "address-from-subject";
    case INKAN_FLAG_ENCRYPTED: return "encrypted";
    default: return NULL;
    }
}

static InkanVerdict *
verdict_new (GMimeMessage *message)
{
  InkanVerdict *v = g_new0 (InkanVerdict, 1);

  v->kind = INKAN_VERDICT_NOT_SIGNED;
  v->signers = g_ptr_array_new_with_free_func ((GDestroyNotify) _inkan_signer_free);
  v->from = addresses_text (message, GMIME_ADDRESS_TYPE_FROM);
  v->sender = addresses_text (message, GMIME_ADDRESS_TYPE_SENDER);
  return v;
}

/* Flags that keep a good signature from being "valid". */
#define LOWERING_FLAGS (INKAN_FLAG_FROM_MISMATCH | INKAN_FLAG_UNTRUSTED | INKAN_FLAG_EXPIRED \
                        | INKAN_FLAG_NOT_YET_VALID | INKAN_FLAG_MULTIPLE_SIGNERS \
                        | INKAN_FLAG_PARTIALLY_SIGNED | INKAN_FLAG_WEAK_ALGORITHM)
/* Flags that make the signature itself unacceptable. */
#define INVALID_FLAGS (INKAN_FLAG_NOT_DETACHED | INKAN_FLAG_NO_SIGNER)

/* Records the outermost signature layer in @v: signers, flags, From match
 * and the verdict kind. */
static void
record_signature (InkanVerdict *v, GMimeMessage *message, InkanCmsVerifyResult *res)
{
  gboolean ambiguous = FALSE;
  g_autoptr (GPtrArray) from = from_mailboxes (message, &ambiguous);
  g_autofree char *from_norm = NULL;
  gboolean any_match = FALSE;

  if (ambiguous)
    {
      /* Show what the header really says, not what GMime kept of it. */
      g_free (v->from);
      v->from = raw_from_fields (message);
      g_ptr_array_set_size (from, 0);
    }
  v->flags |= res->flags;
  /* The signer speaks for the message only if it is the one From mailbox;
   * two From addresses are never "from" one signer.  The comparison is
   * inkan_address_equal()'s, with the From side normalised once. */
  from_norm = from->len == 1 ? inkan_address_normalize (g_ptr_array_index (from, 0), NULL) : NULL;
  for (guint i = 0; i < res->signers->len; i++)
    {
      InkanSigner *s = g_ptr_array_index (res->signers, i);
      for (guint j = 0; from_norm && s->emails && j < s->emails->len && !s->from_match; j++)
        {
          g_autofree char *email_norm = inkan_address_normalize (g_ptr_array_index (s->emails, j), NULL);
          s->from_match = email_norm != NULL && strcmp (email_norm, from_norm) == 0;
        }
      any_match = any_match || s->from_match;
    }
  if (!any_match)
    v->flags |= INKAN_FLAG_FROM_MISMATCH;
  g_ptr_array_extend_and_steal (v->signers, g_steal_pointer (&res->signers));
  res->signers = g_ptr_array_new ();

  if (!res->signature_valid || (v->flags & INVALID_FLAGS))
    v->kind = INKAN_VERDICT_INVALID;
  else if (v->flags & LOWERING_FLAGS)
    v->kind = INKAN_VERDICT_VALID_SIGNATURE;
  else
    v->kind = INKAN_VERDICT_VALID;
}

static gboolean
is_pkcs7_type (GMimeContentType *ct, const char *subtype)
{
  g_autofree char *x = g_strconcat ("x-", subtype, NULL);

  return ct && (g_mime_content_type_is_type (ct, "application", subtype)
                || g_mime_content_type_is_type (ct, "application", x));
}

typedef enum { LAYER_NONE, LAYER_MULTIPART_SIGNED, LAYER_SIGNED_DATA, LAYER_ENVELOPED } LayerKind;

static LayerKind
layer_kind (GMimeObject *obj)
{
  GMimeContentType *ct = g_mime_object_get_content_type (obj);
  const char *smime_type;

  if (GMIME_IS_MULTIPART (obj) && g_mime_content_type_is_type (ct, "multipart", "signed"))
    {
      const char *protocol = g_mime_object_get_content_type_parameter (obj, "protocol");
      if (protocol && (!g_ascii_strcasecmp (protocol, "application/pkcs7-signature")
                       || !g_ascii_strcasecmp (protocol, "application/x-pkcs7-signature")))
        return LAYER_MULTIPART_SIGNED;
      return LAYER_NONE;
    }
  if (!GMIME_IS_PART (obj) || !is_pkcs7_type (ct, "pkcs7-mime"))
    return LAYER_NONE;
  /* RFC 8551 §3.2.2: smime-type says what the CMS holds, but senders get it
   * wrong (GCM mail labelled enveloped-data, signed-data labelled
   * enveloped-data); the CMS contentType is the truth when it can be read. */
  {
    int nid = _inkan_part_cms_content_type (GMIME_PART (obj));
    if (nid == NID_pkcs7_signed)
      return LAYER_SIGNED_DATA;
    if (nid == NID_pkcs7_enveloped || nid == NID_id_smime_ct_authEnvelopedData)
      return LAYER_ENVELOPED;
  }
  smime_type = g_mime_object_get_content_type_parameter (obj, "smime-type");
  if (smime_type && !g_ascii_strcasecmp (smime_type, "signed-data"))
    return LAYER_SIGNED_DATA;
  if (smime_type && (!g_ascii_strcasecmp (smime_type, "enveloped-data")
                     || !g_ascii_strcasecmp (smime_type, "authEnveloped-data")))
    return LAYER_ENVELOPED;
  return LAYER_NONE;
}

/* Verifies one signature layer; for signed-data, *inner receives the
 * encapsulated entity. */
static InkanCmsVerifyResult *
verify_layer (GMimeObject *obj, LayerKind kind, InkanTrust *trust, gint64 at,
              GMimeObject **inner, GError **error)
{
  if (kind == LAYER_MULTIPART_SIGNED)
    {
      GMimeMultipart *mp = GMIME_MULTIPART (obj);
      GMimeObject *content, *sig;
      g_autoptr (GBytes) der = NULL;

      if (g_mime_multipart_get_count (mp) != 2
          || !GMIME_IS_PART ((sig = g_mime_multipart_get_part (mp, 1))))
        {
          _inkan_set_error (error, INKAN_ERROR_CMS,
                            _("The multipart/signed part does not have exactly a content part and a signature part (RFC 8551 §3.5.3)."));
          return NULL;
        }
      content = g_mime_multipart_get_part (mp, 0);
      der = part_decoded_bytes (GMIME_PART (sig));
      if (inner)
        *inner = g_object_ref (content);
      return _inkan_cms_verify_with (der, _inkan_write_canonical, content, trust, at, error);
    }
  else
    {
      g_autoptr (GBytes) der = part_decoded_bytes (GMIME_PART (obj));
      InkanCmsVerifyResult *res = _inkan_cms_verify (der, NULL, trust, at, error);

      if (res && inner)
        {
          *inner = parse_entity (res->content, error);
          if (*inner == NULL)
            {
              _inkan_cms_verify_result_free (res);
              return NULL;
            }
        }
      return res;
    }
}

/* Finds the first signed (or, with @enveloped, encrypted) entity below
 * @obj, depth first, including forwarded message/rfc822 parts; *path gets
 * its MIME part number (IMAP style: a message/rfc822 body is part 1). */
static GMimeObject *
find_layer (GMimeObject *obj, const char *path, char **found_path, int depth, gboolean enveloped)
{
  LayerKind kind;

  if (depth > INKAN_MAX_DEPTH)
    return NULL;
  kind = layer_kind (obj);
  if (enveloped ? kind == LAYER_ENVELOPED : (kind == LAYER_MULTIPART_SIGNED || kind == LAYER_SIGNED_DATA))
    {
      *found_path = g_strdup (path);
      return obj;
    }
  if (GMIME_IS_MULTIPART (obj))
    {
      for (int i = 0; i < g_mime_multipart_get_count (GMIME_MULTIPART (obj)); i++)
        {
          g_autofree char *sub = *path ? g_strdup_printf ("%s.%d", path, i + 1) : g_strdup_printf ("%d", i + 1);
          GMimeObject *hit = find_layer (g_mime_multipart_get_part (GMIME_MULTIPART (obj), i), sub, found_path,
                                         depth + 1, enveloped);
          if (hit)
            return hit;
        }
    }
  else if (GMIME_IS_MESSAGE_PART (obj))
    {
      GMimeMessage *inner = g_mime_message_part_get_message (GMIME_MESSAGE_PART (obj));
      if (inner && g_mime_message_get_mime_part (inner))
        return find_layer (g_mime_message_get_mime_part (inner), *path ? path : "1", found_path, depth + 1, enveloped);
    }
  return NULL;
}

static GMimeObject *
find_signed (GMimeObject *obj, const char *path, char **found_path, int depth)
{
  return find_layer (obj, path, found_path, depth, FALSE);
}

/**
 * inkan_message_verify:
 * @message: a received message
 * @trust: the email trust anchors
 * @at: check the chain at this time (seconds since the epoch), or 0 for the
 *   signingTime (when not in the future) or else now
 * @error: return location for #INKAN_ERROR_CMS (a signature part that
 *   cannot be read at all) or #INKAN_ERROR_MESSAGE (also: the MIME tree
 *   nests deeper than 32 levels or has more than 10,000 parts;
 *   docs/security.md)
 *
 * Verifies the outermost signature of @message.  When the body itself is
 * not signed but a part inside it is (a signed part inside an unsigned
 * multipart/mixed, or a forwarded message), that part is verified and
 * #INKAN_FLAG_PARTIALLY_SIGNED is set, with its part number in signed_part.
 * A message with no signature gets %INKAN_VERDICT_NOT_SIGNED (and
 * #INKAN_FLAG_ENCRYPTED when the body is enveloped: use
 * inkan_message_decrypt()).  @message is not changed.
 *
 * Returns: (transfer full): the verdict, or %NULL on error.
 */
InkanVerdict *
inkan_message_verify (GMimeMessage *message, InkanTrust *trust, gint64 at, GError **error)
{
  g_autoptr (InkanVerdict) v = verdict_new (message);
  GMimeObject *body = g_mime_message_get_mime_part (message);
  g_autofree char *path = NULL;
  GMimeObject *signed_obj;
  g_autoptr (InkanCmsVerifyResult) res = NULL;

  if (!check_structure (body, error))
    return NULL;
  if (layer_kind (body) == LAYER_ENVELOPED)
    {
      v->flags |= INKAN_FLAG_ENCRYPTED;
      return g_steal_pointer (&v);
    }
  signed_obj = find_signed (body, "", &path, 0);
  if (signed_obj == NULL)
    return g_steal_pointer (&v);
  if (signed_obj != body)
    {
      v->flags |= INKAN_FLAG_PARTIALLY_SIGNED;
      v->signed_part = g_steal_pointer (&path);
    }
  res = verify_layer (signed_obj, layer_kind (signed_obj), trust, at, NULL, error);
  if (res == NULL)
    return NULL;
  record_signature (v, message, res);
  return g_steal_pointer (&v);
}

/**
 * inkan_message_decrypt:
 * @message: a received message; on success its body is replaced by the
 *   decrypted content
 * @identity: the recipient identity
 * @trust: the email trust anchors for signatures found on the way
 * @at: as for inkan_message_verify()
 * @error: return location for #INKAN_ERROR_NOT_SMIME (the message is
 *   not encrypted as a whole: nothing is, or only a part inside unencrypted
 *   parts, which is never decrypted, against EFAIL), #INKAN_ERROR_NOT_RECIPIENT,
 *   #INKAN_ERROR_DECRYPT, #INKAN_ERROR_CMS or #INKAN_ERROR_MESSAGE (also a
 *   structural limit: 32 levels, 10,000 parts, 8 S/MIME layers)
 *
 * Removes every enveloped and signed-data layer (signed-then-encrypted and
 * encrypted-then-signed alike) and verifies the outermost signature over
 * plaintext, including a multipart/signed left inside.  A signature whose
 * content is encrypted (encrypt-then-sign) is removed but not reported: it
 * does not show who wrote the plaintext.  A multipart/signed body stays
 * in the output so that a mail client can verify it again.  When the
 * plaintext is not signed but holds a signed part (an encrypted forward),
 * that part is verified and #INKAN_FLAG_PARTIALLY_SIGNED is set, as by
 * inkan_message_verify().  On error @message is unchanged and no plaintext
 * is returned.
 *
 * Returns: (transfer full): the verdict of the outermost signature (kind
 *   %INKAN_VERDICT_NOT_SIGNED when there is none; #INKAN_FLAG_ENCRYPTED is
 *   set), or %NULL on error.
 */
InkanVerdict *
inkan_message_decrypt (GMimeMessage *message, InkanIdentity *identity,
                       InkanTrust *trust, gint64 at, GError **error)
{
  g_autoptr (InkanVerdict) v = verdict_new (message);
  g_autoptr (GMimeObject) current = g_object_ref (g_mime_message_get_mime_part (message));
  /* The outermost signature met since the last envelope: a signature
   * around encrypted content (even through further signature layers) says
   * nothing about who wrote the plaintext, since anyone can sign a
   * ciphertext they saw; like Thunderbird (bug 1806161) it is not reported. */
  g_autoptr (InkanCmsVerifyResult) pending = NULL;

  if (!check_structure (current, error))
    return NULL;
  for (int layer = 0;; layer++)
    {
      LayerKind kind = layer_kind (current);
      GMimeObject *inner = NULL;

      if (kind != LAYER_NONE && layer >= INKAN_MAX_LAYERS)
        {
          _inkan_set_error (error, INKAN_ERROR_MESSAGE,
                            _("The message has more than %d nested S/MIME layers (signed or encrypted); inkan does not read such a message."),
                            INKAN_MAX_LAYERS);
          return NULL;
        }
      if (kind == LAYER_ENVELOPED)
        {
          g_autoptr (GMimeStream) plain = _inkan_part_decrypt (GMIME_PART (current), identity, error);
          if (plain == NULL || (inner = parse_decrypted_stream (plain, error)) == NULL)
            return NULL;
          if (!check_structure (inner, error))
            {
              g_object_unref (inner);
              return NULL;
            }
          v->flags |= INKAN_FLAG_ENCRYPTED;
          g_clear_pointer (&pending, _inkan_cms_verify_result_free);
        }
      else if (kind == LAYER_SIGNED_DATA)
        {
          InkanCmsVerifyResult *res = verify_layer (current, kind, trust, at, &inner, error);
          if (res == NULL)
            return NULL;
          if (!check_structure (inner, error))
            {
              g_object_unref (inner);
              _inkan_cms_verify_result_free (res);
              return NULL;
            }
          if (pending == NULL)
            pending = res;
          else
            _inkan_cms_verify_result_free (res);
        }
      else if (kind == LAYER_MULTIPART_SIGNED)
        {
          /* (none when the boundary never occurs: verify_layer() says so) */
          GMimeObject *first = g_mime_multipart_get_count (GMIME_MULTIPART (current)) > 0
                               ? g_mime_multipart_get_part (GMIME_MULTIPART (current), 0) : NULL;
          if (first == NULL || layer_kind (first) != LAYER_ENVELOPED)
            {
              /* A multipart/signed over plaintext stays in the output so
               * that a mail client can verify it again. */
              if (pending == NULL && (pending = verify_layer (current, kind, trust, at, NULL, error)) == NULL)
                return NULL;
              break;
            }
          inner = g_object_ref (first);
        }
      else
        break;
      g_object_unref (current);
      current = inner;
    }
  if (!(v->flags & INKAN_FLAG_ENCRYPTED))
    {
      g_autofree char *part = NULL;

      /* EFAIL: an encrypted part among parts that are not (HTML around it,
       * a list footer) is never decrypted into one output with them. */
      if (find_layer (g_mime_message_get_mime_part (message), "", &part, 0, TRUE) != NULL
          || find_layer (current, "", &part, 0, TRUE) != NULL)
        _inkan_set_error (error, INKAN_ERROR_NOT_SMIME,
                          _("Only part %s of the message is encrypted, among parts that are not; inkan decrypts only a message that is encrypted as a whole, so that text added around the encrypted part can never be shown as part of it. Save part %s as a message of its own to decrypt it."),
                          part, part);
      else
        _inkan_set_error (error, INKAN_ERROR_NOT_SMIME, _("The message is not encrypted; use “inkan verify” to check its signature."));
      return NULL;
    }
  if (pending == NULL)
    {
      /* The plaintext itself is not signed but holds a signed part (an
       * encrypted forward): reported as inkan_message_verify() does. */
      g_autofree char *path = NULL;
      GMimeObject *signed_obj = find_signed (current, "", &path, 0);

      if (signed_obj != NULL && signed_obj != current)
        {
          if ((pending = verify_layer (signed_obj, layer_kind (signed_obj), trust, at, NULL, error)) == NULL)
            return NULL;
          v->flags |= INKAN_FLAG_PARTIALLY_SIGNED;
          v->signed_part = g_steal_pointer (&path);
        }
    }
  if (pending)
    record_signature (v, message, pending);
  /* The message keeps its own MIME-Version; the inner entity's would repeat it. */
  g_mime_object_remove_header (current, "MIME-Version");
  g_mime_message_set_mime_part (message, current);
  return g_steal_pointer (&v);
}
