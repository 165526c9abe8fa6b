#!/bin/sh
# The SBR linter where people sign: inkan sign and encrypt --sign print one
# warning line when the signer's certificate or chain breaks SBR rules,
# --require-sbr refuses; inkan import shows the lint summary.
. "$(dirname "$0")/../lib.sh"
need python3 python3
[ -d "${LINT_CERTS:-}" ] || skip_all "LINT_CERTS is not set (run through meson test)"
L=$LINT_CERTS
cat "$L/leaf.key.pem" "$L/ok-mv-strict.pem" "$L/ca-ca.pem" >"$T/good.pem"
cat "$L/leaf.key.pem" "$L/bad-ku-strict-data-encipherment.pem" "$L/ca-ca.pem" >"$T/bad.pem"
sed 's/^From: .*/From: User <user@example.org>/' "$MAIL/plain.eml" >"$T/mail.eml"
export INKAN_EMAIL_ANCHORS="$L/ca-root.pem"

expect_rc 0 "sign with an SBR-clean certificate" "$INKAN" sign -k "$T/good.pem" "$T/mail.eml" -o "$T/good.eml"
check "nothing on stderr" test ! -s "$T/err"
expect_rc 0 "sign with a certificate that breaks a rule: still signs" "$INKAN" sign -k "$T/bad.pem" "$T/mail.eml" -o "$T/bad.eml"
check "exactly one warning line" test "$(wc -l <"$T/err")" -eq 1
check "the line names the rule and inkan lint" grep -q '^inkan sign: warning: .*breaks 1 S/MIME Baseline Requirements rule (cabf.smime.prohibited_ku_present); see “inkan lint”.$' "$T/err"
check "the signed mail verifies" sh -c '"$1" verify "$2" >/dev/null' - "$INKAN" "$T/bad.eml"
expect_rc 6 "--require-sbr refuses (exit 6)" "$INKAN" sign --require-sbr -k "$T/bad.pem" "$T/mail.eml" -o "$T/refused.eml"
check "nothing written" test ! -e "$T/refused.eml"
check "the refusal says nothing was signed" grep -q "nothing was signed" "$T/err"
expect_rc 0 "--require-sbr with a clean certificate signs" "$INKAN" sign --require-sbr -k "$T/good.pem" "$T/mail.eml" -o "$T/good2.eml"

expect_rc 0 "encrypt --sign: one warning line" "$INKAN" encrypt --sign -k "$T/bad.pem" -r "$PKI/bob.cert.pem" "$T/mail.eml" -o "$T/enc.eml"
check "encrypt: the line" sh -c 'test "$(wc -l <"$1")" -eq 1 && grep -q "^inkan encrypt: warning:" "$1"' - "$T/err"
expect_rc 6 "encrypt --sign --require-sbr refuses" "$INKAN" encrypt --sign --require-sbr -k "$T/bad.pem" -r "$PKI/bob.cert.pem" "$T/mail.eml" -o "$T/enc2.eml"
check "encrypt: nothing written" test ! -e "$T/enc2.eml"
expect_rc 0 "encrypt without --sign does not lint the identity" "$INKAN" encrypt --require-sbr -k "$T/bad.pem" -r "$PKI/bob.cert.pem" "$T/mail.eml" -o "$T/enc3.eml"
check "encrypt without --sign: no warning" test ! -s "$T/err"

# The test PKI's own identities are SBR-clean: no line for them.
INKAN_EMAIL_ANCHORS="$PKI/root.pem" expect_rc 0 "alice (test PKI) signs without a warning" "$INKAN" sign -k "$PKI/alice.p12" $PF "$MAIL/plain.eml" -o "$T/alice.eml"
check "alice: nothing on stderr" test ! -s "$T/err"

# inkan import shows the summary.
export INKAN_SMIME_DIR="$T/smime"
expect_rc 0 "import a clean identity" "$INKAN" import --new-passphrase-file "$PKI/passphrase.txt" "$T/good.pem"
check "import: SBR lint line" grep -q '^  SBR lint: 0 errors, 0 warnings$' "$T/out"
expect_rc 0 "import a certificate that breaks a rule" "$INKAN" import "$L/bad-ku-not-critical.pem"
check "import: the warning is counted" grep -q '^  SBR lint: 0 errors, 1 warning$' "$T/out"
expect_rc 0 "import another" "$INKAN" import --force "$L/bad-eku-client-auth-only.pem"
check "import: errors and the first code" grep -q '^  SBR lint: 2 errors, 0 warnings (first: cabf.smime.emailprotection_eku_missing; “inkan lint” shows all)$' "$T/out"
finish
