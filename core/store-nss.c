/* Thunderbird's certificate and key database (NSS, "sql:" format: cert9.db,
 * key4.db) as an inkan store: import an identity or certificates, list,
 * remove.  The profile's other files (lock, prefs.js) are
 * core/thunderbird-profile.c.  This file is built into libinkan-ext, the
 * module libinkan loads the first time it is needed (core/ext.h).
 *
 * NSS is opened with NSS_InitContext() on the profile directory and shut
 * down again before each function returns; libinkan never leaves NSS
 * initialised and never loads a PKCS #11 module other than NSS's own
 * softoken (no builtin roots, no smart card modules from pkcs11.txt).
 *
 * Concurrency: the sql: database is SQLite, which NSS opens for shared,
 * multi-process access (NSS "shared database", the format Thunderbird uses
 * since version 60), so certificates and keys may be added or removed while
 * Thunderbird runs; Thunderbird sees them at the latest when it restarts.
 * prefs.js is different: a running Thunderbird overwrites it from memory, so
 * an import that must change prefs.js is refused with #INKAN_ERROR_LOCKED
 * while Thunderbird runs (see _inkan_tb_profile_in_use()).
 */
#include <nss.h>
#include <pk11pub.h>
#include <cert.h>
#include <certdb.h>
#include <keyhi.h>
#include <prerror.h>
#include <secerr.h>

#include "ext.h"
#include "thunderbird-profile.h"
#include <errno.h>
#include <openssl/err.h>
#include <unistd.h>

#define STORE_NAME "thunderbird"

/* ------------------------------------------------------------ opening */

typedef struct {
  const char *profile;
  NSSInitContext *ctx;
  PK11SlotInfo *slot;
  GPtrArray *new_files;  /* database files this open created */
} NssDb;

static const char *const db_files[] = { "cert9.db", "key4.db", "pkcs11.txt" };

static const char *
nss_reason (void)
{
  PRErrorCode code = PORT_GetError ();
  const char *text = PR_ErrorToString (code, PR_LANGUAGE_I_DEFAULT);

  if (text == NULL || *text == '\0')
    text = PR_ErrorToName (code);
  return text ? text : "unknown NSS error";
}

static gboolean
profile_exists (const char *profile, GError **error)
{
  if (g_file_test (profile, G_FILE_TEST_IS_DIR))
    return TRUE;
  _inkan_set_error (error, INKAN_ERROR_NOT_FOUND,
                    _("The Thunderbird profile “%s” does not exist."), profile);
  return FALSE;
}

static gboolean
has_database (const char *profile)
{
  g_autofree char *path = g_build_filename (profile, "cert9.db", NULL);

  return g_file_test (path, G_FILE_TEST_EXISTS);
}

/* Logs into the key database when it has a primary password. */
static gboolean
nss_login (NssDb *db, InkanPassphraseFunc ask, gpointer ask_data, GError **error)
{
  g_autoptr (GError) local = NULL;
  char *pw;
  SECStatus rv;

  if (PK11_NeedUserInit (db->slot) || !PK11_NeedLogin (db->slot)
      || PK11_IsLoggedIn (db->slot, NULL))
    return TRUE;
  if (ask == NULL)
    {
      _inkan_set_error (error, INKAN_ERROR_PASSPHRASE_REQUIRED,
                        _("The Thunderbird profile “%s” is protected by a primary password and none was given."),
                        db->profile);
      return FALSE;
    }
  pw = ask ("Thunderbird primary password", ask_data, &local);
  if (pw == NULL)
    {
      if (local)
        g_propagate_error (error, g_steal_pointer (&local));
      else
        _inkan_set_error (error, INKAN_ERROR_PASSPHRASE_REQUIRED,
                          _("The Thunderbird profile “%s” is protected by a primary password and none was given."),
                          db->profile);
      return FALSE;
    }
  rv = PK11_CheckUserPassword (db->slot, pw);
  OPENSSL_cleanse (pw, strlen (pw));
  g_free (pw);
  if (rv != SECSuccess)
    {
      if (PORT_GetError () == SEC_ERROR_BAD_PASSWORD)
        _inkan_set_error (error, INKAN_ERROR_BAD_PASSPHRASE,
                          _("The Thunderbird primary password is wrong."));
      else
        _inkan_set_error (error, INKAN_ERROR_FAILED,
                          _("Cannot log into the certificate database of “%s”: %s."),
                          db->profile, nss_reason ());
      return FALSE;
    }
  return TRUE;
}

static void nss_close (NssDb *db, gboolean keep_new_files);

/* Opens the NSS database of @profile (creating it when !@readonly, as
 * Thunderbird does at its first start: empty primary password) and logs
 * in.  On error NSS is shut down again and no new file is left. */
