#!/bin/sh
# Interop: encryption in both directions between inkan and the OpenSSL
# command line.
#
#  inkan encrypt  -> openssl cms -decrypt   (RSA key transport PKCS#1 v1.5 and
#                    OAEP, EC key agreement; AES-CBC EnvelopedData and AES-GCM
#                    AuthEnvelopedData; the sender's own copy; sign-then-encrypt)
#  openssl -encrypt -> inkan decrypt        (the same algorithms; sign-then-encrypt)
#
# Python (slow to start here) reads the decrypted MIME only once, at the end.
. "$(dirname "$0")/../lib.sh"
need openssl openssl
need python3 python3

TRUST="--trust $PKI/root.pem --no-system-trust"

# --------------------------------------------------------------- helpers
# cmsfacts FILE: the EnvelopedData/AuthEnvelopedData as openssl prints it,
# one fact a line: ct= (contentType), cea= (content cipher), ri=ktri|kari,
# kea= (key encryption), kea_param= (key wrap of kari), oaep_hash=,
# oaep_mgf=, oaep_mgf_hash= (RSAES-OAEP parameters; absent = SHA-1 default).
cmsfacts() {
  openssl cms -cmsout -print -noout ${2:+-inform "$2"} -in "$1" 2>&1 | awk '
    /^ *contentType:/ && !ct { ct = $2; print "ct=" $2 }
    /d\.ktri:/ { print "ri=ktri" }
    /d\.kari:/ { print "ri=kari" }
    /d\.(kekri|pwri|ori):/ { print "ri=other" }
    /keyEncryptionAlgorithm:/ { want = "kea"; next }
    /contentEncryptionAlgorithm:/ { want = "cea"; next }
    want != "" && /algorithm:/ { print want "=" $2; inparams = (want == "kea"); ctx = ""; want = ""; next }
    /encryptedKey:|recipientEncryptedKeys:/ { inparams = 0 }
    inparams && /d=1 .*cont \[ 0 \]/ { ctx = "0"; next }
    inparams && /d=1 .*cont \[ 1 \]/ { ctx = "1"; next }
    inparams && /d=1 .*cont \[ 2 \]/ { ctx = "2"; next }
    inparams && /OBJECT/ {
      o = $0; sub(/.*OBJECT *:/, "", o); sub(/ *$/, "", o)
      if (ctx == "") print "kea_param=" o
      else if (ctx == "0") print "oaep_hash=" o
      else if (ctx == "1") print (o == "mgf1" ? "oaep_mgf=" : "oaep_mgf_hash=") o
    }'
}
has() { grep -qxF -- "$2" "$1" || { echo "no \"$2\" in:"; cat "$1"; return 1; }; }
hasnt() { ! grep -qxF -- "$2" "$1" || { echo "unexpected \"$2\""; return 1; }; }
count() { _c=$(grep -cxF -- "$2" "$1"); [ "$_c" -eq "$3" ] || { echo "\"$2\" $_c times, wanted $3:"; cat "$1"; return 1; }; }

# headers FILE: the top-level header block, folded lines joined.
headers() {
  awk '/^\r?$/ { exit } /^[ \t]/ { sub(/^[ \t]+/, " "); line = line $0; next }
       { if (line != "") print line; line = $0 } END { if (line != "") print line }' "$1"
}

# odecrypt MSG NAME OUT: openssl decrypts MSG with NAME's key and certificate.
odecrypt() {
  openssl cms -decrypt -recip "$PKI/$2.cert.pem" -inkey "$PKI/$2.key.pem" -in "$1" -out "$3"
}
ocannot() { ! odecrypt "$@"; }

# flip_byte FILE OFFSET: xor one byte with 1 (OFFSET < 0 counts from the end).
flip_byte() {
  size=$(wc -c <"$1"); off=$2; [ "$off" -lt 0 ] && off=$((size + off))
  b=$(dd if="$1" bs=1 skip="$off" count=1 2>/dev/null | od -An -tu1 | tr -d ' ')
  printf "\\$(printf %03o $((b ^ 1)))" | dd of="$1" bs=1 seek="$off" conv=notrunc 2>/dev/null
}
# der_of MSG OUT: the CMS of an application/pkcs7-mime message as DER.
der_of() { openssl cms -cmsout -in "$1" -outform DER -out "$2"; }
# wrap_der HEADERS DER SMIMETYPE OUT: a message around a DER CMS.
wrap_der() {
  { cat "$1"
    printf 'MIME-Version: 1.0\nContent-Type: application/pkcs7-mime; smime-type=%s; name=smime.p7m\n' "$3"
    printf 'Content-Disposition: attachment; filename=smime.p7m\nContent-Transfer-Encoding: base64\n\n'
    openssl base64 -in "$2"
  } >"$4"
}

