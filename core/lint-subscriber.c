/* SBR linter: the Subscriber (end-entity) certificate profile.
 *
 * SBR §7.1.2.3 (a)-(n) extensions, §7.1.4.2.1 subjectAltName, §7.1.4.2.2-6
 * subject attributes per validation type, §6.3.2 validity, §7.1.6.1 the
 * Legacy sunset.  "S/M/L" below: Strict, Multipurpose, Legacy.
 */
#include "lint-internal.h"

#define OID_SMTP_UTF8_MAILBOX "1.3.6.1.5.5.7.8.9"
#define OID_MS_UPN "1.3.6.1.4.1.311.20.2.3"

static const char *const type_names[] = { "unknown", "mailbox-validated", "organization-validated",
                                          "sponsor-validated", "individual-validated" };
static const char *const generation_names[] = { "unknown", "legacy", "multipurpose", "strict" };

/* ---------------------------------------------------------------- policies */

static void
lint_policies (LintCtx *c)
{
  int crit = -1;
  CERTIFICATEPOLICIES *policies = _lint_ext_d2i (c, NID_certificate_policies, &crit);

  if (policies == NULL)
    {
      if (crit == -1)
        _lint_add (c, INKAN_SEVERITY_ERROR, "cabf.smime.certificate_policies_extension_missing", P_CP,
                 _("The certificatePolicies extension is missing; it must hold exactly one reserved SBR policy OID (SBR 7.1.2.3 (a))."));
      return;
    }
  if (crit > 0)
    _lint_add (c, INKAN_SEVERITY_WARNING, "cabf.critical_certificate_policies_extension", P_CP,
               _("The certificatePolicies extension is critical; SBR 7.1.2.3 (a) says it should not be."));
  if (c->reserved_count == 0)
    _lint_add (c, INKAN_SEVERITY_ERROR, "cabf.smime.no_required_reserved_policy_oid", P_CP,
               _("No reserved SBR policy OID (2.23.140.1.5.x.y) is present; checked as a %s legacy certificate, the type guessed from the subject."),
               type_names[c->type]);
  else if (c->reserved_count > 1)
    _lint_add (c, INKAN_SEVERITY_ERROR, "cabf.smime.multiple_reserved_policy_oids", P_CP,
               _("%d reserved SBR policy OIDs are present; exactly one is allowed (SBR 7.1.2.3 (a))."), c->reserved_count);
  if (c->any_policy)
    _lint_add (c, INKAN_SEVERITY_ERROR, "cabf.smime.anypolicy_present", P_CP,
               _("anyPolicy is present in a subscriber certificate; it must carry exactly one reserved SBR policy OID instead."));
  _lint_policy_qualifiers (c, policies);
  CERTIFICATEPOLICIES_free (policies);

  if (c->reserved_count > 0 && c->generation == SBR_LEGACY && c->not_before >= SBR_LEGACY_SUNSET)
    _lint_add (c, INKAN_SEVERITY_ERROR, "cabf.smime.legacy_generation_certificate_issued_after_prohibition", P_CP,
               _("The certificate was issued under a Legacy policy OID on or after 2025-07-15, when Legacy issuance ended (SBR 7.1.6.1)."));
}

/* ---------------------------------------------------------------- validity */

static void
lint_validity_period (LintCtx *c)
{
  gint64 seconds = c->not_after - c->not_before + 1;   /* RFC 5280: both ends inclusive */
  gint64 max_days = c->generation == SBR_LEGACY ? 1185 : 825;
  gint64 days = (seconds + 86399) / 86400;

  if (seconds <= 0)
    return;
  if (seconds > max_days * 86400)
    _lint_add (c, INKAN_SEVERITY_ERROR,
               max_days == 825 ? "cabf.smime.certificate_validity_period_exceeds_825_days"
                               : "cabf.smime.certificate_validity_period_exceeds_1185_days",
               P_VALIDITY, _("The validity period is %" G_GINT64_FORMAT " days; the %s generation allows at most %" G_GINT64_FORMAT " days (SBR 6.3.2)."),
               days, generation_names[c->generation], max_days);
  else if (days == max_days)
    _lint_add (c, INKAN_SEVERITY_WARNING, "cabf.smime.certificate_validity_period_at_maximum", P_VALIDITY,
               _("The validity period is the maximum of %" G_GINT64_FORMAT " days; SBR 6.3.2 says certificates should not be issued for the maximum by default."),
               max_days);
}

/* ---------------------------------------------------------------- basicConstraints */

static void
lint_basic_constraints (LintCtx *c)
{
  int crit;
  BASIC_CONSTRAINTS *bc = _lint_ext_d2i (c, NID_basic_constraints, &crit);

  if (bc == NULL)
    return;
  if (bc->ca)
    _lint_add (c, INKAN_SEVERITY_ERROR, "cabf.smime.is_ca_certificate", P_BC ".cA",
               _("basicConstraints has cA=TRUE in a subscriber certificate (SBR 7.1.2.3 (d))."));
  else if (bc->pathlen)
    _lint_add (c, INKAN_SEVERITY_ERROR, "pkix.basic_constraints.has_pathlen_for_non_ca", P_BC ".pathLenConstraint",
               _("basicConstraints has a pathLenConstraint without cA=TRUE (RFC 5280 4.2.1.9, SBR 7.1.2.3 (d))."));
  BASIC_CONSTRAINTS_free (bc);
}

/* ---------------------------------------------------------------- keyUsage */

enum {
  KU_DS = 1 << 0, KU_NR = 1 << 1, KU_KE = 1 << 2, KU_DE = 1 << 3, KU_KA = 1 << 4,
  KU_KCS = 1 << 5, KU_CRL = 1 << 6, KU_EO = 1 << 7, KU_DO = 1 << 8,
};

static const char *const ku_names[] = { "digitalSignature", "nonRepudiation", "keyEncipherment", "dataEncipherment",
                                        "keyAgreement", "keyCertSign", "cRLSign", "encipherOnly", "decipherOnly" };

static char *
ku_list (guint bits)
{
  GString *s = g_string_new (NULL);

  for (guint i = 0; i < G_N_ELEMENTS (ku_names); i++)
    if (bits & (1u << i))
      g_string_append_printf (s, "%s%s", s->len ? ", " : "", ku_names[i]);
  return g_string_free (s, FALSE);
}

