#!/bin/sh
# inkan import --into gpgsm: identities and certificates into GnuPG's
# S/MIME keybox, checked with gpgsm itself (listing, signing) and openssl
# (verifying what gpgsm signed).  TAP.
#
# gpgsm 2.2 cannot read the PBES2/AES PKCS#12 files OpenSSL 3 makes, which
# is why inkan re-exports them for it; the first block proves that premise.
# gpg-agent keeps an imported key protected by the passphrase of the
# PKCS#12 it came from, so after inkan's import the agent asks for the
# passphrase of the delivery (alice.p12's), or for the new passphrase given
# with --new-passphrase-* when the delivered key was not encrypted.
. "$(dirname "$0")/../lib.sh"
need gpgsm gpgsm
need gpgconf gpgconf
need openssl openssl

cd "$T" || exit 1
P="$PKI/passphrase.txt"
printf 'Correct-Horse-42-battery\n' >"$T/strong"
printf 'Not-The-Passphrase-7\n' >"$T/wrong"
# inkan's own store must not be touched by --into gpgsm.
export INKAN_SMIME_DIR="$T/smime"
# inkan's private temporary folder (the 3DES PKCS#12 for gpgsm) goes here.
mkdir -m 700 "$T/tmp"
export TMPDIR="$T/tmp"
# Every GNUPGHOME used here is $T/gnupg*; stop their agents at the end.
kill_agents() { for h in "$T"/gnupg*; do [ -d "$h" ] && GNUPGHOME=$h gpgconf --kill all >/dev/null 2>&1; done; }
trap 'kill_agents; rm -rf "$T"' EXIT

# home NAME: a fresh GNUPGHOME $T/gnupg-NAME.
home() { export GNUPGHOME="$T/gnupg-$1"; mkdir -m 700 "$GNUPGHOME"; }
# pass FILE: the first line of FILE and a newline, as gpgsm --passphrase-fd reads it.
pass() { head -n 1 "$1"; echo; }
# colons KIND: gpgsm --list-KIND --with-colons.
colons() { gpgsm --batch --with-colons "--list-$1" 2>/dev/null; }
# has_secret ADDR: gpgsm lists a secret key whose uid holds ADDR.
has_secret() { colons secret-keys | awk -F: -v a="<$1>" '$1 == "crs" { s = 1 } $1 == "uid" && s && $10 == a { f = 1 } END { exit !f }'; }
has_cert() { colons keys | awk -F: -v a="<$1>" '$1 == "uid" && $10 == a { f = 1 } END { exit !f }'; }
# fp CERT: SHA-1 fingerprint, upper case hex, no colons (gpgsm's fpr).
fp() { openssl x509 -in "$1" -noout -fingerprint -sha1 | sed 's/.*=//; s/://g'; }
has_secret_fpr() { colons secret-keys | grep -q "^fpr:::::::::$1:"; }
# trust_root: gpgsm trusts the test root (keybox + trustlist.txt) and is
# told not to look for CRLs or check policies (no network, test OIDs).
trust_root() {
  gpgsm --batch --import "$PKI/root.pem" >/dev/null 2>&1 &&
    echo "$(openssl x509 -in "$PKI/root.pem" -noout -fingerprint -sha1 | sed 's/.*=//') S relax" >"$GNUPGHOME/trustlist.txt"
}
# gsign USER PASSFILE OUT: gpgsm signs doc.txt (detached, DER) as USER,
# the passphrase for gpg-agent on fd 0.  The agent is restarted first so
# that no cached passphrase helps.
gsign() {
  gpgconf --kill gpg-agent >/dev/null 2>&1
  pass "$2" | gpgsm --batch --pinentry-mode loopback --passphrase-fd 0 --disable-crl-checks \
    --disable-policy-checks --disable-dirmngr -u "$1" --detach-sign -o "$3" "$T/doc.txt"
}
# gsign_empty USER OUT: the same with an empty passphrase line.
gsign_empty() {
  gpgconf --kill gpg-agent >/dev/null 2>&1
  echo | gpgsm --batch --pinentry-mode loopback --passphrase-fd 0 --disable-crl-checks \
    --disable-policy-checks --disable-dirmngr -u "$1" --detach-sign -o "$2" "$T/doc.txt"
}
# ossl_verify SIG CERT: openssl verifies the detached DER signature SIG over
# doc.txt with only the test root as anchor, and the signer is CERT.
ossl_verify() {
  openssl cms -verify -binary -inform DER -in "$1" -content "$T/doc.txt" -CAfile "$PKI/root.pem" \
    -signer "$1.signer" -out /dev/null 2>/dev/null &&
    [ "$(openssl x509 -noout -fingerprint -sha256 -in "$1.signer")" = "$(openssl x509 -noout -fingerprint -sha256 -in "$2")" ]
}
no_tty() { setsid -w "$@" </dev/null; }
tmp_empty() { [ -z "$(ls -A "$T/tmp")" ]; }
printf 'A document gpgsm signs with a key inkan imported.\n' >"$T/doc.txt"
ALICE_FP=$(fp "$PKI/alice.cert.pem")

