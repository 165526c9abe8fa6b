#!/bin/sh
# Interop: inkan signs, the OpenSSL command line verifies.
#
# Every message inkan signs here is checked by an independent S/MIME
# implementation (openssl cms): the signature must verify against the test
# root, the content openssl recovers must be what inkan shows, and the CMS
# structure (algorithms, RSASSA-PSS parameters, signed attributes, embedded
# certificates) and the MIME framing must be what RFC 8551 / RFC 4056 ask for.
. "$(dirname "$0")/../lib.sh"
need openssl openssl
need python3 python3

# --------------------------------------------------------------- helpers
# Python is only used to read the output of openssl and to walk MIME with
# the standard library's email package (independent of GMime).
cat >"$T/h.py" <<'PY'
import sys, re, email, email.policy, hashlib, base64

def cmsinfo():
    """Summarise `openssl cms -cmsout -print -noout` (stdin)."""
    out = []
    sect = None          # None, 'certs', 'signer'
    want = None          # 'dig' / 'sig' after digestAlgorithm:/signatureAlgorithm:
    in_sig_params = False
    ctx = None
    pss = {}
    for line in sys.stdin:
        s = line.strip()
        m = re.match(r'contentType: (\S+)', s)
        if m and sect is None:
            out.append('content_type=' + m.group(1))
        if s.startswith('eContent:'):
            out.append('econtent=' + ('absent' if '<ABSENT>' in s else 'present'))
        if s == 'certificates:':
            sect = 'certs'
        if s == 'd.certificate:':
            out.append('cert')
        if s.startswith('crls:') or s == 'signerInfos:':
            sect = 'signer' if s == 'signerInfos:' else 'crls'
        if sect == 'certs' and s.startswith('subject: '):
            out.append('cert_subject=' + s[9:])
        if sect != 'signer':
            continue
        if s.startswith('d.issuerAndSerialNumber') or s.startswith('d.subjectKeyIdentifier'):
            out.append('signer')
            in_sig_params = False
        if s.startswith('serialNumber: '):
            out.append('signer_serial=%x' % int(s.split()[1]))
        if s == 'digestAlgorithm:':
            want = 'dig'; in_sig_params = False; continue
        if s == 'signatureAlgorithm:':
            want = 'sig'; continue
        m = re.match(r'algorithm: (\S+)', s)
        if m and want:
            out.append(('digest=' if want == 'dig' else 'sigalg=') + m.group(1))
            if want == 'sig':
                in_sig_params = True; ctx = None
            want = None
            continue
        m = re.match(r'object: (.+) \(([0-9.]+)\)$', s)
        if m:
            out.append('attr=' + m.group(2))
        if s == 'signature:' or s.startswith('unsignedAttrs'):
            in_sig_params = False
        if in_sig_params:
            m = re.search(r'd=1 .*cont \[ (\d) \]', s)
            if m:
                ctx = m.group(1); continue
            m = re.search(r'OBJECT\s*:(\S+)', s)
            if m and ctx == '0':
                out.append('pss_hash=' + m.group(1))
            elif m and ctx == '1':
                if m.group(1) == 'mgf1':
                    out.append('pss_mgf=mgf1')
                else:
                    out.append('pss_mgf_hash=' + m.group(1))
            m = re.search(r'INTEGER\s*:([0-9A-Fa-f]+)', s)
            if m and ctx == '2':
                out.append('pss_salt=%d' % int(m.group(1), 16))
            if m and ctx == '3':
                out.append('pss_trailer=%d' % int(m.group(1), 16))
    print('\n'.join(out))

def load(path):
    with open(path, 'rb') as f:
        return email.message_from_bytes(f.read(), policy=email.policy.compat32)

def leaves(path):
    """One line per leaf part: type and digest of the decoded body
    (text line ends made LF, so LF and CRLF canonical forms compare equal)."""
    msg = load(path)
    for part in msg.walk():
        if part.is_multipart():
            continue
        data = part.get_payload(decode=True) or b''
        if part.get_content_maintype() == 'text':
            data = data.replace(b'\r\n', b'\n')
        print(part.get_content_type(), part.get_content_charset(), len(data),
              hashlib.sha256(data).hexdigest())

