/* inkan's own store, in the smime_keys layout that stock mutt reads.
 *
 *   DIR/certificates/<hash>.<n>   PEM certificate (leaf), or the issuer
 *                                 chain file (intermediates, concatenated)
 *   DIR/certificates/.index       "mailbox hash.n label issuer_hash trust purpose"
 *   DIR/keys/<hash>.<n>           PEM private key, PKCS#8 encrypted (0600)
 *   DIR/keys/.index               "mailbox hash.n label ? trust purpose"
 *
 * <hash> is the OpenSSL subject name hash (openssl x509 -hash), <n> counts
 * different certificates with the same subject; one index line per mailbox
 * of the certificate.  trust is t (verified), e (expired or not yet valid)
 * or i (invalid); purpose is s and/or e (S/MIME signing/encryption), as
 * mutt's smime_keys writes them (mutt 2.2).
 */
#include "internal.h"
#include <errno.h>
#include <openssl/err.h>
#include <openssl/pem.h>
#include <unistd.h>
#include <sys/stat.h>

typedef struct {
  char *mailbox, *id, *label, *issuer, *trust, *purpose;
} IndexLine;

static void
index_line_free (IndexLine *l)
{
  g_free (l->mailbox);
  g_free (l->id);
  g_free (l->label);
  g_free (l->issuer);
  g_free (l->trust);
  g_free (l->purpose);
  g_free (l);
}

/**
 * inkan_store_default_dir:
 *
 * Returns: (transfer full): $INKAN_SMIME_DIR, or ~/.smime (mutt's default).
 */
char *
inkan_store_default_dir (void)
{
  const char *env = g_getenv ("INKAN_SMIME_DIR");

  if (env && *env)
    return g_strdup (env);
  return g_build_filename (g_get_home_dir (), ".smime", NULL);
}

static GPtrArray *
read_index (const char *dir, const char *sub, GError **error)
{
  g_autofree char *path = g_build_filename (dir, sub, ".index", NULL);
  GPtrArray *lines = g_ptr_array_new_with_free_func ((GDestroyNotify) index_line_free);
  g_autofree char *text = NULL;
  g_autoptr (GError) local = NULL;
  g_auto (GStrv) rows = NULL;

  if (!g_file_get_contents (path, &text, NULL, &local))
    {
      if (g_error_matches (local, G_FILE_ERROR, G_FILE_ERROR_NOENT))
        return lines;
      _inkan_set_error (error, INKAN_ERROR_IO, _("Cannot read “%s”: %s."), path, local->message);
      g_ptr_array_unref (lines);
      return NULL;
    }
  rows = g_strsplit (text, "\n", -1);
  for (int i = 0; rows[i]; i++)
    {
      g_auto (GStrv) f = g_strsplit_set (g_strstrip (rows[i]), " \t", -1);
      GPtrArray *fields = g_ptr_array_new ();
      IndexLine *l;

      for (int j = 0; f[j]; j++)
        if (*f[j])
          g_ptr_array_add (fields, f[j]);
      if (fields->len >= 4)
        {
          l = g_new0 (IndexLine, 1);
          l->mailbox = g_strdup (g_ptr_array_index (fields, 0));
          l->id = g_strdup (g_ptr_array_index (fields, 1));
          l->label = g_strdup (g_ptr_array_index (fields, 2));
          l->issuer = g_strdup (g_ptr_array_index (fields, 3));
          l->trust = g_strdup (fields->len > 4 ? (char *) g_ptr_array_index (fields, 4) : "u");
          l->purpose = g_strdup (fields->len > 5 ? (char *) g_ptr_array_index (fields, 5) : "-");
          g_ptr_array_add (lines, l);
        }
      g_ptr_array_unref (fields);
    }
  return lines;
}