static gboolean
nss_open (NssDb *db, const char *profile, gboolean readonly,
          InkanPassphraseFunc ask, gpointer ask_data, GError **error)
{
  NSSInitParameters params;
  g_autofree char *configdir = g_strconcat ("sql:", profile, NULL);
  PRUint32 flags = NSS_INIT_NOROOTINIT | NSS_INIT_NOMODDB | NSS_INIT_OPTIMIZESPACE;

  memset (db, 0, sizeof *db);
  db->profile = profile;
  if (NSS_IsInitialized ())
    {
      /* A second context would open the profile as an extra slot, not as
       * the internal key slot this code works on. */
      _inkan_set_error (error, INKAN_ERROR_FAILED,
                        _("NSS is already in use in this program; the Thunderbird profile “%s” cannot be opened."),
                        profile);
      return FALSE;
    }
  db->new_files = g_ptr_array_new_with_free_func (g_free);
  for (guint i = 0; i < G_N_ELEMENTS (db_files) && !readonly; i++)
    {
      char *path = g_build_filename (profile, db_files[i], NULL);
      if (g_file_test (path, G_FILE_TEST_EXISTS))
        g_free (path);
      else
        g_ptr_array_add (db->new_files, path);
    }
  if (readonly)
    flags |= NSS_INIT_READONLY;
  memset (&params, 0, sizeof params);
  params.length = sizeof params;
  db->ctx = NSS_InitContext (configdir, "", "", SECMOD_DB, &params, flags);
  if (db->ctx == NULL)
    {
      _inkan_set_error (error, INKAN_ERROR_IO,
                        _("Cannot open the certificate database of the Thunderbird profile “%s”: %s."),
                        profile, nss_reason ());
      nss_close (db, FALSE);
      return FALSE;
    }
  db->slot = PK11_GetInternalKeySlot ();
  if (db->slot == NULL
      || (!readonly && PK11_NeedUserInit (db->slot) && PK11_InitPin (db->slot, NULL, NULL) != SECSuccess))
    {
      _inkan_set_error (error, INKAN_ERROR_IO,
                        _("Cannot open the certificate database of the Thunderbird profile “%s”: %s."),
                        profile, nss_reason ());
      nss_close (db, FALSE);
      return FALSE;
    }
  if (!nss_login (db, ask, ask_data, error))
    {
      nss_close (db, FALSE);
      return FALSE;
    }
  return TRUE;
}

static void
nss_close (NssDb *db, gboolean keep_new_files)
{
  if (db->slot)
    PK11_FreeSlot (db->slot);
  db->slot = NULL;
  if (db->ctx)
    NSS_ShutdownContext (db->ctx);
  db->ctx = NULL;
  for (guint i = 0; db->new_files && i < db->new_files->len && !keep_new_files; i++)
    unlink (g_ptr_array_index (db->new_files, i));
  if (db->new_files)
    g_ptr_array_unref (db->new_files);
  db->new_files = NULL;
}

/* ------------------------------------------------------------ certificates */

static X509 *
x509_from_nss (CERTCertificate *cert)
{
  const unsigned char *p = cert->derCert.data;
  X509 *x = d2i_X509 (NULL, &p, (long) cert->derCert.len);

  ERR_clear_error ();
  return x;
}

/* An NSS temporary certificate for @x (the permanent one when the database
 * holds it). */
static CERTCertificate *
nss_from_x509 (X509 *x)
{
  unsigned char *der = NULL;
  int len = i2d_X509 (x, &der);
  SECItem item;
  CERTCertificate *cert;

  if (len <= 0)
    return NULL;
  item.type = siDERCertBuffer;
  item.data = der;
  item.len = (unsigned int) len;
  cert = CERT_NewTempCertificate (CERT_GetDefaultCertDB (), &item, NULL, PR_FALSE, PR_TRUE);
  OPENSSL_free (der);
  return cert;
}

/* The permanent copy of @cert in the profile database, or NULL. */
static CERTCertificate *
find_in_db (NssDb *db, CERTCertificate *cert)
{
  return PK11_FindCertFromDERCertItem (db->slot, &cert->derCert, NULL);
}

/* The nickname (CKA_LABEL) of @cert.  NSS puts "TOKEN NAME:" in front of
 * it in some lookups (a certificate that was a temporary one first). */
static const char *
nickname_of (NssDb *db, CERTCertificate *cert)
{
  const char *nick = cert->nickname;
  const char *token = PK11_GetTokenName (db->slot);
  gsize len = token ? strlen (token) : 0;

  if (nick && len && strncmp (nick, token, len) == 0 && nick[len] == ':')
    return nick + len + 1;
  return nick;
}

static gboolean
is_ca (X509 *x)
{
  return X509_check_ca (x) != 0 || X509_check_issued (x, x) == X509_V_OK;
}

static gboolean
is_self_signed (X509 *x)
{
  gboolean r = X509_check_issued (x, x) == X509_V_OK;

  ERR_clear_error ();
  return r;
}

static char *
default_nickname (X509 *x)
{
  g_autoptr (GPtrArray) addrs = inkan_certificate_get_addresses (x, NULL);
  char cn[256];

  if (addrs->len > 0)
    return g_strdup (g_ptr_array_index (addrs, 0));
  if (X509_NAME_get_text_by_NID (X509_get_subject_name (x), NID_commonName, cn, sizeof cn) > 0)
    return g_strdup (cn);
  return _inkan_name_to_string (X509_get_subject_name (x));
}

/* What a person recognises a certificate by: its address, else subject. */
static char *
describe (X509 *x)
{
  g_autoptr (GPtrArray) addrs = inkan_certificate_get_addresses (x, NULL);

  if (addrs->len > 0)
    return g_strdup (g_ptr_array_index (addrs, 0));
  return _inkan_name_to_string (X509_get_subject_name (x));
}

