/* The methods of the host (docs/native-messaging.md has the contract).
 * Each validates its params, calls libinkan and builds the "result". */
#include "host.h"
#include "json-out.h"
#include "config.h"
#include <errno.h>
#include <unistd.h>
#include <glib/gstdio.h>
#include <openssl/crypto.h>
#include <openssl/err.h>
#include <openssl/evp.h>
#include <openssl/x509v3.h>

#define MAX_EMAIL 320
#define MAX_PATH 4096
#define MAX_IMPORT_FILE (8 * 1024 * 1024)
#define MAX_MESSAGE (48 * 1024 * 1024)
#define MAX_CERTS 64

G_DEFINE_AUTOPTR_CLEANUP_FUNC (X509, X509_free)

static const gint64 default_thresholds[] = { 90, 60, 30, 7, 3 };

/* ------------------------------------------------------------ helpers */

static gint64
now_unix (void)
{
  return g_get_real_time () / G_USEC_PER_SEC;
}

static void
add_strings (JsonBuilder *b, const char *name, GPtrArray *values)
{
  json_builder_set_member_name (b, name);
  json_builder_begin_array (b);
  for (guint i = 0; values && i < values->len; i++)
    json_builder_add_string_value (b, g_ptr_array_index (values, i));
  json_builder_end_array (b);
}

static gint64
asn1_unix (const ASN1_TIME *t)
{
  struct tm tm;

  if (t == NULL || !ASN1_TIME_to_tm (t, &tm))
    return -1;
  return (gint64) timegm (&tm);
}

static char *
sha256_hex (X509 *x)
{
  unsigned char md[EVP_MAX_MD_SIZE];
  unsigned int n = 0;
  GString *s = g_string_new (NULL);

  X509_digest (x, EVP_sha256 (), md, &n);
  for (unsigned int i = 0; i < n; i++)
    g_string_append_printf (s, "%02X", md[i]);
  return g_string_free (s, FALSE);
}

/* The members every certificate object has (docs: "Certificate"). */
static void
cert_members (JsonBuilder *b, X509 *x, gint64 at)
{
  gboolean from_subject = FALSE;
  g_autoptr (GPtrArray) emails = inkan_certificate_get_addresses (x, &from_subject);
  g_autofree char *subject = inkan_name_to_string (X509_get_subject_name (x));
  g_autofree char *issuer = inkan_name_to_string (X509_get_issuer_name (x));
  g_autofree char *fp = sha256_hex (x);
  gint64 not_after = asn1_unix (X509_get0_notAfter (x));
  const char *profile = inkan_certificate_sbr_profile (x);
  g_autofree char *serial = inkan_certificate_serial_hex (x);

  cli_json_add_string (b, "subject", subject);
  cli_json_add_string (b, "issuer", issuer);
  cli_json_add_string (b, "serial", serial[0] ? serial : NULL);
  add_strings (b, "emails", emails);
  cli_json_add_bool (b, "emails_from_subject", from_subject);
  cli_json_add_time (b, "not_before", asn1_unix (X509_get0_notBefore (x)));
  cli_json_add_time (b, "not_after", not_after);
  cli_json_add_int (b, "days_left", inkan_days_left (not_after, at));
  cli_json_add_bool (b, "expired", not_after < at);
  cli_json_add_bool (b, "ca", X509_check_ca (x) != 0);
  cli_json_add_string (b, "sbr_profile", profile);
  cli_json_add_string (b, "sha256", fp);
}

static void
entry_members (JsonBuilder *b, InkanStoreEntry *e, gint64 at)
{
  cli_json_add_string (b, "nickname", e->id);
  cli_json_add_string (b, "subject", e->subject);
  cli_json_add_string (b, "issuer", e->issuer);
  add_strings (b, "emails", e->emails);
  cli_json_add_time (b, "not_after", e->not_after);
  cli_json_add_int (b, "days_left", inkan_days_left (e->not_after, at));
  cli_json_add_bool (b, "expired", e->not_after < at);
  cli_json_add_bool (b, "has_key", e->has_key);
}

static InkanStoreEntry *
find_entry (GPtrArray *entries, const char *nickname)
{
  for (guint i = 0; nickname && entries && i < entries->len; i++)
    {
      InkanStoreEntry *e = g_ptr_array_index (entries, i);
      if (!g_strcmp0 (e->id, nickname))
        return e;
    }
  return NULL;
}

static JsonNode *
finish (JsonBuilder *b)
{
  return json_builder_get_root (b);
}

static gboolean
emails_contain (GPtrArray *emails, const char *email)
{
  for (guint i = 0; emails && i < emails->len; i++)
    if (inkan_address_equal (g_ptr_array_index (emails, i), email))
      return TRUE;
  return FALSE;
}

static char *
join (GPtrArray *v)
{
  GString *s = g_string_new (NULL);

  for (guint i = 0; v && i < v->len; i++)
    g_string_append_printf (s, "%s%s", i ? ", " : "", (char *) g_ptr_array_index (v, i));
  return g_string_free (s, FALSE);
}

/* Profile and certificates of a request with "profile"/"primary_password". */
static gboolean
profile_params (Params *p, const char **profile, const char **primary, GError **error)
{
  const char *requested = NULL;

  if (!params_string (p, "profile", FALSE, MAX_PATH, &requested, error)
      || (primary && !params_string (p, "primary_password", FALSE, 1024, primary, error)))
    return FALSE;
  *profile = host_profile (requested, error);
  return *profile != NULL;
}

/* ------------------------------------------------------------ hello */

static JsonNode *
m_hello (Params *p, GError **error);

/* ------------------------------------------------------------ list */

