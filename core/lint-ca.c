/* SBR linter: the Root CA (§7.1.2.1) and Subordinate CA (§7.1.2.2)
 * certificate profiles, the CA subject (§7.1.4.3.1) and the Technically
 * Constrained Sub-CA name constraints (§7.1.5).  pkilint has no S/MIME CA
 * linter, so most codes here are inkan's ("inkan.smime_ca.",
 * "inkan.smime_root."); RFC 5280 rules keep pkilint's "pkix." codes.
 */
#include "lint-internal.h"

static void
lint_ca_policies (LintCtx *c)
{
  int crit = -1;
  CERTIFICATEPOLICIES *policies = _lint_ext_d2i (c, NID_certificate_policies, &crit);

  if (c->kind == LINT_ROOT_CA)
    {
      if (policies)
        _lint_add (c, INKAN_SEVERITY_WARNING, "inkan.smime_root.certificate_policies_present", P_CP,
                   _("A root CA certificate should not have certificatePolicies (SBR 7.1.2.1)."));
    }
  else if (policies == NULL && crit == -1)
    _lint_add (c, INKAN_SEVERITY_ERROR, "inkan.smime_ca.certificate_policies_extension_missing", P_CP,
               _("The certificatePolicies extension is missing; a subordinate CA needs the reserved SBR policy OIDs it issues under (SBR 7.1.2.2 (a))."));
  else if (policies)
    {
      if (c->reserved_count == 0 && !c->any_policy)
        _lint_add (c, INKAN_SEVERITY_ERROR, "inkan.smime_ca.no_reserved_policy_oid", P_CP,
                   _("certificatePolicies has no reserved SBR policy OID (2.23.140.1.5.x.y) and no anyPolicy (SBR 7.1.6.3)."));
      if (c->any_policy)
        _lint_add (c, INKAN_SEVERITY_NOTICE, "inkan.smime_ca.anypolicy_present", P_CP,
                   _("certificatePolicies has anyPolicy, which only a CA affiliated with its issuer may have (SBR 7.1.6.3)."));
    }
  if (policies && crit > 0)
    _lint_add (c, INKAN_SEVERITY_WARNING, "cabf.critical_certificate_policies_extension", P_CP,
               _("The certificatePolicies extension is critical; SBR 7.1.2.2 (a) says it should not be."));
  _lint_policy_qualifiers (c, policies);
  CERTIFICATEPOLICIES_free (policies);
}

static void
lint_ca_basic_constraints (LintCtx *c)
{
  int crit = -1;
  BASIC_CONSTRAINTS *bc = _lint_ext_d2i (c, NID_basic_constraints, &crit);

  if (bc == NULL)
    return;
  if (crit <= 0)
    _lint_add (c, INKAN_SEVERITY_ERROR, "pkix.basic_constraints.extension_not_critical", P_BC,
               _("basicConstraints of a CA certificate is not critical; it must be (RFC 5280 4.2.1.9, SBR 7.1.2.1, 7.1.2.2)."));
  if (c->kind == LINT_ROOT_CA && bc->pathlen)
    _lint_add (c, INKAN_SEVERITY_WARNING, "inkan.smime_root.pathlen_present", P_BC ".pathLenConstraint",
               _("A root CA certificate should not have a pathLenConstraint (SBR 7.1.2.1)."));
  BASIC_CONSTRAINTS_free (bc);
}

