/* gpgsm (GnuPG's S/MIME tool) as an import target.
 *
 * gpgsm 2.2 reads PKCS#12 only with pbeWithSHAAnd3-KeyTripleDES-CBC, not the
 * PBES2/AES files OpenSSL 3 writes by default ("encryptedData error at
 * pkcs5PBES2-params"), so the identity is re-exported as a legacy 3DES
 * PKCS#12 in a private temporary folder and handed to
 * "gpgsm --batch --pinentry-mode loopback --import".  The result is read from
 * gpgsm's machine-readable status lines (IMPORT_OK, doc/DETAILS in GnuPG).
 */
#include "internal.h"
#include <gio/gio.h>
#include <glib/gstdio.h>
#include <openssl/pem.h>

static gboolean
run_gpgsm (const char *file, const char *passphrase, guint *secret_keys, guint *certs, GError **error)
{
  g_autoptr (GSubprocess) proc = NULL;
  g_autofree char *out = NULL, *err = NULL;
  g_autofree char *input = g_strdup_printf ("%s\n", passphrase ? passphrase : "");
  g_auto (GStrv) lines = NULL;
  g_autoptr (GError) local = NULL;

  proc = g_subprocess_new (G_SUBPROCESS_FLAGS_STDIN_PIPE | G_SUBPROCESS_FLAGS_STDOUT_PIPE | G_SUBPROCESS_FLAGS_STDERR_PIPE,
                           &local, "gpgsm", "--batch", "--pinentry-mode", "loopback", "--passphrase-fd", "0",
                           "--status-fd", "1", "--disable-dirmngr", "--import", file, NULL);
  if (proc == NULL || !g_subprocess_communicate_utf8 (proc, input, NULL, &out, &err, &local))
    {
      memset (input, 0, strlen (input));
      _inkan_set_error (error, INKAN_ERROR_IO, _("Cannot run gpgsm (%s); install the gpgsm package."),
                        local ? local->message : "?");
      return FALSE;
    }
  memset (input, 0, strlen (input));
  *secret_keys = *certs = 0;
  lines = g_strsplit (out ? out : "", "\n", -1);
  for (int i = 0; lines[i]; i++)
    {
      /* "[GNUPG:] IMPORT_RES <count> <no_user_id> <imported> <imported_rsa>
       * <unchanged> <n_uids> <n_subk> <n_sigs> <n_revoc> <sec_read>
       * <sec_imported> <sec_dups> ..." (GnuPG doc/DETAILS). */
      unsigned v[12];
      if (sscanf (lines[i], "[GNUPG:] IMPORT_RES %u %u %u %u %u %u %u %u %u %u %u %u",
                  &v[0], &v[1], &v[2], &v[3], &v[4], &v[5], &v[6], &v[7], &v[8], &v[9], &v[10], &v[11]) == 12)
        {
          *certs += v[2] + v[4];
          *secret_keys += v[10] + v[11];
        }
    }
  return TRUE;
}

/**
 * inkan_gpgsm_import:
 * @identity: (nullable): an identity to import with its key
 * @passphrase: (nullable): the passphrase for the key; gpg-agent keeps the
 *   key protected by it (gpgsm in loopback mode uses the PKCS#12 passphrase
 *   for the agent too).  Required with @identity.
 * @certs: (element-type X509) (nullable): other certificates to import
 * @error: return location for #INKAN_ERROR_IO (gpgsm missing or failing) or
 *   #INKAN_ERROR_FAILED
 *
 * Imports into the keybox of $GNUPGHOME (or ~/.gnupg).  The key is handed
 * over in a 0600 file inside a 0700 temporary folder that is removed at the
 * end, protected by @passphrase.
 *
 * Returns: (transfer full): what was done, or %NULL.
 */
InkanImportResult *
inkan_gpgsm_import (InkanIdentity *identity, const char *passphrase, GPtrArray *certs, GError **error)
{
  g_autoptr (InkanImportResult) result = g_new0 (InkanImportResult, 1);
  g_autofree char *dir = g_dir_make_tmp ("inkan-gpgsm-XXXXXX", NULL);
  g_autofree char *file = dir ? g_build_filename (dir, "import.p12", NULL) : NULL;
  g_autofree char *pem_file = dir ? g_build_filename (dir, "certs.pem", NULL) : NULL;
  guint secret = 0, n = 0, more = 0;
  gboolean ok = TRUE;

  result->notes = g_ptr_array_new_with_free_func (g_free);
  if (dir == NULL)
    {
      _inkan_set_error (error, INKAN_ERROR_IO, _("Cannot create a private temporary folder."));
      return NULL;
    }
  if (identity)
    {
      g_autoptr (GBytes) p12 = NULL;

      if (passphrase == NULL || *passphrase == '\0')
        {
          g_rmdir (dir);
          _inkan_set_error (error, INKAN_ERROR_PASSPHRASE_REQUIRED,
                            _("gpgsm needs a passphrase to protect the key; give one with --new-passphrase-fd or --new-passphrase-file."));
          return NULL;
        }
      p12 = inkan_identity_export_pkcs12 (identity, passphrase, TRUE, NULL, error);
      ok = p12 && inkan_file_write_atomic (file, g_bytes_get_data (p12, NULL), g_bytes_get_size (p12), 0600, TRUE, error)
           && run_gpgsm (file, passphrase, &secret, &n, error);
      g_unlink (file);
      if (ok && secret == 0)
        {
          _inkan_set_error (error, INKAN_ERROR_FAILED,
                            _("gpgsm did not import the private key; run “gpgsm --import” by hand to see why."));
          ok = FALSE;
        }
    }
  if (ok && certs && certs->len)
    {
      GString *pem = g_string_new (NULL);
      for (guint i = 0; i < certs->len; i++)
        {
          g_autoptr (BIO) bio = BIO_new (BIO_s_mem ());
          char *data;
          long len;
          PEM_write_bio_X509 (bio, g_ptr_array_index (certs, i));
          len = BIO_get_mem_data (bio, &data);
          g_string_append_len (pem, data, len);
        }
      ok = inkan_file_write_atomic (pem_file, pem->str, pem->len, 0600, TRUE, error)
           && run_gpgsm (pem_file, NULL, &secret, &more, error);
      g_string_free (pem, TRUE);
      g_unlink (pem_file);
    }
  g_rmdir (dir);
  if (!ok)
    return NULL;
  if (identity)
    {
      g_autoptr (GPtrArray) emails = inkan_certificate_get_addresses (inkan_identity_get_certificate (identity), NULL);
      g_ptr_array_add (result->notes, g_strdup_printf (_("gpgsm now has the key and certificate for %s."),
                                                       emails->len ? (char *) g_ptr_array_index (emails, 0) : "?"));
      result->id = g_strdup (emails->len ? (char *) g_ptr_array_index (emails, 0) : "");
    }
  if (more)
    g_ptr_array_add (result->notes, g_strdup_printf (g_dngettext (GETTEXT_PACKAGE, "gpgsm imported %u more certificate.",
                                                                  "gpgsm imported %u more certificates.", more), more));
  return g_steal_pointer (&result);
}
