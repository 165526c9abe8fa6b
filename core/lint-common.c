/* SBR linter: the rules every certificate shares, subscriber or CA.
 *
 * RFC 5280 structure (version, unique identifiers, extensions once, time
 * encodings), the serial number (SBR §7.1), keys (§6.1.5, §6.1.6) and the
 * exact AlgorithmIdentifier encodings (§7.1.3.1, §7.1.3.2), the issuer
 * (§7.1.4.1), AKI/SKI, cRLDistributionPoints and authorityInfoAccess
 * (§7.1.2.2, §7.1.2.3 (b), (c), (g)), policy qualifiers, and attribute
 * values (§7.1.4.2.2).
 */
#include "lint-internal.h"
#include <openssl/core_names.h>
#include <openssl/evp.h>
#include <openssl/rsa.h>
#include <openssl/sha.h>

/* ---------------------------------------------------------------- encodings */

typedef enum { ALG_RSA_PKCS1, ALG_RSA_PSS, ALG_ECDSA, ALG_ED25519, ALG_ED448, ALG_MLDSA } AlgFamily;

/* SBR 7.1.3.2: the only signature AlgorithmIdentifier encodings allowed. */
static const struct {
  const char *hex;
  AlgFamily family;
  int hash_bits;      /* 256/384/512; ECDSA: must match the issuer curve */
  const char *name;
} sig_encodings[] = {
  { "300d06092a864886f70d01010b0500", ALG_RSA_PKCS1, 256, "sha256WithRSAEncryption" },
  { "300d06092a864886f70d01010c0500", ALG_RSA_PKCS1, 384, "sha384WithRSAEncryption" },
  { "300d06092a864886f70d01010d0500", ALG_RSA_PKCS1, 512, "sha512WithRSAEncryption" },
  { "304106092a864886f70d01010a3034a00f300d06096086480165030402010500a11c301a06092a864886f70d010108"
    "300d06096086480165030402010500a203020120", ALG_RSA_PSS, 256, "RSASSA-PSS (SHA-256, MGF1-SHA-256, salt 32)" },
  { "304106092a864886f70d01010a3034a00f300d06096086480165030402020500a11c301a06092a864886f70d010108"
    "300d06096086480165030402020500a203020130", ALG_RSA_PSS, 384, "RSASSA-PSS (SHA-384, MGF1-SHA-384, salt 48)" },
  { "304106092a864886f70d01010a3034a00f300d06096086480165030402030500a11c301a06092a864886f70d010108"
    "300d06096086480165030402030500a203020140", ALG_RSA_PSS, 512, "RSASSA-PSS (SHA-512, MGF1-SHA-512, salt 64)" },
  { "300a06082a8648ce3d040302", ALG_ECDSA, 256, "ecdsa-with-SHA256" },
  { "300a06082a8648ce3d040303", ALG_ECDSA, 384, "ecdsa-with-SHA384" },
  { "300a06082a8648ce3d040304", ALG_ECDSA, 512, "ecdsa-with-SHA512" },
  { "300506032b6570", ALG_ED25519, 0, "Ed25519" },
  { "300506032b6571", ALG_ED448, 0, "Ed448" },
  { "300b0609608648016503040311", ALG_MLDSA, 0, "ML-DSA-44" },
  { "300b0609608648016503040312", ALG_MLDSA, 0, "ML-DSA-65" },
  { "300b0609608648016503040313", ALG_MLDSA, 0, "ML-DSA-87" },
};

/* SBR 7.1.3.1: the only SubjectPublicKeyInfo algorithm encodings allowed. */
static const char *const spki_encodings[] = {
  "300d06092a864886f70d0101010500",                 /* rsaEncryption, NULL */
  "301306072a8648ce3d020106082a8648ce3d030107",     /* id-ecPublicKey, P-256 */
  "301006072a8648ce3d020106052b81040022",           /* id-ecPublicKey, P-384 */
  "301006072a8648ce3d020106052b81040023",           /* id-ecPublicKey, P-521 */
  "300506032b6570", "300506032b6571",               /* Ed25519, Ed448 */
  "300b0609608648016503040311", "300b0609608648016503040312", "300b0609608648016503040313", /* ML-DSA */
  "300b0609608648016503040401", "300b0609608648016503040402", "300b0609608648016503040403", /* ML-KEM */
};

static char *
algor_hex (const X509_ALGOR *alg)
{
  unsigned char *der = NULL;
  int len = alg ? i2d_X509_ALGOR (alg, &der) : -1;
  char *hex;

  if (len <= 0)
    return g_strdup ("");
  hex = g_malloc ((gsize) len * 2 + 1);
  for (int i = 0; i < len; i++)
    {
      hex[2 * i] = "0123456789abcdef"[der[i] >> 4];
      hex[2 * i + 1] = "0123456789abcdef"[der[i] & 15];
    }
  hex[2 * len] = '\0';
  OPENSSL_free (der);
  return hex;
}

/* ---------------------------------------------------------------- structure */

static const char *
extension_name (const ASN1_OBJECT *obj)
{
  int nid = OBJ_obj2nid (obj);
  return nid != NID_undef ? OBJ_nid2sn (nid) : NULL;
}

void
_lint_structure (LintCtx *c)
{
  const ASN1_BIT_STRING *issuer_uid = NULL, *subject_uid = NULL;
  int n = X509_get_ext_count (c->cert);

  if (X509_get_version (c->cert) != X509_VERSION_3)
    _lint_add (c, INKAN_SEVERITY_ERROR, "pkix.certificate_version_is_not_v3", P_VERSION,
               _("The certificate is version %ld; certificates with extensions must be version 3 (RFC 5280 4.1.2.1)."),
               X509_get_version (c->cert) + 1);
  X509_get0_uids (c->cert, &issuer_uid, &subject_uid);
  if (issuer_uid)
    _lint_add (c, INKAN_SEVERITY_ERROR, "pkix.issuer_unique_id_present", P_TBS ".issuerUniqueID",
               _("The certificate has an issuerUniqueID, which conforming CAs must not generate (RFC 5280 4.1.2.8)."));
  if (subject_uid)
    _lint_add (c, INKAN_SEVERITY_ERROR, "pkix.subject_unique_id_present", P_TBS ".subjectUniqueID",
               _("The certificate has a subjectUniqueID, which conforming CAs must not generate (RFC 5280 4.1.2.8)."));
  if (n <= 0)
    {
      _lint_add (c, INKAN_SEVERITY_ERROR, "cabf.certificate_extensions_missing", P_EXT,
                 _("The certificate has no extensions; the SBR profiles require several."));
      return;
    }
  for (int i = 0; i < n; i++)
    for (int j = i + 1; j < n; j++)
      if (OBJ_cmp (X509_EXTENSION_get_object (X509_get_ext (c->cert, i)),
                   X509_EXTENSION_get_object (X509_get_ext (c->cert, j))) == 0)
        {
          const ASN1_OBJECT *obj = X509_EXTENSION_get_object (X509_get_ext (c->cert, i));
          g_autofree char *oid = _lint_oid_text (obj);
          const char *name = extension_name (obj);
          _lint_add (c, INKAN_SEVERITY_ERROR, "pkix.unique_extension", P_EXT,
                     _("The extension %s appears more than once (RFC 5280 4.2)."), name ? name : oid);
        }
}