# Pairs (original mail, decrypted entity) compared by Python at the end.
: >"$T/pairs"
same_body_later() { printf '%s\t%s\t%s\n' "$1" "$2" "$3" >>"$T/pairs"; }

# MIME entities for openssl to encrypt: the sample's Content-* headers and
# body, with From/To/Subject written by openssl.
entity_of() {
  awk 'BEGIN { h = 1 }
       h && /^$/ { h = 0; print; next }
       h { if (/^[ \t]/) { if (keep) print; next }
           l = tolower($0); keep = (l ~ /^content-/); if (keep) print; next }
       { print }' "$1"
}

# --------------------------------------------------------------- inkan -> openssl
# Every sample mail x every cipher to bob (RSA), openssl decrypts.
n=0
for m in plain japanese-subject iso-2022-jp html-image 8bit long-line; do
  for c in aes-256-cbc aes-128-cbc aes-256-gcm; do
    for kt in pkcs1 oaep; do
      n=$((n + 1)); L="$m.eml to bob, $c, $kt"; out="$T/e$n.eml"
      set --; [ $kt = oaep ] && set -- --oaep
      [ $c = aes-256-cbc ] || set -- "$@" --cipher "$c"
      expect_rc 0 "$L: inkan encrypt exits 0" "$INKAN" encrypt -r "$PKI/bob.cert.pem" "$@" -o "$out" "$MAIL/$m.eml"
      check "$L: openssl cms -decrypt with bob's key recovers it" odecrypt "$out" bob "$out.dec"
      same_body_later "$L: the content openssl decrypts is the original body" "$MAIL/$m.eml" "$out.dec"
      cmsfacts "$out" >"$out.facts"
      headers "$out" >"$out.hdr"
      if [ $c = aes-256-gcm ]; then
        check "$L: CMS is AuthEnvelopedData (id-smime-ct-authEnvelopedData)" has "$out.facts" ct=id-smime-ct-authEnvelopedData
        check "$L: content cipher is aes-256-gcm" has "$out.facts" cea=aes-256-gcm
        check "$L: smime-type=authEnveloped-data" grep -q '^Content-Type: application/pkcs7-mime;.* smime-type=authEnveloped-data[;]*' "$out.hdr"
      else
        check "$L: CMS is EnvelopedData" has "$out.facts" ct=pkcs7-envelopedData
        check "$L: content cipher is $c" has "$out.facts" "cea=$c"
        check "$L: smime-type=enveloped-data" grep -q '^Content-Type: application/pkcs7-mime;.* smime-type=enveloped-data[;]*' "$out.hdr"
      fi
      check "$L: one KeyTransRecipientInfo" count "$out.facts" ri=ktri 1
      if [ $kt = oaep ]; then
        check "$L: key transport is rsaesOaep" has "$out.facts" kea=rsaesOaep
        check "$L: OAEP hash is sha256" has "$out.facts" oaep_hash=sha256
        check "$L: OAEP MGF1 with sha256" sh -c 'grep -qx oaep_mgf=mgf1 "$1" && grep -qx oaep_mgf_hash=sha256 "$1"' - "$out.facts"
      else
        check "$L: key transport is rsaEncryption (PKCS#1 v1.5)" has "$out.facts" kea=rsaEncryption
      fi
      check "$L: name=smime.p7m, filename=smime.p7m, base64" \
        sh -c 'grep -q "^Content-Type: application/pkcs7-mime;.*name=\"\{0,1\}smime.p7m" "$1" &&
               grep -q "^Content-Disposition: attachment;.*filename=\"\{0,1\}smime.p7m" "$1" &&
               grep -qi "^Content-Transfer-Encoding: base64" "$1"' - "$out.hdr"
      check "$L: From, To and Subject stay in clear" \
        sh -c 'for h in From To Subject; do a=$(grep "^$h:" "$1"); b=$(grep "^$h:" "$2"); [ -n "$a" ] && [ "$a" = "$b" ] || exit 1; done' \
        - "$(headers "$MAIL/$m.eml" >"$out.ohdr"; echo "$out.ohdr")" "$out.hdr"
      check "$L: alice (not a recipient) cannot decrypt with openssl" ocannot "$out" alice "$out.x"
    done
  done
done

