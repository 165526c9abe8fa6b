#!/bin/sh
# Bad input (docs/security.md, "Bad input and faults"): wrong passphrases,
# damaged PKCS#12, CMS and PEM, huge header lines, 100,000 MIME parts, deep
# nesting, invalid UTF-8 in header fields.  TAP output.
. "$(dirname "$0")/../lib.sh"
. "$(dirname "$0")/common.sh"

TRUST="--trust $PKI/root.pem --no-system-trust"
BOB="-k $PKI/bob.p12 $PF"
OUT="$T/out.eml"
export INKAN_SMIME_DIR="$T/store"
check "setup: a store holding bob" "$INKAN" import $PF --new-passphrase-file "$PKI/passphrase.txt" "$PKI/bob.p12"
snapshot "$T/store" >"$T/store.before"
check "setup: the store is not empty" test -s "$T/store.before"
store_same() { snapshot "$T/store" >"$T/store.after"; check "$1: the store is unchanged" cmp -s "$T/store.before" "$T/store.after"; }
check "setup: encrypt plain.eml to bob" "$INKAN" encrypt -r "$PKI/bob.cert.pem" -o "$T/enc.eml" "$MAIL/plain.eml"
check "setup: alice signs plain.eml" "$INKAN" sign -k "$PKI/alice.p12" $PF -o "$T/signed.eml" "$MAIL/plain.eml"

# ---------------------------------------------------------------- wrong passphrase
printf 'not-the-passphrase\n' >"$T/wrong"
refuses 5 "wrong passphrase: sign" "$INKAN" sign -k "$PKI/alice.p12" --passphrase-file "$T/wrong" -o "$OUT" "$MAIL/plain.eml"
check "wrong passphrase: sign wrote nothing" no_file "$OUT"
refuses 5 "wrong passphrase: decrypt" "$INKAN" decrypt -k "$PKI/bob.p12" --passphrase-file "$T/wrong" -o "$OUT" "$T/enc.eml"
check "wrong passphrase: decrypt wrote nothing" no_file "$OUT"
refuses 5 "wrong passphrase: import" "$INKAN" import --passphrase-file "$T/wrong" --new-passphrase-file "$PKI/passphrase.txt" "$PKI/alice.p12"
store_same "wrong passphrase: import"
refuses 5 "wrong passphrase: import of an encrypted PEM key" "$INKAN" import --passphrase-file "$T/wrong" --new-passphrase-file "$PKI/passphrase.txt" "$PKI/alice.pem"
store_same "wrong passphrase: import of a PEM key"

# ---------------------------------------------------------------- truncated or damaged PKCS#12
size=$(wc -c <"$PKI/alice.p12")
for n in 0 1 100 1000 $((size - 1)); do
  head -c "$n" "$PKI/alice.p12" >"$T/cut.p12"
  refuses "5 6" "PKCS#12 cut to $n of $size bytes: sign" "$INKAN" sign -k "$T/cut.p12" $PF -o "$OUT" "$MAIL/plain.eml"
  check "PKCS#12 cut to $n bytes: no output" no_file "$OUT"
  refuses "5 6" "PKCS#12 cut to $n bytes: import" "$INKAN" import $PF --new-passphrase-file "$PKI/passphrase.txt" "$T/cut.p12"
  store_same "PKCS#12 cut to $n bytes"
done
for at in 0.02 0.5 0.98; do
  python3 -c 'import sys; d=bytearray(open(sys.argv[1],"rb").read()); d[int(len(d)*float(sys.argv[2]))]^=0x55; open(sys.argv[3],"wb").write(d)' \
    "$PKI/alice.p12" "$at" "$T/bad.p12"
  # The MAC covers the whole file: a damaged byte looks like a wrong passphrase.
  refuses "5 6" "PKCS#12 with a damaged byte at $at: sign" "$INKAN" sign -k "$T/bad.p12" $PF -o "$OUT" "$MAIL/plain.eml"
  check "damaged PKCS#12 at $at: no output" no_file "$OUT"
  refuses "5 6" "PKCS#12 with a damaged byte at $at: import" "$INKAN" import $PF --new-passphrase-file "$PKI/passphrase.txt" "$T/bad.p12"
  store_same "damaged PKCS#12 at $at"
done

