#!/bin/sh
# Negative and robustness tests of the inkan CLI: tampering, trust,
# validity, passphrases, damaged input, decryption failures, usage errors
# and output safety.  TAP output.
. "$(dirname "$0")/../lib.sh"
need python3 python3
need openssl openssl

ALICE="$PKI/alice.p12"
BOB="$PKI/bob.p12"
TRUST="--trust $PKI/root.pem"
SECRET=$(cat "$PKI/passphrase.txt")

# Every command's stdout and stderr also go to $T/transcript, which must
# never contain the passphrase (checked at the end).
: >"$T/transcript"
erc() { expect_rc "$@"; cat "$T/out" "$T/err" >>"$T/transcript"; }

# rc_in "CODES" DESCRIPTION COMMAND...: passes when COMMAND exits with one
# of CODES (space separated); $T/out, $T/err and $rc as for expect_rc.
rc_in() {
  codes=$1; desc=$2; shift 2
  "$@" >"$T/out" 2>"$T/err"
  rc=$?
  cat "$T/out" "$T/err" >>"$T/transcript"
  case " $codes " in
    *" $rc "*) ok "$desc (exit $rc)";;
    *) not_ok "$desc (exit $rc, wanted one of: $codes)"; sed 's/^/# err: /' "$T/err" | head -10;;
  esac
}

json() { python3 -c 'import json,sys; d=json.load(sys.stdin); print(eval(sys.argv[1]))' "$1"; }
one_line() { [ "$(wc -l <"$1")" -eq 1 ]; }
# at_most_one_line FILE
at_most_one_line() { [ "$(wc -l <"$1")" -le 1 ]; }
is_verdict() { [ "${2%%:*}" = "$1" ]; }
absent() { [ ! -e "$1" ] && ! ls "$1".* >/dev/null 2>&1; }

