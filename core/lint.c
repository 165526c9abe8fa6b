/* CA/Browser Forum S/MIME Baseline Requirements (SBR) profile checks.
 *
 * inkan_lint_certificate() checks one certificate against the SBR profile
 * it claims (§7.1; the type and generation come from its reserved policy
 * OID, §7.1.6.1) or, for CA certificates, the Root CA and Subordinate CA
 * profiles (§7.1.2.1, §7.1.2.2).  Each finding has a severity, a stable
 * code (pkilint's code where pkilint has one, so that administrators can
 * compare the two tools; "inkan." codes otherwise), the path of the field
 * and one sentence.  The rules live in lint-common.c (every certificate),
 * lint-subscriber.c and lint-ca.c; docs/admin.md lists every code.
 */
#include "lint-internal.h"
#include <time.h>

static gboolean oid_text (const ASN1_OBJECT *obj, char *buf, gsize size);

/* SBR 7.1.6.4: 2.23.140.1.5.<type>.<generation> */
static const struct {
  const char *oid;
  const char *name;
} sbr_policies[] = {
  { "2.23.140.1.5.1.1", "mailbox-validated legacy" },
  { "2.23.140.1.5.1.2", "mailbox-validated multipurpose" },
  { "2.23.140.1.5.1.3", "mailbox-validated strict" },
  { "2.23.140.1.5.2.1", "organization-validated legacy" },
  { "2.23.140.1.5.2.2", "organization-validated multipurpose" },
  { "2.23.140.1.5.2.3", "organization-validated strict" },
  { "2.23.140.1.5.3.1", "sponsor-validated legacy" },
  { "2.23.140.1.5.3.2", "sponsor-validated multipurpose" },
  { "2.23.140.1.5.3.3", "sponsor-validated strict" },
  { "2.23.140.1.5.4.1", "individual-validated legacy" },
  { "2.23.140.1.5.4.2", "individual-validated multipurpose" },
  { "2.23.140.1.5.4.3", "individual-validated strict" },
};

/**
 * inkan_certificate_sbr_profile:
 * @cert: a certificate
 *
 * Returns: (transfer none) (nullable): the SBR validation type and
 *   generation its certificatePolicies claim ("mailbox-validated strict",
 *   ...), or %NULL when it claims none (a pre-SBR or private certificate).
 */
const char *
inkan_certificate_sbr_profile (X509 *cert)
{
  CERTIFICATEPOLICIES *policies = X509_get_ext_d2i (cert, NID_certificate_policies, NULL, NULL);
  const char *found = NULL;
  char oid[80];

  for (int i = 0; policies && i < sk_POLICYINFO_num (policies) && !found; i++)
    {
      if (!oid_text (sk_POLICYINFO_value (policies, i)->policyid, oid, sizeof oid))
        oid[0] = '\0';
      for (guint j = 0; j < G_N_ELEMENTS (sbr_policies) && !found; j++)
        if (!strcmp (oid, sbr_policies[j].oid))
          found = sbr_policies[j].name;
    }
  CERTIFICATEPOLICIES_free (policies);
  return found;
}

static char *
date_text (const ASN1_TIME *t)
{
  g_autoptr (GDateTime) dt = g_date_time_new_from_unix_utc (_inkan_asn1_time_to_unix (t));

  return dt ? g_date_time_format (dt, "%Y-%m-%d") : g_strdup ("?");
}

/**
 * inkan_certificate_check_usable:
 * @cert: an end-entity certificate
 * @for_signing: %TRUE to sign with it, %FALSE to encrypt to it
 * @at: the time, seconds since the epoch
 * @error: return location for #INKAN_ERROR_CERTIFICATE, with a sentence
 *   that names the certificate's address and what to do
 *
 * The checks a sender makes before using a certificate (RFC 8550 §4.4;
 * SBR 7.1.2.3): inside its validity period, not a CA certificate,
 * extKeyUsage (when present) allows emailProtection, and keyUsage (when
 * present) allows digitalSignature for signing, keyEncipherment (RSA) or
 * keyAgreement (EC) for encryption.
 *
 * Returns: %TRUE when @cert may be used.
 */
