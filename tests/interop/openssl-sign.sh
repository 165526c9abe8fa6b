#!/bin/sh
# Interop: inkan signs, the OpenSSL command line verifies.
#
# Every message inkan signs here is checked by an independent S/MIME
# implementation (openssl cms): the signature must verify against the test
# root, the content openssl recovers must be what inkan shows, and the CMS
# structure (algorithms, RSASSA-PSS parameters, signed attributes, embedded
# certificates) and the MIME framing must be what RFC 8551 / RFC 4056 ask.
#
# Python's email package (not GMime) reads the MIME side and the text that
# `openssl cms -print` produces.  Python starts slowly, so the cases are
# made and verified first, then read in one Python run, then asserted.
. "$(dirname "$0")/../lib.sh"
need openssl openssl
need python3 python3

cat >"$T/analyze.py" <<'PY'
import sys, os, re, email, email.policy, hashlib, base64, datetime, time

def load_bytes(path):
    with open(path, 'rb') as f:
        return f.read()

def parse(data):
    return email.message_from_bytes(data, policy=email.policy.compat32)

def pem_fps(path):
    if not os.path.exists(path):
        return []
    text = open(path, encoding='ascii', errors='replace').read()
    return [hashlib.sha256(base64.b64decode(''.join(m.group(1).split()))).hexdigest()
            for m in re.finditer(r'-----BEGIN CERTIFICATE-----(.*?)-----END CERTIFICATE-----', text, re.S)]

def leaves(data):
    """Leaf parts: type, charset and digest of the decoded body (text line
    ends made LF, so the LF and CRLF forms of one text compare equal)."""
    out = []
    for part in parse(data).walk():
        if part.is_multipart():
            continue
        body = part.get_payload(decode=True) or b''
        if part.get_content_maintype() == 'text':
            body = body.replace(b'\r\n', b'\n')
        out.append('%s %s %d %s' % (part.get_content_type(), part.get_content_charset(),
                                    len(body), hashlib.sha256(body).hexdigest()))
    return out

def first_part(data):
    """Raw first body part of a multipart, LF line ends (RFC 2046 §5.1.1:
    the line end before a delimiter belongs to the delimiter)."""
    data = data.replace(b'\r\n', b'\n')
    msg = parse(data)
    delim = ('--' + (msg.get_boundary() or '')).encode()
    lines = data.split(b'\n\n', 1)[1].split(b'\n')
    at = [i for i, l in enumerate(lines) if l.rstrip(b' \t') in (delim, delim + b'--')]
    if len(at) < 2:
        return None
    return b'\n'.join(lines[at[0] + 1:at[1]])

def cmsinfo(text):
    """Facts from `openssl cms -cmsout -print -noout`."""
    out = []
    sect = None
    want = None
    in_params = False
    ctx = None
    for line in text.splitlines():
        s = line.strip()
        m = re.match(r'contentType: (\S+)', s)
        if m and sect is None:
            out.append('content_type=' + m.group(1))
        if s.startswith('eContent:'):
            out.append('econtent=' + ('absent' if '<ABSENT>' in s else 'present'))
        if s == 'certificates:':
            sect = 'certs'
        elif s.startswith('crls:'):
            sect = 'crls'
        elif s == 'signerInfos:':
            sect = 'signer'
        if sect != 'signer':
            continue
        if s.startswith('d.issuerAndSerialNumber') or s.startswith('d.subjectKeyIdentifier'):
            out.append('signer')
            in_params = False
        if s == 'digestAlgorithm:':
            want = 'digest'; in_params = False; continue
        if s == 'signatureAlgorithm:':
            want = 'sigalg'; continue
        m = re.match(r'algorithm: (\S+)', s)
        if m and want:
            out.append(want + '=' + m.group(1))
            in_params = want == 'sigalg'
            ctx = None; want = None
            continue
        m = re.match(r'object: (.+) \(([0-9.]+)\)$', s)
        if m:
            out.append('attr=' + m.group(2))
        if s == 'signature:' or s.startswith('unsignedAttrs'):
            in_params = False
        if in_params:
            m = re.search(r'd=1 .*cont \[ (\d) \]', s)
            if m:
                ctx = m.group(1); continue
            m = re.search(r'OBJECT\s*:(\S+)', s)
            if m and ctx == '0':
                out.append('pss_hash=' + m.group(1))
            elif m and ctx == '1':
                out.append('pss_mgf=' + m.group(1) if m.group(1) == 'mgf1' else 'pss_mgf_hash=' + m.group(1))
            m = re.search(r'INTEGER\s*:([0-9A-Fa-f]+)', s)
            if m and ctx == '2':
                out.append('pss_salt=%d' % int(m.group(1), 16))
            if m and ctx == '3':
                out.append('pss_trailer=%d' % int(m.group(1), 16))
    return out