/* One certificate this import brings. */
typedef struct {
  X509 *x509;                /* borrowed */
  CERTCertificate *cert;     /* temporary, or the permanent one when present */
  gboolean present;          /* already in the database */
  gboolean ca;
  gboolean leaf;             /* the identity's certificate */
  char *nickname;            /* planned nickname of a new certificate */
} Item;

static void
item_free (Item *it)
{
  if (it->cert)
    CERT_DestroyCertificate (it->cert);
  g_free (it->nickname);
  g_free (it);
}

/* Another certificate (other subject) of the database or of this import
 * already has @nick.  NSS keeps one nickname per subject. */
static gboolean
nickname_taken (NssDb *db, CERTCertList *all, GPtrArray *items, const char *nick,
                CERTCertificate *cert)
{
  for (CERTCertListNode *n = CERT_LIST_HEAD (all); !CERT_LIST_END (n, all); n = CERT_LIST_NEXT (n))
    if (nickname_of (db, n->cert) && strcmp (nickname_of (db, n->cert), nick) == 0
        && !SECITEM_ItemsAreEqual (&n->cert->derSubject, &cert->derSubject))
      return TRUE;
  for (guint i = 0; i < items->len; i++)
    {
      Item *o = g_ptr_array_index (items, i);
      if (o->nickname && strcmp (o->nickname, nick) == 0
          && !SECITEM_ItemsAreEqual (&o->cert->derSubject, &cert->derSubject))
        return TRUE;
    }
  return FALSE;
}

/* The nickname of a certificate with @cert's subject in the database. */
static const char *
subject_nickname (NssDb *db, CERTCertList *all, CERTCertificate *cert)
{
  for (CERTCertListNode *n = CERT_LIST_HEAD (all); !CERT_LIST_END (n, all); n = CERT_LIST_NEXT (n))
    if (nickname_of (db, n->cert) && SECITEM_ItemsAreEqual (&n->cert->derSubject, &cert->derSubject))
      return nickname_of (db, n->cert);
  return NULL;
}

/* Picks the nickname of a new end-entity certificate: @label, else its
 * first address, made unique with " #2", " #3"... as Thunderbird does when
 * it picks a nickname itself.  A certificate whose subject already has a
 * nickname gets that one (NSS would give it that one anyway). */
static char *
plan_nickname (NssDb *db, CERTCertList *all, GPtrArray *items, Item *it, const char *label,
               GError **error)
{
  g_autofree char *base = NULL;
  const char *same = subject_nickname (db, all, it->cert);

  if (same && (label == NULL || strcmp (label, same) == 0))
    return g_strdup (same);
  if (same)
    {
      g_autofree char *who = describe (it->x509);
      _inkan_set_error (error, INKAN_ERROR_EXISTS,
                        _("Certificates with the subject of %s are already in the profile under the nickname “%s”; nothing was changed (leave out the label)."),
                        who, same);
      return NULL;
    }
  base = label ? g_strdup (label) : default_nickname (it->x509);
  if (!nickname_taken (db, all, items, base, it->cert))
    return g_steal_pointer (&base);
  if (label)
    {
      _inkan_set_error (error, INKAN_ERROR_EXISTS,
                        _("The nickname “%s” is already used by another certificate in the profile; nothing was changed (choose another label)."),
                        label);
      return NULL;
    }
  for (guint n = 2;; n++)
    {
      char *candidate = g_strdup_printf ("%s #%u", base, n);
      if (!nickname_taken (db, all, items, candidate, it->cert))
        return candidate;
      g_free (candidate);
    }
}

/* ------------------------------------------------------------ import */

/* A trust change, to undo. */
typedef struct {
  CERTCertificate *cert;
  CERTCertTrust old;
  gboolean had;
} TrustChange;

/* What an import added, to take it out again when a later step fails. */
typedef struct {
  PK11SlotInfo *slot;        /* borrowed */
  GPtrArray *certs;          /* CERTCertificate*, permanent, added */
  SECKEYPrivateKey *key;     /* added */
  CK_OBJECT_HANDLE public_key;  /* added, or CK_INVALID_HANDLE */
  GArray *trust;             /* TrustChange */
} Added;

static void
trust_change_clear (TrustChange *change)
{
  CERT_DestroyCertificate (change->cert);
}

static void
rollback (Added *added)
{
  for (guint i = added->trust->len; i > 0; i--)
    {
      TrustChange *change = &g_array_index (added->trust, TrustChange, i - 1);
      CERTCertTrust none;

      memset (&none, 0, sizeof none);
      CERT_ChangeCertTrust (CERT_GetDefaultCertDB (), change->cert, change->had ? &change->old : &none);
    }
  g_array_set_size (added->trust, 0);
  for (guint i = added->certs->len; i > 0; i--)
    SEC_DeletePermCertificate (g_ptr_array_index (added->certs, i - 1));
  if (added->key)
    PK11_DeleteTokenPrivateKey (added->key, PR_TRUE); /* also frees it */
  added->key = NULL;
  if (added->public_key != CK_INVALID_HANDLE)
    PK11_DestroyTokenObject (added->slot, added->public_key);
  added->public_key = CK_INVALID_HANDLE;
}

static void
added_clear (Added *added)
{
  if (added->key)
    SECKEY_DestroyPrivateKey (added->key);
  g_array_unref (added->trust);
  g_ptr_array_unref (added->certs);
}

