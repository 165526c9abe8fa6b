/* inkan — S/MIME for people who hold a certificate from a public CA.
 *
 * This header is the whole public contract of libinkan.  Functions are
 * documented (gtk-doc) above their definitions in core/ *.c; the types are
 * documented here.
 *
 * Usage (verify a message; error handling shortened):
 *
 *   inkan_init ();
 *   g_autoptr(InkanTrust) trust = inkan_trust_new (TRUE, &err);
 *   inkan_trust_add_file (trust, "anchors.pem", &err);
 *   g_autoptr(GMimeMessage) msg = inkan_message_load ("mail.eml", &err);
 *   g_autoptr(InkanVerdict) v = inkan_message_verify (msg, trust, 0, &err);
 *   if (v->kind == INKAN_VERDICT_VALID) ...
 *
 * Ownership: every pointer returned by an inkan_*_new/_load/_verify/_decrypt
 * function is owned by the caller and freed with the matching _free (or
 * g_autoptr).  Pointers inside a returned struct are owned by that struct.
 *
 * Nothing in libinkan prints, reads a terminal or keeps global state beyond
 * what inkan_init() sets up (GMime, OpenSSL providers, the registration of
 * the S/MIME crypto context).
 */
#ifndef INKAN_H
#define INKAN_H

#include <glib.h>
#include <gmime/gmime.h>
#include <openssl/x509.h>

G_BEGIN_DECLS

/* GMime 3.2 declares no g_autoptr cleanups; define them unless the caller
 * (or a newer GMime) already has. */
#ifndef INKAN_NO_GMIME_AUTOPTR
G_DEFINE_AUTOPTR_CLEANUP_FUNC (GMimeObject, g_object_unref)
G_DEFINE_AUTOPTR_CLEANUP_FUNC (GMimeMessage, g_object_unref)
G_DEFINE_AUTOPTR_CLEANUP_FUNC (GMimeStream, g_object_unref)
G_DEFINE_AUTOPTR_CLEANUP_FUNC (GMimeParser, g_object_unref)
G_DEFINE_AUTOPTR_CLEANUP_FUNC (GMimeFilter, g_object_unref)
G_DEFINE_AUTOPTR_CLEANUP_FUNC (GMimeDataWrapper, g_object_unref)
G_DEFINE_AUTOPTR_CLEANUP_FUNC (GMimeSignature, g_object_unref)
G_DEFINE_AUTOPTR_CLEANUP_FUNC (GMimeCertificate, g_object_unref)
G_DEFINE_AUTOPTR_CLEANUP_FUNC (GMimeSignatureList, g_object_unref)
G_DEFINE_AUTOPTR_CLEANUP_FUNC (GMimeDecryptResult, g_object_unref)
G_DEFINE_AUTOPTR_CLEANUP_FUNC (GMimeCryptoContext, g_object_unref)
#endif

/* ---------------------------------------------------------------- errors */

#define INKAN_ERROR (inkan_error_quark ())
GQuark inkan_error_quark (void);

