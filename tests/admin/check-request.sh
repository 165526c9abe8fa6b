#!/bin/sh
# inkan check-request: the good and bad request files of samples/requests
# (NII UPKI client/S/MIME TSV in Shift-JIS, MPKI Lite CSV); every problem
# is asserted with its line and column.
. "$(dirname "$0")/../lib.sh"
need python3 python3
R=$(cd "$(dirname "$0")/../../samples/requests" && pwd)

# problems FILE [ARGS]: "LINE:COL CODE" per problem, from --json.
problems() {
  f=$1; shift
  "$INKAN" check-request --json "$@" "$f" | python3 -c '
import json,sys
for i in json.load(sys.stdin)["issues"]:
    print("%d:%d %s" % (i["line"], i["column"], i["code"]))'
}
# same FILE DESCRIPTION [ARGS]: compares problems with the here-document.
same() {
  f=$1; d=$2; shift 2
  problems "$f" "$@" >"$T/got" 2>/dev/null
  cat >"$T/want"
  if cmp -s "$T/got" "$T/want"; then ok "$d"; else not_ok "$d"; diff "$T/want" "$T/got" | sed 's/^/# /'; fi
}

for f in nii-good.tsv nii-good-bulk.tsv mpki-good-smime.csv mpki-good-access.csv mpki-good-reissue.csv; do
  expect_rc 0 "$f: no problems (exit 0)" "$INKAN" check-request "$R/$f"
  check "$f: summary line" grep -q "^$R/$f: 0 errors, 0 warnings" "$T/out"
done
check "the NII samples are Shift-JIS, not UTF-8" sh -c '! iconv -f UTF-8 -t UTF-8 "$1" >/dev/null 2>&1' - "$R/nii-good.tsv"

expect_rc 1 "nii-bad.tsv: exit 1" "$INKAN" check-request "$R/nii-bad.tsv"
check "compiler-style FILE:LINE:COL: severity: sentence [code]" \
  grep -q "^$R/nii-bad.tsv:4:103: error: Revocation reason “2” is not 0, 1, 3, 4 or 5. \[nii.reason_unknown\]$" "$T/out"
same "$R/nii-bad.tsv" "nii-bad.tsv: every problem at its line and column" <<'EOF2'
1:146 nii.pin_not_allowed_smime
2:1 nii.cn_not_user_mail
2:73 nii.mixed_download_methods
3:118 nii.pin_not_allowed_method
4:103 nii.reason_unknown
5:86 nii.serial_hex_without_0x
6:81 nii.profile_retired
7:1 nii.dn_order
7:1 nii.dn_no_locality
8:92 nii.required
8:94 nii.file_name_character
9:1 nii.column_count
10:115 nii.character_not_jis_x0208
EOF2
same "$R/nii-bad-utf8.tsv" "nii-bad-utf8.tsv: UTF-8 instead of Shift-JIS, at the first non-ASCII character" <<'EOF2'
1:90 nii.encoding_utf8
EOF2
same "$R/mpki-bad.csv" "mpki-bad.csv: every problem at its line and column" <<'EOF2'
2:1 mpki.invalid_boolean
3:45 mpki.invalid_password
3:51 mpki.invalid_boolean
3:69 mpki.too_long
4:58 mpki.pseudonym_with_name
5:1 mpki.personal_name_missing
5:47 mpki.invalid_sid
6:1 mpki.csr_and_pkcs12
6:6 mpki.email_overwritten
7:6 mpki.email_overwritten
7:26 mpki.invalid_email
7:55 mpki.forbidden_character
8:1 mpki.column_count
EOF2
same "$R/mpki-bad-no-header.csv" "mpki-bad-no-header.csv: the header is missing" <<'EOF2'
1:1 mpki.header_missing
EOF2
same "$R/mpki-bad-reissue.csv" "mpki-bad-reissue.csv: order ID and password" <<'EOF2'
2:1 mpki.invalid_order_id
3:19 mpki.invalid_password
EOF2
head -1 "$R/mpki-good-smime.csv" >"$T/warn.csv"
echo 'true,old@example.com,kate.jones@example.com,9o7t9ghsa3,false,true,,,,,' >>"$T/warn.csv"
expect_rc 0 "warnings only: exit 0" "$INKAN" check-request "$T/warn.csv"
check "the warning is printed with its place" grep -q ":2:6: warning: Email differs" "$T/out"