static gboolean
import_cert (NssDb *db, Item *it, const char *nickname, Added *added, GError **error)
{
  CERTCertificate *perm;

  if (PK11_ImportCert (db->slot, it->cert, CK_INVALID_HANDLE, nickname, PR_FALSE) != SECSuccess
      || (perm = find_in_db (db, it->cert)) == NULL)
    {
      _inkan_set_error (error, INKAN_ERROR_FAILED,
                        _("Cannot add the certificate “%s” to the Thunderbird profile: %s."),
                        nickname, nss_reason ());
      return FALSE;
    }
  g_ptr_array_add (added->certs, perm);
  return TRUE;
}

static gboolean
import_key (NssDb *db, Item *leaf, EVP_PKEY *pkey, const char *nickname, Added *added,
            GError **error)
{
  PKCS8_PRIV_KEY_INFO *p8 = EVP_PKEY2PKCS8 (pkey);
  unsigned char *der = NULL;
  int len = p8 ? i2d_PKCS8_PRIV_KEY_INFO (p8, &der) : -1;
  SECKEYPublicKey *pub = CERT_ExtractPublicKey (leaf->cert);
  SECItem pki, nick, *public_value = NULL;
  SECStatus rv = SECFailure;

  PKCS8_PRIV_KEY_INFO_free (p8);
  ERR_clear_error ();
  if (pub && pub->keyType == rsaKey)
    public_value = &pub->u.rsa.modulus;
  else if (pub && pub->keyType == ecKey)
    public_value = &pub->u.ec.publicValue;
  if (public_value == NULL)
    {
      if (len > 0)
        OPENSSL_clear_free (der, (size_t) len);
      if (pub)
        SECKEY_DestroyPublicKey (pub);
      _inkan_set_error (error, INKAN_ERROR_UNSUPPORTED,
                        _("Thunderbird takes RSA and EC keys for S/MIME; the key of “%s” is of another kind."),
                        nickname);
      return FALSE;
    }
  if (len > 0)
    {
      pki.type = siBuffer;
      pki.data = der;
      pki.len = (unsigned int) len;
      nick.type = siUTF8String;
      nick.data = (unsigned char *) nickname;
      nick.len = (unsigned int) strlen (nickname);
      /* isPerm, isPrivate (CKA_PRIVATE: readable only after login), all key
       * usages, and the public value from which NSS derives CKA_ID (SHA-1 of
       * the RSA modulus or the EC point), the link to the certificate. */
      rv = PK11_ImportDERPrivateKeyInfoAndReturnKey (db->slot, &pki, &nick, public_value,
                                                     PR_TRUE, PR_TRUE, KU_ALL, &added->key, NULL);
      OPENSSL_clear_free (der, (size_t) len);
    }
  /* The public key too, as NSS's PKCS #12 import does: with a primary
   * password the private key is invisible before login, and NSS finds
   * "user" certificates (trust u,u,u) by their public key then. */
  if (rv == SECSuccess)
    added->public_key = PK11_ImportPublicKey (db->slot, pub, PR_TRUE);
  SECKEY_DestroyPublicKey (pub);
  if (rv != SECSuccess)
    {
      _inkan_set_error (error, INKAN_ERROR_FAILED,
                        _("Cannot add the private key of “%s” to the Thunderbird profile: %s."),
                        nickname, nss_reason ());
      return FALSE;
    }
  return TRUE;
}

/* Gives @it (a self-signed root) the trust ",C,": a trusted CA for email,
 * nothing for TLS or code signing (certutil notation). */
static gboolean
trust_root_for_email (Item *it, Added *added, GError **error)
{
  CERTCertTrust trust;
  TrustChange change;

  memset (&trust, 0, sizeof trust);
  change.cert = CERT_DupCertificate (it->cert);
  change.had = CERT_GetCertTrust (change.cert, &change.old) == SECSuccess;
  if (change.had)
    trust = change.old;
  trust.emailFlags = CERTDB_TRUSTED_CA | CERTDB_VALID_CA;
  g_array_append_val (added->trust, change);
  if (CERT_ChangeCertTrust (CERT_GetDefaultCertDB (), change.cert, &trust) != SECSuccess)
    {
      _inkan_set_error (error, INKAN_ERROR_FAILED,
                        _("Cannot trust the root certificate “%s” for email: %s."),
                        it->nickname ? it->nickname : "", nss_reason ());
      return FALSE;
    }
  return TRUE;
}

static void
add_note (GPtrArray *notes, char *sentence)
{
  g_ptr_array_add (notes, sentence);
}

/* Sets the S/MIME certificate of every mail identity whose address is one
 * of @leaf's; adds the notes.  Only plans: prefs.js is written later. */