/* ---------------------------------------------------------------- serial */

void
_lint_serial (LintCtx *c)
{
  const ASN1_INTEGER *serial = X509_get0_serialNumber (c->cert);
  BIGNUM *bn = ASN1_INTEGER_to_BN (serial, NULL);
  int bits = bn ? BN_num_bits (bn) : 0;
  /* DER content octets: the magnitude plus a 0x00 when the top bit is set. */
  int octets = bits / 8 + 1;

  if (bn == NULL)
    return;
  if (BN_is_negative (bn) || BN_is_zero (bn))
    _lint_add (c, INKAN_SEVERITY_ERROR, "pkix.certificate_serial_number_out_of_range", P_SERIAL,
               _("The serial number is %s; it must be a positive integer (RFC 5280 4.1.2.2, SBR 7.1)."),
               BN_is_zero (bn) ? _("zero") : _("negative"));
  else if (octets > 20)
    _lint_add (c, INKAN_SEVERITY_ERROR, "pkix.certificate_serial_number_out_of_range", P_SERIAL,
               _("The serial number is %d octets long; it must be at most 20 octets (less than 2^159, RFC 5280 4.1.2.2, SBR 7.1)."),
               octets);
  else if (bits < 64)
    _lint_add (c, INKAN_SEVERITY_WARNING, "inkan.serial_number_low_entropy", P_SERIAL,
               _("The serial number has only %d bits, so it cannot hold the 64 bits of CSPRNG output SBR 7.1 requires."),
               bits);
  BN_free (bn);
}

/* ---------------------------------------------------------------- times */

static void
check_time_encoding (LintCtx *c, const ASN1_TIME *t, const char *path)
{
  int len = ASN1_STRING_length (t);
  const unsigned char *d = ASN1_STRING_get0_data (t);
  gint64 when = _inkan_asn1_time_to_unix (t);
  g_autoptr (GDateTime) dt = g_date_time_new_from_unix_utc (when);
  int year = dt ? g_date_time_get_year (dt) : 0;

  if (ASN1_STRING_type (t) == V_ASN1_UTCTIME)
    {
      if (len != 13 || d[12] != 'Z')
        _lint_add (c, INKAN_SEVERITY_ERROR, "pkix.utctime_incorect_syntax", path,
                   _("The UTCTime is not in the form YYMMDDHHMMSSZ (RFC 5280 4.1.2.5.1)."));
    }
  else
    {
      if (len != 15 || d[14] != 'Z')
        _lint_add (c, INKAN_SEVERITY_ERROR, "pkix.generalizedtime_incorect_syntax", path,
                   _("The GeneralizedTime is not in the form YYYYMMDDHHMMSSZ (RFC 5280 4.1.2.5.2)."));
      if (year > 0 && year < 2050)
        _lint_add (c, INKAN_SEVERITY_ERROR, "pkix.wrong_time_useful_type", path,
                   _("A date in %d is encoded as GeneralizedTime; dates through 2049 must be UTCTime (RFC 5280 4.1.2.5)."), year);
    }
}

void
_lint_validity_times (LintCtx *c)
{
  check_time_encoding (c, X509_get0_notBefore (c->cert), P_VALIDITY ".notBefore");
  check_time_encoding (c, X509_get0_notAfter (c->cert), P_VALIDITY ".notAfter");
  if (c->not_after < c->not_before)
    _lint_add (c, INKAN_SEVERITY_ERROR, "pkix.certificate_negative_validity_period", P_VALIDITY,
               _("notAfter is before notBefore, so the certificate is never valid (RFC 5280 4.1.2.5)."));
  else if (c->at > c->not_after)
    {
      g_autoptr (GDateTime) dt = g_date_time_new_from_unix_utc (c->not_after);
      g_autofree char *d = dt ? g_date_time_format (dt, "%Y-%m-%d") : g_strdup ("?");
      _lint_add (c, INKAN_SEVERITY_NOTICE, "inkan.certificate_expired", P_VALIDITY ".notAfter",
                 _("The certificate expired on %s (at the time checked)."), d);
    }
  else if (c->at < c->not_before)
    {
      g_autoptr (GDateTime) dt = g_date_time_new_from_unix_utc (c->not_before);
      g_autofree char *d = dt ? g_date_time_format (dt, "%Y-%m-%d") : g_strdup ("?");
      _lint_add (c, INKAN_SEVERITY_NOTICE, "inkan.certificate_not_yet_valid", P_VALIDITY ".notBefore",
                 _("The certificate is not valid until %s (at the time checked)."), d);
    }
}

/* ---------------------------------------------------------------- keys */

/* The kind of @cert's public key by its SPKI algorithm OID; *bits and
 * *curve ("P-256", ...) when known. */
int
_lint_public_key_kind (X509 *cert, int *bits, const char **curve)
{
  LintKey key;
  int kind;

  _lint_key_read (cert, &key);
  kind = key.kind;
  *bits = key.bits;
  *curve = key.curve;
  _lint_key_clear (&key);
  return kind;
}

/* The primes below 752 (SBR 6.1.6, NIST SP 800-89 §5.3.3), multiplied
 * into groups whose product fits in 32 bits: one BN_mod_word() per group
 * instead of one per prime, on the modulus reduced first modulo the
 * product of them all (a 1000-bit number instead of a 2048-bit one). */
typedef struct {
  guint32 product;
  unsigned short first, count;
} PrimeGroup;

static unsigned short primes_below_752[140];
static BIGNUM *all_primes_product;

static const PrimeGroup *
prime_groups (guint *count)
{
  static PrimeGroup groups[140];
  static guint n_groups;
  static gsize done;

  if (g_once_init_enter (&done))
    {
      guint n = 0;
      BIGNUM *product = BN_new ();
      for (unsigned p = 2; p < 752; p++)
        {
          gboolean prime = TRUE;
          for (unsigned d = 2; d * d <= p && prime; d++)
            prime = p % d != 0;
          if (prime)
            primes_below_752[n++] = (unsigned short) p;
        }
      for (guint i = 0; i < n;)
        {
          guint64 group_product = 1;
          PrimeGroup *g = &groups[n_groups++];
          g->first = (unsigned short) i;
          while (i < n && group_product * primes_below_752[i] <= G_MAXUINT32)
            group_product *= primes_below_752[i++], g->count++;
          g->product = (guint32) group_product;
        }
      if (product && BN_one (product))
        for (guint i = 0; i < n_groups && product; i++)
          if (!BN_mul_word (product, groups[i].product))
            {
              BN_free (product);
              product = NULL;
            }
      all_primes_product = product;
      g_once_init_leave (&done, 1);
    }
  *count = n_groups;
  return groups;
}

/* @n modulo each group product, without a division per word: with
 * c[j] = 2^(32 j) mod m, n = sum w[j] 2^(32 j) is congruent to
 * sum w[j] c[j] (mod m), which fits in 128 bits for n up to 2^4096.  FALSE
 * when @n is longer. */
#define WORDS_MAX 128
static guint32 (*word_powers)[WORDS_MAX];   /* [group][j] */

