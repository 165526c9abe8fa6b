#!/bin/sh
# The commands mutt runs (plugins/mutt/inkan.rc), one by one, against the
# openssl command line: inkan-mutt sign / verify / verify-opaque / encrypt /
# decrypt and inkan mutt pk7out / get-cert / get-signer-cert /
# get-cert-email / import-cert.  Each is held to mutt's conventions (mutt
# 2.2 smime.c): DER on stdout, nothing on stderr on success, one line on
# stderr and nothing on stdout on failure, "Verification successful" as
# the first stderr line of a good verify and only then.  TAP output.
. "$(dirname "$0")/../lib.sh"
need openssl openssl
need python3 python3

HOOK=$(dirname "$INKAN")/../plugins/mutt/inkan-mutt
[ -x "$HOOK" ] || skip_all "inkan-mutt is not built next to $INKAN"
ROOT=$PKI/root.pem
export INKAN_SMIME_DIR="$T/smime"
# Only the test root is trusted for email (no system anchors).
export INKAN_EMAIL_ANCHORS="$ROOT"
{ cat "$PKI/passphrase.txt"; echo; } >"$T/pass"
echo wrong-passphrase >"$T/badpass"

# run WANT DESCRIPTION INPUT COMMAND...: COMMAND with INPUT on stdin must
# exit WANT; stdout is left in $T/out, stderr in $T/err.
run() {
  want=$1; desc=$2; input=$3; shift 3
  "$@" <"$input" >"$T/out" 2>"$T/err"
  rc=$?
  if [ "$rc" -eq "$want" ]; then ok "$desc"; else
    not_ok "$desc (exit $rc, wanted $want)"; sed 's/^/# err: /' "$T/err" | head -5; fi
}
# The conventions, on the last run.
quiet_success() { [ ! -s "$T/err" ] && [ -s "$T/out" ]; }
one_line_failure() { [ ! -s "$T/out" ] && [ "$(wc -l <"$T/err")" -eq 1 ]; }
first_err_line() { head -1 "$T/err"; }
good_verify() { [ "$(first_err_line)" = "Verification successful" ]; }

# ---------------------------------------------------------------- the store
"$INKAN" import --passphrase-file "$PKI/passphrase.txt" "$PKI/alice.p12" >/dev/null 2>&1
"$INKAN" import "$PKI/bob.cert.pem" "$PKI/chain.pem" >/dev/null 2>&1
A=$(awk '$1 == "alice@example.org" { print $2; exit }' "$T/smime/keys/.index")
B=$(awk '$1 == "bob@example.org" { print $2; exit }' "$T/smime/certificates/.index")
ISS=$(awk -v id="$A" '$2 == id { print $4; exit }' "$T/smime/certificates/.index")
check "the store has alice's key, bob's certificate and the issuer" \
  test -s "$T/smime/keys/$A" -a -s "$T/smime/certificates/$B" -a -s "$T/smime/certificates/$ISS"
KEY=$T/smime/keys/$A CERT=$T/smime/certificates/$A INTER=$T/smime/certificates/$ISS BOBCERT=$T/smime/certificates/$B

# A MIME entity as mutt writes %f for signing: LF line ends, 7-bit.
printf 'Content-Type: text/plain; charset=us-ascii\nContent-Disposition: inline\n\nHello Bob,\nthis is signed by mutt.\n' >"$T/entity"
sed 's/$/\r/' "$T/entity" >"$T/entity.crlf"
export INKAN_FROM=alice@example.org
SIGN="$HOOK sign -d sha256 -k $KEY -c $CERT -i $INTER"

# ---------------------------------------------------------------- sign
run 0 "sign: exit 0" "$T/pass" $SIGN "$T/entity"
check "sign: DER on stdout, nothing on stderr" quiet_success
cp "$T/out" "$T/sig.der"
check "sign: openssl cms verifies it against the test root" \
  openssl cms -verify -inform DER -in "$T/sig.der" -content "$T/entity" -CAfile "$ROOT" -out /dev/null