static void
plan_identities (InkanTbPrefs *prefs, X509 *leaf, CERTCertificate *cert, const char *nickname,
                 GPtrArray *notes)
{
  g_autoptr (GPtrArray) ids = _inkan_tb_prefs_identities (prefs);
  g_autoptr (GPtrArray) addrs = inkan_certificate_get_addresses (leaf, NULL);
  g_autofree char *dbkey = _inkan_tb_dbkey (cert->serialNumber.data, cert->serialNumber.len,
                                            cert->derIssuer.data, cert->derIssuer.len);
  gboolean can_sign, can_encrypt, any = FALSE;

  _inkan_tb_smime_usage (leaf, &can_sign, &can_encrypt);
  for (guint i = 0; i < ids->len; i++)
    {
      InkanTbIdentity *id = g_ptr_array_index (ids, i);
      const char *which[2] = { can_sign ? "signing" : NULL, can_encrypt ? "encryption" : NULL };
      gboolean changed = FALSE, match = FALSE;

      for (guint a = 0; a < addrs->len && !match; a++)
        match = inkan_address_equal (id->email, g_ptr_array_index (addrs, a));
      if (!match)
        continue;
      any = TRUE;
      if (!can_sign && !can_encrypt)
        continue;
      for (guint w = 0; w < G_N_ELEMENTS (which); w++)
        {
          const char *suffix[2] = { "cert_name", "cert_dbkey" };

          if (which[w] == NULL)
            continue;
          for (guint s = 0; s < 2; s++)
            {
              g_autofree char *name = g_strdup_printf ("mail.identity.%s.%s_%s", id->key, which[w], suffix[s]);

              changed |= _inkan_tb_prefs_set_string (prefs, name, s == 0 ? nickname : dbkey);
              if (_inkan_tb_prefs_user_js_sets (prefs, name))
                add_note (notes, g_strdup_printf (_("user.js sets %s, which overrides prefs.js each time Thunderbird starts; change it there."),
                                                   name));
            }
        }
      if (!changed)
        add_note (notes, g_strdup_printf (_("Identity %s (%s) already uses “%s” for S/MIME."),
                                           id->key, id->email, nickname));
      else if (can_sign && can_encrypt)
        add_note (notes, g_strdup_printf (_("Set the S/MIME signing and encryption certificate of identity %s (%s) to “%s”; restart Thunderbird to use it."),
                                           id->key, id->email, nickname));
      else if (can_sign)
        add_note (notes, g_strdup_printf (_("Set the S/MIME signing certificate of identity %s (%s) to “%s” (its key usage does not allow encryption); restart Thunderbird to use it."),
                                           id->key, id->email, nickname));
      else
        add_note (notes, g_strdup_printf (_("Set the S/MIME encryption certificate of identity %s (%s) to “%s” (its key usage does not allow signing); restart Thunderbird to use it."),
                                           id->key, id->email, nickname));
    }
  if (!any)
    add_note (notes, g_strdup_printf (_("No mail identity of this profile uses %s; choose the certificate in Thunderbird's account settings (End-To-End Encryption)."),
                                       addrs->len ? (const char *) g_ptr_array_index (addrs, 0) : nickname));
  else if (!can_sign && !can_encrypt)
    add_note (notes, g_strdup (_("The certificate is not valid for S/MIME (its extended key usage lacks emailProtection), so no mail identity was set to use it.")));
}

