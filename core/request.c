/* Bulk certificate request files, checked before an administrator uploads
 * them (docs/admin.md; the rules come from the CAs' manuals, digested in
 * ../shared/reference/seed-nii-upki.md and seed-mpki-lite.md):
 *
 *  - NII UPKI client/S/MIME request TSV (§5-1, §5-4): Shift-JIS (JIS X
 *    0208 + JIS X 0201 only), CRLF or LF, 15 tab-separated columns,
 *    issue/renew/revoke columns, profile IDs, PIN rules, 99 rows (1000 for
 *    bulk-P12 issue), one download method per file.
 *  - GlobalSign MPKI Lite bulk CSV (§2-B, §2-C, §3-B, §3-C): header line,
 *    columns per profile, lengths, forbidden characters, booleans.
 *
 * Every issue carries the line and the column (in characters, 1-based).
 */
#include "internal.h"

/**
 * inkan_request_issue_free:
 * @issue: (nullable): an issue
 */
void
inkan_request_issue_free (InkanRequestIssue *issue)
{
  if (issue == NULL)
    return;
  g_free (issue->code);
  g_free (issue->message);
  g_free (issue);
}

typedef struct {
  GPtrArray *issues;
} Checker;

static void G_GNUC_PRINTF (7, 8)
add (Checker *ck, guint line, guint column, guint field, InkanSeverity severity, const char *code, const char *format, ...)
{
  InkanRequestIssue *i = g_new0 (InkanRequestIssue, 1);
  va_list ap;

  va_start (ap, format);
  i->line = line;
  i->column = column;
  i->field = field;
  i->severity = severity;
  i->code = g_strdup (code);
  i->message = g_strdup_vprintf (format, ap);
  va_end (ap);
  g_ptr_array_add (ck->issues, i);
}

#define ERR INKAN_SEVERITY_ERROR
#define WARN INKAN_SEVERITY_WARNING

static gboolean
is_half_width (const char *s)
{
  for (; *s; s++)
    if ((guchar) *s < 0x20 || (guchar) *s > 0x7e)
      return FALSE;
  return TRUE;
}

static gboolean
only_chars (const char *s, const char *extra)
{
  for (; *s; s++)
    if (!g_ascii_isalnum (*s) && !strchr (extra, *s))
      return FALSE;
  return TRUE;
}

/* A plain ASCII mailbox address: local@domain.tld, no spaces. */
static gboolean
is_email (const char *s)
{
  const char *at = strchr (s, '@');

  if (!is_half_width (s) || strchr (s, ' ') || at == NULL || at == s || strchr (at + 1, '@'))
    return FALSE;
  return strchr (at + 1, '.') != NULL && at[1] != '.' && s[strlen (s) - 1] != '.';
}

/* ---------------------------------------------------------------- NII UPKI TSV */

#define NII_FIELDS 15
static const char *const nii_names[NII_FIELDS + 1] = {
  NULL, "subject DN (主体者DN)", "profile ID (証明書プロファイルID)", "download method (ダウンロード方法)",
  "serial number (シリアル番号)", "revocation reason (失効理由)", "reason comment (失効理由コメント)", "column 7",
  "administrator name (利用管理者氏名)", "administrator department (利用管理者所属)",
  "administrator mail (利用管理者mail)", "user name (利用者氏名)", "P12 file name (P12ダウンロードファイル名)",
  "user department (利用者所属)", "user mail (利用者mail)", "access PIN (アクセスPIN)",
};

typedef struct {
  Checker *ck;
  guint line;
  char *f[NII_FIELDS + 1];   /* UTF-8 field values, 1-based */
  guint col[NII_FIELDS + 1]; /* 1-based character column where each field starts */
} NiiLine;

#define NADD(l, n, sev, code, ...) add ((l)->ck, (l)->line, (l)->col[n], n, sev, code, __VA_ARGS__)

static void
nii_len (NiiLine *l, int n, long max)
{
  long len = g_utf8_strlen (l->f[n], -1);
  if (len > max)
    NADD (l, n, ERR, "nii.too_long", _("%s has %ld characters; at most %ld are allowed."), nii_names[n], len, max);
}

static void
nii_blank (NiiLine *l, int n, const char *kind)
{
  if (*l->f[n])
    NADD (l, n, ERR, "nii.must_be_empty", _("%s must be empty in a %s line."), nii_names[n], kind);
}

static gboolean
nii_required (NiiLine *l, int n)
{
  if (*l->f[n])
    return TRUE;
  NADD (l, n, ERR, "nii.required", _("%s is required."), nii_names[n]);
  return FALSE;
}

static void
nii_half_width (NiiLine *l, int n)
{
  if (!is_half_width (l->f[n]))
    NADD (l, n, ERR, "nii.not_half_width", _("%s may hold only half-width (ASCII) characters."), nii_names[n]);
}

static void
nii_mail (NiiLine *l, int n)
{
  if (!*l->f[n])
    return;
  nii_len (l, n, 78);
  if (!is_email (l->f[n]))
    NADD (l, n, ERR, "nii.invalid_mail", _("%s “%s” is not a mail address."), nii_names[n], l->f[n]);
}

