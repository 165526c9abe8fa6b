#!/bin/sh
# inkan's own store (mutt's smime_keys layout): import, list, remove, csr,
# export, and lookups by address/label/id from sign and encrypt.  TAP.
#
# Every input is made here by independent tools (the openssl and NSS
# command lines, zip) from the test PKI, and every result is checked by
# independent tools too: openssl reads the stored keys, stock mutt's
# smime.rc commands sign and decrypt with the store, openssl cms verifies
# what inkan signs.  Each block uses its own store under $T
# (INKAN_SMIME_DIR); nothing touches ~/.smime.
. "$(dirname "$0")/../lib.sh"
need openssl openssl
need python3 python3

cd "$T" || exit 1
# Never the real home, even by mistake: a store that no block uses.
export INKAN_SMIME_DIR="$T/no-store-selected"
export GNUPGHOME="$T/no-gnupg"
# The tmpfs of the full-disk block must not outlive the test.
trap 'umount "$T/mnt" 2>/dev/null; rm -rf "$T"' EXIT
trap 'exit 1' INT TERM

P="$PKI/passphrase.txt"
A_HASH=$(openssl x509 -hash -noout -in "$PKI/alice.cert.pem")
CA_HASH=$(openssl x509 -hash -noout -in "$PKI/ca.pem")
B_HASH=$(openssl x509 -hash -noout -in "$PKI/bob.cert.pem")
printf 'Correct-Horse-42-battery\n' >"$T/strong"
printf 'short\n' >"$T/weak"
printf 'Not-The-Passphrase-7\n' >"$T/wrong"