gboolean
inkan_certificate_check_usable (X509 *cert, gboolean for_signing, gint64 at, GError **error)
{
  g_autoptr (GPtrArray) emails = inkan_certificate_get_addresses (cert, NULL);
  g_autofree char *subject = _inkan_name_to_string (X509_get_subject_name (cert));
  const char *who = emails->len ? g_ptr_array_index (emails, 0) : subject;
  uint32_t flags = X509_get_extension_flags (cert);
  uint32_t ku = X509_get_key_usage (cert);
  gboolean is_ec = X509_get0_pubkey (cert) != NULL && EVP_PKEY_get_base_id (X509_get0_pubkey (cert)) == EVP_PKEY_EC;
  time_t t = (time_t) at;

  if (X509_cmp_time (X509_get0_notAfter (cert), &t) < 0)
    {
      g_autofree char *d = date_text (X509_get0_notAfter (cert));
      _inkan_set_error (error, INKAN_ERROR_CERTIFICATE,
                        _("The certificate for %s expired on %s; renew it with the CA (or, to encrypt, ask the recipient for the new one)."), who, d);
      return FALSE;
    }
  if (X509_cmp_time (X509_get0_notBefore (cert), &t) > 0)
    {
      g_autofree char *d = date_text (X509_get0_notBefore (cert));
      _inkan_set_error (error, INKAN_ERROR_CERTIFICATE, _("The certificate for %s is not valid until %s."), who, d);
      return FALSE;
    }
  if (X509_check_ca (cert) > 0)
    {
      _inkan_set_error (error, INKAN_ERROR_CERTIFICATE,
                        _("The certificate “%s” is a CA certificate, not a person's; use the certificate issued to the person."),
                        who);
      return FALSE;
    }
  if ((flags & EXFLAG_XKUSAGE) && !(X509_get_extended_key_usage (cert) & XKU_SMIME)
      && !(X509_get_extended_key_usage (cert) & XKU_ANYEKU))
    {
      _inkan_set_error (error, INKAN_ERROR_CERTIFICATE,
                        _("The certificate for %s is not for email: its extendedKeyUsage lacks emailProtection."), who);
      return FALSE;
    }
  if (flags & EXFLAG_KUSAGE)
    {
      gboolean ok = for_signing ? (ku & (KU_DIGITAL_SIGNATURE | KU_NON_REPUDIATION)) != 0
                                : (ku & (is_ec ? KU_KEY_AGREEMENT : KU_KEY_ENCIPHERMENT)) != 0;
      if (!ok)
        {
          _inkan_set_error (error, INKAN_ERROR_CERTIFICATE,
                            for_signing ? _("The certificate for %s may not sign (keyUsage lacks digitalSignature).")
                                        : _("The certificate for %s may not be used to encrypt (keyUsage); ask the recipient for an encryption certificate."),
                            who);
          return FALSE;
        }
    }
  return TRUE;
}

/* ---------------------------------------------------------------- findings */

/**
 * inkan_finding_free:
 * @finding: (nullable): a finding
 */
void
inkan_finding_free (InkanFinding *finding)
{
  if (finding == NULL)
    return;
  g_free (finding->code);
  g_free (finding->path);
  g_free (finding->message);
  g_free (finding);
}

/**
 * inkan_severity_to_string:
 * @severity: a severity
 *
 * Returns: (transfer none): "fatal", "error", "warning", "notice" or "info".
 */
const char *
inkan_severity_to_string (InkanSeverity severity)
{
  switch (severity)
    {
    case INKAN_SEVERITY_FATAL: return "fatal";
    case INKAN_SEVERITY_ERROR: return "error";
    case INKAN_SEVERITY_WARNING: return "warning";
    case INKAN_SEVERITY_NOTICE: return "notice";
    case INKAN_SEVERITY_INFO: return "info";
    default: return "unknown";
    }
}

/**
 * inkan_findings_count:
 * @findings: (element-type InkanFinding): findings
 * @severity: the least severe level to count
 *
 * Returns: the number of findings at @severity or more severe (for
 *   %INKAN_SEVERITY_ERROR: errors and fatal findings).
 */