def mimeinfo(path):
    msg = load(path)
    print('type=' + msg.get_content_type())
    for k in ('protocol', 'micalg', 'smime-type', 'name'):
        v = msg.get_param(k)
        if v is not None:
            print('%s=%s' % (k, v))
    if msg.get_filename():
        print('filename=' + msg.get_filename())
    if msg['Content-Transfer-Encoding']:
        print('cte=' + msg['Content-Transfer-Encoding'].strip().lower())
    if msg.is_multipart():
        parts = msg.get_payload()
        print('parts=%d' % len(parts))
        if len(parts) == 2:
            sig = parts[1]
            print('sig_type=' + sig.get_content_type())
            print('sig_name=%s' % sig.get_param('name'))
            print('sig_filename=%s' % sig.get_filename())
            print('sig_cte=%s' % (sig['Content-Transfer-Encoding'] or '').strip().lower())
            print('sig_disposition=%s' % sig.get_content_disposition())

def firstpart(path):
    """The raw bytes of the first body part of a multipart (RFC 2046 §5.1.1:
    the CRLF before the next delimiter belongs to the delimiter)."""
    with open(path, 'rb') as f:
        raw = f.read().replace(b'\r\n', b'\n')
    msg = email.message_from_bytes(raw, policy=email.policy.compat32)
    b = ('--' + msg.get_boundary()).encode()
    body = raw.split(b'\n\n', 1)[1]
    lines = body.split(b'\n')
    starts = [i for i, l in enumerate(lines) if l.rstrip(b' \t') == b]
    assert len(starts) >= 2, 'fewer than two delimiters'
    sys.stdout.buffer.write(b'\n'.join(lines[starts[0] + 1:starts[1]]))

def lf(path):
    with open(path, 'rb') as f:
        sys.stdout.buffer.write(f.read().replace(b'\r\n', b'\n'))

def pemders(path):
    """sha256 of each certificate in a PEM file."""
    text = open(path).read()
    for m in re.finditer(r'-----BEGIN CERTIFICATE-----(.*?)-----END CERTIFICATE-----', text, re.S):
        print(hashlib.sha256(base64.b64decode(''.join(m.group(1).split()))).hexdigest())

def header(path, name):
    print(load(path).get(name, ''))

cmd = sys.argv[1]
globals()[cmd](*sys.argv[2:])
PY
py() { python3 "$T/h.py" "$@"; }

# The certificate hashes of the test PKI.
for n in alice bob dave; do py pemders "$PKI/$n.cert.pem" >"$T/$n.fp"; done
py pemders "$PKI/ca.pem" >"$T/ca.fp"
py pemders "$PKI/root.pem" >"$T/root.fp"

# osslverify SIGNED CONTENT [SIGNERCERTS]: openssl cms -verify against the
# test root only (no default paths), S/MIME signing purpose.
osslverify() {
  openssl cms -verify -no-CApath -no-CAstore -CAfile "$PKI/root.pem" -purpose smimesign \
    -in "$1" -out "$2" ${3:+-signer "$3"}
}

# cmsinfo SIGNED: the CMS structure as openssl prints it, summarised.
cmsinfo() { openssl cms -cmsout -print -noout -in "$1" | py cmsinfo; }

# same_lines FILE_A FILE_B: the files are equal (shows a diff otherwise).
same() { diff "$1" "$2" >&2; }
contains() { grep -qxF -- "$2" "$1" || { echo "no line \"$2\" in:" >&2; cat "$1" >&2; return 1; }; }
lacks() { ! grep -qxF -- "$2" "$1" || { echo "unexpected line \"$2\"" >&2; return 1; }; }
count_is() { n=$(grep -cxF -- "$2" "$1"); [ "$n" -eq "$3" ] || { echo "\"$2\" occurs $n times, wanted $3" >&2; return 1; }; }

hash_of() { # sha256 -> openssl name
  case $1 in sha256) echo sha256;; sha384) echo sha384;; sha512) echo sha512;; esac; }
hash_len() { case $1 in sha256) echo 32;; sha384) echo 48;; sha512) echo 64;; esac; }
micalg_of() { case $1 in sha256) echo sha-256;; sha384) echo sha-384;; sha512) echo sha-512;; esac; }