def mimeinfo(msg):
    out = ['type=' + msg.get_content_type()]
    for k in ('protocol', 'micalg', 'smime-type', 'name'):
        v = msg.get_param(k)
        if v is not None:
            out.append('%s=%s' % (k, v))
    if msg.get_filename():
        out.append('filename=' + msg.get_filename())
    if msg['Content-Transfer-Encoding']:
        out.append('cte=' + msg['Content-Transfer-Encoding'].strip().lower())
    if msg.is_multipart():
        parts = msg.get_payload()
        out.append('parts=%d' % len(parts))
        if len(parts) == 2:
            sig = parts[1]
            out.append('sig_type=' + sig.get_content_type())
            out.append('sig_name=%s' % sig.get_param('name'))
            out.append('sig_filename=%s' % sig.get_filename())
            out.append('sig_cte=%s' % (sig['Content-Transfer-Encoding'] or '').strip().lower())
    return out

pki = os.environ['PKI']
ca = pem_fps(os.path.join(pki, 'ca.pem'))
root = pem_fps(os.path.join(pki, 'root.pem'))
for d in sys.argv[1:]:
    meta = dict(l.rstrip('\n').split('=', 1) for l in open(os.path.join(d, 'meta')))
    facts = []
    diag = []
    f = lambda n: os.path.join(d, n)
    if os.path.exists(f('signed.eml')):
        orig = load_bytes(meta['mail'])
        signed = load_bytes(f('signed.eml'))
        leaf = pem_fps(os.path.join(pki, meta['who'] + '.cert.pem'))
        if os.path.exists(f('content')):
            content = load_bytes(f('content'))
            lo, lc = leaves(orig), leaves(content)
            facts.append('leaves=' + ('same' if lo == lc else 'differ'))
            if lo != lc:
                diag += ['original:'] + lo + ['recovered:'] + lc
            if 'opaque' not in meta['mode']:
                p1 = first_part(signed)
                same = p1 is not None and p1 == content.replace(b'\r\n', b'\n')
                facts.append('first_part=' + ('same' if same else 'differ'))
        mo, ms = parse(orig), parse(signed)
        for h in ('From', 'To', 'Subject', 'Date', 'Message-ID'):
            facts.append('header_%s=%s' % (h, 'same' if mo.get(h) == ms.get(h) else 'differ'))
        facts += mimeinfo(ms)
        if os.path.exists(f('cms.txt')):
            text = open(f('cms.txt'), errors='replace').read()
            facts += cmsinfo(text)
            t = re.findall(r'object: signingTime.*?(?:UTCTIME|GENERALIZEDTIME):(.*? GMT)', text, re.S)
            if len(t) == 1:
                when = datetime.datetime.strptime(' '.join(t[0].split()), '%b %d %H:%M:%S %Y GMT')
                age = time.time() - when.replace(tzinfo=datetime.timezone.utc).timestamp()
                facts.append('signing_time=' + ('recent' if -120 <= age <= 900 else 'off by %ds' % age))
        signer = pem_fps(f('signer.pem'))
        facts.append('signer=' + ('expected' if signer and signer == leaf else 'other'))
        certs = pem_fps(f('certs.pem'))
        facts.append('certs=' + ('leaf+ca' if sorted(certs) == sorted(leaf + ca) else 'other:%d' % len(certs)))
        facts.append('root_embedded=' + ('yes' if set(root) & set(certs) else 'no'))
    with open(f('facts'), 'w') as o:
        o.write('\n'.join(facts) + '\n')
    with open(f('diag'), 'w') as o:
        o.write('\n'.join(diag) + '\n')
PY

# osslverify SIGNED CONTENT [SIGNERS [CERTSOUT]]: openssl cms -verify against
# the test root only (no default CA paths), S/MIME signing purpose.
osslverify() {
  openssl cms -verify -no-CApath -no-CAstore -CAfile "$PKI/root.pem" -purpose smimesign \
    -in "$1" -out "$2" ${3:+-signer "$3"} ${4:+-certsout "$4"}
}