/**
 * InkanError:
 * @INKAN_ERROR_FAILED: an unexpected internal failure (OpenSSL or GMime refused
 *   an operation that should work).  Nothing was written.
 * @INKAN_ERROR_IO: a file could not be read or written.  No partial output
 *   file is left behind.
 * @INKAN_ERROR_PASSPHRASE_REQUIRED: the key is encrypted and no passphrase
 *   was given.  Nothing was loaded.
 * @INKAN_ERROR_BAD_PASSPHRASE: the passphrase does not decrypt the key or
 *   PKCS#12 file.  Nothing was loaded.
 * @INKAN_ERROR_IDENTITY: the identity file holds no private key, no
 *   certificate, or a key that matches none of its certificates.
 * @INKAN_ERROR_CERTIFICATE: a certificate file could not be parsed.
 * @INKAN_ERROR_MESSAGE: the input is not a parseable RFC 5322 message, or
 *   exceeds a structural limit.
 * @INKAN_ERROR_NO_FROM: the message has no usable From address to check.
 * @INKAN_ERROR_ADDRESS_MISMATCH: signing was refused because From (or
 *   Sender) is not an rfc822Name/SmtpUTF8Mailbox of the signer certificate.
 *   The message was not changed.
 * @INKAN_ERROR_NOT_SMIME: the message carries no S/MIME layer of the kind the
 *   operation needs (nothing signed to verify, nothing enveloped to decrypt).
 * @INKAN_ERROR_CMS: a CMS structure (RFC 5652) is malformed or truncated.
 * @INKAN_ERROR_NOT_RECIPIENT: the EnvelopedData has no RecipientInfo for the
 *   given identity.
 * @INKAN_ERROR_DECRYPT: decryption failed (wrong key, corrupt ciphertext, or
 *   an AuthEnvelopedData authentication tag that does not match).  No
 *   plaintext was returned.
 * @INKAN_ERROR_UNSUPPORTED: an algorithm or option that inkan does not
 *   support (for example RSASSA-PSS with an EC key).
 * @INKAN_ERROR_EXISTS: the key, file or store entry already exists and
 *   --force (force=%TRUE) was not given.  Nothing was changed.
 * @INKAN_ERROR_NOT_FOUND: no store entry, profile or identity matches.
 * @INKAN_ERROR_LOCKED: the store is in use (Thunderbird is running on the
 *   profile).  Nothing was changed.
 *
 * Error codes of the #INKAN_ERROR domain.  The numeric values are stable.
 */
typedef enum {
  INKAN_ERROR_FAILED = 1,
  INKAN_ERROR_IO = 2,
  INKAN_ERROR_PASSPHRASE_REQUIRED = 3,
  INKAN_ERROR_BAD_PASSPHRASE = 4,
  INKAN_ERROR_IDENTITY = 5,
  INKAN_ERROR_CERTIFICATE = 6,
  INKAN_ERROR_MESSAGE = 7,
  INKAN_ERROR_NO_FROM = 8,
  INKAN_ERROR_ADDRESS_MISMATCH = 9,
  INKAN_ERROR_NOT_SMIME = 10,
  INKAN_ERROR_CMS = 11,
  INKAN_ERROR_NOT_RECIPIENT = 12,
  INKAN_ERROR_DECRYPT = 13,
  INKAN_ERROR_UNSUPPORTED = 14,
  INKAN_ERROR_EXISTS = 15,
  INKAN_ERROR_NOT_FOUND = 16,
  INKAN_ERROR_LOCKED = 17,
} InkanError;

void inkan_init (void);
const char *inkan_version (void);

/* ---------------------------------------------------------------- identity */

/**
 * InkanIdentity:
 *
 * A private key with its certificate and the intermediate CA certificates
 * that lead to a root (the root itself is never sent).  Opaque.
 */
typedef struct _InkanIdentity InkanIdentity;

InkanIdentity *inkan_identity_load (const char *path, const char *passphrase, GError **error);
void inkan_identity_free (InkanIdentity *identity);
X509 *inkan_identity_get_certificate (InkanIdentity *identity);
EVP_PKEY *inkan_identity_get_key (InkanIdentity *identity);
STACK_OF (X509) *inkan_identity_get_chain (InkanIdentity *identity);

GPtrArray *inkan_certificates_load (const char *path, GError **error);
char *inkan_name_to_string (const X509_NAME *name);
char *inkan_certificate_serial_hex (X509 *cert);
gint64 inkan_days_left (gint64 not_after, gint64 at);
GBytes *inkan_identity_export_pkcs12 (InkanIdentity *identity, const char *passphrase, gboolean legacy,
                                      const char *friendly_name, GError **error);
gboolean inkan_passphrase_is_strong (const char *passphrase);
char *inkan_csr_new (const char *email, const char *key_type, const char *subject,
                     EVP_PKEY **key, GError **error);
char *inkan_key_to_encrypted_pem (EVP_PKEY *key, const char *passphrase, GError **error);
const char *inkan_certificate_sbr_profile (X509 *cert);
gboolean inkan_certificate_check_usable (X509 *cert, gboolean for_signing, gint64 at, GError **error);

/* ---------------------------------------------------------------- addresses */