static gboolean
write_index (const char *dir, const char *sub, GPtrArray *lines, GError **error)
{
  g_autofree char *path = g_build_filename (dir, sub, ".index", NULL);
  g_autoptr (GString) out = g_string_new (NULL);

  for (guint i = 0; i < lines->len; i++)
    {
      IndexLine *l = g_ptr_array_index (lines, i);
      g_string_append_printf (out, "%s %s %s %s %s %s\n", l->mailbox, l->id, l->label,
                              l->issuer, l->trust, l->purpose);
    }
  return inkan_file_write_atomic (path, out->str, out->len, 0600, TRUE, error);
}

static gboolean
ensure_dirs (const char *dir, GError **error)
{
  const char *subs[] = { "", "keys", "certificates" };

  for (guint i = 0; i < G_N_ELEMENTS (subs); i++)
    {
      g_autofree char *path = g_build_filename (dir, subs[i], NULL);
      if (g_mkdir_with_parents (path, 0700) != 0)
        {
          _inkan_set_error (error, INKAN_ERROR_IO, _("Cannot create the store folder “%s”: %s."), path, g_strerror (errno));
          return FALSE;
        }
    }
  return TRUE;
}

static char *
cert_pem (X509 *cert)
{
  g_autoptr (BIO) bio = BIO_new (BIO_s_mem ());
  char *data = NULL;
  long len;

  PEM_write_bio_X509 (bio, cert);
  len = BIO_get_mem_data (bio, &data);
  return g_strndup (data, len);
}

static X509 *
read_first_cert (const char *path)
{
  g_autoptr (GPtrArray) certs = inkan_certificates_load (path, NULL);

  if (certs == NULL || certs->len == 0)
    return NULL;
  return X509_dup (g_ptr_array_index (certs, 0));
}

/* A store change: every file is backed up (or noted as absent) before it
 * is written, so that a failure half-way restores the store as it was. */
typedef struct {
  GHashTable *backups;   /* path → GBytes*, or NULL when the file did not exist */
} Txn;

static void
txn_init (Txn *t)
{
  t->backups = g_hash_table_new_full (g_str_hash, g_str_equal, g_free, (GDestroyNotify) g_bytes_unref);
}

static void
txn_backup (Txn *t, const char *path)
{
  char *data = NULL;
  gsize len = 0;

  if (g_hash_table_contains (t->backups, path))
    return;
  if (g_file_get_contents (path, &data, &len, NULL))
    g_hash_table_insert (t->backups, g_strdup (path), g_bytes_new_take (data, len));
  else
    g_hash_table_insert (t->backups, g_strdup (path), NULL);
}

static void
txn_rollback (Txn *t)
{
  GHashTableIter it;
  gpointer path, bytes;

  /* Remove new files first: that frees the space the restores need. */
  g_hash_table_iter_init (&it, t->backups);
  while (g_hash_table_iter_next (&it, &path, &bytes))
    if (bytes == NULL)
      unlink (path);
  g_hash_table_iter_init (&it, t->backups);
  while (g_hash_table_iter_next (&it, &path, &bytes))
    if (bytes != NULL)
      inkan_file_write_atomic (path, g_bytes_get_data (bytes, NULL), g_bytes_get_size (bytes), 0600, TRUE, NULL);
}

static void
txn_clear (Txn *t)
{
  g_hash_table_unref (t->backups);
}

/* Finds or allocates certificates/<hash>.<n> for @first (the first
 * certificate of @pem), as smime_keys' cm_add_cert does: the same
 * certificate reuses its file.  Sets *created when a new file is made. */
static char *
store_cert_file (const char *dir, X509 *first, const char *pem, Txn *txn, GError **error)
{
  char hash[16];

  g_snprintf (hash, sizeof hash, "%08lx", X509_subject_name_hash (first));
  for (int n = 0; n < 1000; n++)
    {
      g_autofree char *id = g_strdup_printf ("%s.%d", hash, n);
      g_autofree char *path = g_build_filename (dir, "certificates", id, NULL);
      g_autoptr (X509) existing = NULL;

      if (!g_file_test (path, G_FILE_TEST_EXISTS))
        {
          txn_backup (txn, path);
          if (!inkan_file_write_atomic (path, pem, strlen (pem), 0644, FALSE, error))
            return NULL;
          return g_steal_pointer (&id);
        }
      existing = read_first_cert (path);
      if (existing && X509_cmp (existing, first) == 0)
        return g_steal_pointer (&id);
    }
  _inkan_set_error (error, INKAN_ERROR_IO, _("Too many certificates with the same subject in “%s”."), dir);
  return NULL;
}

