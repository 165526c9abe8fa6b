/* inkan chain: the path from a certificate (or a signed message's signer)
 * to an email trust anchor, one block per certificate, then a verdict. */
#include "inkan-cli.h"
#include <json-glib/json-glib.h>
#include "json-out.h"
#include <openssl/x509v3.h>

static gint64
asn1_unix (const ASN1_TIME *t)
{
  struct tm tm;

  if (!ASN1_TIME_to_tm (t, &tm))
    return 0;
  return (gint64) timegm (&tm);
}

/* Whole days from @now to @end, rounded towards minus infinity. */
static char *
date_text (gint64 t)
{
  g_autoptr (GDateTime) dt = g_date_time_new_from_unix_utc (t);
  return dt ? g_date_time_format (dt, "%Y-%m-%d %H:%M:%SZ") : g_strdup ("?");
}

static char *
sbr_text (X509 *cert)
{
  const char *kind = inkan_lint_certificate_kind (cert);
  const char *profile = inkan_certificate_sbr_profile (cert);

  if (!strcmp (kind, "root-ca"))
    return g_strdup (_("root CA"));
  if (!strcmp (kind, "subordinate-ca"))
    return g_strdup (_("subordinate CA"));
  return g_strdup (profile ? profile : _("no SBR policy (pre-SBR or private)"));
}

static GPtrArray *
load_anchors (char **trust_files, gboolean no_system, GError **error)
{
  GPtrArray *anchors = g_ptr_array_new_with_free_func ((GDestroyNotify) X509_free);
  const char *system = inkan_trust_system_anchors_path ();

  if (!no_system && g_file_test (system, G_FILE_TEST_EXISTS))
    {
      GPtrArray *certs = inkan_certificates_load (system, error);
      if (certs == NULL)
        {
          g_ptr_array_unref (anchors);
          return NULL;
        }
      g_ptr_array_extend_and_steal (anchors, certs);
    }
  for (int i = 0; trust_files && trust_files[i]; i++)
    {
      GPtrArray *certs = inkan_certificates_load (trust_files[i], error);
      if (certs == NULL)
        {
          g_ptr_array_unref (anchors);
          return NULL;
        }
      g_ptr_array_extend_and_steal (anchors, certs);
    }
  return anchors;
}