char *inkan_address_normalize (const char *address, GError **error);
gboolean inkan_address_equal (const char *a, const char *b);
GPtrArray *inkan_certificate_get_addresses (X509 *cert, gboolean *from_subject);
gboolean inkan_certificate_has_address (X509 *cert, const char *address);

/* ---------------------------------------------------------------- trust */

/**
 * InkanTrust:
 *
 * The trust anchors used to verify signer chains for emailProtection.
 * Opaque; built with inkan_trust_new() and inkan_trust_add_file().
 */
typedef struct _InkanTrust InkanTrust;

InkanTrust *inkan_trust_new (gboolean system_anchors, GError **error);
gboolean inkan_trust_add_file (InkanTrust *trust, const char *path, GError **error);
void inkan_trust_add_cert (InkanTrust *trust, X509 *cert);
void inkan_trust_free (InkanTrust *trust);
const char *inkan_trust_system_anchors_path (void);

/* ---------------------------------------------------------------- verdicts */

/**
 * InkanVerdictKind:
 * @INKAN_VERDICT_VALID: the signature is good, the signer chain reaches an
 *   email-trusted anchor at the verification time, and the signer's address
 *   is the From address.  No flag that lowers trust is set.
 * @INKAN_VERDICT_VALID_SIGNATURE: the signature is cryptographically good,
 *   but at least one flag says why it is not fully valid.
 * @INKAN_VERDICT_INVALID: the signature or digest does not verify, or the
 *   structure is unacceptable (for example eContent in a detached signature).
 * @INKAN_VERDICT_NOT_SIGNED: no S/MIME signature was found.
 */
typedef enum {
  INKAN_VERDICT_VALID,
  INKAN_VERDICT_VALID_SIGNATURE,
  INKAN_VERDICT_INVALID,
  INKAN_VERDICT_NOT_SIGNED,
} InkanVerdictKind;

/**
 * InkanVerdictFlags:
 * @INKAN_FLAG_FROM_MISMATCH: no signer address equals the (single) From address.
 * @INKAN_FLAG_UNTRUSTED: the signer chain does not reach an email-trusted anchor,
 *   or a certificate in it is not valid for emailProtection.
 * @INKAN_FLAG_EXPIRED: a certificate of the chain had expired at the verification time.
 * @INKAN_FLAG_NOT_YET_VALID: a certificate was not yet valid at the verification time.
 * @INKAN_FLAG_NO_SIGNER: the SignedData has no SignerInfo, or no signer certificate.
 * @INKAN_FLAG_MULTIPLE_SIGNERS: the SignedData has more than one SignerInfo.
 * @INKAN_FLAG_NOT_DETACHED: a multipart/signed whose CMS carries eContent (RFC 8551 §3.5.3).
 * @INKAN_FLAG_PARTIALLY_SIGNED: the signature covers only a part of the message.
 * @INKAN_FLAG_WEAK_ALGORITHM: SHA-1/MD5 digest or an RSA key under 2048 bits.
 * @INKAN_FLAG_ADDRESS_FROM_SUBJECT: the signer certificate has no rfc822Name or
 *   SmtpUTF8Mailbox; its address was taken from the subject emailAddress
 *   (legacy certificates only; SBR 7.1.4.2.1 requires the SAN).
 * @INKAN_FLAG_ENCRYPTED: the message was enveloped (informational).
 */
typedef enum {
  INKAN_FLAG_FROM_MISMATCH = 1 << 0,
  INKAN_FLAG_UNTRUSTED = 1 << 1,
  INKAN_FLAG_EXPIRED = 1 << 2,
  INKAN_FLAG_NOT_YET_VALID = 1 << 3,
  INKAN_FLAG_NO_SIGNER = 1 << 4,
  INKAN_FLAG_MULTIPLE_SIGNERS = 1 << 5,
  INKAN_FLAG_NOT_DETACHED = 1 << 6,
  INKAN_FLAG_PARTIALLY_SIGNED = 1 << 7,
  INKAN_FLAG_WEAK_ALGORITHM = 1 << 8,
  INKAN_FLAG_ADDRESS_FROM_SUBJECT = 1 << 9,
  INKAN_FLAG_ENCRYPTED = 1 << 10,
} InkanVerdictFlags;