static const char *
trust_flag (X509 *leaf, GPtrArray *given)
{
  g_autoptr (InkanTrust) trust = inkan_trust_new (TRUE, NULL);
  STACK_OF (X509) *untrusted = sk_X509_new_null ();
  InkanChainResult cr;

  if (trust == NULL)
    return "u";
  /* As smime_keys does with openssl verify: the CA certificates that came
   * with the delivery count as issuers. */
  for (guint i = 0; i < given->len; i++)
    {
      X509 *c = g_ptr_array_index (given, i);
      if (X509_check_ca (c) > 0)
        inkan_trust_add_cert (trust, c);
      sk_X509_push (untrusted, c);
    }
  _inkan_trust_check (trust, leaf, untrusted, g_get_real_time () / G_USEC_PER_SEC, &cr);
  sk_X509_free (untrusted);
  g_free (cr.error_text);
  if (cr.trusted)
    return "t";
  return (cr.flags & (INKAN_FLAG_EXPIRED | INKAN_FLAG_NOT_YET_VALID)) ? "e" : "i";
}

static char *
purpose_flag (X509 *cert)
{
  GString *p = g_string_new (NULL);

  if (X509_check_purpose (cert, X509_PURPOSE_SMIME_SIGN, 0) == 1)
    g_string_append_c (p, 's');
  if (X509_check_purpose (cert, X509_PURPOSE_SMIME_ENCRYPT, 0) == 1)
    g_string_append_c (p, 'e');
  if (p->len == 0)
    g_string_append_c (p, '-');
  ERR_clear_error ();
  return g_string_free (p, FALSE);
}

static char *
safe_label (const char *label, GPtrArray *emails)
{
  char *l = g_strdup (label && *label ? label : emails->len ? (char *) g_ptr_array_index (emails, 0) : "inkan");

  /* The index is space-separated. */
  g_strdelimit (l, " \t\r\n", '_');
  return l;
}

static void
add_lines (GPtrArray *lines, GPtrArray *emails, const char *id, const char *label,
           const char *issuer, const char *trust, const char *purpose)
{
  for (guint i = 0; i < emails->len; i++)
    {
      const char *mb = g_ptr_array_index (emails, i);
      IndexLine *l;
      gboolean dup = FALSE;

      /* An existing line for this mailbox and certificate is brought up to
       * date (new label, issuer found since, trust). */
      for (guint j = 0; j < lines->len && !dup; j++)
        {
          IndexLine *o = g_ptr_array_index (lines, j);
          if ((dup = !strcmp (o->mailbox, mb) && !strcmp (o->id, id)))
            {
              g_free (o->label), o->label = g_strdup (label);
              if (strcmp (issuer, "?") != 0 || strcmp (o->issuer, "?") == 0)
                g_free (o->issuer), o->issuer = g_strdup (issuer);
              g_free (o->trust), o->trust = g_strdup (trust);
              g_free (o->purpose), o->purpose = g_strdup (purpose);
            }
        }
      if (dup || strpbrk (mb, " \t\r\n"))
        continue;
      l = g_new0 (IndexLine, 1);
      l->mailbox = g_strdup (mb);
      l->id = g_strdup (id);
      l->label = g_strdup (label);
      l->issuer = g_strdup (issuer);
      l->trust = g_strdup (trust);
      l->purpose = g_strdup (purpose);
      g_ptr_array_add (lines, l);
    }
}

