/* What every inkan subcommand shares: passphrases, input, atomic output,
 * trust, and the mapping from GError codes to exit codes. */
#include "inkan-cli.h"
#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <termios.h>
#include <unistd.h>
#include <sys/stat.h>
#include <openssl/x509v3.h>

/* Passphrases longer than this are refused as a sign of a wrong fd/file. */
#define MAX_PASSPHRASE 1024

static int
exit_code_for (const GError *error)
{
  if (error->domain == G_OPTION_ERROR)
    return EXIT_USAGE;
  if (error->domain != INKAN_ERROR)
    return EXIT_IO;
  switch ((InkanError) error->code)
    {
    case INKAN_ERROR_IO: return EXIT_IO;
    case INKAN_ERROR_PASSPHRASE_REQUIRED:
    case INKAN_ERROR_BAD_PASSPHRASE: return EXIT_PASSPHRASE;
    case INKAN_ERROR_IDENTITY:
    case INKAN_ERROR_CERTIFICATE: return EXIT_IDENTITY;
    case INKAN_ERROR_NO_FROM:
    case INKAN_ERROR_ADDRESS_MISMATCH: return EXIT_ADDRESS;
    case INKAN_ERROR_MESSAGE:
    case INKAN_ERROR_CMS: return EXIT_MALFORMED;
    case INKAN_ERROR_NOT_SMIME: return EXIT_NOTHING;
    case INKAN_ERROR_NOT_RECIPIENT:
    case INKAN_ERROR_DECRYPT: return EXIT_DECRYPT;
    case INKAN_ERROR_EXISTS: return EXIT_EXISTS;
    case INKAN_ERROR_NOT_FOUND: return EXIT_NOT_FOUND;
    case INKAN_ERROR_LOCKED: return EXIT_LOCKED;
    case INKAN_ERROR_UNSUPPORTED:
    case INKAN_ERROR_FAILED:
    default: return EXIT_INTERNAL;
    }
}

/* Prints "inkan COMMAND: <sentence>" on stderr and returns the exit code. */
int
cli_fail (const char *command, GError *error)
{
  int code = exit_code_for (error);

  g_printerr ("inkan %s: %s\n", command, error->message);
  g_error_free (error);
  return code;
}

int
cli_usage (const char *command, const char *message)
{
  g_printerr (_("inkan %s: %s (see “inkan help %s”)\n"), command, message, command);
  return EXIT_USAGE;
}

gboolean
cli_parse_options (GOptionContext *context, int *argc, char ***argv, const char *command)
{
  g_autoptr (GError) error = NULL;

  g_option_context_set_translation_domain (context, GETTEXT_PACKAGE);
  if (!g_option_context_parse (context, argc, argv, &error))
    {
      cli_usage (command, error->message);
      return FALSE;
    }
  return TRUE;
}

static GOptionEntry *
passphrase_entries (CliPassphrase *pp, const char *fd_name, const char *fd_help,
                    const char *file_name, const char *file_help)
{
  GOptionEntry entries[] = {
    { fd_name, 0, 0, G_OPTION_ARG_INT, &pp->passphrase_fd, fd_help, "N" },
    { file_name, 0, 0, G_OPTION_ARG_FILENAME, &pp->passphrase_file, file_help, "FILE" },
    { NULL, 0, 0, 0, NULL, NULL, NULL }
  };

  pp->passphrase_fd = -1;
  return g_memdup2 (entries, sizeof entries);
}

GOptionEntry *
cli_passphrase_entries (CliPassphrase *pp)
{
  return passphrase_entries (pp, "passphrase-fd", N_("Read the passphrase from the first line of file descriptor N"),
                             "passphrase-file", N_("Read the passphrase from the first line of FILE"));
}

GOptionEntry *
cli_new_passphrase_entries (CliPassphrase *pp)
{
  return passphrase_entries (pp, "new-passphrase-fd", N_("Read the new passphrase from the first line of file descriptor N"),
                             "new-passphrase-file", N_("Read the new passphrase from the first line of FILE"));
}