# File-level NII rules, on files made here.
python3 - "$T" <<'PY'
import sys, os
t = sys.argv[1]
def rec(i, method="1", profile="15"):
    mail = "user%04d@example.ac.jp" % i
    cols = ["CN=%s,O=Example University,ST=Tokyo,C=JP" % mail, profile, method, "", "", "", "", "", "",
            "ra@example.ac.jp", "", "" if method == "2" else "user%04d" % i, "", mail, ""]
    return "\t".join(cols)
open(os.path.join(t, "rows99.tsv"), "w").write("\r\n".join(rec(i) for i in range(99)) + "\r\n")
open(os.path.join(t, "rows100.tsv"), "w").write("\r\n".join(rec(i) for i in range(100)) + "\r\n")
open(os.path.join(t, "bulk1000.tsv"), "w").write("\n".join(rec(i, "2") for i in range(1000)) + "\n")
open(os.path.join(t, "bulk1001.tsv"), "w").write("\n".join(rec(i, "2") for i in range(1001)) + "\n")
open(os.path.join(t, "blank.tsv"), "w").write(rec(1) + "\n\n" + rec(2) + "\n")
open(os.path.join(t, "cr.tsv"), "w").write(rec(1) + "\r" + rec(2) + "\n")
open(os.path.join(t, "bom.tsv"), "wb").write(b"\xef\xbb\xbf" + rec(1).encode() + b"\n")
open(os.path.join(t, "header.tsv"), "w").write("\t".join(["DN"] + ["x"] * 14) + "\n" + rec(1) + "\n")
open(os.path.join(t, "empty.tsv"), "w").write("")
PY
expect_rc 0 "99 requests: allowed" "$INKAN" check-request --format nii-tsv "$T/rows99.tsv"
same "$T/rows100.tsv" "100 requests with method 1: too many, reported at line 100" <<'EOF2'
100:1 nii.too_many_rows
EOF2
expect_rc 0 "1000 new bulk-P12 requests: allowed" "$INKAN" check-request "$T/bulk1000.tsv"
same "$T/bulk1001.tsv" "1001 bulk-P12 requests: too many, at line 1001" <<'EOF2'
1001:1 nii.too_many_rows
EOF2
same "$T/blank.tsv" "an empty line in the middle" <<'EOF2'
2:1 nii.blank_line
EOF2
same "$T/header.tsv" "a header line" <<'EOF2'
1:1 nii.header_line
EOF2
same "$T/bom.tsv" "a UTF-8 byte order mark" <<'EOF2'
1:1 nii.encoding_bom
EOF2
check "CR alone: a line ending error" sh -c '"$1" check-request "$2" | grep -q "nii.line_ending"' - "$INKAN" "$T/cr.tsv"
same "$T/empty.tsv" "an empty file" --format nii-tsv <<'EOF2'
1:1 nii.empty
EOF2

# Formats, options, errors.
expect_rc 1 "--format mpki-csv on a TSV: checked as CSV" "$INKAN" check-request --format mpki-csv "$R/nii-good.tsv"
check "the format is named" grep -q "MPKI Lite bulk CSV" "$T/out"
expect_rc 0 "--json" "$INKAN" check-request --json "$R/mpki-good-smime.csv"
check "--json: format and issues" python3 -c '
import json,sys; d=json.load(open(sys.argv[1])); assert d["format"]=="mpki-csv" and d["issues"]==[]' "$T/out"
expect_rc 3 "--format other: usage error" "$INKAN" check-request --format xlsx "$R/nii-good.tsv"
expect_rc 3 "no file: usage error" "$INKAN" check-request
expect_rc 4 "missing file: I/O error" "$INKAN" check-request "$T/nope.tsv"
finish
