/* Thunderbird profile files other than the NSS database (internal):
 * the profile lock and prefs.js / user.js.  Used by core/store-nss.c. */
#ifndef INKAN_THUNDERBIRD_PROFILE_H
#define INKAN_THUNDERBIRD_PROFILE_H

#include "internal.h"

/* TRUE when a running Thunderbird holds @profile (a live "lock" symlink or
 * a held fcntl lock on ".parentlock"); *@why (optional) gets a sentence. */
gboolean _inkan_tb_profile_in_use (const char *profile, char **why);

/* A mail identity of the profile: mail.identity.KEY.useremail = EMAIL. */
typedef struct {
  char *key;
  char *email;
} InkanTbIdentity;

/* prefs.js (editable, written back byte for byte but for the set lines)
 * and user.js (read only; Thunderbird applies it over prefs.js at start). */
typedef struct _InkanTbPrefs InkanTbPrefs;

InkanTbPrefs *_inkan_tb_prefs_load (const char *profile, GError **error);
void _inkan_tb_prefs_free (InkanTbPrefs *prefs);
G_DEFINE_AUTOPTR_CLEANUP_FUNC (InkanTbPrefs, _inkan_tb_prefs_free)

/* (element-type InkanTbIdentity) in file order, prefs.js then user.js. */
GPtrArray *_inkan_tb_prefs_identities (InkanTbPrefs *prefs);
/* TRUE when user.js sets @name (so a prefs.js value is overridden). */
gboolean _inkan_tb_prefs_user_js_sets (InkanTbPrefs *prefs, const char *name);
/* Plans user_pref(@name, "@value"); returns TRUE when prefs.js changes. */
gboolean _inkan_tb_prefs_set_string (InkanTbPrefs *prefs, const char *name, const char *value);
gboolean _inkan_tb_prefs_is_modified (InkanTbPrefs *prefs);
/* Writes prefs.js atomically; INKAN_ERROR_LOCKED if it changed since load. */
gboolean _inkan_tb_prefs_save (InkanTbPrefs *prefs, GError **error);

/* nsNSSCertificate::GetDbKey: base64 of 8 zero bytes, BE32 serial length,
 * BE32 issuer length, serial (DER INTEGER contents), issuer (DER Name). */
char *_inkan_tb_dbkey (const guint8 *serial, gsize serial_len,
                       const guint8 *issuer, gsize issuer_len);

/* What Thunderbird may use @cert for: extKeyUsage (when present) allows
 * emailProtection, and keyUsage (when present) digitalSignature or
 * nonRepudiation to sign, keyEncipherment (RSA) or keyAgreement (EC) to
 * decrypt (RFC 8550 §4.4.2, §4.4.4). */
void _inkan_tb_smime_usage (X509 *cert, gboolean *can_sign, gboolean *can_encrypt);

/* Follows issuers from @cert through @known (X509*) to a self-signed
 * certificate or an email trust anchor of inkan_trust_system_anchors_path();
 * returns the issuer name (RFC 2253) where that fails, NULL when complete. */
char *_inkan_tb_chain_missing_issuer (X509 *cert, GPtrArray *known);

#endif