/* Reads one line (without its end) from @fd; the buffer is wiped on error. */
static char *
read_line_fd (int fd, const char *source, GError **error)
{
  GString *line = g_string_sized_new (64);
  char c;
  ssize_t n;

  while ((n = read (fd, &c, 1)) == 1 && c != '\n')
    {
      if (line->len >= MAX_PASSPHRASE)
        break;
      g_string_append_c (line, c);
    }
  if (n < 0 || line->len >= MAX_PASSPHRASE)
    {
      memset (line->str, 0, line->len);
      g_string_free (line, TRUE);
      g_set_error (error, INKAN_ERROR, INKAN_ERROR_IO,
                   _("Cannot read a passphrase line (of at most %d bytes) from %s."), MAX_PASSPHRASE, source);
      return NULL;
    }
  if (line->len && line->str[line->len - 1] == '\r')
    g_string_truncate (line, line->len - 1);
  return g_string_free (line, FALSE);
}

static char *
prompt_tty (const char *what, GError **error)
{
  int fd = open ("/dev/tty", O_RDWR | O_NOCTTY | O_CLOEXEC);
  struct termios old, quiet;
  g_autofree char *prompt = NULL;
  char *line;

  if (fd < 0 || tcgetattr (fd, &old) != 0)
    {
      if (fd >= 0)
        close (fd);
      g_set_error (error, INKAN_ERROR, INKAN_ERROR_PASSPHRASE_REQUIRED,
                   _("%s needs a passphrase and there is no terminal to ask for it; use --passphrase-fd or --passphrase-file."),
                   what);
      return NULL;
    }
  prompt = g_strdup_printf (_("Passphrase for %s: "), what);
  if (write (fd, prompt, strlen (prompt)) < 0)
    { /* the prompt is a courtesy; reading still works */ }
  quiet = old;
  quiet.c_lflag &= ~(tcflag_t) ECHO;
  tcsetattr (fd, TCSAFLUSH, &quiet);
  line = read_line_fd (fd, _("the terminal"), error);
  tcsetattr (fd, TCSAFLUSH, &old);
  if (write (fd, "\n", 1) < 0)
    { /* same */ }
  close (fd);
  return line;
}

static char *
get_passphrase (const char *path, CliPassphrase *pp, GError **error)
{
  if (pp->passphrase_file)
    {
      int fd = open (pp->passphrase_file, O_RDONLY | O_CLOEXEC);
      char *line;

      if (fd < 0)
        {
          g_set_error (error, INKAN_ERROR, INKAN_ERROR_IO, _("Cannot open the passphrase file “%s”: %s."),
                       pp->passphrase_file, g_strerror (errno));
          return NULL;
        }
      {
        g_autofree char *source = g_strdup_printf (_("the file “%s”"), pp->passphrase_file);
        line = read_line_fd (fd, source, error);
      }
      close (fd);
      return line;
    }
  if (pp->passphrase_fd >= 0)
    {
      g_autofree char *source = g_strdup_printf (_("file descriptor %d"), pp->passphrase_fd);
      return read_line_fd (pp->passphrase_fd, source, error);
    }
  return prompt_tty (path, error);
}

static void
wipe_free (char *secret)
{
  if (secret)
    {
      memset (secret, 0, strlen (secret));
      g_free (secret);
    }
}

/* Loads an identity from a file or, when @path is not a file, from the
 * store (an address, label or entry id), asking for a passphrase only when
 * the key needs one. */
InkanIdentity *
cli_load_identity (const char *path, CliPassphrase *pp, GError **error)
{
  GError *local = NULL;
  InkanIdentity *id;
  char *pass;
  g_autofree char *store = NULL;
  gboolean in_store = !g_file_test (path, G_FILE_TEST_EXISTS) && strchr (path, '/') == NULL;

  if (in_store)
    store = inkan_store_default_dir ();
  id = in_store ? inkan_store_find_identity (store, path, NULL, &local) : inkan_identity_load (path, NULL, &local);
  if (id || !g_error_matches (local, INKAN_ERROR, INKAN_ERROR_PASSPHRASE_REQUIRED))
    {
      if (local)
        g_propagate_error (error, local);
      return id;
    }
  g_clear_error (&local);
  pass = get_passphrase (path, pp, error);
  if (pass == NULL)
    return NULL;
  id = in_store ? inkan_store_find_identity (store, path, pass, error) : inkan_identity_load (path, pass, error);
  wipe_free (pass);
  return id;
}