static void
nii_serial (NiiLine *l)
{
  const char *s = l->f[4];

  if (!nii_required (l, 4))
    return;
  if (strlen (s) > 32)
    NADD (l, 4, ERR, "nii.too_long", _("The serial number has %zu characters; the request file allows at most 32."), strlen (s));
  if (g_str_has_prefix (s, "0x") || g_str_has_prefix (s, "0X"))
    {
      gboolean ok = s[2] != '\0';
      for (const char *p = s + 2; *p; p++)
        ok = ok && g_ascii_isxdigit (*p);
      if (!ok)
        NADD (l, 4, ERR, "nii.invalid_serial", _("The serial number “%s” is not 0x followed by hexadecimal digits."), s);
    }
  else
    {
      gboolean digits = TRUE, hex = TRUE;
      for (const char *p = s; *p; p++)
        digits = digits && g_ascii_isdigit (*p), hex = hex && g_ascii_isxdigit (*p);
      if (!digits)
        NADD (l, 4, ERR, hex ? "nii.serial_hex_without_0x" : "nii.invalid_serial",
              hex ? _("The serial number “%s” is hexadecimal but has no 0x prefix; write 0x%s.")
                  : _("The serial number “%s” is neither decimal nor 0x-hexadecimal."),
              s, s);
    }
}

/* Column 1: "CN=…,OU=…,O=…,L=…,ST=…,C=…" in that order. */
static void
nii_dn (NiiLine *l, char **cn_out, int profile)
{
  static const char *const order[] = { "CN", "OU", "O", "L", "ST", "C" };
  g_auto (GStrv) parts = NULL;
  int last = -1;
  gboolean has_l = FALSE, has_st = FALSE;

  *cn_out = NULL;
  if (!nii_required (l, 1))
    return;
  nii_len (l, 1, 250);
  if (!is_half_width (l->f[1]))
    {
      nii_half_width (l, 1);
      return;
    }
  parts = g_strsplit (l->f[1], ",", -1);
  for (int i = 0; parts[i]; i++)
    {
      char *eq = strchr (parts[i], '=');
      const char *value = eq ? eq + 1 : NULL;
      int k = -1;

      if (eq == NULL)
        {
          NADD (l, 1, ERR, "nii.dn_syntax",
                _("“%s” in the subject DN is not NAME=value; a ',' inside a value cannot be told apart from the separator."),
                parts[i]);
          return;
        }
      *eq = '\0';
      for (guint j = 0; j < G_N_ELEMENTS (order); j++)
        if (!strcmp (parts[i], order[j]))
          k = (int) j;
      if (k < 0)
        {
          NADD (l, 1, ERR, "nii.dn_attribute", _("“%s” is not an attribute of the client DN (CN, OU, O, L, ST, C)."), parts[i]);
          continue;
        }
      if (k < last || (k == last && k != 1))
        NADD (l, 1, ERR, "nii.dn_order", _("The subject DN must be written in the order CN, OU, O, L, ST, C; %s is out of place."), order[k]);
      last = k;
      if (*value == '\0')
        NADD (l, 1, ERR, "nii.dn_empty_value", _("%s in the subject DN is empty."), order[k]);
      if (k == 0)
        {
          g_free (*cn_out);
          *cn_out = g_strdup (value);
          if (!only_chars (value, " '(),-./:=@_"))
            NADD (l, 1, ERR, "nii.dn_character", _("CN “%s” has a character other than letters, digits, space and ' ( ) , - . / : = @ _."), value);
          if (strlen (value) > 64)
            NADD (l, 1, WARN, "nii.cn_too_long", _("CN has %zu characters; a certificate CN holds at most 64."), strlen (value));
        }
      else if (k == 5)
        {
          if (strlen (value) != 2 || !g_ascii_isupper (value[0]) || !g_ascii_isupper (value[1]))
            NADD (l, 1, ERR, "nii.dn_country", _("C “%s” is not a two-letter country code."), value);
        }
      else
        {
          if (!only_chars (value, " '(),-./:="))
            NADD (l, 1, ERR, "nii.dn_character", _("%s “%s” has a character other than letters, digits, space and ' ( ) , - . / : =."), order[k], value);
          if ((k == 1 || k == 3) && strlen (value) > 64)
            NADD (l, 1, ERR, "nii.too_long", _("%s has %zu characters; at most 64 are allowed."), order[k], strlen (value));
        }
      has_l |= k == 3;
      has_st |= k == 4;
    }
  if (*cn_out == NULL)
    NADD (l, 1, ERR, "nii.dn_no_cn", _("The subject DN has no CN."));
  if (!has_l && !has_st && profile != 0)
    NADD (l, 1, ERR, "nii.dn_no_locality", _("The subject DN needs L or ST (the institution's registered values)."));
}

static gboolean
is_smime_profile (int p)
{
  return p == 7 || p == 15 || p == 16;
}

