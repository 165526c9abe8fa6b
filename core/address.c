/* Mailbox addresses: normalisation and the certificate address match.
 *
 * The rule (the product's promise, see docs/addresses.md):
 *   - the domain is compared case-insensitively after IDNA2008 mapping
 *     (libidn2): a U-label domain equals its A-label form (RFC 9598 §3);
 *   - the local part is compared exactly, except ASCII case (RFC 5321 §2.4
 *     leaves local-part case to the receiving host; CAs and clients fold
 *     ASCII case, nothing else);
 *   - certificate addresses are the subjectAltName rfc822Name (RFC 5280
 *     §4.2.1.6) and SmtpUTF8Mailbox otherName entries (RFC 9598 §3); only when
 *     a certificate has neither is the subject emailAddress used, and the
 *     caller is told so (legacy certificates; SBR 7.1.4.2.1 requires the SAN).
 */
#include "internal.h"
#include <idn2.h>
#include <openssl/x509v3.h>

/* id-on-SmtpUTF8Mailbox, RFC 9598 §3 */
#define OID_SMTP_UTF8_MAILBOX "1.3.6.1.5.5.7.8.9"

/* The lower-cased @domain when it is a plain ASCII host name whose
 * IDNA2008 lookup (RFC 5891 §5) can only fold its case: LDH labels of 1–63
 * octets, none an A-label candidate ("xn--") or with hyphens in the places
 * RFC 5891 §4.2.3.1 reserves, at most 253 octets in all.  %NULL for
 * anything else, which goes through libidn2.  Most mail is this; libidn2
 * costs a Unicode normalisation per address. */
static char *
ascii_host_name_folded (const char *domain)
{
  gsize label = 0, total = 0;
  const char *start = domain;

  for (const char *p = domain;; p++, total++)
    {
      if (*p == '.' || *p == '\0')
        {
          if (label == 0 || label > 63 || start[0] == '-' || p[-1] == '-'
              || (label >= 4 && start[2] == '-' && start[3] == '-'))
            return NULL;
          if (*p == '\0')
            break;
          label = 0;
          start = p + 1;
          continue;
        }
      if (!g_ascii_isalnum (*p) && *p != '-')
        return NULL;
      label++;
    }
  return total <= 253 ? g_ascii_strdown (domain, -1) : NULL;
}

/**
 * inkan_address_normalize:
 * @address: a bare mailbox address ("local@domain"), UTF-8
 * @error: return location for an #INKAN_ERROR_NO_FROM error when @address
 *   has no '@', an empty part, or a domain that is not valid IDNA2008
 *
 * Puts @address into the form used for comparison: local part with ASCII
 * letters lower-cased, domain as lower-case A-labels (RFC 5890).
 *
 * Returns: (transfer full): the normalised address, or %NULL on error.
 */
char *
inkan_address_normalize (const char *address, GError **error)
{
  const char *at;
  g_autofree char *local = NULL;
  g_autofree char *domain_ascii = NULL;
  char *mapped = NULL;
  int rc;

  if (address == NULL || !g_utf8_validate (address, -1, NULL)
      || (at = strrchr (address, '@')) == NULL || at == address || at[1] == '\0')
    {
      _inkan_set_error (error, INKAN_ERROR_NO_FROM,
                        _("“%s” is not a mailbox address."), address ? address : "");
      return NULL;
    }
  local = g_ascii_strdown (address, at - address);
  if ((domain_ascii = ascii_host_name_folded (at + 1)) != NULL)
    return g_strconcat (local, "@", domain_ascii, NULL);
  rc = idn2_to_ascii_8z (at + 1, &mapped, IDN2_NONTRANSITIONAL | IDN2_NFC_INPUT);
  if (rc != IDN2_OK)
    {
      /* Lenient fallback (UTS #46 transitional) before giving up. */
      rc = idn2_to_ascii_8z (at + 1, &mapped, IDN2_TRANSITIONAL | IDN2_NFC_INPUT);
      if (rc != IDN2_OK)
        {
          _inkan_set_error (error, INKAN_ERROR_NO_FROM,
                            _("The domain of “%s” is not a valid internationalised domain name (%s)."),
                            address, idn2_strerror (rc));
          return NULL;
        }
    }
  domain_ascii = g_ascii_strdown (mapped, -1);
  idn2_free (mapped);
  /* The transitional mapping deletes ZWJ/ZWNJ: "x@\u200D" would become
   * "x@", equal to every other such address. */
  if (*domain_ascii == '\0' || *domain_ascii == '.')
    {
      _inkan_set_error (error, INKAN_ERROR_NO_FROM, _("“%s” is not a mailbox address."), address);
      return NULL;
    }
  return g_strconcat (local, "@", domain_ascii, NULL);
}

