/* The admin API of libinkan: the SBR linter (inkan_lint_certificate and
 * friends), chain reports, certificates of a signed message, the batch
 * scanner and the request-file checker.  Uses $PKI, $MAIL and $LINT_CERTS. */
#include "inkan.h"
#include <glib/gstdio.h>
#include <openssl/pem.h>

static const char *pki, *lint_dir;

static X509 *
load_cert (const char *dir, const char *name)
{
  g_autofree char *path = g_build_filename (dir, name, NULL);
  g_autoptr (GError) error = NULL;
  g_autoptr (GPtrArray) certs = inkan_certificates_load (path, &error);
  X509 *c;

  g_assert_no_error (error);
  c = g_ptr_array_index (certs, 0);
  X509_up_ref (c);
  return c;
}

static STACK_OF (X509) *
lint_chain (void)
{
  g_autofree char *path = g_build_filename (lint_dir, "chain.pem", NULL);
  g_autoptr (GPtrArray) certs = inkan_certificates_load (path, NULL);
  STACK_OF (X509) *sk = sk_X509_new_null ();

  for (guint i = 0; i < certs->len; i++)
    {
      X509_up_ref (g_ptr_array_index (certs, i));
      sk_X509_push (sk, g_ptr_array_index (certs, i));
    }
  return sk;
}

static gboolean
has_code (GPtrArray *findings, const char *code, InkanFinding **out)
{
  for (guint i = 0; i < findings->len; i++)
    if (!strcmp (((InkanFinding *) g_ptr_array_index (findings, i))->code, code))
      {
        if (out)
          *out = g_ptr_array_index (findings, i);
        return TRUE;
      }
  return FALSE;
}

static void
test_severity_names (void)
{
  g_assert_cmpstr (inkan_severity_to_string (INKAN_SEVERITY_FATAL), ==, "fatal");
  g_assert_cmpstr (inkan_severity_to_string (INKAN_SEVERITY_ERROR), ==, "error");
  g_assert_cmpstr (inkan_severity_to_string (INKAN_SEVERITY_WARNING), ==, "warning");
  g_assert_cmpstr (inkan_severity_to_string (INKAN_SEVERITY_NOTICE), ==, "notice");
  g_assert_cmpstr (inkan_severity_to_string (INKAN_SEVERITY_INFO), ==, "info");
}

static void
test_clean_certificate (void)
{
  X509 *cert = load_cert (lint_dir, "ok-sv-strict.pem");
  STACK_OF (X509) *chain = lint_chain ();
  g_autoptr (GError) error = NULL;
  g_autoptr (GPtrArray) findings = inkan_lint_certificate (cert, chain, 0, &error);

  g_assert_no_error (error);
  g_assert_nonnull (findings);
  g_assert_cmpuint (findings->len, ==, 0);
  g_assert_cmpuint (inkan_findings_count (findings, INKAN_SEVERITY_INFO), ==, 0);
  g_assert_cmpstr (inkan_lint_certificate_kind (cert), ==, "subscriber");
  g_assert_cmpstr (inkan_certificate_sbr_profile (cert), ==, "sponsor-validated strict");
  /* Without issuers too (no issuer checks, no notice). */
  {
    g_autoptr (GPtrArray) alone = inkan_lint_certificate (cert, NULL, 0, &error);
    g_assert_cmpuint (alone->len, ==, 0);
  }
  sk_X509_pop_free (chain, X509_free);
  X509_free (cert);
}

static void
test_finding_fields (void)
{
  X509 *cert = load_cert (lint_dir, "bad-ku-strict-data-encipherment.pem");
  g_autoptr (GPtrArray) findings = inkan_lint_certificate (cert, NULL, 0, NULL);
  InkanFinding *f = NULL;

  g_assert_true (has_code (findings, "cabf.smime.prohibited_ku_present", &f));
  g_assert_cmpint (f->severity, ==, INKAN_SEVERITY_ERROR);
  g_assert_cmpstr (f->path, ==, "tbsCertificate.extensions.keyUsage");
  g_assert_true (g_str_has_suffix (f->message, "."));
  g_assert_nonnull (strstr (f->message, "dataEncipherment"));
  g_assert_cmpuint (inkan_findings_count (findings, INKAN_SEVERITY_ERROR), ==, 1);
  g_assert_cmpuint (inkan_findings_count (findings, INKAN_SEVERITY_FATAL), ==, 0);
  X509_free (cert);
}