guint
inkan_findings_count (GPtrArray *findings, InkanSeverity severity)
{
  guint n = 0;

  for (guint i = 0; findings && i < findings->len; i++)
    if (((InkanFinding *) g_ptr_array_index (findings, i))->severity <= severity)
      n++;
  return n;
}

void
_lint_add (LintCtx *c, InkanSeverity severity, const char *code, const char *path, const char *format, ...)
{
  InkanFinding *f = g_new0 (InkanFinding, 1);
  va_list ap;

  va_start (ap, format);
  f->severity = severity;
  f->code = g_strdup (code);
  f->path = g_strdup (path);
  f->message = g_strdup_vprintf (format, ap);
  va_end (ap);
  g_ptr_array_add (c->findings, f);
}

/* ---------------------------------------------------------------- helpers */

/* The first @nid extension of the certificate, decoded.  *critical is -1
 * when it is absent, its criticality otherwise; when it is present but
 * cannot be decoded, a finding says so, *critical is -2 and NULL is
 * returned.  (X509_get_ext_d2i() returns NULL for a repeated extension;
 * pkix.unique_extension reports that, the first one is checked here.) */
void *
_lint_ext_d2i (LintCtx *c, int nid, int *critical)
{
  int i = X509_get_ext_by_NID (c->cert, nid, -1);
  X509_EXTENSION *ext;
  void *value;

  *critical = -1;
  if (i < 0)
    return NULL;
  ext = X509_get_ext (c->cert, i);
  *critical = X509_EXTENSION_get_critical (ext) > 0;
  value = X509V3_EXT_d2i (ext);
  if (value == NULL)
    {
      _lint_add (c, INKAN_SEVERITY_ERROR, "inkan.extension_not_decodable", P_EXT,
                 _("The %s extension cannot be decoded."), OBJ_nid2sn (nid));
      *critical = -2;
      ERR_clear_error ();
    }
  return value;
}

/* OBJ_obj2txt (buf, size, obj, 1) (X.690 8.19: dotted decimal) for OIDs
 * whose arcs fit in 64 bits and whose text fits in @size, without the BIO
 * and BIGNUM machinery; FALSE for the others. */
static gboolean
oid_to_text (const ASN1_OBJECT *obj, char *buf, gsize size)
{
  const unsigned char *d = OBJ_get0_data (obj);
  size_t len = OBJ_length (obj);
  guint64 v = 0;
  gsize pos = 0;
  gboolean first = TRUE;

  if (d == NULL || len == 0)
    return FALSE;
  for (size_t i = 0; i < len; i++)
    {
      guint64 arcs[2];
      int n_arcs = 1;

      if (v > (G_MAXUINT64 >> 7))
        return FALSE;
      v = (v << 7) | (d[i] & 0x7f);
      if (d[i] & 0x80)
        {
          if (i + 1 == len)
            return FALSE;
          continue;
        }
      if (first)
        {
          /* The first subidentifier is 40 X + Y (Y < 40 when X < 2). */
          arcs[0] = v < 80 ? v / 40 : 2;
          arcs[1] = v - arcs[0] * 40;
          n_arcs = 2;
          first = FALSE;
        }
      else
        arcs[0] = v;
      for (int k = 0; k < n_arcs; k++)
        {
          char digits[24];
          int nd = 0;
          guint64 a = arcs[k];

          do
            digits[nd++] = (char) ('0' + a % 10);
          while ((a /= 10) != 0);
          if (pos + (pos > 0) + (gsize) nd + 1 > size)
            return FALSE;
          if (pos > 0)
            buf[pos++] = '.';
          while (nd > 0)
            buf[pos++] = digits[--nd];
        }
      v = 0;
    }
  buf[pos] = '\0';
  return TRUE;
}

static gboolean
oid_text (const ASN1_OBJECT *obj, char *buf, gsize size)
{
  return obj && (oid_to_text (obj, buf, size) || OBJ_obj2txt (buf, (int) size, obj, 1) > 0);
}

char *
_lint_oid_text (const ASN1_OBJECT *obj)
{
  char buf[128];

  if (!oid_text (obj, buf, sizeof buf))
    return g_strdup ("?");
  return g_strdup (buf);
}