/**
 * InkanSigner:
 * @subject: signer certificate subject (RFC 2253 form)
 * @issuer: issuer name (RFC 2253 form)
 * @serial: serial number, hex
 * @emails: (element-type utf8): rfc822Name and SmtpUTF8Mailbox addresses
 * @not_before: certificate validity start, seconds since the epoch (UTC)
 * @not_after: certificate validity end, seconds since the epoch (UTC)
 * @signature_algorithm: "RSASSA-PKCS1-v1_5", "RSASSA-PSS", "ECDSA", or an OID name
 * @digest_algorithm: the micalg name, e.g. "sha-256"
 * @signature_valid: the SignerInfo signature and messageDigest verify (RFC 5652 §5.6)
 * @chain_trusted: the chain reaches an email-trusted anchor at @verified_at
 * @from_match: one of @emails equals the From address
 * @signing_time: the signingTime attribute, seconds since the epoch, or -1
 * @verified_at: the time the chain was checked at, seconds since the epoch
 * @chain_error: why the chain is not trusted (OpenSSL's text), or %NULL
 *
 * One SignerInfo of a SignedData, as a person needs to see it.
 */
typedef struct {
  char *subject;
  char *issuer;
  char *serial;
  GPtrArray *emails;
  gint64 not_before;
  gint64 not_after;
  char *signature_algorithm;
  char *digest_algorithm;
  gboolean signature_valid;
  gboolean chain_trusted;
  gboolean from_match;
  gint64 signing_time;
  gint64 verified_at;
  char *chain_error;
} InkanSigner;

/**
 * InkanVerdict:
 * @kind: the overall verdict
 * @flags: #InkanVerdictFlags
 * @signers: (element-type InkanSigner): the SignerInfos of the outermost signature layer
 * @from: the From address(es) as written, or %NULL
 * @sender: the Sender address, or %NULL
 * @signed_part: for @INKAN_FLAG_PARTIALLY_SIGNED, the MIME path of the
 *   signed part ("2", "1.3", ...); %NULL when the whole body is signed
 *
 * What a user can act on after verify or decrypt.
 */
typedef struct {
  InkanVerdictKind kind;
  guint flags;
  GPtrArray *signers;
  char *from;
  char *sender;
  char *signed_part;
} InkanVerdict;

void inkan_verdict_free (InkanVerdict *verdict);
const char *inkan_verdict_kind_to_string (InkanVerdictKind kind);
const char *inkan_verdict_flag_to_string (InkanVerdictFlags flag);

/* ---------------------------------------------------------------- messages */

/**
 * InkanDigest:
 * @INKAN_DIGEST_SHA256: SHA-256 (default; micalg "sha-256")
 * @INKAN_DIGEST_SHA384: SHA-384
 * @INKAN_DIGEST_SHA512: SHA-512
 */
typedef enum {
  INKAN_DIGEST_SHA256,
  INKAN_DIGEST_SHA384,
  INKAN_DIGEST_SHA512,
} InkanDigest;

/**
 * InkanSignOptions:
 * @digest: the message digest
 * @pss: sign with RSASSA-PSS (RFC 4056: MGF1 with the same hash, salt = hash length)
 *   instead of RSASSA-PKCS1-v1_5
 * @opaque: make application/pkcs7-mime signed-data instead of multipart/signed
 * @allow_address_mismatch: sign even when From is not in the certificate
 */
typedef struct {
  InkanDigest digest;
  gboolean pss;
  gboolean opaque;
  gboolean allow_address_mismatch;
} InkanSignOptions;

/**
 * InkanCipher:
 * @INKAN_CIPHER_AES_256_CBC: EnvelopedData with AES-256-CBC (default)
 * @INKAN_CIPHER_AES_128_CBC: EnvelopedData with AES-128-CBC
 * @INKAN_CIPHER_AES_256_GCM: AuthEnvelopedData with AES-256-GCM (RFC 5083/5084)
 */
typedef enum {
  INKAN_CIPHER_AES_256_CBC,
  INKAN_CIPHER_AES_128_CBC,
  INKAN_CIPHER_AES_256_GCM,
} InkanCipher;