/* Checks one decoded record; returns the download method (0 if none). */
static int
nii_check_line (NiiLine *l, gboolean *is_issue_bulk)
{
  gboolean revoke = *l->f[5] != '\0';
  gboolean renew = !revoke && *l->f[4] != '\0';
  const char *kind = revoke ? _("revocation") : renew ? _("renewal") : _("new issue");
  int profile = 0, method = 0;
  g_autofree char *cn = NULL;

  *is_issue_bulk = FALSE;
  if (!revoke)
    {
      if (nii_required (l, 2))
        {
          profile = atoi (l->f[2]);
          if (!only_chars (l->f[2], "") || strlen (l->f[2]) > 2)
            NADD (l, 2, ERR, "nii.profile_unknown", _("Profile ID “%s” is not a number of at most 2 digits."), l->f[2]);
          else if (profile == 6)
            NADD (l, 2, ERR, "nii.profile_retired", _("Profile 6 is no longer offered; use 7, 15 or 16 for S/MIME."));
          else if (profile != 5 && profile != 7 && profile != 13 && profile != 14 && profile != 15 && profile != 16)
            NADD (l, 2, ERR, "nii.profile_unknown", _("Profile ID %s is not a client or S/MIME profile (5, 7, 13, 14, 15, 16)."), l->f[2]);
        }
      if (nii_required (l, 3))
        {
          method = atoi (l->f[3]);
          if (strlen (l->f[3]) != 1 || method < 1 || method > 3)
            {
              NADD (l, 3, ERR, "nii.method_unknown", _("Download method “%s” is not 1 (P12), 2 (bulk P12) or 3 (browser)."), l->f[3]);
              method = 0;
            }
        }
    }
  nii_dn (l, &cn, revoke ? 0 : profile);
  if (revoke)
    {
      nii_blank (l, 2, kind);
      nii_blank (l, 3, kind);
      nii_serial (l);
      if (strlen (l->f[5]) != 1 || !strchr ("01345", l->f[5][0]))
        NADD (l, 5, ERR, "nii.reason_unknown", _("Revocation reason “%s” is not 0, 1, 3, 4 or 5."), l->f[5]);
      nii_len (l, 6, 128);
      for (int n = 7; n <= 13; n++)
        if (n != 10)
          nii_blank (l, n, kind);
      nii_half_width (l, 10);
      nii_mail (l, 10);
      nii_half_width (l, 14);
      nii_mail (l, 14);
      nii_blank (l, 15, kind);
      return 0;
    }
  if (renew)
    nii_serial (l);
  nii_blank (l, 5, kind);
  nii_blank (l, 6, kind);
  nii_blank (l, 7, kind);
  nii_len (l, 8, 64);
  nii_len (l, 9, 64);
  if (nii_required (l, 10))
    {
      nii_half_width (l, 10);
      nii_mail (l, 10);
    }
  nii_len (l, 11, 64);
  nii_len (l, 13, 64);
  /* Column 12: the P12 file name. */
  if (*l->f[12])
    {
      nii_len (l, 12, 64);
      if (!only_chars (l->f[12], " '(),-.="))
        NADD (l, 12, ERR, "nii.file_name_character", _("P12 file name “%s” has a character other than letters, digits, space and ' ( ) , - . =."), l->f[12]);
      if (method == 3 && strchr (l->f[12], '\''))
        NADD (l, 12, ERR, "nii.file_name_quote_browser", _("With download method 3 a P12 file name with ' cannot be downloaded; use method 1 or 2."));
    }
  else if ((profile == 6 || profile == 7) && method != 2)
    NADD (l, 12, ERR, "nii.required", _("%s is required for profile 7 unless the download method is 2."), nii_names[12]);
  else if ((profile == 15 || profile == 16) && method != 2 && method != 0)
    NADD (l, 12, WARN, "nii.file_name_default_has_at", _("Without a P12 file name the file is named after the CN, a mail address with '@'; give a file name."));
  /* Column 14: the user's mail. */
  if (*l->f[14])
    {
      nii_half_width (l, 14);
      nii_mail (l, 14);
    }
  else if (!(profile == 5 && method == 2))
    NADD (l, 14, ERR, "nii.required", _("%s is required (it may be empty only for profile 5 with download method 2)."), nii_names[14]);
  if (is_smime_profile (profile) && cn && *l->f[14] && g_ascii_strcasecmp (cn, l->f[14]) != 0)
    NADD (l, 1, ERR, "nii.cn_not_user_mail", _("For S/MIME profile %d the CN (%s) must be the user mail (%s)."), profile, cn, l->f[14]);
  /* Column 15: the access PIN. */
  if (*l->f[15])
    {
      const char *pin = l->f[15];
      long len = g_utf8_strlen (pin, -1);
      if (is_smime_profile (profile))
        NADD (l, 15, ERR, "nii.pin_not_allowed_smime", _("For S/MIME profiles the access PIN is always made by the system; leave it empty."));
      else if (method != 2)
        NADD (l, 15, ERR, "nii.pin_not_allowed_method", _("An access PIN may be given only with download method 2 (bulk P12)."));
      if (len < 6 || len > 36)
        NADD (l, 15, ERR, "nii.pin_length", _("The access PIN has %ld characters; it must have 6 to 36."), len);
      if (!only_chars (pin, "!#$%&*+,-./:;=?@^_`|~(){}[]<>"))
        NADD (l, 15, ERR, "nii.pin_character", _("The access PIN has a character that is not allowed (space, \\, ', \" and non-ASCII are not)."));
    }
  *is_issue_bulk = !renew && method == 2;
  return method;
}

/* JIS X 0208 + JIS X 0201 check of one Shift-JIS line: returns FALSE (and
 * reports) when a character is outside them or the bytes are not SJIS. */
