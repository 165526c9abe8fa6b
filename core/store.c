/* Store entries and import results shared by every store backend. */
#include "internal.h"

InkanStoreEntry *
_inkan_store_entry_new_from_cert (const char *store, const char *id, const char *label,
                                  X509 *cert, gboolean has_key)
{
  InkanStoreEntry *e = g_new0 (InkanStoreEntry, 1);

  e->store = g_strdup (store);
  e->id = g_strdup (id);
  e->label = g_strdup (label);
  e->emails = inkan_certificate_get_addresses (cert, NULL);
  e->subject = _inkan_name_to_string (X509_get_subject_name (cert));
  e->issuer = _inkan_name_to_string (X509_get_issuer_name (cert));
  e->not_after = _inkan_asn1_time_to_unix (X509_get0_notAfter (cert));
  e->has_key = has_key;
  return e;
}

/**
 * inkan_store_entry_free:
 * @entry: (nullable): a store entry
 */
void
inkan_store_entry_free (InkanStoreEntry *entry)
{
  if (entry == NULL)
    return;
  g_free (entry->store);
  g_free (entry->id);
  g_free (entry->label);
  if (entry->emails)
    g_ptr_array_unref (entry->emails);
  g_free (entry->subject);
  g_free (entry->issuer);
  g_free (entry);
}

/**
 * inkan_import_result_free:
 * @result: (nullable): an import result
 */
void
inkan_import_result_free (InkanImportResult *result)
{
  if (result == NULL)
    return;
  g_free (result->id);
  if (result->notes)
    g_ptr_array_unref (result->notes);
  g_free (result);
}

/**
 * inkan_days_left:
 * @not_after: end of validity, seconds since the epoch
 * @at: now, seconds since the epoch
 *
 * Returns: whole days from @at to @not_after, rounded down: a certificate
 *   that expired yesterday has -1 days left, not 0.
 */
gint64
inkan_days_left (gint64 not_after, gint64 at)
{
  gint64 diff = not_after - at;

  return diff >= 0 ? diff / 86400 : -((-diff + 86399) / 86400);
}