static void
lint_key_usage (LintCtx *c)
{
  int crit = -1;
  ASN1_BIT_STRING *ku = _lint_ext_d2i (c, NID_key_usage, &crit);
  guint bits = 0, sign_allowed = 0, km_allowed = 0, sign_required = 0, km_required = 0, allowed = 0;
  int key = c->key.kind;

  if (ku == NULL)
    {
      if (crit == -1)
        _lint_add (c, INKAN_SEVERITY_ERROR, "cabf.smime.key_usage_extension_missing", P_KU,
                 _("The keyUsage extension is missing (SBR 7.1.2.3 (e))."));
      return;
    }
  for (int i = 0; i < 9; i++)
    if (ASN1_BIT_STRING_get_bit (ku, i))
      bits |= 1u << i;
  ASN1_BIT_STRING_free (ku);
  if (crit <= 0)
    _lint_add (c, INKAN_SEVERITY_WARNING, "cabf.smime.ku_extension_not_critical", P_KU,
               _("The keyUsage extension is not critical; SBR 7.1.2.3 (e) says it should be."));
  if (bits == 0)
    {
      _lint_add (c, INKAN_SEVERITY_ERROR, "pkix.no_ku_bits_set", P_KU,
                 _("The keyUsage extension has no bit set (RFC 5280 4.2.1.3)."));
      return;
    }
  if (bits & KU_KCS)
    _lint_add (c, INKAN_SEVERITY_ERROR, "pkix.ee_certificate_keycertsign_keyusage_set", P_KU,
               _("keyUsage has keyCertSign in a certificate that is not a CA (RFC 5280 4.2.1.9)."));
  if ((bits & KU_EO) && (bits & KU_DO))
    _lint_add (c, INKAN_SEVERITY_ERROR, "pkix.both_encipheronly_and_decipheronly_ku_set", P_KU,
               _("keyUsage has both encipherOnly and decipherOnly (RFC 5280 4.2.1.3)."));

  /* SBR 7.1.2.3 (e): the table of allowed bits per key type and use. */
  switch (key)
    {
    case KEY_RSA:
      sign_required = KU_DS, sign_allowed = KU_DS | KU_NR;
      km_required = KU_KE, km_allowed = KU_KE | (c->generation == SBR_STRICT ? 0 : KU_DE);
      break;
    case KEY_EC:
      sign_required = KU_DS, sign_allowed = KU_DS | KU_NR;
      km_required = KU_KA, km_allowed = KU_KA | KU_EO | KU_DO;
      break;
    case KEY_ED25519:
    case KEY_ED448:
    case KEY_MLDSA:
      sign_required = KU_DS, sign_allowed = KU_DS | KU_NR;
      break;
    case KEY_MLKEM:
      km_required = KU_KE, km_allowed = KU_KE;
      break;
    default:
      return;   /* unsupported_public_key_type was reported */
    }
  if (!(bits & sign_required) && !(bits & km_required))
    {
      g_autofree char *have = ku_list (bits);
      _lint_add (c, INKAN_SEVERITY_ERROR, "cabf.smime.unknown_certificate_key_usage_type", P_KU,
                 _("keyUsage (%s) is neither a signing nor a key management combination for this key type (SBR 7.1.2.3 (e))."),
                 have);
      return;
    }
  if (bits & sign_required)
    allowed |= sign_allowed;
  if (bits & km_required)
    allowed |= km_allowed;
  if (bits & ~allowed & ~KU_KCS)
    {
      g_autofree char *extra = ku_list (bits & ~allowed & ~KU_KCS);
      _lint_add (c, INKAN_SEVERITY_ERROR, "cabf.smime.prohibited_ku_present", P_KU,
                 _("keyUsage has %s, which SBR 7.1.2.3 (e) does not allow for this key type and generation."), extra);
    }
}

/* ---------------------------------------------------------------- extKeyUsage */

static void
lint_ext_key_usage (LintCtx *c)
{
  int crit;
  EXTENDED_KEY_USAGE *eku = _lint_ext_d2i (c, NID_ext_key_usage, &crit);
  gboolean email = FALSE;
  GString *bad = g_string_new (NULL), *late = g_string_new (NULL);

  if (eku == NULL)
    {
      if (crit == -1)
        _lint_add (c, INKAN_SEVERITY_ERROR, "cabf.smime.extended_key_usage_extension_missing", P_EKU,
                 _("The extKeyUsage extension is missing (SBR 7.1.2.3 (f))."));
      g_string_free (bad, TRUE);
      g_string_free (late, TRUE);
      return;
    }
  for (int i = 0; i < sk_ASN1_OBJECT_num (eku); i++)
    {
      ASN1_OBJECT *o = sk_ASN1_OBJECT_value (eku, i);
      int nid = OBJ_obj2nid (o);
      g_autofree char *oid = _lint_oid_text (o);
      const char *name = nid != NID_undef ? OBJ_nid2sn (nid) : oid;
      gboolean prohibited;

      if (nid == NID_email_protect)
        {
          email = TRUE;
          continue;
        }
      prohibited = c->generation == SBR_STRICT
                   || nid == NID_server_auth || nid == NID_code_sign || nid == NID_time_stamp
                   || nid == NID_anyExtendedKeyUsage || nid == NID_OCSP_sign;
      if (prohibited)
        g_string_append_printf (bad, "%s%s", bad->len ? ", " : "", name);
      else if (nid != NID_client_auth && c->not_before >= SBR_EKU_RESTRICTION)
        g_string_append_printf (late, "%s%s", late->len ? ", " : "", name);
    }
  sk_ASN1_OBJECT_pop_free (eku, ASN1_OBJECT_free);
  if (!email)
    _lint_add (c, INKAN_SEVERITY_ERROR, "cabf.smime.emailprotection_eku_missing", P_EKU,
               _("extKeyUsage lacks id-kp-emailProtection (SBR 7.1.2.3 (f))."));
  if (bad->len)
    _lint_add (c, INKAN_SEVERITY_ERROR, "cabf.smime.prohibited_eku_present", P_EKU,
               c->generation == SBR_STRICT ? _("extKeyUsage has %s; the strict generation allows only id-kp-emailProtection (SBR 7.1.2.3 (f)).")
                                           : _("extKeyUsage has %s, which SBR 7.1.2.3 (f) prohibits."),
               bad->str);
  if (late->len)
    _lint_add (c, INKAN_SEVERITY_ERROR, "cabf.smime.prohibited_eku_present", P_EKU,
               _("extKeyUsage has %s; certificates issued from 2027-07-01 may carry only emailProtection and clientAuth (SBR v1.0.16)."),
               late->str);
  g_string_free (bad, TRUE);
  g_string_free (late, TRUE);
}