static void
test_at (void)
{
  X509 *cert = load_cert (lint_dir, "ok-mv-strict.pem");
  g_autoptr (GPtrArray) later = inkan_lint_certificate (cert, NULL, G_GINT64_CONSTANT (4070908800) /* 2099 */, NULL);
  g_autoptr (GPtrArray) earlier = inkan_lint_certificate (cert, NULL, 946684800 /* 2000 */, NULL);
  InkanFinding *f = NULL;

  g_assert_true (has_code (later, "inkan.certificate_expired", &f));
  g_assert_cmpint (f->severity, ==, INKAN_SEVERITY_NOTICE);
  g_assert_true (has_code (earlier, "inkan.certificate_not_yet_valid", NULL));
  g_assert_cmpuint (inkan_findings_count (later, INKAN_SEVERITY_ERROR), ==, 0);
  X509_free (cert);
}

static void
test_kinds (void)
{
  X509 *root = load_cert (lint_dir, "ok-root.pem");
  X509 *sub = load_cert (lint_dir, "ok-subca.pem");
  X509 *ca_true = load_cert (lint_dir, "bad-bc-ca-true.pem");

  g_assert_cmpstr (inkan_lint_certificate_kind (root), ==, "root-ca");
  g_assert_cmpstr (inkan_lint_certificate_kind (sub), ==, "subordinate-ca");
  /* cA=TRUE without keyCertSign: a subscriber certificate with a wrong
   * basicConstraints. */
  g_assert_cmpstr (inkan_lint_certificate_kind (ca_true), ==, "subscriber");
  X509_free (root);
  X509_free (sub);
  X509_free (ca_true);
}

static void
test_identity_chain_paths (void)
{
  const char *parts[] = { "leaf.key.pem", "ok-mv-strict.pem", "ca-ca.pem", "bad-subca-no-aia.pem" };
  g_autoptr (GString) all = g_string_new (NULL);
  g_autofree char *path = g_build_filename (g_get_tmp_dir (), "inkan-test-lint-identity.pem", NULL);
  g_autoptr (GError) error = NULL;
  g_autoptr (InkanIdentity) id = NULL;
  g_autoptr (GPtrArray) findings = NULL;
  InkanFinding *f = NULL;

  for (guint i = 0; i < G_N_ELEMENTS (parts); i++)
    {
      g_autofree char *file = g_build_filename (lint_dir, parts[i], NULL);
      g_autofree char *text = NULL;
      g_assert_true (g_file_get_contents (file, &text, NULL, NULL));
      g_string_append (all, text);
    }
  g_assert_true (g_file_set_contents (path, all->str, -1, NULL));
  id = inkan_identity_load (path, NULL, &error);
  g_unlink (path);
  g_assert_no_error (error);
  findings = inkan_lint_identity (id, 0, &error);
  g_assert_no_error (error);
  /* The leaf is clean; the second chain certificate lacks AIA. */
  g_assert_true (has_code (findings, "cabf.aia_extension_missing", &f));
  g_assert_true (g_str_has_prefix (f->path, "chain["));
  g_assert_true (g_str_has_suffix (f->path, "].tbsCertificate.extensions.authorityInfoAccess"));
  for (guint i = 0; i < findings->len; i++)
    g_assert_true (g_str_has_prefix (((InkanFinding *) g_ptr_array_index (findings, i))->path, "chain["));
  g_assert_cmpuint (inkan_findings_count (findings, INKAN_SEVERITY_ERROR), ==, 0);
}

static void
test_ca_rules (void)
{
  X509 *cert = load_cert (lint_dir, "bad-subca-no-crl-sign.pem");
  STACK_OF (X509) *chain = lint_chain ();
  g_autoptr (GPtrArray) findings = inkan_lint_certificate (cert, chain, 0, NULL);

  g_assert_cmpuint (findings->len, ==, 1);
  g_assert_cmpstr (((InkanFinding *) g_ptr_array_index (findings, 0))->code, ==, "inkan.smime_ca.crlsign_missing");
  sk_X509_pop_free (chain, X509_free);
  X509_free (cert);
}

static void
test_mozilla_root (void)
{
  const char *path = "/usr/share/ca-certificates/mozilla/Security_Communication_RootCA3.crt";
  g_autoptr (GPtrArray) certs = NULL;

  if (!g_file_test (path, G_FILE_TEST_EXISTS))
    {
      g_test_skip ("ca-certificates is not installed");
      return;
    }
  certs = inkan_certificates_load (path, NULL);
  {
    g_autoptr (GPtrArray) findings = inkan_lint_certificate (g_ptr_array_index (certs, 0), NULL, 0, NULL);
    g_assert_nonnull (findings);
    g_assert_cmpuint (inkan_findings_count (findings, INKAN_SEVERITY_ERROR), ==, 0);
    g_assert_cmpstr (inkan_lint_certificate_kind (g_ptr_array_index (certs, 0)), ==, "root-ca");
  }
}

