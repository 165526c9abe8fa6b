/* inkan lint: check certificates against the CA/Browser Forum S/MIME
 * Baseline Requirements; also the SBR line that sign, encrypt --sign and
 * import print. */
#include "inkan-cli.h"
#include <json-glib/json-glib.h>
#include "json-out.h"
#include <openssl/x509v3.h>

/* Every certificate of @path: PEM (one or many), DER, .p7b (PEM or DER),
 * or a PKCS#12 (its certificates only; a passphrase is asked when the
 * file needs one). */
GPtrArray *
cli_load_certificate_file (const char *path, CliPassphrase *pp, GError **error)
{
  GError *local = NULL;
  GPtrArray *certs = inkan_certificates_load (path, &local);
  const char *paths[] = { path, NULL };
  g_autoptr (InkanDelivery) delivery = NULL;
  GPtrArray *given;

  if (certs || !g_error_matches (local, INKAN_ERROR, INKAN_ERROR_CERTIFICATE))
    {
      if (local)
        g_propagate_error (error, local);
      return certs;
    }
  g_clear_error (&local);
  delivery = inkan_delivery_load (paths, pp ? cli_ask_passphrase : NULL, pp, error);
  if (delivery == NULL)
    return NULL;
  given = inkan_delivery_get_certificates (delivery);
  if (given->len == 0)
    {
      g_set_error (error, INKAN_ERROR, INKAN_ERROR_CERTIFICATE, _("“%s” holds no certificate."), path);
      return NULL;
    }
  certs = g_ptr_array_new_with_free_func ((GDestroyNotify) X509_free);
  for (guint i = 0; i < given->len; i++)
    {
      X509 *c = g_ptr_array_index (given, i);
      X509_up_ref (c);
      g_ptr_array_add (certs, c);
    }
  return certs;
}

static char *
counts_text (guint counts[5])
{
  GString *s = g_string_new (NULL);
  static const char *const one[] = { N_("fatal"), N_("error"), N_("warning"), N_("notice"), N_("info") };
  static const char *const many[] = { N_("fatal"), N_("errors"), N_("warnings"), N_("notices"), N_("info") };

  for (int i = 0; i < 5; i++)
    if (counts[i] || i == INKAN_SEVERITY_ERROR || i == INKAN_SEVERITY_WARNING)
      g_string_append_printf (s, "%s%u %s", s->len ? ", " : "", counts[i], counts[i] == 1 ? _(one[i]) : _(many[i]));
  return g_string_free (s, FALSE);
}

static char *
profile_text (X509 *cert)
{
  const char *kind = inkan_lint_certificate_kind (cert);
  const char *profile = inkan_certificate_sbr_profile (cert);

  if (!strcmp (kind, "root-ca"))
    return g_strdup (_("root CA"));
  if (!strcmp (kind, "subordinate-ca"))
    return g_strdup (_("subordinate CA"));
  return profile ? g_strdup_printf (_("%s subscriber"), profile) : g_strdup (_("subscriber, no SBR policy OID"));
}

/* The certificates of @path for linting: PEM and DER certificate files
 * read without decoding their keys (inkan_lint_load_certificates()), any
 * other format as cli_load_certificate_file() reads it. */
static GPtrArray *
load_for_lint (const char *path, CliPassphrase *pp, GError **error)
{
  GError *local = NULL;
  GPtrArray *certs = inkan_lint_load_certificates (path, &local);

  if (certs || !g_error_matches (local, INKAN_ERROR, INKAN_ERROR_CERTIFICATE))
    {
      if (local)
        g_propagate_error (error, local);
      return certs;
    }
  g_clear_error (&local);
  return cli_load_certificate_file (path, pp, error);
}

typedef struct {
  char *file;
  X509 *cert;
} Entry;

static void
entry_free (Entry *e)
{
  g_free (e->file);
  X509_free (e->cert);
  g_free (e);
}

/* Prints @node as element @index of the pretty-printed JSON array on
 * standard output, element by element, in json-glib's own layout for the
 * whole array (its text indented by two spaces; JSON strings hold no raw
 * newline): a bulk lint never holds its whole report in memory. */
static void
print_json_element (JsonNode *node, guint index)
{
  g_autoptr (JsonGenerator) gen = json_generator_new ();
  g_autofree char *text = NULL;
  g_auto (GStrv) lines = NULL;

  json_generator_set_root (gen, node);
  json_generator_set_pretty (gen, TRUE);
  text = json_generator_to_data (gen, NULL);
  lines = g_strsplit (text, "\n", -1);
  fputs (index == 0 ? "[\n" : ",\n", stdout);
  for (guint i = 0; lines[i]; i++)
    printf ("%s  %s", i ? "\n" : "", lines[i]);
}