static JsonNode *
m_list (Params *p, GError **error)
{
  static const char *const allowed[] = { "profile", "primary_password", "at", NULL };
  const char *profile, *primary = NULL;
  g_autoptr (GPtrArray) ids = NULL;
  g_autoptr (GPtrArray) entries = NULL;
  g_autoptr (JsonBuilder) b = json_builder_new ();
  gint64 at = now_unix ();

  if (!params_check_members (p, allowed, error) || !params_time (p, "at", &at, error)
      || !profile_params (p, &profile, &primary, error))
    return NULL;
  ids = host_profile_identities (profile, error);
  entries = host_profile_certificates (profile, primary, error);
  if (ids == NULL || entries == NULL)
    return NULL;

  json_builder_begin_object (b);
  cli_json_add_string (b, "profile", profile);
  json_builder_set_member_name (b, "identities");
  json_builder_begin_array (b);
  for (guint i = 0; i < ids->len; i++)
    {
      HostIdentity *id = g_ptr_array_index (ids, i);
      InkanStoreEntry *sign = find_entry (entries, id->signing_cert_name);

      json_builder_begin_object (b);
      cli_json_add_string (b, "id", id->key);
      cli_json_add_string (b, "email", id->email);
      cli_json_add_string (b, "name", id->name);
      cli_json_add_string (b, "signing_certificate", id->signing_cert_name);
      cli_json_add_string (b, "encryption_certificate", id->encryption_cert_name);
      json_builder_set_member_name (b, "signing_matches");
      if (sign)
        json_builder_add_boolean_value (b, emails_contain (sign->emails, id->email));
      else
        json_builder_add_null_value (b);
      json_builder_end_object (b);
    }
  json_builder_end_array (b);
  json_builder_set_member_name (b, "certificates");
  json_builder_begin_array (b);
  for (guint i = 0; i < entries->len; i++)
    {
      InkanStoreEntry *e = g_ptr_array_index (entries, i);

      json_builder_begin_object (b);
      entry_members (b, e, at);
      json_builder_set_member_name (b, "identities");
      json_builder_begin_array (b);
      for (guint j = 0; j < ids->len; j++)
        {
          HostIdentity *id = g_ptr_array_index (ids, j);
          if (!g_strcmp0 (id->signing_cert_name, e->id) || !g_strcmp0 (id->encryption_cert_name, e->id))
            json_builder_add_string_value (b, id->key);
        }
      json_builder_end_array (b);
      json_builder_end_object (b);
    }
  json_builder_end_array (b);
  json_builder_end_object (b);
  return finish (b);
}

/* ------------------------------------------------------------ check-address */

static JsonNode *
m_check_address (Params *p, GError **error)
{
  static const char *const allowed[] = { "email", "certificate", "nickname", "identity", "profile",
                                         "primary_password", "at", NULL };
  const char *email, *cert_text = NULL, *nickname = NULL, *identity = NULL;
  g_autofree char *normalized = NULL;
  g_autoptr (X509) x = NULL;
  g_autoptr (GPtrArray) entries = NULL;
  g_autoptr (GPtrArray) x_emails = NULL;
  g_autoptr (JsonBuilder) b = json_builder_new ();
  g_autofree char *nick_from_identity = NULL;
  g_autofree char *message = NULL;
  InkanStoreEntry *entry = NULL;
  GPtrArray *emails = NULL;
  const char *reason;
  gint64 at = now_unix (), not_after = 0;
  gboolean match = FALSE;

  if (!params_check_members (p, allowed, error)
      || !params_string (p, "email", TRUE, MAX_EMAIL, &email, error)
      || !params_string (p, "certificate", FALSE, 128 * 1024, &cert_text, error)
      || !params_string (p, "nickname", FALSE, 1024, &nickname, error)
      || !params_string (p, "identity", FALSE, 128, &identity, error)
      || !params_time (p, "at", &at, error))
    return NULL;
  if (!!cert_text + !!nickname + !!identity != 1)
    {
      params_error (error, "Give exactly one of \"certificate\", \"nickname\" or \"identity\".");
      return NULL;
    }
  normalized = inkan_address_normalize (email, NULL);
  if (normalized == NULL)
    {
      params_error (error, "\"email\" is not a mail address.");
      return NULL;
    }

  if (cert_text)
    {
      if ((x = params_certificate (cert_text, "\"certificate\"", error)) == NULL)
        return NULL;
      x_emails = inkan_certificate_get_addresses (x, NULL);
      emails = x_emails;
      not_after = asn1_unix (X509_get0_notAfter (x));
    }
  else
    {
      const char *profile, *primary = NULL;

      if (!profile_params (p, &profile, &primary, error))
        return NULL;
      if (identity)
        {
          g_autoptr (GPtrArray) ids = host_profile_identities (profile, error);
          for (guint i = 0; ids && i < ids->len && !nick_from_identity; i++)
            {
              HostIdentity *id = g_ptr_array_index (ids, i);
              if (!strcmp (id->key, identity))
                nick_from_identity = g_strdup (id->signing_cert_name ? id->signing_cert_name : "");
            }
          if (nick_from_identity == NULL)
            {
              g_set_error (error, INKAN_ERROR, INKAN_ERROR_NOT_FOUND,
                           "The profile has no mail identity “%s”.", identity);
              return NULL;
            }
          nickname = *nick_from_identity ? nick_from_identity : NULL;
        }
      if (nickname)
        {
          if ((entries = host_profile_certificates (profile, primary, error)) == NULL)
            return NULL;
          entry = find_entry (entries, nickname);
          if (entry)
            {
              emails = entry->emails;
              not_after = entry->not_after;
            }
        }
    }

  if (emails == NULL)
    {
      reason = "no-certificate";
      message = nickname
                ? g_strdup_printf ("The signing certificate “%s” is not in the profile's certificate database.", nickname)
                : g_strdup_printf ("The identity %s has no S/MIME signing certificate.", email);
    }
  else if ((match = emails_contain (emails, email)))
    {
      reason = not_after < at ? "expired" : "match";
      message = not_after < at
                ? g_strdup_printf ("%s is in the signing certificate, but the certificate has expired.", email)
                : g_strdup_printf ("%s is in the signing certificate.", email);
    }
  else
    {
      g_autofree char *list = join (emails);
      reason = "mismatch";
      message = g_strdup_printf ("The sending address %s is not in the signing certificate, which is for %s. "
                                 "Recipients would see a signature that does not match the sender. "
                                 "Choose the identity the certificate is for, or the certificate issued for %s.",
                                 email, *list ? list : "no mail address", email);
    }

  json_builder_begin_object (b);
  cli_json_add_string (b, "email", email);
  cli_json_add_bool (b, "match", match);
  cli_json_add_string (b, "reason", reason);
  cli_json_add_string (b, "message", message);
  json_builder_set_member_name (b, "certificate");
  if (x)
    {
      json_builder_begin_object (b);
      cert_members (b, x, at);
      json_builder_end_object (b);
    }
  else if (entry)
    {
      json_builder_begin_object (b);
      entry_members (b, entry, at);
      json_builder_end_object (b);
    }
  else
    json_builder_add_null_value (b);
  json_builder_end_object (b);
  return finish (b);
}