# EC recipient (dave, P-256): KeyAgreeRecipientInfo, key wrap the size of the
# content key (RFC 8551 §2.7.1.2).
for c in aes-256-cbc aes-128-cbc aes-256-gcm; do
  for m in plain html-image 8bit; do
    n=$((n + 1)); L="$m.eml to dave (P-256), $c"; out="$T/e$n.eml"
    expect_rc 0 "$L: inkan encrypt exits 0" "$INKAN" encrypt -r "$PKI/dave.cert.pem" --cipher "$c" -o "$out" "$MAIL/$m.eml"
    check "$L: openssl decrypts with dave's key" odecrypt "$out" dave "$out.dec"
    same_body_later "$L: the content openssl decrypts is the original body" "$MAIL/$m.eml" "$out.dec"
    cmsfacts "$out" >"$out.facts"
    check "$L: one KeyAgreeRecipientInfo" count "$out.facts" ri=kari 1
    check "$L: no KeyTransRecipientInfo" hasnt "$out.facts" ri=ktri
    check "$L: key agreement is a dhSinglePass-stdDH scheme (ECDH ephemeral-static)" \
      grep -qE '^kea=dhSinglePass-stdDH-sha(1|224|256|384|512)kdf-scheme$' "$out.facts"
    case $c in aes-128-cbc) w=id-aes128-wrap;; *) w=id-aes256-wrap;; esac
    check "$L: key wrap is $w" has "$out.facts" "kea_param=$w"
    case $c in aes-256-gcm) check "$L: AuthEnvelopedData with aes-256-gcm" \
                              sh -c 'grep -qx ct=id-smime-ct-authEnvelopedData "$1" && grep -qx cea=aes-256-gcm "$1"' - "$out.facts";;
               *) check "$L: EnvelopedData with $c" \
                    sh -c 'grep -qx ct=pkcs7-envelopedData "$1" && grep -qx "cea=$2" "$1"' - "$out.facts" "$c";;
    esac
    check "$L: bob cannot decrypt it" ocannot "$out" bob "$out.x"
  done
done
n=$((n + 1)); out="$T/e$n.eml"
expect_rc 0 "--oaep with an EC recipient among RSA ones: inkan encrypt exits 0" \
  "$INKAN" encrypt --oaep -r "$PKI/bob.cert.pem" -r "$PKI/dave.cert.pem" -r "$PKI/carol.cert.pem" -o "$out" "$MAIL/plain.eml"
cmsfacts "$out" >"$out.facts"
check "three recipients: two KeyTransRecipientInfo (bob, carol) and one KeyAgreeRecipientInfo (dave)" \
  sh -c '[ "$(grep -cx ri=ktri "$1")" -eq 2 ] && [ "$(grep -cx ri=kari "$1")" -eq 1 ]' - "$out.facts"
check "three recipients: both RSA recipients get rsaesOaep" count "$out.facts" kea=rsaesOaep 2
for r in bob dave carol; do
  check "three recipients: openssl decrypts with $r's key" odecrypt "$out" $r "$out.$r"
  check "three recipients: $r reads the text" grep -q 'Thursday, 10:00' "$out.$r"
done
check "three recipients: alice cannot decrypt" ocannot "$out" alice "$out.x"

# The sender's identity (-k) is always a recipient.
n=$((n + 1)); out="$T/e$n.eml"
expect_rc 0 "-k alice.p12 -r bob: inkan encrypt exits 0" \
  "$INKAN" encrypt -k "$PKI/alice.p12" $PF -r "$PKI/bob.cert.pem" -o "$out" "$MAIL/plain.eml"
cmsfacts "$out" >"$out.facts"
check "-k alice.p12 -r bob: two KeyTransRecipientInfo" count "$out.facts" ri=ktri 2
check "-k alice.p12 -r bob: openssl decrypts with bob's key" odecrypt "$out" bob "$out.bob"
check "-k alice.p12 -r bob: openssl decrypts with alice's key (the sender's copy)" odecrypt "$out" alice "$out.alice"
check "-k alice.p12 -r bob: alice's copy is the same as bob's" cmp "$out.bob" "$out.alice"
check "-k alice.p12 -r bob: carol still cannot decrypt" ocannot "$out" carol "$out.x"
n=$((n + 1)); out="$T/e$n.eml"
expect_rc 0 "-k alice.p12 -r alice.cert.pem -r bob: inkan encrypt exits 0" \
  "$INKAN" encrypt -k "$PKI/alice.p12" $PF -r "$PKI/alice.cert.pem" -r "$PKI/bob.cert.pem" -o "$out" "$MAIL/plain.eml"