check "sign: stock mutt's openssl smime -verify accepts it on the CRLF entity mutt hands over" \
  openssl smime -verify -inform DER -in "$T/sig.der" -content "$T/entity.crlf" -CAfile "$ROOT" -out /dev/null
check "sign: the signature is detached (no eContent)" sh -c 'openssl cms -cmsout -print -inform DER -in "$1" | grep -q "eContent: <ABSENT>"' - "$T/sig.der"
openssl pkcs7 -inform DER -in "$T/sig.der" -print_certs -noout >"$T/certs.txt" 2>/dev/null
check "sign: carries alice's certificate and the issuing CA, not the root" \
  sh -c 'grep -q "subject=CN = alice@example.org" "$1" && grep -q "Issuing CA" "$1" && ! grep -q "subject=.*Root CA" "$1"' - "$T/certs.txt"
check "sign: RSASSA-PKCS1-v1_5 with SHA-256 by default" \
  sh -c 'p=$(openssl cms -cmsout -print -inform DER -in "$1"); echo "$p" | grep -q "algorithm: sha256" && echo "$p" | grep -q "rsaEncryption" && ! echo "$p" | grep -q rsassaPss' - "$T/sig.der"

run 0 "sign -d sha384: exit 0" "$T/pass" $HOOK sign -d sha384 -k "$KEY" -c "$CERT" -i "$INTER" "$T/entity"
cp "$T/out" "$T/sig384.der"
check "sign -d sha384: digestAlgorithm sha384" sh -c 'openssl cms -cmsout -print -inform DER -in "$1" | grep -q "algorithm: sha384"' - "$T/sig384.der"

run 0 "sign --pss: exit 0" "$T/pass" $HOOK sign --pss -d sha256 -k "$KEY" -c "$CERT" -i "$INTER" "$T/entity"
cp "$T/out" "$T/pss.der"
check "sign --pss: nothing on stderr" test ! -s "$T/err"
check "sign --pss: rsassaPss in the SignerInfo" sh -c 'openssl cms -cmsout -print -inform DER -in "$1" | grep -q rsassaPss' - "$T/pss.der"
check "sign --pss: openssl cms verifies it" \
  openssl cms -verify -inform DER -in "$T/pss.der" -content "$T/entity" -CAfile "$ROOT" -out /dev/null

run 0 "sign --opaque: exit 0" "$T/pass" $HOOK sign --opaque -k "$KEY" -c "$CERT" -i "$INTER" "$T/entity"
cp "$T/out" "$T/opaque.der"
openssl cms -verify -inform DER -in "$T/opaque.der" -CAfile "$ROOT" -out "$T/opaque.content" 2>/dev/null
check "sign --opaque: openssl recovers the CRLF entity from the signed-data" cmp -s "$T/opaque.content" "$T/entity.crlf"

run 0 "sign with %i = %c (no issuer known to mutt): exit 0" "$T/pass" $HOOK sign -k "$KEY" -c "$CERT" -i "$CERT" "$T/entity"
cat "$ROOT" "$PKI/chain.pem" >"$T/root+chain.pem"
check "sign with %i = %c: verifies when the verifier has the issuer" \
  openssl cms -verify -inform DER -in "$T/out" -content "$T/entity" -CAfile "$T/root+chain.pem" -out /dev/null

# The From check ($INKAN_FROM from the send2-hooks of inkan mutt setup).
run 7 "sign refuses without INKAN_FROM (no send2-hooks)" "$T/pass" env -u INKAN_FROM $SIGN "$T/entity"
check "... nothing on stdout, one line on stderr" one_line_failure
check "... the line says to run inkan mutt setup" grep -q "inkan mutt setup" "$T/err"
run 7 "sign refuses INKAN_FROM='' (From is none of the identities)" "$T/pass" env INKAN_FROM= $SIGN "$T/entity"
check "... nothing on stdout, one line naming alice@example.org" sh -c 'one_line() { [ ! -s "$1" ] && [ "$(wc -l <"$2")" -eq 1 ]; }; one_line "$1" "$2" && grep -q alice@example.org "$2"' - "$T/out" "$T/err"
run 7 "sign refuses INKAN_FROM=bob@example.org with alice's certificate" "$T/pass" env INKAN_FROM=bob@example.org $SIGN "$T/entity"
check "... one line naming bob@example.org and alice@example.org" \
  sh -c '[ ! -s "$1" ] && [ "$(wc -l <"$2")" -eq 1 ] && grep -q bob@example.org "$2" && grep -q alice@example.org "$2"' - "$T/out" "$T/err"
