#!/bin/sh
# Large messages: sign, verify, encrypt and decrypt of one SIZE MiB message
# (default 256), inkan beside `openssl cms -stream`, with wall time and peak
# RSS.  The message is made here: multipart/mixed, a short text part and an
# application/octet-stream attachment of random bytes in base64.
#
#   bench/large.sh [SIZE_MIB]
#
# openssl is given the same body entity (Content-Type + body; openssl
# canonicalises it to CRLF itself) and verifies and decrypts inkan's output,
# so both read the very same bytes.
. "$(dirname "$0")/lib.sh"
SIZE=${1:-256}

# ------------------------------------------------------------ the message
# base64 with 76-character lines is 77 bytes per 57 input bytes.
raw=$((SIZE * 1048576 / 77 * 57))
{
  printf 'From: Alice <alice@example.org>\nTo: Bob <bob@example.org>\n'
  printf 'Subject: a large attachment\nDate: Mon, 02 Nov 2026 09:00:00 +0900\n'
  printf 'Message-ID: <bench-large@example.org>\nMIME-Version: 1.0\n'
  printf 'Content-Type: multipart/mixed; boundary="inkan-bench-boundary"\n\n'
  printf -- '--inkan-bench-boundary\nContent-Type: text/plain; charset=us-ascii\n\nThe data is attached.\n\n'
  printf -- '--inkan-bench-boundary\nContent-Type: application/octet-stream; name="data.bin"\n'
  printf 'Content-Transfer-Encoding: base64\nContent-Disposition: attachment; filename="data.bin"\n\n'
  head -c "$raw" /dev/urandom | base64 -w 76
  printf -- '--inkan-bench-boundary--\n'
} >"$B/mail.eml"
# The body entity alone, for openssl (it signs what it is given).
sed -n '/^Content-Type: multipart/,$p' "$B/mail.eml" >"$B/entity.eml"

machine
printf 'message: %s bytes (%s MiB), multipart/mixed with a base64 attachment\n\n' \
  "$(wc -c <"$B/mail.eml")" "$SIZE"

measure i_sign "$INKAN" sign -k "$ID" "$B/mail.eml" -o "$B/signed.eml"
measure o_sign openssl cms -sign -stream -in "$B/entity.eml" -signer "$PKI/alice.cert.pem" \
  -inkey "$PKI/alice.key.pem" -certfile "$PKI/chain.pem" -md sha256 -out "$B/o-signed.eml"
measure i_verify "$INKAN" verify $TRUST "$B/signed.eml"
measure o_verify openssl cms -verify -in "$B/signed.eml" -CAfile "$PKI/anchors.pem" -purpose smimesign -out /dev/null
measure i_encrypt "$INKAN" encrypt -r "$PKI/alice.cert.pem" "$B/mail.eml" -o "$B/encrypted.eml"
measure o_encrypt openssl cms -encrypt -stream -aes-256-cbc -in "$B/entity.eml" -out "$B/o-encrypted.eml" \
  "$PKI/alice.cert.pem"
rm -f "$B/o-signed.eml" "$B/o-encrypted.eml"
measure i_decrypt "$INKAN" decrypt -k "$ID" $TRUST "$B/encrypted.eml" -o "$B/decrypted.eml"
rm -f "$B/decrypted.eml"
measure o_decrypt openssl cms -decrypt -in "$B/encrypted.eml" -recip "$PKI/alice.cert.pem" \
  -inkey "$PKI/alice.key.pem" -out "$B/o-decrypted.eml"
rm -f "$B/o-decrypted.eml"

header "$SIZE MiB message"
row "sign (multipart/signed)" i_sign o_sign
row "verify" i_verify o_verify
row "encrypt (AES-256-CBC)" i_encrypt o_encrypt
row "decrypt" i_decrypt o_decrypt
grep -q '^verdict\|valid' "$B/stdout.i_verify" || { echo "bench: inkan verify printed no verdict" >&2; exit 1; }