# ---------------------------------------------------------------- the premise
home plain
pass "$P" | gpgsm --batch --pinentry-mode loopback --passphrase-fd 0 --import "$PKI/alice.p12" >"$T/out" 2>"$T/err"
sed 's/^/# gpgsm: /' "$T/err" | grep -i 'pkcs5PBES2\|error' | head -3
check "gpgsm 2.2 alone does not import the secret key of the AES alice.p12" sh -c '! "$@"' - has_secret alice@example.org
check "... no secret key at all" sh -c '[ -z "$(gpgsm --batch --with-colons --list-secret-keys 2>/dev/null | grep "^crs")" ]'
home plain-legacy
pass "$P" | gpgsm --batch --pinentry-mode loopback --passphrase-fd 0 --import "$PKI/alice.legacy.p12" >/dev/null 2>&1
check "(control) gpgsm alone imports alice.legacy.p12 (RC2/3DES) with the same passphrase" has_secret alice@example.org

# ---------------------------------------------------------------- alice.p12 through inkan
home alice
expect_rc 0 "inkan import --into gpgsm alice.p12: exit 0" "$INKAN" import --into gpgsm $PF "$PKI/alice.p12"
check "... says gpgsm has the key and certificate for alice@example.org" \
  grep -q 'gpgsm now has the key and certificate for alice@example\.org' "$T/out"
check "gpgsm --list-secret-keys: a secret key with uid <alice@example.org>" has_secret alice@example.org
check "... its fingerprint is alice's certificate ($ALICE_FP)" has_secret_fpr "$ALICE_FP"
check "gpgsm --list-keys: the intermediate came along" \
  sh -c 'gpgsm --batch --with-colons --list-keys 2>/dev/null | grep -q "^fpr:::::::::$1:"' - "$(fp "$PKI/ca.pem")"
check "gpg-agent holds the key (private-keys-v1.d has one key)" \
  test "$(find "$GNUPGHOME/private-keys-v1.d" -name '*.key' | wc -l)" -eq 1
check "... and keeps it protected (protected-private-key)" \
  sh -c 'grep -aq "protected-private-key" "$1"/private-keys-v1.d/*.key' - "$GNUPGHOME"
check "inkan's own store was not created" test ! -e "$INKAN_SMIME_DIR"
check "inkan's temporary folder is gone" tmp_empty

expect_rc 0 "import alice.p12 into gpgsm again: exit 0 (unchanged is fine)" "$INKAN" import --into gpgsm $PF "$PKI/alice.p12"
check "... still exactly one secret key" \
  test "$(gpgsm --batch --with-colons --list-secret-keys 2>/dev/null | grep -c '^crs')" -eq 1

