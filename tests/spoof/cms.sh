#!/bin/sh
# Spoofing resistance, CMS layer: hostile SignedData made from the test PKI
# (openssl cms + der.py), and the exact verdict inkan must give.  The
# verdict must never be "valid" for any of them.  TAP output.
. "$(dirname "$0")/../lib.sh"
need python3 python3
need openssl openssl
. "$(dirname "$0")/common.sh"

hdr 'Alice Example <alice@example.org>' 'invoice' >"$T/h-alice"
text_entity 'Please pay invoice 1234 to account 5678.' >"$T/e"
text_entity 'Please pay invoice 1234 to account 9999 (mallory).' >"$T/e2"

# ---------------------------------------------------------------- baseline
check "openssl signs the entity as alice" cms_sign alice "$T/e" "$T/alice.der"
signed_mail "$T/h-alice" "$T/e" "$T/alice.der" "$T/good.eml"
is "valid:" "baseline: alice's detached signature over the displayed text" "$T/good.eml"
exit_is 0 "baseline" "$T/good.eml"
check "baseline: der.py reads it (1 signer, certificates, no eContent)" \
  test "$($DER info "$T/alice.der")" = "signers=1 certs=2 econtent=no"

# ---------------------------------------------------------------- eContent in a detached signature
check "openssl signs the same text with eContent (-nodetach)" cms_sign alice "$T/e" "$T/same.der" -nodetach
signed_mail "$T/h-alice" "$T/e" "$T/same.der" "$T/ec-same.eml"
is "invalid:not-detached" "multipart/signed whose smime.p7s also carries the same text as eContent" "$T/ec-same.eml"
exit_is 1 "eContent (same text)" "$T/ec-same.eml"
check "openssl signs other text with eContent" cms_sign alice "$T/e2" "$T/other.der" -nodetach
signed_mail "$T/h-alice" "$T/e" "$T/other.der" "$T/ec-other.eml"
is "invalid:not-detached" "multipart/signed showing one text, eContent holding another" "$T/ec-other.eml"
check "... and the signature is reported as not verifying over the shown text" \
  test "$(vj "$T/ec-other.eml" '[s["signature_valid"] for s in d["signers"]]')" = "[False]"
signed_mail "$T/h-alice" "$T/e2" "$T/other.der" "$T/ec-match.eml"
is "invalid:not-detached" "eContent equal to the shown text is still not detached" "$T/ec-match.eml"

# ---------------------------------------------------------------- two SignerInfos
check "openssl signs as bob" cms_sign bob "$T/e" "$T/bob.der"
check "openssl signs as mallory (another address)" cms_sign mallory "$T/e" "$T/mallory.der"
check "openssl signs other text as mallory" cms_sign mallory "$T/e2" "$T/mallory-other.der"
$DER merge "$T/alice.der" "$T/bob.der" "$T/alice+bob.der"
check "merged SignedData has two SignerInfos" test "$($DER info "$T/alice+bob.der")" = "signers=2 certs=3 econtent=no"
signed_mail "$T/h-alice" "$T/e" "$T/alice+bob.der" "$T/two-valid.eml"
is "valid-signature:multiple-signers" "two valid SignerInfos (alice, bob), From alice" "$T/two-valid.eml"
exit_is 1 "two valid SignerInfos" "$T/two-valid.eml"
check "two valid: both signatures verify, only alice matches From" \
  test "$(vj "$T/two-valid.eml" '[(s["emails"][0], s["signature_valid"], s["from_match"]) for s in d["signers"]]')" = \
       "[('alice@example.org', True, True), ('bob@example.org', True, False)]"

$DER merge "$T/mallory.der" "$T/alice.der" "$T/mallory+alice.der"
signed_mail "$T/h-alice" "$T/e" "$T/mallory+alice.der" "$T/two-other-first.eml"
is "valid-signature:multiple-signers" "mallory's SignerInfo first, alice's second, From alice" "$T/two-other-first.eml"