static void
test_describe (void)
{
  X509 *erin = load_cert (pki, "erin.cert.pem");
  X509 *dave = load_cert (pki, "dave.cert.pem");
  X509 *ec = load_cert (lint_dir, "ok-mv-strict-ecdsa-issuer.pem");
  X509 *ed = load_cert (lint_dir, "ok-mv-strict-ed25519.pem");
  g_autofree char *s1 = inkan_certificate_describe_signature (erin);
  g_autofree char *s2 = inkan_certificate_describe_signature (ec);
  g_autofree char *k1 = inkan_certificate_describe_key (erin);
  g_autofree char *k2 = inkan_certificate_describe_key (dave);
  g_autofree char *k3 = inkan_certificate_describe_key (ed);

  g_assert_cmpstr (s1, ==, "RSASSA-PSS (SHA-256, MGF1-SHA-256, salt 32)");
  g_assert_cmpstr (s2, ==, "ecdsa-with-SHA256");
  g_assert_cmpstr (k1, ==, "RSA 2048");
  g_assert_cmpstr (k2, ==, "EC P-256");
  g_assert_cmpstr (k3, ==, "Ed25519");
  X509_free (erin);
  X509_free (dave);
  X509_free (ec);
  X509_free (ed);
}

static GMimeMessage *
signed_by_alice (void)
{
  g_autofree char *mail = g_build_filename (g_getenv ("MAIL"), "plain.eml", NULL);
  g_autofree char *p12 = g_build_filename (pki, "alice.p12", NULL);
  g_autofree char *pass_path = g_build_filename (pki, "passphrase.txt", NULL);
  g_autofree char *pass = NULL;
  g_autoptr (GError) error = NULL;
  g_autoptr (InkanIdentity) id = NULL;
  GMimeMessage *msg;
  InkanSignOptions opts = { 0 };

  g_assert_true (g_file_get_contents (pass_path, &pass, NULL, NULL));
  g_strchomp (pass);
  id = inkan_identity_load (p12, pass, &error);
  g_assert_no_error (error);
  msg = inkan_message_load (mail, &error);
  g_assert_no_error (error);
  g_assert_true (inkan_message_sign (msg, id, &opts, &error));
  return msg;
}

static void
test_chain_of_message (void)
{
  g_autoptr (GMimeMessage) msg = signed_by_alice ();
  g_autoptr (GError) error = NULL;
  X509 *signer = NULL;
  g_autoptr (GPtrArray) certs = inkan_message_get_certificates (msg, &signer, &error);
  g_autoptr (GPtrArray) anchors = g_ptr_array_new_with_free_func ((GDestroyNotify) X509_free);
  g_autoptr (InkanChainReport) report = NULL;
  g_autoptr (GPtrArray) emails = NULL;

  g_assert_no_error (error);
  g_assert_nonnull (signer);
  g_assert_cmpuint (certs->len, ==, 2);
  emails = inkan_certificate_get_addresses (signer, NULL);
  g_assert_cmpstr (g_ptr_array_index (emails, 0), ==, "alice@example.org");
  g_ptr_array_add (anchors, load_cert (pki, "root.pem"));
  report = inkan_chain_build (signer, certs, anchors, 0, &error);
  g_assert_no_error (error);
  g_assert_true (report->trusted);
  g_assert_true (report->anchored);
  g_assert_cmpuint (report->certificates->len, ==, 3);
  g_assert_cmpuint (report->flags, ==, 0);
  {
    g_autoptr (InkanChainReport) none = inkan_chain_build (signer, certs, NULL, 0, &error);
    g_assert_false (none->trusted);
    g_assert_false (none->anchored);
    g_assert_true (none->flags & INKAN_FLAG_UNTRUSTED);
    g_assert_cmpuint (none->certificates->len, ==, 2);
  }
  X509_free (signer);
}