gboolean
_lint_oid_is (const ASN1_OBJECT *obj, const char *dotted)
{
  char buf[128];

  return oid_text (obj, buf, sizeof buf) && strcmp (buf, dotted) == 0;
}

/* SBR 7.1.2.3 (b), (c): "the URI scheme HTTP"; https is another scheme. */
gboolean
_lint_is_http_uri (const char *uri)
{
  return uri && g_ascii_strncasecmp (uri, "http://", 7) == 0 && uri[7] != '\0';
}

/* An IA5String (URI, rfc822Name) for a message: printable ASCII as is,
 * anything else as \xNN, so that findings are always valid UTF-8. */
char *
_lint_printable (const ASN1_STRING *s)
{
  const unsigned char *d = ASN1_STRING_get0_data (s);
  int len = ASN1_STRING_length (s);
  GString *out = g_string_sized_new (len > 0 ? (gsize) len : 0);

  for (int i = 0; i < len; i++)
    {
      if (d[i] >= 0x20 && d[i] < 0x7f && d[i] != '\\')
        g_string_append_c (out, (char) d[i]);
      else
        g_string_append_printf (out, "\\x%02X", d[i]);
    }
  return g_string_free (out, FALSE);
}

/* The value of @s as UTF-8 (NUL-terminated), or NULL when it cannot be
 * converted (e.g. a BMPString with unpaired surrogates). */
char *
_lint_asn1_string_utf8 (const ASN1_STRING *s)
{
  unsigned char *out = NULL;
  int len = s ? ASN1_STRING_to_UTF8 (&out, s) : -1;
  char *copy;

  if (len < 0)
    return NULL;
  copy = g_strndup ((const char *) out, (gsize) len);
  OPENSSL_free (out);
  return copy;
}

const char *
_lint_attribute_name (const ASN1_OBJECT *obj)
{
  int nid = OBJ_obj2nid (obj);

  switch (nid)
    {
    case NID_commonName: return "commonName";
    case NID_organizationName: return "organizationName";
    case NID_organizationalUnitName: return "organizationalUnitName";
    case NID_organizationIdentifier: return "organizationIdentifier";
    case NID_givenName: return "givenName";
    case NID_surname: return "surname";
    case NID_pseudonym: return "pseudonym";
    case NID_serialNumber: return "serialNumber";
    case NID_pkcs9_emailAddress: return "emailAddress";
    case NID_title: return "title";
    case NID_streetAddress: return "streetAddress";
    case NID_localityName: return "localityName";
    case NID_stateOrProvinceName: return "stateOrProvinceName";
    case NID_postalCode: return "postalCode";
    case NID_countryName: return "countryName";
    default: return nid != NID_undef ? OBJ_nid2ln (nid) : "unknown attribute";
    }
}

/* The reserved SBR policy OIDs of @policies: *count of them, the first
 * one's type and generation, and whether anyPolicy is present. */
static void
reserved_policies (CERTIFICATEPOLICIES *policies, int *count, int *type, int *generation, gboolean *any)
{
  *count = 0;
  *type = SBR_TYPE_UNKNOWN;
  *generation = SBR_GEN_UNKNOWN;
  *any = FALSE;
  for (int i = 0; policies && i < sk_POLICYINFO_num (policies); i++)
    {
      char oid[80];
      int t, g;

      if (!oid_text (sk_POLICYINFO_value (policies, i)->policyid, oid, sizeof oid))
        oid[0] = '\0';
      if (!strcmp (oid, "2.5.29.32.0"))
        *any = TRUE;
      else if (sscanf (oid, "2.23.140.1.5.%d.%d", &t, &g) == 2 && t >= 1 && t <= 4 && g >= 1 && g <= 3
               && strlen (oid) == strlen ("2.23.140.1.5.1.1"))
        {
          if ((*count)++ == 0)
            *type = t, *generation = g;
        }
    }
}

/* The SBR type a certificate without a reserved OID most likely has, as
 * pkilint guesses it (SBR digest §1): by the subject attributes. */