cmsfacts "$out" >"$out.facts"
check "alice given twice (-k and -r): still only two recipients" count "$out.facts" ri=ktri 2
n=$((n + 1)); out="$T/e$n.eml"
expect_rc 0 "-k dave.p12 (EC sender) -r bob: inkan encrypt exits 0" \
  "$INKAN" encrypt -k "$PKI/dave.p12" $PF -r "$PKI/bob.cert.pem" -o "$out" "$MAIL/plain.eml"
cmsfacts "$out" >"$out.facts"
check "-k dave.p12 -r bob: a ktri for bob and a kari for dave" \
  sh -c 'grep -qx ri=ktri "$1" && grep -qx ri=kari "$1"' - "$out.facts"
check "-k dave.p12 -r bob: openssl decrypts with dave's key (the sender's copy)" odecrypt "$out" dave "$out.dave"
n=$((n + 1)); out="$T/e$n.eml"
expect_rc 0 "without -k: inkan encrypt -r bob exits 0" "$INKAN" encrypt -r "$PKI/bob.cert.pem" -o "$out" "$MAIL/plain.eml"
check "without -k: alice cannot decrypt her own sent mail with openssl" ocannot "$out" alice "$out.x"
check "without -k: bob can" odecrypt "$out" bob "$out.bob"

# A recipient file holding the leaf and its issuing CA, as certificates are
# often exported "with chain": the CA certificate (CA:TRUE, critical
# keyUsage keyCertSign + cRLSign, so no keyEncipherment: RFC 5280 §4.2.1.3)
# must not become a recipient.  inkan may drop it or refuse the file.
cat "$PKI/bob.cert.pem" "$PKI/ca.pem" >"$T/bob-chain.pem"
n=$((n + 1)); out="$T/e$n.eml"; L="-r bob-chain.pem (bob's certificate + issuing CA)"
"$INKAN" encrypt -r "$T/bob-chain.pem" -o "$out" "$MAIL/plain.eml" >"$T/out" 2>"$T/err"; rc=$?
check "$L: inkan encrypts to bob only, or refuses with exit 6 (exit $rc)" \
  sh -c 'if [ "$1" -eq 0 ]; then
           n=$(openssl cms -cmsout -print -noout -in "$2" | grep -c "d\.ktri:"); [ "$n" -eq 1 ] || { echo "$n recipients"; exit 1; }
         else [ "$1" -eq 6 ]; fi' - "$rc" "$out"
check "$L: the issuing CA's key cannot decrypt the message (openssl)" \
  sh -c '! openssl cms -decrypt -recip "$1/ca.pem" -inkey "$1/ca.key.pem" -in "$2" -out "$3" 2>/dev/null' - "$PKI" "$out" "$out.ca"
check "$L: the CA's key recovers no plaintext" sh -c '! grep -qs "Thursday" "$1"' - "$out.ca"
n=$((n + 1)); out="$T/e$n.eml"
expect_rc 6 "-r ca.pem (a CA certificate, no keyEncipherment): inkan encrypt refuses with exit 6" \
  "$INKAN" encrypt -r "$PKI/ca.pem" -o "$out" "$MAIL/plain.eml"
check "-r ca.pem: no message is written" test ! -e "$out"