/* ------------------------------------------------------------ expiry */

typedef struct {
  char *key;            /* nickname or sha256 */
  X509 *x;              /* or */
  InkanStoreEntry *entry;
  GPtrArray *identities;
} ExpiryItem;

static void
expiry_item_free (ExpiryItem *it)
{
  g_free (it->key);
  if (it->x)
    X509_free (it->x);
  g_ptr_array_unref (it->identities);
  g_free (it);
}

static ExpiryItem *
expiry_item (GPtrArray *items, const char *key)
{
  ExpiryItem *it;

  for (guint i = 0; i < items->len; i++)
    if (!strcmp (((ExpiryItem *) g_ptr_array_index (items, i))->key, key))
      return g_ptr_array_index (items, i);
  it = g_new0 (ExpiryItem, 1);
  it->key = g_strdup (key);
  it->identities = g_ptr_array_new_with_free_func (g_free);
  g_ptr_array_add (items, it);
  return it;
}

static void
add_identity_once (ExpiryItem *it, const char *id)
{
  if (id && !g_ptr_array_find_with_equal_func (it->identities, id, g_str_equal, NULL))
    g_ptr_array_add (it->identities, g_strdup (id));
}

static JsonNode *
m_expiry (Params *p, GError **error)
{
  static const char *const allowed[] = { "profile", "primary_password", "at", "thresholds",
                                         "identities", NULL };
  g_autoptr (GPtrArray) items = g_ptr_array_new_with_free_func ((GDestroyNotify) expiry_item_free);
  g_autoptr (GArray) thresholds = g_array_new (FALSE, FALSE, sizeof (gint64));
  g_autoptr (GPtrArray) entries = NULL;
  g_autoptr (JsonBuilder) b = json_builder_new ();
  JsonArray *th = NULL, *idents = NULL;
  const char *profile = NULL, *primary = NULL;
  gint64 at = now_unix ();

  if (!params_check_members (p, allowed, error) || !params_time (p, "at", &at, error)
      || !params_array (p, "thresholds", FALSE, 16, &th, error)
      || !params_array (p, "identities", FALSE, MAX_CERTS, &idents, error))
    return NULL;
  if (th)
    for (guint i = 0; i < json_array_get_length (th); i++)
      {
        JsonNode *n = json_array_get_element (th, i);
        gint64 v;
        if (!JSON_NODE_HOLDS_VALUE (n) || json_node_get_value_type (n) != G_TYPE_INT64
            || (v = json_node_get_int (n)) < 0 || v > 3650)
          {
            params_error (error, "\"thresholds\" must be integers from 0 to 3650 (days).");
            return NULL;
          }
        g_array_append_val (thresholds, v);
      }
  else
    g_array_append_vals (thresholds, default_thresholds, G_N_ELEMENTS (default_thresholds));

  if (idents)
    {
      /* The extension names each identity and its certificate. */
      for (guint i = 0; i < json_array_get_length (idents); i++)
        {
          JsonNode *n = json_array_get_element (idents, i);
          Params ip = { JSON_NODE_HOLDS_OBJECT (n) ? json_node_get_object (n) : NULL };
          static const char *const iallowed[] = { "id", "email", "certificate", NULL };
          const char *id, *email = NULL, *cert = NULL;
          g_autoptr (X509) x = NULL;
          g_autofree char *fp = NULL;
          ExpiryItem *it;

          if (ip.obj == NULL)
            {
              params_error (error, "\"identities\" must hold objects {id, email, certificate}.");
              return NULL;
            }
          if (!params_check_members (&ip, iallowed, error)
              || !params_string (&ip, "id", TRUE, 128, &id, error)
              || !params_string (&ip, "email", FALSE, MAX_EMAIL, &email, error)
              || !params_string (&ip, "certificate", FALSE, 128 * 1024, &cert, error))
            return NULL;
          if (cert == NULL)
            continue;
          if ((x = params_certificate (cert, "\"identities[].certificate\"", error)) == NULL)
            return NULL;
          fp = sha256_hex (x);
          it = expiry_item (items, fp);
          if (it->x == NULL)
            it->x = g_steal_pointer (&x);
          add_identity_once (it, id);
        }
    }
  else
    {
      g_autoptr (GPtrArray) ids = NULL;

      if (!profile_params (p, &profile, &primary, error))
        return NULL;
      if ((ids = host_profile_identities (profile, error)) == NULL
          || (entries = host_profile_certificates (profile, primary, error)) == NULL)
        return NULL;
      for (guint i = 0; i < ids->len; i++)
        {
          HostIdentity *id = g_ptr_array_index (ids, i);
          const char *names[] = { id->signing_cert_name, id->encryption_cert_name };
          for (guint k = 0; k < G_N_ELEMENTS (names); k++)
            {
              InkanStoreEntry *e = find_entry (entries, names[k]);
              ExpiryItem *it;
              if (e == NULL)
                continue;
              it = expiry_item (items, e->id);
              it->entry = e;
              add_identity_once (it, id->key);
            }
        }
      /* Own certificates (with their key) not used by an identity yet. */
      for (guint i = 0; i < entries->len; i++)
        {
          InkanStoreEntry *e = g_ptr_array_index (entries, i);
          if (e->has_key)
            expiry_item (items, e->id)->entry = e;
        }
    }

  json_builder_begin_object (b);
  cli_json_add_time (b, "at", at);
  cli_json_add_string (b, "profile", profile);
  json_builder_set_member_name (b, "thresholds");
  json_builder_begin_array (b);
  for (guint i = 0; i < thresholds->len; i++)
    json_builder_add_int_value (b, g_array_index (thresholds, gint64, i));
  json_builder_end_array (b);
  json_builder_set_member_name (b, "certificates");
  json_builder_begin_array (b);
  for (guint i = 0; i < items->len; i++)
    {
      ExpiryItem *it = g_ptr_array_index (items, i);
      gint64 not_after = it->x ? asn1_unix (X509_get0_notAfter (it->x)) : it->entry->not_after;
      gint64 left = inkan_days_left (not_after, at);
      gint64 stage = -1;
      g_autofree char *message = NULL;

      /* The reminder stage: the smallest threshold not below the days left. */
      for (guint k = 0; k < thresholds->len; k++)
        {
          gint64 t = g_array_index (thresholds, gint64, k);
          if (left <= t && (stage < 0 || t < stage))
            stage = t;
        }
      json_builder_begin_object (b);
      if (it->x)
        cert_members (b, it->x, at);
      else
        entry_members (b, it->entry, at);
      add_strings (b, "identities", it->identities);
      if (not_after < at)
        {
          cli_json_add_string (b, "stage", "expired");
          message = g_strdup_printf ("The certificate expired %" G_GINT64_FORMAT " day(s) ago; mail signed with it will not verify. Get a new one from your CA.", -left);
        }
      else if (stage >= 0)
        {
          cli_json_add_int (b, "stage", stage);
          message = g_strdup_printf ("The certificate expires in %" G_GINT64_FORMAT " day(s). Renew it with your CA and import the new one.", left);
        }
      else
        cli_json_add_string (b, "stage", NULL);
      cli_json_add_string (b, "message", message);
      json_builder_end_object (b);
    }
  json_builder_end_array (b);
  json_builder_end_object (b);
  return finish (b);
}