/* ---------------------------------------------------------------- subjectAltName */

/* RFC 5321 §4.1.2 Mailbox, ASCII only: dot-string or quoted local part,
 * a domain of LDH labels. */
static gboolean
valid_ascii_mailbox (const char *s, gsize len)
{
  const char *at = NULL;

  if (len == 0 || strlen (s) != len)
    return FALSE;
  for (gsize i = 0; i < len; i++)
    if ((guchar) s[i] < 0x21 || (guchar) s[i] > 0x7e)
      return FALSE;
  at = strrchr (s, '@');
  if (at == NULL || at == s || at[1] == '\0')
    return FALSE;
  if (s[0] != '"')
    for (const char *p = s; p < at; p++)
      if (strchr ("()<>[]:;@\\,\"", *p) || (*p == '.' && (p == s || p + 1 == at || p[1] == '.')))
        return FALSE;
  for (const char *label = at + 1; *label;)
    {
      const char *end = strchr (label, '.');
      gsize n = end ? (gsize) (end - label) : strlen (label);
      if (n == 0 || n > 63 || label[0] == '-' || label[n - 1] == '-')
        return FALSE;
      for (gsize i = 0; i < n; i++)
        if (!g_ascii_isalnum (label[i]) && label[i] != '-')
          return FALSE;
      label += n + (end ? 1 : 0);
      if (end && *label == '\0')
        return FALSE;
    }
  return TRUE;
}

static void
lint_smtp_utf8_mailbox (LintCtx *c, ASN1_TYPE *value)
{
  const char *path = P_SAN ".otherName.SmtpUTF8Mailbox";
  g_autofree char *text = NULL;
  const char *at;
  gboolean local_ascii = TRUE;

  if (value == NULL || value->type != V_ASN1_UTF8STRING)
    {
      _lint_add (c, INKAN_SEVERITY_ERROR, "pkix.smtp_utf8_mailbox_invalid_syntax", path,
                 _("An SmtpUTF8Mailbox is not a UTF8String (RFC 9598 3)."));
      return;
    }
  text = g_strndup ((const char *) ASN1_STRING_get0_data (value->value.utf8string),
                    (gsize) ASN1_STRING_length (value->value.utf8string));
  if (!g_utf8_validate (text, -1, NULL) || (gsize) ASN1_STRING_length (value->value.utf8string) != strlen (text))
    {
      _lint_add (c, INKAN_SEVERITY_ERROR, "pkix.smtp_utf8_mailbox_invalid_syntax", path,
                 _("An SmtpUTF8Mailbox is not valid UTF-8."));
      return;
    }
  if (g_str_has_prefix (text, "\xef\xbb\xbf"))
    _lint_add (c, INKAN_SEVERITY_ERROR, "pkix.smtp_utf8_mailbox_has_bom", path,
               _("The SmtpUTF8Mailbox “%s” starts with a byte order mark (RFC 9598 3)."), text);
  at = strrchr (text, '@');
  if (at == NULL || at == text || at[1] == '\0')
    {
      _lint_add (c, INKAN_SEVERITY_ERROR, "pkix.smtp_utf8_mailbox_invalid_syntax", path,
                 _("The SmtpUTF8Mailbox “%s” is not local-part@domain."), text);
      return;
    }
  for (const char *p = text; p < at; p++)
    if ((guchar) *p >= 0x80)
      local_ascii = FALSE;
  if (local_ascii)
    _lint_add (c, INKAN_SEVERITY_ERROR, "pkix.smtp_utf8_mailbox_is_ascii_only", path,
               _("The SmtpUTF8Mailbox “%s” has an ASCII local part; it must be an rfc822Name instead (RFC 9598 3)."), text);
  {
    g_auto (GStrv) labels = g_strsplit (at + 1, ".", -1);
    gboolean a_label = FALSE, upper = FALSE;
    for (int i = 0; labels[i]; i++)
      {
        gboolean ascii = TRUE;
        if (g_ascii_strncasecmp (labels[i], "xn--", 4) == 0)
          a_label = TRUE;
        for (const char *p = labels[i]; *p; p++)
          ascii = ascii && (guchar) *p < 0x80;
        for (const char *p = labels[i]; ascii && *p; p++)
          upper = upper || g_ascii_isupper (*p);
      }
    if (a_label)
      _lint_add (c, INKAN_SEVERITY_ERROR, "pkix.smtp_utf8_mailbox_domain_part_invalid_syntax", path,
                 _("The domain of the SmtpUTF8Mailbox “%s” has an A-label (xn--); non-ASCII labels must be stored as U-labels (RFC 9598 3)."),
                 text);
    if (upper)
      _lint_add (c, INKAN_SEVERITY_ERROR, "pkix.smtp_utf8_mailbox_has_uppercase", path,
                 _("The domain of the SmtpUTF8Mailbox “%s” has upper-case ASCII letters (RFC 9598 3)."), text);
  }
  g_ptr_array_add (c->san_mailboxes, g_steal_pointer (&text));
}

static gboolean
in_san (LintCtx *c, const char *mailbox)
{
  for (guint i = 0; i < c->san_mailboxes->len; i++)
    if (!g_ascii_strcasecmp (g_ptr_array_index (c->san_mailboxes, i), mailbox)
        || inkan_address_equal (g_ptr_array_index (c->san_mailboxes, i), mailbox))
      return TRUE;
  return FALSE;
}