$DER merge "$T/alice.der" "$T/mallory-other.der" "$T/alice+bad.der"
signed_mail "$T/h-alice" "$T/e" "$T/alice+bad.der" "$T/one-bad.eml"
is "invalid:multiple-signers" "alice valid + mallory's SignerInfo over other text" "$T/one-bad.eml"
exit_is 1 "one valid, one invalid SignerInfo" "$T/one-bad.eml"
check "... alice verifies, mallory does not" \
  test "$(vj "$T/one-bad.eml" '[s["signature_valid"] for s in d["signers"]]')" = "[True, False]"

$DER flip-signature "$T/alice+bob.der" 1 "$T/alice+bobflip.der"
signed_mail "$T/h-alice" "$T/e" "$T/alice+bobflip.der" "$T/flip2.eml"
is "invalid:multiple-signers" "alice valid + bob's signature value altered" "$T/flip2.eml"
$DER flip-signature "$T/alice.der" 0 "$T/aliceflip.der"
signed_mail "$T/h-alice" "$T/e" "$T/aliceflip.der" "$T/flip1.eml"
is "invalid:" "alice's one signature value altered" "$T/flip1.eml"

# The same for signed-data (application/pkcs7-mime): content inside the CMS.
check "openssl signs with eContent as alice" cms_sign alice "$T/e" "$T/alice-opaque.der" -nodetach
check "openssl signs with eContent as mallory" cms_sign mallory "$T/e" "$T/mallory-opaque.der" -nodetach
$DER merge "$T/alice-opaque.der" "$T/mallory-opaque.der" "$T/opaque2.der"
opaque_mail "$T/h-alice" "$T/opaque2.der" "$T/opaque2.eml"
is "valid-signature:multiple-signers" "signed-data with alice and mallory, From alice" "$T/opaque2.eml"
opaque_mail "$T/h-alice" "$T/alice-opaque.der" "$T/opaque1.eml"
is "valid:" "signed-data by alice alone (baseline)" "$T/opaque1.eml"

# ---------------------------------------------------------------- no SignerInfo
$DER drop-signers "$T/alice.der" "$T/nosigner.der"
check "SignedData without SignerInfo" test "$($DER info "$T/nosigner.der")" = "signers=0 certs=2 econtent=no"
signed_mail "$T/h-alice" "$T/e" "$T/nosigner.der" "$T/nosigner.eml"
is "invalid:from-mismatch,no-signer" "multipart/signed whose SignedData has no SignerInfo" "$T/nosigner.eml"
exit_is 1 "no SignerInfo" "$T/nosigner.eml"
check "no SignerInfo: no signer is listed" test "$(vj "$T/nosigner.eml" 'len(d["signers"])')" = 0
$DER drop-signers "$T/alice-opaque.der" "$T/nosigner-opaque.der"
opaque_mail "$T/h-alice" "$T/nosigner-opaque.der" "$T/nosigner-opaque.eml"
is "invalid:from-mismatch,no-signer" "signed-data (with content) and no SignerInfo" "$T/nosigner-opaque.eml"
# A certs-only "degenerate" SignedData (a .p7b) posing as a signature.
openssl crl2pkcs7 -nocrl -certfile "$PKI/alice.cert.pem" -certfile "$PKI/ca.pem" -outform DER -out "$T/p7b.der"
signed_mail "$T/h-alice" "$T/e" "$T/p7b.der" "$T/p7b.eml"
expect_rc 8 "a certs-only .p7b (no digest algorithm, no SignerInfo) as smime.p7s: exit 8" "$INKAN" verify $TRUST "$T/p7b.eml"
check "... with one line on stderr" test "$(wc -l <"$T/err")" -eq 1
opaque_mail "$T/h-alice" "$T/p7b.der" "$T/p7b-opaque.eml"
expect_rc 8 "a certs-only .p7b as signed-data (no content at all): exit 8" "$INKAN" verify $TRUST "$T/p7b-opaque.eml"
check "... with one line on stderr" test "$(wc -l <"$T/err")" -eq 1