static int
guess_type (X509 *cert)
{
  X509_NAME *subject = X509_get_subject_name (cert);
  gboolean has_o = X509_NAME_get_index_by_NID (subject, NID_organizationName, -1) >= 0;
  gboolean has_name = X509_NAME_get_index_by_NID (subject, NID_givenName, -1) >= 0
                      || X509_NAME_get_index_by_NID (subject, NID_surname, -1) >= 0;
  int cn_index = X509_NAME_get_index_by_NID (subject, NID_commonName, -1);
  gboolean cn_personal = FALSE;

  if (has_o && cn_index >= 0)
    {
      g_autofree char *cn = _lint_asn1_string_utf8 (X509_NAME_ENTRY_get_data (X509_NAME_get_entry (subject, cn_index)));
      int o_index = X509_NAME_get_index_by_NID (subject, NID_organizationName, -1);
      g_autofree char *o = _lint_asn1_string_utf8 (X509_NAME_ENTRY_get_data (X509_NAME_get_entry (subject, o_index)));
      cn_personal = cn && o && strcmp (cn, o) != 0 && strchr (cn, '@') == NULL;
    }
  if (has_o && (has_name || cn_personal))
    return SBR_SV;
  if (has_o)
    return SBR_OV;
  if (has_name)
    return SBR_IV;
  return SBR_MV;
}

static LintKind
certificate_kind (X509 *cert, const LintKey *key)
{
  BASIC_CONSTRAINTS *bc = X509_get_ext_d2i (cert, NID_basic_constraints, NULL, NULL);
  gboolean ca = bc && bc->ca;
  uint32_t ku = X509_get_key_usage (cert);
  LintKey own;
  gboolean self_signed;

  BASIC_CONSTRAINTS_free (bc);
  /* A certificate that says cA=TRUE but cannot sign certificates is a
   * subscriber certificate with a wrong basicConstraints (SBR 7.1.2.3 (d)). */
  if (!ca || (ku != UINT32_MAX && !(ku & KU_KEY_CERT_SIGN)))
    return LINT_SUBSCRIBER;
  if (key == NULL && _lint_is_lazy (cert))
    {
      _lint_key_read (cert, &own);
      self_signed = _lint_self_signed (cert, &own);
      _lint_key_clear (&own);
    }
  else
    self_signed = _lint_self_signed (cert, key);
  return self_signed ? LINT_ROOT_CA : LINT_SUBORDINATE_CA;
}

/**
 * inkan_lint_certificate_kind:
 * @cert: a certificate
 *
 * Which SBR profile inkan_lint_certificate() checks @cert against: a CA
 * certificate (basicConstraints cA=TRUE with keyCertSign, or no keyUsage)
 * is a "root-ca" when self-signed and a "subordinate-ca" otherwise; every
 * other certificate is a "subscriber" certificate.
 *
 * Returns: (transfer none): "subscriber", "subordinate-ca" or "root-ca".
 */
const char *
inkan_lint_certificate_kind (X509 *cert)
{
  switch (certificate_kind (cert, NULL))
    {
    case LINT_ROOT_CA: return "root-ca";
    case LINT_SUBORDINATE_CA: return "subordinate-ca";
    case LINT_SUBSCRIBER:
    default: return "subscriber";
    }
}

/* ---------------------------------------------------------------- linter */

struct _InkanLinter {
  STACK_OF (X509) *issuers;
  GHashTable *by_name;   /* X509_NAME_hash_ex() of a subject -> GArray of guint indices into issuers */
  gboolean unindexed;    /* a subject could not be hashed: try every issuer */
  GHashTable *full;      /* lazy issuer -> the same certificate fully decoded */
  GHashTable *verifiers; /* see LintCtx */
  GHashTable *keys;      /* issuer -> LintKey* */
  gint64 at;
};

static void
free_key (LintKey *key)
{
  _lint_key_clear (key);
  g_free (key);
}

/**
 * inkan_linter_new:
 * @issuers: (nullable): certificates that may have issued the certificates
 *   to check (see inkan_lint_certificate()); more can be added with
 *   inkan_linter_add_candidate()
 * @at: the time to check validity at, seconds since the epoch, or 0 for now
 *
 * A linter checks many certificates against the same issuers, faster than
 * inkan_lint_certificate() one by one: the issuers are indexed by subject
 * name once.
 *
 * Returns: (transfer full): a linter; free with inkan_linter_free().
 */
