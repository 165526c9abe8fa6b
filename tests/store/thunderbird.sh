#!/bin/sh
# Thunderbird's profile store through the command line: inkan import --into
# thunderbird, list/remove --store thunderbird, on a profile made by NSS's
# certutil; checked with certutil, cmsutil (NSS signs and decrypts with the
# imported key) and OpenSSL.  The library functions themselves are tested in
# tests/unit/test-thunderbird-profile.c.
. "$(dirname "$0")/../lib.sh"
need certutil libnss3-tools
need cmsutil libnss3-tools
need openssl openssl
need python3 python3

P=$T/profile
mkdir -p "$P"
certutil -N -d "sql:$P" --empty-password >/dev/null 2>&1 || skip_all "certutil -N failed"
cat >"$P/prefs.js" <<'EOF'
// Mozilla User Preferences

user_pref("browser.cache.disk.capacity", 358400);
user_pref("mail.identity.id1.fullName", "Alice");
user_pref("mail.identity.id1.useremail", "alice@example.org");
user_pref("mail.identity.id2.useremail", "bob@example.org");
user_pref("mail.identity.id3.useremail", "dave@example.org");
user_pref("mail.server.server1.hostname", "imap.example.org");
EOF
cp "$P/prefs.js" "$T/prefs.orig"
tb() { "$INKAN" "$@" --profile "$P"; }

expect_rc 0 "import alice.p12 into the profile" tb import --into thunderbird $PF "$PKI/alice.p12"
if grep -q "pending" "$T/err"; then
  skip_all "inkan import --into thunderbird is not wired to libinkan yet (cli/tb-pending.c)"
fi
check "the import says which identity it set" grep -q "identity id1 (alice@example.org)" "$T/out"

certutil -L -d "sql:$P" >"$T/certs" 2>&1
check "certutil lists alice's certificate as a user certificate (u,u,u)" \
  grep -Eq '^alice@example.org +u,u,u' "$T/certs"
check "certutil lists the intermediate CA" grep -q "Issuing CA" "$T/certs"
certutil -K -d "sql:$P" >"$T/keys" 2>&1
check "certutil -K lists the key under the certificate's nickname" grep -q "rsa .* alice@example.org" "$T/keys"
if grep -q orphan "$T/keys"; then not_ok "the key is linked to its certificate"; else ok "the key is linked to its certificate"; fi

# prefs.js: id1 gets the four S/MIME prefs, nothing else changes
grep -v 'mail.identity.id1.\(signing\|encryption\)_cert_' "$P/prefs.js" >"$T/prefs.rest"
check "every other prefs.js line is unchanged" cmp "$T/prefs.orig" "$T/prefs.rest"
check "id1 signs with alice@example.org" \
  grep -qx 'user_pref("mail.identity.id1.signing_cert_name", "alice@example.org");' "$P/prefs.js"
check "id1 encrypts with alice@example.org" \
  grep -qx 'user_pref("mail.identity.id1.encryption_cert_name", "alice@example.org");' "$P/prefs.js"
if grep -q 'id2\.\(signing\|encryption\)' "$P/prefs.js"; then not_ok "id2 (bob) untouched"; else ok "id2 (bob) untouched"; fi

# The dbkey is nsNSSCertificate::GetDbKey's: 8 zero bytes, serial and
# issuer lengths (big-endian), serial, DER issuer.
openssl x509 -in "$PKI/alice.cert.pem" -outform DER -out "$T/alice.der"
serial=$(openssl x509 -in "$PKI/alice.cert.pem" -noout -serial | sed 's/^serial=//')
check "signing_cert_dbkey names alice's serial number and issuer" python3 - "$P/prefs.js" "$T/alice.der" "$serial" <<'EOF'
import base64, re, struct, sys
prefs = open(sys.argv[1]).read()
key = base64.b64decode(re.search(r'id1\.signing_cert_dbkey", "([^"]*)"', prefs).group(1))
der = open(sys.argv[2], 'rb').read()
assert key[:8] == bytes(8), key[:8]
sl, il = struct.unpack('>II', key[8:16])
serial, issuer = key[16:16 + sl], key[16 + sl:]
assert len(issuer) == il and issuer[0] == 0x30, (il, issuer[:2])
assert int.from_bytes(serial, 'big') == int(sys.argv[3], 16)
# the issuer Name is the one of the certificate: the DER bytes before the
# validity, right after the signature AlgorithmIdentifier
assert der.count(issuer) >= 1
enc = re.search(r'id1\.encryption_cert_dbkey", "([^"]*)"', prefs).group(1)
assert base64.b64decode(enc) == key
EOF

