/* inkan-native-host: reads WebExtension native-messaging frames (a uint32
 * length in native byte order, then that many bytes of UTF-8 JSON) on
 * stdin and writes one reply frame per request on stdout, until stdin ends.
 *
 * Nothing but frames ever reaches stdout: the protocol uses a private copy
 * of file descriptor 1, and fd 1 itself is pointed at stderr, so a stray
 * printf in a library cannot corrupt the stream.  Logs go to a file
 * ($INKAN_NATIVE_HOST_LOG, else $XDG_STATE_HOME/inkan/native-host.log);
 * never request contents, passphrases or messages.
 */
#include "host.h"
#include "config.h"
#include <errno.h>
#include <fcntl.h>
#include <glib/gi18n.h>
#include <locale.h>
#include <signal.h>
#include <stdio.h>
#include <unistd.h>
#include <sys/stat.h>

static int proto_out = -1;
static FILE *log_file;

void
host_log (const char *level, const char *format, ...)
{
  g_autofree char *text = NULL;
  g_autoptr (GDateTime) now = g_date_time_new_now_utc ();
  g_autofree char *stamp = g_date_time_format (now, "%F %T.%f");
  va_list ap;

  if (log_file == NULL)
    return;
  va_start (ap, format);
  text = g_strdup_vprintf (format, ap);
  va_end (ap);
  fprintf (log_file, "%.23s pid=%d %s %s\n", stamp, (int) getpid (), level, text);
  fflush (log_file);
}

static GLogWriterOutput
log_writer (GLogLevelFlags level, const GLogField *fields, gsize n_fields, gpointer user_data)
{
  const char *message = NULL;

  (void) user_data;
  for (gsize i = 0; i < n_fields; i++)
    if (!strcmp (fields[i].key, "MESSAGE"))
      message = fields[i].value;
  if ((level & (G_LOG_LEVEL_DEBUG | G_LOG_LEVEL_INFO)) && !g_getenv ("G_MESSAGES_DEBUG"))
    return G_LOG_WRITER_HANDLED;
  host_log (level & (G_LOG_LEVEL_ERROR | G_LOG_LEVEL_CRITICAL) ? "CRITICAL"
            : level & G_LOG_LEVEL_WARNING ? "WARNING" : "INFO",
            "%s", message ? message : "");
  return G_LOG_WRITER_HANDLED;
}

static void
open_log (void)
{
  const char *env = g_getenv ("INKAN_NATIVE_HOST_LOG");
  g_autofree char *path = NULL;

  if (env && !strcmp (env, "none"))
    return;
  if (env && !strcmp (env, "stderr"))
    {
      log_file = stderr;
      return;
    }
  if (env && *env)
    path = g_strdup (env);
  else
    {
      const char *state = g_getenv ("XDG_STATE_HOME");
      g_autofree char *dir = state && g_path_is_absolute (state)
                             ? g_build_filename (state, "inkan", NULL)
                             : g_build_filename (g_get_home_dir (), ".local", "state", "inkan", NULL);
      g_mkdir_with_parents (dir, 0700);
      path = g_build_filename (dir, "native-host.log", NULL);
    }
  {
    int fd = open (path, O_WRONLY | O_CREAT | O_APPEND | O_CLOEXEC, 0600);
    if (fd >= 0)
      log_file = fdopen (fd, "a");
  }
}

/* Reads exactly @len bytes.  Returns @len, 0 at EOF before any byte, or
 * the short count at EOF after some bytes; -1 on a read error. */
static gssize
read_full (int fd, void *buf, gsize len)
{
  gsize got = 0;

  while (got < len)
    {
      ssize_t n = read (fd, (char *) buf + got, len - got);
      if (n < 0 && errno == EINTR)
        continue;
      if (n < 0)
        return -1;
      if (n == 0)
        break;
      got += (gsize) n;
    }
  return (gssize) got;
}

static gboolean
write_full (int fd, const void *buf, gsize len)
{
  gsize done = 0;

  while (done < len)
    {
      ssize_t n = write (fd, (const char *) buf + done, len - done);
      if (n < 0 && errno == EINTR)
        continue;
      if (n <= 0)
        return FALSE;
      done += (gsize) n;
    }
  return TRUE;
}

static gboolean
send_frame (GBytes *payload)
{
  gsize len;
  const guint8 *data = g_bytes_get_data (payload, &len);
  guint32 n = (guint32) len;

  return write_full (proto_out, &n, sizeof n) && write_full (proto_out, data, len);
}

/* Skips @len bytes of an oversized request; FALSE at EOF. */
static gboolean
skip_bytes (int fd, guint64 len)
{
  char buf[65536];

  while (len > 0)
    {
      gsize want = (gsize) MIN (len, (guint64) sizeof buf);

      if (read_full (fd, buf, want) != (gssize) want)
        return FALSE;
      len -= want;
    }
  return TRUE;
}

int
main (int argc, char **argv)
{
  int devnull_ok;
  guint n_requests = 0;

  setlocale (LC_ALL, "");
  bindtextdomain (GETTEXT_PACKAGE, INKAN_LOCALEDIR);
  bind_textdomain_codeset (GETTEXT_PACKAGE, "UTF-8");
  signal (SIGPIPE, SIG_IGN);

  /* The protocol gets its own descriptor; fd 1 goes to stderr. */
  proto_out = fcntl (1, F_DUPFD_CLOEXEC, 3);
  devnull_ok = dup2 (2, 1);
  if (proto_out < 0 || devnull_ok < 0)
    return 1;

  open_log ();
  g_log_set_writer_func (log_writer, NULL, NULL);
  host_log ("INFO", "start inkan-native-host %s (protocol %d), argv[1]=%s extension=%s",
            INKAN_VERSION, HOST_PROTOCOL_VERSION, argc > 1 ? argv[1] : "-", argc > 2 ? argv[2] : "-");
  inkan_init ();

  for (;;)
    {
      guint32 len;
      gssize n = read_full (0, &len, sizeof len);
      g_autofree guint8 *data = NULL;
      g_autoptr (GBytes) reply = NULL;

      if (n == 0)
        {
          host_log ("INFO", "stdin closed after %u requests; exit", n_requests);
          return 0;
        }
      if (n != (gssize) sizeof len)
        {
          host_log ("WARNING", "stdin ended inside a frame header; exit");
          return 2;
        }
      n_requests++;
      if (len > HOST_MAX_REQUEST)
        {
          g_autofree char *msg = g_strdup_printf ("The request is %u bytes; the limit is %u bytes.",
                                                  len, HOST_MAX_REQUEST);
          g_autoptr (GBytes) err = rpc_error_frame (NULL, RPC_REQUEST_TOO_LARGE, msg);

          host_log ("WARNING", "request of %u bytes refused (limit %u)", len, HOST_MAX_REQUEST);
          if (!send_frame (err))
            return 3;
          if (!skip_bytes (0, len))
            {
              host_log ("WARNING", "stdin ended inside an oversized frame; exit");
              return 2;
            }
          continue;
        }
      data = g_malloc (len ? len : 1);
      n = read_full (0, data, len);
      if (n != (gssize) len)
        {
          host_log ("WARNING", "stdin ended inside a frame (%zd of %u bytes); exit", n, len);
          return 2;
        }
      reply = rpc_handle_frame (data, len);
      if (reply && !send_frame (reply))
        {
          host_log ("WARNING", "stdout closed; exit");
          return 3;
        }
    }
}