/**
 * InkanEncryptOptions:
 * @cipher: the content-encryption algorithm
 * @oaep: RSAES-OAEP (SHA-256, MGF1-SHA-256; RFC 8017, RFC 4055) key transport
 *   instead of RSAES-PKCS1-v1_5
 */
typedef struct {
  InkanCipher cipher;
  gboolean oaep;
} InkanEncryptOptions;

GMimeMessage *inkan_message_load (const char *path, GError **error);
GMimeMessage *inkan_message_parse_bytes (GBytes *bytes, GError **error);
GBytes *inkan_message_to_bytes (GMimeMessage *message);

gboolean inkan_message_check_sender (GMimeMessage *message, X509 *cert, GError **error);
gboolean inkan_message_sign (GMimeMessage *message, InkanIdentity *identity,
                             const InkanSignOptions *options, GError **error);
gboolean inkan_message_encrypt (GMimeMessage *message, GPtrArray *recipients,
                                InkanIdentity *sender, const InkanSignOptions *sign_options,
                                const InkanEncryptOptions *options, GError **error);
InkanVerdict *inkan_message_verify (GMimeMessage *message, InkanTrust *trust,
                                    gint64 at, GError **error);
InkanVerdict *inkan_message_decrypt (GMimeMessage *message, InkanIdentity *identity,
                                     InkanTrust *trust, gint64 at, GError **error);

gboolean inkan_file_write_atomic (const char *path, const void *data, gsize len, int mode,
                                  gboolean force, GError **error);

/* Large messages in bounded memory (core/stream.c; docs/performance.md).
 * inkan_message_load() parses in place (the message reads its content from
 * the file); sign, verify and encrypt stream content through CMS and keep
 * copies in unlinked 0600 temporary files past a few MiB. */
GMimeMessage *inkan_message_load_fd (int fd, GError **error);
gboolean inkan_message_write (GMimeMessage *message, GMimeStream *stream, GError **error);
gboolean inkan_message_write_file (GMimeMessage *message, const char *path, int mode,
                                   gboolean force, GError **error);

/* ---------------------------------------------------------------- stores */

/**
 * InkanPassphraseFunc:
 * @what: what the passphrase is for (a file path or "Thunderbird primary password")
 * @user_data: the caller's data
 * @error: return location for an error (for example no terminal)
 *
 * Asks the user for a passphrase.  libinkan never reads a terminal itself.
 *
 * Returns: (transfer full) (nullable): the passphrase, or %NULL with @error set.
 */
typedef char *(*InkanPassphraseFunc) (const char *what, gpointer user_data, GError **error);

/**
 * InkanStoreEntry:
 * @store: "inkan" (the smime_keys layout mutt uses), "thunderbird" or "gpgsm"
 * @id: the entry's id in that store (mutt: "hash.n"; NSS: the nickname)
 * @label: the label given at import
 * @emails: (element-type utf8): the certificate's addresses
 * @subject: subject (RFC 2253)
 * @issuer: issuer (RFC 2253)
 * @not_after: certificate end of validity, seconds since the epoch
 * @has_key: the store holds the private key too
 *
 * One certificate (with or without its key) in a store.
 */
typedef struct {
  char *store;
  char *id;
  char *label;
  GPtrArray *emails;
  char *subject;
  char *issuer;
  gint64 not_after;
  gboolean has_key;
} InkanStoreEntry;

void inkan_store_entry_free (InkanStoreEntry *entry);

/**
 * InkanImportResult:
 * @id: the id of the imported end-entity entry in the store
 * @notes: (element-type utf8): one translated sentence per thing done
 *   (wired to a mail identity, chain incomplete, restart needed, ...)
 */
typedef struct {
  char *id;
  GPtrArray *notes;
} InkanImportResult;

void inkan_import_result_free (InkanImportResult *result);

/**
 * InkanDelivery:
 *
 * What a CA or user handed over (PKCS#12, keys, certificates, .p7b, zip),
 * read and paired.  Opaque; see inkan_delivery_load().
 */
typedef struct _InkanDelivery InkanDelivery;

InkanDelivery *inkan_delivery_load (const char *const *paths, InkanPassphraseFunc ask,
                                    gpointer ask_data, GError **error);