InkanLinter *
inkan_linter_new (STACK_OF (X509) *issuers, gint64 at)
{
  InkanLinter *linter = g_new0 (InkanLinter, 1);

  linter->issuers = sk_X509_new_null ();
  linter->by_name = g_hash_table_new_full (g_direct_hash, g_direct_equal, NULL, (GDestroyNotify) g_array_unref);
  linter->full = g_hash_table_new_full (g_direct_hash, g_direct_equal, NULL, (GDestroyNotify) X509_free);
  linter->keys = g_hash_table_new_full (g_direct_hash, g_direct_equal, NULL, (GDestroyNotify) free_key);
  linter->verifiers = g_hash_table_new_full (g_direct_hash, g_direct_equal, NULL, (GDestroyNotify) _lint_verifier_free);
  linter->at = at;
  for (int i = 0; issuers && i < sk_X509_num (issuers); i++)
    inkan_linter_add_issuer (linter, sk_X509_value (issuers, i));
  return linter;
}

/**
 * inkan_linter_add_issuer:
 * @linter: a linter
 * @cert: (transfer none): a certificate that may have issued others
 *
 * Adds @cert after the issuers @linter has: when several could have issued
 * a certificate, the first one added is taken.
 */
void
inkan_linter_add_issuer (InkanLinter *linter, X509 *cert)
{
  int ok = 0;
  unsigned long hash = X509_NAME_hash_ex (X509_get_subject_name (cert), NULL, NULL, &ok);
  guint index = (guint) sk_X509_num (linter->issuers);
  GArray *bucket;

  X509_up_ref (cert);
  sk_X509_push (linter->issuers, cert);
  ERR_clear_error ();
  if (!ok)
    {
      linter->unindexed = TRUE;
      return;
    }
  bucket = g_hash_table_lookup (linter->by_name, GSIZE_TO_POINTER ((gsize) hash));
  if (bucket == NULL)
    {
      bucket = g_array_new (FALSE, FALSE, sizeof (guint));
      g_hash_table_insert (linter->by_name, GSIZE_TO_POINTER ((gsize) hash), bucket);
    }
  g_array_append_val (bucket, index);
}

/**
 * inkan_linter_add_candidate:
 * @linter: a linter
 * @cert: (transfer none): a certificate
 *
 * Adds @cert as an issuer (inkan_linter_add_issuer()) when it is a CA
 * certificate (RFC 5280 4.2.1.9, as X509_check_ca() decides), so that a
 * bundle of many subscriber certificates does not make every search for
 * an issuer longer.
 *
 * Returns: %TRUE when @cert was added.
 */
gboolean
inkan_linter_add_candidate (InkanLinter *linter, X509 *cert)
{
  if (_lint_check_ca (cert) == 0)
    return FALSE;
  inkan_linter_add_issuer (linter, cert);
  return TRUE;
}

/**
 * inkan_linter_free:
 * @linter: (nullable): a linter
 */
void
inkan_linter_free (InkanLinter *linter)
{
  if (linter == NULL)
    return;
  sk_X509_pop_free (linter->issuers, X509_free);
  g_hash_table_unref (linter->by_name);
  g_hash_table_unref (linter->verifiers);
  g_hash_table_unref (linter->keys);
  g_hash_table_unref (linter->full);
  g_free (linter);
}

/* The issuer @candidate fully decoded (owned by @linter). */
static X509 *
full_issuer (InkanLinter *linter, X509 *candidate)
{
  X509 *full;

  if (!_lint_is_lazy (candidate))
    return candidate;
  full = g_hash_table_lookup (linter->full, candidate);
  if (full == NULL)
    {
      full = _lint_full_cert (candidate);
      g_hash_table_insert (linter->full, candidate, full);
    }
  return full;
}

/* The first issuer that issued @cert (X509_check_issued(): name, key
 * identifier, signature algorithm for its key, keyUsage), else the first
 * whose subject is @cert's issuer name (*by_name_only), else NULL.  Only
 * issuers whose subject hashes as @cert's issuer name can match. */