for from in alice@example.or alice@example.org.evil.com xalice@example.org 'alice@exаmple.org'; do
  run 7 "sign refuses INKAN_FROM=$from" "$T/pass" env INKAN_FROM="$from" $SIGN "$T/entity"
  check "... nothing on stdout" test ! -s "$T/out"
done
run 0 "sign accepts INKAN_FROM=ALICE@EXAMPLE.ORG (case)" "$T/pass" env INKAN_FROM=ALICE@EXAMPLE.ORG $SIGN "$T/entity"
run 0 "sign with INKAN_ALLOW_ADDRESS_MISMATCH=yes signs for bob's From" "$T/pass" \
  env INKAN_FROM=bob@example.org INKAN_ALLOW_ADDRESS_MISMATCH=yes $SIGN "$T/entity"

# Passphrases and keys.
run 5 "sign with a wrong passphrase: exit 5" "$T/badpass" $SIGN "$T/entity"
check "... nothing on stdout, one line on stderr" one_line_failure
printf '\n' >"$T/emptypass"
run 5 "sign with an empty passphrase line for an encrypted key: exit 5" "$T/emptypass" $SIGN "$T/entity"
check "... nothing on stdout, one line on stderr" one_line_failure
openssl pkey -in "$PKI/alice.key.pem" -out "$T/plain.key" 2>/dev/null
run 0 "sign with an unencrypted key and mutt's empty passphrase line" "$T/emptypass" \
  $HOOK sign -k "$T/plain.key" -c "$CERT" -i "$INTER" "$T/entity"
if openssl pkcs8 -topk8 -v1 PBE-SHA1-RC2-40 -provider legacy -provider default -in "$PKI/alice.key.pem" \
     -passout file:"$PKI/passphrase.txt" -out "$T/rc2.key" 2>/dev/null; then
  run 0 "sign with an RC2-40 encrypted key (OpenSSL's legacy provider, loaded on demand)" "$T/pass" \
    $HOOK sign -k "$T/rc2.key" -c "$CERT" -i "$INTER" "$T/entity"
  check "... verifies" sh -c 'openssl cms -verify -inform DER -in "$1" -content "$2" -CAfile "$3" -out /dev/null' - "$T/out" "$T/entity" "$ROOT"
else
  ok "# SKIP openssl cannot write an RC2-40 key here"
fi
openssl rsa -aes256 -in "$PKI/alice.key.pem" -passout file:"$PKI/passphrase.txt" -traditional -out "$T/trad.key" 2>/dev/null
run 0 "sign with a traditional (Proc-Type) encrypted key, as old smime_keys wrote them" "$T/pass" \
  $HOOK sign -k "$T/trad.key" -c "$CERT" -i "$INTER" "$T/entity"
run 6 "sign with an expired certificate (frank): exit 6" "$T/pass" \
  env INKAN_FROM=frank@example.org $HOOK sign -k "$PKI/frank.pem" -c "$PKI/frank.cert.pem" "$T/entity"
check "... one line saying it expired" sh -c '[ ! -s "$1" ] && [ "$(wc -l <"$2")" -eq 1 ] && grep -q expired "$2"' - "$T/out" "$T/err"
run 0 "sign with an EC key (dave): ECDSA" "$T/pass" env INKAN_FROM=dave@example.org $HOOK sign -k "$PKI/dave.pem" -c "$PKI/dave.cert.pem" "$T/entity"
check "... verifies" openssl cms -verify -inform DER -in "$T/out" -content "$T/entity" -CAfile "$T/root+chain.pem" -out /dev/null
run 10 "sign --pss with an EC key: exit 10" "$T/pass" env INKAN_FROM=dave@example.org $HOOK sign --pss -k "$PKI/dave.pem" -c "$PKI/dave.cert.pem" "$T/entity"
check "... one line" one_line_failure
run 3 "sign without -k: usage, exit 3" "$T/pass" $HOOK sign -c "$CERT" "$T/entity"