void inkan_delivery_free (InkanDelivery *delivery);
InkanIdentity *inkan_delivery_get_identity (InkanDelivery *delivery);
GPtrArray *inkan_delivery_get_certificates (InkanDelivery *delivery);
const char *inkan_delivery_get_passphrase (InkanDelivery *delivery);

/* inkan's own store: the smime_keys layout mutt uses (core/store-mutt.c) */
char *inkan_store_default_dir (void);
InkanImportResult *inkan_store_import (const char *dir, InkanDelivery *delivery, const char *label,
                                       gboolean force, InkanPassphraseFunc ask_new,
                                       gpointer ask_data, GError **error);
GPtrArray *inkan_store_list (const char *dir, GError **error);
gboolean inkan_store_remove (const char *dir, const char *id, GError **error);
InkanIdentity *inkan_store_find_identity (const char *dir, const char *query,
                                          const char *passphrase, GError **error);
GPtrArray *inkan_store_find_certificates (const char *dir, const char *query, GError **error);

/* gpgsm (core/store-gpgsm.c) */
InkanImportResult *inkan_gpgsm_import (InkanIdentity *identity, const char *passphrase,
                                       GPtrArray *certs, GError **error);

/* Thunderbird profile NSS database (core/store-nss.c, core/thunderbird-profile.c) */
char *inkan_thunderbird_default_profile (const char *home, GError **error);
InkanImportResult *inkan_thunderbird_import (const char *profile, InkanIdentity *identity,
                                             GPtrArray *certs, const char *label,
                                             gboolean force, gboolean trust_root,
                                             InkanPassphraseFunc ask, gpointer ask_data,
                                             GError **error);
GPtrArray *inkan_thunderbird_list (const char *profile, InkanPassphraseFunc ask,
                                   gpointer ask_data, GError **error);
gboolean inkan_thunderbird_remove (const char *profile, const char *id,
                                   InkanPassphraseFunc ask, gpointer ask_data, GError **error);

/* ---------------------------------------------------------------- CMS on bytes */

/* For callers that own the MIME structure (mutt's smime_*_command hooks):
 * one MIME entity in, DER out (core/cms-bytes.c). */
GBytes *inkan_bytes_to_crlf (GBytes *data);
GBytes *inkan_cms_load (const char *path, GError **error);
InkanIdentity *inkan_identity_load_files (const char *const *paths, const char *passphrase,
                                          GError **error);
GBytes *inkan_cms_sign (InkanIdentity *identity, GBytes *entity, const InkanSignOptions *options,
                        GError **error);
InkanVerdict *inkan_cms_verify (GBytes *cms, GBytes *entity, InkanTrust *trust, gint64 at,
                                GBytes **content, GError **error);
GBytes *inkan_cms_encrypt (GBytes *entity, GPtrArray *recipients, const InkanEncryptOptions *options,
                           GError **error);
GBytes *inkan_cms_decrypt (GBytes *cms, InkanIdentity *identity, GError **error);
GPtrArray *inkan_cms_get_certificates (GBytes *cms, X509 **signer, GError **error);

/* ---------------------------------------------------------------- reports (core/report.c) */

GPtrArray *inkan_message_get_signer_certificates (GMimeMessage *message, GError **error);

/* ---------------------------------------------------------------- admin: SBR lint (core/lint*.c) */

/**
 * InkanSeverity:
 * @INKAN_SEVERITY_FATAL: the certificate cannot be checked at all
 * @INKAN_SEVERITY_ERROR: a SHALL / SHALL NOT of the SBR or RFC 5280 is broken
 * @INKAN_SEVERITY_WARNING: a SHOULD / SHOULD NOT is not followed
 * @INKAN_SEVERITY_NOTICE: worth knowing (interoperability, expiry)
 * @INKAN_SEVERITY_INFO: for information only
 *
 * How serious a finding is; the same five levels as pkilint.
 */
typedef enum {
  INKAN_SEVERITY_FATAL,
  INKAN_SEVERITY_ERROR,
  INKAN_SEVERITY_WARNING,
  INKAN_SEVERITY_NOTICE,
  INKAN_SEVERITY_INFO,
} InkanSeverity;