int
cli_lint (int argc, char **argv)
{
  g_auto (GStrv) chain_files = NULL;
  g_autofree char *at_text = NULL;
  gboolean json = FALSE, quiet = FALSE;
  g_auto (CliPassphrase) pp = { -1, NULL };
  g_autofree GOptionEntry *pass_entries = cli_passphrase_entries (&pp);
  GOptionEntry entries[] = {
    { "chain", 0, 0, G_OPTION_ARG_FILENAME_ARRAY, &chain_files, N_("CA certificates that issued the certificates; they are checked as CA certificates too (repeatable)"), "FILE" },
    { "at", 0, 0, G_OPTION_ARG_STRING, &at_text, N_("Check validity at this ISO 8601 time instead of now"), "TIME" },
    { "json", 0, 0, G_OPTION_ARG_NONE, &json, N_("Print the findings as JSON"), NULL },
    { "quiet", 'q', 0, G_OPTION_ARG_NONE, &quiet, N_("Print only certificates with findings (nothing when all are clean)"), NULL },
    { NULL, 0, 0, 0, NULL, NULL, NULL }
  };
  g_autoptr (GOptionContext) ctx = g_option_context_new (_("CERT... — check certificates against the S/MIME Baseline Requirements"));
  g_autoptr (GPtrArray) todo = g_ptr_array_new_with_free_func ((GDestroyNotify) entry_free);
  guint printed = 0;
  g_autoptr (InkanLinter) linter = NULL;
  GError *error = NULL;
  gint64 at = 0;
  guint with_errors = 0;

  g_option_context_add_main_entries (ctx, entries, GETTEXT_PACKAGE);
  g_option_context_add_main_entries (ctx, pass_entries, GETTEXT_PACKAGE);
  if (!cli_parse_options (ctx, &argc, &argv, "lint"))
    return EXIT_USAGE;
  if (argc < 2)
    return cli_usage ("lint", _("give one or more certificate files"));
  if (!cli_parse_time (at_text, &at, &error))
    {
      cli_usage ("lint", error->message);
      g_error_free (error);
      return EXIT_USAGE;
    }
  linter = inkan_linter_new (NULL, at);
  for (int pass = 0; pass < 2; pass++)
    {
      char **files = pass == 0 ? argv + 1 : chain_files;
      for (int i = 0; files && files[i]; i++)
        {
          g_autoptr (GPtrArray) certs = load_for_lint (files[i], &pp, &error);
          if (certs == NULL)
            {
              cli_passphrase_clear (&pp);
              return cli_fail ("lint", error);
            }
          for (guint j = 0; j < certs->len; j++)
            {
              Entry *e = g_new0 (Entry, 1);
              e->file = g_strdup (files[i]);
              e->cert = g_ptr_array_index (certs, j);
              X509_up_ref (e->cert);
              g_ptr_array_add (todo, e);
              /* Only CA certificates can be issuers: a bundle of many
               * leaves stays linear. */
              inkan_linter_add_candidate (linter, e->cert);
            }
        }
    }
  cli_passphrase_clear (&pp);

  for (guint i = 0; i < todo->len; i++)
    {
      Entry *e = g_ptr_array_index (todo, i);
      g_autoptr (GPtrArray) findings = inkan_linter_check (linter, e->cert, &error);
      g_autofree char *subject = NULL, *profile = NULL, *summary = NULL;
      guint counts[5] = { 0 };

      if (findings == NULL)
        return cli_fail ("lint", error);
      for (guint j = 0; j < findings->len; j++)
        counts[((InkanFinding *) g_ptr_array_index (findings, j))->severity]++;
      if (counts[INKAN_SEVERITY_FATAL] + counts[INKAN_SEVERITY_ERROR] > 0)
        with_errors++;
      subject = inkan_name_to_string (X509_get_subject_name (e->cert));
      if (json)
        {
          g_autofree char *issuer = inkan_name_to_string (X509_get_issuer_name (e->cert));
          g_autofree char *serial = inkan_certificate_serial_hex (e->cert);
          g_autoptr (JsonBuilder) b = json_builder_new ();
          g_autoptr (JsonNode) node = NULL;

          json_builder_begin_object (b);
          cli_json_add_string (b, "file", e->file);
          cli_json_add_string (b, "subject", subject);
          cli_json_add_string (b, "issuer", issuer);
          cli_json_add_string (b, "serial", serial);
          cli_json_add_string (b, "kind", inkan_lint_certificate_kind (e->cert));
          cli_json_add_string (b, "profile", inkan_certificate_sbr_profile (e->cert));
          json_builder_set_member_name (b, "findings");
          json_builder_begin_array (b);
          for (guint j = 0; j < findings->len; j++)
            {
              InkanFinding *f = g_ptr_array_index (findings, j);
              json_builder_begin_object (b);
              cli_json_add_string (b, "severity", inkan_severity_to_string (f->severity));
              cli_json_add_string (b, "code", f->code);
              cli_json_add_string (b, "path", f->path);
              cli_json_add_string (b, "message", f->message);
              json_builder_end_object (b);
            }
          json_builder_end_array (b);
          json_builder_set_member_name (b, "counts");
          json_builder_begin_object (b);
          for (int s = 0; s < 5; s++)
            {
              json_builder_set_member_name (b, inkan_severity_to_string (s));
              json_builder_add_int_value (b, counts[s]);
            }
          json_builder_end_object (b);
          json_builder_end_object (b);
          node = json_builder_get_root (b);
          print_json_element (node, printed++);
          continue;
        }
      if (quiet && findings->len == 0)
        continue;
      profile = profile_text (e->cert);
      summary = counts_text (counts);
      printf ("%s: %s\n  %s: %s\n", e->file, subject[0] ? subject : _("(empty subject)"), _("profile"), profile);
      for (guint j = 0; j < findings->len; j++)
        {
          InkanFinding *f = g_ptr_array_index (findings, j);
          printf ("  %s: %s at %s: %s\n", inkan_severity_to_string (f->severity), f->code, f->path, f->message);
        }
      printf ("  %s\n", summary);
    }
  if (json)
    fputs (printed ? "\n]\n" : "[]\n", stdout);
  else if (todo->len > 1 && (!quiet || with_errors))
    printf (_("%u certificates, %u with errors\n"), todo->len, with_errors);
  return with_errors ? EXIT_NOT_VALID : EXIT_OK;
}