int
cli_chain (int argc, char **argv)
{
  g_auto (GStrv) trust_files = NULL;
  g_autofree char *at_text = NULL;
  gboolean no_system = FALSE, json = FALSE;
  GOptionEntry entries[] = {
    { "trust", 0, 0, G_OPTION_ARG_FILENAME_ARRAY, &trust_files, N_("Also trust the CA certificates in PEMFILE (repeatable)"), "PEMFILE" },
    { "no-system-trust", 0, 0, G_OPTION_ARG_NONE, &no_system, N_("Do not trust the system's email roots"), NULL },
    { "at", 0, 0, G_OPTION_ARG_STRING, &at_text, N_("Check the chain at this ISO 8601 time instead of now"), "TIME" },
    { "json", 0, 0, G_OPTION_ARG_NONE, &json, N_("Print the chain as JSON"), NULL },
    { NULL, 0, 0, 0, NULL, NULL, NULL }
  };
  g_autoptr (GOptionContext) ctx = g_option_context_new (_("CERT|MESSAGE — show the chain to an email trust anchor"));
  g_autoptr (GPtrArray) certs = NULL;
  g_autoptr (GPtrArray) anchors = NULL;
  g_autoptr (InkanChainReport) report = NULL;
  GError *error = NULL, *cert_error = NULL;
  X509 *leaf = NULL;
  gint64 at = 0, now;

  g_option_context_add_main_entries (ctx, entries, GETTEXT_PACKAGE);
  if (!cli_parse_options (ctx, &argc, &argv, "chain"))
    return EXIT_USAGE;
  if (argc != 2)
    return cli_usage ("chain", _("give one certificate file or one signed message"));
  if (!cli_parse_time (at_text, &at, &error))
    {
      cli_usage ("chain", error->message);
      g_error_free (error);
      return EXIT_USAGE;
    }
  now = at ? at : g_get_real_time () / G_USEC_PER_SEC;

  certs = cli_load_certificate_file (argv[1], NULL, &cert_error);
  if (certs)
    {
      /* The subject of the report: the first certificate that is not a CA. */
      for (guint i = 0; i < certs->len && !leaf; i++)
        if (X509_check_ca (g_ptr_array_index (certs, i)) == 0)
          leaf = g_ptr_array_index (certs, i);
      if (leaf == NULL)
        leaf = g_ptr_array_index (certs, 0);
      X509_up_ref (leaf);
    }
  else
    {
      g_autoptr (GMimeMessage) msg = NULL;
      if (!g_error_matches (cert_error, INKAN_ERROR, INKAN_ERROR_CERTIFICATE))
        return cli_fail ("chain", cert_error);
      if ((msg = inkan_message_load (argv[1], &error)) == NULL)
        {
          g_error_free (error);
          return cli_fail ("chain", cert_error);
        }
      g_clear_error (&cert_error);
      certs = inkan_message_get_certificates (msg, &leaf, &error);
      if (certs == NULL)
        return cli_fail ("chain", error);
      if (leaf == NULL)
        {
          g_set_error (&error, INKAN_ERROR, INKAN_ERROR_CERTIFICATE,
                       _("The signature does not carry the signer's certificate."));
          return cli_fail ("chain", error);
        }
    }
  if ((anchors = load_anchors (trust_files, no_system, &error)) == NULL
      || (report = inkan_chain_build (leaf, certs, anchors, at, &error)) == NULL)
    {
      X509_free (leaf);
      return cli_fail ("chain", error);
    }
  X509_free (leaf);

  if (json)
    {
      g_autoptr (JsonBuilder) b = json_builder_new ();
      g_autoptr (JsonGenerator) gen = json_generator_new ();
      g_autoptr (JsonNode) root = NULL;
      g_autofree char *text = NULL;

      json_builder_begin_object (b);
      json_builder_set_member_name (b, "certificates");
      json_builder_begin_array (b);
      for (guint i = 0; i < report->certificates->len; i++)
        {
          X509 *c = g_ptr_array_index (report->certificates, i);
          g_autofree char *subject = inkan_name_to_string (X509_get_subject_name (c));
          g_autofree char *issuer = inkan_name_to_string (X509_get_issuer_name (c));
          g_autofree char *serial = inkan_certificate_serial_hex (c);
          g_autofree char *key = inkan_certificate_describe_key (c);
          g_autofree char *sig = inkan_certificate_describe_signature (c);
          g_autoptr (GDateTime) nb = g_date_time_new_from_unix_utc (asn1_unix (X509_get0_notBefore (c)));
          g_autoptr (GDateTime) na = g_date_time_new_from_unix_utc (asn1_unix (X509_get0_notAfter (c)));
          g_autofree char *nb_text = nb ? g_date_time_format_iso8601 (nb) : NULL;
          g_autofree char *na_text = na ? g_date_time_format_iso8601 (na) : NULL;

          json_builder_begin_object (b);
          cli_json_add_string (b, "subject", subject);
          cli_json_add_string (b, "issuer", issuer);
          cli_json_add_string (b, "serial", serial);
          cli_json_add_string (b, "not_before", nb_text);
          cli_json_add_string (b, "not_after", na_text);
          json_builder_set_member_name (b, "days_left");
          json_builder_add_int_value (b, inkan_days_left (asn1_unix (X509_get0_notAfter (c)), now));
          cli_json_add_string (b, "key", key);
          cli_json_add_string (b, "signature_algorithm", sig);
          cli_json_add_string (b, "kind", inkan_lint_certificate_kind (c));
          cli_json_add_string (b, "sbr_profile", inkan_certificate_sbr_profile (c));
          json_builder_set_member_name (b, "anchor");
          json_builder_add_boolean_value (b, report->anchored && i == report->certificates->len - 1);
          json_builder_end_object (b);
        }
      json_builder_end_array (b);
      json_builder_set_member_name (b, "trusted");
      json_builder_add_boolean_value (b, report->trusted);
      json_builder_set_member_name (b, "flags");
      json_builder_begin_array (b);
      for (guint bit = 1; bit <= INKAN_FLAG_ENCRYPTED; bit <<= 1)
        if (report->flags & bit)
          json_builder_add_string_value (b, inkan_verdict_flag_to_string (bit));
      json_builder_end_array (b);
      cli_json_add_string (b, "error", report->error_text);
      json_builder_end_object (b);
      root = json_builder_get_root (b);
      json_generator_set_root (gen, root);
      json_generator_set_pretty (gen, TRUE);
      text = json_generator_to_data (gen, NULL);
      printf ("%s\n", text);
      return report->trusted ? EXIT_OK : EXIT_NOT_VALID;
    }

  for (guint i = 0; i < report->certificates->len; i++)
    {
      X509 *c = g_ptr_array_index (report->certificates, i);
      g_autofree char *subject = inkan_name_to_string (X509_get_subject_name (c));
      g_autofree char *issuer = inkan_name_to_string (X509_get_issuer_name (c));
      g_autofree char *serial = inkan_certificate_serial_hex (c);
      g_autofree char *key = inkan_certificate_describe_key (c);
      g_autofree char *sig = inkan_certificate_describe_signature (c);
      g_autofree char *sbr = sbr_text (c);
      gint64 nb = asn1_unix (X509_get0_notBefore (c)), na = asn1_unix (X509_get0_notAfter (c));
      g_autofree char *nb_text = date_text (nb), *na_text = date_text (na);
      gint64 left = inkan_days_left (na, now);
      gboolean anchor = report->anchored && i == report->certificates->len - 1;

      printf ("[%u] %s%s\n", i, subject, anchor ? _("  (trust anchor)") : "");
      printf (_("    issuer:    %s\n"), issuer);
      printf (_("    serial:    %s\n"), serial);
      if (left >= 0)
        printf (_("    validity:  %s .. %s (%" G_GINT64_FORMAT " days left)\n"), nb_text, na_text, left);
      else
        printf (_("    validity:  %s .. %s (EXPIRED %" G_GINT64_FORMAT " days ago)\n"), nb_text, na_text, -left);
      printf (_("    key:       %s\n"), key);
      printf (_("    signature: %s\n"), sig);
      printf (_("    SBR:       %s\n"), sbr);
    }
  if (report->trusted)
    {
      X509 *top = g_ptr_array_index (report->certificates, report->certificates->len - 1);
      g_autofree char *anchor = inkan_name_to_string (X509_get_subject_name (top));
      printf (_("verdict: trusted for S/MIME signing: the chain reaches the anchor %s.\n"), anchor);
    }
  else if (!report->anchored)
    printf (_("verdict: NOT trusted: the chain does not reach an email trust anchor (%s); add the root with --trust if you trust it.\n"),
            report->error_text ? report->error_text : _("no anchor"));
  else
    printf (_("verdict: NOT trusted: %s.\n"), report->error_text ? report->error_text : _("a certificate is not valid"));
  return report->trusted ? EXIT_OK : EXIT_NOT_VALID;
}