static gboolean
group_residues (const BIGNUM *n, const PrimeGroup *groups, guint count, guint64 *out)
{
#ifdef __SIZEOF_INT128__
  static gsize done;
  unsigned char bytes[WORDS_MAX * 4];
  guint32 words[WORDS_MAX];
  int len = BN_num_bytes (n), n_words = (len + 3) / 4;

  if (g_once_init_enter (&done))
    {
      word_powers = g_malloc (count * sizeof *word_powers);
      for (guint g = 0; g < count; g++)
        {
          guint64 c = 1 % groups[g].product;
          for (guint j = 0; j < WORDS_MAX; j++, c = (c << 32) % groups[g].product)
            word_powers[g][j] = (guint32) c;
        }
      g_once_init_leave (&done, 1);
    }
  if (n_words > WORDS_MAX || BN_bn2lebinpad (n, bytes, n_words * 4) < 0)
    return FALSE;
  for (int j = 0; j < n_words; j++)
    words[j] = (guint32) bytes[4 * j] | (guint32) bytes[4 * j + 1] << 8 | (guint32) bytes[4 * j + 2] << 16
               | (guint32) bytes[4 * j + 3] << 24;
  for (guint g = 0; g < count; g++)
    {
      unsigned __int128 sum = 0;
      for (int j = 0; j < n_words; j++)
        sum += (guint64) words[j] * word_powers[g][j];
      out[g] = (guint64) (sum % groups[g].product);
    }
  return TRUE;
#else
  (void) n;
  (void) groups;
  (void) count;
  (void) out;
  return FALSE;
#endif
}

/* The least prime below 752 that divides @n, or 0; residues[i] is @n
 * modulo the i-th prime below 752. */
static guint
small_prime_factor (const BIGNUM *n, guint32 residues[140], BN_CTX *ctx)
{
  guint count, found = 0;
  const PrimeGroup *groups = prime_groups (&count);
  guint64 group_rem[140];
  gboolean fast = group_residues (n, groups, count, group_rem);
  BIGNUM *reduced = fast ? NULL : BN_new ();
  const BIGNUM *r = n;

  /* n mod p = (n mod P) mod p when p divides P. */
  if (!fast && ctx && reduced && all_primes_product && BN_mod (reduced, n, all_primes_product, ctx))
    r = reduced;
  for (guint i = 0; i < count; i++)
    {
      guint64 rem = fast ? group_rem[i] : BN_mod_word (r, groups[i].product);
      for (guint j = 0; j < groups[i].count; j++)
        {
          guint p = primes_below_752[groups[i].first + j];
          residues[groups[i].first + j] = (guint32) (rem % p);
          if (!found && rem % p == 0)
            found = p;
        }
    }
  BN_free (reduced);
  return found;
}

static guint32
pow_mod (guint64 base, guint64 exp, guint32 mod)
{
  guint64 result = 1;

  base %= mod;
  for (; exp; exp >>= 1, base = base * base % mod)
    if (exp & 1)
      result = result * base % mod;
  return (guint32) result;
}

/* @n is exactly @root to the @k. */
static gboolean
is_power_of (const BIGNUM *n, const BIGNUM *root, guint k, BN_CTX *ctx)
{
  BIGNUM *kb = BN_new (), *power = BN_new ();
  gboolean yes = kb && power && BN_set_word (kb, k) && BN_exp (power, root, kb, ctx) && BN_cmp (power, n) == 0;

  BN_free (kb);
  BN_free (power);
  return yes;
}

/* The integer k-th root of @n (Newton's method from above), or NULL. */
static BIGNUM *
kth_root (const BIGNUM *n, guint k, BN_CTX *ctx)
{
  BIGNUM *x = BN_new (), *y = BN_new (), *t = BN_new (), *km1 = BN_new ();
  gboolean ok = x && y && t && km1 && BN_set_word (km1, k - 1)
                && BN_lshift (x, BN_value_one (), (BN_num_bits (n) + (int) k - 1) / (int) k);

  while (ok)
    {
      /* y = ((k - 1) x + n / x^(k-1)) / k */
      ok = BN_exp (t, x, km1, ctx) && !BN_is_zero (t) && BN_div (t, NULL, n, t, ctx) && BN_copy (y, x)
           && BN_mul_word (y, k - 1) && BN_add (y, y, t) && BN_div_word (y, k) != (BN_ULONG) -1;
      if (!ok || BN_cmp (y, x) >= 0)
        break;
      BN_copy (x, y);
    }
  BN_free (y);
  BN_free (t);
  BN_free (km1);
  if (!ok)
    {
      BN_free (x);
      return NULL;
    }
  return x;
}

/* For the primes k below 1000 that no prime below 752 is 1 modulo (109,
 * 137, 149, ...): the least prime p = 1 (mod k). */
static guint32 extra_screen[1000];
static guint16 extra_row[1000];
static guint32 (*extra_powers)[128];   /* [extra_row[k]][j] = 2^(32 j) mod extra_screen[k] */
/* For each prime k below 1000: the indices (into primes_below_752) of the
 * primes p = 1 (mod k), from screen_start[k], screen_count[k] of them. */
static guint16 screen_start[1000], screen_count[1000];
static guint8 *screen_index;

static gboolean
is_small_prime (guint32 v)
{
  if (v < 2)
    return FALSE;
  for (guint32 d = 2; d * d <= v; d++)
    if (v % d == 0)
      return FALSE;
  return TRUE;
}

static void
init_extra_screens (void)
{
  static gsize done;

  if (g_once_init_enter (&done))
    {
      GArray *index = g_array_new (FALSE, FALSE, sizeof (guint8));
      guint count;

      prime_groups (&count);
      for (guint k = 2; k < G_N_ELEMENTS (screen_start); k++)
        {
          screen_start[k] = (guint16) index->len;
          if (is_small_prime (k))
            for (guint8 i = 1; i < 140; i++)
              if (primes_below_752[i] % k == 1)
                g_array_append_val (index, i);
          screen_count[k] = (guint16) (index->len - screen_start[k]);
        }
      screen_index = (guint8 *) g_array_free (index, FALSE);
      for (guint32 k = 3; k < G_N_ELEMENTS (extra_screen); k += 2)
        {
          guint32 p;

          /* Is a prime below 752 1 modulo k? */
          for (p = k + 1; p < 752; p += k)
            if (is_small_prime (p))
              break;
          if (!is_small_prime (k) || p < 752)
            continue;
          for (p = 2 * k + 1; !is_small_prime (p); p += 2 * k)
            ;
          extra_screen[k] = p;
        }
      {
        guint rows = 0;
        for (guint k = 0; k < G_N_ELEMENTS (extra_screen); k++)
          if (extra_screen[k])
            extra_row[k] = (guint16) rows++;
        extra_powers = g_malloc ((rows ? rows : 1) * sizeof *extra_powers);
        for (guint k = 0; k < G_N_ELEMENTS (extra_screen); k++)
          if (extra_screen[k])
            {
              guint64 c = 1;
              for (guint j = 0; j < 128; j++, c = (c << 32) % extra_screen[k])
                extra_powers[extra_row[k]][j] = (guint32) c;
            }
      }
      g_once_init_leave (&done, 1);
    }
}

/* @n mod extra_screen[@k], as group_residues() computes residues when it
 * can; @words: @n in 32-bit words, least significant first. */