# NSS signs with the imported key; OpenSSL verifies
certutil -A -d "sql:$P" -n "inkan test root" -t ",C," -i "$PKI/root.pem" >/dev/null 2>&1
printf 'Signed by NSS.\n' >"$T/msg"
check "cmsutil signs with alice's key from the profile" \
  cmsutil -S -N alice@example.org -d "sql:$P" -i "$T/msg" -o "$T/msg.p7s"
check "openssl cms verifies NSS's signature" \
  openssl cms -verify -inform DER -in "$T/msg.p7s" -CAfile "$PKI/root.pem" -certfile "$PKI/chain.pem" -purpose any -out "$T/msg.out"
# OpenSSL encrypts to alice; NSS decrypts with the imported key
openssl cms -encrypt -binary -aes256 -in "$T/msg" -outform DER -out "$T/msg.p7m" "$PKI/alice.cert.pem" 2>/dev/null
check "cmsutil decrypts with alice's key from the profile" \
  cmsutil -D -d "sql:$P" -i "$T/msg.p7m" -o "$T/msg.dec"
check "the decrypted text is the original" cmp "$T/msg" "$T/msg.dec"

# Again without --force: nothing changes
cp "$P/prefs.js" "$T/prefs.after"
certutil -L -d "sql:$P" >"$T/certs.before" 2>&1
expect_rc 11 "a second import is refused (exists)" tb import --into thunderbird $PF "$PKI/alice.p12"
check "prefs.js is byte-identical after the refused import" cmp "$T/prefs.after" "$P/prefs.js"
certutil -L -d "sql:$P" >"$T/certs.after" 2>&1
check "the NSS database is unchanged after the refused import" cmp "$T/certs.before" "$T/certs.after"

# EC P-256
expect_rc 0 "import dave.p12 (EC P-256)" tb import --into thunderbird $PF "$PKI/dave.p12"
certutil -K -d "sql:$P" >"$T/keys" 2>&1
check "certutil -K lists dave's EC key" grep -q "ec .* dave@example.org" "$T/keys"
check "cmsutil signs with dave's EC key" \
  cmsutil -S -N dave@example.org -d "sql:$P" -i "$T/msg" -o "$T/dave.p7s"
check "openssl cms verifies the ECDSA signature" \
  openssl cms -verify -inform DER -in "$T/dave.p7s" -CAfile "$PKI/root.pem" -certfile "$PKI/chain.pem" -purpose any -out "$T/msg.out"
check "id3 signs with dave@example.org" \
  grep -qx 'user_pref("mail.identity.id3.signing_cert_name", "dave@example.org");' "$P/prefs.js"

# Thunderbird running (a live lock): refused, nothing changed
cp "$P/prefs.js" "$T/prefs.before"
ln -s "127.0.0.1:+$$" "$P/lock"
expect_rc 13 "import while Thunderbird runs is refused (locked)" tb import --into thunderbird $PF "$PKI/bob.p12"
check "prefs.js unchanged while locked" cmp "$T/prefs.before" "$P/prefs.js"
certutil -L -d "sql:$P" >"$T/certs" 2>&1
if grep -q "^bob@example.org" "$T/certs"; then not_ok "bob not imported while locked"; else ok "bob not imported while locked"; fi
rm -f "$P/lock"

# list and remove
expect_rc 0 "list --store thunderbird" tb list --store thunderbird
check "the list shows alice" grep -q "alice@example.org" "$T/out"
check "the list shows dave" grep -q "dave@example.org" "$T/out"
expect_rc 0 "remove alice from the profile" tb remove --store thunderbird alice@example.org
certutil -K -d "sql:$P" >"$T/keys" 2>&1
if grep -q "alice@example.org" "$T/keys"; then not_ok "alice's key is gone"; else ok "alice's key is gone"; fi
certutil -L -d "sql:$P" >"$T/certs" 2>&1
if grep -q "^alice@example.org" "$T/certs"; then not_ok "alice's certificate is gone"; else ok "alice's certificate is gone"; fi
expect_rc 12 "removing it again: not found" tb remove --store thunderbird alice@example.org

finish