# ---------------------------------------------------------------- helpers
# store NAME: selects a fresh store $T/NAME (not created).
store() { S="$T/$1"; export INKAN_SMIME_DIR="$S"; rm -rf "$S"; }
# skip_row DESC REASON: a TAP row that was not run.
skip_row() { TAP_N=$((TAP_N + 1)); echo "ok $TAP_N - $1 # SKIP $2"; }
have() { command -v "$1" >/dev/null 2>&1; }
# manifest DIR: every path with type and mode, and every file's digest.
manifest() {
  [ -e "$1" ] || { echo "(absent)"; return; }
  (cd "$1" && find . -printf '%p %y %m %s\n' | LC_ALL=C sort && find . -type f -exec sha256sum {} + | LC_ALL=C sort)
}
# no_files DIR: DIR is absent or holds no regular file.
no_files() { [ ! -e "$1" ] || [ -z "$(find "$1" -type f)" ]; }
# unchanged DIR BEFORE: manifest DIR is the one saved in BEFORE.
unchanged() { manifest "$1" | cmp -s - "$2"; }
# no_keys DIR: keys/ holds no key file (the index may exist, empty).
no_keys() { [ -z "$(find "$1/keys" -type f ! -name .index 2>/dev/null)" ] && [ ! -s "$1/keys/.index" ]; }
# no_temps DIR: no inkan_file_write_atomic leftovers (NAME.XXXXXX).
no_temps() { [ -z "$(find "$1" -name '*.??????' 2>/dev/null)" ]; }
# consistent DIR: every id and issuer named in both .index files exists.
consistent() {
  d=$1
  [ -f "$d/certificates/.index" ] && [ -f "$d/keys/.index" ] || return 1
  while read -r mb id label issuer trust purpose; do
    [ -f "$d/certificates/$id" ] || { echo "certificates/.index: $id missing"; return 1; }
    [ "$issuer" = "?" ] || [ -f "$d/certificates/$issuer" ] || { echo "issuer $issuer missing"; return 1; }
  done <"$d/certificates/.index"
  while read -r mb id label issuer trust purpose; do
    [ -f "$d/keys/$id" ] || { echo "keys/.index: key $id missing"; return 1; }
    grep -q " $id " "$d/certificates/.index" || { echo "keys/.index: $id not in certificates/.index"; return 1; }
  done <"$d/keys/.index"
  no_temps "$d"
}
# not_stored DIR CERT: no file in DIR/certificates holds CERT.
not_stored() { ! grep -qF "$(sed -n 2p "$2")" "$1"/certificates/*; }
mode_is() { [ "$(stat -c %a "$2")" = "$1" ]; }
# key_id DIR MAILBOX: the id mutt would use (keys/.index, field 2).
key_id() { awk -v m="$2" '$1 == m { print $2; exit }' "$1/keys/.index"; }
# issuer_of DIR ID: field 4 of the certificates/.index line of ID.
issuer_of() { awk -v i="$2" '$2 == i { print $4; exit }' "$1/certificates/.index"; }
# cms_ok FILE: openssl cms verifies the S/MIME message FILE with only the
# test root as anchor (so the intermediate must travel in the signature).
cms_ok() { openssl cms -verify -in "$1" -CAfile "$PKI/root.pem" -out "$1.content" 2>"$1.err" && grep -q 'Verification successful' "$1.err"; }
# signer_is FILE CERT: the signer certificate in FILE is CERT.
signer_is() {
  openssl cms -verify -noverify -in "$1" -signer "$1.signer" -out /dev/null 2>/dev/null &&
    [ "$(openssl x509 -noout -fingerprint -sha256 -in "$1.signer")" = "$(openssl x509 -noout -fingerprint -sha256 -in "$2")" ]
}
# certs_in FILE: number of certificates carried in the signature of FILE.
certs_in() { openssl smime -pk7out -in "$1" 2>/dev/null | openssl pkcs7 -print_certs -noout 2>/dev/null | grep -c '^subject='; }
# pkey_opens KEYFILE PASSFILE
pkey_opens() { openssl pkey -in "$1" -passin "file:$2" -noout; }
# same_pubkey KEYFILE PASSFILE CERT: the key belongs to CERT.
same_pubkey() {
  [ "$(openssl pkey -in "$1" -passin "file:$2" -pubout 2>/dev/null)" = "$(openssl x509 -in "$3" -noout -pubkey)" ]
}
# jtrue FILE EXPR: EXPR (Python, d = the JSON in FILE) is true.
jtrue() {
  python3 - "$1" "$2" <<'PY'
import json, sys, time, math, datetime
d = json.load(open(sys.argv[1]))
def days(not_after):
    t = datetime.datetime.strptime(not_after, '%b %d %H:%M:%S %Y %Z').replace(tzinfo=datetime.timezone.utc)
    return math.floor((t.timestamp() - time.time()) / 86400)
ok = eval(sys.argv[2])
if not ok:
    print("false: %s" % sys.argv[2])
sys.exit(0 if ok else 1)
PY
}
enddate() { openssl x509 -enddate -noout -in "$1" | sed 's/^notAfter=//'; }
# no_tty CMD...: CMD without a controlling terminal and with stdin closed.
no_tty() { setsid -w "$@" </dev/null; }
# -k / -r go to the store only when no such file exists (the cwd is $T).
SIGN_IN="$MAIL/plain.eml"

# ---------------------------------------------------------------- 1. fixtures
# mk NAME ARGS...: alice's identity as PKCS#12 made by openssl pkcs12 -export.
mk() {
  n=$1; shift
  check "fixture $n.p12 made by openssl pkcs12 -export $*" \
    openssl pkcs12 -export -inkey "$PKI/alice.key.pem" -in "$PKI/alice.cert.pem" -name alice \
      -passout "file:$P" -out "$T/$n.p12" "$@"
}
mk aes
mk aes-chain -certfile "$PKI/chain.pem"
mk rc2 -legacy
mk rc2-chain -legacy -certfile "$PKI/chain.pem"
mk descert-chain -descert -certfile "$PKI/chain.pem"
mk 3des -keypbe PBE-SHA1-3DES -certpbe PBE-SHA1-3DES
mk 3des-chain -keypbe PBE-SHA1-3DES -certpbe PBE-SHA1-3DES -certfile "$PKI/chain.pem"
check "fixture cert-only.p12 made by openssl pkcs12 -export -nokeys" \
  openssl pkcs12 -export -nokeys -in "$PKI/alice.cert.pem" -passout "file:$P" -out "$T/cert-only.p12"
check "fixture rc2-chain.p12 really uses RC2-40 for the certificates" \
  sh -c 'openssl pkcs12 -legacy -info -noout -in "$1" -passin "file:$2" 2>&1 | grep -q "pbeWithSHA1And40BitRC2-CBC"' - "$T/rc2-chain.p12" "$P"
check "fixture 3des.p12 really uses 3DES for the key" \
  sh -c 'openssl pkcs12 -info -noout -in "$1" -passin "file:$2" 2>&1 | grep -q "Shrouded Keybag: pbeWithSHA1And3-KeyTripleDES-CBC"' - "$T/3des.p12" "$P"

NSS_FIXTURE=
if have certutil && have pk12util; then
  mkdir "$T/nssdb"
  check "NSS: certutil -N makes an empty database" certutil -N -d "sql:$T/nssdb" --empty-password
  check "NSS: pk12util -i imports alice.p12" pk12util -i "$PKI/alice.p12" -d "sql:$T/nssdb" -w "$P"
  nick=$(certutil -L -d "sql:$T/nssdb" | awk '/u,u,u/ { $NF = ""; sub(/ +$/, ""); print; exit }')
  check "NSS: alice's nickname found ($nick)" test -n "$nick"
  check "NSS: pk12util -o exports alice as nss.p12" pk12util -o "$T/nss.p12" -n "$nick" -d "sql:$T/nssdb" -w "$P"
  [ -s "$T/nss.p12" ] && NSS_FIXTURE=nss
else
  skip_row "NSS-made PKCS#12 fixture" "pk12util/certutil not installed (apt-get install libnss3-tools)"
fi
cp "$PKI/alice.p12" "$T/shipped.p12"
cp "$PKI/alice.legacy.p12" "$T/shipped-legacy.p12"

# name:intermediates-expected
for f in aes:0 aes-chain:1 rc2:0 rc2-chain:1 descert-chain:1 3des:0 3des-chain:1 shipped:1 shipped-legacy:1 \
         ${NSS_FIXTURE:+nss:1}; do
  n=${f%%:*}; ni=${f#*:}
  store "s1-$n"
  expect_rc 0 "import $n.p12" "$INKAN" import $PF "$T/$n.p12"
  check "$n.p12: 'Identity: alice@example.org (mailbox-validated strict)'" \
    grep -qxF 'Identity: alice@example.org (mailbox-validated strict)' "$T/out"
  check "$n.p12: with its private key and $ni intermediate(s)" \
    grep -qF "with its private key and $ni intermediate CA certificate(s)" "$T/out"
  check "$n.p12: key stored as keys/$A_HASH.0" test -f "$S/keys/$A_HASH.0"
  check "$n.p12: stored key opens with the p12's passphrase and is alice's" same_pubkey "$S/keys/$A_HASH.0" "$P" "$PKI/alice.cert.pem"
  if [ "$ni" = 1 ]; then
    check "$n.p12: certificates/.index names the issuer chain $CA_HASH.0" \
      grep -qx "alice@example\.org $A_HASH\.0 alice@example\.org $CA_HASH\.0 t se" "$S/certificates/.index"
  else
    check "$n.p12: without a chain the issuer field is '?'" \
      grep -qx "alice@example\.org $A_HASH\.0 alice@example\.org ? [tie] se" "$S/certificates/.index"
  fi
  check "$n.p12: store consistent" consistent "$S"
done

store s1-cert-only
expect_rc 0 "import cert-only.p12 (no key)" "$INKAN" import $PF "$T/cert-only.p12"
check "cert-only.p12: 'Certificate: alice@example.org (mailbox-validated strict)'" \
  grep -qxF 'Certificate: alice@example.org (mailbox-validated strict)' "$T/out"
check "cert-only.p12: not presented as an identity" sh -c '! grep -q "^Identity:" "$1"' - "$T/out"
check "cert-only.p12: stored as a certificate" test -f "$S/certificates/$A_HASH.0"
check "cert-only.p12: no key file" no_keys "$S"
check "cert-only.p12: keys/.index has no line" sh -c '[ ! -s "$1" ]' - "$S/keys/.index"
expect_rc 0 "cert-only.p12: list" "$INKAN" list
check "cert-only.p12: list shows alice without [key]" \
  sh -c 'grep -q "^$2 *alice@example.org$" "$1"' - "$T/out" "$A_HASH.0"

# Two mailboxes (taro: ASCII rfc822Name + SmtpUTF8Mailbox) and an EC key (dave).
store s1-taro
expect_rc 0 "import taro.p12 (IDN, two addresses)" "$INKAN" import $PF "$PKI/taro.p12"
T_HASH=$(openssl x509 -hash -noout -in "$PKI/taro.cert.pem")
check "taro: one index line per mailbox in each index (2 + 2)" \
  sh -c '[ "$(grep -c " $2.0 " "$1/certificates/.index")" = 2 ] && [ "$(grep -c " $2.0 " "$1/keys/.index")" = 2 ]' - "$S" "$T_HASH"
check "taro: taro@xn--r8jz45g.jp and 太郎@例え.jp are indexed" \
  sh -c 'grep -q "^taro@xn--r8jz45g.jp $2.0 " "$1/keys/.index" && grep -q "^太郎@例え.jp $2.0 " "$1/keys/.index"' - "$S" "$T_HASH"
expect_rc 0 "taro: sign -k 太郎@例え.jp (UTF-8 address lookup)" \
  "$INKAN" sign -k '太郎@例え.jp' $PF -o "$T/s1-taro.eml" "$MAIL/taro-idn.eml"
check "taro: openssl cms -verify" cms_ok "$T/s1-taro.eml"
check "taro: signer is taro" signer_is "$T/s1-taro.eml" "$PKI/taro.cert.pem"
store s1-dave
expect_rc 0 "import dave.p12 (EC P-256)" "$INKAN" import $PF "$PKI/dave.p12"
D_HASH=$(openssl x509 -hash -noout -in "$PKI/dave.cert.pem")
check "dave: the stored EC key opens and is dave's" same_pubkey "$S/keys/$D_HASH.0" "$P" "$PKI/dave.cert.pem"
printf 'Content-Type: text/plain\r\n\r\nEC from mutt.\r\n' >"$T/dave-msg"
check "dave: mutt's smime_sign_command signs with the stored EC key" \
  sh -c '(cat "$1"; echo) | openssl smime -sign -md sha256 -signer "$2/certificates/$3" -inkey "$2/keys/$3" -passin stdin -in "$4" -certfile "$2/certificates/$5" -outform DER -out "$4.der" &&
         openssl smime -verify -inform DER -in "$4.der" -content "$4" -CAfile "$6" -out /dev/null 2>/dev/null' - \
  "$P" "$S" "$D_HASH.0" "$T/dave-msg" "$(awk '{ print $4; exit }' "$S/certificates/.index")" "$PKI/root.pem"

# ---------------------------------------------------------------- 2. layout, and stock mutt uses it
store s2
expect_rc 0 "import aes-chain.p12 for the layout checks" "$INKAN" import $PF "$T/aes-chain.p12"
check "certificates/.index is the one line 'alice@example.org $A_HASH.0 alice@example.org $CA_HASH.0 t se'" \
  sh -c '[ "$(cat "$1")" = "alice@example.org $2.0 alice@example.org $3.0 t se" ]' - "$S/certificates/.index" "$A_HASH" "$CA_HASH"
check "keys/.index is the one line 'alice@example.org $A_HASH.0 alice@example.org ? t se'" \
  sh -c '[ "$(cat "$1")" = "alice@example.org $2.0 alice@example.org ? t se" ]' - "$S/keys/.index" "$A_HASH"
check "certificates/.index matches mutt's 6-field format" \
  grep -Eqx '[^ ]+@[^ ]+ [0-9a-f]{8}\.[0-9]+ [^ ]+ ([0-9a-f]{8}\.[0-9]+|\?) [tuvie] [se-]+' "$S/certificates/.index"
check "keys/.index matches mutt's 6-field format" \
  grep -Eqx '[^ ]+@[^ ]+ [0-9a-f]{8}\.[0-9]+ [^ ]+ \? [tuvie] [se-]+' "$S/keys/.index"
id=$(key_id "$S" alice@example.org)
iss=$(issuer_of "$S" "$id")
check "the id is openssl x509 -hash of alice's certificate plus .0 ($id)" test "$id" = "$A_HASH.0"
check "certificates/$id is alice's certificate" \
  sh -c '[ "$(openssl x509 -hash -noout -in "$1")" = "$2" ] && cmp -s "$1" "$3"' - "$S/certificates/$id" "$A_HASH" "$PKI/alice.cert.pem"
check "the issuer file $iss is the intermediate (hash $CA_HASH)" \
  sh -c '[ "$(openssl x509 -hash -noout -in "$1")" = "$2" ] && [ "$(grep -c "BEGIN CERTIFICATE" "$1")" = 1 ]' - "$S/certificates/$iss" "$CA_HASH"
check "the root is not stored" not_stored "$S" "$PKI/root.pem"
check "key file mode 600" mode_is 600 "$S/keys/$id"
check "store folder mode 700" mode_is 700 "$S"
check "keys/ mode 700" mode_is 700 "$S/keys"
check "certificates/ mode 700" mode_is 700 "$S/certificates"
check "key file is PEM 'ENCRYPTED PRIVATE KEY'" grep -q '^-----BEGIN ENCRYPTED PRIVATE KEY-----$' "$S/keys/$id"
check "key file holds no plaintext key" sh -c '! grep -Eq "BEGIN (RSA |EC )?PRIVATE KEY" "$1"' - "$S/keys/$id"
check "openssl pkey opens it with the original passphrase" pkey_opens "$S/keys/$id" "$P"
check "openssl pkey does not open it with another passphrase" sh -c '! openssl pkey -in "$1" -passin "file:$2" -noout 2>/dev/null' - "$S/keys/$id" "$T/wrong"
check "openssl pkey does not open it without a passphrase" sh -c '! openssl pkey -in "$1" -passin pass: -noout 2>/dev/null' - "$S/keys/$id"

# mutt's contrib/smime.rc, run as mutt runs it (passphrase on stdin).
printf 'Content-Type: text/plain; charset=us-ascii\r\n\r\nSigned by mutt from the inkan store.\r\n' >"$T/mutt-msg"
mutt_sign() {
  (cat "$P"; echo) | openssl smime -sign -md sha256 -signer "$S/certificates/$id" -inkey "$S/keys/$id" \
    -passin stdin -in "$T/mutt-msg" -certfile "$S/certificates/$iss" -outform DER -out "$T/mutt-sig.der"
}
check "mutt's smime_sign_command signs with certificates/$id keys/$id -certfile certificates/$iss" mutt_sign
check "openssl smime -verify -CAfile root.pem: Verification successful" \
  sh -c 'openssl smime -verify -inform DER -in "$1" -content "$2" -CAfile "$3" -out /dev/null 2>&1 | grep -q "^Verification successful"' - \
  "$T/mutt-sig.der" "$T/mutt-msg" "$PKI/root.pem"
check "mutt's signature carries alice and the intermediate" \
  sh -c '[ "$(openssl pkcs7 -inform DER -in "$1" -print_certs -noout | grep -c "^subject=")" = 2 ]' - "$T/mutt-sig.der"
# mutt's smime_encrypt_command / smime_decrypt_command
check "mutt's smime_encrypt_command encrypts to certificates/$id" \
  openssl smime -encrypt -aes256 -outform DER -in "$T/mutt-msg" -out "$T/mutt-enc.der" "$S/certificates/$id"
check "mutt's smime_decrypt_command decrypts with keys/$id" \
  sh -c '(cat "$1"; echo) | openssl smime -decrypt -passin stdin -inform DER -in "$2" -inkey "$3" -recip "$4" -out "$5" && cmp -s "$5" "$6"' - \
  "$P" "$T/mutt-enc.der" "$S/keys/$id" "$S/certificates/$id" "$T/mutt-dec" "$T/mutt-msg"

# ---------------------------------------------------------------- 3. sign/encrypt lookups in the store
expect_rc 0 "sign -k alice@example.org (store lookup by address)" \
  "$INKAN" sign -k alice@example.org $PF -o "$T/s3-addr.eml" "$SIGN_IN"
check "openssl cms -verify -CAfile root.pem accepts it" cms_ok "$T/s3-addr.eml"
check "the signer is alice's certificate" signer_is "$T/s3-addr.eml" "$PKI/alice.cert.pem"
check "openssl recovers the signed text" grep -q "minutes of Monday" "$T/s3-addr.eml.content"
expect_rc 0 "sign -k ALICE@EXAMPLE.ORG (address, other case)" \
  "$INKAN" sign -k ALICE@EXAMPLE.ORG $PF -o "$T/s3-case.eml" "$SIGN_IN"
check "... verifies" cms_ok "$T/s3-case.eml"
expect_rc 0 "sign -k $id (store lookup by id)" "$INKAN" sign -k "$id" $PF -o "$T/s3-id.eml" "$SIGN_IN"
check "... verifies" cms_ok "$T/s3-id.eml"
check "... signer is alice" signer_is "$T/s3-id.eml" "$PKI/alice.cert.pem"
store s3-label
expect_rc 0 "import with --label work-alice" "$INKAN" import --label work-alice $PF "$T/aes-chain.p12"
check "the label is field 3 of both index lines" \
  sh -c '[ "$(cut -d" " -f3 "$1/certificates/.index" "$1/keys/.index" | sort -u)" = work-alice ]' - "$S"
expect_rc 0 "sign -k work-alice (store lookup by label)" "$INKAN" sign -k work-alice $PF -o "$T/s3-label.eml" "$SIGN_IN"
check "... verifies" cms_ok "$T/s3-label.eml"
check "... signer is alice" signer_is "$T/s3-label.eml" "$PKI/alice.cert.pem"
expect_rc 12 "sign -k nobody@example.org: not in the store, exit 12" \
  "$INKAN" sign -k nobody@example.org $PF -o "$T/s3-none.eml" "$SIGN_IN"
check "... says it is not in the store" grep -q 'nobody@example.org' "$T/err"
check "... no output" test ! -e "$T/s3-none.eml"
expect_rc 5 "sign -k alice@example.org with a wrong passphrase: exit 5" \
  "$INKAN" sign -k alice@example.org --passphrase-file "$T/wrong" -o "$T/s3-wrong.eml" "$SIGN_IN"
check "... no output" test ! -e "$T/s3-wrong.eml"

# ---------------------------------------------------------------- 4. re-import
store s4
"$INKAN" import $PF "$T/aes-chain.p12" >/dev/null 2>&1
manifest "$S" >"$T/s4.before"
cp "$S/keys/$A_HASH.0" "$T/s4.key"
cp "$S/certificates/.index" "$T/s4.cidx"
cp "$S/keys/.index" "$T/s4.kidx"
expect_rc 11 "re-import without --force: exit 11" "$INKAN" import $PF "$T/aes-chain.p12"
check "... says it is already in the store (use --force)" grep -q 'already in the store.*--force' "$T/err"
check "... certificates/.index byte-identical" cmp "$T/s4.cidx" "$S/certificates/.index"
check "... keys/.index byte-identical" cmp "$T/s4.kidx" "$S/keys/.index"
check "... key file byte-identical" cmp "$T/s4.key" "$S/keys/$A_HASH.0"
check "... whole store unchanged" unchanged "$S" "$T/s4.before"
expect_rc 11 "re-import of the same identity from another file (legacy p12): exit 11" "$INKAN" import $PF "$T/rc2-chain.p12"
check "... key file byte-identical" cmp "$T/s4.key" "$S/keys/$A_HASH.0"
expect_rc 0 "re-import with --force: exit 0" "$INKAN" import --force $PF "$T/aes-chain.p12"
check "... still one line in certificates/.index" test "$(wc -l <"$S/certificates/.index")" -eq 1
check "... still one line in keys/.index" test "$(wc -l <"$S/keys/.index")" -eq 1
check "... no second copy (no $A_HASH.1)" test ! -e "$S/certificates/$A_HASH.1"
check "... key still opens and is alice's" same_pubkey "$S/keys/$A_HASH.0" "$P" "$PKI/alice.cert.pem"
check "... key still mode 600" mode_is 600 "$S/keys/$A_HASH.0"
check "... store consistent" consistent "$S"
expect_rc 0 "bob's certificate imported" "$INKAN" import "$PKI/bob.cert.pem"
cp "$S/certificates/.index" "$T/s4.cidx"
expect_rc 11 "bob's certificate again: exit 11" "$INKAN" import "$PKI/bob.cert.pem"
check "... certificates/.index byte-identical" cmp "$T/s4.cidx" "$S/certificates/.index"
# --force replaces the entry: a new label takes effect.
expect_rc 0 "re-import with --force --label work-alice: exit 0" "$INKAN" import --force --label work-alice $PF "$T/aes-chain.p12"
check "... the import reports label work-alice" grep -q '(label work-alice)' "$T/out"
check "... keys/.index now carries the label work-alice" grep -q "^alice@example\.org $A_HASH\.0 work-alice " "$S/keys/.index"
expect_rc 0 "... sign -k work-alice finds it" "$INKAN" sign -k work-alice $PF -o "$T/s4-label.eml" "$SIGN_IN"
# A correspondent's certificate first, the identity (with its chain) later:
# the entry must become the identity's, chain included.
store s4-cert-first
"$INKAN" import "$PKI/bob.cert.pem" >/dev/null 2>&1
expect_rc 0 "bob.cert.pem first, then bob.p12 (with the intermediate): exit 0" "$INKAN" import $PF "$PKI/bob.p12"
check "... bob's key is stored" test -f "$S/keys/$B_HASH.0"
check "... certificates/.index names the intermediate as bob's issuer (not '?')" \
  grep -qx "bob@example\.org $B_HASH\.0 bob@example\.org $CA_HASH\.0 t se" "$S/certificates/.index"
check "... one certificates/.index line for bob" test "$(grep -c '^bob@example.org ' "$S/certificates/.index")" -eq 1
expect_rc 0 "... sign -k bob@example.org" "$INKAN" sign -k bob@example.org $PF -o "$T/s4-bob.eml" "$MAIL/from-bob.eml"
check "... openssl cms -verify with only root.pem (the chain travels)" cms_ok "$T/s4-bob.eml"
# Another certificate with alice's subject (noeku: same name, other key) is
# stored next to hers as $A_HASH.1.
store s4-same-subject
"$INKAN" import $PF "$T/aes-chain.p12" >/dev/null 2>&1
expect_rc 0 "noeku.p12 (same subject as alice) --label noeku: exit 0" "$INKAN" import --label noeku $PF "$PKI/noeku.p12"
check "... stored as $A_HASH.1" sh -c 'test -f "$1/keys/$2.1" && grep -q "^alice@example.org $2.1 noeku " "$1/keys/.index"' - "$S" "$A_HASH"
check "... alice's $A_HASH.0 unchanged" sh -c 'cmp -s "$1/certificates/$2.0" "$3"' - "$S" "$A_HASH" "$PKI/alice.cert.pem"
expect_rc 0 "... remove noeku (by label)" "$INKAN" remove noeku
check "... $A_HASH.1 gone, $A_HASH.0 kept" sh -c 'test ! -e "$1/keys/$2.1" && test -f "$1/keys/$2.0" && ! grep -q noeku "$1/keys/.index"' - "$S" "$A_HASH"
check "... store consistent" consistent "$S"

# ---------------------------------------------------------------- 5. key + .crt + .p7b
openssl crl2pkcs7 -nocrl -certfile "$PKI/chain.pem" -out "$T/chain.p7b"
openssl crl2pkcs7 -nocrl -certfile "$PKI/chain.pem" -outform DER -out "$T/chain-der.p7b"
check "fixture chain.p7b (PEM PKCS#7) holds the intermediate" grep -q 'BEGIN PKCS7' "$T/chain.p7b"
check "fixture chain-der.p7b is DER" sh -c '! grep -q BEGIN "$1" && openssl pkcs7 -inform DER -in "$1" -noout' - "$T/chain-der.p7b"
for v in chain.p7b chain-der.p7b; do
  store "s5-$v"
  expect_rc 0 "alice.key.pem + alice.cert.pem + $v + --new-passphrase-file: exit 0" \
    "$INKAN" import "$PKI/alice.key.pem" "$PKI/alice.cert.pem" "$T/$v" --new-passphrase-file "$T/strong"
  check "$v: Identity line" grep -qxF 'Identity: alice@example.org (mailbox-validated strict)' "$T/out"
  check "$v: the intermediate is stored as the issuer" \
    grep -qx "alice@example\.org $A_HASH\.0 alice@example\.org $CA_HASH\.0 t se" "$S/certificates/.index"
  check "$v: the stored key is encrypted with the new passphrase" same_pubkey "$S/keys/$A_HASH.0" "$T/strong" "$PKI/alice.cert.pem"
  check "$v: ... and is not left unencrypted" grep -q 'ENCRYPTED PRIVATE KEY' "$S/keys/$A_HASH.0"
  expect_rc 0 "$v: sign -k alice@example.org" \
    "$INKAN" sign -k alice@example.org --passphrase-file "$T/strong" -o "$T/s5.eml" "$SIGN_IN"
  check "$v: openssl cms -verify with only root.pem succeeds" cms_ok "$T/s5.eml"
  check "$v: the signature carries 2 certificates (leaf + intermediate)" test "$(certs_in "$T/s5.eml")" = 2
  rm -f "$T/s5.eml"
done
store s5-notty
expect_rc 5 "unencrypted key, no --new-passphrase-*, no terminal: exit 5" \
  no_tty "$INKAN" import "$PKI/alice.key.pem" "$PKI/alice.cert.pem" "$T/chain.p7b"
check "... nothing stored" no_files "$S"
check "... the message points to --new-passphrase-fd/--new-passphrase-file" grep -q -- '--new-passphrase' "$T/err"
store s5-mismatch
expect_rc 6 "alice.key.pem + bob.cert.pem (key matches no certificate): exit 6" \
  "$INKAN" import "$PKI/alice.key.pem" "$PKI/bob.cert.pem" --new-passphrase-file "$T/strong"
check "... says the key matches no certificate" grep -q 'does not match any of the certificates' "$T/err"
check "... nothing stored" no_files "$S"
expect_rc 6 "alice.key.pem alone: exit 6" "$INKAN" import "$PKI/alice.key.pem" --new-passphrase-file "$T/strong"
check "... nothing stored" no_files "$S"
store s5-enc
expect_rc 0 "alice.pem (encrypted key + leaf + ca) with its passphrase: exit 0" "$INKAN" import $PF "$PKI/alice.pem"
check "... key kept under the same passphrase" same_pubkey "$S/keys/$A_HASH.0" "$P" "$PKI/alice.cert.pem"
store s5-empty
check "fixture: a PKCS#12 with an empty password" \
  openssl pkcs12 -export -inkey "$PKI/alice.key.pem" -in "$PKI/alice.cert.pem" -certfile "$PKI/chain.pem" -passout pass: -out "$T/empty.p12"
expect_rc 5 "empty-password p12, no new passphrase, no terminal: exit 5" no_tty "$INKAN" import "$T/empty.p12"
check "... nothing stored" no_files "$S"
expect_rc 0 "empty-password p12 with --new-passphrase-file: exit 0" "$INKAN" import "$T/empty.p12" --new-passphrase-file "$T/strong"
check "... stored key encrypted with the new passphrase" same_pubkey "$S/keys/$A_HASH.0" "$T/strong" "$PKI/alice.cert.pem"

# ---------------------------------------------------------------- 6. a DigiCert-style zip
mkdir "$T/zip"
openssl x509 -in "$PKI/root.pem" -outform DER -out "$T/zip/TrustedRoot.crt"
cp "$PKI/ca.pem" "$T/zip/DigiCertCA.crt"
openssl x509 -in "$PKI/alice.cert.pem" -outform DER -out "$T/zip/alice_example_org.crt"
printf 'Thank you for your order.\r\nInstall DigiCertCA.crt as the intermediate.\r\n' >"$T/zip/README.txt"
if have zip; then
  check "fixture bundle.zip made with zip" sh -c 'cd "$1" && zip -q ../bundle.zip TrustedRoot.crt DigiCertCA.crt alice_example_org.crt README.txt' - "$T/zip"
else
  echo "# zip is not installed; bundle.zip is made with python3 zipfile"
  check "fixture bundle.zip made with python3 zipfile" python3 -c '
import sys, zipfile, os
with zipfile.ZipFile(sys.argv[1], "w", zipfile.ZIP_DEFLATED) as z:
    for n in ("TrustedRoot.crt", "DigiCertCA.crt", "alice_example_org.crt", "README.txt"):
        z.write(os.path.join(sys.argv[2], n), n)' "$T/bundle.zip" "$T/zip"
fi
store s6
expect_rc 0 "import alice.key.pem bundle.zip (DER root, PEM CA, DER leaf, README)" \
  "$INKAN" import "$PKI/alice.key.pem" "$T/bundle.zip" --new-passphrase-file "$T/strong"
check "zip: Identity line" grep -qxF 'Identity: alice@example.org (mailbox-validated strict)' "$T/out"
check "zip: one intermediate with the identity" grep -qF 'with its private key and 1 intermediate CA certificate(s)' "$T/out"
check "zip: chain stored as $CA_HASH.0 and named by the index" \
  grep -qx "alice@example\.org $A_HASH\.0 alice@example\.org $CA_HASH\.0 t se" "$S/certificates/.index"
check "zip: the stored chain file is the intermediate" \
  sh -c '[ "$(openssl x509 -noout -fingerprint -sha256 -in "$1")" = "$(openssl x509 -noout -fingerprint -sha256 -in "$2")" ]' - \
  "$S/certificates/$CA_HASH.0" "$PKI/ca.pem"
check "zip: the leaf is stored" cmp -s "$S/certificates/$A_HASH.0" "$PKI/alice.cert.pem"
check "zip: store consistent" consistent "$S"
expect_rc 0 "zip: sign -k alice@example.org" "$INKAN" sign -k alice@example.org --passphrase-file "$T/strong" -o "$T/s6.eml" "$SIGN_IN"
check "zip: openssl cms -verify with only root.pem" cms_ok "$T/s6.eml"

# ---------------------------------------------------------------- 7. a correspondent's certificate
store s7
expect_rc 0 "import bob.cert.pem (certificate only)" "$INKAN" import "$PKI/bob.cert.pem"
check "bob: 'Certificate: bob@example.org'" grep -q '^Certificate: bob@example\.org ' "$T/out"
check "bob: no key file" no_keys "$S"
check "bob: certificates/.index line" grep -Eqx "bob@example\.org $B_HASH\.0 bob@example\.org [^ ]+ [tie] se" "$S/certificates/.index"
expect_rc 0 "bob: list" "$INKAN" list
check "bob: list shows bob@example.org without [key]" grep -qx "$B_HASH\.0 *bob@example\.org" "$T/out"
check "bob: nothing in list has [key]" sh -c '! grep -qF "[key]" "$1"' - "$T/out"
expect_rc 0 "encrypt -r bob@example.org (store lookup)" "$INKAN" encrypt -r bob@example.org -o "$T/s7.eml" "$SIGN_IN"
check "openssl cms -decrypt with bob's key recovers the text" \
  sh -c 'openssl cms -decrypt -in "$1" -inkey "$2" -recip "$3" -out "$4" && grep -q "minutes of Monday" "$4"' - \
  "$T/s7.eml" "$PKI/bob.key.pem" "$PKI/bob.cert.pem" "$T/s7.dec"
check "alice's key cannot decrypt it" \
  sh -c '! openssl cms -decrypt -in "$1" -inkey "$2" -recip "$3" -out /dev/null 2>/dev/null' - "$T/s7.eml" "$PKI/alice.key.pem" "$PKI/alice.cert.pem"
expect_rc 12 "encrypt -r nobody@example.org: exit 12" "$INKAN" encrypt -r nobody@example.org -o "$T/s7-none.eml" "$SIGN_IN"
check "... no output" test ! -e "$T/s7-none.eml"
expect_rc 12 "sign -k bob@example.org (a certificate without key is no identity): exit 12" \
  "$INKAN" sign -k bob@example.org $PF -o "$T/s7-sign.eml" "$MAIL/from-bob.eml"

# ---------------------------------------------------------------- 8. list --json
store s8
"$INKAN" import $PF "$T/aes-chain.p12" >/dev/null 2>&1
"$INKAN" import "$PKI/bob.cert.pem" >/dev/null 2>&1
expect_rc 0 "import frank.p12 (expired)" "$INKAN" import $PF "$PKI/frank.p12"
check "frank: the import says it expired" grep -q 'expired on' "$T/out"
check "frank: trust flag e (expired) in certificates/.index" grep -q '^frank@example\.org .* e se$' "$S/certificates/.index"
expect_rc 0 "list --json" "$INKAN" list --json
cp "$T/out" "$T/list.json"
check "list --json is valid JSON (a list of 3)" jtrue "$T/list.json" 'isinstance(d, list) and len(d) == 3'
check "every entry has exactly store,id,label,emails,subject,issuer,not_after,days_left,has_key" \
  jtrue "$T/list.json" 'all(set(e) == {"store","id","label","emails","subject","issuer","not_after","days_left","has_key"} for e in d)'
check "every entry: store 'inkan', types right" \
  jtrue "$T/list.json" 'all(e["store"] == "inkan" and isinstance(e["emails"], list) and isinstance(e["days_left"], int) and isinstance(e["has_key"], bool) for e in d)'
A="[e for e in d if e['emails'] == ['alice@example.org']][0]"
check "alice: id $A_HASH.0, label, has_key true" \
  jtrue "$T/list.json" "${A}['id'] == '$A_HASH.0' and ${A}['label'] == 'alice@example.org' and ${A}['has_key'] is True"
check "alice: subject and issuer" \
  jtrue "$T/list.json" "'CN=alice@example.org' in ${A}['subject'] and 'Inkan Test S/MIME RSA Issuing CA' in ${A}['issuer']"
check "alice: not_after is openssl's notAfter ($(enddate "$PKI/alice.cert.pem"))" \
  jtrue "$T/list.json" "datetime.datetime.fromisoformat(${A}['not_after'].replace('Z', '+00:00')) == datetime.datetime.strptime('$(enddate "$PKI/alice.cert.pem")', '%b %d %H:%M:%S %Y %Z').replace(tzinfo=datetime.timezone.utc)"
check "alice: days_left matches notAfter - now (floor, +-1)" \
  jtrue "$T/list.json" "abs(${A}['days_left'] - days('$(enddate "$PKI/alice.cert.pem")')) <= 1"
# The PKI is made at build time (notBefore = then - 1 day, 365 days valid):
# the 360..366 range holds for a PKI made in the last 4 days.
pki_age=$(python3 -c 'import sys, datetime, time
t = datetime.datetime.strptime(sys.argv[1], "%b %d %H:%M:%S %Y %Z").replace(tzinfo=datetime.timezone.utc)
print(int((time.time() - t.timestamp()) // 86400) - 1)' "$(openssl x509 -startdate -noout -in "$PKI/alice.cert.pem" | sed 's/^notBefore=//')")
if [ "$pki_age" -le 4 ]; then
  check "alice: days_left between 360 and 366" jtrue "$T/list.json" "360 <= ${A}['days_left'] <= 366"
else
  skip_row "alice: days_left between 360 and 366" "the test PKI is $pki_age days old (rebuild it)"
fi
B="[e for e in d if e['emails'] == ['bob@example.org']][0]"
check "bob: has_key false" jtrue "$T/list.json" "${B}['has_key'] is False and ${B}['id'] == '$B_HASH.0'"
F="[e for e in d if e['emails'] == ['frank@example.org']][0]"
check "frank: days_left negative and matches notAfter - now" \
  jtrue "$T/list.json" "${F}['days_left'] < 0 and abs(${F}['days_left'] - days('$(enddate "$PKI/frank.cert.pem")')) <= 1"
check "frank: has_key true" jtrue "$T/list.json" "${F}['has_key'] is True"
expect_rc 0 "list (text)" "$INKAN" list
check "text: frank shows EXPIRED" sh -c 'grep -A2 "frank@example.org" "$1" | grep -q "EXPIRED on "' - "$T/out"
check "text: alice shows 'valid until ... days left' and [key]" \
  sh -c 'grep -q "alice@example.org \[key\]$" "$1" && grep -A2 "alice@example.org" "$1" | grep -q "valid until .* days left"' - "$T/out"
check "text: alice is not EXPIRED" sh -c '! grep -A2 "alice@example.org" "$1" | grep -q EXPIRED' - "$T/out"
store s8-empty
expect_rc 0 "list of a store that does not exist yet: exit 0" "$INKAN" list --json
check "... is []" jtrue "$T/out" 'd == []'
check "... and list did not create the store" test ! -e "$S"
expect_rc 3 "list --store nonsense: exit 3" "$INKAN" list --store nonsense

# ---------------------------------------------------------------- 9. remove
store s9
"$INKAN" import $PF "$T/aes-chain.p12" >/dev/null 2>&1
manifest "$S" >"$T/s9.before"
expect_rc 12 "remove nobody@example.org: exit 12" "$INKAN" remove nobody@example.org
check "... store unchanged" unchanged "$S" "$T/s9.before"
expect_rc 0 "remove alice@example.org: exit 0" "$INKAN" remove alice@example.org
check "... key file gone" test ! -e "$S/keys/$A_HASH.0"
check "... certificate file gone" test ! -e "$S/certificates/$A_HASH.0"
check "... no index line left" sh -c '! grep -q alice "$1/certificates/.index" "$1/keys/.index"' - "$S"
check "... store consistent" consistent "$S"
expect_rc 0 "... list" "$INKAN" list --json
check "... list is empty" jtrue "$T/out" 'd == []'
expect_rc 12 "remove alice@example.org again: exit 12" "$INKAN" remove alice@example.org
"$INKAN" import $PF "$T/aes-chain.p12" >/dev/null 2>&1
"$INKAN" import "$PKI/bob.cert.pem" >/dev/null 2>&1
expect_rc 0 "remove by id $A_HASH.0" "$INKAN" remove "$A_HASH.0"
check "... alice gone, bob kept" \
  sh -c '[ ! -e "$1/keys/$2.0" ] && [ -e "$1/certificates/$3.0" ] && grep -q "^bob@example.org " "$1/certificates/.index"' - "$S" "$A_HASH" "$B_HASH"
"$INKAN" import --label work-alice $PF "$T/aes-chain.p12" >/dev/null 2>&1
expect_rc 0 "remove by label work-alice" "$INKAN" remove work-alice
check "... alice gone, bob kept" \
  sh -c '[ ! -e "$1/keys/$2.0" ] && ! grep -q alice "$1/certificates/.index" && grep -q "^bob@example.org " "$1/certificates/.index"' - "$S" "$A_HASH"
check "... store consistent" consistent "$S"

# ---------------------------------------------------------------- 10. faults
# wrong passphrase, store holding bob
store s10
"$INKAN" import "$PKI/bob.cert.pem" >/dev/null 2>&1
manifest "$S" >"$T/s10.before"
for f in "$PKI/alice.p12" "$PKI/alice.legacy.p12" "$PKI/alice.pem"; do
  expect_rc 5 "wrong passphrase for $(basename "$f"): exit 5" "$INKAN" import --passphrase-file "$T/wrong" "$f"
  check "... says the passphrase is wrong" grep -q 'passphrase .* is wrong' "$T/err"
  check "... store unchanged" unchanged "$S" "$T/s10.before"
done
expect_rc 5 "no passphrase and no terminal for alice.p12: exit 5" no_tty "$INKAN" import "$PKI/alice.p12"
check "... store unchanged" unchanged "$S" "$T/s10.before"
store s10-empty
expect_rc 5 "wrong passphrase into an empty store: exit 5" "$INKAN" import --passphrase-file "$T/wrong" "$PKI/alice.p12"
check "... no key file left (nothing stored)" no_files "$S"
# truncated
head -c 200 "$PKI/alice.p12" >"$T/trunc.p12"
head -c 2000 "$PKI/alice.p12" >"$T/trunc2000.p12"
store s10
"$INKAN" import "$PKI/bob.cert.pem" >/dev/null 2>&1
for f in trunc.p12 trunc2000.p12; do
  expect_rc 6 "truncated $f: exit 6" "$INKAN" import $PF "$T/$f"
  check "... says it may be truncated" grep -q 'truncated' "$T/err"
  check "... store unchanged" unchanged "$S" "$T/s10.before"
done
expect_rc 4 "a file that does not exist: exit 4" "$INKAN" import $PF "$T/no-such.p12"
# a store folder that cannot be made
echo "not a folder" >"$T/file"
export INKAN_SMIME_DIR="$T/file/store"
expect_rc 4 "INKAN_SMIME_DIR below a regular file: exit 4" "$INKAN" import $PF "$PKI/alice.p12"
check "... the error names the folder" grep -q "$T/file/store" "$T/err"
check "... the regular file is untouched" grep -qx 'not a folder' "$T/file"

# A file size limit (EFBIG, like a quota): with a big certificates/.index
# (a 3000-character label on bob's line) the key file (about 1.9 kB) can be
# written but the index cannot.  SIGXFSZ is ignored so that write(2) fails.
limited() { sh -c 'trap "" XFSZ; exec prlimit --fsize=2048 -- "$@"' - "$@"; }
if have prlimit; then
  long=$(printf '%03000d' 0 | tr 0 L)
  store s10-efbig
  "$INKAN" import --label "$long" "$PKI/bob.cert.pem" >/dev/null 2>&1
  check "fixture: certificates/.index is larger than 2048 bytes" test "$(wc -c <"$S/certificates/.index")" -gt 2048
  manifest "$S" >"$T/efbig.before"
  expect_rc 4 "new identity under a 2048-byte file size limit: exit 4" limited "$INKAN" import $PF "$PKI/alice.p12"
  check "... store unchanged (no new file, no index change)" unchanged "$S" "$T/efbig.before"
  "$INKAN" import $PF "$PKI/alice.p12" >/dev/null 2>&1
  check "fixture: alice imported without the limit" test -f "$S/keys/$A_HASH.0"
  manifest "$S" >"$T/efbig.before"
  expect_rc 4 "import --force of alice again under the limit: exit 4" limited "$INKAN" import --force $PF "$PKI/alice.p12"
  check "... alice's stored key is still there" test -f "$S/keys/$A_HASH.0"
  check "... store consistent (every indexed key exists)" consistent "$S"
  expect_rc 0 "... sign -k alice@example.org still works" "$INKAN" sign -k alice@example.org $PF -o "$T/s10-efbig.eml" "$SIGN_IN"
else
  skip_row "file size limit rows" "prlimit (util-linux) not installed"
fi

# A full disk: a 64 KiB tmpfs filled up to K free pages, K = 0..6, so that
# every write of an import (chain, leaf, key, both indexes) fails once.
# Each failing import must leave the store exactly as it was; each
# succeeding one a consistent store.  Run twice: with bob in the store, and
# with a store whose index files exist but are empty (after a remove).
M="$T/mnt"
mkdir "$M"
if [ "$(id -u)" -eq 0 ] && mount -t tmpfs -o size=64k,mode=700 tmpfs "$M" 2>/dev/null; then
  umount "$M"
  for setup in with-bob emptied; do
    failed_once=0
    for k in 0 1 2 3 4 5 6; do
      mount -t tmpfs -o size=64k,mode=700 tmpfs "$M" || break
      export INKAN_SMIME_DIR="$M/store"
      "$INKAN" import "$PKI/bob.cert.pem" >/dev/null 2>&1
      [ "$setup" = emptied ] && "$INKAN" remove bob@example.org >/dev/null 2>&1
      manifest "$M/store" >"$T/full.before"
      dd if=/dev/zero of="$M/fill" bs=4096 2>/dev/null
      truncate -s "-$((k * 4096))" "$M/fill"
      "$INKAN" import $PF "$PKI/alice.p12" >"$T/out" 2>"$T/err"
      rc=$?
      manifest "$M/store" >"$T/full.after"
      if [ "$rc" -ne 0 ]; then
        failed_once=1
        sed 's/^/# /' "$T/err"
        check "full disk ($setup, $k pages free): import fails with exit 4 (saw $rc)" test "$rc" -eq 4
        check "full disk ($setup, $k pages free): store exactly as before" cmp -s "$T/full.before" "$T/full.after"
        check "full disk ($setup, $k pages free): store consistent" consistent "$M/store"
      else
        check "full disk ($setup, $k pages free): import succeeded, store consistent" consistent "$M/store"
        check "full disk ($setup, $k pages free): alice stored with her key" test -f "$M/store/keys/$A_HASH.0"
      fi
      check "full disk ($setup, $k pages free): no temporary file left" no_temps "$M"
      umount "$M"
    done
    check "full disk ($setup): at least one import failed for lack of space" test "$failed_once" -eq 1
  done
else
  skip_row "full disk rows" "mount -t tmpfs is refused here (needs root)"
fi

# ---------------------------------------------------------------- 11. csr
mkdir "$T/csr"
C="$T/csr"
expect_rc 0 "csr --email alice@example.org -o alice --new-passphrase-file: exit 0" \
  "$INKAN" csr --email alice@example.org -o "$C/alice" --new-passphrase-file "$T/strong"
check "csr: alice.key and alice.csr written" test -s "$C/alice.key" -a -s "$C/alice.csr"
check "csr: openssl req -verify passes" openssl req -verify -in "$C/alice.csr" -noout
openssl req -text -noout -in "$C/alice.csr" >"$T/csr.txt" 2>&1
check "csr: SAN email:alice@example.org" grep -q 'email:alice@example\.org' "$T/csr.txt"
check "csr: sha256WithRSAEncryption" grep -q 'Signature Algorithm: sha256WithRSAEncryption' "$T/csr.txt"
check "csr: 2048-bit RSA" grep -q 'Public-Key: (2048 bit)' "$T/csr.txt"
check "csr: subject CN = alice@example.org" grep -q 'Subject: CN *= *alice@example\.org' "$T/csr.txt"
check "csr: alice.key mode 600" mode_is 600 "$C/alice.key"
check "csr: alice.key is encrypted PKCS#8" grep -q '^-----BEGIN ENCRYPTED PRIVATE KEY-----$' "$C/alice.key"
check "csr: alice.key opens with the new passphrase" pkey_opens "$C/alice.key" "$T/strong"
check "csr: alice.key does not open without it" sh -c '! openssl pkey -in "$1" -passin pass: -noout 2>/dev/null' - "$C/alice.key"
check "csr: the CSR's public key is alice.key's" \
  sh -c '[ "$(openssl req -in "$1" -noout -pubkey)" = "$(openssl pkey -in "$2" -passin "file:$3" -pubout)" ]' - "$C/alice.csr" "$C/alice.key" "$T/strong"
cp "$C/alice.key" "$T/csr.key0"
cp "$C/alice.csr" "$T/csr.csr0"
expect_rc 11 "csr again with the same -o: exit 11" \
  "$INKAN" csr --email alice@example.org -o "$C/alice" --new-passphrase-file "$T/strong"
check "... alice.key unchanged" cmp "$T/csr.key0" "$C/alice.key"
check "... alice.csr unchanged" cmp "$T/csr.csr0" "$C/alice.csr"
check "... says a key is never overwritten" grep -q 'never overwritten' "$T/err"
expect_rc 0 "csr --key p256" "$INKAN" csr --email alice@example.org --key p256 -o "$C/ec" --new-passphrase-file "$T/strong"
check "csr p256: the key is EC prime256v1" \
  sh -c 'openssl pkey -in "$1" -passin "file:$2" -text -noout | grep -q "ASN1 OID: prime256v1"' - "$C/ec.key" "$T/strong"
check "csr p256: the CSR is signed ecdsa-with-SHA256 and verifies" \
  sh -c 'openssl req -verify -noout -in "$1" && openssl req -text -noout -in "$1" | grep -q "Signature Algorithm: ecdsa-with-SHA256"' - "$C/ec.csr"
check "csr p256: key mode 600, encrypted" sh -c '[ "$(stat -c %a "$1")" = 600 ] && grep -q "ENCRYPTED PRIVATE KEY" "$1"' - "$C/ec.key"
expect_rc 0 "csr --key p384" "$INKAN" csr --email alice@example.org --key p384 -o "$C/ec384" --new-passphrase-file "$T/strong"
check "csr p384: the key is EC secp384r1" \
  sh -c 'openssl pkey -in "$1" -passin "file:$2" -text -noout | grep -q "ASN1 OID: secp384r1"' - "$C/ec384.key" "$T/strong"
expect_rc 0 "csr --key rsa3072" "$INKAN" csr --email alice@example.org --key rsa3072 -o "$C/rsa3072" --new-passphrase-file "$T/strong"
check "csr rsa3072: 3072-bit" sh -c 'openssl req -text -noout -in "$1" | grep -q "Public-Key: (3072 bit)"' - "$C/rsa3072.csr"
"$INKAN" csr --email alice@example.org --key rsa1024 -o "$C/bad" --new-passphrase-file "$T/strong" >"$T/out" 2>"$T/err"
rc=$?
echo "# csr --key rsa1024 exits $rc: $(cat "$T/err")"
check "csr --key rsa1024: exit 10 or 3 (saw $rc)" test "$rc" -eq 10 -o "$rc" -eq 3
check "... names the allowed types" grep -q 'rsa2048' "$T/err"
check "... nothing written" sh -c '! ls "$1"/bad* >/dev/null 2>&1' - "$C"
expect_rc 0 "csr --subject /C=JP/O=Example KK/CN=Taro Yamada" \
  "$INKAN" csr --email taro@example.jp --subject '/C=JP/O=Example KK/CN=Taro Yamada' -o "$C/taro" --new-passphrase-file "$T/strong"
check "... subject is C=JP, O=Example KK, CN=Taro Yamada" \
  sh -c 'openssl req -noout -subject -in "$1" | grep -q "C *= *JP, O *= *Example KK, CN *= *Taro Yamada"' - "$C/taro.csr"
expect_rc 5 "csr without --new-passphrase-* and no terminal: exit 5" \
  no_tty "$INKAN" csr --email alice@example.org -o "$C/nopass"
check "... no key and no CSR written" sh -c '! ls "$1"/nopass* >/dev/null 2>&1' - "$C"
expect_rc 3 "csr without --email: exit 3" "$INKAN" csr -o "$C/noemail" --new-passphrase-file "$T/strong"
# The CA issues a certificate for the request; import key + certificate + chain.
printf 'basicConstraints=critical,CA:FALSE\nkeyUsage=critical,digitalSignature,keyEncipherment\nextendedKeyUsage=emailProtection\nsubjectAltName=email:alice@example.org\n' >"$T/leaf.ext"
check "the test CA issues a certificate for alice.csr" \
  openssl x509 -req -in "$C/alice.csr" -CA "$PKI/ca.pem" -CAkey "$PKI/ca.key.pem" -set_serial 0x1e2d3c4b5a69 \
    -days 30 -sha256 -extfile "$T/leaf.ext" -out "$C/alice.crt"
store s11
expect_rc 0 "import alice.key + alice.crt + chain.pem (the key's passphrase)" \
  "$INKAN" import --passphrase-file "$T/strong" "$C/alice.key" "$C/alice.crt" "$PKI/chain.pem"
check "... Identity: alice@example.org" grep -q '^Identity: alice@example\.org ' "$T/out"
expect_rc 0 "... sign -k alice@example.org" "$INKAN" sign -k alice@example.org --passphrase-file "$T/strong" -o "$T/s11.eml" "$SIGN_IN"
check "... openssl cms -verify" cms_ok "$T/s11.eml"
check "... the signer is the new certificate" signer_is "$T/s11.eml" "$C/alice.crt"

# ---------------------------------------------------------------- 12. export
store s12
"$INKAN" import $PF "$T/aes-chain.p12" >/dev/null 2>&1
E="$T/export"
mkdir "$E"
expect_rc 0 "export -k alice@example.org -o out.p12 --new-passphrase-file strong" \
  "$INKAN" export -k alice@example.org $PF -o "$E/out.p12" --new-passphrase-file "$T/strong"
check "out.p12 mode 600" mode_is 600 "$E/out.p12"
openssl pkcs12 -info -noout -in "$E/out.p12" -passin "file:$T/strong" >"$T/p12info" 2>&1
check "out.p12: AES-256-CBC" grep -q 'AES-256-CBC' "$T/p12info"
check "out.p12: no legacy algorithm" sh -c '! grep -Eq "RC2|TripleDES" "$1"' - "$T/p12info"
check "out.p12: sha256 MAC" grep -q '^MAC: sha256' "$T/p12info"
check "out.p12: holds alice's key, alice and the intermediate" \
  sh -c 'openssl pkcs12 -in "$1" -passin "file:$2" -nodes 2>/dev/null >"$1.pem" &&
         [ "$(grep -c "BEGIN CERTIFICATE" "$1.pem")" = 2 ] &&
         [ "$(openssl pkey -in "$1.pem" -pubout)" = "$(openssl x509 -in "$3" -noout -pubkey)" ]' - "$E/out.p12" "$T/strong" "$PKI/alice.cert.pem"
expect_rc 0 "export --legacy" "$INKAN" export --legacy -k alice@example.org $PF -o "$E/legacy.p12" --new-passphrase-file "$T/strong"
openssl pkcs12 -legacy -info -noout -in "$E/legacy.p12" -passin "file:$T/strong" >"$T/p12info" 2>&1
lrc=$?
check "legacy.p12 opens with openssl pkcs12 -legacy" test "$lrc" -eq 0
check "legacy.p12: pbeWithSHA1And3-KeyTripleDES-CBC" grep -q 'Shrouded Keybag: pbeWithSHA1And3-KeyTripleDES-CBC' "$T/p12info"
check "legacy.p12: no AES" sh -c '! grep -q "AES" "$1"' - "$T/p12info"
check "legacy.p12: sha1 MAC (as 'inkan help export' promises)" grep -q '^MAC: sha1' "$T/p12info"
check "legacy.p12: mode 600" mode_is 600 "$E/legacy.p12"
expect_rc 5 "export with a weak passphrase ('short'): exit 5" \
  "$INKAN" export -k alice@example.org $PF -o "$E/weak.p12" --new-passphrase-file "$T/weak"
check "... says it is too weak" grep -q 'too weak' "$T/err"
check "... no file" test ! -e "$E/weak.p12"
check "... no temporary file" no_temps "$E"
expect_rc 0 "export with 'short' and --weak-passphrase-ok: exit 0" \
  "$INKAN" export -k alice@example.org $PF -o "$E/weak.p12" --new-passphrase-file "$T/weak" --weak-passphrase-ok
check "... opens with 'short'" openssl pkcs12 -info -noout -in "$E/weak.p12" -passin "file:$T/weak"
cp "$E/out.p12" "$T/out.p12.0"
expect_rc 11 "export over an existing out.p12 without --force: exit 11" \
  "$INKAN" export -k alice@example.org $PF -o "$E/out.p12" --new-passphrase-file "$T/strong"
check "... out.p12 unchanged" cmp "$T/out.p12.0" "$E/out.p12"
expect_rc 0 "export over it with --force: exit 0" \
  "$INKAN" export -k alice@example.org $PF -o "$E/out.p12" --new-passphrase-file "$T/strong" --force
check "... replaced (a new salt) and still opens" \
  sh -c '! cmp -s "$1" "$2" && openssl pkcs12 -info -noout -in "$2" -passin "file:$3" 2>/dev/null' - "$T/out.p12.0" "$E/out.p12" "$T/strong"
expect_rc 5 "export with a wrong store passphrase: exit 5" \
  "$INKAN" export -k alice@example.org --passphrase-file "$T/wrong" -o "$E/wrongpass.p12" --new-passphrase-file "$T/strong"
check "... no file" test ! -e "$E/wrongpass.p12"
expect_rc 12 "export -k nobody@example.org: exit 12" \
  "$INKAN" export -k nobody@example.org $PF -o "$E/nobody.p12" --new-passphrase-file "$T/strong"
for f in out legacy; do
  store "s12-$f"
  expect_rc 0 "the exported $f.p12 imports into a fresh store" "$INKAN" import --passphrase-file "$T/strong" "$E/$f.p12"
  check "... Identity line, 1 intermediate" \
    sh -c 'grep -qxF "Identity: alice@example.org (mailbox-validated strict)" "$1" && grep -q "and 1 intermediate" "$1"' - "$T/out"
  check "... and signs" sh -c '"$1" sign -k alice@example.org --passphrase-file "$2" -o "$3" "$4"' - \
    "$INKAN" "$T/strong" "$T/s12-$f.eml" "$SIGN_IN"
done

finish