static guint64
extra_residue (const BIGNUM *n, const guint32 *words, int n_words, guint k)
{
#ifdef __SIZEOF_INT128__
  if (words)
    {
      unsigned __int128 sum = 0;
      for (int j = 0; j < n_words; j++)
        sum += (guint64) words[j] * extra_powers[extra_row[k]][j];
      return (guint64) (sum % extra_screen[k]);
    }
#endif
  return BN_mod_word (n, extra_screen[k]);
}

/* Whether @n is a @k-th power residue modulo the next PERFECT_POWER_SCREENS
 * primes p = 1 (mod @k) above @after (and above 752). */
#define PERFECT_POWER_SCREENS 4
static gboolean
survives_more_screens (const BIGNUM *n, guint k, guint32 after)
{
  guint found = 0;
  guint64 p = ((MAX (after, 752) / (2 * (guint64) k)) + 1) * 2 * k + 1;

  for (; found < PERFECT_POWER_SCREENS && p < G_MAXUINT32; p += 2 * (guint64) k)
    {
      BN_ULONG x;

      if (!is_small_prime ((guint32) p))
        continue;
      found++;
      x = BN_mod_word (n, (BN_ULONG) p);
      if (x != (BN_ULONG) -1 && x != 0 && pow_mod (x, (p - 1) / k, (guint32) p) != 1)
        return FALSE;
    }
  return TRUE;
}

/* The least prime k such that @n (odd, with no prime factor below 752,
 * residues[] as small_prime_factor() gives them) is a perfect k-th power,
 * or 0.  A k-th power is a k-th power residue modulo every prime p with
 * p = 1 (mod k): x^((p-1)/k) = 1 (mod p); nearly every other number fails
 * that for one such p, so the exact root is computed only for the
 * survivors.  The root is at least 757 (its prime factors are those of
 * n), so k <= log2(n) / log2(757). */
static guint
perfect_power (const BIGNUM *n, const guint32 residues[140], BN_CTX *ctx)
{
  guint k_max = MIN ((guint) (BN_num_bits (n) / 9.56), G_N_ELEMENTS (extra_screen) - 1);
  guint found = 0;
  unsigned char bytes[128 * 4];
  guint32 words_buf[128], *words = NULL;
  int n_words = (BN_num_bytes (n) + 3) / 4;

  init_extra_screens ();
  for (guint k = 2; k <= k_max && !found && ctx; k++)
    {
      gboolean candidate = TRUE;
      BIGNUM *root;

      if (!is_small_prime (k))
        continue;
      for (guint j = 0; j < screen_count[k] && candidate; j++)
        {
          guint i = screen_index[screen_start[k] + j];
          guint p = primes_below_752[i];
          candidate = pow_mod (residues[i], (p - 1) / k, p) == 1;
        }
      if (candidate && extra_screen[k])
        {
          guint32 p = extra_screen[k];
          guint64 x;
          if (words == NULL && n_words <= 128 && BN_bn2lebinpad (n, bytes, n_words * 4) >= 0)
            {
              for (int j = 0; j < n_words; j++)
                words_buf[j] = (guint32) bytes[4 * j] | (guint32) bytes[4 * j + 1] << 8
                               | (guint32) bytes[4 * j + 2] << 16 | (guint32) bytes[4 * j + 3] << 24;
              words = words_buf;
            }
          x = extra_residue (n, words, n_words, k);
          candidate = x == (BN_ULONG) -1 || x == 0 || pow_mod (x, (p - 1) / k, p) == 1;
        }
      if (!candidate)
        continue;
      /* Few primes below 752 are 1 modulo a large k, so a random modulus
       * survives those screens for some k about one time in k: screen the
       * survivors with more such primes (never a true power: it passes
       * them all) before the costly exact root. */
      candidate = survives_more_screens (n, k, extra_screen[k]);
      if (!candidate)
        continue;
      root = kth_root (n, k, ctx);
      if (root && is_power_of (n, root, k, ctx))
        found = k;
      BN_free (root);
    }
  return found;
}

static void
lint_rsa_key (LintCtx *c)
{
  const BIGNUM *n = c->key.n, *e = c->key.e;
  int bits = c->key.bits;

  if (bits < 2048 || bits % 8 != 0)
    _lint_add (c, INKAN_SEVERITY_ERROR, "cabf.rsa_modulus_invalid_length", P_SPKI ".subjectPublicKey",
               _("The RSA modulus is %d bits; it must be at least 2048 bits and a multiple of 8 (SBR 6.1.5)."), bits);
  else if (bits != 2048 && bits != 3072 && bits != 4096)
    _lint_add (c, INKAN_SEVERITY_NOTICE, "googl.prohibited_rsa_modulus_length", P_SPKI ".subjectPublicKey",
               _("The RSA modulus is %d bits; Gmail accepts only 2048, 3072 or 4096 bits."), bits);
  if (n == NULL || e == NULL)
    return;
  if (!BN_is_odd (e) || BN_cmp (e, BN_value_one ()) <= 0 || BN_is_word (e, 1) || BN_num_bits (e) < 2)
    _lint_add (c, INKAN_SEVERITY_ERROR, "cabf.rsa_exponent_prohibited_value", P_SPKI ".subjectPublicKey",
               _("The RSA public exponent must be an odd number of 3 or more (SBR 6.1.6)."));
  else if (BN_num_bits (e) > 256 || (BN_num_bits (e) <= 17 && BN_get_word (e) < 65537))
    _lint_add (c, INKAN_SEVERITY_WARNING, "cabf.rsa_exponent_not_in_recommended_range", P_SPKI ".subjectPublicKey",
               _("The RSA public exponent should be between 2^16+1 and 2^256-1 (SBR 6.1.6)."));
  {
    guint32 residues[140];
    BN_CTX *ctx = BN_CTX_new ();
    guint found = ctx ? small_prime_factor (n, residues, ctx) : 0, power;
    if (found)
      _lint_add (c, INKAN_SEVERITY_WARNING, "cabf.rsa_modulus_has_small_prime_factor", P_SPKI ".subjectPublicKey",
                 _("The RSA modulus is divisible by %u; it should have no prime factor below 752 (SBR 6.1.6)."), found);
    /* SBR 6.1.6 (NIST SP 800-89 5.3.3): not a power of a prime.  A prime
     * modulus (the first power) would take a probabilistic primality test,
     * a full modular exponentiation per key; that one is not checked. */
    else if (ctx && !BN_is_zero (n) && (power = perfect_power (n, residues, ctx)) != 0)
      _lint_add (c, INKAN_SEVERITY_WARNING, "inkan.rsa_modulus_is_perfect_power", P_SPKI ".subjectPublicKey",
                 _("The RSA modulus is an integer to the power %u; it should be a product of distinct primes, not a power of a prime (SBR 6.1.6)."),
                 power);
    BN_CTX_free (ctx);
  }
}