/* Recipient certificates from a file, or from the store by address. */
GPtrArray *
cli_load_certificates (const char *path, GError **error)
{
  g_autofree char *store = NULL;

  if (g_file_test (path, G_FILE_TEST_EXISTS) || strchr (path, '/') != NULL)
    {
      GPtrArray *certs = inkan_certificates_load (path, error);
      /* A file with the recipient's certificate and its CA certificates
       * (a .pem chain): encrypt to the person, not to the CAs. */
      for (guint i = certs ? certs->len : 0; certs && certs->len > 1 && i-- > 0;)
        if (X509_check_ca (g_ptr_array_index (certs, i)) > 0)
          g_ptr_array_remove_index (certs, i);
      return certs;
    }
  store = inkan_store_default_dir ();
  return inkan_store_find_certificates (store, path, error);
}

/* InkanPassphraseFunc over --passphrase-fd/--passphrase-file/tty. */
char *
cli_ask_passphrase (const char *what, gpointer user_data, GError **error)
{
  return get_passphrase (what, user_data, error);
}

/* InkanPassphraseFunc for a new passphrase: from --new-passphrase-fd/-file,
 * or asked twice on the terminal. */
char *
cli_ask_new_passphrase (const char *what, gpointer user_data, GError **error)
{
  CliPassphrase *pp = user_data;
  g_autofree char *prompt = g_strdup_printf (_("new passphrase for %s"), what);
  char *first, *second;

  if (pp->passphrase_file || pp->passphrase_fd >= 0)
    return get_passphrase (what, pp, error);
  if ((first = prompt_tty (prompt, NULL)) == NULL)
    {
      g_set_error (error, INKAN_ERROR, INKAN_ERROR_PASSPHRASE_REQUIRED,
                   _("A new passphrase is needed for %s and there is no terminal to ask for it; use --new-passphrase-fd or --new-passphrase-file."),
                   what);
      return NULL;
    }
  {
    g_autofree char *again = g_strdup_printf (_("the same new passphrase again for %s"), what);
    second = prompt_tty (again, error);
  }
  if (second == NULL || strcmp (first, second) != 0)
    {
      wipe_free (first);
      if (second)
        {
          wipe_free (second);
          g_set_error (error, INKAN_ERROR, INKAN_ERROR_BAD_PASSPHRASE, _("The two passphrases differ; nothing was changed."));
        }
      return NULL;
    }
  wipe_free (second);
  return first;
}



/* Reads the message in bounded memory: a file is parsed in place, standard
 * input is kept in memory up to a few MiB and in a temporary file beyond
 * (core/stream.c). */
GMimeMessage *
cli_read_message (const char *path, GError **error)
{
  if (path && strcmp (path, "-") != 0)
    return inkan_message_load (path, error);
  return inkan_message_load_fd (STDIN_FILENO, error);
}

/* cli_write_output() for a message, streamed (large content is copied from
 * the file it is kept in, never gathered in memory). */
gboolean
cli_write_message (const char *path, GMimeMessage *message, int mode, GError **error)
{
  if (path == NULL || strcmp (path, "-") == 0 || (g_file_test (path, G_FILE_TEST_EXISTS)
                                                 && !g_file_test (path, G_FILE_TEST_IS_REGULAR)))
    {
      /* Standard output, or a device or pipe written in place: a pipe
       * stream, since GMime's FILE stream seeks (and pipes cannot). */
      gboolean to_stdout = path == NULL || strcmp (path, "-") == 0;
      int fd = to_stdout ? STDOUT_FILENO : open (path, O_WRONLY | O_CLOEXEC);
      g_autoptr (GMimeStream) stream = NULL;
      gboolean ok;

      fflush (stdout);
      if (fd >= 0)
        {
          stream = g_mime_stream_pipe_new (fd);
          g_mime_stream_pipe_set_owner (GMIME_STREAM_PIPE (stream), !to_stdout);
        }
      ok = stream && inkan_message_write (message, stream, NULL);
      if (!ok)
        g_set_error (error, INKAN_ERROR, INKAN_ERROR_IO, _("Cannot write to “%s”: %s."),
                     to_stdout ? _("standard output") : path, g_strerror (errno));
      return ok;
    }
  return inkan_message_write_file (message, path, mode, TRUE, error);
}

