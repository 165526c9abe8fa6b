/* Zip archives of CA deliveries, read with libarchive (core/delivery.c
 * decides what the members are).  Built into libinkan-ext, the module
 * libinkan loads the first time it is needed (core/ext.h).
 */
#include "ext.h"
#include <archive.h>
#include <archive_entry.h>

/* See core/ext.h. */
gboolean
_inkan_zip_read (GBytes *zip, const char *what, gsize max_member,
                 InkanZipMemberFunc func, gpointer user_data, GError **error)
{
  struct archive *ar = archive_read_new ();
  struct archive_entry *entry;
  gsize len;
  const void *data = g_bytes_get_data (zip, &len);
  gboolean ok = TRUE;

  archive_read_support_format_zip (ar);
  if (archive_read_open_memory (ar, data, len) != ARCHIVE_OK)
    {
      _inkan_set_error (error, INKAN_ERROR_CERTIFICATE, _("“%s” is not a readable zip archive (%s)."),
                        what, archive_error_string (ar));
      archive_read_free (ar);
      return FALSE;
    }
  while (ok && archive_read_next_header (ar, &entry) == ARCHIVE_OK)
    {
      la_int64_t size = archive_entry_size (entry);
      const char *path = archive_entry_pathname (entry);
      g_autofree guint8 *buf = NULL;
      g_autoptr (GBytes) member = NULL;

      if (archive_entry_filetype (entry) != AE_IFREG || size <= 0)
        continue;
      if ((guint64) size > max_member)
        {
          _inkan_set_error (error, INKAN_ERROR_CERTIFICATE, _("“%s” in “%s” is too large to be a certificate or key."), path, what);
          ok = FALSE;
          break;
        }
      buf = g_malloc (size);
      if (archive_read_data (ar, buf, size) != size)
        {
          _inkan_set_error (error, INKAN_ERROR_CERTIFICATE, _("“%s” in “%s” cannot be read (%s)."), path, what, archive_error_string (ar));
          ok = FALSE;
          break;
        }
      member = g_bytes_new_take (g_steal_pointer (&buf), size);
      ok = func (path, member, user_data, error);
    }
  archive_read_free (ar);
  return ok;
}