void
_lint_public_key (LintCtx *c)
{
  X509_PUBKEY *xpk = X509_get_X509_PUBKEY (c->cert);
  X509_ALGOR *alg = NULL;
  g_autofree char *hex = NULL;
  gboolean allowed = FALSE;
  const char *curve = c->key.curve;
  int kind = c->key.kind;

  if (xpk == NULL || !X509_PUBKEY_get0_param (NULL, NULL, NULL, &alg, xpk))
    return;
  hex = algor_hex (alg);
  for (guint i = 0; i < G_N_ELEMENTS (spki_encodings) && !allowed; i++)
    allowed = strcmp (hex, spki_encodings[i]) == 0;
  if (kind == KEY_OTHER || kind == KEY_UNKNOWN)
    {
      g_autofree char *oid = NULL;
      ASN1_OBJECT *obj = NULL;
      X509_PUBKEY_get0_param (&obj, NULL, NULL, NULL, xpk);
      oid = _lint_oid_text (obj);
      _lint_add (c, INKAN_SEVERITY_ERROR, "cabf.smime.unsupported_public_key_type", P_SPKI_ALG,
                 _("The public key algorithm %s is not RSA, ECDSA, EdDSA, ML-DSA or ML-KEM (SBR 6.1.5)."), oid);
      return;
    }
  if (!allowed)
    {
      const char *what = kind == KEY_RSA
          ? (OBJ_obj2nid (alg->algorithm) == NID_rsassaPss ? _("id-RSASSA-PSS is not allowed as the key algorithm; use rsaEncryption")
                                                           : _("rsaEncryption must have NULL parameters"))
          : kind == KEY_EC ? (curve ? _("the curve must be P-256, P-384 or P-521, given as a namedCurve")
                                    : _("the curve must be given as a namedCurve, not explicit parameters"))
                           : _("the parameters must be absent");
      _lint_add (c, INKAN_SEVERITY_ERROR, "cabf.smime.prohibited_spki_algorithm_encoding", P_SPKI_ALG,
                 _("The SubjectPublicKeyInfo algorithm is not encoded as SBR 7.1.3.1 requires: %s."), what);
    }
  if (!c->key.decodes)
    {
      if (kind != KEY_MLDSA && kind != KEY_MLKEM)
        _lint_add (c, INKAN_SEVERITY_ERROR, "inkan.invalid_public_key", P_SPKI ".subjectPublicKey",
                   _("The public key cannot be decoded (for EC keys: the point is not on the curve)."));
      return;
    }
  /* An EC point off the curve does not decode (inkan.invalid_public_key
   * above): OpenSSL's decoder already does the partial public key
   * validation of SBR 6.1.6. */
  if (kind == KEY_RSA)
    lint_rsa_key (c);
}

/* ---------------------------------------------------------------- signature */

static int
find_sig_encoding (const char *hex)
{
  for (guint i = 0; i < G_N_ELEMENTS (sig_encodings); i++)
    if (!strcmp (hex, sig_encodings[i].hex))
      return (int) i;
  return -1;
}

static char *
describe_bad_sigalg (const X509_ALGOR *alg)
{
  int nid = OBJ_obj2nid (alg->algorithm);
  int ptype = V_ASN1_UNDEF;
  const char *name = nid != NID_undef ? OBJ_nid2ln (nid) : NULL;
  g_autofree char *oid = _lint_oid_text (alg->algorithm);

  X509_ALGOR_get0 (NULL, &ptype, NULL, alg);
  switch (nid)
    {
    case NID_sha1WithRSAEncryption:
    case NID_md5WithRSAEncryption:
    case NID_ecdsa_with_SHA1:
      return g_strdup_printf (_("%s (SHA-1 and MD5 are not allowed)"), name);
    case NID_sha256WithRSAEncryption:
    case NID_sha384WithRSAEncryption:
    case NID_sha512WithRSAEncryption:
      return g_strdup_printf (_("%s with the parameters %s instead of NULL"), name,
                              ptype == V_ASN1_UNDEF ? _("absent") : _("set"));
    case NID_rsassaPss:
      return g_strdup (_("RSASSA-PSS with parameters other than the three allowed encodings (hash and MGF1 hash with NULL parameters, salt = hash length, no trailerField)"));
    case NID_ecdsa_with_SHA256:
    case NID_ecdsa_with_SHA384:
    case NID_ecdsa_with_SHA512:
      return g_strdup_printf (_("%s with parameters"), name);
    default:
      return g_strdup (name ? name : oid);
    }
}

void
_lint_signature_algorithm (LintCtx *c)
{
  const X509_ALGOR *outer = NULL;
  const X509_ALGOR *inner = X509_get0_tbs_sigalg (c->cert);
  g_autofree char *outer_hex = NULL, *inner_hex = NULL;
  int index;

  X509_get0_signature (NULL, &outer, c->cert);
  outer_hex = algor_hex (outer);
  inner_hex = algor_hex (inner);
  if (strcmp (outer_hex, inner_hex) != 0)
    _lint_add (c, INKAN_SEVERITY_ERROR, "pkix.certificate_signature_algorithm_match", P_SIGALG,
               _("signatureAlgorithm differs from tbsCertificate.signature; they must be the same (RFC 5280 4.1.1.2)."));
  index = find_sig_encoding (outer_hex);
  if (index < 0)
    {
      g_autofree char *what = describe_bad_sigalg (outer);
      _lint_add (c, INKAN_SEVERITY_ERROR, "cabf.smime.prohibited_signature_algorithm_encoding", P_SIGALG,
                 _("The signature algorithm is %s, which is not one of the encodings SBR 7.1.3.2 allows."), what);
    }
  else if (strcmp (outer_hex, inner_hex) != 0 && find_sig_encoding (inner_hex) < 0)
    {
      g_autofree char *what = describe_bad_sigalg (inner);
      _lint_add (c, INKAN_SEVERITY_ERROR, "cabf.smime.prohibited_signature_algorithm_encoding", P_TBS_SIGALG,
                 _("The signature algorithm is %s, which is not one of the encodings SBR 7.1.3.2 allows."), what);
    }
  /* The algorithm must suit the issuer's key (SBR 7.1.3.2: ECDSA hash by curve). */
  if (index >= 0 && c->issuer)
    {
      const char *curve = c->issuer_key->curve;
      int kind = c->issuer_key->kind;
      AlgFamily f = sig_encodings[index].family;
      int want_hash = curve == NULL ? 0 : !strcmp (curve, "P-256") ? 256 : !strcmp (curve, "P-384") ? 384 : 512;
      gboolean fits = (kind == KEY_RSA && (f == ALG_RSA_PKCS1 || f == ALG_RSA_PSS))
                      || (kind == KEY_EC && f == ALG_ECDSA && sig_encodings[index].hash_bits == want_hash)
                      || (kind == KEY_ED25519 && f == ALG_ED25519) || (kind == KEY_ED448 && f == ALG_ED448)
                      || (kind == KEY_MLDSA && f == ALG_MLDSA) || kind == KEY_UNKNOWN || kind == KEY_OTHER;
      if (!fits)
        _lint_add (c, INKAN_SEVERITY_ERROR, "inkan.signature_algorithm_does_not_match_issuer_key", P_SIGALG,
                   _("The signature algorithm %s does not fit the issuer's %s%s%s key (SBR 7.1.3.2)."),
                   sig_encodings[index].name,
                   kind == KEY_RSA ? "RSA" : kind == KEY_EC ? "EC" : kind == KEY_ED25519 ? "Ed25519" : kind == KEY_ED448 ? "Ed448" : "ML-DSA",
                   curve ? " " : "", curve ? curve : "");
    }
}

/* ---------------------------------------------------------------- issuer */