# ---------------------------------------------------------------- verify (detached)
VERIFY="$HOOK verify -CAfile $ROOT"
# A signature made by the openssl command as stock mutt makes it.
openssl smime -sign -md sha256 -signer "$PKI/alice.cert.pem" -inkey "$PKI/alice.key.pem" -certfile "$PKI/chain.pem" \
  -in "$T/entity" -outform DER -out "$T/osig.der" 2>/dev/null
run 0 "verify: openssl's signature on the CRLF entity: exit 0" /dev/null $VERIFY "$T/osig.der" "$T/entity.crlf"
check "... first stderr line is exactly 'Verification successful'" good_verify
check "... nothing on stdout (mutt closes it)" test ! -s "$T/out"
check "... the second line names the signer" sh -c 'sed -n 2p "$1" | grep -q alice@example.org' - "$T/err"
run 0 "verify: inkan's own PSS signature: exit 0" /dev/null $VERIFY "$T/pss.der" "$T/entity.crlf"
check "... Verification successful" good_verify
openssl cms -sign -md sha256 -signer "$PKI/alice.cert.pem" -inkey "$PKI/alice.key.pem" -certfile "$PKI/chain.pem" \
  -keyopt rsa_padding_mode:pss -in "$T/entity" -outform DER -out "$T/opss.der" 2>/dev/null
run 0 "verify: openssl's RSASSA-PSS signature (the stock smime -verify line rejects these)" /dev/null $VERIFY "$T/opss.der" "$T/entity.crlf"
check "... Verification successful" good_verify
sed 's/signed by mutt/signed by MUTT/' "$T/entity.crlf" >"$T/tampered"
run 1 "verify: tampered content: exit 1" /dev/null $VERIFY "$T/osig.der" "$T/tampered"
check "... one stderr line, not 'Verification successful'" sh -c '[ "$(wc -l <"$1")" -eq 1 ] && ! grep -qi "^verification successful" "$1"' - "$T/err"
check "... it says the message was changed" grep -q changed "$T/err"
run 1 "verify: no trust anchor for the test root: exit 1" /dev/null env INKAN_EMAIL_ANCHORS=/nonexistent $HOOK verify "$T/osig.der" "$T/entity.crlf"
check "... not 'Verification successful'; it names the chain" sh -c '! grep -qi "^verification successful" "$1" && grep -q "trusted" "$1"' - "$T/err"
run 0 "verify: the anchor from mutt's %C (-CAfile)" /dev/null env INKAN_EMAIL_ANCHORS=/nonexistent $HOOK verify -CAfile "$ROOT" "$T/osig.der" "$T/entity.crlf"
check "... Verification successful" good_verify
mkdir -p "$T/capath"; cp "$ROOT" "$T/capath/root.pem"
run 0 "verify: the anchor from mutt's %C (-CApath)" /dev/null env INKAN_EMAIL_ANCHORS=/nonexistent $HOOK verify -CApath "$T/capath" "$T/osig.der" "$T/entity.crlf"
run 1 "verify: an empty \$smime_ca_location (-CAfile '') adds nothing" /dev/null env INKAN_EMAIL_ANCHORS=/nonexistent $HOOK verify -CAfile '' "$T/osig.der" "$T/entity.crlf"
openssl smime -sign -md sha256 -signer "$PKI/oscar.cert.pem" -inkey "$PKI/oscar.key.pem" -in "$T/entity" -outform DER -out "$T/oscar.der" 2>/dev/null
run 1 "verify: signer from an untrusted root (oscar): exit 1" /dev/null $VERIFY "$T/oscar.der" "$T/entity.crlf"
check "... one line saying it is not trusted" sh -c '[ "$(wc -l <"$1")" -eq 1 ] && grep -q "trusted for email" "$1"' - "$T/err"
openssl smime -sign -md sha256 -signer "$PKI/frank.cert.pem" -inkey "$PKI/frank.key.pem" -certfile "$PKI/chain.pem" -in "$T/entity" -outform DER -out "$T/frank.der" 2>/dev/null
run 1 "verify: expired signer (frank): exit 1" /dev/null $VERIFY "$T/frank.der" "$T/entity.crlf"
check "... the line says expired" grep -q expired "$T/err"
openssl cms -sign -md sha256 -signer "$PKI/alice.cert.pem" -inkey "$PKI/alice.key.pem" -signer "$PKI/mallory.cert.pem" \
  -inkey "$PKI/mallory.key.pem" -certfile "$PKI/chain.pem" -in "$T/entity" -outform DER -out "$T/two.der" 2>/dev/null