/* inkan_thunderbird_import() (core/ext.c, where it is documented), in the module. */
InkanImportResult *
_inkan_nss_import (const char *profile, InkanIdentity *identity, GPtrArray *certs,
                   const char *label, gboolean force, gboolean trust_root,
                   InkanPassphraseFunc ask, gpointer ask_data, GError **error)
{
  g_autoptr (InkanImportResult) result = NULL;
  g_autoptr (InkanTbPrefs) prefs = NULL;
  g_autoptr (GPtrArray) items = g_ptr_array_new_with_free_func ((GDestroyNotify) item_free);
  g_autoptr (GPtrArray) pool = g_ptr_array_new (); /* X509*, borrowed */
  g_autofree char *running = NULL;
  g_autoptr (GPtrArray) id_notes = g_ptr_array_new_with_free_func (g_free);
  CERTCertList *all = NULL;
  Added added = { 0 };
  Item *leaf = NULL, *first_ee = NULL;
  gboolean in_use, need_key = FALSE, ok = FALSE;
  NssDb db;

  g_return_val_if_fail (profile != NULL, NULL);
  g_return_val_if_fail (identity != NULL || (certs != NULL && certs->len > 0), NULL);

  if (!profile_exists (profile, error))
    return NULL;
  in_use = _inkan_tb_profile_in_use (profile, &running);
  prefs = _inkan_tb_prefs_load (profile, error);
  if (prefs == NULL)
    return NULL;

  /* Everything to import, without duplicates: leaf, chain, @certs. */
  if (identity)
    {
      STACK_OF (X509) *chain = inkan_identity_get_chain (identity);
      g_ptr_array_add (pool, inkan_identity_get_certificate (identity));
      for (int i = 0; i < sk_X509_num (chain); i++)
        g_ptr_array_add (pool, sk_X509_value (chain, i));
    }
  for (guint i = 0; certs && i < certs->len; i++)
    g_ptr_array_add (pool, g_ptr_array_index (certs, i));

  if (!nss_open (&db, profile, FALSE, ask, ask_data, error))
    return NULL;
  result = g_new0 (InkanImportResult, 1);
  result->notes = g_ptr_array_new_with_free_func (g_free);
  added.slot = db.slot;
  added.public_key = CK_INVALID_HANDLE;
  added.certs = g_ptr_array_new_with_free_func ((GDestroyNotify) CERT_DestroyCertificate);
  added.trust = g_array_new (FALSE, FALSE, sizeof (TrustChange));
  g_array_set_clear_func (added.trust, (GDestroyNotify) trust_change_clear);
  all = PK11_ListCertsInSlot (db.slot);
  if (all == NULL)
    all = CERT_NewCertList ();

  for (guint i = 0; i < pool->len; i++)
    {
      X509 *x = g_ptr_array_index (pool, i);
      gboolean dup = FALSE;
      Item *it;

      for (guint j = 0; j < items->len && !dup; j++)
        dup = X509_cmp (((Item *) g_ptr_array_index (items, j))->x509, x) == 0;
      if (dup)
        continue;
      it = g_new0 (Item, 1);
      it->x509 = x;
      it->leaf = identity && i == 0;
      it->ca = !it->leaf && is_ca (x);
      it->cert = nss_from_x509 (x);
      g_ptr_array_add (items, it);
      if (it->cert == NULL)
        {
          g_autofree char *who = describe (x);
          _inkan_set_error (error, INKAN_ERROR_CERTIFICATE,
                            _("NSS cannot parse the certificate of %s: %s."), who, nss_reason ());
          goto out;
        }
      {
        CERTCertificate *perm = find_in_db (&db, it->cert);
        if (perm)
          {
            it->present = TRUE;
            CERT_DestroyCertificate (it->cert);
            it->cert = perm;
          }
      }
      if (it->leaf)
        leaf = it;
      if (!it->ca && first_ee == NULL)
        first_ee = it;
      if (!it->ca && it->present && !force)
        {
          g_autofree char *who = describe (x);
          _inkan_set_error (error, INKAN_ERROR_EXISTS,
                            _("The certificate of %s is already in the Thunderbird profile as “%s”; nothing was changed (use --force to import it again)."),
                            who, nickname_of (&db, it->cert) ? nickname_of (&db, it->cert) : "");
          goto out;
        }
    }
  ERR_clear_error ();

  /* Nicknames: end-entity certificates by @label or address, CA
   * certificates as Thunderbird names them (CERT_MakeCANickname). */
  for (guint i = 0; i < items->len; i++)
    {
      Item *it = g_ptr_array_index (items, i);

      if (it->present)
        it->nickname = g_strdup (nickname_of (&db, it->cert) ? nickname_of (&db, it->cert) : "");
      else if (it->ca)
        {
          char *nick = CERT_MakeCANickname (it->cert);
          it->nickname = g_strdup (nick ? nick : "CA");
          PORT_Free (nick);
        }
      else
        {
          it->nickname = plan_nickname (&db, all, items, it, it == first_ee ? label : NULL, error);
          if (it->nickname == NULL)
            goto out;
        }
    }

  /* The key: unless the database has it already (same CKA_ID). */
  if (leaf)
    {
      SECKEYPrivateKey *k = PK11_FindKeyByAnyCert (leaf->cert, NULL);
      if (k == NULL)
        {
          SECItem *id = PK11_GetLowLevelKeyIDForCert (db.slot, leaf->cert, NULL);
          if (id)
            {
              k = PK11_FindKeyByKeyID (db.slot, id, NULL);
              SECITEM_FreeItem (id, PR_TRUE);
            }
        }
      need_key = (k == NULL);
      if (k)
        SECKEY_DestroyPrivateKey (k);
      plan_identities (prefs, leaf->x509, leaf->cert, leaf->nickname, id_notes);
    }

  if (in_use && _inkan_tb_prefs_is_modified (prefs))
    {
      _inkan_set_error (error, INKAN_ERROR_LOCKED,
                        _("Thunderbird is running on the profile “%s” (%s); quit it and import again. Nothing was changed."),
                        profile, running);
      goto out;
    }

  /* Write: CA certificates, the key, end-entity certificates, trust. */
  for (guint pass = 0; pass < 2; pass++)
    for (guint i = 0; i < items->len; i++)
      {
        Item *it = g_ptr_array_index (items, i);

        if (it->ca != (pass == 0))
          continue;
        if (it == leaf && need_key
            && !import_key (&db, leaf, inkan_identity_get_key (identity), leaf->nickname, &added, error))
          goto out;
        if (!it->present && !import_cert (&db, it, it->nickname, &added, error))
          goto out;
        if (it->ca && is_self_signed (it->x509) && trust_root
            && !trust_root_for_email (it, &added, error))
          goto out;
      }

  /* The nickname NSS gave the leaf is the one the preferences must name. */
  if (leaf && !leaf->present)
    {
      CERTCertificate *perm = find_in_db (&db, leaf->cert);
      if (perm && nickname_of (&db, perm) && strcmp (nickname_of (&db, perm), leaf->nickname) != 0)
        {
          g_free (leaf->nickname);
          leaf->nickname = g_strdup (nickname_of (&db, perm));
          g_ptr_array_set_size (id_notes, 0);
          plan_identities (prefs, leaf->x509, leaf->cert, leaf->nickname, id_notes);
          if (in_use && _inkan_tb_prefs_is_modified (prefs))
            {
              CERT_DestroyCertificate (perm);
              _inkan_set_error (error, INKAN_ERROR_LOCKED,
                                _("Thunderbird is running on the profile “%s” (%s); quit it and import again. Nothing was changed."),
                                profile, running);
              goto out;
            }
        }
      if (perm)
        CERT_DestroyCertificate (perm);
    }
  if (!_inkan_tb_prefs_save (prefs, error))
    goto out;
  ok = TRUE;

  /* Notes on what was added. */
  for (guint i = 0; i < items->len; i++)
    {
      Item *it = g_ptr_array_index (items, i);
      g_autofree char *who = describe (it->x509);

      if (it == leaf)
        add_note (result->notes, it->present
                  ? (need_key ? g_strdup_printf (_("Added the private key of %s to the certificate “%s” already in the profile."), who, it->nickname)
                              : g_strdup_printf (_("The certificate and private key of %s were already in the profile as “%s”."), who, it->nickname))
                  : g_strdup_printf (_("Imported the certificate and private key of %s as “%s”."), who, it->nickname));
      else if (!it->ca)
        add_note (result->notes, it->present
                  ? g_strdup_printf (_("The certificate of %s was already in the profile as “%s”."), who, it->nickname)
                  : g_strdup_printf (_("Imported the certificate of %s as “%s”."), who, it->nickname));
      else if (is_self_signed (it->x509) && it->present)
        {
          if (trust_root)
            add_note (result->notes, g_strdup_printf (_("The root certificate “%s” was already in the profile; it is now trusted for email."), it->nickname));
        }
      else if (is_self_signed (it->x509))
        add_note (result->notes, trust_root
                  ? g_strdup_printf (_("Imported the root certificate “%s” and trusted it for email."), it->nickname)
                  : g_strdup_printf (_("Imported the root certificate “%s” without trust; Thunderbird will not accept certificates it issued until it is trusted for email."), it->nickname));
      else if (!it->present)
        add_note (result->notes, g_strdup_printf (_("Imported the intermediate CA certificate “%s”."), it->nickname));
    }
  {
    g_autoptr (GPtrArray) known = g_ptr_array_new_with_free_func ((GDestroyNotify) X509_free);
    Item *top = leaf ? leaf : first_ee;
    g_autofree char *missing = NULL;

    for (CERTCertListNode *n = CERT_LIST_HEAD (all); !CERT_LIST_END (n, all); n = CERT_LIST_NEXT (n))
      {
        X509 *x = x509_from_nss (n->cert);
        if (x)
          g_ptr_array_add (known, x);
      }
    for (guint i = 0; i < pool->len; i++)
      {
        X509_up_ref (g_ptr_array_index (pool, i));
        g_ptr_array_add (known, g_ptr_array_index (pool, i));
      }
    if (top && (missing = _inkan_tb_chain_missing_issuer (top->x509, known)) != NULL)
      add_note (result->notes, g_strdup_printf (_("The chain is incomplete: the certificate of the issuer “%s” is neither given nor in the profile, and it is not a root Thunderbird trusts for email; import it too."),
                                         missing));
  }
  for (guint i = 0; i < id_notes->len; i++)
    add_note (result->notes, g_steal_pointer (&id_notes->pdata[i]));
  if (in_use)
    add_note (result->notes, g_strdup (_("Thunderbird is running; it shows the new certificates at the latest when it is restarted.")));
  result->id = g_strdup (leaf ? leaf->nickname : first_ee ? first_ee->nickname
                         : ((Item *) g_ptr_array_index (items, 0))->nickname);

out:
  if (!ok)
    rollback (&added);
  added_clear (&added);
  CERT_DestroyCertList (all);
  g_ptr_array_set_size (items, 0);  /* release NSS objects before shutdown */
  nss_close (&db, ok);
  return ok ? g_steal_pointer (&result) : NULL;
}