void
_lint_issuer (LintCtx *c)
{
  const unsigned char *a = NULL, *b = NULL;
  size_t alen = 0, blen = 0;
  const X509_ALGOR *sigalg = NULL;
  EVP_PKEY *key;

  X509_get0_signature (NULL, &sigalg, c->cert);

  if (X509_NAME_entry_count (X509_get_issuer_name (c->cert)) == 0)
    _lint_add (c, INKAN_SEVERITY_ERROR, "pkix.name_empty", P_ISSUER,
               _("The issuer name is empty; it must be a non-empty distinguished name (RFC 5280 4.1.2.4)."));
  if (c->issuer == NULL)
    {
      if (c->have_issuers)
        _lint_add (c, INKAN_SEVERITY_NOTICE, "inkan.issuer_not_found", P_ISSUER,
                   _("None of the CA certificates given issued this certificate, so the issuer checks were skipped."));
      return;
    }
  if (X509_NAME_get0_der (X509_get_issuer_name (c->cert), &a, &alen)
      && X509_NAME_get0_der (X509_get_subject_name (c->issuer), &b, &blen)
      && (alen != blen || memcmp (a, b, alen) != 0))
    _lint_add (c, INKAN_SEVERITY_ERROR, "inkan.issuer_name_not_byte_equal", P_ISSUER,
               _("The issuer name is not encoded byte for byte as the issuing CA's subject name (SBR 7.1.4.1)."));
  /* OpenSSL refuses to verify when the two AlgorithmIdentifiers differ;
   * pkix.certificate_signature_algorithm_match says that already. */
  if (X509_ALGOR_cmp (X509_get0_tbs_sigalg (c->cert), sigalg) == 0
      && (key = _lint_key_pkey (c->issuer, c->issuer_key)) != NULL)
    {
      /* Issuers stay for the linter's life; a root's own key does not. */
      if (_lint_verify_cached (c->issuer != c->cert ? c->verifiers : NULL, c->cert, key) != 1)
        _lint_add (c, INKAN_SEVERITY_ERROR, "inkan.signature_invalid", "signatureValue",
                   _("The signature does not verify with the issuing CA's public key."));
      EVP_PKEY_free (key);
    }
  ERR_clear_error ();
}

/* ---------------------------------------------------------------- AKI, SKI */

static gboolean
ski_matches (const ASN1_OCTET_STRING *ski, X509 *cert)
{
  const unsigned char *pk;
  int pklen;
  unsigned char md[SHA512_DIGEST_LENGTH];
  int len = ASN1_STRING_length (ski);
  const unsigned char *id = ASN1_STRING_get0_data (ski);

  if (!X509_PUBKEY_get0_param (NULL, &pk, &pklen, NULL, X509_get_X509_PUBKEY (cert)))
    return TRUE;
  SHA1 (pk, (size_t) pklen, md);
  if (len == 20 && memcmp (id, md, 20) == 0)
    return TRUE;                                     /* RFC 5280 method 1 */
  if (len == 8 && (id[0] & 0xf0) == 0x40 && (id[0] & 0x0f) == (md[12] & 0x0f) && memcmp (id + 1, md + 13, 7) == 0)
    return TRUE;                                     /* RFC 5280 method 2 */
  if (len == 20)
    {
      SHA256 (pk, (size_t) pklen, md);
      if (memcmp (id, md, 20) == 0)
        return TRUE;                                 /* RFC 7093 method 1 */
      SHA384 (pk, (size_t) pklen, md);
      if (memcmp (id, md, 20) == 0)
        return TRUE;
      SHA512 (pk, (size_t) pklen, md);
      if (memcmp (id, md, 20) == 0)
        return TRUE;
    }
  {
    /* RFC 7093 method 4: a hash of the whole SubjectPublicKeyInfo. */
    unsigned char *der = NULL;
    int dlen = i2d_X509_PUBKEY (X509_get_X509_PUBKEY (cert), &der);
    gboolean ok = FALSE;
    if (dlen > 0)
      {
        SHA1 (der, (size_t) dlen, md);
        ok = len == 20 && memcmp (id, md, 20) == 0;
        if (!ok && len == 32)
          {
            SHA256 (der, (size_t) dlen, md);
            ok = memcmp (id, md, 32) == 0;
          }
      }
    OPENSSL_free (der);
    return ok;
  }
}

void
_lint_aki_ski (LintCtx *c)
{
  int crit = -1, aki_crit, ski_crit;
  AUTHORITY_KEYID *aki = _lint_ext_d2i (c, NID_authority_key_identifier, &crit);
  ASN1_OCTET_STRING *ski;
  gboolean is_ca = c->kind != LINT_SUBSCRIBER;

  aki_crit = crit;
  if (aki == NULL)
    {
      /* RFC 5280 4.2.1.1: may be omitted in a self-signed certificate. */
      if (c->kind != LINT_ROOT_CA && crit == -1)
        _lint_add (c, INKAN_SEVERITY_ERROR, "pkix.authority_key_identifier_extension_absent", P_AKI,
                   _("The authorityKeyIdentifier extension is missing (RFC 5280 4.2.1.1, SBR 7.1.2.2 (g), 7.1.2.3 (g))."));
    }
  else
    {
      if (aki_crit > 0)
        _lint_add (c, INKAN_SEVERITY_ERROR, "pkix.authority_key_identifier_critical", P_AKI,
                   _("The authorityKeyIdentifier extension is critical; it must not be."));
      if (aki->keyid == NULL)
        _lint_add (c, INKAN_SEVERITY_ERROR, "pkix.authority_key_identifier_keyid_missing", P_AKI ".keyIdentifier",
                   _("The authorityKeyIdentifier has no keyIdentifier."));
      if (aki->issuer || aki->serial)
        _lint_add (c, INKAN_SEVERITY_ERROR, "cabf.authority_key_identifier_has_issuer_cert", P_AKI,
                   _("The authorityKeyIdentifier has authorityCertIssuer or authorityCertSerialNumber, which SBR 7.1.2 forbids."));
      if (aki->keyid && c->issuer && c->issuer != c->cert)
        {
          const ASN1_OCTET_STRING *issuer_ski = X509_get0_subject_key_id (c->issuer);
          if (issuer_ski && ASN1_OCTET_STRING_cmp (issuer_ski, aki->keyid) != 0)
            _lint_add (c, INKAN_SEVERITY_ERROR, "inkan.aki_does_not_match_issuer_ski", P_AKI ".keyIdentifier",
                       _("The authorityKeyIdentifier is not the issuing CA's subjectKeyIdentifier."));
        }
    }
  AUTHORITY_KEYID_free (aki);

  crit = -1;
  ski = _lint_ext_d2i (c, NID_subject_key_identifier, &crit);
  ski_crit = crit;
  if (ski == NULL)
    {
      if (crit != -1)
        return;
      if (is_ca)
        _lint_add (c, INKAN_SEVERITY_ERROR, "pkix.certificate_skid_ca_missing", P_SKI,
                   _("The CA certificate has no subjectKeyIdentifier (RFC 5280 4.2.1.2, SBR 7.1.2.1, 7.1.2.2)."));
      else
        _lint_add (c, INKAN_SEVERITY_WARNING, "pkix.certificate_skid_end_entity_missing", P_SKI,
                   _("The certificate has no subjectKeyIdentifier; SBR 7.1.2.3 says it should."));
      return;
    }
  if (ski_crit > 0)
    _lint_add (c, INKAN_SEVERITY_ERROR, "pkix.certificate_skid_extension_critical", P_SKI,
               _("The subjectKeyIdentifier extension is critical; it must not be."));
  if (!ski_matches (ski, c->cert))
    _lint_add (c, INKAN_SEVERITY_NOTICE, "pkix.unknown_subject_key_identifier_calculation_method", P_SKI,
               _("The subjectKeyIdentifier is not derived from the public key by a method of RFC 5280 or RFC 7093."));
  ASN1_OCTET_STRING_free (ski);
}

