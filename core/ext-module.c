/* libinkan-ext's entry point: the table libinkan looks up when it loads the
 * module (core/ext.h, core/ext.c). */
#include "ext.h"
#include "config.h"
#include <gmodule.h>

static const InkanExt table = {
  .version = INKAN_VERSION,
  .size = sizeof (InkanExt),
  .thunderbird_import = _inkan_nss_import,
  .thunderbird_list = _inkan_nss_list,
  .thunderbird_remove = _inkan_nss_remove,
  .zip_read = _inkan_zip_read,
};

/**
 * _inkan_ext_module_table: (skip)
 *
 * The one symbol libinkan looks up in the module (%INKAN_EXT_SYMBOL).
 *
 * Returns: (transfer none): the module's functions.
 */
G_MODULE_EXPORT const InkanExt *
_inkan_ext_module_table (void)
{
  return &table;
}
