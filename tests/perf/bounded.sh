#!/bin/sh
# Large messages in bounded memory (issue 9; docs/performance.md), not
# timed: a 64 MiB message signs, verifies, encrypts and decrypts with the
# process's data segment (RLIMIT_DATA: heap and private mappings, not shared
# library code) capped at 16 MiB, a quarter of the message; the
# whole-in-memory code needs several times the message size and fails
# there.  Decryption streams the encryptedContent out of a temporary file
# (core/cms-detached.c): inkan's output and openssl's, with -stream (BER,
# indefinite lengths, the content in chunks) and without (definite
# lengths), AES-CBC EnvelopedData and AES-GCM AuthEnvelopedData; a damaged
# tag or a truncated message gives no plaintext.  openssl checks what inkan
# made.
. "$(dirname "$0")/../lib.sh"
need openssl openssl
need prlimit util-linux
# AddressSanitizer reserves its shadow memory in the data segment.
if ldd "$INKAN" 2>/dev/null | grep -q 'libasan'; then
  skip_all "memory caps do not apply under AddressSanitizer"
fi

MIB=64
CAP=$((16 * 1048576))
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
  expect_rc 0 "inkan decrypts it ($cipher) with 16 MiB of data segment" \
    capped "$INKAN" decrypt -k "$ID" $TRUST -o "$T/dec-$cipher.eml" "$T/enc-$cipher.eml"
  check "... to the whole attachment" test "$(payload "$T/dec-$cipher.eml")" = "$WANT"
  check "... into a 0600 file" test "$(stat -c %a "$T/dec-$cipher.eml")" = 600
  rm -f "$T/dec-$cipher.eml"
done
# A sign-then-encrypt round trip through inkan alone.
expect_rc 0 "encrypt --sign with 16 MiB of data segment" \
  capped "$INKAN" encrypt --sign -k "$ID" -r "$PKI/alice.cert.pem" -o "$T/se.eml" "$T/mail.eml"
expect_rc 0 "decrypt and verify it with 16 MiB" capped "$INKAN" decrypt -k "$ID" $TRUST -o "$T/se-dec.eml" "$T/se.eml"
check "... the signature inside is valid" grep -q '^valid' "$T/out"
check "... and the attachment is whole" test "$(payload "$T/se-dec.eml")" = "$WANT"
# Damaged AES-GCM ciphertext: no plaintext at all, and no temporary file
# left (a byte of a BER chunk header may be hit instead: then it is refused
# as malformed, exit 8).
lines=$(wc -l <"$T/enc-aes-256-gcm.eml")
sed "$((lines / 2))s/^A/B/; t; $((lines / 2))s/^./A/" "$T/enc-aes-256-gcm.eml" >"$T/gcm-bad.eml"
check "setup: the damaged copy differs" sh -c '! cmp -s "$1" "$2"' - "$T/enc-aes-256-gcm.eml" "$T/gcm-bad.eml"
capped "$INKAN" decrypt -k "$ID" $TRUST -o "$T/bad-dec.eml" "$T/gcm-bad.eml" >"$T/out" 2>"$T/err"
rc=$?
if [ $rc -eq 9 ] || [ $rc -eq 8 ]; then ok "damaged AES-GCM is refused (exit $rc)"; else not_ok "damaged AES-GCM: exit $rc"; fi
check "... and no output file is written" test ! -e "$T/bad-dec.eml"

# ---------------------------------------------------------------- openssl's output
# der_of MAIL DER: the base64 body of MAIL decoded; mail_of MAIL DER OUT:
# MAIL's header with DER as its base64 body.
der_of() { sed '1,/^$/d' "$1" | base64 -d >"$2"; }
mail_of() { { sed '/^$/q' "$1"; base64 -w 64 "$2"; } >"$3"; }
sed -n '/^Content-Type: multipart/,$p' "$T/mail.eml" >"$T/entity.eml"
for cipher in aes-256-cbc aes-256-gcm; do
  for stream in -stream -definite; do
    o="$T/o$stream-$cipher.eml"
    [ $stream = -stream ] && flag=-stream || flag=
    # shellcheck disable=SC2086
    check "setup: openssl cms -encrypt ${flag:+$flag }-$cipher" openssl cms -encrypt $flag -$cipher -in "$T/entity.eml" \
      -from alice@example.org -to bob@example.org -subject large -out "$o" "$PKI/alice.cert.pem"
    expect_rc 0 "inkan decrypts openssl's $cipher ($stream) with 16 MiB of data segment" \
      capped "$INKAN" decrypt -k "$ID" $TRUST -o "$T/dec.eml" "$o"
    check "... to the whole attachment" test "$(payload "$T/dec.eml")" = "$WANT"
    rm -f "$T/dec.eml"
  done