/* ------------------------------------------------------------ import */

static char *
ask_from_params (const char *what, gpointer user_data, GError **error)
{
  if (user_data)
    return g_strdup (user_data);
  g_set_error (error, INKAN_ERROR, INKAN_ERROR_PASSPHRASE_REQUIRED,
               "A passphrase is needed for %s; give it as \"passphrase\".", what);
  return NULL;
}

static char *
ask_primary (const char *what, gpointer user_data, GError **error)
{
  (void) what;
  if (user_data)
    return g_strdup (user_data);
  g_set_error (error, INKAN_ERROR, INKAN_ERROR_PASSPHRASE_REQUIRED,
               "The Thunderbird profile has a primary password; give it as \"primary_password\".");
  return NULL;
}

static void
remove_tree (const char *dir)
{
  g_autoptr (GDir) d = dir ? g_dir_open (dir, 0, NULL) : NULL;
  const char *name;

  while (d && (name = g_dir_read_name (d)) != NULL)
    {
      g_autofree char *path = g_build_filename (dir, name, NULL);
      if (g_unlink (path) != 0)
        remove_tree (path);
    }
  if (dir)
    g_rmdir (dir);
}

static GHashTable *
read_prefs_js (const char *dir)
{
  g_autofree char *path = g_build_filename (dir, "prefs.js", NULL);
  GHashTable *prefs = g_hash_table_new_full (g_str_hash, g_str_equal, g_free, g_free);
  g_autofree char *tmp = g_dir_make_tmp ("inkan-prefs-XXXXXX", NULL);
  g_autofree char *copy = tmp ? g_build_filename (tmp, "prefs.js", NULL) : NULL;
  g_autofree char *text = NULL;
  gsize len;

  /* host_prefs_read() reads a profile directory; give it prefs.js alone. */
  if (tmp && g_file_get_contents (path, &text, &len, NULL)
      && g_file_set_contents (copy, text, (gssize) len, NULL))
    {
      g_hash_table_unref (prefs);
      prefs = host_prefs_read (tmp);
    }
  remove_tree (tmp);
  return prefs;
}

/* A directory that shows the profile's NSS database (symlinks to cert9.db,
 * key4.db, pkcs11.txt; SQLite follows them, journals included) with a copy
 * of prefs.js and user.js, and no lock: inkan_thunderbird_import() on it
 * adds to the real database and plans the identity settings in the copy,
 * from where the extension applies them to the running Thunderbird. */
static char *
make_view (const char *profile, GError **error)
{
  static const char *const linked[] = { "cert9.db", "key4.db", "pkcs11.txt" };
  static const char *const copied[] = { "prefs.js", "user.js" };
  g_autofree char *view = g_dir_make_tmp ("inkan-tb-view-XXXXXX", error);

  if (view == NULL)
    return NULL;
  for (guint i = 0; i < G_N_ELEMENTS (linked); i++)
    {
      g_autofree char *src = g_build_filename (profile, linked[i], NULL);
      g_autofree char *dst = g_build_filename (view, linked[i], NULL);
      if (g_file_test (src, G_FILE_TEST_EXISTS) && symlink (src, dst) != 0)
        {
          g_set_error (error, INKAN_ERROR, INKAN_ERROR_IO, "Cannot link “%s”: %s.", src, g_strerror (errno));
          remove_tree (view);
          return NULL;
        }
    }
  for (guint i = 0; i < G_N_ELEMENTS (copied); i++)
    {
      g_autofree char *src = g_build_filename (profile, copied[i], NULL);
      g_autofree char *dst = g_build_filename (view, copied[i], NULL);
      g_autofree char *text = NULL;
      gsize len;
      if (g_file_get_contents (src, &text, &len, NULL))
        g_file_set_contents (dst, text, (gssize) len, NULL);
    }
  return g_steal_pointer (&view);
}