static gboolean
nii_check_bytes (Checker *ck, guint line, const guchar *p, gsize len, GIConv strict, GIConv cp932)
{
  guint column = 1;
  gboolean ok = TRUE;

  for (gsize i = 0; i < len; column++)
    {
      guchar b = p[i];
      if (b < 0x80 || (b >= 0xa1 && b <= 0xdf))
        {
          if (b < 0x20 && b != '\t')
            {
              add (ck, line, column, 0, ERR, "nii.control_character", _("A control character (0x%02X) is not allowed."), b);
              ok = FALSE;
            }
          i++;
          continue;
        }
      if (((b >= 0x81 && b <= 0x9f) || (b >= 0xe0 && b <= 0xfc)) && i + 1 < len
          && ((p[i + 1] >= 0x40 && p[i + 1] <= 0x7e) || (p[i + 1] >= 0x80 && p[i + 1] <= 0xfc)))
        {
          char in[2] = { (char) b, (char) p[i + 1] }, out[8];
          gchar *ip = in, *op = out;
          gsize il = 2, ol = sizeof out;

          g_iconv (strict, NULL, NULL, NULL, NULL);
          if (g_iconv (strict, &ip, &il, &op, &ol) == (gsize) -1)
            {
              gchar *ip2 = in, *op2 = out;
              gsize il2 = 2, ol2 = sizeof out;
              g_iconv (cp932, NULL, NULL, NULL, NULL);
              if (g_iconv (cp932, &ip2, &il2, &op2, &ol2) != (gsize) -1)
                {
                  g_autofree char *ch = g_strndup (out, sizeof out - ol2);
                  add (ck, line, column, 0, ERR, "nii.character_not_jis_x0208",
                       _("“%s” (0x%02X%02X) is a Windows (CP932) extension, not JIS X 0208; replace it with a JIS level 1 or 2 character."),
                       ch, b, p[i + 1]);
                }
              else
                add (ck, line, column, 0, ERR, "nii.encoding",
                     _("The bytes 0x%02X%02X are not a Shift-JIS character."), b, p[i + 1]);
              ok = FALSE;
            }
          i += 2;
          continue;
        }
      add (ck, line, column, 0, ERR, "nii.encoding", _("The byte 0x%02X is not Shift-JIS; save the file as Shift-JIS."), b);
      return FALSE;
    }
  return ok;
}

static void
check_nii (Checker *ck, GBytes *data)
{
  gsize len;
  const guchar *d = g_bytes_get_data (data, &len);
  gboolean utf8 = FALSE;
  GIConv strict = g_iconv_open ("UTF-8", "SHIFT_JIS");
  GIConv cp932 = g_iconv_open ("UTF-8", "CP932");
  gsize start = 0;
  guint line = 0, rows = 0, bulk_issue_rows = 0;
  int first_method = 0;
  guint first_method_line = 0, mixed_reported = 0;

  if (len >= 3 && !memcmp (d, "\xef\xbb\xbf", 3))
    {
      add (ck, 1, 1, 0, ERR, "nii.encoding_bom", _("The file starts with a UTF-8 byte order mark; save it as Shift-JIS."));
      d += 3, len -= 3;
      utf8 = g_utf8_validate ((const char *) d, (gssize) len, NULL);
    }
  else if (g_utf8_validate ((const char *) d, (gssize) len, NULL))
    {
      for (gsize i = 0, l = 1, c = 1; i < len; i++)
        {
          if (d[i] >= 0x80)
            {
              add (ck, (guint) l, (guint) c, 0, ERR, "nii.encoding_utf8",
                   _("The file is UTF-8; NII UPKI requires Shift-JIS (save it as Shift-JIS / ANSI in Japanese Windows)."));
              utf8 = TRUE;
              break;
            }
          if (d[i] == '\n')
            l++, c = 1;
          else
            c++;
        }
    }
  if (len == 0)
    add (ck, 1, 1, 0, ERR, "nii.empty", _("The file has no request lines."));
  while (start < len)
    {
      gsize end = start, next;
      NiiLine l = { .ck = ck };
      g_autofree char *text = NULL;
      g_auto (GStrv) fields = NULL;
      gboolean issue_bulk;
      int method;
      guint n;

      while (end < len && d[end] != '\n')
        end++;
      next = end < len ? end + 1 : end;
      line++;
      if (end > start && d[end - 1] == '\r')
        end--;
      l.line = line;
      if (memchr (d + start, '\r', end - start))
        add (ck, line, 1, 0, ERR, "nii.line_ending", _("A line ends with CR alone; use CR+LF or LF."));
      if (end == start)
        {
          if (next < len)
            add (ck, line, 1, 0, ERR, "nii.blank_line", _("The line is empty; every line must be a request."));
          start = next;
          continue;
        }
      if (!utf8 && !nii_check_bytes (ck, line, d + start, end - start, strict, cp932))
        {
          start = next;
          rows++;
          continue;
        }
      text = utf8 ? g_strndup ((const char *) d + start, end - start)
                  : g_convert ((const char *) d + start, (gssize) (end - start), "UTF-8", "CP932", NULL, NULL, NULL);
      start = next;
      rows++;
      if (text == NULL)
        continue;
      fields = g_strsplit (text, "\t", -1);
      n = g_strv_length (fields);
      if (line == 1 && !g_str_has_prefix (fields[0], "CN=") && fields[0][0] != '\0')
        {
          add (ck, line, 1, 1, ERR, "nii.header_line",
               _("The first line is not a request (it does not start with CN=); the TSV has no header line."));
          continue;
        }
      if (n != NII_FIELDS)
        {
          add (ck, line, 1, 0, ERR, "nii.column_count",
               _("The line has %u columns (%u tabs); a client/S/MIME request line has exactly 15 columns (14 tabs), empty ones included."),
               n, n - 1);
          continue;
        }
      {
        guint col = 1;
        for (guint i = 0; i < NII_FIELDS; i++)
          {
            l.f[i + 1] = fields[i];
            l.col[i + 1] = col;
            col += (guint) g_utf8_strlen (fields[i], -1) + 1;
          }
      }
      method = nii_check_line (&l, &issue_bulk);
      if (issue_bulk)
        bulk_issue_rows++;
      if (method && !first_method)
        first_method = method, first_method_line = line;
      else if (method && method != first_method && !mixed_reported++)
        add (ck, line, l.col[3], 3, ERR, "nii.mixed_download_methods",
             _("Download method %d differs from method %d on line %u; a file may hold only one download method."),
             method, first_method, first_method_line);
    }
  {
    guint limit = rows > 0 && bulk_issue_rows == rows ? 1000 : 99;
    if (rows > limit)
      add (ck, limit + 1, 1, 0, ERR, "nii.too_many_rows",
           _("The file has %u requests; at most %u are allowed per file (1000 only for new bulk-P12 issue)."), rows, limit);
  }
  g_iconv_close (strict);
  g_iconv_close (cp932);
}