# fact DIR KEY=VALUE: the analysed case has exactly this fact line.
fact() {
  grep -qxF -- "$2" "$1/facts" && return 0
  echo "wanted \"$2\"; facts:"; grep -v '^attr=' "$1/facts"; cat "$1/diag"; return 1
}
nofact() { ! grep -qxF -- "$2" "$1/facts" || { echo "unexpected \"$2\""; return 1; }; }
factcount() {
  n=$(grep -cxF -- "$2" "$1/facts"); [ "$n" -eq "$3" ] || { echo "\"$2\" occurs $n times, wanted $3"; return 1; }
}

hash_len() { case $1 in sha256) echo 32;; sha384) echo 48;; sha512) echo 64;; esac; }
micalg_of() { case $1 in sha256) echo sha-256;; sha384) echo sha-384;; sha512) echo sha-512;; esac; }
upper() { echo "$1" | tr a-z A-Z; }

# Messages from bob and dave: sample mails with the From line changed.
from_as() { # NAME ADDRESS MAIL OUT
  sed "s/^From: Alice Example <alice@example\\.org>\$/From: $1 <$2>/" "$3" >"$4"
}
from_as "Bob Example" bob@example.org "$MAIL/plain.eml" "$T/bob.eml"
from_as Dave dave@example.org "$MAIL/plain.eml" "$T/dave.eml"
check "bob's test mail is From bob@example.org" grep -qx 'From: Bob Example <bob@example.org>' "$T/bob.eml"
check "dave's test mail is From dave@example.org" grep -qx 'From: Dave <dave@example.org>' "$T/dave.eml"

# --------------------------------------------------------------- phase 1: sign and verify
# sign_case LABEL IDENTITY WHO KEYTYPE MAIL MODE DIGEST
#   WHO names $PKI/WHO.cert.pem; MODE: detached | pss | opaque | pss-opaque;
#   DIGEST: sha256 | sha384 | sha512 | default (no --digest: sha256 expected)
N=0
sign_case() {
  N=$((N + 1)); d="$T/case/$(printf %04d $N)"; mkdir -p "$d"
  label=$1 id=$2 who=$3 ktype=$4 mail=$5 mode=$6 dg=$7
  set -- sign -k "$id" $PF
  if [ "$dg" = default ]; then dg=sha256; else set -- "$@" --digest "$dg"; fi
  printf 'label=%s\nwho=%s\nktype=%s\nmail=%s\nmode=%s\ndg=%s\n' "$label" "$who" "$ktype" "$mail" "$mode" "$dg" >"$d/meta"
  case $mode in pss|pss-opaque) set -- "$@" --pss;; esac
  case $mode in opaque|pss-opaque) set -- "$@" --opaque;; esac
  expect_rc 0 "$label: inkan sign exits 0" "$INKAN" "$@" -o "$d/signed.eml" "$mail"
  [ -s "$d/signed.eml" ] || return 0
  check "$label: openssl cms -verify accepts it (chain to the test root)" \
    osslverify "$d/signed.eml" "$d/content" "$d/signer.pem" "$d/certs.pem"
  sed 's/$/\r/' "$d/signed.eml" >"$d/wire.eml"
  check "$label: openssl still accepts it with CRLF line ends (as on the wire)" osslverify "$d/wire.eml" "$d/wire.out"
  openssl cms -cmsout -print -noout -in "$d/signed.eml" >"$d/cms.txt" 2>&1
}

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
    sign_case "dave.pem (P-256) $mode $dg" "$PKI/dave.pem" dave ec "$T/dave.eml" $mode $dg
  done
done

# No --digest: SHA-256.
for mode in detached pss opaque; do
  sign_case "alice.p12 $mode, no --digest" "$PKI/alice.p12" alice rsa "$MAIL/plain.eml" $mode default
done
sign_case "dave.p12 (P-256) detached, no --digest" "$PKI/dave.p12" dave ec "$T/dave.eml" detached default

# 2. Every sample mail x every mode, for RSA (alice) and EC (dave); the
#    digest changes from mail to mail.
dg=sha256
for m in plain japanese-subject iso-2022-jp html-image 8bit long-line; do
  for mode in detached pss opaque pss-opaque; do
    sign_case "$m.eml alice $mode $dg" "$PKI/alice.p12" alice rsa "$MAIL/$m.eml" $mode $dg
  done
  from_as Dave dave@example.org "$MAIL/$m.eml" "$T/dave-$m.eml"
  for mode in detached opaque; do
    sign_case "$m.eml dave $mode $dg" "$PKI/dave.p12" dave ec "$T/dave-$m.eml" $mode $dg
  done
  case $dg in sha256) dg=sha384;; sha384) dg=sha512;; *) dg=sha256;; esac