static JsonNode *
m_import (Params *p, GError **error)
{
  static const char *const allowed[] = { "files", "passphrase", "label", "force", "trust_root",
                                         "profile", "primary_password", NULL };
  const char *passphrase = NULL, *label = NULL, *profile, *primary = NULL;
  gboolean force = FALSE, trust_root = FALSE, running = FALSE;
  JsonArray *files;
  g_autofree char *dir = NULL;
  g_autofree char *view = NULL;
  g_autoptr (GPtrArray) paths = g_ptr_array_new_with_free_func (g_free);
  g_autoptr (InkanDelivery) delivery = NULL;
  g_autoptr (InkanImportResult) result = NULL;
  g_autoptr (GHashTable) before = NULL;
  g_autoptr (GHashTable) after = NULL;
  g_autoptr (GPtrArray) ids = NULL;
  g_autoptr (GPtrArray) changed = g_ptr_array_new_with_free_func (g_free);
  g_autoptr (GError) local = NULL;
  g_autoptr (JsonBuilder) b = json_builder_new ();
  InkanIdentity *identity;
  X509 *leaf = NULL;
  JsonNode *root = NULL;

  if (!params_check_members (p, allowed, error)
      || !params_array (p, "files", TRUE, 8, &files, error)
      || !params_string (p, "passphrase", FALSE, 1024, &passphrase, error)
      || !params_string (p, "label", FALSE, 256, &label, error)
      || !params_bool (p, "force", &force, error)
      || !params_bool (p, "trust_root", &trust_root, error)
      || !profile_params (p, &profile, &primary, error))
    return NULL;
  if (json_array_get_length (files) == 0)
    {
      params_error (error, "\"files\" is empty.");
      return NULL;
    }

  /* The files go to a private directory, with their original extension
   * (it tells PKCS#12 from PEM, DER and zip), and are deleted after. */
  if ((dir = g_dir_make_tmp ("inkan-import-XXXXXX", error)) == NULL)
    return NULL;
  for (guint i = 0; i < json_array_get_length (files); i++)
    {
      JsonNode *n = json_array_get_element (files, i);
      Params fp = { JSON_NODE_HOLDS_OBJECT (n) ? json_node_get_object (n) : NULL };
      static const char *const fallowed[] = { "name", "data", NULL };
      const char *name, *data;
      g_autoptr (GBytes) bytes = NULL;
      g_autofree char *base = NULL;
      g_autofree char *path = NULL;

      if (fp.obj == NULL)
        params_error (error, "\"files\" must hold objects {name, data}.");
      if (fp.obj == NULL || !params_check_members (&fp, fallowed, error)
          || !params_string (&fp, "name", TRUE, 255, &name, error)
          || !params_string (&fp, "data", TRUE, MAX_IMPORT_FILE / 3 * 4 + 8, &data, error)
          || (bytes = params_base64 (data, MAX_IMPORT_FILE, "\"files[].data\"", error)) == NULL)
        goto out;
      base = g_path_get_basename (name);
      g_strcanon (base, "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789._-", '_');
      path = g_strdup_printf ("%s/%u-%s", dir, i, base[0] == '.' ? base + 1 : base);
      if (!g_file_set_contents_full (path, g_bytes_get_data (bytes, NULL), (gssize) g_bytes_get_size (bytes),
                                     G_FILE_SET_CONTENTS_NONE, 0600, error))
        goto out;
      g_ptr_array_add (paths, g_steal_pointer (&path));
    }
  g_ptr_array_add (paths, NULL);
  delivery = inkan_delivery_load ((const char *const *) paths->pdata, ask_from_params,
                                  (gpointer) passphrase, error);
  if (delivery == NULL)
    goto out;
  identity = inkan_delivery_get_identity (delivery);
  if (identity)
    leaf = inkan_identity_get_certificate (identity);

  before = read_prefs_js (profile);
  result = inkan_thunderbird_import (profile, identity, inkan_delivery_get_certificates (delivery),
                                     label, force, trust_root, ask_primary, (gpointer) primary, &local);
  if (result == NULL && g_error_matches (local, INKAN_ERROR, INKAN_ERROR_LOCKED))
    {
      /* Thunderbird runs on the profile and prefs.js would change: add to
       * the database now; the extension sets the identity in Thunderbird. */
      running = TRUE;
      g_clear_error (&local);
      if ((view = make_view (profile, error)) == NULL)
        goto out;
      g_clear_pointer (&before, g_hash_table_unref);
      before = read_prefs_js (view);
      result = inkan_thunderbird_import (view, identity, inkan_delivery_get_certificates (delivery),
                                         label, force, trust_root, ask_primary, (gpointer) primary, &local);
    }
  if (result == NULL)
    {
      g_propagate_error (error, g_steal_pointer (&local));
      goto out;
    }
  after = read_prefs_js (view ? view : profile);
  ids = host_profile_identities (profile, NULL);

  json_builder_begin_object (b);
  cli_json_add_string (b, "profile", profile);
  cli_json_add_string (b, "nickname", result->id);
  cli_json_add_bool (b, "thunderbird_running", running);
  json_builder_set_member_name (b, "certificate");
  if (leaf)
    {
      json_builder_begin_object (b);
      cert_members (b, leaf, now_unix ());
      json_builder_end_object (b);
    }
  else
    json_builder_add_null_value (b);
  /* Identity settings the import made (or, with Thunderbird running,
   * that the extension must make): mail.identity.ID.* */
  json_builder_set_member_name (b, "prefs");
  json_builder_begin_array (b);
  {
    GHashTableIter it;
    gpointer k, v;
    g_hash_table_iter_init (&it, after);
    while (g_hash_table_iter_next (&it, &k, &v))
      {
        const char *old = g_hash_table_lookup (before, k);
        const char *name = k;
        if (!g_str_has_prefix (name, "mail.identity.") || !g_strcmp0 (old, v))
          continue;
        json_builder_begin_object (b);
        cli_json_add_string (b, "name", name);
        cli_json_add_string (b, "value", v);
        json_builder_end_object (b);
        {
          const char *rest = name + strlen ("mail.identity.");
          g_autofree char *key = g_strndup (rest, strcspn (rest, "."));
          if (!g_ptr_array_find_with_equal_func (changed, key, g_str_equal, NULL))
            g_ptr_array_add (changed, g_steal_pointer (&key));
        }
      }
  }
  json_builder_end_array (b);
  json_builder_set_member_name (b, "identities");
  json_builder_begin_array (b);
  for (guint i = 0; ids && i < ids->len; i++)
    {
      HostIdentity *id = g_ptr_array_index (ids, i);
      if (!g_ptr_array_find_with_equal_func (changed, id->key, g_str_equal, NULL))
        continue;
      json_builder_begin_object (b);
      cli_json_add_string (b, "id", id->key);
      cli_json_add_string (b, "email", id->email);
      json_builder_end_object (b);
    }
  json_builder_end_array (b);
  /* libinkan's sentences; those about the identities it set (they name the
   * identity's key and address) apart, for the extension replaces them
   * once it has set the identities in the running Thunderbird. */
  {
    g_autoptr (GPtrArray) general = g_ptr_array_new ();
    g_autoptr (GPtrArray) about_ids = g_ptr_array_new ();
    for (guint i = 0; i < result->notes->len; i++)
      {
        const char *note = g_ptr_array_index (result->notes, i);
        gboolean about = FALSE;
        for (guint j = 0; ids && j < ids->len && !about; j++)
          {
            HostIdentity *id = g_ptr_array_index (ids, j);
            g_autofree char *key = g_strdup_printf ("%s (%s)", id->key, id->email);
            about = g_ptr_array_find_with_equal_func (changed, id->key, g_str_equal, NULL) && strstr (note, key);
          }
        g_ptr_array_add (about ? about_ids : general, (gpointer) note);
      }
    add_strings (b, "notes", general);
    add_strings (b, "identity_notes", about_ids);
  }
  cli_json_add_bool (b, "prefs_written", !running && changed->len > 0);
  cli_json_add_bool (b, "restart_needed", running && changed->len > 0);
  json_builder_end_object (b);
  root = finish (b);

out:
  remove_tree (view);
  remove_tree (dir);
  return root;
}