run 1 "verify: two signers: exit 1" /dev/null $VERIFY "$T/two.der" "$T/entity.crlf"
check "... the line says more than one signer" grep -q "more than one signer" "$T/err"
openssl cms -sign -md sha1 -signer "$PKI/alice.cert.pem" -inkey "$PKI/alice.key.pem" -certfile "$PKI/chain.pem" -in "$T/entity" -outform DER -out "$T/sha1.der" 2>/dev/null
run 1 "verify: SHA-1 digest: exit 1 (weak algorithm)" /dev/null $VERIFY "$T/sha1.der" "$T/entity.crlf"
check "... the line says weak" grep -q weak "$T/err"
run 1 "verify: the signed-data given as a detached signature (eContent present): exit 1" /dev/null $VERIFY "$T/opaque.der" "$T/entity.crlf"
printf 'not a signature' >"$T/junk"
run 8 "verify: a signature file that is not CMS: exit 8" /dev/null $VERIFY "$T/junk" "$T/entity.crlf"
check "... one line, not 'Verification successful'" sh -c '[ "$(wc -l <"$1")" -eq 1 ] && ! grep -qi "^verification successful" "$1"' - "$T/err"

# --collect: the signer's certificate goes to the store when (and only when) the signature is valid.
run 1 "verify --collect of a tampered mail: exit 1" /dev/null env INKAN_SMIME_DIR="$T/collect" $VERIFY --collect "$T/osig.der" "$T/tampered"
check "... nothing was collected" test ! -e "$T/collect/certificates/.index"
run 0 "verify --collect of a good mail: exit 0" /dev/null env INKAN_SMIME_DIR="$T/collect" $VERIFY --collect "$T/osig.der" "$T/entity.crlf"
check "... still only 'Verification successful' and the signer line on stderr" sh -c '[ "$(wc -l <"$1")" -eq 2 ] && [ "$(head -1 "$1")" = "Verification successful" ]' - "$T/err"
check "... alice's certificate is now in the store, trusted for encryption" \
  grep -q '^alice@example.org [0-9a-f]*\.[0-9] .* t .*e' "$T/collect/certificates/.index"
check "... without a key" test ! -s "$T/collect/keys/.index"
run 0 "verify --collect again: exit 0, the store is unchanged" /dev/null env INKAN_SMIME_DIR="$T/collect" $VERIFY --collect "$T/osig.der" "$T/entity.crlf"
check "... one index line for alice" test "$(grep -c '^alice@example.org ' "$T/collect/certificates/.index")" -eq 1

# ---------------------------------------------------------------- verify-opaque
openssl cms -sign -nodetach -md sha256 -signer "$PKI/alice.cert.pem" -inkey "$PKI/alice.key.pem" -certfile "$PKI/chain.pem" \
  -in "$T/entity" -outform DER -out "$T/osd.der" 2>/dev/null
run 0 "verify-opaque: openssl's signed-data: exit 0" /dev/null $HOOK verify-opaque -CAfile "$ROOT" "$T/osd.der"
check "... the content on stdout" cmp -s "$T/out" "$T/entity.crlf"
check "... Verification successful" good_verify
python3 - "$T/osd.der" "$T/osd-bad.der" <<'PY'
import sys
d = open(sys.argv[1], 'rb').read()
open(sys.argv[2], 'wb').write(d.replace(b'signed by mutt', b'signed by MUTT', 1))
PY
run 1 "verify-opaque: content changed inside the signed-data: exit 1" /dev/null $HOOK verify-opaque -CAfile "$ROOT" "$T/osd-bad.der"
check "... no content on stdout, one line on stderr" one_line_failure
run 1 "verify-opaque: mallory's signed-data without an anchor for it still shows the content" /dev/null \
  env INKAN_EMAIL_ANCHORS=/nonexistent $HOOK verify-opaque "$T/osd.der"