# ---------------------------------------------------------------- damaged PEM
python3 - "$PKI/alice.pem" "$T/badkey.pem" <<'PY'
import sys
s = open(sys.argv[1]).read()
i = s.index("PRIVATE KEY-----") + 80
s = s[:i] + ("Q" if s[i] != "Q" else "R") + s[i + 1:]
open(sys.argv[2], "w").write(s)
PY
refuses "5 6" "PEM identity with a damaged encrypted key: sign" "$INKAN" sign -k "$T/badkey.pem" $PF -o "$OUT" "$MAIL/plain.eml"
check "damaged PEM key: no output" no_file "$OUT"
refuses "5 6" "PEM identity with a damaged encrypted key: import" "$INKAN" import $PF --new-passphrase-file "$PKI/passphrase.txt" "$T/badkey.pem"
store_same "damaged PEM key"
head -c 400 "$PKI/bob.cert.pem" >"$T/cut.pem"
refuses 6 "recipient certificate PEM cut short: encrypt" "$INKAN" encrypt -r "$T/cut.pem" -o "$OUT" "$MAIL/plain.eml"
check "cut recipient PEM: no output" no_file "$OUT"
refuses 6 "trust anchor PEM cut short: verify" "$INKAN" verify --trust "$T/cut.pem" "$T/signed.eml"
printf -- '-----BEGIN CERTIFICATE-----\n!!!! not base64 !!!!\n-----END CERTIFICATE-----\n' >"$T/garbage.pem"
refuses 6 "recipient PEM with garbage inside: encrypt" "$INKAN" encrypt -r "$T/garbage.pem" -o "$OUT" "$MAIL/plain.eml"
refuses "5 6" "a PEM with garbage inside: import" "$INKAN" import $PF --new-passphrase-file "$PKI/passphrase.txt" "$T/garbage.pem"
store_same "garbage PEM"