/* ---------------------------------------------------------------- CRL DP, AIA */

static char *
uri_of (const GENERAL_NAME *gn)
{
  return gn->type == GEN_URI ? _lint_printable (gn->d.uniformResourceIdentifier) : NULL;
}

void
_lint_crldp (LintCtx *c)
{
  int crit = -1;
  CRL_DIST_POINTS *dps = _lint_ext_d2i (c, NID_crl_distribution_points, &crit);
  gboolean every_http = c->generation != SBR_LEGACY;
  gboolean any_http = FALSE, bad_type = FALSE, bad_scheme = FALSE;

  if (dps == NULL)
    {
      if (crit == -1)
        _lint_add (c, INKAN_SEVERITY_ERROR, "cabf.crldp_extension_missing", P_CRLDP,
                 _("The cRLDistributionPoints extension is missing; SBR 7.1.2.%s (b) requires an HTTP URL of the CRL."),
                 c->kind == LINT_SUBSCRIBER ? "3" : "2");
      return;
    }
  if (crit > 0)
    {
      if (c->kind == LINT_SUBSCRIBER)
        _lint_add (c, INKAN_SEVERITY_WARNING, "cabf.smime.critical_crldp_extension", P_CRLDP,
                   _("The cRLDistributionPoints extension is critical; SBR 7.1.2.3 (b) says it should not be."));
      else
        _lint_add (c, INKAN_SEVERITY_ERROR, "cabf.critical_crldp_extension", P_CRLDP,
                   _("The cRLDistributionPoints extension is critical; SBR 7.1.2.2 (b) says it shall not be."));
    }
  for (int i = 0; i < sk_DIST_POINT_num (dps); i++)
    {
      DIST_POINT *dp = sk_DIST_POINT_value (dps, i);

      if (dp->distpoint == NULL)
        {
          if (dp->CRLissuer == NULL)
            _lint_add (c, INKAN_SEVERITY_ERROR, "pkix.distribution_point_does_not_contain_name_or_issuer", P_CRLDP,
                       _("A DistributionPoint has neither distributionPoint nor cRLIssuer (RFC 5280 4.2.1.13)."));
          continue;
        }
      if (dp->distpoint->type != 0)
        {
          bad_type = TRUE;
          continue;
        }
      for (int j = 0; j < sk_GENERAL_NAME_num (dp->distpoint->name.fullname); j++)
        {
          g_autofree char *uri = uri_of (sk_GENERAL_NAME_value (dp->distpoint->name.fullname, j));
          if (uri == NULL)
            bad_type = TRUE;
          else if (_lint_is_http_uri (uri))
            any_http = TRUE;
          else if (every_http && !bad_scheme)
            {
              bad_scheme = TRUE;
              _lint_add (c, INKAN_SEVERITY_ERROR, "cabf.smime.crldp_fullname_prohibited_uri_scheme", P_CRLDP,
                         _("The CRL URL “%s” is not http://; every URL must use the HTTP scheme in this profile."), uri);
            }
        }
    }
  if (bad_type)
    _lint_add (c, INKAN_SEVERITY_ERROR, "cabf.smime.crldp_fullname_prohibited_generalname_type", P_CRLDP,
               _("A distribution point is not a fullName uniformResourceIdentifier."));
  if (!any_http)
    _lint_add (c, INKAN_SEVERITY_ERROR, "cabf.no_http_crldp_uri", P_CRLDP,
               _("No CRL distribution point is an http:// URL."));
  CRL_DIST_POINTS_free (dps);
}

void
_lint_aia (LintCtx *c)
{
  int crit = -1;
  AUTHORITY_INFO_ACCESS *aia = _lint_ext_d2i (c, NID_info_access, &crit);
  gboolean every_http = c->generation != SBR_LEGACY;
  gboolean ca_issuers = FALSE, ca_issuers_http = FALSE, ocsp = FALSE, ocsp_http = FALSE;
  gboolean bad_type = FALSE, bad_scheme = FALSE;

  if (aia == NULL)
    {
      if (crit == -1)
        _lint_add (c, INKAN_SEVERITY_WARNING, "cabf.aia_extension_missing", P_AIA,
                 _("The authorityInfoAccess extension is missing; the SBR say it should be present with an HTTP caIssuers URL."));
      return;
    }
  if (crit > 0)
    _lint_add (c, INKAN_SEVERITY_ERROR, "pkix.authority_information_access_extension_critical", P_AIA,
               _("The authorityInfoAccess extension is critical; it must not be."));
  for (int i = 0; i < sk_ACCESS_DESCRIPTION_num (aia); i++)
    {
      ACCESS_DESCRIPTION *ad = sk_ACCESS_DESCRIPTION_value (aia, i);
      int nid = OBJ_obj2nid (ad->method);
      g_autofree char *uri = uri_of (ad->location);
      gboolean http = _lint_is_http_uri (uri);

      if (nid != NID_ad_ca_issuers && nid != NID_ad_OCSP)
        continue;
      if (nid == NID_ad_ca_issuers)
        ca_issuers = TRUE, ca_issuers_http |= http;
      else
        ocsp = TRUE, ocsp_http |= http;
      if (uri == NULL)
        bad_type = TRUE;
      else if (!http && every_http && !bad_scheme)
        {
          bad_scheme = TRUE;
          _lint_add (c, INKAN_SEVERITY_ERROR, "cabf.smime.aia_prohibited_uri_scheme", P_AIA,
                     _("The authorityInfoAccess URL “%s” is not http://; every URL must use the HTTP scheme in this profile."), uri);
        }
    }
  if (bad_type)
    _lint_add (c, INKAN_SEVERITY_ERROR, "cabf.smime.aia_prohibited_generalname_type", P_AIA,
               _("An authorityInfoAccess location is not a uniformResourceIdentifier."));
  if (!ca_issuers)
    _lint_add (c, INKAN_SEVERITY_WARNING, "cabf.aia_ca_issuers_missing", P_AIA,
               _("The authorityInfoAccess has no caIssuers URL; the SBR say it should have one."));
  else if (!ca_issuers_http)
    _lint_add (c, INKAN_SEVERITY_ERROR, "cabf.aia_ca_issuers_has_no_http_uri", P_AIA,
               _("No caIssuers URL of the authorityInfoAccess is an http:// URL."));
  if (ocsp && !ocsp_http)
    _lint_add (c, INKAN_SEVERITY_ERROR, "cabf.aia_ocsp_has_no_http_uri", P_AIA,
               _("No OCSP URL of the authorityInfoAccess is an http:// URL."));
  AUTHORITY_INFO_ACCESS_free (aia);
}

/* ---------------------------------------------------------------- policies */

