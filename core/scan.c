/* Batch verification of mail archives: files, directories, mbox files
 * and Maildirs, verified by worker threads (GThreadPool).
 *
 * The calling thread walks the paths and, for an mbox, splits it with
 * GMime's parser (GMIME_FORMAT_MBOX, content copied into memory so that
 * no stream is shared); workers read single-message files themselves,
 * then call inkan_message_verify() (and inkan_message_decrypt() with an
 * identity).  Workers share the InkanTrust read-only: OpenSSL 3's
 * X509_STORE locks its own lookups, and each verification has its own
 * X509_STORE_CTX.  Results reach the caller's function in the calling
 * thread, in the order the messages were found.
 */
#include "internal.h"
#include "stream.h"
#include <fcntl.h>
#include <sys/stat.h>
#include <glib/gstdio.h>
#include <unistd.h>

#define MAX_MESSAGE_FILE ((goffset) 256 * 1024 * 1024)
/* Messages handed to a worker thread, and back, at a time: one thread
 * wake-up per message cost as much as a tenth of verifying it. */
#define SCAN_BATCH 16

typedef struct {
  guint64 seq;
  char *file;
  guint index;
  GMimeMessage *message;   /* mbox messages are parsed by the walker */
  InkanScanItem *result;
} Work;

typedef struct {
  const InkanScanOptions *options;
  GAsyncQueue *done;        /* Work* */
} Shared;

/**
 * inkan_scan_item_free:
 * @item: (nullable): an item
 */
void
inkan_scan_item_free (InkanScanItem *item)
{
  if (item == NULL)
    return;
  g_free (item->file);
  inkan_verdict_free (item->verdict);
  g_free (item->error);
  g_free (item);
}

static void
work_free (Work *w)
{
  g_free (w->file);
  g_clear_object (&w->message);
  inkan_scan_item_free (w->result);
  g_free (w);
}

static void
scan_one (Work *w, const Shared *s)
{
  const InkanScanOptions *o = s->options;
  InkanScanItem *item = g_new0 (InkanScanItem, 1);
  GError *error = NULL;
  GMimeMessage *msg = w->message ? g_object_ref (w->message) : NULL;

  item->file = g_strdup (w->file);
  item->index = w->index;
  if (msg == NULL)
    msg = _inkan_message_load_file (w->file, MAX_MESSAGE_FILE, &error);
  if (msg)
    item->verdict = inkan_message_verify (msg, o->trust, o->at, &error);
  if (item->verdict && item->verdict->kind == INKAN_VERDICT_NOT_SIGNED
      && (item->verdict->flags & INKAN_FLAG_ENCRYPTED) && o->identity)
    {
      GError *local = NULL;
      InkanVerdict *inner = inkan_message_decrypt (msg, o->identity, o->trust, o->at, &local);
      if (inner)
        {
          inkan_verdict_free (item->verdict);
          item->verdict = inner;
          item->decrypted = TRUE;
        }
      else
        {
          item->error = g_strdup (local->message);
          g_error_free (local);
        }
    }
  if (error)
    {
      item->error = g_strdup (error->message);
      g_error_free (error);
    }
  g_clear_object (&msg);
  g_clear_object (&w->message);
  w->result = item;
}

/* The thread pool's function: a batch (GPtrArray of Work*) in, the same
 * batch with results out on the done queue. */
static void
worker (gpointer data, gpointer user_data)
{
  GPtrArray *batch = data;
  Shared *s = user_data;

  for (guint i = 0; i < batch->len; i++)
    scan_one (g_ptr_array_index (batch, i), s);
  g_async_queue_push (s->done, batch);
}

/* ---------------------------------------------------------------- walking */

typedef struct {
  GThreadPool *pool;
  Shared *shared;
  InkanScanFunc func;
  gpointer user_data;
  guint64 next_seq;        /* next sequence number to hand out */
  guint64 next_deliver;    /* next sequence number to give to func */
  GHashTable *waiting;     /* seq -> Work*, finished out of order */
  GPtrArray *pending;      /* Work* not yet handed to the pool */
  guint in_flight;         /* Work* pending or in the pool */
  guint max_in_flight;
  guint count;
} Walker;

static void
deliver_ready (Walker *wk)
{
  Work *w;

  while ((w = g_hash_table_lookup (wk->waiting, &wk->next_deliver)) != NULL)
    {
      g_hash_table_steal (wk->waiting, &wk->next_deliver);
      wk->func (w->result, wk->user_data);
      work_free (w);
      wk->next_deliver++;
    }
}