done

# 3. Internationalised address (RFC 6532 headers; SmtpUTF8Mailbox in taro's
#    certificate), RSA, both forms.
sign_case "taro-idn.eml taro detached" "$PKI/taro.p12" taro rsa "$MAIL/taro-idn.eml" detached sha256
sign_case "taro-idn.eml taro opaque" "$PKI/taro.p12" taro rsa "$MAIL/taro-idn.eml" opaque sha256

# 4. Input mail with CRLF line ends.
for m in plain html-image 8bit; do
  sed 's/$/\r/' "$MAIL/$m.eml" >"$T/crlf-$m.eml"
  sign_case "$m.eml with CRLF line ends, detached" "$PKI/alice.p12" alice rsa "$T/crlf-$m.eml" detached sha256
  sign_case "$m.eml with CRLF line ends, opaque" "$PKI/alice.p12" alice rsa "$T/crlf-$m.eml" opaque sha256
done

# --------------------------------------------------------------- phase 2: read everything once
python3 "$T/analyze.py" "$T"/case/* || not_ok "analysing the signed messages failed"

# --------------------------------------------------------------- phase 3: assertions
for d in "$T"/case/*; do
  [ -s "$d/signed.eml" ] || continue
  label= who= ktype= mail= mode= dg=
  while IFS='=' read -r k v; do eval "$k=\$v"; done <"$d/meta"
  H=$dg   # inkan's --digest names are also openssl's names

  check "$label: the signer openssl reports is $who's certificate" fact "$d" signer=expected
  check "$label: openssl's recovered content decodes to the original body" fact "$d" leaves=same
  case $mode in *opaque) ;; *)
    check "$label: openssl's recovered content is exactly the first part of the multipart/signed" \
      fact "$d" first_part=same;;
  esac
  check "$label: From, To, Subject, Date and Message-ID are kept" \
    sh -c 'for h in From To Subject Date Message-ID; do grep -qx "header_$h=same" "$1/facts" || { echo "$h changed"; exit 1; }; done' - "$d"

  # CMS structure.
  check "$label: CMS is SignedData" fact "$d" content_type=pkcs7-signedData
  check "$label: exactly one SignerInfo" factcount "$d" signer 1
  case $mode in
    *opaque) check "$label: eContent is present (opaque signed-data)" fact "$d" econtent=present;;
    *) check "$label: eContent is absent (detached signature)" fact "$d" econtent=absent;;
  esac
  check "$label: digestAlgorithm is $H" fact "$d" "digest=$H"
  case $ktype/$mode in
    rsa/pss*)
      check "$label: signatureAlgorithm is rsassaPss" fact "$d" sigalg=rsassaPss
      check "$label: RSASSA-PSS hashAlgorithm is $H" fact "$d" "pss_hash=$H"
      check "$label: RSASSA-PSS maskGenAlgorithm is MGF1" fact "$d" pss_mgf=mgf1
      check "$label: RSASSA-PSS MGF1 hash is $H" fact "$d" "pss_mgf_hash=$H"
      check "$label: RSASSA-PSS saltLength is $(hash_len "$dg")" fact "$d" "pss_salt=$(hash_len "$dg")"
      check "$label: RSASSA-PSS trailerField is 1 (default)" nofact "$d" pss_trailer=2;;
    rsa/*)
      check "$label: signatureAlgorithm is RSASSA-PKCS1-v1_5" \
        sh -c 'grep -qxE "sigalg=(rsaEncryption|$2WithRSAEncryption)" "$1/facts"' - "$d" "$H";;
    ec/*)
      check "$label: signatureAlgorithm is ecdsa-with-$(upper "$H")" fact "$d" "sigalg=ecdsa-with-$(upper "$H")";;
  esac
  check "$label: signed attribute contentType" fact "$d" attr=1.2.840.113549.1.9.3
  check "$label: signed attribute messageDigest" fact "$d" attr=1.2.840.113549.1.9.4
  check "$label: signed attribute signingTime" fact "$d" attr=1.2.840.113549.1.9.5
  check "$label: signed attribute SMIMECapabilities" fact "$d" attr=1.2.840.113549.1.9.15
  check "$label: signingTime is now (as openssl reads it)" fact "$d" signing_time=recent
  check "$label: embedded certificates are exactly the leaf and the issuing CA" fact "$d" certs=leaf+ca
  check "$label: the root is not embedded" fact "$d" root_embedded=no

  # MIME framing.
  case $mode in
    *opaque)
      check "$label: Content-Type application/pkcs7-mime" fact "$d" type=application/pkcs7-mime
      check "$label: smime-type=signed-data" fact "$d" smime-type=signed-data
      check "$label: name=smime.p7m and filename=smime.p7m" \
        sh -c 'grep -qx name=smime.p7m "$1/facts" && grep -qx filename=smime.p7m "$1/facts"' - "$d"
      check "$label: Content-Transfer-Encoding base64" fact "$d" cte=base64;;
    *)
      check "$label: Content-Type multipart/signed with two parts" \
        sh -c 'grep -qx type=multipart/signed "$1/facts" && grep -qx parts=2 "$1/facts"' - "$d"
      check "$label: protocol=\"application/pkcs7-signature\"" fact "$d" protocol=application/pkcs7-signature
      check "$label: micalg=$(micalg_of "$dg")" fact "$d" "micalg=$(micalg_of "$dg")"
      check "$label: signature part is application/pkcs7-signature" fact "$d" sig_type=application/pkcs7-signature
      check "$label: signature part name=smime.p7s and filename=smime.p7s" \
        sh -c 'grep -qx sig_name=smime.p7s "$1/facts" && grep -qx sig_filename=smime.p7s "$1/facts"' - "$d"
      check "$label: signature part Content-Transfer-Encoding base64" fact "$d" sig_cte=base64;;
  esac
done

# --------------------------------------------------------------- controls
# The openssl checks above must be able to say no.
"$INKAN" sign -k "$PKI/alice.p12" $PF -o "$T/good.eml" "$MAIL/plain.eml" 2>/dev/null
check "control: openssl accepts the untouched detached signature" osslverify "$T/good.eml" "$T/c"
sed 's/Thursday, 10:00/Thursday, 11:00/' "$T/good.eml" >"$T/tampered.eml"
check "control: the tampered copy differs from the signed mail" sh -c '! cmp -s "$1" "$2"' - "$T/good.eml" "$T/tampered.eml"
check "control: openssl rejects a detached signature whose content changed" \
  sh -c '! "$@"' - osslverify "$T/tampered.eml" "$T/c"
check "control: openssl rejects the chain when only the other root is trusted" \
  sh -c '! openssl cms -verify -no-CApath -no-CAstore -CAfile "$1" -in "$2" -out /dev/null' - "$PKI/other-root.pem" "$T/good.eml"
"$INKAN" sign -k "$PKI/alice.p12" $PF --opaque -o "$T/good-opaque.eml" "$MAIL/plain.eml" 2>/dev/null
# Flip one bit of the eContent inside the DER (the word "Thursday").
{ sed '/^$/q' "$T/good-opaque.eml"
  sed '1,/^$/d' "$T/good-opaque.eml" | openssl base64 -d | LC_ALL=C sed 's/Thursday/Thursdaz/' | openssl base64
} >"$T/bad-opaque.eml"
check "control: the altered opaque copy differs" sh -c '! cmp -s "$1" "$2"' - "$T/good-opaque.eml" "$T/bad-opaque.eml"
check "control: openssl rejects opaque signed-data whose eContent was altered" \
  sh -c '! "$@"' - osslverify "$T/bad-opaque.eml" "$T/c"

# --------------------------------------------------------------- refusals
expect_rc 10 "--pss with the P-256 identity exits 10" \
  "$INKAN" sign -k "$PKI/dave.p12" $PF --pss -o "$T/pss-ec.eml" "$T/dave.eml"
check "--pss with the P-256 identity says why on stderr" grep -qi 'pss' "$T/err"
check "--pss with the P-256 identity creates no output file (nor a temporary one)" \
  sh -c '! ls -d "$1"* 2>/dev/null | grep -q .' - "$T/pss-ec.eml"
expect_rc 10 "--pss --opaque with the P-256 identity exits 10" \
  "$INKAN" sign -k "$PKI/dave.pem" $PF --pss --opaque -o "$T/pss-ec.eml" "$T/dave.eml"
check "--pss --opaque with the P-256 identity creates no output file" \
  sh -c '! ls -d "$1"* 2>/dev/null | grep -q .' - "$T/pss-ec.eml"
expect_rc 10 "--pss with the P-256 identity to standard output exits 10" \
  "$INKAN" sign -k "$PKI/dave.p12" $PF --pss "$T/dave.eml"
check "--pss with the P-256 identity writes nothing to standard output" test ! -s "$T/out"

finish
