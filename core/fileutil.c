/* Atomic file writes: keys, stores and outputs are never left half-written. */
#include "internal.h"
#include <errno.h>
#include <fcntl.h>
#include <unistd.h>
#include <sys/stat.h>

static gboolean
write_all (int fd, const guint8 *data, gsize len)
{
  while (len > 0)
    {
      ssize_t n = write (fd, data, len);
      if (n < 0 && errno == EINTR)
        continue;
      if (n <= 0)
        return FALSE;
      data += n;
      len -= (gsize) n;
    }
  return TRUE;
}

/**
 * inkan_file_write_atomic:
 * @path: the file to write
 * @data: (array length=len): the bytes
 * @len: their number
 * @mode: permission bits for a new file (0600 for keys and decrypted mail)
 * @force: replace an existing file; when %FALSE an existing @path is an
 *   #INKAN_ERROR_EXISTS error and stays untouched (checked atomically with
 *   link(2), not by a racy test)
 * @error: return location for #INKAN_ERROR_IO or #INKAN_ERROR_EXISTS
 *
 * Writes through a temporary file in the same directory, fsync(2) and
 * rename(2) (or link(2)), so a reader sees the old file or the whole new
 * one, and a failure (full disk, killed process) leaves no partial file.
 *
 * Returns: %TRUE on success.
 */
gboolean
inkan_file_write_atomic (const char *path, const void *data, gsize len, int mode,
                         gboolean force, GError **error)
{
  g_autofree char *tmp = NULL;
  int fd, saved;
  struct stat st;

  /* Never rename over a device, pipe or directory. */
  if (lstat (path, &st) == 0 && !S_ISREG (st.st_mode))
    {
      _inkan_set_error (error, INKAN_ERROR_IO, _("“%s” is not a regular file; nothing was written."), path);
      return FALSE;
    }
  tmp = g_strdup_printf ("%s.XXXXXX", path);
  fd = g_mkstemp_full (tmp, O_WRONLY | O_CLOEXEC, mode);

  if (fd < 0)
    {
      _inkan_set_error (error, INKAN_ERROR_IO, _("Cannot create “%s”: %s."), path, g_strerror (errno));
      return FALSE;
    }
  if (!write_all (fd, data, len) || fsync (fd) != 0)
    goto fail;
  if (close (fd) != 0)
    {
      fd = -1;
      goto fail;
    }
  fd = -1;
  if (force)
    {
      if (rename (tmp, path) != 0)
        goto fail;
      return TRUE;
    }
  if (link (tmp, path) != 0)
    {
      saved = errno;
      unlink (tmp);
      if (saved == EEXIST)
        _inkan_set_error (error, INKAN_ERROR_EXISTS, _("“%s” already exists; nothing was changed (use --force to replace it)."), path);
      else
        _inkan_set_error (error, INKAN_ERROR_IO, _("Cannot write “%s”: %s; nothing was written."), path, g_strerror (saved));
      return FALSE;
    }
  unlink (tmp);
  return TRUE;

fail:
  saved = errno;
  if (fd >= 0)
    close (fd);
  unlink (tmp);
  _inkan_set_error (error, INKAN_ERROR_IO, _("Cannot write “%s”: %s; nothing was written."), path, g_strerror (saved));
  return FALSE;
}
