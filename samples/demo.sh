#!/bin/sh
# The main job on the bundled samples: sign, verify, encrypt and decrypt
# samples/mail with the generated test PKI, and show the address check.
# Usage: samples/demo.sh [BUILD_DIR]
set -u
BUILD=${1:-build}
ROOT=$(cd "$(dirname "$0")/.." && pwd)
case $BUILD in /*) ;; *) BUILD=$ROOT/$BUILD ;; esac
INKAN=$BUILD/cli/inkan
PKI=$BUILD/samples/pki
MAIL=$ROOT/samples/mail
OUT=$BUILD/demo
PASS="--passphrase-file $PKI/passphrase.txt"
TRUST="--no-system-trust --trust $PKI/root.pem"
mkdir -p "$OUT"
step() { printf '\n\033[1m== %s\033[0m\n$ %s\n' "$1" "$2"; }
fail=0

step "Alice signs a mail (RSASSA-PKCS1-v1_5, SHA-256, multipart/signed)" \
  "inkan sign -k alice.p12 samples/mail/plain.eml -o signed.eml"
"$INKAN" sign -k "$PKI/alice.p12" $PASS "$MAIL/plain.eml" -o "$OUT/signed.eml" || fail=1
grep -i '^Content-Type: multipart/signed' -A1 "$OUT/signed.eml"

step "Bob verifies it" "inkan verify --trust root.pem signed.eml"
"$INKAN" verify $TRUST "$OUT/signed.eml" || fail=1

step "An independent check: OpenSSL verifies the same mail" "openssl cms -verify -CAfile root.pem -in signed.eml"
if command -v openssl >/dev/null; then
  openssl cms -verify -CAfile "$PKI/root.pem" -in "$OUT/signed.eml" -out /dev/null || fail=1
fi

step "Alice signs with RSASSA-PSS, opaque, from a legacy RC2 PKCS#12" \
  "inkan sign -k alice.legacy.p12 --pss --opaque samples/mail/japanese-subject.eml"
"$INKAN" sign -k "$PKI/alice.legacy.p12" $PASS --pss --opaque "$MAIL/japanese-subject.eml" -o "$OUT/pss.eml" || fail=1
"$INKAN" verify $TRUST "$OUT/pss.eml" | sed -n '1p;/signature:/p' || fail=1

step "The address check: Alice's certificate must not sign a mail From bob@example.org" \
  "inkan sign -k alice.p12 samples/mail/from-bob.eml -o refused.eml"
"$INKAN" sign -k "$PKI/alice.p12" $PASS "$MAIL/from-bob.eml" -o "$OUT/refused.eml"
rc=$?
echo "(exit code $rc; refused.eml was $( [ -e "$OUT/refused.eml" ] && echo created || echo "not created"))"
[ $rc -eq 7 ] && [ ! -e "$OUT/refused.eml" ] || fail=1

step "A mail signed by Alice but From Bob is not 'valid' for the reader" \
  "inkan sign --allow-address-mismatch ... ; inkan verify"
"$INKAN" sign -k "$PKI/alice.p12" $PASS --allow-address-mismatch "$MAIL/from-bob.eml" -o "$OUT/spoof.eml" || fail=1
"$INKAN" verify $TRUST "$OUT/spoof.eml" | head -3
[ "$("$INKAN" verify $TRUST "$OUT/spoof.eml" >/dev/null; echo $?)" -eq 1 ] || fail=1

step "Alice signs and encrypts to Bob (AES-256-CBC; Alice stays a recipient of her copy)" \
  "inkan encrypt --sign -k alice.p12 -r bob.cert.pem samples/mail/html-image.eml -o encrypted.eml"
"$INKAN" encrypt --sign -k "$PKI/alice.p12" $PASS -r "$PKI/bob.cert.pem" "$MAIL/html-image.eml" -o "$OUT/encrypted.eml" || fail=1
grep -i '^Content-Type: application/pkcs7-mime' -A1 "$OUT/encrypted.eml"

step "Bob decrypts it and learns who signed it" "inkan decrypt -k bob.p12 encrypted.eml -o decrypted.eml"
"$INKAN" decrypt -k "$PKI/bob.p12" $PASS $TRUST "$OUT/encrypted.eml" -o "$OUT/decrypted.eml" || fail=1
grep -m1 '^Subject:' "$OUT/decrypted.eml"

printf '\nOutputs are in %s\n' "$OUT"
if [ $fail -ne 0 ]; then echo "demo: a step did not behave as shown above" >&2; exit 1; fi
echo "demo: all steps behaved as expected."