static gboolean
index_has_id (GPtrArray *lines, const char *id)
{
  for (guint i = 0; i < lines->len; i++)
    if (!strcmp (((IndexLine *) g_ptr_array_index (lines, i))->id, id))
      return TRUE;
  return FALSE;
}

static char *
days_note (X509 *cert)
{
  gint64 end = _inkan_asn1_time_to_unix (X509_get0_notAfter (cert));
  gint64 days = (end - g_get_real_time () / G_USEC_PER_SEC) / 86400;
  g_autoptr (GDateTime) dt = g_date_time_new_from_unix_utc (end);
  g_autofree char *date = dt ? g_date_time_format (dt, "%Y-%m-%d") : g_strdup ("?");

  if (days < 0)
    return g_strdup_printf (_("The certificate expired on %s."), date);
  return g_strdup_printf (_("The certificate is valid until %s (%" G_GINT64_FORMAT " days left)."), date, days);
}

/* Stores the issuer chain (intermediates) of @leaf found in @given as one
 * file, as smime_keys does; returns its id or "?". */
static char *
store_issuer_chain (const char *dir, X509 *leaf, STACK_OF (X509) *chain, Txn *txn, GError **error)
{
  GString *pem = g_string_new (NULL);
  X509 *first = NULL;
  char *id;

  (void) leaf;
  for (int i = 0; chain && i < sk_X509_num (chain); i++)
    {
      g_autofree char *one = cert_pem (sk_X509_value (chain, i));
      if (first == NULL)
        first = sk_X509_value (chain, i);
      g_string_append (pem, one);
    }
  if (first == NULL)
    {
      g_string_free (pem, TRUE);
      return g_strdup ("?");
    }
  id = store_cert_file (dir, first, pem->str, txn, error);
  g_string_free (pem, TRUE);
  return id;
}

/**
 * inkan_key_to_encrypted_pem:
 * @key: a private key
 * @passphrase: the passphrase to protect it with
 * @error: return location for #INKAN_ERROR_FAILED
 *
 * Returns: (transfer full): the key as PEM PKCS#8 EncryptedPrivateKeyInfo,
 *   PBES2 with AES-256-CBC (RFC 8018); wipe it after use.
 */
char *
inkan_key_to_encrypted_pem (EVP_PKEY *key, const char *passphrase, GError **error)
{
  g_autoptr (BIO) bio = BIO_new (BIO_s_mem ());
  EVP_CIPHER *aes = EVP_CIPHER_fetch (NULL, "AES-256-CBC", NULL);
  char *data = NULL;
  long len;
  gboolean ok;

  /* PKCS#8 EncryptedPrivateKeyInfo with PBES2/AES-256 (RFC 8018). */
  ok = aes && PEM_write_bio_PKCS8PrivateKey (bio, key, aes, NULL, 0, NULL, (void *) passphrase);
  EVP_CIPHER_free (aes);
  if (!ok)
    {
      g_autofree char *why = _inkan_openssl_reason ();
      _inkan_set_error (error, INKAN_ERROR_FAILED, _("Cannot encrypt the private key: %s."), why);
      return NULL;
    }
  len = BIO_get_mem_data (bio, &data);
  return g_strndup (data, len);
}

/**
 * inkan_store_import:
 * @dir: the store folder (see inkan_store_default_dir()); created 0700
 * @delivery: what to import (inkan_delivery_load())
 * @label: (nullable): a label for the entry; default: the first address
 * @force: replace an entry that already holds this certificate
 * @ask_new: (nullable): asked for a passphrase to protect the stored key
 *   when the delivery's key had none; a stored key is always encrypted
 * @ask_data: data for @ask_new
 * @error: return location for #INKAN_ERROR_EXISTS (the certificate is in the
 *   store and @force is %FALSE; nothing changed), #INKAN_ERROR_IO,
 *   #INKAN_ERROR_PASSPHRASE_REQUIRED or #INKAN_ERROR_FAILED; on every error
 *   the store is as it was
 *
 * Stores an identity (key, certificate, intermediates) or, for a
 * certificates-only delivery, every end-entity certificate (recipients), in
 * the smime_keys layout described above so that stock mutt and smime_keys
 * see them.  Keys are written 0600, encrypted with the delivery's
 * passphrase (or a new one from @ask_new), through temp files and rename.
 *
 * Returns: (transfer full): what was done, or %NULL on error.
 */