static void
lint_ca_key_usage (LintCtx *c)
{
  int crit = -1;
  ASN1_BIT_STRING *ku = _lint_ext_d2i (c, NID_key_usage, &crit);
  GString *extra;

  if (ku == NULL)
    {
      if (crit == -1)
        _lint_add (c, INKAN_SEVERITY_ERROR, "pkix.ca_certificate_no_ku_extension", P_KU,
                 _("The CA certificate has no keyUsage; it needs keyCertSign and cRLSign (SBR 7.1.2.1 (e), 7.1.2.2 (e))."));
      return;
    }
  if (crit <= 0)
    _lint_add (c, INKAN_SEVERITY_ERROR, "inkan.smime_ca.ku_extension_not_critical", P_KU,
               _("keyUsage of a CA certificate is not critical; the SBR require it to be."));
  /* keyCertSign is there: without it the certificate is checked as a
   * subscriber certificate (cabf.smime.is_ca_certificate). */
  if (!ASN1_BIT_STRING_get_bit (ku, 6))
    _lint_add (c, INKAN_SEVERITY_ERROR, "inkan.smime_ca.crlsign_missing", P_KU,
               _("keyUsage of the CA certificate lacks cRLSign (SBR 7.1.2.2 (e))."));
  extra = g_string_new (NULL);
  {
    static const char *const names[] = { NULL, "nonRepudiation", "keyEncipherment", "dataEncipherment", "keyAgreement",
                                         NULL, NULL, "encipherOnly", "decipherOnly" };
    for (int i = 1; i < 9; i++)
      if (names[i] && ASN1_BIT_STRING_get_bit (ku, i))
        g_string_append_printf (extra, "%s%s", extra->len ? ", " : "", names[i]);
  }
  if (extra->len)
    _lint_add (c, INKAN_SEVERITY_ERROR, "inkan.smime_ca.prohibited_ku_present", P_KU,
               _("keyUsage of the CA certificate has %s; only keyCertSign, cRLSign and digitalSignature are allowed (SBR 7.1.2.2 (e))."),
               extra->str);
  g_string_free (extra, TRUE);
  ASN1_BIT_STRING_free (ku);
}

static void
lint_ca_eku (LintCtx *c)
{
  int crit = -1;
  EXTENDED_KEY_USAGE *eku = _lint_ext_d2i (c, NID_ext_key_usage, &crit);
  gboolean email = FALSE;
  GString *bad, *late;

  if (c->kind == LINT_ROOT_CA)
    {
      if (eku)
        _lint_add (c, INKAN_SEVERITY_ERROR, "inkan.smime_root.extended_key_usage_present", P_EKU,
                   _("A root CA certificate must not have extKeyUsage (SBR 7.1.2.1 (f))."));
      sk_ASN1_OBJECT_pop_free (eku, ASN1_OBJECT_free);
      return;
    }
  if (eku == NULL)
    {
      if (crit == -1)
        _lint_add (c, INKAN_SEVERITY_ERROR, "inkan.smime_ca.extended_key_usage_extension_missing", P_EKU,
                 _("The subordinate CA certificate has no extKeyUsage; only a cross-certificate of a compliant root may omit it (SBR 7.1.2.2 (g))."));
      return;
    }
  if (crit > 0)
    _lint_add (c, INKAN_SEVERITY_WARNING, "inkan.smime_ca.eku_extension_critical", P_EKU,
               _("extKeyUsage of the CA certificate is critical; SBR 7.1.2.2 (g) says it should not be."));
  bad = g_string_new (NULL);
  late = g_string_new (NULL);
  for (int i = 0; i < sk_ASN1_OBJECT_num (eku); i++)
    {
      int nid = OBJ_obj2nid (sk_ASN1_OBJECT_value (eku, i));
      g_autofree char *oid = _lint_oid_text (sk_ASN1_OBJECT_value (eku, i));
      const char *name = nid != NID_undef ? OBJ_nid2sn (nid) : oid;

      if (nid == NID_email_protect)
        email = TRUE;
      else if (nid == NID_server_auth || nid == NID_code_sign || nid == NID_time_stamp || nid == NID_anyExtendedKeyUsage)
        g_string_append_printf (bad, "%s%s", bad->len ? ", " : "", name);
      else if (nid != NID_client_auth && c->not_before >= SBR_EKU_RESTRICTION)
        g_string_append_printf (late, "%s%s", late->len ? ", " : "", name);
    }
  if (!email)
    _lint_add (c, INKAN_SEVERITY_ERROR, "inkan.smime_ca.emailprotection_eku_missing", P_EKU,
               _("extKeyUsage of the CA certificate lacks id-kp-emailProtection, so it cannot issue S/MIME certificates (SBR 7.1.2.2 (g))."));
  if (bad->len)
    _lint_add (c, INKAN_SEVERITY_ERROR, "inkan.smime_ca.prohibited_eku_present", P_EKU,
               _("extKeyUsage of the CA certificate has %s, which SBR 7.1.2.2 (g) prohibits."), bad->str);
  if (late->len)
    _lint_add (c, INKAN_SEVERITY_ERROR, "inkan.smime_ca.prohibited_eku_present", P_EKU,
               _("extKeyUsage has %s; CA certificates issued from 2027-07-01 may carry only emailProtection and clientAuth (SBR v1.0.16)."),
               late->str);
  g_string_free (bad, TRUE);
  g_string_free (late, TRUE);
  sk_ASN1_OBJECT_pop_free (eku, ASN1_OBJECT_free);
}