# ---------------------------------------------------------------- damaged CMS (decrypt side; verify: tests/cli/negative.sh)
cat >"$T/cms.py" <<'PY'
import base64, re, sys
mode, path, out = sys.argv[1], sys.argv[2], sys.argv[3]
data = open(path).read()
i = data.rfind("Content-Transfer-Encoding: base64")
j = data.index("\n\n", i) + 2
b64 = re.match(r"[A-Za-z0-9+/=\n]+", data[j:]).group(0)
der = base64.b64decode(b64)
if mode == "cut":
    der = der[: len(der) // 2]
elif mode == "head":
    der = der[:40]
elif mode == "zero":
    der = bytes(len(der))
new = base64.encodebytes(der).decode() if mode != "junk" else "not base64 at all !!!\n"
open(out, "w").write(data[:j] + new + data[j + len(b64):])
PY
for mode in cut head zero junk; do
  python3 "$T/cms.py" "$mode" "$T/enc.eml" "$T/cms-$mode.eml"
  refuses "8 9" "EnvelopedData damaged ($mode): decrypt" "$INKAN" decrypt $BOB -o "$OUT" "$T/cms-$mode.eml"
  check "EnvelopedData damaged ($mode): no output" no_file "$OUT"
done

# ---------------------------------------------------------------- a 10 MiB header line
# (INKAN_TEST_HEADER_MIB makes it smaller: under AddressSanitizer GMime's
# header buffer, grown by realloc, costs quadratic time; .ci/asan uses 1.)
MIB=${INKAN_TEST_HEADER_MIB:-10}
python3 - "$MAIL/plain.eml" "$T/long-subject.eml" "$T/long-from.eml" "$MIB" <<'PY'
import sys
head, _, body = open(sys.argv[1]).read().partition("\n\n")
lines = head.split("\n")
M = int(sys.argv[4]) * 1024 * 1024
subj = [("Subject: " + "x" * M) if l.startswith("Subject:") else l for l in lines]
open(sys.argv[2], "w").write("\n".join(subj) + "\n\n" + body)
frm = [("From: " + ", ".join("u%d@example.org" % i for i in range(M // 17))) if l.startswith("From:") else l for l in lines]
open(sys.argv[3], "w").write("\n".join(frm) + "\n\n" + body)
PY
expect_rc 2 "$MIB MiB Subject line: verify says not signed (exit 2)" "$INKAN" verify $TRUST "$T/long-subject.eml"
expect_rc 0 "$MIB MiB Subject line: alice signs it" "$INKAN" sign -k "$PKI/alice.p12" $PF -o "$T/long-signed.eml" "$T/long-subject.eml"
check "$MIB MiB Subject line: the signature is valid" test "$(verdict "$T/long-signed.eml" $TRUST)" = "valid:"
refuses 7 "$MIB MiB From line: sign refuses" "$INKAN" sign -k "$PKI/alice.p12" $PF -o "$OUT" "$T/long-from.eml"
check "$MIB MiB From line: no output" no_file "$OUT"
check "$MIB MiB From line: the sentence is short (under 1 KiB)" test "$(wc -c <"$T/err")" -lt 1024
check "$MIB MiB From line: verify answers" sh -c '"$1" verify --json $2 "$3" >/dev/null 2>&1; [ $? -eq 2 ]' - "$INKAN" "$TRUST" "$T/long-from.eml"

# ---------------------------------------------------------------- 100,000 MIME parts
python3 - "$T/parts.eml" "$T/parts.entity" <<'PY'
import sys
parts = "".join("--p\nContent-Type: text/plain\n\n%d\n" % i for i in range(100000)) + "--p--\n"
entity = 'Content-Type: multipart/mixed; boundary="p"\n\n' + parts
open(sys.argv[2], "w").write(entity)
open(sys.argv[1], "w").write("From: alice@example.org\nTo: bob@example.org\nSubject: parts\nMIME-Version: 1.0\n" + entity)
PY
refuses 8 "100,000 MIME parts: verify" "$INKAN" verify $TRUST "$T/parts.eml"
check "100,000 MIME parts: the sentence names the limit" grep -q 'more than 10000 MIME parts' "$T/err"
refuses 8 "100,000 MIME parts: sign" "$INKAN" sign -k "$PKI/alice.p12" $PF -o "$OUT" "$T/parts.eml"
check "100,000 MIME parts: sign wrote nothing" no_file "$OUT"
refuses 8 "100,000 MIME parts: encrypt" "$INKAN" encrypt -r "$PKI/bob.cert.pem" -o "$OUT" "$T/parts.eml"
check "100,000 MIME parts: encrypt wrote nothing" no_file "$OUT"
# The same parts inside an envelope (made by openssl: inkan will not encrypt them).
{ printf 'From: alice@example.org\nTo: bob@example.org\nSubject: parts\nMIME-Version: 1.0\n'
  openssl cms -encrypt -aes-256-cbc -in "$T/parts.entity" "$PKI/bob.cert.pem" 2>/dev/null; } >"$T/parts-enc.eml"
check "openssl encrypted the 100,000 parts" grep -q 'application/.*pkcs7-mime' "$T/parts-enc.eml"
refuses 8 "100,000 MIME parts inside an envelope: decrypt" "$INKAN" decrypt $BOB -o "$OUT" "$T/parts-enc.eml"
check "100,000 parts inside an envelope: no plaintext written" no_file "$OUT"
python3 - "$T/parts-ok.eml" <<'PY'
import sys
parts = "".join("--p\nContent-Type: text/plain\n\n%d\n" % i for i in range(9999)) + "--p--\n"
open(sys.argv[1], "w").write("From: alice@example.org\nSubject: parts\nMIME-Version: 1.0\nContent-Type: multipart/mixed; boundary=\"p\"\n\n" + parts)
PY
expect_rc 2 "10,000 MIME parts (the limit): verify reads it (exit 2)" "$INKAN" verify $TRUST "$T/parts-ok.eml"

# ---------------------------------------------------------------- deep nesting
# nest N KIND [INNER-FILE]: a mail nesting N multipart/mixed (KIND mixed) or
# message/rfc822 (KIND rfc822) levels around INNER (a MIME entity).
nest() {
  python3 - "$@" <<'PY'
import sys
n, kind = int(sys.argv[1]), sys.argv[2]
inner = open(sys.argv[3]).read() if len(sys.argv) > 3 else "Content-Type: text/plain\n\nhello\n"
for i in range(n):
    if kind == "mixed":
        inner = 'Content-Type: multipart/mixed; boundary="n%d"\n\n--n%d\n%s\n--n%d--\n' % (i, i, inner, i)
    else:
        inner = "Content-Type: message/rfc822\n\nFrom: x@example.org\nSubject: %d\nMIME-Version: 1.0\n%s" % (i, inner)
sys.stdout.write("From: Alice Example <alice@example.org>\nTo: bob@example.org\nSubject: deep\nMIME-Version: 1.0\n" + inner)
PY
}
nest 32 mixed >"$T/deep32.eml"
expect_rc 2 "32 levels of multipart (the limit): verify reads it (exit 2)" "$INKAN" verify $TRUST "$T/deep32.eml"
nest 33 mixed >"$T/deep33.eml"
refuses 8 "33 levels of multipart: verify" "$INKAN" verify $TRUST "$T/deep33.eml"
check "33 levels: the sentence names the limit" grep -q 'more than 32 levels deep' "$T/err"
nest 1000 mixed >"$T/deep1000.eml"
refuses 8 "1000 levels of multipart: verify" "$INKAN" verify $TRUST "$T/deep1000.eml"
refuses 8 "1000 levels of multipart: sign" "$INKAN" sign -k "$PKI/alice.p12" $PF -o "$OUT" "$T/deep1000.eml"
check "1000 levels: sign wrote nothing" no_file "$OUT"
nest 40 rfc822 >"$T/deep-rfc822.eml"
refuses 8 "40 levels of forwarded message/rfc822: verify" "$INKAN" verify $TRUST "$T/deep-rfc822.eml"
# A good signature 33 levels down is refused, not silently "not signed".
python3 - "$T/signed.eml" "$T/signed.entity" <<'PY'
import sys
data = open(sys.argv[1]).read()
head, _, body = data.partition("\n\n")
keep, cur = [], False
for l in head.split("\n"):
    if l[:1] in " \t":
        if cur: keep.append(l)
        continue
    cur = l.lower().startswith("content-")
    if cur: keep.append(l)
open(sys.argv[2], "w").write("\n".join(keep) + "\n\n" + body)
PY
nest 33 mixed "$T/signed.entity" >"$T/deep-signed.eml"
refuses 8 "a signed part 34 levels down: verify" "$INKAN" verify $TRUST "$T/deep-signed.eml"
nest 30 mixed "$T/signed.entity" >"$T/deep-signed-ok.eml"
check "a signed part 31 levels down: partially signed" \
  test "$(verdict "$T/deep-signed-ok.eml" $TRUST)" = "valid-signature:partially-signed"
# Deep nesting inside an envelope.
nest 40 mixed | sed '1,4d' >"$T/deep.entity"
{ printf 'From: alice@example.org\nTo: bob@example.org\nSubject: deep\nMIME-Version: 1.0\n'
  openssl cms -encrypt -aes-256-cbc -in "$T/deep.entity" "$PKI/bob.cert.pem" 2>/dev/null; } >"$T/deep-enc.eml"
refuses 8 "40 levels inside an envelope: decrypt" "$INKAN" decrypt $BOB -o "$OUT" "$T/deep-enc.eml"
check "40 levels inside an envelope: no plaintext written" no_file "$OUT"
# Nine envelopes, one inside the other (limit: eight S/MIME layers).
cp "$MAIL/plain.eml" "$T/layers.eml"
for i in 1 2 3 4 5 6 7 8; do
  "$INKAN" encrypt -r "$PKI/bob.cert.pem" -o "$T/layers.next" "$T/layers.eml" && mv "$T/layers.next" "$T/layers.eml"
done
expect_rc 0 "eight nested envelopes: decrypt reads them" "$INKAN" decrypt $BOB -o "$OUT" "$T/layers.eml"
check "eight nested envelopes: the plaintext is the original" grep -q 'Thursday, 10:00' "$OUT"
rm -f "$OUT"
check "a ninth envelope" "$INKAN" encrypt -r "$PKI/bob.cert.pem" -o "$T/layers9.eml" "$T/layers.eml"
refuses 8 "nine nested envelopes: decrypt" "$INKAN" decrypt $BOB -o "$OUT" "$T/layers9.eml"
check "nine nested envelopes: the sentence names the limit" grep -q 'more than 8 nested S/MIME layers' "$T/err"
check "nine nested envelopes: no output" no_file "$OUT"

# ---------------------------------------------------------------- invalid UTF-8 in header fields
printf 'From: Al\377ce \303( <al\377ce@example.org>\nSender: \355\240\200@example.org\nTo: bob@example.org\nSubject: \370\210\200\200\200 caf\351\nMIME-Version: 1.0\nContent-Type: text/plain\n\nhi\n' >"$T/utf8.eml"
python3 - "$T/signed.eml" "$T/utf8-signed.eml" <<'PY'
import sys
d = open(sys.argv[1], "rb").read()
head, _, body = d.partition(b"\n\n")
lines = [b"From: Al\xffce <al\xffce@example.org>" if l.startswith(b"From:") else l for l in head.split(b"\n")]
lines.append(b"Sender: \xed\xa0\x80@example.org")
open(sys.argv[2], "wb").write(b"\n".join(lines) + b"\n\n" + body)
PY
utf8_json() { python3 -c 'import json,sys; d=json.loads(sys.stdin.buffer.read().decode("utf-8")); print(d["verdict"]+":"+",".join(d["flags"]))'; }
got=$("$INKAN" verify --json $TRUST "$T/utf8.eml" 2>/dev/null | utf8_json)
check "invalid UTF-8 in From/Sender/Subject: verify --json is valid UTF-8 JSON ($got)" test "$got" = "not-signed:"
got=$("$INKAN" verify --json $TRUST "$T/utf8-signed.eml" 2>/dev/null | utf8_json)
check "invalid UTF-8 From on a signed mail: JSON valid, from-mismatch ($got)" test "$got" = "valid-signature:from-mismatch"
check "invalid UTF-8 From: shown with U+FFFD" \
  sh -c '"$1" verify --json $2 "$3" | grep -q "\"from\" : \"Al\\\\ufffdce\|\"from\" : \"Al.*�"' - "$INKAN" "$TRUST" "$T/utf8-signed.eml"
refuses 7 "invalid UTF-8 From: sign refuses" "$INKAN" sign -k "$PKI/alice.p12" $PF -o "$OUT" "$T/utf8.eml"
check "invalid UTF-8 From: the refusal is valid UTF-8" python3 -c 'import sys; open(sys.argv[1], "rb").read().decode("utf-8")' "$T/err"
check "invalid UTF-8 From: no output" no_file "$OUT"
finish
