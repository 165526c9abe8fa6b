/* CA/Browser Forum S/MIME Baseline Requirements (SBR) profile checks.
 * For now: which certificate profile a certificate claims (SBR 7.1.6.4). */
#include "internal.h"
#include <openssl/x509v3.h>
#include <time.h>

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
      OBJ_obj2txt (oid, sizeof oid, sk_POLICYINFO_value (policies, i)->policyid, 1);
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
  gboolean is_ec = EVP_PKEY_get_base_id (X509_get0_pubkey (cert)) == EVP_PKEY_EC;
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