static void
lint_san (LintCtx *c, GPtrArray *dirname_mailboxes)
{
  int crit = -1;
  GENERAL_NAMES *san = _lint_ext_d2i (c, NID_subject_alt_name, &crit);
  gboolean subject_empty = X509_NAME_entry_count (X509_get_subject_name (c->cert)) == 0;
  gboolean bad_type = FALSE, bad_other = FALSE;

  if (san == NULL)
    {
      if (crit == -1)
        _lint_add (c, INKAN_SEVERITY_ERROR, "cabf.smime.san_extension_missing", P_SAN,
                 _("The subjectAltName extension is missing; it must hold the mailbox address (SBR 7.1.4.2.1)."));
      return;
    }
  if (subject_empty && crit <= 0)
    _lint_add (c, INKAN_SEVERITY_ERROR, "pkix.san_extension_not_critical", P_SAN,
               _("The subject is empty, so the subjectAltName extension must be critical (RFC 5280 4.2.1.6)."));
  else if (!subject_empty && crit > 0)
    _lint_add (c, INKAN_SEVERITY_WARNING, "pkix.san_extension_is_critical", P_SAN,
               _("The subjectAltName extension is critical although the subject is not empty (RFC 5280 4.2.1.6)."));
  for (int i = 0; i < sk_GENERAL_NAME_num (san); i++)
    {
      GENERAL_NAME *gn = sk_GENERAL_NAME_value (san, i);

      switch (gn->type)
        {
        case GEN_EMAIL:
          {
            gsize len = (gsize) ASN1_STRING_length (gn->d.rfc822Name);
            g_autofree char *addr = g_strndup ((const char *) ASN1_STRING_get0_data (gn->d.rfc822Name), len);
            if (!valid_ascii_mailbox (addr, len))
              {
                g_autofree char *shown = _lint_printable (gn->d.rfc822Name);
                _lint_add (c, INKAN_SEVERITY_ERROR, "pkix.invalid_email_address_syntax", P_SAN ".rfc822Name",
                           _("The rfc822Name “%s” is not a valid mailbox address (RFC 5280 4.2.1.6)."), shown);
              }
            g_ptr_array_add (c->san_mailboxes, g_steal_pointer (&addr));
            break;
          }
        case GEN_OTHERNAME:
          {
            ASN1_OBJECT *type = gn->d.otherName->type_id;
            if (_lint_oid_is (type, OID_SMTP_UTF8_MAILBOX))
              lint_smtp_utf8_mailbox (c, gn->d.otherName->value);
            else
              {
                if (c->generation == SBR_STRICT)
                  bad_other = TRUE;
                if (_lint_oid_is (type, OID_MS_UPN))
                  {
                    ASN1_TYPE *v = gn->d.otherName->value;
                    if (v == NULL || v->type != V_ASN1_UTF8STRING
                        || !memchr (ASN1_STRING_get0_data (v->value.utf8string), '@', (size_t) ASN1_STRING_length (v->value.utf8string)))
                      _lint_add (c, INKAN_SEVERITY_ERROR, "msft.invalid_user_principal_name_syntax", P_SAN ".otherName",
                                 _("The userPrincipalName otherName is not a UTF8String of the form name@domain."));
                  }
              }
            break;
          }
        case GEN_DIRNAME:
          {
            X509_NAME *dn = gn->d.directoryName;
            for (int j = 0; j < X509_NAME_entry_count (dn); j++)
              {
                X509_NAME_ENTRY *e = X509_NAME_get_entry (dn, j);
                int nid = OBJ_obj2nid (X509_NAME_ENTRY_get_object (e));
                char *v = (nid == NID_pkcs9_emailAddress || nid == NID_commonName)
                              ? _lint_asn1_string_utf8 (X509_NAME_ENTRY_get_data (e)) : NULL;
                if (v && strchr (v, '@'))
                  g_ptr_array_add (dirname_mailboxes, v);
                else
                  g_free (v);
              }
            break;
          }
        default:
          bad_type = TRUE;
          break;
        }
    }
  GENERAL_NAMES_free (san);
  if (bad_type)
    _lint_add (c, INKAN_SEVERITY_ERROR, "cabf.smime.prohibited_generalname_type_present", P_SAN,
               _("The subjectAltName has a name type other than rfc822Name, otherName or directoryName (SBR 7.1.4.2.1)."));
  if (bad_other)
    _lint_add (c, INKAN_SEVERITY_ERROR, "cabf.smime.prohibited_othername_type_present", P_SAN ".otherName",
               _("The subjectAltName has an otherName other than SmtpUTF8Mailbox, which the strict generation does not allow (SBR 7.1.4.2.1)."));
  if (c->san_mailboxes->len == 0)
    _lint_add (c, INKAN_SEVERITY_ERROR, "cabf.smime.san_does_not_contain_email_address", P_SAN,
               _("The subjectAltName has no rfc822Name or SmtpUTF8Mailbox (SBR 7.1.4.2.1)."));
}

/* ---------------------------------------------------------------- subject */

/* Attribute rules per type (SBR 7.1.4.2.3-6): for MV, OV, SV, IV one of
 * 'R' required, 'M' may, 'N' must not, 'S' may except in Strict. */
static const struct {
  int nid;
  const char rule[5];
} attribute_rules[] = {
  { NID_commonName, "MMMM" },
  { NID_organizationName, "NRRN" },
  { NID_organizationalUnitName, "NMMN" },
  { NID_organizationIdentifier, "NRRN" },
  { NID_givenName, "NNMM" },
  { NID_surname, "NNMM" },
  { NID_pseudonym, "NNMM" },
  { NID_serialNumber, "MMMM" },
  { NID_pkcs9_emailAddress, "MMMM" },
  { NID_title, "NNMM" },
  { NID_streetAddress, "NSSS" },
  { NID_localityName, "NMMM" },
  { NID_stateOrProvinceName, "NMMM" },
  { NID_postalCode, "NSSS" },
  { NID_countryName, "NMMM" },
};

typedef struct {
  int nid;
  char *name;      /* attribute name for messages and paths */
  char *value;     /* UTF-8, or NULL when it could not be decoded */
  int asn1_type;
} Attr;

static void
attr_clear (gpointer p)
{
  Attr *a = p;
  g_free (a->name);
  g_free (a->value);
}