/* ---------------------------------------------------------------- MPKI Lite CSV */

typedef enum {
  COL_UNKNOWN, COL_COMMON_NAME, COL_EMAIL, COL_SAN_EMAIL, COL_CONTACT_EMAIL, COL_PICKUP_PASSWORD,
  COL_HAVE_CSR, COL_PKCS12, COL_UPN, COL_SID, COL_GIVEN_NAME, COL_SURNAME, COL_PSEUDONYM,
  COL_OU, COL_PKCS12_PASSWORD, COL_ORDER_ID, COL_REISSUE_PASSWORD, COL_REISSUE_PKCS12_PASSWORD,
} MpkiColumn;

static const struct {
  const char *name;
  MpkiColumn col;
} mpki_columns[] = {
  { "CommonName", COL_COMMON_NAME }, { "Email", COL_EMAIL }, { "Email Address", COL_EMAIL },
  { "SANRFC822 Email Address", COL_SAN_EMAIL }, { "Contact Email Address", COL_CONTACT_EMAIL },
  { "PickupPassword", COL_PICKUP_PASSWORD }, { "haveCSR", COL_HAVE_CSR }, { "PKCS12", COL_PKCS12 },
  { "UPN", COL_UPN }, { "Security Identifier", COL_SID }, { "Security Identifier(SID)", COL_SID },
  { "GivenName", COL_GIVEN_NAME }, { "SurName", COL_SURNAME }, { "Pseudonym", COL_PSEUDONYM },
  { "OrganizationUnit", COL_OU }, { "PKCS#12 Password", COL_PKCS12_PASSWORD },
  { "オーダーID", COL_ORDER_ID }, { "証明書取得用パスワード", COL_REISSUE_PASSWORD },
  { "PKCS#12パスワード", COL_REISSUE_PKCS12_PASSWORD },
};

typedef struct {
  char *value;
  guint line, column;
} Cell;

static void
cell_clear (gpointer p)
{
  g_free (((Cell *) p)->value);
}

/* RFC 4180 CSV with the MPKI samples' spaces around commas trimmed. */
static GPtrArray *
parse_csv (const char *text, Checker *ck)
{
  GPtrArray *rows = g_ptr_array_new_with_free_func ((GDestroyNotify) g_array_unref);
  GArray *row = NULL;
  const char *p = text;
  guint line = 1, column = 1;

  while (*p)
    {
      GString *v = g_string_new (NULL);
      Cell cell = { NULL, line, column };
      gboolean quoted = FALSE;

      if (row == NULL)
        {
          row = g_array_new (FALSE, TRUE, sizeof (Cell));
          g_array_set_clear_func (row, cell_clear);
        }
      while (*p == ' ')
        p++, column++;
      cell.column = column;
      if (*p == '"')
        {
          quoted = TRUE;
          p++, column++;
          while (*p && !(*p == '"' && p[1] != '"'))
            {
              if (*p == '"')
                p++, column++;
              if (*p == '\n')
                line++, column = 0;
              g_string_append_c (v, *p);
              column += (*p & 0xc0) != 0x80;
              p++;
            }
          if (*p == '"')
            p++, column++;
          else
            add (ck, cell.line, cell.column, row->len + 1, ERR, "mpki.unterminated_quote", _("A quoted field has no closing quote."));
        }
      while (*p && *p != ',' && *p != '\n' && *p != '\r')
        {
          if (!quoted || *p != ' ')
            g_string_append_c (v, *p);
          column += (*p & 0xc0) != 0x80;
          p++;
        }
      if (!quoted)
        while (v->len && v->str[v->len - 1] == ' ')
          g_string_truncate (v, v->len - 1);
      cell.value = g_string_free (v, FALSE);
      g_array_append_val (row, cell);
      if (*p == ',')
        {
          p++, column++;
          if (*p == '\0' || *p == '\n' || *p == '\r')
            {
              Cell empty = { g_strdup (""), line, column };
              g_array_append_val (row, empty);
            }
        }
      if (*p == '\r')
        p++;
      if (*p == '\n' || *p == '\0')
        {
          if (*p == '\n')
            p++;
          if (!(row->len == 1 && *g_array_index (row, Cell, 0).value == '\0'))
            g_ptr_array_add (rows, row);
          else
            g_array_unref (row);
          row = NULL;
          line++, column = 1;
        }
    }
  if (row)
    g_ptr_array_add (rows, row);
  return rows;
}

