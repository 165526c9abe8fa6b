/* Loads libinkan-ext, the module with the NSS and libarchive code
 * (core/ext.h), the first time a function that needs it is called, and the
 * public functions that go through it: the Thunderbird profile store
 * (implemented in core/store-nss.c).  Zip deliveries reach the module from
 * core/delivery.c.
 *
 * The module is looked for in the directory libinkan itself was loaded
 * from (the build tree's core/, or libdir once installed), then in the
 * configured libdir.  It is loaded at most once per process and never
 * unloaded.
 */
#define _GNU_SOURCE
#include "ext.h"
#include "config.h"
#include <dlfcn.h>
#include <gmodule.h>

typedef struct {
  const InkanExt *table;  /* NULL when the module could not be loaded */
  char *why;              /* then: the sentence for the error */
} ExtLoad;

static char *
module_path_next_to_libinkan (void)
{
  Dl_info info;

  if (dladdr ((void *) _inkan_ext, &info) == 0 || info.dli_fname == NULL
      || strchr (info.dli_fname, '/') == NULL)
    return NULL;
  {
    g_autofree char *dir = g_path_get_dirname (info.dli_fname);
    return g_build_filename (dir, INKAN_EXT_MODULE, NULL);
  }
}

static gpointer
load_module (gpointer unused)
{
  ExtLoad *load = g_new0 (ExtLoad, 1);
  g_autofree char *path = module_path_next_to_libinkan ();
  const InkanExt *(*get) (void) = NULL;
  GModule *module;

  (void) unused;
  if (path == NULL || !g_file_test (path, G_FILE_TEST_EXISTS))
    {
      g_free (path);
      path = g_build_filename (INKAN_LIBDIR, INKAN_EXT_MODULE, NULL);
    }
  module = g_module_open (path, G_MODULE_BIND_LOCAL);
  if (module == NULL)
    {
      /* g_module_error() names the file. */
      load->why = g_strdup_printf (_("Cannot load inkan's module for Thunderbird profiles and zip files: %s."),
                                   g_module_error ());
      return load;
    }
  if (!g_module_symbol (module, INKAN_EXT_SYMBOL, (gpointer *) &get) || get == NULL
      || get () == NULL || g_strcmp0 (get ()->version, INKAN_VERSION) != 0
      || get ()->size != sizeof (InkanExt))
    {
      load->why = g_strdup_printf (_("Cannot use inkan's module for Thunderbird profiles and zip files (%s): it is not the one of libinkan %s."),
                                   path, INKAN_VERSION);
      g_module_close (module);
      return load;
    }
  g_module_make_resident (module);
  load->table = get ();
  return load;
}

/* The module's table; NULL with #INKAN_ERROR_FAILED when it cannot be
 * loaded (then every later call fails the same way). */
const InkanExt *
_inkan_ext (GError **error)
{
  static GOnce once = G_ONCE_INIT;
  const ExtLoad *load = g_once (&once, load_module, NULL);

  if (load->table == NULL)
    _inkan_set_error (error, INKAN_ERROR_FAILED, "%s", load->why);
  return load->table;
}

/**
 * inkan_thunderbird_import:
 * @profile: a Thunderbird profile directory (see
 *   inkan_thunderbird_default_profile())
 * @identity: (nullable): the identity to import (private key, certificate
 *   and intermediates); %NULL to import only @certs, for example the
 *   certificates of correspondents
 * @certs: (nullable) (element-type X509): more certificates: correspondents'
 *   certificates, intermediate or root CA certificates; may be empty
 * @label: (nullable): the NSS nickname of the identity's certificate (or, in
 *   a certificate-only import, of the first end-entity certificate); %NULL
 *   for its first rfc822Name/SmtpUTF8Mailbox address
 * @force: import even when a certificate is already in the profile; the
 *   entries already there are kept (with their nickname) and whatever is
 *   missing (the key, intermediates, the identity settings) is added
 * @trust_root: give self-signed root certificates in @certs the trust
 *   ",C," (a trusted CA for email only, certutil notation); without it they
 *   are imported without trust, like intermediates
 * @ask: (nullable) (scope call): asks for the profile's primary password
 *   (what = "Thunderbird primary password") when its key database has one
 * @ask_data: data for @ask
 * @error: return location for an error
 *
 * Adds an identity and certificates to the NSS database of a Thunderbird
 * profile (cert9.db and key4.db, created with an empty primary password if
 * the profile has none yet, as Thunderbird does), so that Thunderbird can
 * sign and decrypt S/MIME mail (RFC 8551) with it, and makes the profile's
 * mail identities that use an address of the certificate use it.
 *
 * The key is imported as a PKCS #8 PrivateKeyInfo (RFC 5208) with the
 * public value of the certificate, so NSS gives key and certificate the same
 * CKA_ID: they are linked ("certutil -K" lists the key under the
 * certificate's nickname).  RSA and EC keys are supported.  Intermediate
 * CA certificates are imported without trust (Thunderbird uses them to
 * build chains).
 *
 * For each mail identity of prefs.js or user.js whose
 * mail.identity.ID.useremail equals (inkan_address_equal()) an address of
 * the certificate, prefs.js gets mail.identity.ID.signing_cert_name and
 * encryption_cert_name (the nickname) and signing_cert_dbkey and
 * encryption_cert_dbkey (nsNSSCertificate::GetDbKey: base64 of 8 zero bytes,
 * the serial number's and the issuer's lengths as 32-bit big-endian numbers,
 * the serial number and the DER issuer name), only those the certificate's
 * key usage allows.  prefs.js is written atomically and every other line is
 * kept byte for byte.
 *
 * result->notes gets one sentence per thing done or found (identity set,
 * chain incomplete, root not trusted, ...); result->id is the nickname of
 * the identity's certificate (or the first end-entity certificate).
 *
 * Errors, and the state of the profile after them:
 *   - #INKAN_ERROR_NOT_FOUND: @profile is not a directory.  Nothing changed.
 *   - #INKAN_ERROR_EXISTS: an end-entity certificate is already in the
 *     profile (same DER) and @force is %FALSE, or @label is the nickname of
 *     a certificate of another subject.  Nothing changed.
 *   - #INKAN_ERROR_LOCKED: Thunderbird runs on the profile and prefs.js
 *     would change (an import that only adds to the NSS database is done
 *     while it runs), or prefs.js changed while importing.  Nothing changed.
 *   - #INKAN_ERROR_PASSPHRASE_REQUIRED, #INKAN_ERROR_BAD_PASSPHRASE: the
 *     primary password is needed and @ask is %NULL, or it is wrong; the
 *     error of @ask is passed on as it is.  Nothing changed.
 *   - #INKAN_ERROR_UNSUPPORTED: the key is neither RSA nor EC.  Nothing changed.
 *   - #INKAN_ERROR_IO: the database or prefs.js cannot be opened, read or
 *     written; #INKAN_ERROR_FAILED: NSS refused an operation.  Whatever was
 *     added before the failure has been removed again.
 *
 * Returns: (transfer full): the result, free with inkan_import_result_free(),
 *   or %NULL with @error set.
 */