InkanImportResult *
inkan_store_import (const char *dir, InkanDelivery *delivery, const char *label, gboolean force,
                    InkanPassphraseFunc ask_new, gpointer ask_data, GError **error)
{
  InkanIdentity *identity = inkan_delivery_get_identity (delivery);
  GPtrArray *given = inkan_delivery_get_certificates (delivery);
  g_autoptr (GPtrArray) cert_lines = NULL;
  g_autoptr (GPtrArray) key_lines = NULL;
  g_autoptr (InkanImportResult) result = g_new0 (InkanImportResult, 1);
  Txn txn;
  g_autoptr (GPtrArray) leaves = g_ptr_array_new ();

  result->notes = g_ptr_array_new_with_free_func (g_free);
  txn_init (&txn);
  if (!ensure_dirs (dir, error)
      || (cert_lines = read_index (dir, "certificates", error)) == NULL
      || (key_lines = read_index (dir, "keys", error)) == NULL)
    {
      txn_clear (&txn);
      return NULL;
    }

  if (identity)
    g_ptr_array_add (leaves, inkan_identity_get_certificate (identity));
  else
    for (guint i = 0; i < given->len; i++)
      if (X509_check_ca (g_ptr_array_index (given, i)) == 0)
        g_ptr_array_add (leaves, g_ptr_array_index (given, i));
  if (leaves->len == 0)
    {
      _inkan_set_error (error, INKAN_ERROR_CERTIFICATE,
                        _("Only CA certificates were given; import your own certificate or a correspondent's."));
      txn_clear (&txn);
      return NULL;
    }

  for (guint i = 0; i < leaves->len; i++)
    {
      X509 *leaf = g_ptr_array_index (leaves, i);
      g_autoptr (GPtrArray) emails = inkan_certificate_get_addresses (leaf, NULL);
      g_autofree char *pem = cert_pem (leaf);
      g_autofree char *lbl = safe_label (label, emails);
      g_autofree char *id = NULL, *issuer = NULL, *purpose = purpose_flag (leaf);
      const char *trust = trust_flag (leaf, given);
      STACK_OF (X509) *chain = identity ? inkan_identity_get_chain (identity) : NULL;
      STACK_OF (X509) *own_chain = NULL;

      if (emails->len == 0)
        {
          g_ptr_array_add (result->notes, g_strdup (_("A certificate without an email address was skipped.")));
          continue;
        }
      if (identity == NULL)
        {
          /* A recipient's issuer, if the delivery has it. */
          own_chain = sk_X509_new_null ();
          for (guint j = 0; j < given->len; j++)
            {
              X509 *c = g_ptr_array_index (given, j);
              if (c != leaf && X509_check_issued (c, leaf) == X509_V_OK && X509_check_issued (c, c) != X509_V_OK)
                sk_X509_push (own_chain, c);
            }
          chain = own_chain;
        }
      {
        char hash[16];
        g_snprintf (hash, sizeof hash, "%08lx", X509_subject_name_hash (leaf));
        /* Same certificate already indexed?  Refuse before writing. */
        for (int n = 0; n < 1000 && id == NULL; n++)
          {
            g_autofree char *cand = g_strdup_printf ("%s.%d", hash, n);
            g_autofree char *path = g_build_filename (dir, "certificates", cand, NULL);
            g_autoptr (X509) existing = read_first_cert (path);
            if (existing == NULL)
              break;
            if (X509_cmp (existing, leaf) == 0 && index_has_id (identity ? key_lines : cert_lines, cand) && !force)
              {
                sk_X509_free (own_chain);
                _inkan_set_error (error, INKAN_ERROR_EXISTS,
                                  _("The certificate for %s is already in the store as %s; nothing was changed (use --force to replace it)."),
                                  (char *) g_ptr_array_index (emails, 0), cand);
                goto fail;
              }
          }
      }
      issuer = store_issuer_chain (dir, leaf, chain, &txn, error);
      sk_X509_free (own_chain);
      if (issuer == NULL || (id = store_cert_file (dir, leaf, pem, &txn, error)) == NULL)
        goto fail;
      add_lines (cert_lines, emails, id, lbl, issuer, trust, purpose);

      if (identity)
        {
          g_autofree char *new_pass = NULL;
          const char *pass = inkan_delivery_get_passphrase (delivery);
          g_autofree char *key_pem = NULL;
          g_autofree char *key_path = g_build_filename (dir, "keys", id, NULL);

          if (pass == NULL || *pass == '\0')
            {
              if (ask_new == NULL || (new_pass = ask_new (_("the key stored in inkan's store"), ask_data, error)) == NULL || !*new_pass)
                {
                  txn_rollback (&txn);
                  txn_clear (&txn);
                  if (error && *error == NULL)
                    _inkan_set_error (error, INKAN_ERROR_PASSPHRASE_REQUIRED,
                                      _("The private key has no passphrase; give a new one to protect it in the store (--new-passphrase-fd or --new-passphrase-file)."));
                  return NULL;
                }
              pass = new_pass;
            }
          key_pem = inkan_key_to_encrypted_pem (inkan_identity_get_key (identity), pass, error);
          if (new_pass)
            memset (new_pass, 0, strlen (new_pass));
          if (key_pem)
            txn_backup (&txn, key_path);
          if (key_pem == NULL || !inkan_file_write_atomic (key_path, key_pem, strlen (key_pem), 0600, force, error))
            goto fail;
          memset (key_pem, 0, strlen (key_pem));
          add_lines (key_lines, emails, id, lbl, "?", trust, purpose);
          g_ptr_array_add (result->notes,
                           g_strdup_printf (_("Stored the key and certificate for %s as %s in %s (label %s)."),
                                            (char *) g_ptr_array_index (emails, 0), id, dir, lbl));
        }
      else
        g_ptr_array_add (result->notes,
                         g_strdup_printf (_("Stored the certificate of %s as %s (for encrypting to them)."),
                                          (char *) g_ptr_array_index (emails, 0), id));
      if (!strcmp (trust, "i"))
        g_ptr_array_add (result->notes, g_strdup (_("The chain is incomplete or not trusted: add the CA's intermediate certificate (.crt or .p7b) to the import.")));
      g_ptr_array_add (result->notes, days_note (leaf));
      if (result->id == NULL)
        result->id = g_strdup (id);
    }
  {
    g_autofree char *ci = g_build_filename (dir, "certificates", ".index", NULL);
    g_autofree char *ki = g_build_filename (dir, "keys", ".index", NULL);
    txn_backup (&txn, ci);
    txn_backup (&txn, ki);
  }
  if (!write_index (dir, "certificates", cert_lines, error)
      || !write_index (dir, "keys", key_lines, error))
    goto fail;
  txn_clear (&txn);
  return g_steal_pointer (&result);

fail:
  txn_rollback (&txn);
  txn_clear (&txn);
  return NULL;
}