check "... content on stdout, and not 'Verification successful'" sh -c 'cmp -s "$1" "$2" && ! grep -qi "^verification successful" "$3"' - "$T/out" "$T/entity.crlf" "$T/err"

# ---------------------------------------------------------------- encrypt
run 0 "encrypt to bob and alice (mutt's %c list): exit 0" /dev/null $HOOK encrypt -a aes256 "$T/entity" "$BOBCERT" "$CERT"
check "... DER on stdout, nothing on stderr" quiet_success
cp "$T/out" "$T/enc.der"
openssl cms -decrypt -inform DER -in "$T/enc.der" -inkey "$PKI/bob.key.pem" -recip "$PKI/bob.cert.pem" -out "$T/dec.bob" 2>/dev/null
check "... bob's key decrypts it with openssl to the CRLF entity" cmp -s "$T/dec.bob" "$T/entity.crlf"
openssl cms -decrypt -inform DER -in "$T/enc.der" -inkey "$PKI/alice.key.pem" -recip "$PKI/alice.cert.pem" -out "$T/dec.alice" 2>/dev/null
check "... and so does alice's (smime_self_encrypt)" cmp -s "$T/dec.alice" "$T/entity.crlf"
check "... with AES-256-CBC" sh -c 'openssl cms -cmsout -print -inform DER -in "$1" | grep -q aes-256-cbc' - "$T/enc.der"
run 0 "encrypt -a aes128: exit 0" /dev/null $HOOK encrypt -a aes128 "$T/entity" "$BOBCERT"
check "... AES-128-CBC" sh -c 'openssl cms -cmsout -print -inform DER | grep -q aes-128-cbc' - <"$T/out"
run 10 "encrypt -a des3: refused, exit 10" /dev/null $HOOK encrypt -a des3 "$T/entity" "$BOBCERT"
check "... nothing on stdout, one line naming smime_encrypt_with" sh -c '[ ! -s "$1" ] && [ "$(wc -l <"$2")" -eq 1 ] && grep -q smime_encrypt_with "$2"' - "$T/out" "$T/err"
run 6 "encrypt to an expired certificate (frank): exit 6" /dev/null $HOOK encrypt "$T/entity" "$PKI/frank.cert.pem"
check "... one line" one_line_failure

# ---------------------------------------------------------------- decrypt
DECRYPT="$HOOK decrypt -k $KEY -c $CERT"
openssl cms -encrypt -aes256 -in "$T/entity" -outform DER -out "$T/oenc.der" "$PKI/alice.cert.pem" 2>/dev/null
run 0 "decrypt: openssl's EnvelopedData to alice: exit 0" "$T/pass" $DECRYPT "$T/oenc.der"
check "... the entity on stdout, nothing on stderr" sh -c 'cmp -s "$1" "$2" && [ ! -s "$3" ]' - "$T/out" "$T/entity.crlf" "$T/err"
openssl cms -encrypt -aes-256-gcm -in "$T/entity" -outform DER -out "$T/ogcm.der" "$PKI/alice.cert.pem" 2>/dev/null
run 0 "decrypt: openssl's AuthEnvelopedData (AES-256-GCM): exit 0" "$T/pass" $DECRYPT "$T/ogcm.der"
check "... the entity" cmp -s "$T/out" "$T/entity.crlf"
run 5 "decrypt with a wrong passphrase: exit 5" "$T/badpass" $DECRYPT "$T/oenc.der"
check "... nothing on stdout, one line" one_line_failure
openssl cms -encrypt -aes256 -in "$T/entity" -outform DER -out "$T/tobob.der" "$PKI/bob.cert.pem" 2>/dev/null
run 9 "decrypt a mail for bob with alice's key: exit 9" "$T/pass" $DECRYPT "$T/tobob.der"
check "... nothing on stdout, one line" one_line_failure
run 2 "decrypt a signature (not encrypted): exit 2" "$T/pass" $DECRYPT "$T/osig.der"
base64 "$T/oenc.der" >"$T/oenc.b64"
run 0 "decrypt: base64 instead of DER is read too" "$T/pass" $DECRYPT "$T/oenc.b64"