/* ------------------------------------------------------------ list, remove */

/* inkan_thunderbird_list() (core/ext.c, where it is documented), in the module. */
GPtrArray *
_inkan_nss_list (const char *profile, InkanPassphraseFunc ask, gpointer ask_data,
                 GError **error)
{
  g_autoptr (GPtrArray) entries = g_ptr_array_new_with_free_func ((GDestroyNotify) inkan_store_entry_free);
  CERTCertList *list;
  NssDb db;

  g_return_val_if_fail (profile != NULL, NULL);
  if (!profile_exists (profile, error))
    return NULL;
  if (!has_database (profile))
    return g_steal_pointer (&entries);
  if (!nss_open (&db, profile, TRUE, ask, ask_data, error))
    return NULL;
  list = PK11_ListCertsInSlot (db.slot);
  for (CERTCertListNode *n = list ? CERT_LIST_HEAD (list) : NULL; list && !CERT_LIST_END (n, list);
       n = CERT_LIST_NEXT (n))
    {
      g_autoptr (X509) x = x509_from_nss (n->cert);
      SECKEYPrivateKey *key;
      const char *nick = nickname_of (&db, n->cert);

      if (x == NULL)
        continue;
      key = PK11_FindKeyByAnyCert (n->cert, NULL);
      g_ptr_array_add (entries, _inkan_store_entry_new_from_cert (STORE_NAME, nick ? nick : "",
                                                                  nick, x, key != NULL));
      if (key)
        SECKEY_DestroyPrivateKey (key);
    }
  if (list)
    CERT_DestroyCertList (list);
  nss_close (&db, TRUE);
  return g_steal_pointer (&entries);
}

/* @a and @b are the same unsigned number or EC point (tokens may add a
 * leading zero, or keep the point in its DER OCTET STRING). */