/* ------------------------------------------------------------ verify */

static GPtrArray *
system_anchors (void)
{
  static GPtrArray *anchors;

  if (anchors == NULL)
    {
      anchors = inkan_certificates_load (inkan_trust_system_anchors_path (), NULL);
      if (anchors == NULL)
        anchors = g_ptr_array_new ();
    }
  return anchors;
}

static gboolean
in_list (GPtrArray *list, X509 *x)
{
  for (guint i = 0; list && i < list->len; i++)
    if (X509_cmp (g_ptr_array_index (list, i), x) == 0)
      return TRUE;
  return FALSE;
}

static const char *
verdict_summary (const InkanVerdict *v)
{
  switch (v->kind)
    {
    case INKAN_VERDICT_VALID: return "Valid: the signature is good, the certificate is trusted, and the signer is the From address.";
    case INKAN_VERDICT_VALID_SIGNATURE: return "Not valid: the signature itself is intact, but see the flags.";
    case INKAN_VERDICT_INVALID: return "Invalid: the signature does not match the message, or cannot be accepted.";
    case INKAN_VERDICT_NOT_SIGNED:
    default: return (v->flags & INKAN_FLAG_ENCRYPTED) ? "Encrypted: decrypt it to check a signature inside."
                                                       : "Not signed: the mail has no S/MIME signature.";
    }
}

static void
verdict_members (JsonBuilder *b, const InkanVerdict *v)
{
  cli_json_add_string (b, "verdict", inkan_verdict_kind_to_string (v->kind));
  cli_json_add_string (b, "summary", verdict_summary (v));
  json_builder_set_member_name (b, "flags");
  json_builder_begin_array (b);
  for (guint bit = 1; bit <= INKAN_FLAG_ENCRYPTED; bit <<= 1)
    if (v->flags & bit)
      json_builder_add_string_value (b, inkan_verdict_flag_to_string (bit));
  json_builder_end_array (b);
  cli_json_add_string (b, "from", v->from);
  cli_json_add_string (b, "sender", v->sender);
  cli_json_add_string (b, "signed_part", v->signed_part);
  json_builder_set_member_name (b, "signers");
  json_builder_begin_array (b);
  for (guint i = 0; i < v->signers->len; i++)
    {
      InkanSigner *s = g_ptr_array_index (v->signers, i);
      json_builder_begin_object (b);
      cli_json_add_string (b, "subject", s->subject);
      cli_json_add_string (b, "issuer", s->issuer);
      add_strings (b, "emails", s->emails);
      cli_json_add_string (b, "serial", s->serial);
      cli_json_add_time (b, "not_before", s->subject ? s->not_before : -1);
      cli_json_add_time (b, "not_after", s->subject ? s->not_after : -1);
      cli_json_add_string (b, "signature_algorithm", s->signature_algorithm);
      cli_json_add_string (b, "digest_algorithm", s->digest_algorithm);
      cli_json_add_bool (b, "signature_valid", s->signature_valid);
      cli_json_add_bool (b, "chain_trusted", s->chain_trusted);
      cli_json_add_bool (b, "from_match", s->from_match);
      cli_json_add_time (b, "signing_time", s->signing_time);
      cli_json_add_time (b, "verified_at", s->subject ? s->verified_at : -1);
      cli_json_add_string (b, "chain_error", s->chain_error);
      json_builder_end_object (b);
    }
  json_builder_end_array (b);
}

static void lint_members (JsonBuilder *b, X509 *x, GPtrArray *issuers, gint64 at);