done
# The AES-GCM tag (the AuthEnvelopedData mac, RFC 5083 §2.1: the last
# 16-byte OCTET STRING at depth 3) comes after the content: one bit of it
# changed must give an error and no plaintext, the ciphertext streamed all
# the same.
for stream in -stream -definite; do
  der_of "$T/o$stream-aes-256-gcm.eml" "$T/gcm.der"
  at=$(openssl asn1parse -inform DER -in "$T/gcm.der" -dlimit 1 |
       sed -n 's/^ *\([0-9]*\):d=3 *hl=\([0-9]*\) l= *16 prim: OCTET STRING.*/\1 \2/p' | tail -1)
  at=$(( ${at% *} + ${at#* } ))
  byte=$(od -An -tu1 -j "$at" -N1 "$T/gcm.der" | tr -d ' ')
  printf "\\$(printf %o $((byte ^ 1)))" | dd of="$T/gcm.der" bs=1 seek="$at" conv=notrunc 2>/dev/null
  mail_of "$T/o$stream-aes-256-gcm.eml" "$T/gcm.der" "$T/gcm-tag.eml"
  check "setup: the tag of openssl's $stream AES-GCM is changed" sh -c '! cmp -s "$1" "$2"' - \
    "$T/o$stream-aes-256-gcm.eml" "$T/gcm-tag.eml"
  expect_rc 9 "a changed AES-GCM tag ($stream) is a decryption error" \
    capped "$INKAN" decrypt -k "$ID" $TRUST -o "$T/tag-dec.eml" "$T/gcm-tag.eml"
  check "... and no plaintext is written" test ! -e "$T/tag-dec.eml"
  check "... not even to standard output" test ! -s "$T/out"
done
# Truncated: the ciphertext cut in the middle (a message cut in transit)
# and, kept well-formed, with its last chunk of ciphertext left out.
for stream in -stream -definite; do
  der_of "$T/o$stream-aes-256-cbc.eml" "$T/cbc.der"
  head -c $(($(wc -c <"$T/cbc.der") / 2)) "$T/cbc.der" >"$T/cut.der"
  mail_of "$T/o$stream-aes-256-cbc.eml" "$T/cut.der" "$T/cut.eml"
  expect_rc 8 "a truncated AES-CBC message ($stream) is refused as malformed" \
    capped "$INKAN" decrypt -k "$ID" $TRUST -o "$T/cut-dec.eml" "$T/cut.eml"
  check "... and no plaintext is written" test ! -e "$T/cut-dec.eml"
done
der_of "$T/o-stream-aes-256-gcm.eml" "$T/gcm.der"
last=$(openssl asn1parse -inform DER -in "$T/gcm.der" -dlimit 1 |
       sed -n 's/^ *\([0-9]*\):d=5 *hl=\([0-9]*\) l= *\([0-9]*\) prim: OCTET STRING.*/\1 \2 \3/p' | tail -1)
# shellcheck disable=SC2086
set -- $last
{ head -c "$1" "$T/gcm.der"; tail -c +$(($1 + $2 + $3 + 1)) "$T/gcm.der"; } >"$T/short.der"
mail_of "$T/o-stream-aes-256-gcm.eml" "$T/short.der" "$T/short.eml"
check "setup: the last chunk ($3 bytes) of openssl's streamed AES-GCM is left out" \
  test "$(wc -c <"$T/short.der")" -eq $(($(wc -c <"$T/gcm.der") - $2 - $3))
expect_rc 9 "... then the tag does not match: a decryption error" \
  capped "$INKAN" decrypt -k "$ID" $TRUST -o "$T/short-dec.eml" "$T/short.eml"
check "... and no plaintext is written" test ! -e "$T/short-dec.eml"
check "no temporary file is left behind" sh -c '[ -z "$(ls -A "$1")" ]' - "$TMPDIR"
finish