# Messages from bob and dave: plain.eml with the From line changed.
sed 's/alice@example\.org/bob@example.org/; s/^From: Alice Example/From: Bob Example/' \
  "$MAIL/plain.eml" | sed '2s/bob@example\.org/alice@example.org/' >"$T/bob.eml"
sed 's/^From: Alice Example <alice@example\.org>/From: Dave <dave@example.org>/' "$MAIL/plain.eml" >"$T/dave.eml"
check "bob's test mail is From bob" grep -q '^From: Bob Example <bob@example.org>$' "$T/bob.eml"
check "dave's test mail is From dave" grep -q '^From: Dave <dave@example.org>$' "$T/dave.eml"

# --------------------------------------------------------------- one case
# sign_case LABEL IDENTITY FPNAME KEYTYPE MAIL MODE DIGEST
#   MODE: detached | pss | opaque | pss-opaque; KEYTYPE: rsa | ec
sign_case() {
  label=$1 id=$2 who=$3 ktype=$4 mail=$5 mode=$6 dg=$7
  out="$T/signed.eml"
  rm -f "$out" "$T/content" "$T/signer.pem"
  set -- sign -k "$id" $PF --digest "$dg"
  case $mode in pss|pss-opaque) set -- "$@" --pss;; esac
  case $mode in opaque|pss-opaque) set -- "$@" --opaque;; esac
  expect_rc 0 "$label: inkan sign exits 0" "$INKAN" "$@" -o "$out" "$mail"
  [ -s "$out" ] || { not_ok "$label: no signed output, remaining checks skipped"; return; }

  check "$label: openssl cms -verify accepts it (chain to the test root)" \
    osslverify "$out" "$T/content" "$T/signer.pem"
  py pemders "$T/signer.pem" >"$T/signer.fp" 2>/dev/null
  check "$label: the signer openssl reports is $who's certificate" same "$T/$who.fp" "$T/signer.fp"

  # Content: what openssl says was signed is the body inkan shows.
  py leaves "$mail" >"$T/leaves.orig"
  py leaves "$T/content" >"$T/leaves.got" 2>"$T/leaves.err"
  check "$label: recovered content decodes to the original body parts" same "$T/leaves.orig" "$T/leaves.got"
  if [ "${mode#*opaque}" = "$mode" ]; then
    py firstpart "$out" >"$T/part1" 2>&1
    py lf "$T/content" >"$T/content.lf"
    check "$label: recovered content is exactly the first part of multipart/signed" \
      same "$T/part1" "$T/content.lf"
  fi
  for h in From To Subject Message-ID; do
    py header "$mail" $h >"$T/h.orig"; py header "$out" $h >"$T/h.got"
    if ! same "$T/h.orig" "$T/h.got" 2>/dev/null; then
      not_ok "$label: header $h is kept"; diff "$T/h.orig" "$T/h.got" | sed 's/^/# /'; fi
  done

  # CMS structure (openssl cms -print).
  cmsinfo "$out" >"$T/cms"
  check "$label: CMS is SignedData with one SignerInfo" \
    sh -c 'grep -qx content_type=pkcs7-signedData "$1" && [ "$(grep -cx signer "$1")" -eq 1 ]' - "$T/cms"
  case $mode in
    *opaque) check "$label: eContent is present (opaque)" contains "$T/cms" econtent=present;;
    *) check "$label: eContent is absent (detached)" contains "$T/cms" econtent=absent;;
  esac
  check "$label: digestAlgorithm is $dg" contains "$T/cms" "digest=$(hash_of "$dg")"
  case $ktype/$mode in
    rsa/pss*)
      check "$label: signatureAlgorithm is rsassaPss" contains "$T/cms" sigalg=rsassaPss
      check "$label: PSS hashAlgorithm is $dg" contains "$T/cms" "pss_hash=$(hash_of "$dg")"
      check "$label: PSS maskGenAlgorithm is MGF1 with $dg" \
        sh -c 'grep -qx pss_mgf=mgf1 "$1" && grep -qx "pss_mgf_hash=$2" "$1"' - "$T/cms" "$(hash_of "$dg")"
      check "$label: PSS saltLength is $(hash_len "$dg")" contains "$T/cms" "pss_salt=$(hash_len "$dg")"
      check "$label: PSS trailerField is the default" lacks "$T/cms" pss_trailer=2;;
    rsa/*)
      check "$label: signatureAlgorithm is RSASSA-PKCS1-v1_5" \
        sh -c 'grep -qxE "sigalg=(rsaEncryption|$2WithRSAEncryption)" "$1"' - "$T/cms" "$(hash_of "$dg")";;
    ec/*)
      check "$label: signatureAlgorithm is ecdsa-with-$(echo "$dg" | tr a-z A-Z)" \
        contains "$T/cms" "sigalg=ecdsa-with-$(echo "$dg" | tr a-z A-Z)";;
  esac
  check "$label: signed attributes contentType, messageDigest, signingTime, SMIMECapabilities" \
    sh -c 'for o in 1.2.840.113549.1.9.3 1.2.840.113549.1.9.4 1.2.840.113549.1.9.5 1.2.840.113549.1.9.15; do
             grep -qx "attr=$o" "$1" || { echo "missing $o" >&2; exit 1; }; done' - "$T/cms"
  # Embedded certificates: leaf + issuing CA, never the root.
  openssl cms -cmsout -in "$out" -outform PEM -out "$T/sig.pem" 2>/dev/null
  openssl pkcs7 -in "$T/sig.pem" -print_certs -out "$T/certs.pem" 2>/dev/null
  py pemders "$T/certs.pem" >"$T/certs.fp"
  check "$label: embedded certificates are exactly leaf + issuing CA" \
    sh -c '[ "$(sort "$1")" = "$(cat "$2" "$3" | sort)" ]' - "$T/certs.fp" "$T/$who.fp" "$T/ca.fp"
  check "$label: the root is not embedded" sh -c '! grep -qxf "$2" "$1"' - "$T/certs.fp" "$T/root.fp"

  # MIME framing.
  py mimeinfo "$out" >"$T/mime"
  case $mode in
    *opaque)
      check "$label: application/pkcs7-mime; smime-type=signed-data; name=smime.p7m" \
        sh -c 'grep -qx type=application/pkcs7-mime "$1" && grep -qx smime-type=signed-data "$1" &&
               grep -qx name=smime.p7m "$1"' - "$T/mime"
      check "$label: opaque part is base64 with filename smime.p7m" \
        sh -c 'grep -qx cte=base64 "$1" && grep -qx filename=smime.p7m "$1"' - "$T/mime";;
    *)
      check "$label: multipart/signed; protocol=\"application/pkcs7-signature\"" \
        sh -c 'grep -qx type=multipart/signed "$1" && grep -qx protocol=application/pkcs7-signature "$1" &&
               grep -qx parts=2 "$1"' - "$T/mime"
      check "$label: micalg=$(micalg_of "$dg")" contains "$T/mime" "micalg=$(micalg_of "$dg")"
      check "$label: signature part is application/pkcs7-signature, smime.p7s, base64" \
        sh -c 'grep -qx sig_type=application/pkcs7-signature "$1" && grep -qx sig_name=smime.p7s "$1" &&
               grep -qx sig_filename=smime.p7s "$1" && grep -qx sig_cte=base64 "$1"' - "$T/mime";;
  esac
}

# --------------------------------------------------------------- matrices
# 1. Every identity kind x every mode x every digest, over plain.eml.
for dg in sha256 sha384 sha512; do
  for mode in detached pss opaque pss-opaque; do
    sign_case "alice.p12 $mode $dg" "$PKI/alice.p12" alice rsa "$MAIL/plain.eml" $mode $dg
    sign_case "alice.legacy.p12 $mode $dg" "$PKI/alice.legacy.p12" alice rsa "$MAIL/plain.eml" $mode $dg
    sign_case "alice.pem $mode $dg" "$PKI/alice.pem" alice rsa "$MAIL/plain.eml" $mode $dg
    sign_case "bob.p12 (RSA-3072) $mode $dg" "$PKI/bob.p12" bob rsa "$T/bob.eml" $mode $dg
  done
  for mode in detached opaque; do
    sign_case "dave.p12 (P-256) $mode $dg" "$PKI/dave.p12" dave ec "$T/dave.eml" $mode $dg
    sign_case "dave.legacy.p12 (P-256) $mode $dg" "$PKI/dave.legacy.p12" dave ec "$T/dave.eml" $mode $dg
  done
done

# 2. Every sample mail x every mode (digest varies with the mail).
dg=sha256
for m in plain japanese-subject iso-2022-jp html-image 8bit long-line; do
  for mode in detached pss opaque pss-opaque; do
    sign_case "$m.eml $mode $dg" "$PKI/alice.p12" alice rsa "$MAIL/$m.eml" $mode $dg
  done
  case $dg in sha256) dg=sha384;; sha384) dg=sha512;; *) dg=sha256;; esac
done
for m in japanese-subject html-image 8bit long-line; do
  sed 's/^From: Alice Example <alice@example\.org>/From: Dave <dave@example.org>/' "$MAIL/$m.eml" >"$T/dave-$m.eml"
  sign_case "dave $m.eml detached" "$PKI/dave.p12" dave ec "$T/dave-$m.eml" detached sha256
  sign_case "dave $m.eml opaque" "$PKI/dave.p12" dave ec "$T/dave-$m.eml" opaque sha384
done

# --------------------------------------------------------------- controls
# The openssl check above must be able to say no.
"$INKAN" sign -k "$PKI/alice.p12" $PF -o "$T/good.eml" "$MAIL/plain.eml" 2>/dev/null
check "control: openssl accepts the untouched detached signature" osslverify "$T/good.eml" "$T/c"
sed 's/Thursday, 10:00/Thursday, 11:00/' "$T/good.eml" >"$T/tampered.eml"
check "control: tampered test mail differs" sh -c '! cmp -s "$1" "$2"' - "$T/good.eml" "$T/tampered.eml"
check "control: openssl rejects a body byte changed after signing" sh -c '! "$@"' - osslverify "$T/tampered.eml" "$T/c"
check "control: openssl rejects the chain with only the other root trusted" \
  sh -c '! openssl cms -verify -no-CApath -no-CAstore -CAfile "$1" -in "$2" -out /dev/null' - "$PKI/other-root.pem" "$T/good.eml"
"$INKAN" sign -k "$PKI/alice.p12" $PF --opaque -o "$T/good-opaque.eml" "$MAIL/plain.eml" 2>/dev/null
python3 - "$T/good-opaque.eml" "$T/bad-opaque.eml" <<'PY'
import sys, base64, email
raw = open(sys.argv[1], 'rb').read()
head, body = raw.split(b'\n\n', 1)
der = bytearray(base64.b64decode(body))
i = der.find(b'Thursday')
der[i] ^= 0x01
b64 = base64.encodebytes(bytes(der))
open(sys.argv[2], 'wb').write(head + b'\n\n' + b64)
PY
check "control: openssl rejects opaque signed-data whose eContent was altered" \
  sh -c '! "$@"' - osslverify "$T/bad-opaque.eml" "$T/c"

# --------------------------------------------------------------- refusals
rm -f "$T/pss-ec.eml"
expect_rc 10 "--pss with the P-256 identity exits 10" \
  "$INKAN" sign -k "$PKI/dave.p12" $PF --pss -o "$T/pss-ec.eml" "$T/dave.eml"
check "--pss with the P-256 identity creates no output file" sh -c '! ls "$1"* 2>/dev/null | grep -q .' - "$T/pss-ec.eml"
check "--pss with the P-256 identity explains itself on stderr" grep -qi 'pss' "$T/err"
expect_rc 10 "--pss --opaque with the P-256 identity exits 10" \
  "$INKAN" sign -k "$PKI/dave.p12" $PF --pss --opaque -o "$T/pss-ec.eml" "$T/dave.eml"
check "--pss --opaque with the P-256 identity creates no output file" sh -c '! ls "$1"* 2>/dev/null | grep -q .' - "$T/pss-ec.eml"
expect_rc 10 "--pss with the P-256 identity to stdout exits 10" \
  "$INKAN" sign -k "$PKI/dave.p12" $PF --pss "$T/dave.eml"
check "--pss with the P-256 identity writes nothing to stdout" test ! -s "$T/out"

finish