static X509 *
find_issuer (InkanLinter *linter, X509 *cert, gboolean *by_name_only)
{
  X509 *by_name = NULL;
  const X509_NAME *issuer_name = X509_get_issuer_name (cert);
  GArray *bucket = NULL;
  guint count;
  int ok = 0;

  *by_name_only = FALSE;
  if (!linter->unindexed)
    {
      unsigned long hash = X509_NAME_hash_ex (issuer_name, NULL, NULL, &ok);
      ERR_clear_error ();
      if (ok)
        {
          bucket = g_hash_table_lookup (linter->by_name, GSIZE_TO_POINTER ((gsize) hash));
          if (bucket == NULL)
            return NULL;
        }
    }
  count = bucket ? bucket->len : (guint) sk_X509_num (linter->issuers);
  for (guint k = 0; k < count; k++)
    {
      X509 *candidate = sk_X509_value (linter->issuers, bucket ? (int) g_array_index (bucket, guint, k) : (int) k);
      X509 *full;

      /* X509_check_issued() starts with the names; so does this. */
      if (X509_NAME_cmp (X509_get_subject_name (candidate), issuer_name) != 0)
        continue;
      if (candidate == cert || X509_cmp (candidate, cert) == 0)
        continue;
      full = full_issuer (linter, candidate);
      if (X509_check_issued (full, cert) == X509_V_OK)
        return full;
      if (by_name == NULL)
        by_name = full;
    }
  *by_name_only = by_name != NULL;
  return by_name;
}

/**
 * inkan_linter_check:
 * @linter: a linter
 * @cert: the certificate to check
 * @error: return location for #INKAN_ERROR_CERTIFICATE when @cert cannot
 *   be encoded at all
 *
 * inkan_lint_certificate() with the issuers and time of @linter.
 *
 * Returns: (transfer full) (element-type InkanFinding): the findings, or
 *   %NULL on error.
 */
GPtrArray *
inkan_linter_check (InkanLinter *linter, X509 *cert, GError **error)
{
  LintCtx c = { 0 };
  CERTIFICATEPOLICIES *policies;

  if (cert == NULL || i2d_X509 (cert, NULL) <= 0)
    {
      _inkan_set_error (error, INKAN_ERROR_CERTIFICATE, _("The certificate cannot be encoded, so it cannot be checked."));
      return NULL;
    }
  c.findings = g_ptr_array_new_with_free_func ((GDestroyNotify) inkan_finding_free);
  c.cert = cert;
  c.verifiers = linter->verifiers;
  c.at = linter->at > 0 ? linter->at : g_get_real_time () / G_USEC_PER_SEC;
  _lint_key_read (cert, &c.key);
  c.kind = certificate_kind (cert, &c.key);
  c.not_before = _inkan_asn1_time_to_unix (X509_get0_notBefore (cert));
  c.not_after = _inkan_asn1_time_to_unix (X509_get0_notAfter (cert));
  for (int i = 0; i < sk_X509_num (linter->issuers) && !c.have_issuers; i++)
    c.have_issuers = X509_cmp (sk_X509_value (linter->issuers, i), cert) != 0;
  c.issuer = c.kind == LINT_ROOT_CA ? cert : find_issuer (linter, cert, &c.issuer_by_name_only);
  c.issuer_key = &c.own_issuer_key;
  if (c.issuer == cert)
    _lint_key_read (cert, &c.own_issuer_key);
  else if (c.issuer)
    {
      /* Issuers stay in the linter (or its fully decoded copies). */
      LintKey *key = g_hash_table_lookup (linter->keys, c.issuer);
      if (key == NULL)
        {
          key = g_new0 (LintKey, 1);
          _lint_key_read (c.issuer, key);
          g_hash_table_insert (linter->keys, c.issuer, key);
        }
      c.issuer_key = key;
    }

  policies = X509_get_ext_d2i (cert, NID_certificate_policies, NULL, NULL);
  reserved_policies (policies, &c.reserved_count, &c.type, &c.generation, &c.any_policy);
  CERTIFICATEPOLICIES_free (policies);
  if (c.kind == LINT_SUBSCRIBER && c.reserved_count == 0)
    {
      /* Check the rest as pkilint's guess does: the type from the
       * subject, the loosest generation. */
      c.type = guess_type (cert);
      c.generation = SBR_LEGACY;
    }

  _lint_structure (&c);
  _lint_serial (&c);
  _lint_validity_times (&c);
  _lint_signature_algorithm (&c);
  _lint_public_key (&c);
  _lint_issuer (&c);
  _lint_aki_ski (&c);
  if (c.kind == LINT_SUBSCRIBER)
    _lint_subscriber (&c);
  else
    _lint_ca (&c);
  if (c.san_mailboxes)
    g_ptr_array_unref (c.san_mailboxes);
  _lint_key_clear (&c.key);
  _lint_key_clear (&c.own_issuer_key);
  ERR_clear_error ();
  return c.findings;
}