static void
test_message_without_signature (void)
{
  g_autofree char *mail = g_build_filename (g_getenv ("MAIL"), "plain.eml", NULL);
  g_autoptr (GMimeMessage) msg = inkan_message_load (mail, NULL);
  g_autoptr (GError) error = NULL;
  g_autoptr (GPtrArray) certs = inkan_message_get_certificates (msg, NULL, &error);

  g_assert_null (certs);
  g_assert_error (error, INKAN_ERROR, INKAN_ERROR_NOT_SMIME);
}

typedef struct {
  guint n;
  guint not_signed;
  guint valid;
  char *last;
  gboolean ordered;
} ScanCount;

static void
on_item (const InkanScanItem *item, gpointer data)
{
  ScanCount *c = data;

  c->n++;
  if (item->verdict && item->verdict->kind == INKAN_VERDICT_NOT_SIGNED)
    c->not_signed++;
  if (item->verdict && item->verdict->kind == INKAN_VERDICT_VALID)
    c->valid++;
  if (c->last && strcmp (c->last, item->file) >= 0)
    c->ordered = FALSE;
  g_free (c->last);
  c->last = g_strdup (item->file);
}

static void
test_scan (void)
{
  g_autofree char *dir = g_dir_make_tmp ("inkan-test-scan-XXXXXX", NULL);
  g_autoptr (GMimeMessage) msg = signed_by_alice ();
  g_autoptr (GBytes) bytes = inkan_message_to_bytes (msg);
  g_autofree char *root = g_build_filename (pki, "root.pem", NULL);
  g_autoptr (InkanTrust) trust = inkan_trust_new (FALSE, NULL);
  g_autoptr (GError) error = NULL;
  ScanCount count = { 0, 0, 0, NULL, TRUE };
  InkanScanOptions opts = { trust, NULL, 3, 0 };
  const char *paths[] = { dir, NULL };

  g_assert_true (inkan_trust_add_file (trust, root, NULL));
  for (int i = 0; i < 20; i++)
    {
      g_autofree char *name = g_strdup_printf ("%s/m%02d.eml", dir, i);
      g_autofree char *plain = g_build_filename (g_getenv ("MAIL"), "plain.eml", NULL);
      if (i % 2)
        g_assert_true (g_file_set_contents (name, g_bytes_get_data (bytes, NULL), (gssize) g_bytes_get_size (bytes), NULL));
      else
        {
          char *text = NULL;
          g_assert_true (g_file_get_contents (plain, &text, NULL, NULL));
          g_assert_true (g_file_set_contents (name, text, -1, NULL));
          g_free (text);
        }
    }
  g_assert_true (inkan_scan (paths, &opts, on_item, &count, &error));
  g_assert_no_error (error);
  g_assert_cmpuint (count.n, ==, 20);
  g_assert_cmpuint (count.valid, ==, 10);
  g_assert_cmpuint (count.not_signed, ==, 10);
  g_assert_true (count.ordered);
  g_free (count.last);
  {
    const char *missing[] = { "/nonexistent/inkan", NULL };
    g_autoptr (GError) e2 = NULL;
    g_assert_false (inkan_scan (missing, &opts, on_item, &count, &e2));
    g_assert_error (e2, INKAN_ERROR, INKAN_ERROR_IO);
  }
  for (int i = 0; i < 20; i++)
    {
      g_autofree char *name = g_strdup_printf ("%s/m%02d.eml", dir, i);
      g_unlink (name);
    }
  g_rmdir (dir);
}

/* Findings of @a and @b are the same, one by one. */
static void
assert_same_findings (GPtrArray *a, GPtrArray *b, const char *what)
{
  if (a->len != b->len)
    g_error ("%s: %u findings, %u when read for inkan lint", what, a->len, b->len);
  for (guint i = 0; i < a->len; i++)
    {
      InkanFinding *x = g_ptr_array_index (a, i), *y = g_ptr_array_index (b, i);
      if (x->severity != y->severity || strcmp (x->code, y->code) || strcmp (x->path, y->path)
          || strcmp (x->message, y->message))
        g_error ("%s: finding %u: %s / %s", what, i, x->code, y->code);
    }
}

/* inkan_lint_load_certificates() and an InkanLinter (what "inkan lint"
 * uses: keys not decoded, issuers indexed) find exactly what
 * inkan_lint_certificate() finds on normally parsed certificates, for
 * every generated case and the Mozilla roots. */