# ---------------------------------------------------------------- no certificates
check "openssl signs as alice without certificates (-nocerts)" cms_sign alice "$T/e" "$T/nocerts.der" -nocerts
signed_mail "$T/h-alice" "$T/e" "$T/nocerts.der" "$T/nocerts.eml"
is "invalid:from-mismatch,no-signer" "SignedData without certificates" "$T/nocerts.eml"
$DER drop-certs "$T/alice.der" "$T/dropped.der"
signed_mail "$T/h-alice" "$T/e" "$T/dropped.der" "$T/dropped.eml"
is "invalid:from-mismatch,no-signer" "certificates removed from alice's SignedData" "$T/dropped.eml"
# mallory's SignerInfo merged into a SignedData that carries only alice's certificate
$DER drop-certs "$T/mallory.der" "$T/mallory-nocert.der"
$DER merge "$T/alice.der" "$T/mallory-nocert.der" "$T/alice+mnocert.der"
signed_mail "$T/h-alice" "$T/e" "$T/alice+mnocert.der" "$T/mnocert.eml"
is "invalid:no-signer,multiple-signers" "a second SignerInfo whose certificate is missing" "$T/mnocert.eml"

# ---------------------------------------------------------------- certificates for another purpose
ext() { printf '%s\n' "$@" >"$T/ext"; }
# leaf NAME EXTLINES...: a certificate for alice@example.org from the test
# issuing CA (trusted) with the given extensions, and its key.
leaf() {
  n=$1; shift
  ext "$@"
  openssl req -new -newkey rsa:2048 -nodes -keyout "$T/$n.key.pem" -subj "/CN=alice@example.org" -out "$T/$n.csr" 2>/dev/null &&
  openssl x509 -req -in "$T/$n.csr" -CA "$PKI/ca.pem" -CAkey "$PKI/ca.key.pem" -set_serial "0x$(openssl rand -hex 8)" \
    -days 30 -extfile "$T/ext" -out "$T/$n.cert.pem" 2>/dev/null
}
# sign_as CERT KEY CHAIN OUT: a multipart/signed mail from alice by CERT.
sign_as() {
  openssl cms -sign -in "$T/e" -signer "$1" -inkey "$2" ${3:+-certfile "$3"} -md sha256 -outform DER -out "$T/x.der" 2>/dev/null &&
  signed_mail "$T/h-alice" "$T/e" "$T/x.der" "$4"
}
check "make a certificate without digitalSignature (keyUsage keyEncipherment only)" \
  leaf kuenc 'keyUsage=critical,keyEncipherment' 'extendedKeyUsage=emailProtection' 'subjectAltName=email:alice@example.org'
check "sign with it" sign_as "$T/kuenc.cert.pem" "$T/kuenc.key.pem" "$PKI/chain.pem" "$T/kuenc.eml"
is "valid-signature:untrusted" "signer certificate may not sign (keyUsage)" "$T/kuenc.eml"
check "make a TLS server certificate naming alice@example.org" \
  leaf tls 'keyUsage=critical,digitalSignature,keyEncipherment' 'extendedKeyUsage=serverAuth' 'subjectAltName=email:alice@example.org,DNS:example.org'
check "sign with it" sign_as "$T/tls.cert.pem" "$T/tls.key.pem" "$PKI/chain.pem" "$T/tls.eml"
is "valid-signature:untrusted" "TLS server certificate (extendedKeyUsage serverAuth)" "$T/tls.eml"
check "the issuing CA's own certificate signs a mail" sign_as "$PKI/ca.pem" "$PKI/ca.key.pem" "" "$T/ca.eml"
is "valid-signature:from-mismatch,untrusted" "a CA certificate as the signer" "$T/ca.eml"

# ---------------------------------------------------------------- untrusted roots
check "a self-signed certificate for alice@example.org" \
  sh -c 'openssl req -x509 -newkey rsa:2048 -nodes -keyout "$1/self.key.pem" -out "$1/self.cert.pem" -days 30 \
    -subj "/CN=alice@example.org/emailAddress=alice@example.org" -addext "subjectAltName=email:alice@example.org" \
    -addext "extendedKeyUsage=emailProtection" 2>/dev/null' - "$T"