static gboolean
parse_bool (const char *v, gboolean *out)
{
  *out = !g_ascii_strcasecmp (v, "true") || !g_ascii_strcasecmp (v, "on");
  return *v == '\0' || *out || !g_ascii_strcasecmp (v, "false") || !g_ascii_strcasecmp (v, "off");
}

#define CADD(c, idx, sev, code, ...) add (ck, (c)->line, (c)->column, idx, sev, code, __VA_ARGS__)

static void
mpki_dn_value (Checker *ck, Cell *c, guint idx, const char *what, long max)
{
  long len = g_utf8_strlen (c->value, -1);

  if (len > max)
    CADD (c, idx, ERR, "mpki.too_long", _("%s has %ld characters; at most %ld are allowed."), what, len, max);
  for (const char *p = c->value; *p; p++)
    if (strchr ("$;!%`?~", *p))
      {
        CADD (c, idx, ERR, "mpki.forbidden_character", _("%s contains “%c”, which MPKI does not allow in names ($ ; ! %% ` ? ~)."), what, *p);
        break;
      }
}

static void
check_mpki (Checker *ck, GBytes *data)
{
  gsize len;
  const char *d = g_bytes_get_data (data, &len);
  g_autofree char *text = NULL;
  g_autoptr (GPtrArray) rows = NULL;
  GArray *header;
  MpkiColumn cols[64] = { 0 };
  guint ncols;
  gboolean smime = FALSE, has_ou = FALSE, admin_bulk = FALSE, reissue = FALSE, admin_reissue = FALSE;
  guint seen[32] = { 0 };

  if (len >= 3 && !memcmp (d, "\xef\xbb\xbf", 3))
    d += 3, len -= 3;
  if (!g_utf8_validate (d, (gssize) len, NULL))
    {
      add (ck, 1, 1, 0, ERR, "mpki.encoding", _("The file is not UTF-8 (perhaps Shift-JIS); save it as UTF-8."));
      return;
    }
  text = g_strndup (d, len);
  rows = parse_csv (text, ck);
  if (rows->len == 0)
    {
      add (ck, 1, 1, 0, ERR, "mpki.empty", _("The file is empty; the first line must be the header with the field names."));
      return;
    }
  header = g_ptr_array_index (rows, 0);
  ncols = MIN (header->len, G_N_ELEMENTS (cols));
  {
    guint known = 0;
    for (guint i = 0; i < ncols; i++)
      {
        Cell *c = &g_array_index (header, Cell, i);
        for (guint j = 0; j < G_N_ELEMENTS (mpki_columns); j++)
          if (!strcmp (c->value, mpki_columns[j].name))
            cols[i] = mpki_columns[j].col;
        if (g_str_has_prefix (c->value, "OrganizationUnit"))
          cols[i] = COL_OU;
        known += cols[i] != COL_UNKNOWN;
      }
    if (known == 0)
      {
        add (ck, 1, 1, 0, ERR, "mpki.header_missing",
             _("The first line is not a header; it must name the columns (CommonName,Email,SANRFC822 Email Address,PickupPassword,...)."));
        return;
      }
  }
  for (guint i = 0; i < ncols; i++)
    {
      Cell *c = &g_array_index (header, Cell, i);
      if (cols[i] == COL_UNKNOWN)
        {
          add (ck, c->line, c->column, i + 1, ERR, "mpki.unknown_column",
               _("“%s” is not an MPKI Lite column name (see docs/admin.md for the names)."), c->value);
          continue;
        }
      if (cols[i] != COL_OU && seen[cols[i]]++)
        add (ck, c->line, c->column, i + 1, ERR, "mpki.duplicate_column", _("The column “%s” appears twice."), c->value);
      if (cols[i] == COL_OU && ++seen[COL_OU] > 3)
        add (ck, c->line, c->column, i + 1, ERR, "mpki.too_many_ou", _("At most 3 OrganizationUnit columns are allowed."));
    }
  smime = seen[COL_GIVEN_NAME] || seen[COL_SURNAME] || seen[COL_PSEUDONYM];
  has_ou = seen[COL_OU] > 0;
  admin_bulk = seen[COL_PKCS12_PASSWORD] > 0;
  reissue = seen[COL_ORDER_ID] && seen[COL_REISSUE_PASSWORD];
  admin_reissue = seen[COL_ORDER_ID] && seen[COL_REISSUE_PKCS12_PASSWORD];
  if (seen[COL_ORDER_ID] && !reissue && !admin_reissue)
    add (ck, 1, 1, 0, ERR, "mpki.missing_column", _("A reissue file needs オーダーID and 証明書取得用パスワード (or PKCS#12パスワード)."));
  if (!seen[COL_ORDER_ID])
    {
      if (!seen[COL_COMMON_NAME])
        add (ck, 1, 1, 0, ERR, "mpki.missing_column", _("The header has no CommonName column."));
      if (smime && !(seen[COL_GIVEN_NAME] && seen[COL_SURNAME] && seen[COL_PSEUDONYM]))
        add (ck, 1, 1, 0, ERR, "mpki.missing_column", _("An S/MIME file must have all three columns GivenName, SurName and Pseudonym."));
      if (smime && !seen[COL_SAN_EMAIL])
        add (ck, 1, 1, 0, ERR, "mpki.missing_column", _("An S/MIME file needs the SANRFC822 Email Address column."));
      if (smime && has_ou)
        add (ck, 1, 1, 0, ERR, "mpki.ou_with_smime", _("The S/MIME BR CA does not allow OU; remove the OrganizationUnit columns."));
      if (!admin_bulk && !seen[COL_PICKUP_PASSWORD])
        add (ck, 1, 1, 0, ERR, "mpki.missing_column", _("The header has no PickupPassword column."));
    }
  if ((admin_bulk || reissue || admin_reissue) && rows->len - 1 > 200)
    add (ck, g_array_index ((GArray *) g_ptr_array_index (rows, 201), Cell, 0).line, 1, 0, ERR, "mpki.too_many_rows",
         _("The file has %u rows; at most 200 are allowed per upload for this kind of file."), rows->len - 1);

  for (guint r = 1; r < rows->len; r++)
    {
      GArray *row = g_ptr_array_index (rows, r);
      Cell *cn = NULL, *email = NULL, *san = NULL, *given = NULL, *surname = NULL, *pseudonym = NULL;
      gboolean cn_is_email = FALSE, cn_valid = FALSE, csr = FALSE, p12 = FALSE;

      if (row->len != header->len)
        {
          Cell *c = &g_array_index (row, Cell, 0);
          add (ck, c->line, 1, 0, ERR, "mpki.column_count",
               _("The row has %u fields; the header has %u."), row->len, header->len);
          continue;
        }
      for (guint i = 0; i < ncols; i++)
        {
          Cell *c = &g_array_index (row, Cell, i);
          const char *v = c->value;
          const char *name = g_array_index (header, Cell, i).value;
          long n = g_utf8_strlen (v, -1);
          gboolean b;

          switch (cols[i])
            {
            case COL_COMMON_NAME:
              cn = c;
              if (smime)
                {
                  cn_valid = parse_bool (v, &cn_is_email) && *v;
                  if (!cn_valid)
                    CADD (c, i + 1, ERR, "mpki.invalid_boolean",
                          _("CommonName in an S/MIME file is true/on (CN = the SAN address) or false/off (CN = name or pseudonym), not “%s”."), v);
                }
              else
                {
                  if (!*v)
                    CADD (c, i + 1, ERR, "mpki.required", _("CommonName is required."));
                  mpki_dn_value (ck, c, i + 1, "CommonName", 64);
                }
              break;
            case COL_EMAIL:
            case COL_SAN_EMAIL:
            case COL_CONTACT_EMAIL:
              if (cols[i] == COL_EMAIL)
                email = c;
              if (cols[i] == COL_SAN_EMAIL)
                san = c;
              if (*v && !is_email (v))
                CADD (c, i + 1, ERR, "mpki.invalid_email", _("%s “%s” is not a mail address."), name, v);
              if (n > 128)
                CADD (c, i + 1, ERR, "mpki.too_long", _("%s has %ld characters; at most 128 are allowed."), name, n);
              if (cols[i] == COL_SAN_EMAIL && smime && !*v)
                CADD (c, i + 1, ERR, "mpki.required", _("SANRFC822 Email Address is required for S/MIME."));
              break;
            case COL_PICKUP_PASSWORD:
            case COL_REISSUE_PASSWORD:
              if (strcmp (v, "AUTOGEN") != 0 && (n < 8 || n > 64 || !only_chars (v, "")))
                CADD (c, i + 1, ERR, "mpki.invalid_password",
                      cols[i] == COL_PICKUP_PASSWORD ? _("PickupPassword must be 8 to 64 letters and digits, or AUTOGEN.")
                                                     : _("The pickup password must be 8 to 64 letters and digits."));
              break;
            case COL_PKCS12_PASSWORD:
            case COL_REISSUE_PKCS12_PASSWORD:
              if (smime && cols[i] == COL_PKCS12_PASSWORD && strcmp (v, "AUTOGEN") != 0)
                CADD (c, i + 1, ERR, "mpki.pkcs12_password_autogen", _("With the S/MIME BR profile the PKCS#12 password must be AUTOGEN."));
              else if (strcmp (v, "AUTOGEN") != 0 && (n < 12 || n > 117 || !only_chars (v, "")))
                CADD (c, i + 1, ERR, "mpki.invalid_password", _("The PKCS#12 password must be 12 to 117 letters and digits%s."),
                      cols[i] == COL_PKCS12_PASSWORD ? _(", or AUTOGEN") : "");
              break;
            case COL_HAVE_CSR:
            case COL_PKCS12:
              if (!parse_bool (v, &b))
                CADD (c, i + 1, ERR, "mpki.invalid_boolean", _("%s takes true, on, false, off or nothing, not “%s”."), name, v);
              if (cols[i] == COL_HAVE_CSR)
                csr = b;
              else
                p12 = b;
              break;
            case COL_UPN:
              if (n > 128)
                CADD (c, i + 1, ERR, "mpki.too_long", _("UPN has %ld characters; at most 128 are allowed."), n);
              break;
            case COL_SID:
              if (n > 128 || !only_chars (v, "-"))
                CADD (c, i + 1, ERR, "mpki.invalid_sid", _("Security Identifier must be at most 128 letters, digits and '-' (e.g. S-1-5-21-…)."));
              break;
            case COL_GIVEN_NAME:
              given = c;
              mpki_dn_value (ck, c, i + 1, "GivenName", 31);
              break;
            case COL_SURNAME:
              surname = c;
              mpki_dn_value (ck, c, i + 1, "SurName", 31);
              break;
            case COL_PSEUDONYM:
              pseudonym = c;
              mpki_dn_value (ck, c, i + 1, "Pseudonym", 64);
              break;
            case COL_OU:
              mpki_dn_value (ck, c, i + 1, name, 64);
              if (is_half_width (v) && !only_chars (v, "- .,+/()"))
                CADD (c, i + 1, ERR, "mpki.forbidden_character",
                      _("%s may hold half-width letters, digits and - . , + / ( ) (or full-width text)."), name);
              break;
            case COL_ORDER_ID:
              if (!(g_str_has_prefix (v, "MPS") || (reissue && g_str_has_prefix (v, "MAS"))))
                CADD (c, i + 1, ERR, "mpki.invalid_order_id", _("Order ID “%s” does not start with %s."), v,
                      reissue ? "MPS or MAS" : "MPS");
              break;
            default:
              break;
            }
        }
      if (csr && p12)
        CADD (cn ? cn : &g_array_index (row, Cell, 0), 0, ERR, "mpki.csr_and_pkcs12",
              _("haveCSR and PKCS12 are both true; a certificate is either made from a CSR or delivered as PKCS#12."));
      if (smime && cn && cn_valid && !cn_is_email && given && surname && pseudonym)
        {
          if (*pseudonym->value && (*given->value || *surname->value))
            CADD (pseudonym, 0, ERR, "mpki.pseudonym_with_name", _("Pseudonym cannot be given together with GivenName or SurName."));
          else if (!*pseudonym->value && !*surname->value)
            CADD (cn, 0, ERR, "mpki.personal_name_missing",
                  _("With CommonName false the CN is built from SurName, GivenName SurName or Pseudonym; give SurName or Pseudonym."));
        }
      if (smime && email && san && *email->value && *san->value && g_ascii_strcasecmp (email->value, san->value) != 0)
        CADD (email, 0, WARN, "mpki.email_overwritten", _("Email differs from SANRFC822 Email Address; the SAN address will overwrite it."));
    }
}