/**
 * inkan_address_equal:
 * @a: a mailbox address
 * @b: another mailbox address
 *
 * Compares two addresses by the rule above.  Invalid addresses are equal to
 * nothing.
 *
 * Returns: %TRUE when @a and @b name the same mailbox.
 */
gboolean
inkan_address_equal (const char *a, const char *b)
{
  g_autofree char *na = inkan_address_normalize (a, NULL);
  g_autofree char *nb = inkan_address_normalize (b, NULL);

  return na != NULL && nb != NULL && strcmp (na, nb) == 0;
}

static char *
asn1_string_to_utf8 (const ASN1_STRING *s)
{
  unsigned char *out = NULL;
  int len = ASN1_STRING_to_UTF8 (&out, s);
  char *result;

  if (len < 0)
    return NULL;
  /* Reject embedded NULs: "alice@example.org\0.evil" must not match. */
  if ((int) strlen ((char *) out) != len || !g_utf8_validate ((char *) out, len, NULL))
    {
      OPENSSL_free (out);
      return NULL;
    }
  result = g_strndup ((char *) out, len);
  OPENSSL_free (out);
  return result;
}

/**
 * inkan_certificate_get_addresses:
 * @cert: a certificate
 * @from_subject: (out) (optional): set to %TRUE when the addresses come from
 *   the subject emailAddress because the SAN has none
 *
 * Lists the mailbox addresses a certificate is for: every subjectAltName
 * rfc822Name and SmtpUTF8Mailbox (RFC 9598), in certificate order; if there
 * is none, every subject emailAddress (PKCS#9).
 *
 * Returns: (transfer full) (element-type utf8): the addresses as written in
 *   the certificate; possibly empty.
 */
GPtrArray *
inkan_certificate_get_addresses (X509 *cert, gboolean *from_subject)
{
  GPtrArray *out = g_ptr_array_new_with_free_func (g_free);
  GENERAL_NAMES *sans = X509_get_ext_d2i (cert, NID_subject_alt_name, NULL, NULL);
  g_autoptr (ASN1_OBJECT) utf8_mailbox = OBJ_txt2obj (OID_SMTP_UTF8_MAILBOX, 1);

  for (int i = 0; sans && i < sk_GENERAL_NAME_num (sans); i++)
    {
      GENERAL_NAME *gn = sk_GENERAL_NAME_value (sans, i);
      char *addr = NULL;

      if (gn->type == GEN_EMAIL)
        addr = asn1_string_to_utf8 (gn->d.rfc822Name);
      else if (gn->type == GEN_OTHERNAME
               && OBJ_cmp (gn->d.otherName->type_id, utf8_mailbox) == 0
               && gn->d.otherName->value->type == V_ASN1_UTF8STRING)
        addr = asn1_string_to_utf8 (gn->d.otherName->value->value.utf8string);
      if (addr)
        g_ptr_array_add (out, addr);
    }
  GENERAL_NAMES_free (sans);

  if (from_subject)
    *from_subject = FALSE;
  if (out->len == 0)
    {
      X509_NAME *name = X509_get_subject_name (cert);
      int idx = -1;

      while ((idx = X509_NAME_get_index_by_NID (name, NID_pkcs9_emailAddress, idx)) >= 0)
        {
          char *addr = asn1_string_to_utf8 (X509_NAME_ENTRY_get_data (X509_NAME_get_entry (name, idx)));
          if (addr)
            g_ptr_array_add (out, addr);
        }
      if (from_subject && out->len > 0)
        *from_subject = TRUE;
    }
  return out;
}

/**
 * inkan_certificate_has_address:
 * @cert: a certificate
 * @address: a bare mailbox address
 *
 * Returns: %TRUE when @address equals (inkan_address_equal()) one of the
 *   addresses of inkan_certificate_get_addresses().
 */
gboolean
inkan_certificate_has_address (X509 *cert, const char *address)
{
  g_autoptr (GPtrArray) addrs = inkan_certificate_get_addresses (cert, NULL);

  for (guint i = 0; i < addrs->len; i++)
    if (inkan_address_equal (g_ptr_array_index (addrs, i), address))
      return TRUE;
  return FALSE;
}