check "sign with it" sign_as "$T/self.cert.pem" "$T/self.key.pem" "" "$T/self.eml"
is "valid-signature:untrusted" "self-signed alice@example.org" "$T/self.eml"
# A look-alike hierarchy: root and issuing CA with exactly the names of the
# trusted ones, but other keys; the fake intermediate travels in the CMS.
fake_ca() {
  openssl req -x509 -newkey rsa:2048 -nodes -keyout "$T/froot.key" -out "$T/froot.pem" -days 30 \
    -subj "$(openssl x509 -in "$PKI/root.pem" -noout -subject -nameopt RFC2253 | sed 's/^subject=//; s/,/\//g; s/^/\//')" \
    -addext "basicConstraints=critical,CA:true" -addext "keyUsage=critical,keyCertSign" 2>/dev/null || return 1
  printf 'basicConstraints=critical,CA:true\nkeyUsage=critical,keyCertSign\nextendedKeyUsage=emailProtection\n' >"$T/ext"
  openssl req -new -newkey rsa:2048 -nodes -keyout "$T/fca.key" -out "$T/fca.csr" \
    -subj "/C=JP/O=Inkan Test/CN=Inkan Test S\\/MIME RSA Issuing CA" 2>/dev/null &&
  openssl x509 -req -in "$T/fca.csr" -CA "$T/froot.pem" -CAkey "$T/froot.key" -set_serial 7 -days 30 -extfile "$T/ext" -out "$T/fca.pem" 2>/dev/null &&
  printf 'keyUsage=critical,digitalSignature\nextendedKeyUsage=emailProtection\nsubjectAltName=email:alice@example.org\n' >"$T/ext" &&
  openssl req -new -newkey rsa:2048 -nodes -keyout "$T/fleaf.key" -out "$T/fleaf.csr" -subj "/CN=alice@example.org" 2>/dev/null &&
  openssl x509 -req -in "$T/fleaf.csr" -CA "$T/fca.pem" -CAkey "$T/fca.key" -set_serial 8 -days 30 -extfile "$T/ext" -out "$T/fleaf.pem" 2>/dev/null
}
check "a look-alike hierarchy (same names as the trusted root and issuing CA)" fake_ca
check "the fake issuing CA has the real one's subject" \
  test "$(openssl x509 -in "$T/fca.pem" -noout -subject)" = "$(openssl x509 -in "$PKI/ca.pem" -noout -subject)"
check "sign with the look-alike leaf, fake intermediate included" sign_as "$T/fleaf.pem" "$T/fleaf.key" "$T/fca.pem" "$T/fake.eml"
is "valid-signature:untrusted" "look-alike chain with the trusted names" "$T/fake.eml"
cat "$T/fca.pem" "$T/froot.pem" >"$T/fchain.pem"
check "sign again with the fake root included too" sign_as "$T/fleaf.pem" "$T/fleaf.key" "$T/fchain.pem" "$T/fake2.eml"
is "valid-signature:untrusted" "look-alike chain including the look-alike root" "$T/fake2.eml"
check "... the chain error is given" test "$(vj "$T/fake2.eml" 'd["signers"][0]["chain_error"] is not None')" = True

# ---------------------------------------------------------------- a signer key inkan cannot decode
# (the rsaEncryption OID of alice's certificate made unknown: this crashed
# inkan verify before; tests/fuzz/regressions/message keeps one too)
python3 - "$T/alice.der" "$PKI/alice.cert.pem" "$T/unknown-key.der" <<'PY'
import ssl, sys
der = bytearray(open(sys.argv[1], "rb").read())
leaf = ssl.PEM_cert_to_DER_cert(open(sys.argv[2]).read())
k = der.find(leaf)
m = der.find(bytes.fromhex("06092a864886f70d010101"), k)
assert k >= 0 and k < m < k + len(leaf)
der[m + 10] = 0x7F
open(sys.argv[3], "wb").write(der)
PY
signed_mail "$T/h-alice" "$T/e" "$T/unknown-key.der" "$T/unknown-key.eml"
is "invalid:untrusted" "signer certificate with an unknown public-key algorithm" "$T/unknown-key.eml"
exit_is 1 "unknown public-key algorithm (no crash)" "$T/unknown-key.eml"
finish
