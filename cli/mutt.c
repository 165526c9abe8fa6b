/* inkan mutt: "inkan mutt setup" (cli/mutt-setup.c), and the certificate
 * commands mutt runs ($smime_pk7out_command, $smime_get_cert_command,
 * $smime_get_signer_cert_command, $smime_get_cert_email_command,
 * $smime_import_cert_command in plugins/mutt/inkan.rc).  The commands run
 * for every message (sign, verify, encrypt, decrypt) are the separate,
 * lighter program inkan-mutt (plugins/mutt/inkan-mutt.c).
 *
 * The From check when reading: mutt extracts the signer's certificate
 * with get-signer-cert (from the whole message) and then compares each line
 * get-cert-email prints with the From mailbox, accepting a line that merely
 * starts with it (mutt 2.2 smime_handle_cert_email: From alice@example.or
 * "matches" alice@example.org).  So get-signer-cert, which sees the From
 * header, applies inkan's address rule and writes its answer above the
 * certificate in %c; get-cert-email then prints only the From address
 * inkan approved, or an empty line, which matches no From.  %c is a file
 * mutt holds open, so it is written in place, never replaced by rename(2).
 */
#include "mutt.h"
#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <unistd.h>
#include <openssl/pem.h>
#include <openssl/x509v3.h>

/* The longest address a line of get-cert-email output may hold: mutt reads
 * those lines with fgets into 256 bytes, and a longer line would be split
 * into pieces that mutt compares as prefixes (RFC 5321 allows 254). */
#define MAX_ADDRESS_LINE 254
/* Files mutt hands over: entities, signatures, certificates. */
#define MAX_HOOK_FILE ((gsize) 1 << 30)

#define FROM_CHECK_HEADER "Inkan-From-Check: "
#define FROM_HEADER "Inkan-From: "

/* ---------------------------------------------------------------- helpers */

static GBytes *
read_file (const char *path, GError **error)
{
  g_autoptr (GError) local = NULL;
  char *data = NULL;
  gsize len = 0;

  if (path == NULL || !g_file_get_contents (path, &data, &len, &local))
    {
      g_set_error (error, INKAN_ERROR, INKAN_ERROR_IO, _("Cannot read “%s”: %s."),
                   path ? path : "", local ? local->message : g_strerror (ENOENT));
      return NULL;
    }
  if (len > MAX_HOOK_FILE)
    {
      g_free (data);
      g_set_error (error, INKAN_ERROR, INKAN_ERROR_IO, _("“%s” is too large."), path);
      return NULL;
    }
  return g_bytes_new_take (data, len);
}

static gboolean
write_stdout (GBytes *bytes, GError **error)
{
  gsize len;
  const guint8 *data = g_bytes_get_data (bytes, &len);

  if (fwrite (data, 1, len, stdout) != len || fflush (stdout) != 0)
    {
      g_set_error (error, INKAN_ERROR, INKAN_ERROR_IO, _("Cannot write to standard output: %s."), g_strerror (errno));
      return FALSE;
    }
  return TRUE;
}

static char *
read_stdin_line (GError **error)
{
  g_auto (CliPassphrase) pp = { 0, NULL };

  return cli_ask_passphrase ("stdin", &pp, error);
}