static void
flush_pending (Walker *wk)
{
  if (wk->pending->len == 0)
    return;
  g_thread_pool_push (wk->pool, wk->pending, NULL);
  wk->pending = g_ptr_array_sized_new (SCAN_BATCH);
}

/* Takes one finished batch, waiting for it when @block (after handing on
 * what is pending, which might be all there is to wait for). */
static void
collect_one (Walker *wk, gboolean block)
{
  GPtrArray *batch;

  if (block)
    flush_pending (wk);
  batch = block ? g_async_queue_pop (wk->shared->done) : g_async_queue_try_pop (wk->shared->done);
  if (batch == NULL)
    return;
  for (guint i = 0; i < batch->len; i++)
    {
      Work *w = g_ptr_array_index (batch, i);
      wk->in_flight--;
      g_hash_table_insert (wk->waiting, &w->seq, w);
    }
  g_ptr_array_unref (batch);
  deliver_ready (wk);
}

static void
submit (Walker *wk, const char *file, guint index, GMimeMessage *message)
{
  Work *w = g_new0 (Work, 1);

  w->seq = wk->next_seq++;
  w->file = g_strdup (file);
  w->index = index;
  w->message = message;
  while (wk->in_flight >= wk->max_in_flight)
    collect_one (wk, TRUE);
  wk->in_flight++;
  wk->count++;
  g_ptr_array_add (wk->pending, w);
  if (wk->pending->len >= SCAN_BATCH)
    flush_pending (wk);
  collect_one (wk, FALSE);
}

static void
submit_error (Walker *wk, const char *file, const char *message)
{
  Work *w = g_new0 (Work, 1);

  w->seq = wk->next_seq++;
  w->result = g_new0 (InkanScanItem, 1);
  w->result->file = g_strdup (file);
  w->result->error = g_strdup (message);
  wk->count++;
  g_hash_table_insert (wk->waiting, &w->seq, w);
  deliver_ready (wk);
}

static gboolean
is_mbox (const char *path)
{
  char head[5];
  int fd = g_open (path, O_RDONLY | O_CLOEXEC, 0);
  gboolean yes = fd >= 0 && read (fd, head, 5) == 5 && memcmp (head, "From ", 5) == 0;

  if (fd >= 0)
    close (fd);
  return yes;
}

static void
walk_mbox (Walker *wk, const char *path)
{
  g_autoptr (GError) error = NULL;
  g_autoptr (GMimeStream) stream = g_mime_stream_fs_open (path, O_RDONLY, 0, &error);
  g_autoptr (GMimeParser) parser = NULL;
  guint index = 0;

  if (stream == NULL)
    {
      g_autofree char *text = g_strdup_printf (_("Cannot read the mbox: %s."), error->message);
      submit_error (wk, path, text);
      return;
    }
  parser = g_mime_parser_new_with_stream (stream);
  g_mime_parser_set_format (parser, GMIME_FORMAT_MBOX);
  g_mime_parser_set_persist_stream (parser, FALSE);
  while (!g_mime_parser_eos (parser))
    {
      GMimeMessage *msg = g_mime_parser_construct_message (parser, NULL);
      if (msg == NULL)
        break;
      index++;
      submit (wk, path, index, msg);
    }
}

static int
compare_names (gconstpointer a, gconstpointer b)
{
  return strcmp (*(char *const *) a, *(char *const *) b);
}

static void walk_path (Walker *wk, const char *path, int depth);

static void
walk_dir (Walker *wk, const char *path, gboolean maildir_part, int depth)
{
  g_autoptr (GError) error = NULL;
  g_autoptr (GDir) dir = g_dir_open (path, 0, &error);
  g_autoptr (GPtrArray) names = g_ptr_array_new_with_free_func (g_free);
  const char *name;

  if (dir == NULL)
    {
      submit_error (wk, path, error->message);
      return;
    }
  while ((name = g_dir_read_name (dir)) != NULL)
    if (name[0] != '.')
      g_ptr_array_add (names, g_strdup (name));
  g_ptr_array_sort (names, compare_names);
  for (guint i = 0; i < names->len; i++)
    {
      g_autofree char *child = g_build_filename (path, g_ptr_array_index (names, i), NULL);
      if (maildir_part)
        {
          if (g_file_test (child, G_FILE_TEST_IS_REGULAR))
            submit (wk, child, 0, NULL);
        }
      else
        walk_path (wk, child, depth + 1);
    }
}