# ---------------------------------------------------------------- pk7out, get-cert
"$INKAN" sign -k "$PKI/alice.p12" $PF -o "$T/signed.eml" "$MAIL/plain.eml" 2>/dev/null
run 0 "pk7out of a signed mail: exit 0" /dev/null "$INKAN" mutt pk7out "$T/signed.eml"
check "... PEM PKCS#7 on stdout, nothing on stderr" sh -c 'head -1 "$1" | grep -q "^-----BEGIN PKCS7-----" && [ ! -s "$2" ]' - "$T/out" "$T/err"
cp "$T/out" "$T/p7.pem"
check "... openssl pkcs7 reads it: alice and the issuing CA" \
  sh -c 'openssl pkcs7 -in "$1" -print_certs -noout | grep -q "CN = alice@example.org"' - "$T/p7.pem"
run 0 "get-cert of it: exit 0" /dev/null "$INKAN" mutt get-cert "$T/p7.pem"
check "... the same certificates openssl pkcs7 -print_certs finds" \
  sh -c 'openssl pkcs7 -in "$1" -print_certs | grep -v "^subject\|^issuer\|^$" >"$3"; grep -v "^$" "$2" | cmp -s - "$3"' - "$T/p7.pem" "$T/out" "$T/expected-certs"
cp "$T/out" "$T/certs.pem"
"$INKAN" sign --opaque -k "$PKI/alice.p12" $PF -o "$T/opaque-mail.eml" "$MAIL/plain.eml" 2>/dev/null
run 0 "pk7out of an opaque (signed-data) mail: exit 0" /dev/null "$INKAN" mutt pk7out "$T/opaque-mail.eml"
run 2 "pk7out of an unsigned mail: exit 2" /dev/null "$INKAN" mutt pk7out "$MAIL/plain.eml"
check "... nothing on stdout, one line" one_line_failure

# ---------------------------------------------------------------- get-signer-cert, get-cert-email
# mutt opens %c itself and reads the certificate through that descriptor.
: >"$T/c.pem"
exec 9<"$T/c.pem"
run 0 "get-signer-cert of a good mail: exit 0" /dev/null "$INKAN" mutt get-signer-cert "$T/signed.eml" "$T/c.pem"
check "... nothing on stdout or stderr" sh -c '[ ! -s "$1" ] && [ ! -s "$2" ]' - "$T/out" "$T/err"
cat <&9 >"$T/c.read"
exec 9<&-
check "... written in place: mutt's open descriptor sees the certificate" grep -q "BEGIN CERTIFICATE" "$T/c.read"
check "... alice's certificate (openssl x509 -email)" test "$(openssl x509 -in "$T/c.pem" -noout -email)" = alice@example.org
run 0 "get-cert-email of it: exit 0" /dev/null "$INKAN" mutt get-cert-email "$T/c.pem"
check "... prints exactly alice@example.org" test "$(cat "$T/out")" = alice@example.org
# mutt 2.2 compares with strncasecmp(line, From, strlen(From)): a line
# that merely starts with From matches.  Each case below must print no line
# that starts with its From address (mutt's test), i.e. no match.
mutt_matches() { # FROM: does any output line start with FROM (case-insensitive)?
  python3 -c 'import sys
f = sys.argv[1].lower()
sys.exit(0 if any(l.rstrip("\n").lower().startswith(f) for l in open(sys.argv[2])) else 1)' "$1" "$T/out"
}
i=0
for from in 'alice@example.or' 'Alice <alice@example.or>' 'alice@example.org.evil' 'alice@example' \
            'Mallory <mallory@example.net>' 'alice@example.org, bob@example.org'; do
  i=$((i + 1))
  sed "s/^From: .*/From: $from/" "$T/signed.eml" >"$T/from$i.eml"
  addr=$(echo "$from" | sed 's/.*<\(.*\)>.*/\1/; s/,.*//')
  run 0 "get-signer-cert, From: $from: exit 0" /dev/null "$INKAN" mutt get-signer-cert "$T/from$i.eml" "$T/c$i.pem"
  run 0 "get-cert-email, From: $from: exit 0" /dev/null "$INKAN" mutt get-cert-email "$T/c$i.pem"
  check "... mutt would not match $addr" sh -c '! "$@"' - mutt_matches "$addr"
  check "... (stock openssl x509 -email would: it prints alice@example.org)" \
    test "$(openssl x509 -in "$T/c$i.pem" -noout -email)" = alice@example.org