/**
 * inkan_store_list:
 * @dir: the store folder
 * @error: return location for #INKAN_ERROR_IO
 *
 * Returns: (transfer full) (element-type InkanStoreEntry): one entry per
 *   certificate in certificates/.index, has_key when keys/ holds its key.
 */
GPtrArray *
inkan_store_list (const char *dir, GError **error)
{
  g_autoptr (GPtrArray) lines = read_index (dir, "certificates", error);
  g_autoptr (GPtrArray) keys = NULL;
  GPtrArray *out;

  if (lines == NULL || (keys = read_index (dir, "keys", error)) == NULL)
    return NULL;
  out = g_ptr_array_new_with_free_func ((GDestroyNotify) inkan_store_entry_free);
  for (guint i = 0; i < lines->len; i++)
    {
      IndexLine *l = g_ptr_array_index (lines, i);
      g_autofree char *path = g_build_filename (dir, "certificates", l->id, NULL);
      g_autoptr (X509) cert = NULL;
      gboolean seen = FALSE;

      for (guint j = 0; j < out->len && !seen; j++)
        seen = !strcmp (((InkanStoreEntry *) g_ptr_array_index (out, j))->id, l->id);
      if (seen || (cert = read_first_cert (path)) == NULL)
        continue;
      g_ptr_array_add (out, _inkan_store_entry_new_from_cert ("inkan", l->id, l->label, cert,
                                                              index_has_id (keys, l->id)));
    }
  return out;
}