static int
compare_issues (gconstpointer a, gconstpointer b)
{
  const InkanRequestIssue *x = *(InkanRequestIssue *const *) a, *y = *(InkanRequestIssue *const *) b;

  if (x->line != y->line)
    return x->line < y->line ? -1 : 1;
  return x->column < y->column ? -1 : x->column > y->column;
}

/**
 * inkan_request_check:
 * @data: the file's bytes
 * @format: the format, or %INKAN_REQUEST_FORMAT_AUTO to tell by the content
 *   (a tab in the first line: NII UPKI TSV; else MPKI Lite CSV)
 * @detected: (out) (optional): the format checked
 * @error: unused (reserved); the function does not fail
 *
 * Checks a bulk request file before it is uploaded.
 *
 * Returns: (transfer full) (element-type InkanRequestIssue): the issues
 *   found, in file order (empty when the file is good).
 */
GPtrArray *
inkan_request_check (GBytes *data, InkanRequestFormat format, InkanRequestFormat *detected, GError **error)
{
  Checker ck = { .issues = g_ptr_array_new_with_free_func ((GDestroyNotify) inkan_request_issue_free) };
  gsize len;
  const char *d = g_bytes_get_data (data, &len);

  (void) error;
  if (format == INKAN_REQUEST_FORMAT_AUTO)
    {
      const char *nl = memchr (d, '\n', len);
      gsize first = nl ? (gsize) (nl - d) : len;
      format = memchr (d, '\t', first) ? INKAN_REQUEST_FORMAT_NII_TSV : INKAN_REQUEST_FORMAT_MPKI_CSV;
    }
  if (detected)
    *detected = format;
  if (format == INKAN_REQUEST_FORMAT_NII_TSV)
    check_nii (&ck, data);
  else
    check_mpki (&ck, data);
  /* In file order; g_ptr_array_sort is a stable merge sort in GLib. */
  g_ptr_array_sort (ck.issues, compare_issues);
  return ck.issues;
}