static X509 *
first_leaf (GPtrArray *certs)
{
  for (guint i = 0; certs && i < certs->len; i++)
    if (X509_check_ca (g_ptr_array_index (certs, i)) == 0)
      return g_ptr_array_index (certs, i);
  return certs && certs->len ? g_ptr_array_index (certs, 0) : NULL;
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

/* An address may go on a line of get-cert-email output: no space or
 * control character, not too long. */
static gboolean
printable_address (const char *addr)
{
  if (addr == NULL || *addr == '\0' || strlen (addr) > MAX_ADDRESS_LINE)
    return FALSE;
  for (const guchar *p = (const guchar *) addr; *p; p++)
    if (*p <= ' ' || *p == 0x7f)
      return FALSE;
  return TRUE;
}

/* The first S/MIME signature in @obj, depth first: the pkcs7-signature part
 * of a multipart/signed, or a signed-data pkcs7-mime part. */
static GBytes *
find_signature (GMimeObject *obj, int depth)
{
  GMimeContentType *ct;

  if (obj == NULL || depth > 32)
    return NULL;
  ct = g_mime_object_get_content_type (obj);
  if (GMIME_IS_MULTIPART (obj))
    {
      GMimeMultipart *mp = GMIME_MULTIPART (obj);

      if (g_mime_content_type_is_type (ct, "multipart", "signed") && g_mime_multipart_get_count (mp) == 2
          && GMIME_IS_PART (g_mime_multipart_get_part (mp, 1)))
        {
          GMimeDataWrapper *w = g_mime_part_get_content (GMIME_PART (g_mime_multipart_get_part (mp, 1)));
          g_autoptr (GMimeStream) mem = g_mime_stream_mem_new ();
          GByteArray *arr;

          if (w)
            g_mime_data_wrapper_write_to_stream (w, mem);
          arr = g_mime_stream_mem_get_byte_array (GMIME_STREAM_MEM (mem));
          return g_bytes_new (arr->data, arr->len);
        }
      for (int i = 0; i < g_mime_multipart_get_count (mp); i++)
        {
          GBytes *found = find_signature (g_mime_multipart_get_part (mp, i), depth + 1);
          if (found)
            return found;
        }
      return NULL;
    }
  if (GMIME_IS_MESSAGE_PART (obj))
    {
      GMimeMessage *m = g_mime_message_part_get_message (GMIME_MESSAGE_PART (obj));
      return m ? find_signature (g_mime_message_get_mime_part (m), depth + 1) : NULL;
    }
  if (GMIME_IS_PART (obj) && (g_mime_content_type_is_type (ct, "application", "pkcs7-mime")
                              || g_mime_content_type_is_type (ct, "application", "x-pkcs7-mime")))
    {
      GMimeDataWrapper *w = g_mime_part_get_content (GMIME_PART (obj));
      g_autoptr (GMimeStream) mem = g_mime_stream_mem_new ();
      g_autoptr (GPtrArray) certs = NULL;
      g_autoptr (GBytes) der = NULL;
      GByteArray *arr;

      if (w)
        g_mime_data_wrapper_write_to_stream (w, mem);
      arr = g_mime_stream_mem_get_byte_array (GMIME_STREAM_MEM (mem));
      der = g_bytes_new (arr->data, arr->len);
      certs = inkan_cms_get_certificates (der, NULL, NULL);
      return certs ? g_steal_pointer (&der) : NULL;
    }
  return NULL;
}

/* The signature of a mail file (what mutt gives pk7out and
 * get-signer-cert), or of a bare CMS file. */
static GBytes *
signature_of_file (const char *path, GError **error)
{
  g_autoptr (GMimeMessage) msg = NULL;
  GBytes *sig;

  {
    g_autoptr (GBytes) cms = inkan_cms_load (path, NULL);
    g_autoptr (GPtrArray) certs = cms ? inkan_cms_get_certificates (cms, NULL, NULL) : NULL;
    if (certs)
      return g_steal_pointer (&cms);
  }
  if ((msg = inkan_message_load (path, error)) == NULL)
    return NULL;
  sig = find_signature (g_mime_message_get_mime_part (msg), 0);
  if (sig == NULL)
    g_set_error (error, INKAN_ERROR, INKAN_ERROR_NOT_SMIME, _("The message has no S/MIME signature."));
  return sig;
}

static void
append_pem_cert (GString *out, X509 *cert)
{
  g_autoptr (BIO) bio = BIO_new (BIO_s_mem ());
  char *data = NULL;
  long len;

  PEM_write_bio_X509 (bio, cert);
  len = BIO_get_mem_data (bio, &data);
  g_string_append_len (out, data, len);
}

/* Adds a correspondent's certificate (and the intermediates that came with
 * it) to inkan's store so that mail can be encrypted to them; an entry that
 * is already there is left as it is. */
static gboolean
collect_certificate (X509 *leaf, GPtrArray *certs, const char *label, GPtrArray *notes, GError **error)
{
  g_autoptr (GString) pem = g_string_new (NULL);
  g_autofree char *tmp = NULL;
  g_autofree char *dir = inkan_store_default_dir ();
  g_autoptr (InkanDelivery) delivery = NULL;
  g_autoptr (InkanImportResult) result = NULL;
  const char *paths[2] = { NULL, NULL };
  int fd;

  append_pem_cert (pem, leaf);
  for (guint i = 0; certs && i < certs->len; i++)
    {
      X509 *c = g_ptr_array_index (certs, i);
      if (X509_check_ca (c) > 0 && X509_check_issued (c, c) != X509_V_OK)
        append_pem_cert (pem, c);
    }
  if ((fd = g_file_open_tmp ("inkan-cert-XXXXXX.pem", &tmp, error)) < 0)
    return FALSE;
  if (write (fd, pem->str, pem->len) != (ssize_t) pem->len)
    {
      close (fd);
      unlink (tmp);
      g_set_error (error, INKAN_ERROR, INKAN_ERROR_IO, _("Cannot write a temporary file: %s."), g_strerror (errno));
      return FALSE;
    }
  close (fd);
  paths[0] = tmp;
  delivery = inkan_delivery_load (paths, NULL, NULL, error);
  if (delivery)
    result = inkan_store_import (dir, delivery, label, FALSE, NULL, NULL, error);
  unlink (tmp);
  if (result && notes)
    for (guint i = 0; i < result->notes->len; i++)
      g_ptr_array_add (notes, g_strdup (g_ptr_array_index (result->notes, i)));
  return result != NULL;
}

/* ---------------------------------------------------------------- certificates */

static int
hook_pk7out (int argc, char **argv)
{
  g_autoptr (GBytes) sig = NULL;
  g_autofree char *b64 = NULL;
  GError *error = NULL;
  GString *out;
  gsize len;

  if (argc != 2 || argv[1][0] == '-')
    return cli_usage ("mutt pk7out", _("give one message FILE"));
  if ((sig = signature_of_file (argv[1], &error)) == NULL)
    return cli_fail ("mutt pk7out", error);
  b64 = g_base64_encode (g_bytes_get_data (sig, NULL), g_bytes_get_size (sig));
  len = strlen (b64);
  out = g_string_new ("-----BEGIN PKCS7-----\n");
  for (gsize i = 0; i < len; i += 64)
    {
      g_string_append_len (out, b64 + i, MIN ((gsize) 64, len - i));
      g_string_append_c (out, '\n');
    }
  g_string_append (out, "-----END PKCS7-----\n");
  {
    g_autoptr (GBytes) bytes = g_string_free_to_bytes (out);
    if (!write_stdout (bytes, &error))
      return cli_fail ("mutt pk7out", error);
  }
  return EXIT_OK;
}

static int
hook_get_cert (int argc, char **argv)
{
  g_autoptr (GBytes) cms = NULL;
  g_autoptr (GPtrArray) certs = NULL;
  g_autoptr (GString) out = g_string_new (NULL);
  GError *error = NULL;

  if (argc != 2 || argv[1][0] == '-')
    return cli_usage ("mutt get-cert", _("give one PKCS#7 FILE"));
  if ((cms = inkan_cms_load (argv[1], &error)) == NULL
      || (certs = inkan_cms_get_certificates (cms, NULL, &error)) == NULL)
    return cli_fail ("mutt get-cert", error);
  if (certs->len == 0)
    {
      g_set_error (&error, INKAN_ERROR, INKAN_ERROR_CERTIFICATE, _("The signature carries no certificate."));
      return cli_fail ("mutt get-cert", error);
    }
  for (guint i = 0; i < certs->len; i++)
    append_pem_cert (out, g_ptr_array_index (certs, i));
  {
    g_autoptr (GBytes) bytes = g_bytes_new (out->str, out->len);
    if (!write_stdout (bytes, &error))
      return cli_fail ("mutt get-cert", error);
  }
  return EXIT_OK;
}

/* The forms of @addr mutt may hold as the From mailbox: as written, with
 * the domain in U-labels, and normalised (A-labels, ASCII lower case). */
static void
add_from_forms (GString *out, InternetAddressMailbox *mb)
{
  const char *forms[3] = {
    internet_address_mailbox_get_addr (mb),
    internet_address_mailbox_get_idn_addr (mb),
    NULL,
  };
  g_autofree char *norm = inkan_address_normalize (forms[0], NULL);
  g_autoptr (GPtrArray) done = g_ptr_array_new ();

  forms[2] = norm;
  for (guint i = 0; i < G_N_ELEMENTS (forms); i++)
    {
      gboolean dup = FALSE;
      if (!printable_address (forms[i]))
        continue;
      for (guint j = 0; j < done->len && !dup; j++)
        dup = !strcmp (g_ptr_array_index (done, j), forms[i]);
      if (dup)
        continue;
      g_ptr_array_add (done, (gpointer) forms[i]);
      g_string_append_printf (out, FROM_HEADER "%s\n", forms[i]);
    }
}

/* Writes @data into @path in place: mutt reads the file through the
 * descriptor it opened before running the command. */
static gboolean
write_in_place (const char *path, const char *data, gsize len, GError **error)
{
  int fd = open (path, O_WRONLY | O_CREAT | O_TRUNC | O_CLOEXEC, 0600);
  gboolean ok = fd >= 0 && write (fd, data, len) == (ssize_t) len;

  if (fd >= 0 && close (fd) != 0)
    ok = FALSE;
  if (!ok)
    g_set_error (error, INKAN_ERROR, INKAN_ERROR_IO, _("Cannot write “%s”: %s."), path, g_strerror (errno));
  return ok;
}

static int
hook_get_signer_cert (int argc, char **argv)
{
  g_autoptr (GMimeMessage) msg = NULL;
  g_autoptr (GBytes) sig = NULL;
  g_autoptr (GPtrArray) certs = NULL;
  g_autoptr (X509) signer = NULL;
  g_autoptr (InkanTrust) no_anchors = NULL;
  g_autoptr (InkanVerdict) v = NULL;
  g_autoptr (GString) out = g_string_new (NULL);
  InternetAddressList *from;
  InternetAddress *ia = NULL;
  gboolean match;
  GError *error = NULL;

  if (argc != 3 || argv[1][0] == '-')
    return cli_usage ("mutt get-signer-cert", _("give the message FILE and the certificate file to write"));
  if ((msg = inkan_message_load (argv[1], &error)) == NULL)
    return cli_fail ("mutt get-signer-cert", error);
  sig = find_signature (g_mime_message_get_mime_part (msg), 0);
  if (sig == NULL)
    {
      g_set_error (&error, INKAN_ERROR, INKAN_ERROR_NOT_SMIME, _("The message has no S/MIME signature."));
      return cli_fail ("mutt get-signer-cert", error);
    }
  if ((certs = inkan_cms_get_certificates (sig, &signer, &error)) == NULL)
    return cli_fail ("mutt get-signer-cert", error);
  if (signer == NULL)
    {
      g_set_error (&error, INKAN_ERROR, INKAN_ERROR_CERTIFICATE,
                   _("The signature does not carry the certificate of exactly one signer."));
      return cli_fail ("mutt get-signer-cert", error);
    }

  /* inkan's rule for "from the sender": one unambiguous From mailbox that
   * is an address of the signer (inkan_message_verify); the chain does not
   * matter here, so no anchors. */
  no_anchors = inkan_trust_new (FALSE, NULL);
  v = inkan_message_verify (msg, no_anchors, 0, NULL);
  from = g_mime_message_get_from (msg);
  if (from && internet_address_list_length (from) == 1)
    ia = internet_address_list_get_address (from, 0);
  match = v && v->signers->len == 1 && !(v->flags & INKAN_FLAG_FROM_MISMATCH)
          && ia && INTERNET_ADDRESS_IS_MAILBOX (ia)
          && inkan_certificate_has_address (signer, internet_address_mailbox_get_addr (INTERNET_ADDRESS_MAILBOX (ia)));
  g_string_append_printf (out, FROM_CHECK_HEADER "%s\n", match ? "match" : "mismatch");
  if (match)
    add_from_forms (out, INTERNET_ADDRESS_MAILBOX (ia));
  append_pem_cert (out, signer);
  if (!write_in_place (argv[2], out->str, out->len, &error))
    return cli_fail ("mutt get-signer-cert", error);
  return EXIT_OK;
}

static int
hook_get_cert_email (int argc, char **argv)
{
  g_autoptr (GBytes) bytes = NULL;
  g_autoptr (GString) out = g_string_new (NULL);
  g_autofree char *text = NULL;
  GError *error = NULL;

  if (argc != 2 || argv[1][0] == '-')
    return cli_usage ("mutt get-cert-email", _("give one certificate FILE"));
  if ((bytes = read_file (argv[1], &error)) == NULL)
    return cli_fail ("mutt get-cert-email", error);
  text = g_strndup (g_bytes_get_data (bytes, NULL), g_bytes_get_size (bytes));
  if (g_str_has_prefix (text, FROM_CHECK_HEADER))
    {
      /* Written by get-signer-cert: print only the From address inkan
       * approved, or an empty line, which matches no From (mutt then says
       * "S/MIME certificate owner does not match sender"). */
      g_auto (GStrv) lines = g_strsplit (text, "\n", -1);
      gboolean match = !strcmp (lines[0] + strlen (FROM_CHECK_HEADER), "match");

      for (int i = 1; match && lines[i] && g_str_has_prefix (lines[i], FROM_HEADER); i++)
        if (printable_address (lines[i] + strlen (FROM_HEADER)))
          g_string_append_printf (out, "%s\n", lines[i] + strlen (FROM_HEADER));
    }
  else
    {
      g_autoptr (GPtrArray) certs = inkan_certificates_load (argv[1], &error);
      g_autoptr (GPtrArray) addrs = NULL;

      if (certs == NULL)
        return cli_fail ("mutt get-cert-email", error);
      addrs = inkan_certificate_get_addresses (first_leaf (certs), NULL);
      for (guint i = 0; i < addrs->len; i++)
        if (printable_address (g_ptr_array_index (addrs, i)))
          g_string_append_printf (out, "%s\n", (char *) g_ptr_array_index (addrs, i));
    }
  if (out->len == 0)
    g_string_append_c (out, '\n');
  {
    g_autoptr (GBytes) b = g_bytes_new (out->str, out->len);
    if (!write_stdout (b, &error))
      return cli_fail ("mutt get-cert-email", error);
  }
  return EXIT_OK;
}

static int
hook_import_cert (int argc, char **argv)
{
  g_autoptr (GPtrArray) certs = NULL;
  g_autoptr (GPtrArray) notes = g_ptr_array_new_with_free_func (g_free);
  g_autofree char *label = NULL;
  GError *error = NULL;
  X509 *leaf;

  if (argc != 2 || argv[1][0] == '-')
    return cli_usage ("mutt import-cert", _("give one certificate FILE"));
  /* mutt writes a label line (empty unless $smime_ask_cert_label). */
  label = read_stdin_line (NULL);
  if (label)
    g_strstrip (label);
  if ((certs = inkan_certificates_load (argv[1], &error)) == NULL)
    return cli_fail ("mutt import-cert", error);
  leaf = first_leaf (certs);
  if (X509_check_ca (leaf) > 0)
    {
      g_set_error (&error, INKAN_ERROR, INKAN_ERROR_CERTIFICATE, _("Only CA certificates were found; nothing was imported."));
      return cli_fail ("mutt import-cert", error);
    }
  if (!collect_certificate (leaf, certs, label && *label ? label : NULL, notes, &error))
    {
      if (g_error_matches (error, INKAN_ERROR, INKAN_ERROR_EXISTS))
        {
          g_autofree char *who = join_addresses (leaf);
          printf (_("The certificate of %s is already in the store; nothing was changed.\n"), who);
          g_error_free (error);
          return EXIT_OK;
        }
      return cli_fail ("mutt import-cert", error);
    }
  for (guint i = 0; i < notes->len; i++)
    printf ("%s\n", (char *) g_ptr_array_index (notes, i));
  return EXIT_OK;
}

/* ---------------------------------------------------------------- dispatch */

typedef struct {
  const char *name;
  int (*run) (int argc, char **argv);
  const char *summary;
} MuttCommand;

static const MuttCommand mutt_commands[] = {
  { "setup", cli_mutt_setup, N_("import an identity if needed and write the inkan lines into your muttrc") },
  { "pk7out", hook_pk7out, N_("smime_pk7out_command: the signature of a message as PEM PKCS#7") },
  { "get-cert", hook_get_cert, N_("smime_get_cert_command: the certificates in a PKCS#7 file") },
  { "get-signer-cert", hook_get_signer_cert, N_("smime_get_signer_cert_command: the signer's certificate, with inkan's From check") },
  { "get-cert-email", hook_get_cert_email, N_("smime_get_cert_email_command: the addresses mutt may accept as the sender") },
  { "import-cert", hook_import_cert, N_("smime_import_cert_command: add a correspondent's certificate to inkan's store") },
};

int
cli_mutt (int argc, char **argv)
{
  if (argc >= 2)
    for (guint i = 0; i < G_N_ELEMENTS (mutt_commands); i++)
      if (!strcmp (argv[1], mutt_commands[i].name))
        return mutt_commands[i].run (argc - 1, argv + 1);
  {
    FILE *out = argc >= 2 && (!strcmp (argv[1], "--help") || !strcmp (argv[1], "-h")) ? stdout : stderr;
    fprintf (out, _("Usage: inkan mutt COMMAND [OPTION...]\n\n"
                    "“inkan mutt setup” sets mutt up; mutt runs the other commands (plugins/mutt/inkan.rc),\n"
                    "and “inkan-mutt” for signing, encrypting, verifying and decrypting.\n\nCommands:\n"));
    for (guint i = 0; i < G_N_ELEMENTS (mutt_commands); i++)
      fprintf (out, "  %-16s %s\n", mutt_commands[i].name, _(mutt_commands[i].summary));
    return out == stdout ? EXIT_OK : EXIT_USAGE;
  }
}