/**
 * InkanFinding:
 * @severity: how serious it is
 * @code: a stable code: pkilint's code where pkilint has one
 *   ("cabf.smime.prohibited_ku_present"), else "inkan.…"; docs/admin.md lists them
 * @path: the field, as RFC 5280 names it ("tbsCertificate.extensions.keyUsage")
 * @message: one translated sentence
 *
 * One result of inkan_lint_certificate().
 */
typedef struct {
  InkanSeverity severity;
  char *code;
  char *path;
  char *message;
} InkanFinding;

void inkan_finding_free (InkanFinding *finding);
const char *inkan_severity_to_string (InkanSeverity severity);
GPtrArray *inkan_lint_certificate (X509 *cert, STACK_OF (X509) *issuers, gint64 at, GError **error);
const char *inkan_lint_certificate_kind (X509 *cert);
GPtrArray *inkan_lint_identity (InkanIdentity *identity, gint64 at, GError **error);
guint inkan_findings_count (GPtrArray *findings, InkanSeverity severity);

/**
 * InkanLinter:
 *
 * Checks many certificates against the same issuers (core/lint.c).
 */
typedef struct _InkanLinter InkanLinter;

InkanLinter *inkan_linter_new (STACK_OF (X509) *issuers, gint64 at);
void inkan_linter_add_issuer (InkanLinter *linter, X509 *cert);
gboolean inkan_linter_add_candidate (InkanLinter *linter, X509 *cert);
GPtrArray *inkan_linter_check (InkanLinter *linter, X509 *cert, GError **error);
void inkan_linter_free (InkanLinter *linter);
GPtrArray *inkan_lint_load_certificates (const char *path, GError **error);
X509 *inkan_lint_parse_der (const unsigned char *der, gsize len);

/**
 * InkanChainReport:
 * @certificates: (element-type X509): the path: the certificate first, then
 *   each issuer; the anchor last when one was reached
 * @trusted: the path reaches an anchor and is valid for S/MIME signing at the time
 * @anchored: the last certificate of the path is one of the anchors
 * @flags: #INKAN_FLAG_UNTRUSTED, #INKAN_FLAG_EXPIRED, #INKAN_FLAG_NOT_YET_VALID
 * @error_text: why the path is not trusted (OpenSSL's text), or %NULL
 *
 * What inkan_chain_build() found (core/lint-chain.c).
 */
typedef struct {
  GPtrArray *certificates;
  gboolean trusted;
  gboolean anchored;
  guint flags;
  char *error_text;
} InkanChainReport;

InkanChainReport *inkan_chain_build (X509 *cert, GPtrArray *untrusted, GPtrArray *anchors, gint64 at, GError **error);
void inkan_chain_report_free (InkanChainReport *report);
char *inkan_certificate_describe_key (X509 *cert);
char *inkan_certificate_describe_signature (X509 *cert);
GPtrArray *inkan_message_get_certificates (GMimeMessage *message, X509 **signer, GError **error);

/* ---------------------------------------------------------------- admin: batch scan (core/scan.c) */

/**
 * InkanScanItem:
 * @file: the message file, or the mbox file it is in
 * @index: the message number in an mbox (1-based), 0 for a one-message file
 * @verdict: (nullable): the verdict (decrypted when an identity was given
 *   and it is a recipient), or %NULL when the message could not be verified
 * @error: (nullable): why there is no verdict, or why an encrypted message
 *   could not be decrypted
 * @decrypted: the message was encrypted and @verdict is about what was inside
 *
 * One message of inkan_scan().
 */
typedef struct {
  char *file;
  guint index;
  InkanVerdict *verdict;
  char *error;
  gboolean decrypted;
} InkanScanItem;

/**
 * InkanScanOptions:
 * @trust: the email trust anchors (shared read-only by the workers)
 * @identity: (nullable): decrypt encrypted messages with it
 * @jobs: worker threads, 0 for one per processor
 * @at: verification time as for inkan_message_verify(), or 0
 */
typedef struct {
  InkanTrust *trust;
  InkanIdentity *identity;
  guint jobs;
  gint64 at;
} InkanScanOptions;