static JsonNode *
m_verify (Params *p, GError **error)
{
  static const char *const allowed[] = { "message", "at", "anchors", NULL };
  const char *text;
  JsonArray *anchors_param = NULL;
  gint64 at = 0;
  g_autoptr (GBytes) raw = NULL;
  g_autoptr (GMimeMessage) msg = NULL;
  g_autoptr (InkanTrust) trust = NULL;
  g_autoptr (InkanVerdict) v = NULL;
  g_autoptr (GPtrArray) certs = NULL;
  g_autoptr (GPtrArray) extra = g_ptr_array_new_with_free_func ((GDestroyNotify) X509_free);
  g_autoptr (GPtrArray) chain = g_ptr_array_new ();
  g_autoptr (JsonBuilder) b = json_builder_new ();
  gint64 when;

  if (!params_check_members (p, allowed, error)
      || !params_string (p, "message", TRUE, (gsize) MAX_MESSAGE / 3 * 4 + 8, &text, error)
      || !params_time (p, "at", &at, error)
      || !params_array (p, "anchors", FALSE, MAX_CERTS, &anchors_param, error))
    return NULL;
  if ((raw = params_base64 (text, MAX_MESSAGE, "\"message\"", error)) == NULL)
    return NULL;
  for (guint i = 0; anchors_param && i < json_array_get_length (anchors_param); i++)
    {
      JsonNode *n = json_array_get_element (anchors_param, i);
      X509 *x;
      if (!JSON_NODE_HOLDS_VALUE (n) || json_node_get_value_type (n) != G_TYPE_STRING)
        {
          params_error (error, "\"anchors\" must hold certificates (PEM or base64 DER).");
          return NULL;
        }
      if ((x = params_certificate (json_node_get_string (n), "\"anchors[]\"", error)) == NULL)
        return NULL;
      g_ptr_array_add (extra, x);
    }
  if ((msg = inkan_message_parse_bytes (raw, error)) == NULL
      || (trust = inkan_trust_new (TRUE, error)) == NULL)
    return NULL;
  for (guint i = 0; i < extra->len; i++)
    inkan_trust_add_cert (trust, g_ptr_array_index (extra, i));
  if ((v = inkan_message_verify (msg, trust, at, error)) == NULL)
    return NULL;
  certs = inkan_message_get_signer_certificates (msg, NULL);
  when = at ? at : now_unix ();
  if (v->signers->len && ((InkanSigner *) g_ptr_array_index (v->signers, 0))->subject)
    when = ((InkanSigner *) g_ptr_array_index (v->signers, 0))->verified_at;

  /* The chain as far as the certificates at hand go: the signer's, then
   * each issuer from the message, the given anchors or the system anchors. */
  if (certs && certs->len && v->signers->len)
    {
      X509 *cur = g_ptr_array_index (certs, 0);
      g_ptr_array_add (chain, cur);
      while (chain->len < 10 && X509_check_issued (cur, cur) != X509_V_OK)
        {
          GPtrArray *pools[] = { certs, extra, system_anchors () };
          X509 *next = NULL;
          for (guint k = 0; k < G_N_ELEMENTS (pools) && !next; k++)
            for (guint i = 0; i < pools[k]->len && !next; i++)
              {
                X509 *c = g_ptr_array_index (pools[k], i);
                if (c != cur && X509_check_issued (c, cur) == X509_V_OK && !in_list (chain, c))
                  next = c;
              }
          if (next == NULL)
            break;
          g_ptr_array_add (chain, next);
          cur = next;
        }
      ERR_clear_error ();
    }

  json_builder_begin_object (b);
  verdict_members (b, v);
  json_builder_set_member_name (b, "chain");
  json_builder_begin_array (b);
  for (guint i = 0; i < chain->len; i++)
    {
      X509 *x = g_ptr_array_index (chain, i);
      json_builder_begin_object (b);
      cert_members (b, x, when);
      cli_json_add_bool (b, "anchor", in_list (extra, x) || in_list (system_anchors (), x));
      json_builder_end_object (b);
    }
  json_builder_end_array (b);
  json_builder_set_member_name (b, "sbr");
  if (chain->len)
    {
      g_autoptr (GPtrArray) issuers = g_ptr_array_new ();
      for (guint i = 1; i < chain->len; i++)
        g_ptr_array_add (issuers, g_ptr_array_index (chain, i));
      json_builder_begin_object (b);
      lint_members (b, g_ptr_array_index (chain, 0), issuers, when);
      json_builder_end_object (b);
    }
  else
    json_builder_add_null_value (b);
  json_builder_end_object (b);
  return finish (b);
}

/* ------------------------------------------------------------ lint */

#ifdef HOST_HAVE_LINT
static gboolean
lint_run (JsonBuilder *b, X509 *x, GPtrArray *issuers, gint64 at, GError **error)
{
  STACK_OF (X509) *sk = sk_X509_new_null ();
  g_autoptr (GPtrArray) findings = NULL;
  guint counts[8] = { 0 };

  for (guint i = 0; issuers && i < issuers->len; i++)
    sk_X509_push (sk, g_ptr_array_index (issuers, i));
  findings = inkan_lint_certificate (x, sk, at, error);
  sk_X509_free (sk);
  if (findings == NULL)
    return FALSE;
  cli_json_add_bool (b, "lint_available", TRUE);
  json_builder_set_member_name (b, "findings");
  json_builder_begin_array (b);
  for (guint i = 0; i < findings->len; i++)
    {
      InkanFinding *f = g_ptr_array_index (findings, i);
      json_builder_begin_object (b);
      cli_json_add_string (b, "severity", inkan_severity_to_string (f->severity));
      cli_json_add_string (b, "code", f->code);
      cli_json_add_string (b, "path", f->path);
      cli_json_add_string (b, "message", f->message);
      json_builder_end_object (b);
      if ((guint) f->severity < G_N_ELEMENTS (counts))
        counts[f->severity]++;
    }
  json_builder_end_array (b);
  json_builder_set_member_name (b, "counts");
  json_builder_begin_object (b);
  for (guint s = 0; s < G_N_ELEMENTS (counts); s++)
    if (counts[s])
      cli_json_add_int (b, inkan_severity_to_string (s), counts[s]);
  json_builder_end_object (b);
  return TRUE;
}
#endif

static void
lint_members (JsonBuilder *b, X509 *x, GPtrArray *issuers, gint64 at)
{
  cli_json_add_string (b, "profile", inkan_certificate_sbr_profile (x));
#ifdef HOST_HAVE_LINT
  {
    g_autoptr (GError) error = NULL;
    if (lint_run (b, x, issuers, at, &error))
      return;
    cli_json_add_bool (b, "lint_available", TRUE);
    cli_json_add_string (b, "lint_error", error->message);
  }
#else
  (void) issuers;
  (void) at;
  cli_json_add_bool (b, "lint_available", FALSE);
#endif
}

static JsonNode *
m_lint (Params *p, GError **error)
{
  static const char *const allowed[] = { "certificate", "issuers", "at", NULL };
  const char *text;
  JsonArray *issuers_param = NULL;
  gint64 at = now_unix ();
  g_autoptr (X509) x = NULL;
  g_autoptr (GPtrArray) issuers = g_ptr_array_new_with_free_func ((GDestroyNotify) X509_free);

  if (!params_check_members (p, allowed, error)
      || !params_string (p, "certificate", TRUE, 128 * 1024, &text, error)
      || !params_array (p, "issuers", FALSE, MAX_CERTS, &issuers_param, error)
      || !params_time (p, "at", &at, error))
    return NULL;
  if ((x = params_certificate (text, "\"certificate\"", error)) == NULL)
    return NULL;
  for (guint i = 0; issuers_param && i < json_array_get_length (issuers_param); i++)
    {
      JsonNode *n = json_array_get_element (issuers_param, i);
      X509 *c;
      if (!JSON_NODE_HOLDS_VALUE (n) || json_node_get_value_type (n) != G_TYPE_STRING)
        {
          params_error (error, "\"issuers\" must hold certificates (PEM or base64 DER).");
          return NULL;
        }
      if ((c = params_certificate (json_node_get_string (n), "\"issuers[]\"", error)) == NULL)
        return NULL;
      g_ptr_array_add (issuers, c);
    }
#ifdef HOST_HAVE_LINT
  {
    g_autoptr (JsonBuilder) b = json_builder_new ();
    json_builder_begin_object (b);
    json_builder_set_member_name (b, "certificate");
    json_builder_begin_object (b);
    cert_members (b, x, at);
    json_builder_end_object (b);
    cli_json_add_string (b, "profile", inkan_certificate_sbr_profile (x));
    if (!lint_run (b, x, issuers, at, error))
      return NULL;
    json_builder_end_object (b);
    return finish (b);
  }
#else
  g_set_error_literal (error, HOST_ERROR, RPC_NOT_AVAILABLE,
                       "Certificate linting is not available in this build.");
  return NULL;
#endif
}

