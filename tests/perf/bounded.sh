#!/bin/sh
# Large messages in bounded memory (issue 9; docs/performance.md), not
# timed: a 64 MiB message signs, verifies and encrypts with the process's
# data segment (RLIMIT_DATA: heap and private mappings, not shared library
# code) capped at 16 MiB, a quarter of the message; the whole-in-memory code
# needs several times the message size and fails there.  Decryption holds
# the whole CMS in memory (OpenSSL's d2i_CMS_bio), so it gets 6x: the old
# code needed more.  openssl checks what inkan made.
. "$(dirname "$0")/../lib.sh"
need openssl openssl
need prlimit util-linux
# AddressSanitizer reserves its shadow memory in the data segment.
if ldd "$INKAN" 2>/dev/null | grep -q 'libasan'; then
  skip_all "memory caps do not apply under AddressSanitizer"
fi

MIB=64
CAP=$((16 * 1048576))
DECRYPT_CAP=$((6 * MIB * 1048576))
TRUST="--no-system-trust --trust $PKI/anchors.pem"
capped() { prlimit --data="$CAP" "$@"; }
export TMPDIR="$T/tmp"
mkdir -p "$TMPDIR"
cat "$PKI/alice.key.pem" "$PKI/alice.cert.pem" "$PKI/chain.pem" >"$T/alice.pem"
ID="$T/alice.pem"

# A 64 MiB multipart/mixed mail with a base64 attachment of random bytes.
{
  printf 'From: Alice <alice@example.org>\nTo: Bob <bob@example.org>\nSubject: large\n'
  printf 'MIME-Version: 1.0\nContent-Type: multipart/mixed; boundary="bounded-boundary"\n\n'
  printf -- '--bounded-boundary\nContent-Type: text/plain; charset=us-ascii\n\nAttached.\n\n'
  printf -- '--bounded-boundary\nContent-Type: application/octet-stream; name="data.bin"\n'
  printf 'Content-Transfer-Encoding: base64\n\n'
  head -c $((MIB * 1048576 / 77 * 57)) /dev/urandom | base64 -w 76
  printf -- '--bounded-boundary--\n'
} >"$T/mail.eml"
# payload FILE: a digest of the attachment's base64 lines (CR dropped).
payload() {
  tr -d '\r' <"$1" | awk '/name="data.bin"/ { seen = 1 } seen && /^$/ { on = 1; next }
                          on && /^--/ { exit } on { print }' | sha256sum | cut -d' ' -f1
}
WANT=$(payload "$T/mail.eml")
check "setup: the message is $MIB MiB" test "$(wc -c <"$T/mail.eml")" -ge $((MIB * 1048576 - 4096))

# ---------------------------------------------------------------- sign, verify
expect_rc 0 "sign a $MIB MiB message with 16 MiB of data segment" \
  capped "$INKAN" sign -k "$ID" -o "$T/signed.eml" "$T/mail.eml"
check "the signed message carries the whole attachment" test "$(payload "$T/signed.eml")" = "$WANT"
check "openssl verifies inkan's signature" \
  openssl cms -verify -in "$T/signed.eml" -CAfile "$PKI/anchors.pem" -purpose smimesign -out /dev/null
expect_rc 0 "verify it with 16 MiB of data segment" capped "$INKAN" verify $TRUST "$T/signed.eml"
check "... valid" grep -q '^valid' "$T/out"
expect_rc 0 "verify it from a pipe (spilled to a temporary file) with 16 MiB" \
  sh -c 'cat "$1" | prlimit --data="$2" "$3" verify $4 -' - "$T/signed.eml" "$CAP" "$INKAN" "$TRUST"
expect_rc 0 "sign from standard input (a regular file) with 16 MiB" \
  sh -c 'prlimit --data="$1" "$2" sign -k "$3" <"$4" >"$5"' - "$CAP" "$INKAN" "$ID" "$T/mail.eml" "$T/signed2.eml"
check "... and it verifies" "$INKAN" verify $TRUST "$T/signed2.eml"
lines=$(wc -l <"$T/signed.eml")
sed "$((lines / 2))s/^A/B/; t; $((lines / 2))s/^./A/" "$T/signed.eml" >"$T/tampered.eml"
expect_rc 1 "a changed attachment line does not verify" capped "$INKAN" verify $TRUST "$T/tampered.eml"
check "... INVALID" grep -q '^INVALID' "$T/out"

# ---------------------------------------------------------------- encrypt, decrypt
for cipher in aes-256-cbc aes-256-gcm; do
  expect_rc 0 "encrypt ($cipher) with 16 MiB of data segment" \
    capped "$INKAN" encrypt --cipher $cipher -r "$PKI/alice.cert.pem" -o "$T/enc-$cipher.eml" "$T/mail.eml"
  check "openssl decrypts it ($cipher)" openssl cms -decrypt -in "$T/enc-$cipher.eml" -recip "$PKI/alice.cert.pem" \
    -inkey "$PKI/alice.key.pem" -out "$T/odec-$cipher.eml"
  check "... to the whole attachment" test "$(payload "$T/odec-$cipher.eml")" = "$WANT"
  rm -f "$T/odec-$cipher.eml"
  expect_rc 0 "inkan decrypts it ($cipher) with $((DECRYPT_CAP / 1048576)) MiB" \
    prlimit --data="$DECRYPT_CAP" "$INKAN" decrypt -k "$ID" $TRUST -o "$T/dec-$cipher.eml" "$T/enc-$cipher.eml"
  check "... to the whole attachment" test "$(payload "$T/dec-$cipher.eml")" = "$WANT"
  check "... into a 0600 file" test "$(stat -c %a "$T/dec-$cipher.eml")" = 600
  rm -f "$T/dec-$cipher.eml"
done
# A sign-then-encrypt round trip through inkan alone.
expect_rc 0 "encrypt --sign with 16 MiB of data segment" \
  capped "$INKAN" encrypt --sign -k "$ID" -r "$PKI/alice.cert.pem" -o "$T/se.eml" "$T/mail.eml"
expect_rc 0 "decrypt and verify it" prlimit --data="$DECRYPT_CAP" "$INKAN" decrypt -k "$ID" $TRUST -o "$T/se-dec.eml" "$T/se.eml"
check "... the signature inside is valid" grep -q '^valid' "$T/out"
check "... and the attachment is whole" test "$(payload "$T/se-dec.eml")" = "$WANT"
# Damaged AES-GCM ciphertext: no plaintext at all, and no temporary file
# left (a byte of a BER chunk header may be hit instead: then it is refused
# as malformed, exit 8).
lines=$(wc -l <"$T/enc-aes-256-gcm.eml")
sed "$((lines / 2))s/^A/B/; t; $((lines / 2))s/^./A/" "$T/enc-aes-256-gcm.eml" >"$T/gcm-bad.eml"
check "setup: the damaged copy differs" sh -c '! cmp -s "$1" "$2"' - "$T/enc-aes-256-gcm.eml" "$T/gcm-bad.eml"
prlimit --data="$DECRYPT_CAP" "$INKAN" decrypt -k "$ID" $TRUST -o "$T/bad-dec.eml" "$T/gcm-bad.eml" >"$T/out" 2>"$T/err"
rc=$?
if [ $rc -eq 9 ] || [ $rc -eq 8 ]; then ok "damaged AES-GCM is refused (exit $rc)"; else not_ok "damaged AES-GCM: exit $rc"; fi
check "... and no output file is written" test ! -e "$T/bad-dec.eml"
check "no temporary file is left behind" sh -c '[ -z "$(ls -A "$1")" ]' - "$TMPDIR"
finish