static const char *
first_value (GArray *attrs, int nid)
{
  for (guint i = 0; i < attrs->len; i++)
    if (g_array_index (attrs, Attr, i).nid == nid)
      return g_array_index (attrs, Attr, i).value;
  return NULL;
}

static gboolean
has_attr (GArray *attrs, int nid)
{
  for (guint i = 0; i < attrs->len; i++)
    if (g_array_index (attrs, Attr, i).nid == nid)
      return TRUE;
  return FALSE;
}

static gboolean
lei_checksum_ok (const char *lei)
{
  guint rem = 0;

  for (const char *p = lei; *p; p++)
    {
      guint v = g_ascii_isdigit (*p) ? (guint) (*p - '0') : (guint) (g_ascii_toupper (*p) - 'A' + 10);
      rem = v >= 10 ? (rem * 100 + v) % 97 : (rem * 10 + v) % 97;
    }
  return rem == 1;
}

static void
lint_organization_identifier (LintCtx *c, const Attr *a, const char *country, const char *base)
{
  g_autofree char *path = g_strconcat (base, ".organizationIdentifier", NULL);
  const char *v = a->value, *p;
  char scheme[4] = { 0 }, cc[3] = { 0 };
  g_autofree char *sp = NULL;
  const char *reference = NULL;

  if (a->asn1_type != V_ASN1_PRINTABLESTRING && a->asn1_type != V_ASN1_UTF8STRING)
    _lint_add (c, INKAN_SEVERITY_ERROR, "cabf.invalid_subject_organization_identifier_encoding", path,
               _("organizationIdentifier must be a PrintableString or UTF8String (SBR 7.1.4.2.2 (d))."));
  if (strlen (v) < 5 || !g_ascii_isupper (v[0]) || !g_ascii_isupper (v[1]) || !g_ascii_isupper (v[2])
      || !g_ascii_isupper (v[3]) || !g_ascii_isupper (v[4]))
    {
      _lint_add (c, INKAN_SEVERITY_ERROR, "cabf.invalid_subject_organization_identifier_format", path,
                 _("organizationIdentifier “%s” is not of the form SSSCC[+SP]-reference (SBR Appendix A.1)."), v);
      return;
    }
  memcpy (scheme, v, 3);
  memcpy (cc, v + 3, 2);
  p = v + 5;
  if (*p == '+')
    {
      const char *end = strchr (p, '-');
      sp = end ? g_strndup (p + 1, (gsize) (end - p - 1)) : g_strdup (p + 1);
      p = end ? end : p + strlen (p);
    }
  if (*p == '-')
    reference = p + 1;
  else if (*p != '\0')
    {
      _lint_add (c, INKAN_SEVERITY_ERROR, "cabf.invalid_subject_organization_identifier_format", path,
                 _("organizationIdentifier “%s” is not of the form SSSCC[+SP]-reference (SBR Appendix A.1)."), v);
      return;
    }
  if (strcmp (scheme, "NTR") && strcmp (scheme, "VAT") && strcmp (scheme, "PSD") && strcmp (scheme, "LEI")
      && strcmp (scheme, "GOV") && strcmp (scheme, "INT"))
    {
      _lint_add (c, INKAN_SEVERITY_ERROR, "cabf.invalid_organization_identifier_registration_scheme", path,
                 _("organizationIdentifier scheme “%s” is not NTR, VAT, PSD, LEI, GOV or INT (SBR Appendix A.1)."), scheme);
      return;
    }
  if ((!strcmp (scheme, "LEI") || !strcmp (scheme, "INT")) ? strcmp (cc, "XG") != 0
      : !_lint_is_country_code (cc) && !(!strcmp (scheme, "VAT") && (!strcmp (cc, "EL") || !strcmp (cc, "XI"))))
    _lint_add (c, INKAN_SEVERITY_ERROR, "cabf.invalid_organization_identifier_country", path,
               _("organizationIdentifier country “%s” is not allowed for the %s scheme (SBR Appendix A.1)."), cc, scheme);
  if (sp)
    {
      gboolean format_ok = strlen (sp) >= 1 && strlen (sp) <= 3;
      for (const char *q = sp; *q; q++)
        format_ok = format_ok && (g_ascii_isupper (*q) || g_ascii_isdigit (*q));
      if (strcmp (scheme, "NTR") && strcmp (scheme, "GOV"))
        _lint_add (c, INKAN_SEVERITY_ERROR, "cabf.invalid_subject_organization_identifier_state_province_for_scheme", path,
                   _("organizationIdentifier has a state or province, which the %s scheme does not allow (SBR Appendix A.1)."), scheme);
      else if (!format_ok)
        _lint_add (c, INKAN_SEVERITY_ERROR, "cabf.invalid_organization_identifier_state_province_format", path,
                   _("organizationIdentifier state or province “%s” is not an ISO 3166-2 subdivision code of up to 3 characters."), sp);
    }
  if ((!strcmp (scheme, "GOV") || !strcmp (scheme, "INT")) && reference)
    _lint_add (c, INKAN_SEVERITY_ERROR, "cabf.smime.prohibited_organization_identifier_reference_present_for_scheme", path,
               _("organizationIdentifier “%s” has a registration reference, which the %s scheme does not have (SBR Appendix A.1)."), v, scheme);
  else if (strcmp (scheme, "GOV") && strcmp (scheme, "INT") && (reference == NULL || *reference == '\0'))
    _lint_add (c, INKAN_SEVERITY_ERROR, "cabf.organization_identifier_reference_missing_for_scheme", path,
               _("organizationIdentifier “%s” has no registration reference after '-' (SBR Appendix A.1)."), v);
  if (!strcmp (scheme, "LEI") && reference)
    {
      gboolean ok = strlen (reference) == 20;
      for (const char *q = reference; ok && *q; q++)
        ok = g_ascii_isupper (*q) || g_ascii_isdigit (*q);
      if (!ok)
        _lint_add (c, INKAN_SEVERITY_ERROR, "cabf.smime.invalid_lei_scheme_format", path,
                   _("The LEI “%s” is not 20 letters and digits (ISO 17442)."), reference);
      else if (!lei_checksum_ok (reference))
        _lint_add (c, INKAN_SEVERITY_ERROR, "iso.lei.invalid_lei_checksum", path,
                   _("The LEI “%s” has a wrong check digit pair (ISO 17442)."), reference);
    }
  if (!strcmp (scheme, "NTR") && !strcmp (cc, "DE") && reference && !(g_str_has_prefix (reference, "DE") && strchr (reference, '.')))
    _lint_add (c, INKAN_SEVERITY_WARNING, "cabf.smime.german_ntr_registration_reference_not_euid", path,
               _("A German NTR registration reference should use the EUID form (DE<register>.<number>) (SBR 7.1.4.2.2 (d))."));
  if (country && strcmp (scheme, "LEI") && strcmp (scheme, "INT") && strcmp (cc, country) != 0
      && !(!strcmp (cc, "EL") && !strcmp (country, "GR")) && !(!strcmp (cc, "XI") && !strcmp (country, "GB")))
    _lint_add (c, INKAN_SEVERITY_ERROR, "cabf.smime.org_identifier_and_country_name_attribute_inconsistent", path,
               _("organizationIdentifier country “%s” is not the subject countryName “%s” (SBR Appendix A.1)."), cc, country);
}