static gboolean
line_matches (IndexLine *l, const char *query)
{
  return !strcmp (l->id, query) || !strcmp (l->label, query) || inkan_address_equal (l->mailbox, query);
}

/**
 * inkan_store_remove:
 * @dir: the store folder
 * @id: an entry id (hash.n), label or address
 * @error: return location for #INKAN_ERROR_NOT_FOUND or #INKAN_ERROR_IO
 *
 * Removes the matching certificates and keys and their index lines.  Shared
 * issuer chain files stay.
 *
 * Returns: %TRUE when something was removed.
 */
gboolean
inkan_store_remove (const char *dir, const char *id, GError **error)
{
  g_autoptr (GPtrArray) certs = read_index (dir, "certificates", error);
  g_autoptr (GPtrArray) keys = NULL;
  g_autoptr (GPtrArray) ids = g_ptr_array_new_with_free_func (g_free);

  if (certs == NULL || (keys = read_index (dir, "keys", error)) == NULL)
    return FALSE;
  for (GPtrArray *lines = certs; lines; lines = lines == certs ? keys : NULL)
    for (guint i = lines->len; i-- > 0;)
      if (line_matches (g_ptr_array_index (lines, i), id))
        {
          g_ptr_array_add (ids, g_strdup (((IndexLine *) g_ptr_array_index (lines, i))->id));
          g_ptr_array_remove_index (lines, i);
        }
  if (ids->len == 0)
    {
      _inkan_set_error (error, INKAN_ERROR_NOT_FOUND, _("Nothing in the store “%s” matches “%s”; see “inkan list”."), dir, id);
      return FALSE;
    }
  if (!write_index (dir, "keys", keys, error) || !write_index (dir, "certificates", certs, error))
    return FALSE;
  for (guint i = 0; i < ids->len; i++)
    {
      g_autofree char *k = g_build_filename (dir, "keys", g_ptr_array_index (ids, i), NULL);
      g_autofree char *c = g_build_filename (dir, "certificates", g_ptr_array_index (ids, i), NULL);
      unlink (k);
      if (!index_has_id (certs, g_ptr_array_index (ids, i)))
        unlink (c);
    }
  return TRUE;
}

/* Among index lines matching @query, the id whose certificate ends last
 * (the newest certificate of a renewed identity). */
static IndexLine *
best_match (const char *dir, GPtrArray *lines, const char *query)
{
  IndexLine *best = NULL;
  gint64 best_end = G_MININT64;

  for (guint i = 0; i < lines->len; i++)
    {
      IndexLine *l = g_ptr_array_index (lines, i);
      g_autofree char *path = NULL;
      g_autoptr (X509) cert = NULL;
      gint64 end;

      if (!line_matches (l, query))
        continue;
      path = g_build_filename (dir, "certificates", l->id, NULL);
      cert = read_first_cert (path);
      end = cert ? _inkan_asn1_time_to_unix (X509_get0_notAfter (cert)) : G_MININT64 + 1;
      if (end > best_end)
        best = l, best_end = end;
    }
  return best;
}