static void
lint_name_constraints (LintCtx *c)
{
  int crit = -1;
  NAME_CONSTRAINTS *nc = _lint_ext_d2i (c, NID_name_constraints, &crit);

  if (nc == NULL)
    return;
  if (crit <= 0)
    _lint_add (c, INKAN_SEVERITY_WARNING, "pkix.certificate_name_constraints_extension_not_critical", P_NC,
               _("nameConstraints is not critical; SBR 7.1.2.2 says it should be (tolerated for compatibility)."));
  if (nc->permittedSubtrees == NULL && nc->excludedSubtrees == NULL)
    _lint_add (c, INKAN_SEVERITY_ERROR, "pkix.name_constraints_no_subtrees", P_NC,
               _("nameConstraints has neither permitted nor excluded subtrees (RFC 5280 4.2.1.10)."));
  for (int i = 0; nc->permittedSubtrees && i < sk_GENERAL_SUBTREE_num (nc->permittedSubtrees); i++)
    {
      GENERAL_SUBTREE *st = sk_GENERAL_SUBTREE_value (nc->permittedSubtrees, i);
      if (st->maximum)
        _lint_add (c, INKAN_SEVERITY_ERROR, "pkix.name_constraints_maximum_specified", P_NC,
                   _("A name constraint has a maximum, which RFC 5280 4.2.1.10 does not allow."));
      if (st->base->type == GEN_EMAIL
          && memchr (ASN1_STRING_get0_data (st->base->d.rfc822Name), '@', (size_t) ASN1_STRING_length (st->base->d.rfc822Name)))
        _lint_add (c, INKAN_SEVERITY_ERROR, "inkan.smime_ca.name_constraint_rfc822_mailbox", P_NC,
                   _("A permitted rfc822Name subtree is a whole mailbox; it must be a domain or .domain (SBR 7.1.5)."));
    }
  NAME_CONSTRAINTS_free (nc);
}

static void
lint_ca_subject (LintCtx *c)
{
  X509_NAME *subject = X509_get_subject_name (c->cert);
  static const int required[] = { NID_commonName, NID_organizationName, NID_countryName };

  for (guint i = 0; i < G_N_ELEMENTS (required); i++)
    if (X509_NAME_get_index_by_NID (subject, required[i], -1) < 0)
      _lint_add (c, INKAN_SEVERITY_ERROR, "inkan.smime_ca.missing_required_attribute", P_SUBJECT,
                 _("The CA subject lacks %s; commonName, organizationName and countryName are required (SBR 7.1.4.3.1)."),
                 _lint_attribute_name (OBJ_nid2obj (required[i])));
  for (int i = 0; i < X509_NAME_entry_count (subject); i++)
    {
      X509_NAME_ENTRY *e = X509_NAME_get_entry (subject, i);
      const char *name = _lint_attribute_name (X509_NAME_ENTRY_get_object (e));
      int nid = OBJ_obj2nid (X509_NAME_ENTRY_get_object (e));
      g_autofree char *value = _lint_asn1_string_utf8 (X509_NAME_ENTRY_get_data (e));
      g_autofree char *path = g_strconcat (P_SUBJECT ".", name, NULL);

      if (value == NULL)
        continue;
      _lint_attribute_value (c, name, value, nid);
      if (nid == NID_countryName)
        _lint_country_code (c, value, path);
    }
}

static void
lint_ca_key_size (LintCtx *c)
{
  int bits = c->key.bits;

  if (c->not_before >= SBR_CA_RSA_4096 && c->key.kind == KEY_RSA && bits > 0 && bits < 4096)
    _lint_add (c, INKAN_SEVERITY_WARNING, "inkan.smime_ca.rsa_key_below_4096", P_SPKI,
               _("A CA certificate issued on or after 2026-09-15 has a %d-bit RSA key; new CA keys must be at least 4096 bits (SBR v1.0.15)."),
               bits);
}

void
_lint_ca (LintCtx *c)
{
  lint_ca_policies (c);
  if (c->kind == LINT_SUBORDINATE_CA)
    {
      _lint_crldp (c);
      _lint_aia (c);
    }
  lint_ca_basic_constraints (c);
  lint_ca_key_usage (c);
  lint_ca_eku (c);
  lint_name_constraints (c);
  lint_ca_subject (c);
  lint_ca_key_size (c);
}