# ---------------------------------------------------------------- a correspondent: bob's certificate only
expect_rc 0 "inkan import --into gpgsm bob.cert.pem: exit 0" "$INKAN" import --into gpgsm "$PKI/bob.cert.pem"
check "gpgsm --list-keys shows <bob@example.org>" has_cert bob@example.org
check "gpgsm --list-keys shows bob's fingerprint" \
  sh -c 'gpgsm --batch --with-colons --list-keys 2>/dev/null | grep -q "^fpr:::::::::$1:"' - "$(fp "$PKI/bob.cert.pem")"
check "... but no secret key for bob" sh -c '! "$@"' - has_secret bob@example.org
check "alice's secret key is still there" has_secret alice@example.org
check "inkan's temporary folder is gone" tmp_empty

# ---------------------------------------------------------------- gpgsm signs with alice's key
check "gpgsm trusts the test root (root.pem imported, trustlist.txt)" trust_root
check "gpgsm refuses to sign as alice with a wrong passphrase" sh -c '! "$@" 2>/dev/null' - gsign alice@example.org "$T/wrong" "$T/wrong.p7s"
check "gpgsm refuses to sign as alice with an empty passphrase" sh -c '! "$@" 2>/dev/null' - gsign_empty alice@example.org "$T/empty.p7s"
expect_rc 0 "gpgsm signs as alice with alice.p12's passphrase (the agent's passphrase after inkan's import)" \
  gsign alice@example.org "$P" "$T/alice.p7s"
check "openssl cms -verify (root.pem only) accepts gpgsm's signature; the signer is alice" ossl_verify "$T/alice.p7s" "$PKI/alice.cert.pem"

# ---------------------------------------------------------------- an unencrypted key: the new passphrase protects it in gpg-agent
home carol
expect_rc 5 "carol.key.pem (unencrypted) + cert + chain --into gpgsm, no new passphrase, no terminal: exit 5" \
  no_tty "$INKAN" import --into gpgsm "$PKI/carol.key.pem" "$PKI/carol.cert.pem" "$PKI/chain.pem"
check "... gpgsm has no secret key" sh -c '[ -z "$(gpgsm --batch --with-colons --list-secret-keys 2>/dev/null | grep "^crs")" ]'
check "... inkan's temporary folder is gone" tmp_empty
expect_rc 0 "the same with --new-passphrase-file: exit 0" \
  "$INKAN" import --into gpgsm --new-passphrase-file "$T/strong" "$PKI/carol.key.pem" "$PKI/carol.cert.pem" "$PKI/chain.pem"
check "gpgsm lists carol's secret key" has_secret_fpr "$(fp "$PKI/carol.cert.pem")"
check "inkan's temporary folder is gone" tmp_empty
check "gpgsm trusts the test root" trust_root
check "gpgsm refuses to sign as carol with a wrong passphrase" sh -c '! "$@" 2>/dev/null' - gsign carol@example.co.jp "$T/wrong" "$T/carol-wrong.p7s"
expect_rc 0 "gpgsm signs as carol with the new passphrase" gsign carol@example.co.jp "$T/strong" "$T/carol.p7s"
check "openssl verifies carol's gpgsm signature" ossl_verify "$T/carol.p7s" "$PKI/carol.cert.pem"

# ---------------------------------------------------------------- errors
home wrongpass
expect_rc 5 "--into gpgsm with a wrong passphrase for alice.p12: exit 5" \
  "$INKAN" import --into gpgsm --passphrase-file "$T/wrong" "$PKI/alice.p12"
check "... gpgsm has nothing" sh -c '[ -z "$(gpgsm --batch --with-colons --list-keys 2>/dev/null | grep "^crt")" ]'
expect_rc 3 "--into nonsense: exit 3" "$INKAN" import --into nonsense $PF "$PKI/alice.p12"

kill_agents
check "no gpg-agent left for these homes" \
  sh -c 'for h in "$1"/gnupg*; do [ -S "$(GNUPGHOME=$h gpgconf --list-dirs agent-socket)" ] && exit 1; done; exit 0' - "$T"
finish