InkanImportResult *
inkan_thunderbird_import (const char *profile, InkanIdentity *identity, GPtrArray *certs,
                          const char *label, gboolean force, gboolean trust_root,
                          InkanPassphraseFunc ask, gpointer ask_data, GError **error)
{
  const InkanExt *ext;

  g_return_val_if_fail (profile != NULL, NULL);
  g_return_val_if_fail (identity != NULL || (certs != NULL && certs->len > 0), NULL);
  if ((ext = _inkan_ext (error)) == NULL)
    return NULL;
  return ext->thunderbird_import (profile, identity, certs, label, force, trust_root, ask, ask_data, error);
}

/**
 * inkan_thunderbird_list:
 * @profile: a Thunderbird profile directory
 * @ask: (nullable) (scope call): asks for the primary password
 *   ("Thunderbird primary password") when the key database has one (needed
 *   to see which certificates have their private key)
 * @ask_data: data for @ask
 * @error: return location for #INKAN_ERROR_NOT_FOUND (no such profile
 *   directory), #INKAN_ERROR_PASSPHRASE_REQUIRED, #INKAN_ERROR_BAD_PASSPHRASE
 *   or #INKAN_ERROR_IO
 *
 * Lists the certificates of the profile's NSS database (not Thunderbird's
 * built-in roots, which live in a separate module).  A profile without a
 * database (cert9.db) has none.  The database is opened read-only; nothing
 * is written, and Thunderbird may be running.
 *
 * Returns: (transfer full) (element-type InkanStoreEntry): the entries
 *   (store "thunderbird", id and label = the nickname, has_key when the
 *   private key is in the database), or %NULL with @error set.
 */
GPtrArray *
inkan_thunderbird_list (const char *profile, InkanPassphraseFunc ask, gpointer ask_data,
                        GError **error)
{
  const InkanExt *ext;

  g_return_val_if_fail (profile != NULL, NULL);
  if ((ext = _inkan_ext (error)) == NULL)
    return NULL;
  return ext->thunderbird_list (profile, ask, ask_data, error);
}

/**
 * inkan_thunderbird_remove:
 * @profile: a Thunderbird profile directory
 * @id: a nickname, or an address
 * @ask: (nullable) (scope call): asks for the primary password
 *   ("Thunderbird primary password") when the key database has one
 * @ask_data: data for @ask
 * @error: return location for an error
 *
 * Deletes from the profile's NSS database every certificate whose nickname
 * is @id, or, when none has that nickname, every certificate with the
 * address @id (inkan_address_equal()), together with its private key unless
 * a remaining certificate still uses that key.  Certificates with the same
 * subject share a nickname in NSS, so a nickname removes all of them (an
 * old and a renewed certificate, for instance).  Thunderbird may be running
 * (see the top of core/store-nss.c); mail identities that named a removed
 * certificate in prefs.js keep the name and show no certificate.
 *
 * Errors: #INKAN_ERROR_NOT_FOUND (no such profile, or nothing matches @id;
 * nothing changed), #INKAN_ERROR_PASSPHRASE_REQUIRED and
 * #INKAN_ERROR_BAD_PASSPHRASE (nothing changed), #INKAN_ERROR_IO (the
 * database cannot be opened; nothing changed), #INKAN_ERROR_FAILED (NSS
 * refused to delete; the certificates before the failing one are deleted).
 *
 * Returns: %TRUE when something was deleted.
 */
gboolean
inkan_thunderbird_remove (const char *profile, const char *id, InkanPassphraseFunc ask,
                          gpointer ask_data, GError **error)
{
  const InkanExt *ext;

  g_return_val_if_fail (profile != NULL && id != NULL, FALSE);
  if ((ext = _inkan_ext (error)) == NULL)
    return FALSE;
  return ext->thunderbird_remove (profile, id, ask, ask_data, error);
}