done
sed "s/^From: .*/From: Alice <ALICE@Example.ORG>/" "$T/signed.eml" >"$T/upper.eml"
run 0 "get-signer-cert, From: ALICE@Example.ORG: exit 0" /dev/null "$INKAN" mutt get-signer-cert "$T/upper.eml" "$T/cu.pem"
run 0 "get-cert-email of it: exit 0" /dev/null "$INKAN" mutt get-cert-email "$T/cu.pem"
check "... mutt matches ALICE@Example.ORG" mutt_matches ALICE@Example.ORG
"$INKAN" sign -k "$PKI/mallory.p12" $PF -o "$T/mallory.eml" "$(sed 's/^From: .*/From: mallory@example.net/' "$MAIL/plain.eml" >"$T/m-in.eml"; echo "$T/m-in.eml")" 2>/dev/null
sed 's/^From: .*/From: Alice <alice@example.org>/' "$T/mallory.eml" >"$T/mallory-as-alice.eml"
run 0 "get-signer-cert, mallory's signature under From alice: exit 0" /dev/null "$INKAN" mutt get-signer-cert "$T/mallory-as-alice.eml" "$T/cm.pem"
run 0 "get-cert-email of it: exit 0" /dev/null "$INKAN" mutt get-cert-email "$T/cm.pem"
check "... mutt would not match alice@example.org" sh -c '! "$@"' - mutt_matches alice@example.org
run 0 "get-cert-email of a plain certificate (taro): exit 0" /dev/null "$INKAN" mutt get-cert-email "$PKI/taro.cert.pem"
check "... both addresses, one per line, each ending in a newline" \
  sh -c 'grep -qx "taro@xn--r8jz45g.jp" "$1" && grep -qx "太郎@例え.jp" "$1" && [ "$(tail -c1 "$1" | od -An -c | tr -d " ")" = "\\n" ]' - "$T/out"
run 2 "get-signer-cert of an unsigned mail: exit 2" /dev/null "$INKAN" mutt get-signer-cert "$MAIL/plain.eml" "$T/cx.pem"
check "... nothing written" test ! -s "$T/cx.pem"

# ---------------------------------------------------------------- import-cert
run 0 "import-cert (mutt's label line on stdin, empty): exit 0" /dev/null env INKAN_SMIME_DIR="$T/imp" "$INKAN" mutt import-cert "$T/certs.pem"
check "... alice's certificate is in certificates/.index, trusted, with its issuer" \
  sh -c 'awk '"'"'$1 == "alice@example.org" && $4 != "?" && $5 == "t"'"'"' "$1" | grep -q .' - "$T/imp/certificates/.index"
run 0 "import-cert again: exit 0, nothing changed" /dev/null env INKAN_SMIME_DIR="$T/imp" "$INKAN" mutt import-cert "$T/certs.pem"
check "... says it is already there" grep -q "already" "$T/out"
printf 'Alice at work\n' >"$T/label"
run 0 "import-cert with a label (\$smime_ask_cert_label)" "$T/label" env INKAN_SMIME_DIR="$T/imp2" "$INKAN" mutt import-cert "$T/certs.pem"
check "... the label is in the index (spaces made _)" grep -q "Alice_at_work" "$T/imp2/certificates/.index"
run 6 "import-cert of CA certificates only: exit 6" /dev/null env INKAN_SMIME_DIR="$T/imp3" "$INKAN" mutt import-cert "$PKI/chain.pem"

finish
