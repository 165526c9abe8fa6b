#!/bin/sh
# inkan chain: the path to an email trust anchor for certificates and
# signed messages, with the per-certificate details and the verdict.
. "$(dirname "$0")/../lib.sh"
need python3 python3
need openssl openssl
[ -d "${LINT_CERTS:-}" ] || skip_all "LINT_CERTS is not set (run through meson test)"
L=$LINT_CERTS
j() { python3 -c 'import json,sys; d=json.load(open(sys.argv[1])); print(eval(sys.argv[2]))' "$T/out" "$1"; }

"$INKAN" sign -k "$PKI/alice.p12" $PF "$MAIL/plain.eml" -o "$T/alice.eml" 2>/dev/null
expect_rc 0 "signed message: trusted (exit 0)" "$INKAN" chain "$T/alice.eml"
check "three certificates, the root marked as the anchor" sh -c '
grep -q "^\[0\] emailAddress=alice@example.org,CN=alice@example.org$" "$1" &&
grep -q "^\[1\] CN=Inkan Test S/MIME RSA Issuing CA" "$1" &&
grep -q "^\[2\] CN=Inkan Test Root CA,O=Inkan Test,C=JP  (trust anchor)$" "$1"' - "$T/out"
check "details: serial, validity with days left, key, signature, SBR type" sh -c '
grep -q "^    serial:    [0-9A-F]*$" "$1" && grep -Eq "^    validity:  .* \(36[45] days left\)$" "$1" &&
grep -q "^    key:       RSA 2048$" "$1" && grep -q "^    key:       RSA 4096$" "$1" &&
grep -q "^    signature: sha256WithRSAEncryption$" "$1" &&
grep -q "^    SBR:       mailbox-validated strict$" "$1" && grep -q "^    SBR:       subordinate CA$" "$1" &&
grep -q "^    SBR:       root CA$" "$1"' - "$T/out"
check "one verdict line" grep -q "^verdict: trusted for S/MIME signing: the chain reaches the anchor CN=Inkan Test Root CA" "$T/out"

expect_rc 0 "--json" "$INKAN" chain --json "$T/alice.eml"
check "--json: trusted, 3 certificates, anchor last" test "$(j '(d["trusted"], len(d["certificates"]), d["certificates"][2]["anchor"], d["certificates"][0]["kind"], d["certificates"][0]["sbr_profile"])')" = "(True, 3, True, 'subscriber', 'mailbox-validated strict')"

cat "$PKI/erin.cert.pem" "$PKI/ca.pem" >"$T/erin-chain.pem"
expect_rc 0 "certificate file with its chain (erin, RSASSA-PSS)" "$INKAN" chain --json "$T/erin-chain.pem"
check "PSS parameters shown" test "$(j 'd["certificates"][0]["signature_algorithm"]')" = "RSASSA-PSS (SHA-256, MGF1-SHA-256, salt 32)"

openssl crl2pkcs7 -nocrl -certfile "$PKI/dave.cert.pem" -certfile "$PKI/ca.pem" -outform DER -out "$T/dave.p7b"
expect_rc 0 ".p7b delivery" "$INKAN" chain --json "$T/dave.p7b"
check ".p7b: EC key described" test "$(j 'd["certificates"][0]["key"]')" = "EC P-256"

expect_rc 1 "untrusted root (oscar): exit 1" "$INKAN" chain "$PKI/oscar.cert.pem"
check "says it does not reach an anchor" grep -q "^verdict: NOT trusted: the chain does not reach an email trust anchor" "$T/out"
expect_rc 0 "--trust other-root.pem makes it trusted" "$INKAN" chain --trust "$PKI/other-root.pem" "$PKI/oscar.cert.pem"
cat "$PKI/frank.cert.pem" "$PKI/ca.pem" >"$T/frank-chain.pem"
expect_rc 1 "expired certificate (frank): exit 1" "$INKAN" chain --json "$T/frank-chain.pem"
check "expired flag and days in the past" test "$(j '("expired" in d["flags"], d["certificates"][0]["days_left"] < 0)')" = "(True, True)"
check "text: EXPIRED n days ago" sh -c '"$1" chain "$2" | grep -q "(EXPIRED 3[01] days ago)"' - "$INKAN" "$T/frank-chain.pem"
expect_rc 1 "--at 2099: everything expired" "$INKAN" chain --json --at 2099-01-01 "$T/alice.eml"
check "--at: expired" test "$(j '"expired" in d["flags"]')" = True
expect_rc 1 "--no-system-trust and no --trust: not trusted" "$INKAN" chain --no-system-trust "$T/alice.eml"

# ECDSA issuer from the lint certificates.
cat "$L/ok-mv-strict-ecdsa-issuer.pem" "$L/ca-ecca.pem" >"$T/ec.pem"
expect_rc 0 "ECDSA-issued leaf with --trust of its root" "$INKAN" chain --json --no-system-trust --trust "$L/ca-root.pem" "$T/ec.pem"
check "ecdsa-with-SHA256 and EC P-256" test "$(j '(d["certificates"][0]["signature_algorithm"], d["certificates"][1]["key"])')" = "('ecdsa-with-SHA256', 'EC P-256')"

# Messages without a signature.
expect_rc 2 "unsigned message: exit 2" "$INKAN" chain "$MAIL/plain.eml"
check "says there is no signature" grep -q "no S/MIME signature" "$T/err"
"$INKAN" encrypt -r "$PKI/bob.cert.pem" "$MAIL/plain.eml" -o "$T/enc.eml" 2>/dev/null
expect_rc 2 "encrypted message: exit 2" "$INKAN" chain "$T/enc.eml"
check "says to decrypt first" grep -q "decrypt it first" "$T/err"
openssl_signed_mail bob bob@example.org "$T/osm.eml"
expect_rc 0 "message signed by openssl cms" "$INKAN" chain "$T/osm.eml"
expect_rc 3 "two arguments: usage error" "$INKAN" chain "$T/alice.eml" "$T/alice.eml"
expect_rc 4 "missing file: exit 4" "$INKAN" chain "$T/nope.pem"
finish