/* The DN rules of the certificate type (SBR 7.1.4.2.2-7.1.4.2.6) for
 * @subject, found at @base: the subject, or a subjectAltName directoryName,
 * which SBR 7.1.4.2.1 allows when its Name obeys the same rules.  For the
 * subject, @dirname_mailboxes are the mailboxes found in directoryNames,
 * which must be in the SAN too; %NULL for a directoryName (its mailboxes
 * are those). */
static void
lint_name (LintCtx *c, X509_NAME *subject, const char *base, GPtrArray *dirname_mailboxes)
{
  g_autoptr (GArray) attrs = g_array_new (FALSE, TRUE, sizeof (Attr));
  int n = X509_NAME_entry_count (subject);
  int t = c->type >= SBR_MV && c->type <= SBR_IV ? c->type - 1 : 0;
  const char *country, *org, *pseudonym, *given, *surname;
  g_autofree char *street_path = g_strconcat (base, ".streetAddress", NULL);
  const char *what = dirname_mailboxes ? _("subject") : _("subjectAltName directoryName");
  g_autofree char *country_path = g_strconcat (base, ".countryName", NULL);

  g_array_set_clear_func (attrs, attr_clear);
  for (int i = 0; i < n; i++)
    {
      X509_NAME_ENTRY *e = X509_NAME_get_entry (subject, i);
      Attr a = { 0 };

      a.nid = OBJ_obj2nid (X509_NAME_ENTRY_get_object (e));
      a.value = _lint_asn1_string_utf8 (X509_NAME_ENTRY_get_data (e));
      a.asn1_type = ASN1_STRING_type (X509_NAME_ENTRY_get_data (e));
      a.name = a.nid == NID_undef ? _lint_oid_text (X509_NAME_ENTRY_get_object (e))
                                  : g_strdup (_lint_attribute_name (X509_NAME_ENTRY_get_object (e)));
      g_array_append_val (attrs, a);
      /* Several attributes in one RDN. */
      if (i > 0 && X509_NAME_ENTRY_set (e) == X509_NAME_ENTRY_set (X509_NAME_get_entry (subject, i - 1)))
        {
          _lint_add (c, INKAN_SEVERITY_NOTICE, "cabf.rdn_contains_multiple_atvs", base,
                     _("An RDN of the subject holds more than one attribute."));
          if (OBJ_cmp (X509_NAME_ENTRY_get_object (e), X509_NAME_ENTRY_get_object (X509_NAME_get_entry (subject, i - 1))) == 0)
            _lint_add (c, INKAN_SEVERITY_ERROR, "pkix.rdn_contains_unique_attribute_types", base,
                       _("An RDN of the subject holds the same attribute type twice (X.501 9.3)."));
        }
    }

  /* Allowed, required and prohibited attributes. */
  for (guint i = 0; i < attrs->len; i++)
    {
      Attr *a = &g_array_index (attrs, Attr, i);
      char rule = 0;
      g_autofree char *path = g_strconcat (base, ".", a->name, NULL);

      for (guint j = 0; j < G_N_ELEMENTS (attribute_rules); j++)
        if (attribute_rules[j].nid == a->nid)
          rule = attribute_rules[j].rule[t];
      if (rule == 0)
        rule = c->type == SBR_MV ? 'N' : c->generation == SBR_LEGACY ? 'M' : 'N';
      if (rule == 'N' || (rule == 'S' && c->generation == SBR_STRICT))
        _lint_add (c, INKAN_SEVERITY_ERROR, "cabf.smime.prohibited_attribute", path,
                   _("The %s has %s, which a %s %s certificate must not have (SBR 7.1.4.2)."),
                   what, a->name, type_names[c->type], generation_names[c->generation]);
      /* OpenSSL converts every name to UTF-8 when it parses a certificate,
       * so a value that cannot be converted never gets here. */
      if (a->value == NULL)
        continue;
      _lint_attribute_value (c, a->name, a->value, a->nid);
      if (a->nid == NID_countryName)
        _lint_country_code (c, a->value, path);
    }
  for (guint j = 0; j < G_N_ELEMENTS (attribute_rules); j++)
    if (attribute_rules[j].rule[t] == 'R' && c->type != SBR_TYPE_UNKNOWN && !has_attr (attrs, attribute_rules[j].nid))
      _lint_add (c, INKAN_SEVERITY_ERROR, "cabf.smime.missing_required_attribute", base,
                 _("The %s lacks %s, which a %s certificate must have (SBR 7.1.4.2)."),
                 what, _lint_attribute_name (OBJ_nid2obj (attribute_rules[j].nid)), type_names[c->type]);

  country = first_value (attrs, NID_countryName);
  org = first_value (attrs, NID_organizationName);
  pseudonym = first_value (attrs, NID_pseudonym);
  given = first_value (attrs, NID_givenName);
  surname = first_value (attrs, NID_surname);

  if ((c->type == SBR_SV || c->type == SBR_IV) && c->generation != SBR_LEGACY
      && !given && !surname && !pseudonym)
    _lint_add (c, INKAN_SEVERITY_ERROR, "cabf.smime.missing_required_attribute", base,
               _("The subject lacks givenName or surname (or pseudonym), which a %s %s certificate must have (SBR 7.1.4.2)."),
               type_names[c->type], generation_names[c->generation]);
  if (pseudonym && (given || surname))
    _lint_add (c, INKAN_SEVERITY_ERROR, "cabf.smime.mixed_name_and_pseudonym_attributes", base,
               _("The subject has a pseudonym together with givenName or surname (SBR 7.1.4.2.2 (e), (f))."));
  if (has_attr (attrs, NID_streetAddress) && !has_attr (attrs, NID_localityName) && !has_attr (attrs, NID_stateOrProvinceName))
    _lint_add (c, INKAN_SEVERITY_ERROR, "cabf.smime.required_attribute_missing_for_dependent_attribute", street_path,
               _("streetAddress is present without localityName or stateOrProvinceName (SBR 7.1.4.2.2 (j))."));
  if ((has_attr (attrs, NID_localityName) || has_attr (attrs, NID_stateOrProvinceName) || has_attr (attrs, NID_postalCode))
      && !country)
    _lint_add (c, INKAN_SEVERITY_ERROR, "cabf.smime.required_attribute_missing_for_dependent_attribute", country_path,
               _("localityName, stateOrProvinceName or postalCode is present without countryName (SBR 7.1.4.2.2 (k)-(m))."));

  for (guint i = 0; i < attrs->len; i++)
    {
      Attr *a = &g_array_index (attrs, Attr, i);
      g_autofree char *path = g_strconcat (base, ".", a->name, NULL);

      if (a->value == NULL)
        continue;
      if (a->nid == NID_organizationIdentifier)
        lint_organization_identifier (c, a, country, base);
      else if (a->nid == NID_pkcs9_emailAddress)
        {
          if (dirname_mailboxes != NULL && !in_san (c, a->value))
            _lint_add (c, INKAN_SEVERITY_ERROR, "cabf.smime.email_address_in_attribute_not_in_san", path,
                       _("The subject emailAddress “%s” is not an rfc822Name or SmtpUTF8Mailbox of the subjectAltName (SBR 7.1.4.2.1)."),
                       a->value);
        }
      else if (a->nid == NID_commonName)
        {
          gboolean mailbox = strchr (a->value, '@') != NULL;
          gboolean known;

          if (mailbox && dirname_mailboxes != NULL && !in_san (c, a->value))
            {
              _lint_add (c, INKAN_SEVERITY_ERROR, "cabf.smime.email_address_in_attribute_not_in_san", path,
                         _("The commonName “%s” is a mailbox address that is not in the subjectAltName (SBR 7.1.4.2.1)."),
                         a->value);
              continue;
            }
          switch (c->type)
            {
            case SBR_MV:
              known = mailbox;
              break;
            case SBR_OV:
              known = mailbox || (org && strcmp (a->value, org) == 0);
              break;
            case SBR_SV:
            case SBR_IV:
              known = mailbox || (pseudonym && strstr (a->value, pseudonym))
                      || (given && strstr (a->value, given)) || (surname && strstr (a->value, surname))
                      || (c->generation == SBR_LEGACY && !given && !surname && !pseudonym);
              break;
            default:
              known = TRUE;
            }
          if (!known)
            _lint_add (c, INKAN_SEVERITY_ERROR, "cabf.smime.common_name_value_unknown_source", path,
                       c->type == SBR_MV ? _("The commonName “%s” is not a mailbox address of the subjectAltName, as a mailbox-validated certificate requires (SBR 7.1.4.2.2 (a)).")
                       : c->type == SBR_OV ? _("The commonName “%s” is neither the organizationName nor a mailbox address of the subjectAltName (SBR 7.1.4.2.2 (a)).")
                                           : _("The commonName “%s” is neither a personal name from givenName/surname, the pseudonym, nor a mailbox address of the subjectAltName (SBR 7.1.4.2.2 (a))."),
                       a->value);
        }
    }
  for (guint i = 0; dirname_mailboxes != NULL && i < dirname_mailboxes->len; i++)
    if (!in_san (c, g_ptr_array_index (dirname_mailboxes, i)))
      _lint_add (c, INKAN_SEVERITY_ERROR, "cabf.smime.email_address_in_attribute_not_in_san", P_SAN ".directoryName",
                 _("The mailbox “%s” of a directoryName is not an rfc822Name or SmtpUTF8Mailbox of the subjectAltName (SBR 7.1.4.2.1)."),
                 (char *) g_ptr_array_index (dirname_mailboxes, i));
}