# Sign, then encrypt.
for mode in detached opaque pss; do
  n=$((n + 1)); out="$T/e$n.eml"; L="encrypt --sign ($mode) -k alice.p12 -r bob"
  set --; case $mode in opaque) set -- --opaque;; pss) set -- --pss;; esac
  expect_rc 0 "$L: inkan encrypt exits 0" \
    "$INKAN" encrypt --sign -k "$PKI/alice.p12" $PF "$@" -r "$PKI/bob.cert.pem" -o "$out" "$MAIL/plain.eml"
  check "$L: openssl decrypts with bob's key" odecrypt "$out" bob "$out.inner"
  case $mode in
    opaque) check "$L: the inner entity is application/pkcs7-mime signed-data" \
              sh -c 'headers() { awk "/^\r?\$/{exit} {print}" "$1"; }; headers "$1" | grep -q "smime-type=signed-data"' - "$out.inner";;
    *) check "$L: the inner entity is multipart/signed" grep -q '^Content-Type: multipart/signed' "$out.inner";;
  esac
  check "$L: openssl cms -verify verifies the inner signed message" \
    openssl cms -verify -no-CApath -no-CAstore -CAfile "$PKI/root.pem" -purpose smimesign -in "$out.inner" -out "$out.content" \
      -signer "$out.signer"
  check "$L: the inner signer is alice" sh -c '[ "$(openssl x509 -noout -fingerprint -in "$1")" = "$(openssl x509 -noout -fingerprint -in "$2")" ]' \
    - "$out.signer" "$PKI/alice.cert.pem"
  same_body_later "$L: the signed content is the original body" "$MAIL/plain.eml" "$out.content"
  check "$L: alice (-k) can decrypt her copy with openssl" odecrypt "$out" alice "$out.alice"
  expect_rc 0 "$L: inkan decrypt -k bob.p12 --trust root says valid (exit 0)" \
    "$INKAN" decrypt -k "$PKI/bob.p12" $PF $TRUST --json -o "$out.dec" "$out"
  check "$L: inkan decrypt's verdict is valid" sh -c 'json_verdict() { python3 -c "import json,sys; d=json.load(sys.stdin); print(d[\"verdict\"]+\":\"+\",\".join(d[\"flags\"]))"; }; [ "$(json_verdict <"$1")" = "valid:encrypted" ]' - "$T/out"
  check "$L: the decrypted output (-o) is mode 0600" sh -c '[ "$(stat -c %a "$1")" = 600 ]' - "$out.dec"
  case $mode in opaque) ;; *)
    check "$L: openssl verifies the multipart/signed that inkan decrypt leaves" \
      openssl cms -verify -no-CApath -no-CAstore -CAfile "$PKI/root.pem" -in "$out.dec" -out /dev/null;;
  esac
done
n=$((n + 1)); out="$T/e$n.eml"
expect_rc 0 "encrypt --sign with dave (ECDSA) to bob and dave: exit 0" \
  "$INKAN" encrypt --sign -k "$PKI/dave.p12" $PF -r "$PKI/bob.cert.pem" --cipher aes-256-gcm -o "$out" \
  "$(sed 's/^From: Alice Example <alice@example\.org>/From: Dave <dave@example.org>/' "$MAIL/plain.eml" >"$T/dave.eml"; echo "$T/dave.eml")"
check "ECDSA sign + AES-GCM: openssl decrypts with bob's key" odecrypt "$out" bob "$out.inner"
check "ECDSA sign + AES-GCM: openssl verifies the inner signature" \
  openssl cms -verify -no-CApath -no-CAstore -CAfile "$PKI/root.pem" -in "$out.inner" -out /dev/null
check "ECDSA sign + AES-GCM: openssl decrypts dave's own copy" odecrypt "$out" dave "$out.dave"

# AES-GCM integrity: a changed tag or ciphertext must give no plaintext.
n=$((n + 1)); out="$T/e$n.eml"
"$INKAN" encrypt -r "$PKI/bob.cert.pem" --cipher aes-256-gcm -o "$out" "$MAIL/plain.eml"
der_of "$out" "$out.der"
headers "$MAIL/plain.eml" | grep -v -i '^\(mime-version\|content-\)' >"$T/plain.hdr"
cp "$out.der" "$out.tag.der"; flip_byte "$out.tag.der" -1
wrap_der "$T/plain.hdr" "$out.tag.der" authEnveloped-data "$out.tag"
check "inkan AES-GCM, tag changed: openssl refuses to decrypt" ocannot "$out.tag" bob "$out.x"
expect_rc 9 "inkan AES-GCM, tag changed: inkan decrypt exits 9" "$INKAN" decrypt -k "$PKI/bob.p12" $PF "$out.tag"
check "inkan AES-GCM, tag changed: inkan decrypt prints no plaintext" sh -c '! grep -q "Thursday" "$1"' - "$T/out"
rm -f "$out.tag.dec"
expect_rc 9 "inkan AES-GCM, tag changed, -o OUT: exit 9" "$INKAN" decrypt -k "$PKI/bob.p12" $PF -o "$out.tag.dec" "$out.tag"
check "inkan AES-GCM, tag changed, -o OUT: OUT is not created" sh -c '! ls -d "$1"* 2>/dev/null | grep -q .' - "$out.tag.dec"

# --------------------------------------------------------------- openssl -> inkan
# oenc OUT ENTITY RECIPIENT OPENSSL-OPTIONS...: openssl writes the whole message.
oenc() {
  o=$1 e=$2 r=$3; shift 3
  openssl cms -encrypt -from alice@example.org -to "$r@example.org" -subject "openssl to inkan" \
    -in "$e" -out "$o" -recip "$PKI/$r.cert.pem" "$@"
}
for m in plain japanese-subject iso-2022-jp html-image 8bit long-line; do
  entity_of "$MAIL/$m.eml" >"$T/$m.entity"