# b64part.py MODE FILE [ARG]: edits the DER of the last base64 body part of
# a mail.  Modes: half (cut the base64 in half), garbage (replace it by
# non-base64 text), flipchar FRACTION (change one base64 character at that
# fraction of the text), flipbyte N (xor one byte at DER length - N),
# replace OLD NEW (same-length byte replacement inside the DER).
cat >"$T/b64part.py" <<'EOF'
import base64, re, sys
mode, path = sys.argv[1], sys.argv[2]
data = open(path, encoding="utf-8").read()
i = data.rfind("Content-Transfer-Encoding: base64")
j = data.index("\n\n", i) + 2
m = re.match(r"[A-Za-z0-9+/=\n]+", data[j:])
b64 = m.group(0)
end = j + len(b64)
if mode == "half":
    lines = b64.rstrip("\n").split("\n")
    new = "\n".join(lines[: len(lines) // 2]) + "\n"
elif mode == "garbage":
    new = "\n".join("!!! not base64 at all ### ~~~ %d" % n for n in range(b64.count("\n"))) + "\n"
elif mode == "flipchar":
    k = int(len(b64) * float(sys.argv[3]))
    while b64[k] in "\n=":
        k += 1
    new = b64[:k] + ("B" if b64[k] != "B" else "C") + b64[k + 1:]
else:
    der = bytearray(base64.b64decode(b64))
    if mode == "flipbyte":
        der[len(der) - int(sys.argv[3])] ^= 0x01
    elif mode == "replace":
        old, rep = sys.argv[3].encode(), sys.argv[4].encode()
        assert len(old) == len(rep) and old in der, "pattern not in the DER"
        der = der.replace(old, rep, 1)
    else:
        sys.exit("unknown mode")
    new = base64.encodebytes(bytes(der)).decode()
sys.stdout.write(data[:j] + new + data[end:])
EOF
part() { python3 "$T/b64part.py" "$@"; }

# ---------------------------------------------------------------- setup
SIGNED="$T/signed.eml"
OPAQUE="$T/opaque.eml"
erc 0 "setup: alice signs plain.eml" "$INKAN" sign -k "$ALICE" $PF -o "$SIGNED" "$MAIL/plain.eml"
erc 0 "setup: alice signs plain.eml --opaque" "$INKAN" sign --opaque -k "$ALICE" $PF -o "$OPAQUE" "$MAIL/plain.eml"
vd=$(verdict "$SIGNED" $TRUST)
check "setup: multipart/signed is valid ($vd)" test "$vd" = "valid:"
vd=$(verdict "$OPAQUE" $TRUST)
check "setup: opaque is valid ($vd)" test "$vd" = "valid:"

# ---------------------------------------------------------------- (a) tampering
sed 's/Thursday/Saturday/' "$SIGNED" >"$T/a-tampered.eml"
check "tampered copy differs from the signed mail" sh -c '! cmp -s "$1" "$2"' - "$SIGNED" "$T/a-tampered.eml"
vd=$(verdict "$T/a-tampered.eml" $TRUST)
check "multipart/signed with an edited word: invalid ($vd)" is_verdict invalid "$vd"
erc 1 "multipart/signed with an edited word: exit 1" "$INKAN" verify $TRUST "$T/a-tampered.eml"
check "text output says INVALID" grep -q '^INVALID' "$T/out"
check "JSON signature_valid is false" \
  test "$("$INKAN" verify --json $TRUST "$T/a-tampered.eml" | json '[s["signature_valid"] for s in d["signers"]]')" = "[False]"
# A single added space at the end of a line is a change too.
sed 's/^Best regards,$/Best regards, /' "$SIGNED" >"$T/a-space.eml"
vd=$(verdict "$T/a-space.eml" $TRUST)
check "multipart/signed with a trailing space added: invalid ($vd)" is_verdict invalid "$vd"

part replace "$OPAQUE" Thursday Saturday >"$T/a-opaque-edit.eml"
vd=$(verdict "$T/a-opaque-edit.eml" $TRUST)
check "opaque with an edited word inside the CMS: invalid ($vd)" is_verdict invalid "$vd"
erc 1 "opaque with an edited word: exit 1" "$INKAN" verify $TRUST "$T/a-opaque-edit.eml"
for f in 0.1 0.3 0.5 0.7 0.9; do
  part flipchar "$OPAQUE" "$f" >"$T/a-opaque-flip.eml"
  rc_in "1 8" "opaque with one base64 character changed at $f: exit 1 or 8, never 0" \
    "$INKAN" verify $TRUST "$T/a-opaque-flip.eml"
  check "opaque flip at $f: at most one stderr line" at_most_one_line "$T/err"
  part flipchar "$SIGNED" "$f" >"$T/a-sig-flip.eml"
  rc_in "1 8" "smime.p7s with one base64 character changed at $f: exit 1 or 8, never 0" \
    "$INKAN" verify $TRUST "$T/a-sig-flip.eml"
done

# ---------------------------------------------------------------- (b) untrusted root
OSCAR="$T/b-oscar.eml"
erc 0 "oscar (alice@example.org under other-root) signs plain.eml" \
  "$INKAN" sign -k "$PKI/oscar.p12" $PF -o "$OSCAR" "$MAIL/plain.eml"
vd=$(verdict "$OSCAR" --trust "$PKI/root.pem" --no-system-trust)
check "oscar with --trust root.pem --no-system-trust: untrusted ($vd)" has_flag "$vd" untrusted
check "oscar: valid-signature, not valid ($vd)" is_verdict valid-signature "$vd"
erc 1 "oscar with --trust root.pem --no-system-trust: exit 1" \
  "$INKAN" verify --trust "$PKI/root.pem" --no-system-trust "$OSCAR"
check "oscar: chain_trusted false" \
  test "$("$INKAN" verify --json --trust "$PKI/root.pem" --no-system-trust "$OSCAR" | json '[s["chain_trusted"] for s in d["signers"]]')" = "[False]"
vd=$(verdict "$OSCAR")
check "oscar with the default (system) anchors: untrusted ($vd)" has_flag "$vd" untrusted
vd=$(verdict "$OSCAR" --no-system-trust)
check "oscar with no anchors at all: untrusted ($vd)" has_flag "$vd" untrusted
vd=$(verdict "$OSCAR" --trust "$PKI/other-root.pem")
check "oscar with --trust other-root.pem: valid ($vd)" test "$vd" = "valid:"
erc 0 "oscar with --trust other-root.pem --no-system-trust: exit 0" \
  "$INKAN" verify --trust "$PKI/other-root.pem" --no-system-trust "$OSCAR"
vd=$(verdict "$SIGNED" --no-system-trust)
check "alice with --no-system-trust and no --trust: untrusted ($vd)" has_flag "$vd" untrusted
vd=$(verdict "$SIGNED" --trust "$PKI/other-root.pem" --no-system-trust)
check "alice trusting only other-root: untrusted ($vd)" has_flag "$vd" untrusted

# ---------------------------------------------------------------- (c) expired
sed 's/^From: .*/From: Frank <frank@example.org>/' "$MAIL/plain.eml" >"$T/c-frank-in.eml"
FRANK="$T/c-frank.eml"
erc 6 "inkan refuses to sign with frank's expired certificate" \
  "$INKAN" sign -k "$PKI/frank.p12" $PF -o "$FRANK" "$T/c-frank-in.eml"
check "the refusal says when it expired" grep -q 'expired on' "$T/err"
check "openssl signs a mail with frank's expired certificate" openssl_signed_mail frank frank@example.org "$FRANK"
vd=$(verdict "$FRANK" $TRUST)
check "frank: flag expired ($vd)" has_flag "$vd" expired
check "frank: valid-signature ($vd)" is_verdict valid-signature "$vd"
erc 1 "frank: exit 1" "$INKAN" verify $TRUST "$FRANK"
nb=$(openssl x509 -in "$PKI/frank.cert.pem" -noout -startdate | cut -d= -f2)
inside=$(date -u -d "$nb + 1 day" +%Y-%m-%dT%H:%M:%SZ 2>/dev/null)
before=$(date -u -d "$nb - 1 day" +%Y-%m-%dT%H:%M:%SZ 2>/dev/null)
check "frank's notBefore parsed ($nb -> $inside)" test -n "$inside"
vd=$(verdict "$FRANK" $TRUST --at "$inside")
check "frank --at $inside (inside validity): valid ($vd)" test "$vd" = "valid:"
erc 0 "frank --at inside validity: exit 0" "$INKAN" verify $TRUST --at "$inside" "$FRANK"
check "frank --at: verified_at is the --at time" \
  test "$("$INKAN" verify --json $TRUST --at "$inside" "$FRANK" | json 'd["signers"][0]["verified_at"]')" = "$inside"
vd=$(verdict "$FRANK" $TRUST --at "$before")
check "frank --at before notBefore: not-yet-valid ($vd)" has_flag "$vd" not-yet-valid
erc 1 "frank --at before notBefore: exit 1" "$INKAN" verify $TRUST --at "$before" "$FRANK"

# ---------------------------------------------------------------- (d) wrong purpose
NOEKU="$T/d-noeku.eml"
erc 6 "inkan refuses to sign with noeku (EKU clientAuth only)" "$INKAN" sign -k "$PKI/noeku.p12" $PF -o "$NOEKU" "$MAIL/plain.eml"
check "the refusal names emailProtection" grep -q 'emailProtection' "$T/err"
check "openssl signs with noeku" openssl_signed_mail noeku alice@example.org "$NOEKU"
vd=$(verdict "$NOEKU" $TRUST)
check "noeku: untrusted ($vd)" has_flag "$vd" untrusted
check "noeku: valid-signature ($vd)" is_verdict valid-signature "$vd"
erc 1 "noeku: exit 1" "$INKAN" verify $TRUST "$NOEKU"
check "noeku: chain_error is given" \
  test "$("$INKAN" verify --json $TRUST "$NOEKU" | json 'd["signers"][0]["chain_error"] is not None')" = "True"

# ---------------------------------------------------------------- (e) passphrases and identities
OUT="$T/e-out.eml"
printf 'wrong' >"$T/wrong.txt"
erc 5 "wrong passphrase (p12): exit 5" "$INKAN" sign -k "$ALICE" --passphrase-file "$T/wrong.txt" -o "$OUT" "$MAIL/plain.eml"
check "wrong passphrase: one stderr line" one_line "$T/err"
check "wrong passphrase: stderr names the identity path" grep -qF "$ALICE" "$T/err"
check "wrong passphrase: no output file" absent "$OUT"
erc 5 "wrong passphrase (encrypted PEM): exit 5" "$INKAN" sign -k "$PKI/alice.pem" --passphrase-file "$T/wrong.txt" -o "$OUT" "$MAIL/plain.eml"
check "wrong PEM passphrase: stderr names the identity path" grep -qF "$PKI/alice.pem" "$T/err"
check "wrong PEM passphrase: no output file" absent "$OUT"
erc 5 "wrong passphrase (legacy p12): exit 5" "$INKAN" sign -k "$PKI/alice.legacy.p12" --passphrase-file "$T/wrong.txt" -o "$OUT" "$MAIL/plain.eml"
erc 5 "wrong passphrase on decrypt: exit 5" "$INKAN" decrypt -k "$BOB" --passphrase-file "$T/wrong.txt" -o "$OUT" "$SIGNED"
check "wrong passphrase on decrypt: no output file" absent "$OUT"
# A wrong passphrase that is not a word of any message, to look for echoes.
printf 'Zq9-not-the-passphrase\n' >"$T/wrong2.txt"
"$INKAN" sign -k "$ALICE" --passphrase-file "$T/wrong2.txt" "$MAIL/plain.eml" >"$T/out" 2>"$T/err"
check "a wrong passphrase is not echoed" sh -c '! grep -qF Zq9-not-the-passphrase "$1" "$2"' - "$T/out" "$T/err"

if command -v setsid >/dev/null 2>&1; then
  erc 5 "no passphrase, no terminal (p12): exit 5" \
    setsid -w "$INKAN" sign -k "$ALICE" -o "$OUT" "$MAIL/plain.eml" </dev/null
  check "no passphrase: one stderr line" one_line "$T/err"
  check "no passphrase: the sentence mentions --passphrase-fd" grep -q -- '--passphrase-fd' "$T/err"
  check "no passphrase: no output file" absent "$OUT"
  erc 5 "no passphrase, no terminal (encrypted PEM): exit 5" \
    setsid -w "$INKAN" sign -k "$PKI/alice.pem" -o "$OUT" "$MAIL/plain.eml" </dev/null
  check "no passphrase (PEM): the sentence mentions --passphrase-fd" grep -q -- '--passphrase-fd' "$T/err"
  erc 5 "no passphrase, no terminal (decrypt): exit 5" \
    setsid -w "$INKAN" decrypt -k "$BOB" -o "$OUT" "$SIGNED" </dev/null
else
  ok "no-terminal passphrase tests # SKIP setsid is not installed"
fi

erc 0 "--passphrase-fd 3 with 3<file works" \
  sh -c 'exec "$1" sign -k "$2" --passphrase-fd 3 -o "$3" "$4" 3<"$5"' - "$INKAN" "$ALICE" "$OUT" "$MAIL/plain.eml" "$PKI/passphrase.txt"
vd=$(verdict "$OUT" $TRUST)
check "--passphrase-fd signature is valid ($vd)" test "$vd" = "valid:"
rm -f "$OUT"
erc 0 "--passphrase-fd 0 from a pipe works" \
  sh -c 'printf "%s\n" "$5" | "$1" sign -k "$2" --passphrase-fd 0 -o "$3" "$4"' - "$INKAN" "$ALICE" "$OUT" "$MAIL/plain.eml" "$SECRET"
rm -f "$OUT"
erc 0 "legacy RC2/3DES p12 (alice.legacy.p12) works" "$INKAN" sign -k "$PKI/alice.legacy.p12" $PF -o "$OUT" "$MAIL/plain.eml"
vd=$(verdict "$OUT" $TRUST)
check "legacy p12 signature is valid ($vd)" test "$vd" = "valid:"
rm -f "$OUT"
erc 0 "PEM identity with encrypted key (alice.pem) works" "$INKAN" sign -k "$PKI/alice.pem" $PF -o "$OUT" "$MAIL/plain.eml"
vd=$(verdict "$OUT" $TRUST)
check "PEM identity signature is valid ($vd)" test "$vd" = "valid:"
rm -f "$OUT"
erc 6 "key alone (alice.key.pem, no certificate): exit 6" "$INKAN" sign -k "$PKI/alice.key.pem" $PF -o "$OUT" "$MAIL/plain.eml"
check "key alone: one stderr line" one_line "$T/err"
check "key alone: no output file" absent "$OUT"
erc 6 "certificate alone (alice.cert.pem) as identity: exit 6" "$INKAN" sign -k "$PKI/alice.cert.pem" $PF -o "$OUT" "$MAIL/plain.eml"
check "certificate alone: one stderr line" one_line "$T/err"
head -c 100 "$ALICE" >"$T/truncated.p12"
erc 6 "truncated p12 (100 bytes): exit 6" "$INKAN" sign -k "$T/truncated.p12" $PF -o "$OUT" "$MAIL/plain.eml"
check "truncated p12: one stderr line" one_line "$T/err"
check "truncated p12: no output file" absent "$OUT"
# key and a certificate that is not its own
cat "$PKI/alice.key.pem" "$PKI/bob.cert.pem" >"$T/mixed.pem"
erc 6 "key with someone else's certificate: exit 6" "$INKAN" sign -k "$T/mixed.pem" $PF -o "$OUT" "$MAIL/plain.eml"
erc 4 "nonexistent identity file: exit 4" "$INKAN" sign -k "$T/no-such-identity.p12" $PF -o "$OUT" "$MAIL/plain.eml"
check "nonexistent identity: one stderr line naming it" \
  sh -c '[ "$(wc -l <"$1")" -eq 1 ] && grep -qF no-such-identity.p12 "$1"' - "$T/err"
check "nonexistent identity: no output file" absent "$OUT"
erc 4 "nonexistent message file: exit 4" "$INKAN" verify "$T/no-such-message.eml"
erc 4 "nonexistent --trust file: exit 4" "$INKAN" verify --trust "$T/no-such-anchor.pem" "$SIGNED"
erc 4 "nonexistent passphrase file: exit 4" "$INKAN" sign -k "$ALICE" --passphrase-file "$T/no-such-pass" -o "$OUT" "$MAIL/plain.eml"
check "nonexistent passphrase file: no output file" absent "$OUT"

# ---------------------------------------------------------------- (f) damaged CMS and non-mail input
for form in signed opaque; do
  if [ $form = signed ]; then src=$SIGNED; else src=$OPAQUE; fi
  part half "$src" >"$T/f-half.eml"
  rc_in "8 1" "$form: base64 cut in half: exit 8 (or 1)" "$INKAN" verify $TRUST "$T/f-half.eml"
  check "$form cut in half: one stderr line" one_line "$T/err"
  check "$form cut in half: nothing on stdout" test ! -s "$T/out"
  rc_in "8 1" "$form cut in half, --json: exit 8 (or 1)" "$INKAN" verify --json $TRUST "$T/f-half.eml"
  part garbage "$src" >"$T/f-garbage.eml"
  rc_in "8 1" "$form: garbage instead of base64: exit 8 (or 1)" "$INKAN" verify $TRUST "$T/f-garbage.eml"
  check "$form garbage: one stderr line" one_line "$T/err"
done
: >"$T/empty.eml"
erc 8 "empty file: verify exit 8" "$INKAN" verify "$T/empty.eml"
check "empty file: one stderr line" one_line "$T/err"
erc 8 "empty stdin: verify exit 8" sh -c '"$1" verify </dev/null' - "$INKAN"
rc_in "8 2" "/bin/true as a message: exit 8 or 2, no crash" "$INKAN" verify /bin/true
check "/bin/true: at most one stderr line" at_most_one_line "$T/err"
head -c 4096 /dev/urandom >"$T/random.bin" 2>/dev/null || head -c 4096 /bin/sh >"$T/random.bin"
rc_in "8 2" "random bytes as a message: exit 8 or 2, no crash" "$INKAN" verify "$T/random.bin"
rc_in "8 2" "/bin/true to decrypt: exit 8 or 2, no crash" "$INKAN" decrypt -k "$BOB" $PF /bin/true
check "decrypt of /bin/true: nothing on stdout" test ! -s "$T/out"
# multipart/signed whose signature part is missing
python3 - "$SIGNED" >"$T/f-onepart.eml" <<'EOF'
import re, sys
d = open(sys.argv[1]).read()
b = re.search(r'boundary="([^"]+)"', d).group(1)
parts = d.split("--" + b)
sys.stdout.write(parts[0] + "--" + b + parts[1] + "--" + b + "--\n")
EOF
rc_in "8 1" "multipart/signed without its signature part: exit 8 or 1" "$INKAN" verify $TRUST "$T/f-onepart.eml"
check "missing signature part: at most one stderr line" at_most_one_line "$T/err"

# ---------------------------------------------------------------- (g) nothing to do
erc 2 "unsigned plain.eml: verify exit 2" "$INKAN" verify $TRUST "$MAIL/plain.eml"
vd=$(verdict "$MAIL/plain.eml" $TRUST)
check "unsigned plain.eml: not-signed ($vd)" test "$vd" = "not-signed:"
check "unsigned: text says not signed" sh -c '"$1" verify "$2" | grep -q "^not signed"' - "$INKAN" "$MAIL/plain.eml"
erc 2 "decrypt of a signed-only mail: exit 2" "$INKAN" decrypt -k "$ALICE" $PF -o "$OUT" "$SIGNED"
check "decrypt of a signed-only mail: one stderr line" one_line "$T/err"
check "decrypt of a signed-only mail: no output file" absent "$OUT"
erc 2 "decrypt of an unsigned plain mail: exit 2" "$INKAN" decrypt -k "$ALICE" $PF "$MAIL/plain.eml"
check "decrypt of a plain mail: nothing on stdout" test ! -s "$T/out"
ENC="$T/g-enc.eml"
erc 0 "setup: encrypt plain.eml to bob" "$INKAN" encrypt -r "$PKI/bob.cert.pem" -o "$ENC" "$MAIL/plain.eml"
erc 2 "verify of an encrypted mail: exit 2" "$INKAN" verify $TRUST "$ENC"
vd=$(verdict "$ENC" $TRUST)
check "verify of an encrypted mail: not-signed with flag encrypted ($vd)" test "$vd" = "not-signed:encrypted"

# ---------------------------------------------------------------- (h) not a recipient
for cipher in aes-256-cbc aes-256-gcm; do
  erc 0 "setup: encrypt plain.eml to bob ($cipher)" \
    "$INKAN" encrypt --cipher $cipher -r "$PKI/bob.cert.pem" -o "$T/h-enc.eml" "$MAIL/plain.eml"
  erc 9 "decrypt as mallory ($cipher): exit 9" "$INKAN" decrypt -k "$PKI/mallory.p12" $PF -o "$OUT" "$T/h-enc.eml"
  check "decrypt as mallory ($cipher): no output file" absent "$OUT"
  check "decrypt as mallory ($cipher): one stderr line" one_line "$T/err"
  check "decrypt as mallory ($cipher): stderr says the message is not for this identity, not that it was damaged" \
    sh -c 'if grep -q "damaged\|altered" "$1"; then cat "$1"; exit 1; fi' - "$T/err"
  erc 9 "decrypt as mallory without -o ($cipher): exit 9" "$INKAN" decrypt -k "$PKI/mallory.p12" $PF "$T/h-enc.eml"
  check "decrypt as mallory without -o ($cipher): nothing on stdout" test ! -s "$T/out"
done
erc 0 "setup: encrypt plain.eml to dave (EC)" "$INKAN" encrypt -r "$PKI/dave.cert.pem" -o "$T/h-ec.eml" "$MAIL/plain.eml"
erc 9 "decrypt the EC-recipient mail as mallory (RSA): exit 9" "$INKAN" decrypt -k "$PKI/mallory.p12" $PF -o "$OUT" "$T/h-ec.eml"
check "... no output file" absent "$OUT"

# ---------------------------------------------------------------- (i) tampered ciphertext
erc 0 "setup: decrypt the untampered mail as bob" "$INKAN" decrypt -k "$BOB" $PF -o "$T/i-plain.eml" "$ENC"
check "setup: untampered decryption has the original body" grep -q 'Thursday, 10:00' "$T/i-plain.eml"
GCM="$T/i-gcm.eml"
erc 0 "setup: encrypt plain.eml to bob with aes-256-gcm" \
  "$INKAN" encrypt --cipher aes-256-gcm -r "$PKI/bob.cert.pem" -o "$GCM" "$MAIL/plain.eml"
check "setup: smime-type=authEnveloped-data" grep -qi 'smime-type=authEnveloped-data' "$GCM"
erc 0 "setup: untampered GCM mail decrypts" "$INKAN" decrypt -k "$BOB" $PF -o "$T/i-gcm-plain.eml" "$GCM"
check "setup: GCM decryption has the original body" grep -q 'Thursday, 10:00' "$T/i-gcm-plain.eml"
# DER end: ... [0] encryptedContent, OCTET STRING(16) mac.  len-40 and
# len-20 are ciphertext, len-5 is the tag.
for n in 40 20 5; do
  part flipbyte "$GCM" $n >"$T/i-gcm-bad.eml"
  rm -f "$OUT"
  erc 9 "GCM with byte len-$n flipped: exit 9" "$INKAN" decrypt -k "$BOB" $PF -o "$OUT" "$T/i-gcm-bad.eml"
  check "GCM len-$n: output file does not exist" absent "$OUT"
  check "GCM len-$n: one stderr line" one_line "$T/err"
  erc 9 "GCM len-$n without -o: exit 9" "$INKAN" decrypt -k "$BOB" $PF "$T/i-gcm-bad.eml"
  check "GCM len-$n without -o: stdout is empty" test ! -s "$T/out"
done
for n in 40 20 5 1; do
  part flipbyte "$ENC" $n >"$T/i-cbc-bad.eml"
  rm -f "$OUT"
  rc_in "0 9" "CBC with byte len-$n flipped: exit 0 or 9, no crash" "$INKAN" decrypt -k "$BOB" $PF -o "$OUT" "$T/i-cbc-bad.eml"
  if [ "$rc" -eq 0 ]; then
    check "CBC len-$n: the output is not the original plaintext" sh -c '! cmp -s "$1" "$2"' - "$OUT" "$T/i-plain.eml"
  else
    check "CBC len-$n: output file does not exist" absent "$OUT"
  fi
done

# ---------------------------------------------------------------- (j) usage
erc 3 "unknown option: exit 3" "$INKAN" sign --no-such-option "$MAIL/plain.eml"
check "unknown option: one stderr line" one_line "$T/err"
erc 3 "sign without -k: exit 3" "$INKAN" sign "$MAIL/plain.eml"
check "sign without -k: one stderr line mentioning -k" sh -c '[ "$(wc -l <"$1")" -eq 1 ] && grep -q -- "-k" "$1"' - "$T/err"
erc 3 "decrypt without -k: exit 3" "$INKAN" decrypt "$ENC"
erc 3 "encrypt without recipients: exit 3" "$INKAN" encrypt "$MAIL/plain.eml"
erc 3 "two MESSAGE arguments: exit 3" "$INKAN" verify "$SIGNED" "$SIGNED"
erc 3 "verify --at not-a-time: exit 3" "$INKAN" verify --at not-a-time "$SIGNED"
erc 3 "sign --digest md5: exit 3" "$INKAN" sign -k "$ALICE" $PF --digest md5 "$MAIL/plain.eml"
erc 3 "encrypt --cipher des-ede3-cbc: exit 3" "$INKAN" encrypt --cipher des-ede3-cbc -r "$PKI/bob.cert.pem" "$MAIL/plain.eml"
erc 0 "inkan help sign: exit 0" "$INKAN" help sign
check "inkan help sign prints --pss" grep -q -- '--pss' "$T/out"
check "inkan help sign prints --allow-address-mismatch" grep -q -- '--allow-address-mismatch' "$T/out"
erc 0 "inkan --version: exit 0" "$INKAN" --version
check "inkan --version prints a version" grep -Eq '^inkan [0-9]+\.[0-9]+' "$T/out"
erc 3 "unknown command: exit 3" "$INKAN" frobnicate
erc 3 "no command: exit 3" "$INKAN"
erc 3 "inkan help <unknown>: exit 3" "$INKAN" help frobnicate

# ---------------------------------------------------------------- (k) output safety
erc 4 "sign -o into a nonexistent directory: exit 4" \
  "$INKAN" sign -k "$ALICE" $PF -o "$T/no-such-dir/out.eml" "$MAIL/plain.eml"
check "nonexistent directory: one stderr line" one_line "$T/err"
check "nonexistent directory: no file" test ! -e "$T/no-such-dir"
mkdir "$T/adir"
erc 4 "sign -o onto a directory: exit 4" "$INKAN" sign -k "$ALICE" $PF -o "$T/adir" "$MAIL/plain.eml"
check "-o onto a directory: no temporary file left" sh -c '! ls "$1".* >/dev/null 2>&1' - "$T/adir"
check "-o onto a directory: the directory is still empty" test -z "$(ls -A "$T/adir")"

# Read-only directory.  root ignores permissions, so as root the commands
# run as nobody (setpriv) on world-readable copies; without setpriv, skip.
mkdir "$T/pub" "$T/ro"
cp "$ALICE" "$BOB" "$PKI/passphrase.txt" "$MAIL/plain.eml" "$ENC" "$T/pub/"
chmod 644 "$T/pub"/*
chmod 755 "$T/pub"
chmod 555 "$T/ro"
as_user=""
if [ "$(id -u)" -eq 0 ]; then
  if command -v setpriv >/dev/null 2>&1 && id nobody >/dev/null 2>&1; then
    chmod 711 "$T"
    as_user="setpriv --reuid=$(id -u nobody) --regid=$(id -g nobody) --clear-groups"
  else
    as_user=skip
  fi
fi
if [ "$as_user" = skip ]; then
  ok "sign -o into a read-only directory # SKIP running as root without setpriv"
else
  erc 4 "sign -o into a read-only directory: exit 4" $as_user "$INKAN" sign -k "$T/pub/alice.p12" \
    --passphrase-file "$T/pub/passphrase.txt" -o "$T/ro/out.eml" "$T/pub/plain.eml"
  check "read-only directory: one stderr line naming the output" \
    sh -c '[ "$(wc -l <"$1")" -eq 1 ] && grep -qF "$2" "$1"' - "$T/err" "$T/ro/out.eml"
  check "read-only directory: nothing created" test -z "$(ls -A "$T/ro")"
  erc 4 "decrypt -o into a read-only directory: exit 4" $as_user "$INKAN" decrypt -k "$T/pub/bob.p12" \
    --passphrase-file "$T/pub/passphrase.txt" -o "$T/ro/out.eml" "$T/pub/g-enc.eml"
  check "read-only directory (decrypt): the error names the output" grep -qF "$T/ro/out.eml" "$T/err"
  check "read-only directory (decrypt): nothing created" test -z "$(ls -A "$T/ro")"
fi
chmod 700 "$T/ro" "$T"

DEC="$T/k-dec.eml"
erc 0 "decrypt -o: exit 0" "$INKAN" decrypt -k "$BOB" $PF -o "$DEC" "$ENC"
check "decrypt -o creates the file with mode 600" test "$(stat -c %a "$DEC")" = 600
check "decrypt -o: the report goes to stdout" grep -q 'encrypted' "$T/out"
check "decrypt -o: nothing on stderr" test ! -s "$T/err"
erc 0 "decrypt -o with umask 000" sh -c 'umask 000; exec "$@"' - "$INKAN" decrypt -k "$BOB" $PF -o "$T/k-dec0.eml" "$ENC"
check "decrypt -o with umask 000: still mode 600" test "$(stat -c %a "$T/k-dec0.eml")" = 600
printf 'old\n' >"$T/k-old.eml"
chmod 644 "$T/k-old.eml"
erc 0 "decrypt -o over an existing 644 file" "$INKAN" decrypt -k "$BOB" $PF -o "$T/k-old.eml" "$ENC"
check "decrypt -o over an existing file: mode becomes 600" test "$(stat -c %a "$T/k-old.eml")" = 600
check "decrypt -o over an existing file: content replaced" grep -q 'Thursday, 10:00' "$T/k-old.eml"
erc 0 "decrypt to stdout" "$INKAN" decrypt -k "$BOB" $PF "$ENC"
check "decrypt to stdout: the message is on stdout" grep -q '^From: Alice Example <alice@example.org>' "$T/out"
check "decrypt to stdout: the report is on stderr" grep -q 'encrypted' "$T/err"

# Nothing printed by any command above contains the passphrase.
check "the passphrase never appears in any stdout/stderr" sh -c '! grep -qF -- "$1" "$2"' - "$SECRET" "$T/transcript"
check "the transcript is not empty (sanity)" test -s "$T/transcript"

# Standard output may be a pipe (not seekable): sign | verify, encrypt | decrypt.
check "sign writes a whole message into a pipe (openssl verifies it)" \
  sh -c '"$1" sign -k "$2" --passphrase-file "$3" "$4" | openssl cms -verify -CAfile "$5" -out /dev/null' \
  - "$INKAN" "$ALICE" "$PKI/passphrase.txt" "$MAIL/plain.eml" "$PKI/root.pem"
check "sign | encrypt | decrypt through pipes keeps the text" \
  sh -c '"$1" sign -k "$2" --passphrase-file "$3" "$4" | "$1" encrypt -r "$5" | "$1" decrypt -k "$6" --passphrase-file "$3" 2>/dev/null | grep -q Thursday' \
  - "$INKAN" "$ALICE" "$PKI/passphrase.txt" "$MAIL/plain.eml" "$PKI/bob.cert.pem" "$BOB"

# A multipart whose Content-Type has no boundary parameter: GMime would
# make one up each time it writes it, so the signature could not verify.
# sign and encrypt refuse it, and write nothing.
printf 'From: Alice Example <alice@example.org>\nTo: bob@example.org\nSubject: no boundary\nMIME-Version: 1.0\nContent-Type: multipart/mixed\n\n--foo\nContent-Type: text/plain\n\nhello\n--foo--\n' >"$T/no-boundary.eml"
erc 8 "sign of a multipart without a boundary parameter: exit 8" "$INKAN" sign -k "$ALICE" $PF -o "$T/nb-signed.eml" "$T/no-boundary.eml"
check "sign without boundary: the sentence names the part and RFC 2046" grep -q 'multipart/mixed part without a boundary parameter (RFC 2046' "$T/err"
check "sign without boundary: no output file" absent "$T/nb-signed.eml"
erc 8 "encrypt of a multipart without a boundary parameter: exit 8" "$INKAN" encrypt -r "$PKI/bob.cert.pem" -o "$T/nb-enc.eml" "$T/no-boundary.eml"
check "encrypt without boundary: no output file" absent "$T/nb-enc.eml"

# -o onto a device writes through it; it must never replace the device.
erc 0 "sign -o /dev/null succeeds" "$INKAN" sign -k "$ALICE" $PF -o /dev/null "$MAIL/plain.eml"
check "/dev/null is still a character device" test -c /dev/null
erc 0 "decrypt -o /dev/null succeeds" "$INKAN" decrypt -k "$BOB" $PF -o /dev/null "$ENC"
check "/dev/null is still a character device after decrypt" test -c /dev/null
finish
