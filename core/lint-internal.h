/* Internal interface of the SBR linter (core/lint*.c); not installed. */
#ifndef INKAN_LINT_INTERNAL_H
#define INKAN_LINT_INTERNAL_H

#include "internal.h"
#include <openssl/err.h>
#include <openssl/x509v3.h>

/* SBR validation types (§7.1.6.1: 2.23.140.1.5.<type>.<generation>). */
enum { SBR_TYPE_UNKNOWN = 0, SBR_MV = 1, SBR_OV = 2, SBR_SV = 3, SBR_IV = 4 };
enum { SBR_GEN_UNKNOWN = 0, SBR_LEGACY = 1, SBR_MULTIPURPOSE = 2, SBR_STRICT = 3 };

typedef enum { LINT_SUBSCRIBER, LINT_SUBORDINATE_CA, LINT_ROOT_CA } LintKind;

enum { KEY_UNKNOWN, KEY_RSA, KEY_EC, KEY_ED25519, KEY_ED448, KEY_MLDSA, KEY_MLKEM, KEY_OTHER };

/* What the rules need to know about a public key (lint-cert.c). */
typedef struct {
  int kind;              /* KEY_*, by the SubjectPublicKeyInfo algorithm OID */
  gboolean decodes;      /* OpenSSL's decoder accepts the key */
  int bits;              /* EVP_PKEY_get_bits() of the decoded key, or 0 */
  const char *curve;     /* EC: "P-256", "P-384", "P-521", another curve's name, NULL for explicit parameters */
  int curve_nid;
  BIGNUM *n, *e;         /* RSA: modulus and exponent when RSAPublicKey decodes */
  EVP_PKEY *pkey;        /* the decoded key, when there is one at hand */
  EVP_KEYMGMT *keymgmt;  /* otherwise its key manager (not owned) */
} LintKey;

typedef struct _LintVerifier LintVerifier;

typedef struct {
  GPtrArray *findings;   /* InkanFinding* */
  X509 *cert;
  X509 *issuer;          /* the issuing CA found among the issuers, or NULL */
  gboolean issuer_by_name_only; /* issuer matched by name but not by key id */
  gboolean have_issuers; /* the caller gave issuer certificates */
  LintKind kind;
  int type;              /* SBR_MV..SBR_IV, or 0 */
  int generation;        /* SBR_LEGACY..SBR_STRICT, or 0 */
  int reserved_count;    /* how many reserved SBR policy OIDs it has */
  gboolean any_policy;   /* certificatePolicies has anyPolicy */
  gint64 at;             /* the time of the check */
  gint64 not_before;
  gint64 not_after;
  GPtrArray *san_mailboxes; /* char*, rfc822Name and SmtpUTF8Mailbox values */
  LintKey key;           /* the certificate's public key */
  const LintKey *issuer_key; /* the issuer's (all zero when there is no c->issuer) */
  LintKey own_issuer_key; /* what issuer_key points to when the linter keeps none */
  GHashTable *verifiers; /* EVP_PKEY* of issuers -> LintVerifier*, kept by the InkanLinter */
} LintCtx;

/* Paths of the fields findings point at (RFC 5280 names). */
#define P_TBS "tbsCertificate"
#define P_VERSION P_TBS ".version"
#define P_SERIAL P_TBS ".serialNumber"
#define P_SIGALG "signatureAlgorithm"
#define P_TBS_SIGALG P_TBS ".signature"
#define P_ISSUER P_TBS ".issuer"
#define P_VALIDITY P_TBS ".validity"
#define P_SUBJECT P_TBS ".subject"
#define P_SPKI P_TBS ".subjectPublicKeyInfo"
#define P_SPKI_ALG P_SPKI ".algorithm"
#define P_EXT P_TBS ".extensions"
#define P_CP P_EXT ".certificatePolicies"
#define P_CRLDP P_EXT ".cRLDistributionPoints"
#define P_AIA P_EXT ".authorityInfoAccess"
#define P_BC P_EXT ".basicConstraints"
#define P_KU P_EXT ".keyUsage"
#define P_EKU P_EXT ".extKeyUsage"
#define P_AKI P_EXT ".authorityKeyIdentifier"
#define P_SKI P_EXT ".subjectKeyIdentifier"
#define P_SAN P_EXT ".subjectAltName"
#define P_NC P_EXT ".nameConstraints"

/* Dates (seconds since the epoch, UTC). */
#define SBR_LEGACY_SUNSET G_GINT64_CONSTANT (1752537600)        /* 2025-07-15T00:00:00Z, §7.1.6.1 */
#define SBR_EKU_RESTRICTION G_GINT64_CONSTANT (1814400000)      /* 2027-07-01T00:00:00Z, SMC018 */
#define SBR_CA_RSA_4096 G_GINT64_CONSTANT (1789430400)          /* 2026-09-15T00:00:00Z, SMC017 */
#define SBR_ISSUER_RSA_3072 G_GINT64_CONSTANT (1820966400)      /* 2027-09-15T00:00:00Z, SMC017 */

void _lint_add (LintCtx *c, InkanSeverity severity, const char *code, const char *path,
                const char *format, ...) G_GNUC_PRINTF (5, 6);
void *_lint_ext_d2i (LintCtx *c, int nid, int *critical);
gboolean _lint_oid_is (const ASN1_OBJECT *obj, const char *dotted);
char *_lint_oid_text (const ASN1_OBJECT *obj);
gboolean _lint_is_http_uri (const char *uri);
char *_lint_asn1_string_utf8 (const ASN1_STRING *s);
char *_lint_printable (const ASN1_STRING *s);
const char *_lint_attribute_name (const ASN1_OBJECT *obj);

/* lint-common.c: rules for every certificate (RFC 5280 and SBR §6.1, §7.1) */
void _lint_structure (LintCtx *c);
void _lint_serial (LintCtx *c);
void _lint_validity_times (LintCtx *c);
void _lint_public_key (LintCtx *c);
void _lint_signature_algorithm (LintCtx *c);
void _lint_issuer (LintCtx *c);
void _lint_aki_ski (LintCtx *c);
void _lint_crldp (LintCtx *c);
void _lint_aia (LintCtx *c);
void _lint_policy_qualifiers (LintCtx *c, CERTIFICATEPOLICIES *policies);
gboolean _lint_is_country_code (const char *value);
void _lint_country_code (LintCtx *c, const char *value, const char *path);
void _lint_attribute_value (LintCtx *c, const char *name, const char *value, int nid);
int _lint_public_key_kind (X509 *cert, int *bits, const char **curve);

/* lint-cert.c: certificates parsed without decoding the key */
gboolean _lint_is_lazy (X509 *cert);
X509 *_lint_full_cert (X509 *cert);
void _lint_key_read (X509 *cert, LintKey *key);
void _lint_key_clear (LintKey *key);
EVP_PKEY *_lint_key_pkey (X509 *cert, const LintKey *key);
gboolean _lint_self_signed (X509 *cert, const LintKey *key);
int _lint_check_ca (X509 *cert);
int _lint_verify (X509 *cert, EVP_PKEY *pkey);
int _lint_verify_cached (GHashTable *verifiers, X509 *cert, EVP_PKEY *pkey);
void _lint_verifier_free (LintVerifier *v);

/* lint-subscriber.c: SBR §7.1.2.3, §7.1.4.2 */
void _lint_subscriber (LintCtx *c);

/* lint-ca.c: SBR §7.1.2.1, §7.1.2.2, §7.1.4.3 */
void _lint_ca (LintCtx *c);

#endif