done
check "the entity given to openssl starts with the sample's Content-Type" \
  sh -c 'head -1 "$1" | grep -q "^Content-Type: text/plain"' - "$T/plain.entity"

n=0
rev() { # LABEL ENTITY RECIPIENT OPENSSL-ARGS...
  n=$((n + 1)); L=$1 e=$2 r=$3; shift 3; out="$T/o$n.eml"
  check "$L: openssl cms -encrypt makes the message" oenc "$out" "$e" "$r" "$@"
  expect_rc 0 "$L: inkan decrypt -k $r.p12 exits 0" "$INKAN" decrypt -k "$PKI/$r.p12" $PF --json "$out"
  cp "$T/out" "$out.dec"; cp "$T/err" "$out.report"
  check "$L: the decrypted message keeps openssl's From and Subject" \
    sh -c 'grep -q "^From: alice@example.org" "$1" && grep -q "^Subject: openssl to inkan" "$1"' - "$out.dec"
  b=${e##*/}; same_body_later "$L: inkan's decrypted body is the original body" "$MAIL/${b%.entity}.eml" "$out.dec"
  check "$L: the report says not-signed with flag encrypted" \
    sh -c 'python3 -c "import json,sys; d=json.load(open(sys.argv[1])); sys.exit(not (d[\"verdict\"]==\"not-signed\" and d[\"flags\"]==[\"encrypted\"]))" "$1"' - "$out.report"
}
for m in plain japanese-subject iso-2022-jp html-image 8bit long-line; do
  rev "openssl -aes256 $m.eml to bob" "$T/$m.entity" bob -aes256
done
rev "openssl -aes128 to bob" "$T/plain.entity" bob -aes128
rev "openssl -aes-256-gcm to bob" "$T/html-image.entity" bob -aes-256-gcm
rev "openssl -aes-128-gcm to bob" "$T/8bit.entity" bob -aes-128-gcm
rev "openssl RSAES-OAEP (SHA-1 default) to bob" "$T/plain.entity" bob -aes256 -keyopt rsa_padding_mode:oaep
rev "openssl RSAES-OAEP SHA-256 to bob" "$T/plain.entity" bob -aes256 \
  -keyopt rsa_padding_mode:oaep -keyopt rsa_oaep_md:sha256 -keyopt rsa_mgf1_md:sha256
rev "openssl to dave's EC certificate, -aes256" "$T/plain.entity" dave -aes256
rev "openssl to dave's EC certificate, -aes128" "$T/8bit.entity" dave -aes128
rev "openssl to dave's EC certificate, -aes-256-gcm" "$T/html-image.entity" dave -aes-256-gcm
rev "openssl to dave's EC certificate, sha256 KDF" "$T/plain.entity" dave -aes256 -keyopt ecdh_kdf_md:sha256
cmsfacts "$T/o$n.eml" >"$T/o$n.facts"
check "openssl to dave's EC certificate, sha256 KDF: it is dhSinglePass-stdDH-sha256kdf-scheme" \
  has "$T/o$n.facts" kea=dhSinglePass-stdDH-sha256kdf-scheme

# openssl users often encrypt a bare text file: the content is then no MIME
# entity at all (RFC 2045 §5.2 default: text/plain; charset=us-ascii).
printf 'Hello Bob,\nthis file has no MIME header.\nThursday, 10:00\n' >"$T/bare.txt"
for t in bare -text; do
  n=$((n + 1)); out="$T/o$n.eml"
  a=; [ $t = -text ] && a=-text
  check "openssl -encrypt $t text file: made" \
    openssl cms -encrypt -aes256 $a -from alice@example.org -to bob@example.org -subject bare -in "$T/bare.txt" \
      -out "$out" -recip "$PKI/bob.cert.pem"
  expect_rc 0 "openssl -encrypt $t text file: inkan decrypt exits 0" "$INKAN" decrypt -k "$PKI/bob.p12" $PF "$out"
  check "openssl -encrypt $t text file: every line of the text is in the output" \
    sh -c 'while IFS= read -r l; do grep -qxF "$l" "$2" || { echo "missing: $l"; exit 1; }; done <"$1"' - "$T/bare.txt" "$T/out"
  check "openssl -encrypt $t text file: the output is text/plain" \
    sh -c 'awk "/^\r?\$/{exit} {print}" "$1" | grep -qi "^Content-Type: text/plain"' - "$T/out"
done

# Several recipients; inkan picks the RecipientInfo of its identity.
n=$((n + 1)); out="$T/o$n.eml"
check "openssl to carol, dave and bob: made" \
  openssl cms -encrypt -aes256 -from alice@example.org -to bob@example.org -subject "three" -in "$T/plain.entity" -out "$out" \
    -recip "$PKI/carol.cert.pem" -recip "$PKI/dave.cert.pem" -recip "$PKI/bob.cert.pem"
for r in bob carol dave; do
  expect_rc 0 "openssl to three recipients: inkan decrypt -k $r.p12 exits 0" "$INKAN" decrypt -k "$PKI/$r.p12" $PF "$out"
  check "openssl to three recipients: $r reads the text" grep -q 'Thursday, 10:00' "$T/out"
done
expect_rc 9 "openssl to three recipients: inkan decrypt -k alice.p12 exits 9 (not a recipient)" \
  "$INKAN" decrypt -k "$PKI/alice.p12" $PF "$out"
check "not a recipient: no plaintext on stdout" test ! -s "$T/out"
expect_rc 9 "openssl -aes-256-gcm to bob: inkan decrypt -k alice.p12 exits 9" \
  "$INKAN" decrypt -k "$PKI/alice.p12" $PF "$T/o8.eml"

# openssl AES-GCM with a changed tag: no plaintext from inkan.
n=$((n + 1)); out="$T/o$n.eml"
openssl cms -encrypt -aes-256-gcm -recip "$PKI/bob.cert.pem" -in "$T/plain.entity" -outform DER -out "$out.der"
cp "$out.der" "$out.tag.der"; flip_byte "$out.tag.der" -1
wrap_der "$T/plain.hdr" "$out.tag.der" authEnveloped-data "$out"
wrap_der "$T/plain.hdr" "$out.der" authEnveloped-data "$out.good"
expect_rc 0 "openssl AES-GCM DER in a hand-made message: inkan decrypts it (control)" \
  "$INKAN" decrypt -k "$PKI/bob.p12" $PF "$out.good"
check "openssl AES-GCM, tag changed: openssl itself refuses" ocannot "$out" bob "$out.x"
expect_rc 9 "openssl AES-GCM, tag changed: inkan decrypt exits 9" "$INKAN" decrypt -k "$PKI/bob.p12" $PF "$out"
check "openssl AES-GCM, tag changed: no plaintext on stdout" sh -c '! grep -q Thursday "$1"' - "$T/out"
# The same with a ciphertext byte changed (the tag no longer matches).
off=$(openssl asn1parse -inform DER -in "$out.der" | awk '/prim: cont \[ 0 \]/ { o = $1; h = $0 } END { sub(/:.*/, "", o); match(h, /hl= *[0-9]+/); print o + substr(h, RSTART + 3) + 5 }')
cp "$out.der" "$out.ct.der"; flip_byte "$out.ct.der" "$off"
wrap_der "$T/plain.hdr" "$out.ct.der" authEnveloped-data "$out.ct"
check "openssl AES-GCM, ciphertext changed: openssl itself refuses" ocannot "$out.ct" bob "$out.x"
expect_rc 9 "openssl AES-GCM, ciphertext changed: inkan decrypt exits 9" "$INKAN" decrypt -k "$PKI/bob.p12" $PF "$out.ct"
check "openssl AES-GCM, ciphertext changed: nothing on stdout" test ! -s "$T/out"

# openssl signs, then encrypts: inkan decrypt verifies the signature inside.
srev() { # LABEL SIGN-ARGS -- ENCRYPT-ARGS
  n=$((n + 1)); L=$1; shift; out="$T/o$n.eml"
  sa=; while [ "$1" != -- ]; do sa="$sa $1"; shift; done; shift
  check "$L: openssl signs then encrypts" sh -c '
    openssl cms -sign -signer "$1/alice.cert.pem" -inkey "$1/alice.key.pem" -certfile "$1/chain.pem" $2 -in "$3" |
    openssl cms -encrypt -from alice@example.org -to bob@example.org -subject "signed and encrypted" \
      -recip "$1/bob.cert.pem" -out "$4" $5' - "$PKI" "$sa" "$T/plain.entity" "$out" "$*"
  expect_rc 0 "$L: inkan decrypt --trust root exits 0" "$INKAN" decrypt -k "$PKI/bob.p12" $PF $TRUST --json "$out"
  cp "$T/out" "$out.dec"; cp "$T/err" "$out.report"
  check "$L: verdict valid with flag encrypted" \
    sh -c '[ "$(python3 -c "import json,sys; d=json.load(open(sys.argv[1])); print(d[\"verdict\"]+\":\"+\",\".join(d[\"flags\"]))" "$1")" = valid:encrypted ]' - "$out.report"
  check "$L: the text is readable" grep -q 'Thursday, 10:00' "$out.dec"
  case "$sa" in *-nodetach*) ;; *)
    check "$L: openssl verifies the multipart/signed that inkan decrypt leaves" \
      openssl cms -verify -no-CApath -no-CAstore -CAfile "$PKI/root.pem" -in "$out.dec" -out /dev/null;;
  esac
  expect_rc 1 "$L: without the test root inkan decrypt exits 1" \
    "$INKAN" decrypt -k "$PKI/bob.p12" $PF --no-system-trust --json "$out"
  check "$L: without the test root the verdict is untrusted" \
    sh -c 'python3 -c "import json,sys; d=json.load(open(sys.argv[1])); sys.exit(not (d[\"verdict\"]==\"valid-signature\" and \"untrusted\" in d[\"flags\"] and \"encrypted\" in d[\"flags\"]))" "$1"' - "$T/err"
}
srev "openssl detached sign + aes256" -- -aes256
srev "openssl opaque sign + aes-256-gcm" -nodetach -- -aes-256-gcm
srev "openssl PSS sign + OAEP" -keyopt rsa_padding_mode:pss -- -aes256 -keyopt rsa_padding_mode:oaep
# Signed by alice but the outer From is someone else.
n=$((n + 1)); out="$T/o$n.eml"
openssl cms -sign -signer "$PKI/alice.cert.pem" -inkey "$PKI/alice.key.pem" -certfile "$PKI/chain.pem" -in "$T/plain.entity" |
  openssl cms -encrypt -aes256 -from mallory@example.net -to bob@example.org -subject "spoof" -recip "$PKI/bob.cert.pem" -out "$out"