void
_lint_policy_qualifiers (LintCtx *c, CERTIFICATEPOLICIES *policies)
{
  for (int i = 0; policies && i < sk_POLICYINFO_num (policies); i++)
    {
      POLICYINFO *pi = sk_POLICYINFO_value (policies, i);

      for (int k = i + 1; k < sk_POLICYINFO_num (policies); k++)
        if (OBJ_cmp (pi->policyid, sk_POLICYINFO_value (policies, k)->policyid) == 0)
          {
            g_autofree char *oid = _lint_oid_text (pi->policyid);
            _lint_add (c, INKAN_SEVERITY_ERROR, "pkix.duplicate_certificate_policy_oids", P_CP,
                       _("The policy %s appears more than once (RFC 5280 4.2.1.4)."), oid);
          }
      for (int j = 0; pi->qualifiers && j < sk_POLICYQUALINFO_num (pi->qualifiers); j++)
        {
          POLICYQUALINFO *q = sk_POLICYQUALINFO_value (pi->qualifiers, j);
          int nid = OBJ_obj2nid (q->pqualid);

          if (nid == NID_id_qt_cps)
            {
              g_autofree char *uri = _lint_printable (q->d.cpsuri);
              if (g_ascii_strncasecmp (uri, "http://", 7) != 0 && g_ascii_strncasecmp (uri, "https://", 8) != 0)
                _lint_add (c, INKAN_SEVERITY_ERROR, "cabf.cps_uri_is_not_http", P_CP,
                           _("The CPS qualifier “%s” is not an http:// or https:// URL (SBR 7.1.2.3 (a))."), uri);
            }
          else if (nid == NID_id_qt_unotice)
            {
              USERNOTICE *un = q->d.usernotice;
              if (un->noticeref)
                _lint_add (c, INKAN_SEVERITY_ERROR, "cabf.smime.usernotice_has_noticeref", P_CP,
                           _("A userNotice qualifier has a noticeRef, which SBR 7.1.2.3 (a) forbids."));
              if (un->exptext == NULL)
                _lint_add (c, INKAN_SEVERITY_ERROR, "inkan.usernotice_explicit_text_missing", P_CP,
                           _("A userNotice qualifier has no explicitText, which SBR 7.1.2.3 (a) requires."));
              else if (ASN1_STRING_type (un->exptext) == V_ASN1_VISIBLESTRING
                       || ASN1_STRING_type (un->exptext) == V_ASN1_BMPSTRING)
                _lint_add (c, INKAN_SEVERITY_ERROR, "pkix.rfc5280_certificate_policies_invalid_explicit_text_encoding", P_CP,
                           _("The explicitText is a VisibleString or BMPString; it must be a UTF8String (RFC 5280 4.2.1.4)."));
              else if (ASN1_STRING_type (un->exptext) == V_ASN1_IA5STRING)
                _lint_add (c, INKAN_SEVERITY_ERROR, "pkix.rfc6818_certificate_policies_invalid_explicit_text_encoding", P_CP,
                           _("The explicitText is an IA5String; it must be a UTF8String (RFC 6818 3)."));
            }
        }
    }
}

/* ---------------------------------------------------------------- names */

/* ISO 3166-1 alpha-2 (SBR 7.1.4.2.2 (n); "XX" is added by the SBR). */
static const char iso3166[] =
  "AD AE AF AG AI AL AM AO AQ AR AS AT AU AW AX AZ BA BB BD BE BF BG BH BI BJ BL BM BN BO BQ BR BS BT BV BW BY BZ "
  "CA CC CD CF CG CH CI CK CL CM CN CO CR CU CV CW CX CY CZ DE DJ DK DM DO DZ EC EE EG EH ER ES ET FI FJ FK FM FO "
  "FR GA GB GD GE GF GG GH GI GL GM GN GP GQ GR GS GT GU GW GY HK HM HN HR HT HU ID IE IL IM IN IO IQ IR IS IT JE "
  "JM JO JP KE KG KH KI KM KN KP KR KW KY KZ LA LB LC LI LK LR LS LT LU LV LY MA MC MD ME MF MG MH MK ML MM MN MO "
  "MP MQ MR MS MT MU MV MW MX MY MZ NA NC NE NF NG NI NL NO NP NR NU NZ OM PA PE PF PG PH PK PL PM PN PR PS PT PW "
  "PY QA RE RO RS RU RW SA SB SC SD SE SG SH SI SJ SK SL SM SN SO SR SS ST SV SX SY SZ TC TD TF TG TH TJ TK TL TM "
  "TN TO TR TT TV TW TZ UA UG UM US UY UZ VA VC VE VG VI VN VU WF WS YE YT ZA ZM ZW XX ";

gboolean
_lint_is_country_code (const char *value)
{
  char code[4];
  const char *hit;

  if (strlen (value) != 2 || !g_ascii_isupper (value[0]) || !g_ascii_isupper (value[1]))
    return FALSE;
  g_snprintf (code, sizeof code, "%s ", value);
  hit = strstr (iso3166, code);
  return hit && (hit - iso3166) % 3 == 0;
}

void
_lint_country_code (LintCtx *c, const char *value, const char *path)
{
  if (_lint_is_country_code (value))
    return;
  _lint_add (c, INKAN_SEVERITY_ERROR, "cabf.invalid_country_code", path,
             _("“%s” is not an ISO 3166-1 alpha-2 country code (or XX) (SBR 7.1.4.2.2 (n))."), value);
}

/* RFC 5280 Appendix A and X.520 upper bounds, in characters. */
static int
upper_bound (int nid)
{
  switch (nid)
    {
    case NID_commonName:
    case NID_organizationName:
    case NID_organizationalUnitName:
    case NID_title:
    case NID_serialNumber: return 64;
    case NID_localityName:
    case NID_stateOrProvinceName:
    case NID_pseudonym:
    case NID_streetAddress:
    case NID_organizationIdentifier: return 128;
    case NID_postalCode: return 40;
    case NID_pkcs9_emailAddress: return 255;
    case NID_countryName: return 2;
    default: return 0;
    }
}

void
_lint_attribute_value (LintCtx *c, const char *name, const char *value, int nid)
{
  g_autofree char *path = g_strconcat (P_SUBJECT ".", name, NULL);
  const char *p;
  long len = g_utf8_strlen (value, -1);
  int ub = upper_bound (nid);

  for (p = value; *p && strchr (".- ", *p); p++)
    ;
  if (*p == '\0')
    _lint_add (c, INKAN_SEVERITY_ERROR, "cabf.insignificant_attribute_value_present", path,
               _("The %s value “%s” holds only placeholder characters ('.', '-', ' ') (SBR 7.1.4.2)."), name, value);
  for (p = strchr (value, '&'); p; p = strchr (p + 1, '&'))
    {
      const char *q = p + 1;
      if (*q == '#')
        q++;
      while (g_ascii_isalnum (*q))
        q++;
      if (*q == ';' && q > p + 1 + (p[1] == '#'))
        {
          _lint_add (c, INKAN_SEVERITY_ERROR, "cabf.name.attribute_value_contains_html_entity", path,
                     _("The %s value “%s” contains an HTML entity."), name, value);
          break;
        }
    }
  if (ub > 0 && len > ub)
    _lint_add (c, INKAN_SEVERITY_ERROR, "inkan.attribute_value_exceeds_upper_bound", path,
               _("The %s value has %ld characters; the upper bound is %d (RFC 5280 Appendix A)."), name, len, ub);
}