/**
 * inkan_lint_certificate:
 * @cert: the certificate to check
 * @issuers: (nullable): certificates that may have issued @cert (its
 *   chain); with the issuer, the signature, the issuer name encoding, the
 *   authorityKeyIdentifier and the signature algorithm for the issuer's key
 *   are checked too
 * @at: the time to check validity at, seconds since the epoch, or 0 for now
 * @error: return location for #INKAN_ERROR_CERTIFICATE when @cert cannot
 *   be encoded at all
 *
 * Checks @cert against the CA/Browser Forum S/MIME Baseline Requirements:
 * a subscriber certificate against the profile of the validation type and
 * generation its reserved policy OID names (§7.1.2.3, §7.1.4.2, §7.1.3,
 * §6.1.5, §6.3.2, §7.1.6.1), a CA certificate against the Subordinate CA
 * or Root CA profile (see inkan_lint_certificate_kind()).  Nothing is
 * printed; @cert is not changed.  To check many certificates against the
 * same issuers, use an #InkanLinter.
 *
 * Usage:
 *
 *   g_autoptr(GPtrArray) findings = inkan_lint_certificate (cert, chain, 0, &err);
 *   if (inkan_findings_count (findings, INKAN_SEVERITY_ERROR) > 0) ...
 *
 * Returns: (transfer full) (element-type InkanFinding): the findings, most
 *   rule order first (empty when @cert meets every rule), or %NULL on error.
 *   Free with g_ptr_array_unref().
 */
GPtrArray *
inkan_lint_certificate (X509 *cert, STACK_OF (X509) *issuers, gint64 at, GError **error)
{
  InkanLinter *linter = inkan_linter_new (issuers, at);
  GPtrArray *findings = inkan_linter_check (linter, cert, error);

  inkan_linter_free (linter);
  return findings;
}

/**
 * inkan_lint_identity:
 * @identity: a signing identity
 * @at: the time, seconds since the epoch, or 0 for now
 * @error: return location for #INKAN_ERROR_CERTIFICATE
 *
 * Lints the identity's certificate (with its chain as issuers) and every
 * CA certificate of its chain, as a signer is checked before signing.
 * Findings on a chain certificate have "chain[N]." before their path
 * (N = 1 for the issuing CA).
 *
 * Returns: (transfer full) (element-type InkanFinding): the findings, or
 *   %NULL on error.
 */
GPtrArray *
inkan_lint_identity (InkanIdentity *identity, gint64 at, GError **error)
{
  STACK_OF (X509) *chain = inkan_identity_get_chain (identity);
  GPtrArray *all = inkan_lint_certificate (inkan_identity_get_certificate (identity), chain, at, error);

  for (int i = 0; all && chain && i < sk_X509_num (chain); i++)
    {
      g_autoptr (GPtrArray) more = inkan_lint_certificate (sk_X509_value (chain, i), chain, at, NULL);

      for (guint j = 0; more && j < more->len; j++)
        {
          InkanFinding *f = g_ptr_array_index (more, j);
          char *path = g_strdup_printf ("chain[%d].%s", i + 1, f->path);

          g_free (f->path);
          f->path = path;
        }
      if (more)
        g_ptr_array_extend_and_steal (all, g_steal_pointer (&more));
    }
  return all;
}