static void
test_linter_same_findings (void)
{
  g_autofree char *cases_path = g_build_filename (lint_dir, "cases", NULL);
  g_autofree char *text = NULL;
  g_auto (GStrv) cases = NULL;
  g_autofree char *chain_path = g_build_filename (lint_dir, "chain.pem", NULL);
  g_autoptr (GPtrArray) lazy_chain = inkan_lint_load_certificates (chain_path, NULL);
  STACK_OF (X509) *chain = lint_chain ();
  g_autoptr (InkanLinter) linter = inkan_linter_new (NULL, 1768435200);   /* 2026-01-15 */
  const char *roots = "/etc/ssl/certs/ca-certificates.crt";

  g_assert_true (g_file_get_contents (cases_path, &text, NULL, NULL));
  cases = g_strsplit (g_strstrip (text), "\n", -1);
  g_assert_nonnull (lazy_chain);
  for (guint i = 0; i < lazy_chain->len; i++)
    inkan_linter_add_issuer (linter, g_ptr_array_index (lazy_chain, i));
  for (guint i = 0; cases[i]; i++)
    {
      g_autofree char *name = g_strconcat (cases[i], ".pem", NULL);
      g_autofree char *path = g_build_filename (lint_dir, name, NULL);
      X509 *full = load_cert (lint_dir, name);
      g_autoptr (GPtrArray) lazy = inkan_lint_load_certificates (path, NULL);
      g_autoptr (GPtrArray) a = inkan_lint_certificate (full, chain, 1768435200, NULL);
      g_autoptr (GPtrArray) b = inkan_linter_check (linter, g_ptr_array_index (lazy, 0), NULL);

      assert_same_findings (a, b, cases[i]);
      g_assert_cmpstr (inkan_lint_certificate_kind (full), ==, inkan_lint_certificate_kind (g_ptr_array_index (lazy, 0)));
      X509_free (full);
    }
  sk_X509_pop_free (chain, X509_free);
  if (g_file_test (roots, G_FILE_TEST_EXISTS))
    {
      g_autoptr (GPtrArray) full = inkan_certificates_load (roots, NULL);
      g_autoptr (GPtrArray) lazy = inkan_lint_load_certificates (roots, NULL);
      g_autoptr (InkanLinter) alone = inkan_linter_new (NULL, 1768435200);

      g_assert_cmpuint (full->len, ==, lazy->len);
      for (guint i = 0; i < full->len; i++)
        {
          g_autoptr (GPtrArray) a = inkan_lint_certificate (g_ptr_array_index (full, i), NULL, 1768435200, NULL);
          g_autoptr (GPtrArray) b = inkan_linter_check (alone, g_ptr_array_index (lazy, i), NULL);
          assert_same_findings (a, b, "Mozilla root");
        }
    }
}

/* PEM that the fast reader leaves to OpenSSL's (an "X509 CERTIFICATE"
 * block, a blank line, CRLF, text around) and DER give the same
 * certificates as inkan_certificates_load(). */
static void
test_lint_load_formats (void)
{
  g_autofree char *path = g_build_filename (lint_dir, "ok-mv-strict.pem", NULL);
  g_autofree char *pem = NULL;
  g_autofree char *dir = g_dir_make_tmp ("inkan-lint-XXXXXX", NULL);
  const char *variants[] = { "crlf", "old-name", "blank-line", "text", "der" };

  g_assert_true (g_file_get_contents (path, &pem, NULL, NULL));
  for (guint i = 0; i < G_N_ELEMENTS (variants); i++)
    {
      g_autofree char *out = g_build_filename (dir, variants[i], NULL);
      g_autoptr (GString) s = g_string_new (pem);
      g_autoptr (GPtrArray) full = NULL, lazy = NULL;

      if (i == 0)
        g_string_replace (s, "\n", "\r\n", 0);
      else if (i == 1)
        g_string_replace (s, " CERTIFICATE-----", " X509 CERTIFICATE-----", 0);
      else if (i == 2)
        g_string_replace (s, "-----\n", "-----\n\n", 1);
      else if (i == 3)
        {
          g_string_prepend (s, "Subject: text before\n");
          g_string_append (s, s->str);
        }
      if (i == 4)
        {
          X509 *c = load_cert (lint_dir, "ok-mv-strict.pem");
          unsigned char *der = NULL;
          int len = i2d_X509 (c, &der);
          g_assert_true (g_file_set_contents (out, (const char *) der, len, NULL));
          OPENSSL_free (der);
          X509_free (c);
        }
      else
        g_assert_true (g_file_set_contents (out, s->str, (gssize) s->len, NULL));
      full = inkan_certificates_load (out, NULL);
      lazy = inkan_lint_load_certificates (out, NULL);
      g_assert_cmpuint (full ? full->len : 0, ==, lazy ? lazy->len : 0);
      for (guint k = 0; full && k < full->len; k++)
        g_assert_cmpint (X509_cmp (g_ptr_array_index (full, k), g_ptr_array_index (lazy, k)), ==, 0);
      g_remove (out);
    }
  g_rmdir (dir);
}

