/* libinkan-ext (internal): the parts of libinkan that need NSS or
 * libarchive, built as a module that libinkan loads the first time one of
 * them is used (core/ext.c), so that a process that signs or verifies does
 * not load NSS, libarchive and what they depend on (docs/performance.md).
 *
 * The module (core/ext-module.c, core/store-nss.c, core/delivery-zip.c)
 * links against libinkan and calls its functions; libinkan reaches the
 * module only through the #InkanExt table.  Not installed, not public API.
 */
#ifndef INKAN_EXT_H
#define INKAN_EXT_H

#include "internal.h"

/* The module's file name; it is looked for next to libinkan (core/ext.c). */
#define INKAN_EXT_MODULE "libinkan-ext.so"
/* The one symbol the module exports for libinkan. */
#define INKAN_EXT_SYMBOL "_inkan_ext_module_table"

/* Called by _inkan_zip_read() for each regular member of an archive, in
 * archive order; returning %FALSE (with @error set) stops the walk. */
typedef gboolean (*InkanZipMemberFunc) (const char *path, GBytes *member, gpointer user_data,
                                        GError **error);

typedef struct {
  /* INKAN_VERSION of the build the module comes from, and the size of this
   * table there: a module of another version is not used. */
  const char *version;
  gsize size;
  InkanImportResult *(*thunderbird_import) (const char *profile, InkanIdentity *identity,
                                            GPtrArray *certs, const char *label,
                                            gboolean force, gboolean trust_root,
                                            InkanPassphraseFunc ask, gpointer ask_data,
                                            GError **error);
  GPtrArray *(*thunderbird_list) (const char *profile, InkanPassphraseFunc ask,
                                  gpointer ask_data, GError **error);
  gboolean (*thunderbird_remove) (const char *profile, const char *id,
                                  InkanPassphraseFunc ask, gpointer ask_data, GError **error);
  gboolean (*zip_read) (GBytes *zip, const char *what, gsize max_member,
                        InkanZipMemberFunc func, gpointer user_data, GError **error);
} InkanExt;

/* core/ext.c: the module's table, loaded once per process; NULL with
 * #INKAN_ERROR_FAILED when the module cannot be loaded. */
const InkanExt *_inkan_ext (GError **error);

/* The module's side (core/store-nss.c, core/delivery-zip.c). */
InkanImportResult *_inkan_nss_import (const char *profile, InkanIdentity *identity, GPtrArray *certs,
                                      const char *label, gboolean force, gboolean trust_root,
                                      InkanPassphraseFunc ask, gpointer ask_data, GError **error);
GPtrArray *_inkan_nss_list (const char *profile, InkanPassphraseFunc ask, gpointer ask_data,
                            GError **error);
gboolean _inkan_nss_remove (const char *profile, const char *id, InkanPassphraseFunc ask,
                            gpointer ask_data, GError **error);
/* Reads the zip archive @zip (named @what in errors): @func gets each
 * regular, non-empty member; a member larger than @max_member, or one that
 * cannot be read, is an #INKAN_ERROR_CERTIFICATE error. */
gboolean _inkan_zip_read (GBytes *zip, const char *what, gsize max_member,
                          InkanZipMemberFunc func, gpointer user_data, GError **error);

const InkanExt *_inkan_ext_module_table (void);

#endif