/**
 * inkan_store_find_identity:
 * @dir: the store folder
 * @query: an address, label or entry id
 * @passphrase: (nullable): the stored key's passphrase
 * @error: return location for #INKAN_ERROR_NOT_FOUND,
 *   #INKAN_ERROR_PASSPHRASE_REQUIRED (ask, then call again),
 *   #INKAN_ERROR_BAD_PASSPHRASE or #INKAN_ERROR_IO
 *
 * Loads the identity stored for @query: the key, its certificate and the
 * issuer chain.  When several match, the certificate that ends last wins.
 *
 * Returns: (transfer full): the identity, or %NULL.
 */
InkanIdentity *
inkan_store_find_identity (const char *dir, const char *query, const char *passphrase, GError **error)
{
  g_autoptr (GPtrArray) keys = read_index (dir, "keys", error);
  g_autoptr (GPtrArray) certs = NULL;
  g_autoptr (GString) pem = g_string_new (NULL);
  IndexLine *key_line;
  const char *parts[3] = { NULL, NULL, NULL };
  g_autofree char *key_path = NULL, *cert_path = NULL, *issuer_path = NULL;
  g_autoptr (GBytes) bytes = NULL;

  if (keys == NULL || (certs = read_index (dir, "certificates", error)) == NULL)
    return NULL;
  if ((key_line = best_match (dir, keys, query)) == NULL)
    {
      _inkan_set_error (error, INKAN_ERROR_NOT_FOUND,
                        _("“%s” is neither an identity file nor an identity in the store “%s”; import it with “inkan import”."),
                        query, dir);
      return NULL;
    }
  key_path = g_build_filename (dir, "keys", key_line->id, NULL);
  cert_path = g_build_filename (dir, "certificates", key_line->id, NULL);
  parts[0] = key_path;
  parts[1] = cert_path;
  for (guint i = 0; i < certs->len; i++)
    {
      IndexLine *l = g_ptr_array_index (certs, i);
      if (!strcmp (l->id, key_line->id) && strcmp (l->issuer, "?") != 0 && issuer_path == NULL)
        issuer_path = g_build_filename (dir, "certificates", l->issuer, NULL);
    }
  parts[2] = issuer_path;
  for (guint i = 0; i < G_N_ELEMENTS (parts) && parts[i]; i++)
    {
      g_autoptr (GBytes) b = _inkan_read_file (parts[i], _("store"), error);
      if (b == NULL)
        return NULL;
      g_string_append_len (pem, g_bytes_get_data (b, NULL), g_bytes_get_size (b));
      g_string_append_c (pem, '\n');
    }
  bytes = g_bytes_new (pem->str, pem->len);
  memset (pem->str, 0, pem->len);
  return _inkan_identity_load_pem (bytes, key_path, passphrase, error);
}

/**
 * inkan_store_find_certificates:
 * @dir: the store folder
 * @query: an address, label or entry id
 * @error: return location for #INKAN_ERROR_NOT_FOUND or #INKAN_ERROR_IO
 *
 * Returns: (transfer full) (element-type X509): the matching certificate
 *   that ends last (for encrypting to @query).
 */
GPtrArray *
inkan_store_find_certificates (const char *dir, const char *query, GError **error)
{
  g_autoptr (GPtrArray) certs = read_index (dir, "certificates", error);
  IndexLine *line;
  g_autofree char *path = NULL;

  if (certs == NULL)
    return NULL;
  if ((line = best_match (dir, certs, query)) == NULL)
    {
      _inkan_set_error (error, INKAN_ERROR_NOT_FOUND,
                        _("“%s” is neither a certificate file nor a certificate in the store “%s”; import it with “inkan import”."),
                        query, dir);
      return NULL;
    }
  path = g_build_filename (dir, "certificates", line->id, NULL);
  return inkan_certificates_load (path, error);
}