static gboolean
same_public_value (const SECItem *a, const SECItem *b)
{
  const unsigned char *pa = a->data, *pb = b->data;
  unsigned int la = a->len, lb = b->len;

  if (la == lb + 2 && pa[0] == 0x04 && pa[1] == lb)
    pa += 2, la -= 2;
  else if (lb == la + 2 && pb[0] == 0x04 && pb[1] == la)
    pb += 2, lb -= 2;
  while (la > 1 && *pa == 0)
    pa++, la--;
  while (lb > 1 && *pb == 0)
    pb++, lb--;
  return la == lb && memcmp (pa, pb, la) == 0;
}

/* Deletes the public key objects of @cert's key (see import_key()). */
static void
delete_public_keys (NssDb *db, CERTCertificate *cert)
{
  SECKEYPublicKey *pub = CERT_ExtractPublicKey (cert);
  SECKEYPublicKeyList *keys = PK11_ListPublicKeysInSlot (db->slot, NULL);

  for (SECKEYPublicKeyListNode *n = keys ? PUBKEY_LIST_HEAD (keys) : NULL;
       pub && keys && !PUBKEY_LIST_END (n, keys); n = PUBKEY_LIST_NEXT (n))
    {
      SECKEYPublicKey *k = n->key;
      gboolean same = FALSE;

      if (k->keyType != pub->keyType)
        continue;
      if (pub->keyType == rsaKey)
        same = same_public_value (&k->u.rsa.modulus, &pub->u.rsa.modulus);
      else if (pub->keyType == ecKey)
        same = same_public_value (&k->u.ec.publicValue, &pub->u.ec.publicValue);
      if (same && k->pkcs11Slot)
        PK11_DestroyTokenObject (k->pkcs11Slot, k->pkcs11ID);
    }
  if (keys)
    SECKEY_DestroyPublicKeyList (keys);
  if (pub)
    SECKEY_DestroyPublicKey (pub);
}

/* inkan_thunderbird_remove() (core/ext.c, where it is documented), in the module. */
gboolean
_inkan_nss_remove (const char *profile, const char *id, InkanPassphraseFunc ask,
                   gpointer ask_data, GError **error)
{
  g_autoptr (GPtrArray) matches = g_ptr_array_new_with_free_func ((GDestroyNotify) CERT_DestroyCertificate);
  CERTCertList *list;
  gboolean ok = TRUE;
  NssDb db;

  g_return_val_if_fail (profile != NULL && id != NULL, FALSE);
  if (!profile_exists (profile, error))
    return FALSE;
  if (!has_database (profile))
    {
      _inkan_set_error (error, INKAN_ERROR_NOT_FOUND,
                        _("No certificate “%s” is in the Thunderbird profile “%s”."), id, profile);
      return FALSE;
    }
  if (!nss_open (&db, profile, FALSE, ask, ask_data, error))
    return FALSE;
  list = PK11_ListCertsInSlot (db.slot);
  for (guint by_address = 0; by_address < 2 && matches->len == 0; by_address++)
    for (CERTCertListNode *n = list ? CERT_LIST_HEAD (list) : NULL; list && !CERT_LIST_END (n, list);
         n = CERT_LIST_NEXT (n))
      {
        gboolean match;

        if (by_address)
          {
            g_autoptr (X509) x = x509_from_nss (n->cert);
            match = x && inkan_certificate_has_address (x, id);
          }
        else
          match = nickname_of (&db, n->cert) && strcmp (nickname_of (&db, n->cert), id) == 0;
        if (match)
          g_ptr_array_add (matches, CERT_DupCertificate (n->cert));
      }
  if (list)
    CERT_DestroyCertList (list);
  if (matches->len == 0)
    {
      _inkan_set_error (error, INKAN_ERROR_NOT_FOUND,
                        _("No certificate “%s” is in the Thunderbird profile “%s”."), id, profile);
      ok = FALSE;
    }
  for (guint i = 0; ok && i < matches->len; i++)
    {
      CERTCertificate *cert = g_ptr_array_index (matches, i);
      SECKEYPrivateKey *key = PK11_FindKeyByAnyCert (cert, NULL);
      CERTCertList *users;

      if (SEC_DeletePermCertificate (cert) != SECSuccess)
        {
          _inkan_set_error (error, INKAN_ERROR_FAILED,
                            _("Cannot delete the certificate “%s” from the Thunderbird profile: %s."),
                            id, nss_reason ());
          ok = FALSE;
        }
      if (key == NULL)
        continue;
      users = ok ? PK11_GetCertsMatchingPrivateKey (key) : NULL;
      if (ok && (users == NULL || CERT_LIST_EMPTY (users)))
        {
          delete_public_keys (&db, cert);
          if (PK11_DeleteTokenPrivateKey (key, PR_TRUE) != SECSuccess)
            {
              _inkan_set_error (error, INKAN_ERROR_FAILED,
                                _("Cannot delete the private key of “%s” from the Thunderbird profile: %s."),
                                id, nss_reason ());
              ok = FALSE;
            }
        }
      else
        SECKEY_DestroyPrivateKey (key);
      if (users)
        CERT_DestroyCertList (users);
    }
  g_ptr_array_set_size (matches, 0);
  nss_close (&db, TRUE);
  return ok;
}