static gboolean
is_maildir (const char *path)
{
  g_autofree char *cur = g_build_filename (path, "cur", NULL);
  g_autofree char *new = g_build_filename (path, "new", NULL);

  return g_file_test (cur, G_FILE_TEST_IS_DIR) && g_file_test (new, G_FILE_TEST_IS_DIR);
}

static void
walk_path (Walker *wk, const char *path, int depth)
{
  if (depth > INKAN_MAX_DEPTH
      || (depth > 0 && g_file_test (path, G_FILE_TEST_IS_SYMLINK) && g_file_test (path, G_FILE_TEST_IS_DIR)))
    return;
  if (g_file_test (path, G_FILE_TEST_IS_DIR))
    {
      if (is_maildir (path))
        {
          g_autofree char *cur = g_build_filename (path, "cur", NULL);
          g_autofree char *new = g_build_filename (path, "new", NULL);
          g_autoptr (GDir) dir = g_dir_open (path, 0, NULL);
          g_autoptr (GPtrArray) subs = g_ptr_array_new_with_free_func (g_free);
          const char *name;

          walk_dir (wk, cur, TRUE, depth + 1);
          walk_dir (wk, new, TRUE, depth + 1);
          /* Maildir++ folders: .Sent, .Archive, ... */
          while (dir && (name = g_dir_read_name (dir)) != NULL)
            if (name[0] == '.' && strcmp (name, ".") && strcmp (name, ".."))
              g_ptr_array_add (subs, g_build_filename (path, name, NULL));
          g_ptr_array_sort (subs, compare_names);
          for (guint i = 0; i < subs->len; i++)
            if (is_maildir (g_ptr_array_index (subs, i)))
              walk_path (wk, g_ptr_array_index (subs, i), depth + 1);
        }
      else
        walk_dir (wk, path, FALSE, depth);
    }
  else if (g_file_test (path, G_FILE_TEST_IS_REGULAR))
    {
      if (is_mbox (path))
        walk_mbox (wk, path);
      else
        submit (wk, path, 0, NULL);
    }
}

/**
 * inkan_scan:
 * @paths: (array zero-terminated=1): files (one message each, or mbox),
 *   directories (walked; Maildirs: cur/ and new/ and Maildir++ folders)
 * @options: trust, optional identity to decrypt with, worker threads, time
 * @func: called once per message, in the calling thread, in the order the
 *   messages were found; the item is freed after it returns
 * @user_data: for @func
 * @error: return location for #INKAN_ERROR_IO when a path does not exist
 *   (checked before anything is scanned)
 *
 * Verifies every message under @paths.  A file that is not a message or
 * whose signature cannot be read gives an item with an error and no
 * verdict; scanning goes on.  Nothing is written.
 *
 * Returns: %TRUE when the paths could be scanned.
 */
gboolean
inkan_scan (const char *const *paths, const InkanScanOptions *options, InkanScanFunc func,
            gpointer user_data, GError **error)
{
  Shared shared = { options, g_async_queue_new () };
  Walker wk = { 0 };
  guint jobs = options->jobs ? options->jobs : g_get_num_processors ();
  GError *local = NULL;

  for (int i = 0; paths && paths[i]; i++)
    if (!g_file_test (paths[i], G_FILE_TEST_EXISTS))
      {
        _inkan_set_error (error, INKAN_ERROR_IO, _("“%s” does not exist."), paths[i]);
        g_async_queue_unref (shared.done);
        return FALSE;
      }
  wk.pool = g_thread_pool_new (worker, &shared, (gint) jobs, TRUE, &local);
  if (wk.pool == NULL)
    {
      _inkan_set_error (error, INKAN_ERROR_FAILED, _("Cannot start worker threads: %s."), local->message);
      g_error_free (local);
      g_async_queue_unref (shared.done);
      return FALSE;
    }
  wk.shared = &shared;
  wk.func = func;
  wk.user_data = user_data;
  wk.waiting = g_hash_table_new (g_int64_hash, g_int64_equal);
  wk.pending = g_ptr_array_sized_new (SCAN_BATCH);
  wk.max_in_flight = jobs * 4 * SCAN_BATCH;
  for (int i = 0; paths && paths[i]; i++)
    walk_path (&wk, paths[i], 0);
  while (wk.in_flight > 0)
    collect_one (&wk, TRUE);
  deliver_ready (&wk);
  g_thread_pool_free (wk.pool, FALSE, TRUE);
  g_ptr_array_unref (wk.pending);
  g_hash_table_unref (wk.waiting);
  g_async_queue_unref (shared.done);
  return TRUE;
}