typedef void (*InkanScanFunc) (const InkanScanItem *item, gpointer user_data);

gboolean inkan_scan (const char *const *paths, const InkanScanOptions *options, InkanScanFunc func,
                     gpointer user_data, GError **error);
void inkan_scan_item_free (InkanScanItem *item);

/* ---------------------------------------------------------------- admin: bulk request files (core/request.c) */

/**
 * InkanRequestFormat:
 * @INKAN_REQUEST_FORMAT_AUTO: tell by the content
 * @INKAN_REQUEST_FORMAT_NII_TSV: NII UPKI client/S/MIME request TSV (Shift-JIS)
 * @INKAN_REQUEST_FORMAT_MPKI_CSV: GlobalSign MPKI Lite bulk CSV
 */
typedef enum {
  INKAN_REQUEST_FORMAT_AUTO,
  INKAN_REQUEST_FORMAT_NII_TSV,
  INKAN_REQUEST_FORMAT_MPKI_CSV,
} InkanRequestFormat;

/**
 * InkanRequestIssue:
 * @line: 1-based line number
 * @column: 1-based column, in characters, where the problem is
 * @field: the 1-based field (column of the table) or 0 for the whole line
 * @severity: %INKAN_SEVERITY_ERROR (the upload would be refused or go
 *   wrong) or %INKAN_SEVERITY_WARNING
 * @code: a stable code ("nii.column_count", "mpki.invalid_boolean", ...)
 * @message: one translated sentence
 */
typedef struct {
  guint line;
  guint column;
  guint field;
  InkanSeverity severity;
  char *code;
  char *message;
} InkanRequestIssue;

GPtrArray *inkan_request_check (GBytes *data, InkanRequestFormat format, InkanRequestFormat *detected, GError **error);
void inkan_request_issue_free (InkanRequestIssue *issue);

/* ---------------------------------------------------------------- crypto context */


#define INKAN_TYPE_SMIME_CONTEXT (inkan_smime_context_get_type ())
G_DECLARE_FINAL_TYPE (InkanSmimeContext, inkan_smime_context, INKAN, SMIME_CONTEXT, GMimeCryptoContext)

InkanSmimeContext *inkan_smime_context_new (void);
void inkan_smime_context_set_identity (InkanSmimeContext *ctx, InkanIdentity *identity);
void inkan_smime_context_set_trust (InkanSmimeContext *ctx, InkanTrust *trust);
void inkan_smime_context_set_sign_options (InkanSmimeContext *ctx, const InkanSignOptions *options);
void inkan_smime_context_set_encrypt_options (InkanSmimeContext *ctx, const InkanEncryptOptions *options);
void inkan_smime_context_set_recipients (InkanSmimeContext *ctx, GPtrArray *recipients);

G_DEFINE_AUTOPTR_CLEANUP_FUNC (InkanIdentity, inkan_identity_free)
G_DEFINE_AUTOPTR_CLEANUP_FUNC (InkanTrust, inkan_trust_free)
G_DEFINE_AUTOPTR_CLEANUP_FUNC (InkanVerdict, inkan_verdict_free)
G_DEFINE_AUTOPTR_CLEANUP_FUNC (InkanStoreEntry, inkan_store_entry_free)
G_DEFINE_AUTOPTR_CLEANUP_FUNC (InkanDelivery, inkan_delivery_free)
G_DEFINE_AUTOPTR_CLEANUP_FUNC (InkanImportResult, inkan_import_result_free)
G_DEFINE_AUTOPTR_CLEANUP_FUNC (InkanFinding, inkan_finding_free)
G_DEFINE_AUTOPTR_CLEANUP_FUNC (InkanLinter, inkan_linter_free)
G_DEFINE_AUTOPTR_CLEANUP_FUNC (InkanChainReport, inkan_chain_report_free)
G_DEFINE_AUTOPTR_CLEANUP_FUNC (InkanScanItem, inkan_scan_item_free)
G_DEFINE_AUTOPTR_CLEANUP_FUNC (InkanRequestIssue, inkan_request_issue_free)

G_END_DECLS

#endif /* INKAN_H */