/* ------------------------------------------------------------ test mode */

gboolean
host_test_mode (void)
{
  const char *dir = g_getenv ("INKAN_TB_TEST_DIR");

  return dir && g_path_is_absolute (dir) && g_file_test (dir, G_FILE_TEST_IS_DIR);
}

static JsonNode *
m_test_config (Params *p, GError **error)
{
  static const char *const allowed[] = { NULL };
  g_autofree char *path = g_build_filename (g_getenv ("INKAN_TB_TEST_DIR"), "config.json", NULL);
  g_autoptr (JsonParser) parser = json_parser_new ();

  if (!params_check_members (p, allowed, error) || !json_parser_load_from_file (parser, path, error))
    return NULL;
  return json_node_copy (json_parser_get_root (parser));
}

static JsonNode *
m_test_report (Params *p, GError **error)
{
  static const char *const allowed[] = { "name", "data", NULL };
  const char *name;
  JsonNode *data;
  g_autoptr (JsonGenerator) gen = json_generator_new ();
  g_autofree char *path = NULL;
  g_autofree char *text = NULL;
  g_autoptr (JsonBuilder) b = json_builder_new ();

  if (!params_check_members (p, allowed, error) || !params_string (p, "name", TRUE, 64, &name, error))
    return NULL;
  for (const char *c = name; *c; c++)
    if (!g_ascii_isalnum (*c) && *c != '-' && *c != '_')
      {
        params_error (error, "\"name\" may only hold letters, digits, - and _.");
        return NULL;
      }
  data = p->obj ? json_object_get_member (p->obj, "data") : NULL;
  if (data == NULL)
    {
      params_error (error, "The parameter \"data\" is required.");
      return NULL;
    }
  json_generator_set_root (gen, data);
  json_generator_set_pretty (gen, TRUE);
  text = json_generator_to_data (gen, NULL);
  path = g_strdup_printf ("%s/%s.json", g_getenv ("INKAN_TB_TEST_DIR"), name);
  if (!g_file_set_contents (path, text, -1, error))
    return NULL;
  json_builder_begin_object (b);
  cli_json_add_string (b, "written", path);
  json_builder_end_object (b);
  return finish (b);
}

/* ------------------------------------------------------------ table */

static const Method methods[] = {
  { "hello", m_hello, FALSE },
  { "list", m_list, FALSE },
  { "check-address", m_check_address, FALSE },
  { "expiry", m_expiry, FALSE },
  { "import", m_import, FALSE },
  { "verify", m_verify, FALSE },
  { "lint", m_lint, FALSE },
  { "test-config", m_test_config, TRUE },
  { "test-report", m_test_report, TRUE },
};

const Method *
methods_find (const char *name)
{
  for (guint i = 0; i < G_N_ELEMENTS (methods); i++)
    if (!strcmp (methods[i].name, name) && (!methods[i].test_only || host_test_mode ()))
      return &methods[i];
  return NULL;
}

static JsonNode *
m_hello (Params *p, GError **error)
{
  static const char *const allowed[] = { "protocol", "client", "version", NULL };
  g_autoptr (JsonBuilder) b = json_builder_new ();
  g_autoptr (GError) perr = NULL;
  g_autofree char *gmime = g_strdup_printf ("%u.%u.%u", gmime_major_version, gmime_minor_version,
                                            gmime_micro_version);
  const char *client = NULL, *version = NULL, *profile;
  gint64 protocol = HOST_PROTOCOL_VERSION;

  if (!params_check_members (p, allowed, error)
      || !params_int (p, "protocol", 1, 1000, &protocol, error)
      || !params_string (p, "client", FALSE, 128, &client, error)
      || !params_string (p, "version", FALSE, 64, &version, error))
    return NULL;
  if (client)
    host_log ("INFO", "hello from %s %s (protocol %" G_GINT64_FORMAT ")", client, version ? version : "", protocol);
  profile = host_profile (NULL, &perr);

  json_builder_begin_object (b);
  cli_json_add_string (b, "name", "inkan-native-host");
  cli_json_add_int (b, "protocol", HOST_PROTOCOL_VERSION);
  cli_json_add_bool (b, "compatible", protocol == HOST_PROTOCOL_VERSION);
  cli_json_add_string (b, "version", INKAN_VERSION);
  cli_json_add_string (b, "libinkan", inkan_version ());
  cli_json_add_string (b, "gmime", gmime);
  cli_json_add_string (b, "openssl", OpenSSL_version (OPENSSL_VERSION));
  cli_json_add_string (b, "profile", profile);
  cli_json_add_string (b, "profile_error", perr ? perr->message : NULL);
#ifdef HOST_HAVE_LINT
  cli_json_add_bool (b, "lint", TRUE);
#else
  cli_json_add_bool (b, "lint", FALSE);
#endif
  cli_json_add_bool (b, "test_mode", host_test_mode ());
  json_builder_set_member_name (b, "methods");
  json_builder_begin_array (b);
  for (guint i = 0; i < G_N_ELEMENTS (methods); i++)
    if (!methods[i].test_only || host_test_mode ())
      json_builder_add_string_value (b, methods[i].name);
  json_builder_end_array (b);
  json_builder_end_object (b);
  return finish (b);
}