expect_rc 1 "openssl sign (alice) + encrypt, From mallory: inkan decrypt exits 1" \
  "$INKAN" decrypt -k "$PKI/bob.p12" $PF $TRUST --json "$out"
check "openssl sign (alice) + encrypt, From mallory: from-mismatch" \
  sh -c 'python3 -c "import json,sys; d=json.load(open(sys.argv[1])); sys.exit(not (d[\"verdict\"]==\"valid-signature\" and \"from-mismatch\" in d[\"flags\"]))" "$1"' - "$T/err"

# Only signed, not encrypted: decrypt says so.
openssl cms -sign -signer "$PKI/alice.cert.pem" -inkey "$PKI/alice.key.pem" -certfile "$PKI/chain.pem" \
  -from alice@example.org -to bob@example.org -subject signed -in "$T/plain.entity" -out "$T/signed-only.eml"
expect_rc 2 "openssl signed-only message: inkan decrypt exits 2 (not encrypted)" \
  "$INKAN" decrypt -k "$PKI/bob.p12" $PF "$T/signed-only.eml"
check "openssl signed-only message: inkan decrypt writes nothing to stdout" test ! -s "$T/out"

# --------------------------------------------------------------- bodies
python3 - "$T/pairs" >"$T/pairs.out" <<'PY'
import sys, email, email.policy, hashlib
def leaves(path):
    msg = email.message_from_bytes(open(path, 'rb').read(), policy=email.policy.compat32)
    out = []
    for part in msg.walk():
        if part.is_multipart():
            continue
        body = part.get_payload(decode=True) or b''
        if part.get_content_maintype() == 'text':
            body = body.replace(b'\r\n', b'\n')
        out.append('%s %s %d %s' % (part.get_content_type(), part.get_content_charset(),
                                    len(body), hashlib.sha256(body).hexdigest()))
    return out
for line in open(sys.argv[1]):
    label, a, b = line.rstrip('\n').split('\t')
    try:
        la, lb = leaves(a), leaves(b)
        print('%s\t%s\t%s' % ('same' if la == lb and la else 'differ', label, '' if la == lb else ' | '.join(la) + ' VS ' + ' | '.join(lb)))
    except Exception as e:
        print('differ\t%s\t%s' % (label, e))
PY
while IFS="$(printf '\t')" read -r verdict label why; do
  check "$label" sh -c '[ "$1" = same ] || { echo "$2"; exit 1; }' - "$verdict" "$why"
done <"$T/pairs.out"
check "every decrypted body was compared" sh -c '[ "$(wc -l <"$1")" -eq "$(wc -l <"$2")" ] && [ -s "$1" ]' - "$T/pairs.out" "$T/pairs"

finish