static void
test_request_mpki (void)
{
  const char *csv = "CommonName,Email,SANRFC822 Email Address,PickupPassword,haveCSR,PKCS12,UPN,Security Identifier,GivenName,SurName,Pseudonym\n"
                    "true,a@example.com,a@example.com,AUTOGEN,false,true,,,,,\n"
                    "true,b@example.com,b@example.com,AUTOGEN,perhaps,true,,,,,\n";
  g_autoptr (GBytes) data = g_bytes_new_static (csv, strlen (csv));
  InkanRequestFormat detected = INKAN_REQUEST_FORMAT_AUTO;
  g_autoptr (GPtrArray) issues = inkan_request_check (data, INKAN_REQUEST_FORMAT_AUTO, &detected, NULL);
  InkanRequestIssue *i;

  g_assert_cmpint (detected, ==, INKAN_REQUEST_FORMAT_MPKI_CSV);
  g_assert_cmpuint (issues->len, ==, 1);
  i = g_ptr_array_index (issues, 0);
  g_assert_cmpuint (i->line, ==, 3);
  g_assert_cmpuint (i->column, ==, 42);
  g_assert_cmpuint (i->field, ==, 5);
  g_assert_cmpstr (i->code, ==, "mpki.invalid_boolean");
  g_assert_cmpint (i->severity, ==, INKAN_SEVERITY_ERROR);
}

static void
test_request_nii (void)
{
  /* 国立 in Shift-JIS in the user name column; one line lacks a tab. */
  const char sjis[] = "CN=u@example.ac.jp,O=Example,ST=Tokyo,C=JP\t15\t1\t\t\t\t\t\t\tra@example.ac.jp\t\x8d\x91\x97\xa7\tu\t\tu@example.ac.jp\t\r\n"
                      "CN=u@example.ac.jp,O=Example,ST=Tokyo,C=JP\t15\t1\t\t\t\t\t\t\tra@example.ac.jp\t\tu\t\tu@example.ac.jp\r\n";
  g_autoptr (GBytes) data = g_bytes_new_static (sjis, sizeof sjis - 1);
  InkanRequestFormat detected;
  g_autoptr (GPtrArray) issues = inkan_request_check (data, INKAN_REQUEST_FORMAT_AUTO, &detected, NULL);
  InkanRequestIssue *i;

  g_assert_cmpint (detected, ==, INKAN_REQUEST_FORMAT_NII_TSV);
  g_assert_cmpuint (issues->len, ==, 1);
  i = g_ptr_array_index (issues, 0);
  g_assert_cmpuint (i->line, ==, 2);
  g_assert_cmpstr (i->code, ==, "nii.column_count");
}

int
main (int argc, char **argv)
{
  g_test_init (&argc, &argv, NULL);
  inkan_init ();
  pki = g_getenv ("PKI");
  lint_dir = g_getenv ("LINT_CERTS");
  if (pki == NULL || lint_dir == NULL)
    {
      g_test_skip ("PKI and LINT_CERTS must be set (run through meson test)");
      return 0;
    }
  g_test_add_func ("/lint/severity-names", test_severity_names);
  g_test_add_func ("/lint/clean-certificate", test_clean_certificate);
  g_test_add_func ("/lint/finding-fields", test_finding_fields);
  g_test_add_func ("/lint/at", test_at);
  g_test_add_func ("/lint/kinds", test_kinds);
  g_test_add_func ("/lint/identity-chain-paths", test_identity_chain_paths);
  g_test_add_func ("/lint/ca-rules", test_ca_rules);
  g_test_add_func ("/lint/mozilla-root", test_mozilla_root);
  g_test_add_func ("/lint/linter-same-findings", test_linter_same_findings);
  g_test_add_func ("/lint/load-formats", test_lint_load_formats);
  g_test_add_func ("/chain/describe", test_describe);
  g_test_add_func ("/chain/message", test_chain_of_message);
  g_test_add_func ("/chain/no-signature", test_message_without_signature);
  g_test_add_func ("/scan/directory", test_scan);
  g_test_add_func ("/request/mpki", test_request_mpki);
  g_test_add_func ("/request/nii", test_request_nii);
  return g_test_run ();
}