/* Every directoryName of the subjectAltName against the DN rules of the
 * certificate type (SBR 7.1.4.2.1). */
static void
lint_san_directory_names (LintCtx *c)
{
  GENERAL_NAMES *sans = X509_get_ext_d2i (c->cert, NID_subject_alt_name, NULL, NULL);

  for (int i = 0; i < sk_GENERAL_NAME_num (sans); i++)
    {
      GENERAL_NAME *gn = sk_GENERAL_NAME_value (sans, i);
      if (gn->type == GEN_DIRNAME)
        lint_name (c, gn->d.directoryName, P_SAN ".directoryName", NULL);
    }
  GENERAL_NAMES_free (sans);
  ERR_clear_error ();
}

/* ---------------------------------------------------------------- other extensions */

static const char *const listed_extensions[] = {
  "2.5.29.32", "2.5.29.31", "1.3.6.1.5.5.7.1.1", "2.5.29.19", "2.5.29.15", "2.5.29.37", "2.5.29.35",
  "2.5.29.17", "2.5.29.14", "1.2.840.113549.1.9.15", "2.5.29.9", "1.3.6.1.5.5.7.1.3",
  "1.3.6.1.4.1.52266.1", "1.3.6.1.4.1.52266.2", "1.2.840.113583.1.1.9.1", "1.2.840.113583.1.1.9.2",
};