/* Writes @bytes to @path through a temporary file in the same directory
 * and rename(2), so a reader never sees a partial file and a failure
 * leaves nothing behind; "-" or NULL means standard output. */
gboolean
cli_write_output (const char *path, GBytes *bytes, int mode, GError **error)
{
  gsize len;
  const guint8 *data = g_bytes_get_data (bytes, &len);
  if (path == NULL || strcmp (path, "-") == 0)
    {
      if (fwrite (data, 1, len, stdout) != len || fflush (stdout) != 0)
        {
          g_set_error (error, INKAN_ERROR, INKAN_ERROR_IO, _("Cannot write to standard output: %s."), g_strerror (errno));
          return FALSE;
        }
      return TRUE;
    }
  /* A device or pipe (-o /dev/null, -o /dev/stdout, a FIFO) is written in
   * place: renaming over it would replace the device with a file. */
  {
    struct stat st;
    if (stat (path, &st) == 0 && !S_ISREG (st.st_mode))
      {
        FILE *f = fopen (path, "wb");
        gboolean ok = f && fwrite (data, 1, len, f) == len;
        if (f && fclose (f) != 0)
          ok = FALSE;
        if (!ok)
          g_set_error (error, INKAN_ERROR, INKAN_ERROR_IO, _("Cannot write to “%s”: %s."), path, g_strerror (errno));
        return ok;
      }
  }
  return inkan_file_write_atomic (path, data, len, mode, TRUE, error);
}

gboolean
cli_parse_time (const char *text, gint64 *out, GError **error)
{
  g_autoptr (GTimeZone) utc = g_time_zone_new_utc ();
  g_autoptr (GDateTime) dt = NULL;

  *out = 0;
  if (text == NULL)
    return TRUE;
  dt = g_date_time_new_from_iso8601 (text, utc);
  if (dt == NULL)
    {
      g_autofree char *with_time = g_strconcat (text, "T00:00:00Z", NULL);
      dt = g_date_time_new_from_iso8601 (with_time, utc);
    }
  if (dt == NULL)
    {
      g_set_error (error, G_OPTION_ERROR, G_OPTION_ERROR_BAD_VALUE,
                   _("“%s” is not an ISO 8601 time such as 2026-01-31T12:00:00Z"), text);
      return FALSE;
    }
  *out = g_date_time_to_unix (dt);
  return TRUE;
}

/* When a chain was not trusted and the system anchors file is missing,
 * says why on stderr (a build that was not installed has none). */
void
cli_hint_missing_anchors (const InkanVerdict *verdict, gboolean no_system)
{
  const char *path = inkan_trust_system_anchors_path ();

  if ((verdict->flags & INKAN_FLAG_UNTRUSTED) && !no_system && !g_file_test (path, G_FILE_TEST_EXISTS))
    g_printerr (_("inkan: note: no email trust anchors are installed at %s; install inkan, set INKAN_EMAIL_ANCHORS, or add --trust.\n"), path);
}

InkanTrust *
cli_build_trust (char **trust_files, gboolean no_system, GError **error)
{
  g_autoptr (InkanTrust) trust = inkan_trust_new (!no_system, error);

  if (trust == NULL)
    return NULL;
  for (int i = 0; trust_files && trust_files[i]; i++)
    if (!inkan_trust_add_file (trust, trust_files[i], error))
      return NULL;
  return g_steal_pointer (&trust);
}

gboolean
cli_parse_digest (const char *text, InkanDigest *digest)
{
  if (text == NULL || !g_ascii_strcasecmp (text, "sha256") || !g_ascii_strcasecmp (text, "sha-256"))
    *digest = INKAN_DIGEST_SHA256;
  else if (!g_ascii_strcasecmp (text, "sha384") || !g_ascii_strcasecmp (text, "sha-384"))
    *digest = INKAN_DIGEST_SHA384;
  else if (!g_ascii_strcasecmp (text, "sha512") || !g_ascii_strcasecmp (text, "sha-512"))
    *digest = INKAN_DIGEST_SHA512;
  else
    return FALSE;
  return TRUE;
}

void
cli_passphrase_clear (CliPassphrase *pp)
{
  g_clear_pointer (&pp->passphrase_file, g_free);
}
