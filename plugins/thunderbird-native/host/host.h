/* inkan-native-host: the WebExtension native-messaging host behind inkan's
 * Thunderbird MailExtension.  Protocol: docs/native-messaging.md.
 *
 *   main.c      framing on stdin/stdout, the loop, logging
 *   rpc.c       JSON-RPC 2.0: request validation, dispatch, replies, errors
 *   params.c    typed access to "params" with validation
 *   profile.c   which Thunderbird profile, its prefs (identities) and certificates
 *   methods.c   hello, list, check-address, expiry, import, verify, lint, test-*
 */
#ifndef INKAN_NATIVE_HOST_H
#define INKAN_NATIVE_HOST_H

#include "inkan.h"
#include <json-glib/json-glib.h>

/* The protocol version in "hello"; bumped on incompatible changes. */
#define HOST_PROTOCOL_VERSION 1
/* Requests larger than this get an error reply (their bytes are skipped). */
#define HOST_MAX_REQUEST ((guint32) 64 * 1024 * 1024)
/* What Thunderbird accepts from a host (WebExtension limit). */
#define HOST_MAX_REPLY ((gsize) 1024 * 1024)
/* Nesting of arrays/objects in a request. */
#define HOST_MAX_DEPTH 32

/* JSON-RPC 2.0 error codes (docs/native-messaging.md). */
enum {
  RPC_PARSE_ERROR = -32700,
  RPC_INVALID_REQUEST = -32600,
  RPC_METHOD_NOT_FOUND = -32601,
  RPC_INVALID_PARAMS = -32602,
  RPC_INTERNAL_ERROR = -32603,
  /* -32001 .. -32017: an InkanError (code = -32000 - InkanError) */
  RPC_INKAN_BASE = -32000,
  RPC_REQUEST_TOO_LARGE = -32090,
  RPC_REPLY_TOO_LARGE = -32091,
  RPC_NOT_AVAILABLE = -32092,
};

#define HOST_ERROR (host_error_quark ())
GQuark host_error_quark (void);
/* HOST_ERROR codes are the RPC_* numbers above. */

/* main.c */
void host_log (const char *level, const char *format, ...) G_GNUC_PRINTF (2, 3);

/* rpc.c: one frame in, one reply out (NULL: no reply, a notification) */
GBytes *rpc_handle_frame (const guint8 *data, gsize len);
GBytes *rpc_error_frame (JsonNode *id, int code, const char *message);
char *rpc_excerpt (const char *s);

/* params.c */
typedef struct {
  JsonObject *obj;   /* may be NULL: no params */
} Params;
gboolean params_check_members (Params *p, const char *const *allowed, GError **error);
gboolean params_string (Params *p, const char *name, gboolean required, gsize max_len,
                        const char **out, GError **error);
gboolean params_bool (Params *p, const char *name, gboolean *out, GError **error);
gboolean params_int (Params *p, const char *name, gint64 min, gint64 max, gint64 *out, GError **error);
gboolean params_time (Params *p, const char *name, gint64 *out, GError **error);
gboolean params_array (Params *p, const char *name, gboolean required, guint max_len,
                       JsonArray **out, GError **error);
GBytes *params_base64 (const char *text, gsize max_decoded, const char *what, GError **error);
X509 *params_certificate (const char *text, const char *what, GError **error);
void params_error (GError **error, const char *format, ...) G_GNUC_PRINTF (2, 3);

/* profile.c */
typedef struct {
  char *key;                 /* "id1" */
  char *email;               /* mail.identity.KEY.useremail */
  char *name;                /* fullName, or NULL */
  char *signing_cert_name;   /* nickname, or NULL */
  char *signing_cert_dbkey;
  char *encryption_cert_name;
  char *encryption_cert_dbkey;
} HostIdentity;

const char *host_profile (const char *requested, GError **error);
GPtrArray *host_profile_identities (const char *profile, GError **error);
GPtrArray *host_profile_certificates (const char *profile, const char *primary_password, GError **error);
GHashTable *host_prefs_read (const char *path);
void host_identity_free (HostIdentity *id);
G_DEFINE_AUTOPTR_CLEANUP_FUNC (HostIdentity, host_identity_free)

/* methods.c */
typedef JsonNode *(*MethodFunc) (Params *params, GError **error);
typedef struct {
  const char *name;
  MethodFunc run;
  gboolean test_only;
} Method;
const Method *methods_find (const char *name);
gboolean host_test_mode (void);

#endif