static void
lint_other_extensions (LintCtx *c)
{
  for (int i = 0; i < X509_get_ext_count (c->cert); i++)
    {
      X509_EXTENSION *ext = X509_get_ext (c->cert, i);
      g_autofree char *oid = _lint_oid_text (X509_EXTENSION_get_object (ext));
      gboolean critical = X509_EXTENSION_get_critical (ext) > 0;
      gboolean listed = FALSE;
      g_autofree char *path = g_strconcat (P_EXT ".", oid, NULL);

      for (guint j = 0; j < G_N_ELEMENTS (listed_extensions) && !listed; j++)
        listed = strcmp (oid, listed_extensions[j]) == 0;
      if (!strcmp (oid, "2.5.29.9"))
        {
          if (c->generation != SBR_LEGACY)
            _lint_add (c, INKAN_SEVERITY_ERROR, "cabf.smime.subject_directory_attributes_extension_prohibited", path,
                       _("subjectDirectoryAttributes is allowed only in the legacy generation (SBR 7.1.2.3 (j))."));
          if (critical)
            _lint_add (c, INKAN_SEVERITY_ERROR, "pkix.subject_directory_attributes_extension_critical", path,
                       _("subjectDirectoryAttributes is critical; it must not be."));
        }
      else if (!strcmp (oid, "1.3.6.1.5.5.7.1.3") && critical)
        _lint_add (c, INKAN_SEVERITY_ERROR, "cabf.smime.qc_statements_extension_critical", path,
                   _("qcStatements is critical; SBR 7.1.2.3 (k) says it shall not be."));
      else if (!strcmp (oid, "1.3.6.1.4.1.52266.1"))
        {
          if (c->type == SBR_MV || c->type == SBR_IV)
            _lint_add (c, INKAN_SEVERITY_ERROR, "cabf.smime.lei_extension_prohibited", path,
                       _("The LEI extension is not allowed in a %s certificate (SBR 7.1.2.3 (l))."), type_names[c->type]);
          if (critical)
            _lint_add (c, INKAN_SEVERITY_ERROR, "cabf.smime.lei_extension_critical", path,
                       _("The LEI extension is critical; SBR 7.1.2.3 (l) says it shall not be."));
        }
      else if (!strcmp (oid, "1.3.6.1.4.1.52266.2"))
        {
          if (c->type != SBR_SV)
            _lint_add (c, INKAN_SEVERITY_ERROR, "cabf.smime.lei_role_extension_prohibited", path,
                       _("The LEI role extension is allowed only in sponsor-validated certificates (SBR 7.1.2.3 (l))."));
          if (critical)
            _lint_add (c, INKAN_SEVERITY_ERROR, "cabf.smime.lei_role_extension_critical", path,
                       _("The LEI role extension is critical; SBR 7.1.2.3 (l) says it shall not be."));
        }
      else if (!strcmp (oid, "1.2.840.113583.1.1.9.1") || !strcmp (oid, "1.2.840.113583.1.1.9.2"))
        {
          gboolean ts = oid[strlen (oid) - 1] == '1';
          if (c->generation == SBR_STRICT)
            _lint_add (c, INKAN_SEVERITY_ERROR, ts ? "cabf.smime.adobe_timestamp_extension_prohibited" : "cabf.smime.adobe_archive_revinfo_extension_prohibited",
                       path, _("The Adobe %s extension is not allowed in the strict generation (SBR 7.1.2.3 (m))."),
                       ts ? "Time-stamp" : "ArchiveRevInfo");
          if (critical)
            _lint_add (c, INKAN_SEVERITY_ERROR, ts ? "cabf.smime.adobe_timestamp_extension_critical" : "cabf.smime.adobe_archive_revinfo_extension_critical",
                       path, _("The Adobe %s extension is critical; SBR 7.1.2.3 (m) says it shall not be."),
                       ts ? "Time-stamp" : "ArchiveRevInfo");
        }
      else if (!strcmp (oid, "1.2.840.113549.1.9.15") && critical)
        _lint_add (c, INKAN_SEVERITY_ERROR, "pkix.smime_capabilities_extension_critical", path,
                   _("smimeCapabilities is critical; RFC 4262 says it must not be."));
      else if (!strcmp (oid, "2.5.29.30"))
        _lint_add (c, INKAN_SEVERITY_ERROR, "pkix.name_constraints_in_ee_certificate", P_NC,
                   _("nameConstraints appears in a subscriber certificate; it belongs in CA certificates (RFC 5280 4.2.1.10)."));
      else if (!listed)
        {
          int nid = OBJ_obj2nid (X509_EXTENSION_get_object (ext));
          _lint_add (c, critical ? INKAN_SEVERITY_WARNING : INKAN_SEVERITY_NOTICE, "inkan.unlisted_extension", path,
                     _("The %sextension %s is not one SBR 7.1.2.3 lists; it should be there only for a reason (SBR 7.1.2.4)."),
                     critical ? _("critical ") : "", nid != NID_undef ? OBJ_nid2sn (nid) : oid);
        }
    }
}

/* ---------------------------------------------------------------- issuer key (SMC017) */

static void
lint_issuer_key_dates (LintCtx *c)
{
  int bits = c->issuer_key->bits;

  if (c->issuer && c->not_before >= SBR_ISSUER_RSA_3072
      && c->issuer_key->kind == KEY_RSA && bits > 0 && bits < 3072)
    _lint_add (c, INKAN_SEVERITY_WARNING, "inkan.issuer_rsa_key_below_3072", P_ISSUER,
               _("Issued on or after 2027-09-15 by a CA with a %d-bit RSA key; from that date the issuing CA's modulus must be at least 3072 bits (SBR v1.0.15)."),
               bits);
}

void
_lint_subscriber (LintCtx *c)
{
  g_autoptr (GPtrArray) dirname_mailboxes = g_ptr_array_new_with_free_func (g_free);

  c->san_mailboxes = g_ptr_array_new_with_free_func (g_free);
  lint_policies (c);
  lint_validity_period (c);
  _lint_crldp (c);
  _lint_aia (c);
  lint_basic_constraints (c);
  lint_key_usage (c);
  lint_ext_key_usage (c);
  lint_san (c, dirname_mailboxes);
  lint_name (c, X509_get_subject_name (c->cert), P_SUBJECT, dirname_mailboxes);
  lint_san_directory_names (c);
  lint_other_extensions (c);
  lint_issuer_key_dates (c);
}