/* The line sign and encrypt --sign print when the signer breaks SBR rules;
 * with @require a refusal instead (INKAN_ERROR_CERTIFICATE). */
gboolean
cli_check_sbr (const char *command, InkanIdentity *identity, gboolean require, GError **error)
{
  g_autoptr (GPtrArray) findings = inkan_lint_identity (identity, 0, NULL);
  guint errors = inkan_findings_count (findings, INKAN_SEVERITY_ERROR);
  const char *first = NULL;

  for (guint i = 0; findings && i < findings->len && !first; i++)
    if (((InkanFinding *) g_ptr_array_index (findings, i))->severity <= INKAN_SEVERITY_ERROR)
      first = ((InkanFinding *) g_ptr_array_index (findings, i))->code;
  if (errors == 0)
    return TRUE;
  if (require)
    {
      g_set_error (error, INKAN_ERROR, INKAN_ERROR_CERTIFICATE,
                   g_dngettext (GETTEXT_PACKAGE,
                                "The signer's certificate or chain breaks %u rule of the S/MIME Baseline Requirements (%s); nothing was signed (see “inkan lint”).",
                                "The signer's certificate or chain breaks %u rules of the S/MIME Baseline Requirements (first: %s); nothing was signed (see “inkan lint”).",
                                errors),
                   errors, first);
      return FALSE;
    }
  g_printerr (g_dngettext (GETTEXT_PACKAGE,
                           "inkan %s: warning: the signer's certificate or chain breaks %u S/MIME Baseline Requirements rule (%s); see “inkan lint”.\n",
                           "inkan %s: warning: the signer's certificate or chain breaks %u S/MIME Baseline Requirements rules (first: %s); see “inkan lint”.\n",
                           errors),
              command, errors, first);
  return TRUE;
}

/* The SBR line of "inkan import": @cert linted with @certs as its chain. */
void
cli_print_lint_summary (X509 *cert, GPtrArray *certs)
{
  STACK_OF (X509) *issuers = sk_X509_new_null ();
  g_autoptr (GPtrArray) findings = NULL;
  guint counts[5] = { 0 };
  g_autofree char *summary = NULL;
  const char *first = NULL;

  for (guint i = 0; certs && i < certs->len; i++)
    sk_X509_push (issuers, g_ptr_array_index (certs, i));
  findings = inkan_lint_certificate (cert, issuers, 0, NULL);
  sk_X509_free (issuers);
  for (guint i = 0; findings && i < findings->len; i++)
    {
      InkanFinding *f = g_ptr_array_index (findings, i);
      counts[f->severity]++;
      if (!first && f->severity <= INKAN_SEVERITY_ERROR)
        first = f->code;
    }
  summary = counts_text (counts);
  if (first)
    printf (_("  SBR lint: %s (first: %s; “inkan lint” shows all)\n"), summary, first);
  else
    printf (_("  SBR lint: %s\n"), summary);
}
