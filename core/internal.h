/* Internal helpers shared by core/ *.c; not installed, not public API. */
#ifndef INKAN_INTERNAL_H
#define INKAN_INTERNAL_H

#include "inkan.h"
#include <glib/gi18n-lib.h>
#include <openssl/bio.h>
#include <openssl/cms.h>

/* Structural limits on hostile input (see docs/security.md). */
#define INKAN_MAX_DEPTH 32
#define INKAN_MAX_LAYERS 8
#define INKAN_MAX_PARTS 10000

G_DEFINE_AUTOPTR_CLEANUP_FUNC (BIO, BIO_free_all)
G_DEFINE_AUTOPTR_CLEANUP_FUNC (X509, X509_free)
G_DEFINE_AUTOPTR_CLEANUP_FUNC (EVP_PKEY, EVP_PKEY_free)
G_DEFINE_AUTOPTR_CLEANUP_FUNC (CMS_ContentInfo, CMS_ContentInfo_free)
G_DEFINE_AUTOPTR_CLEANUP_FUNC (ASN1_OBJECT, ASN1_OBJECT_free)

/* error.c */
void _inkan_set_error (GError **error, InkanError code, const char *format, ...) G_GNUC_PRINTF (3, 4);
char *_inkan_openssl_reason (void);

/* bytes <-> BIO */
BIO *_inkan_bio_from_bytes (GBytes *bytes);
GBytes *_inkan_bio_to_bytes (BIO *bio);

/* identity.c */
InkanIdentity *_inkan_identity_new_from_parts (EVP_PKEY *key, GPtrArray *certs, GError **error);
InkanIdentity *_inkan_identity_load_pem (GBytes *bytes, const char *what, const char *passphrase, GError **error);
GBytes *_inkan_read_file (const char *path, const char *what, GError **error);

/* chain.c */
typedef struct {
  gboolean trusted;
  guint flags;        /* INKAN_FLAG_UNTRUSTED / EXPIRED / NOT_YET_VALID */
  char *error_text;   /* first chain error, or NULL */
} InkanChainResult;
void _inkan_trust_check (InkanTrust *trust, X509 *cert, STACK_OF (X509) *untrusted,
                         gint64 at, InkanChainResult *result);

/* store.c */
InkanStoreEntry *_inkan_store_entry_new_from_cert (const char *store, const char *id,
                                                   const char *label, X509 *cert, gboolean has_key);

/* cms.c: certificate fields as people read them */
#define _inkan_name_to_string inkan_name_to_string
gint64 _inkan_asn1_time_to_unix (const ASN1_TIME *t);

/* cms.c: RFC 5652 operations on whole DER/BER blobs. */
typedef struct {
  GPtrArray *signers;           /* InkanSigner*, owned */
  guint flags;                  /* InkanVerdictFlags found in the CMS layer */
  gboolean signature_valid;     /* every SignerInfo verifies */
  GBytes *content;              /* eContent for opaque signed-data, else NULL */
} InkanCmsVerifyResult;

void _inkan_cms_verify_result_free (InkanCmsVerifyResult *result);
G_DEFINE_AUTOPTR_CLEANUP_FUNC (InkanCmsVerifyResult, _inkan_cms_verify_result_free)

GBytes *_inkan_cms_sign (InkanIdentity *identity, GBytes *content,
                         const InkanSignOptions *options, gboolean detached, GError **error);
InkanCmsVerifyResult *_inkan_cms_verify (GBytes *cms, GBytes *detached_content,
                                         InkanTrust *trust, gint64 at, GError **error);
GBytes *_inkan_cms_encrypt (GBytes *content, GPtrArray *recipients,
                            const InkanEncryptOptions *options, GError **error);
GBytes *_inkan_cms_decrypt (GBytes *cms, InkanIdentity *identity, GError **error);
int _inkan_cms_content_type (GBytes *cms);
const char *_inkan_digest_micalg (InkanDigest digest);
void _inkan_signer_free (InkanSigner *signer);
void _inkan_signer_fill_cert (InkanSigner *s, X509 *cert, gboolean *from_subject);
void _inkan_signer_copy_cert (InkanSigner *to, const InkanSigner *from);

#endif
