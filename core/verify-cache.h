/* Internal: decoded certificates and trusted chains kept across messages,
 * one cache per InkanTrust, thread-safe (core/verify-cache.c). */
#ifndef INKAN_VERIFY_CACHE_H
#define INKAN_VERIFY_CACHE_H

#include "internal.h"

typedef struct _InkanVerifyCache InkanVerifyCache;

InkanVerifyCache *_inkan_verify_cache_new (void);
void _inkan_verify_cache_free (InkanVerifyCache *cache);
CMS_ContentInfo *_inkan_cms_d2i_signed (InkanVerifyCache *cache, GBytes *der);
gboolean _inkan_verify_cache_chain_trusted (InkanVerifyCache *cache, X509 *cert,
                                            STACK_OF (X509) *untrusted, gint64 at);
void _inkan_verify_cache_add_chain (InkanVerifyCache *cache, X509 *cert, STACK_OF (X509) *untrusted,
                                    STACK_OF (X509) *chain);

gboolean _inkan_verify_cache_describe (InkanVerifyCache *cache, X509 *cert, InkanSigner *signer,
                                       gboolean *from_subject);

/* chain.c: the cache of a trust set (NULL for NULL). */
InkanVerifyCache *_inkan_trust_get_cache (InkanTrust *trust);

#endif
