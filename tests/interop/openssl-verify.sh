#!/bin/sh
# Interop: the OpenSSL command line signs, inkan verifies.
#
# openssl cms -sign (and the older openssl smime -sign) make multipart/signed
# and opaque signed-data messages from the sample mails; inkan verify --json
# must call the good ones valid with the right signer details, and must
# lower or reject the verdict for tampering, a From that is not the signer,
# an untrusted chain, two signers, a "detached" signature that carries its
# own content, and the other chain problems openssl lets us make.
#
# The cases are made and verified first; one Python run then reads all the
# JSON (Python starts slowly), and the expectations are asserted last.
. "$(dirname "$0")/../lib.sh"
need openssl openssl
need python3 python3

TRUST="--trust $PKI/root.pem --no-system-trust"

cat >"$T/analyze.py" <<'PY'
import sys, os, re, json, datetime

def iso(text):
    """'Nov 23 14:50:09 2027 GMT' (openssl) -> '2027-11-23T14:50:09Z'."""
    t = datetime.datetime.strptime(' '.join(text.split()), '%b %d %H:%M:%S %Y GMT')
    return t.strftime('%Y-%m-%dT%H:%M:%SZ')

def js(v):
    if v is None:
        return 'null'
    if isinstance(v, bool):
        return 'true' if v else 'false'
    if isinstance(v, list):
        return ','.join(js(x) for x in v)
    return str(v)

for d in sys.argv[1:]:
    f = lambda n: os.path.join(d, n)
    facts = ['rc=' + open(f('rc')).read().strip()]
    try:
        doc = json.load(open(f('json')))
        facts.append('json=ok')
    except Exception as e:
        doc = None
        facts.append('json=bad: %s' % e)
    if doc is not None:
        facts.append('verdict=' + js(doc.get('verdict')))
        facts.append('flags=' + js(doc.get('flags')))
        facts += ['flag=' + x for x in doc.get('flags', [])]
        for k in ('from', 'sender', 'signed_part'):
            facts.append('%s=%s' % (k, js(doc.get(k))))
        signers = doc.get('signers', [])
        facts.append('nsigners=%d' % len(signers))
        for i, s in enumerate(signers):
            for k, v in s.items():
                facts.append('s%d.%s=%s' % (i, k, js(v)))
    # What openssl says about the certificates and the CMS, to compare with.
    for i in range(4):
        path = f('cert%d.txt' % i)
        if doc is None or not os.path.exists(path) or i >= len(doc.get('signers', [])):
            continue
        s = doc['signers'][i]
        info = dict(l.rstrip('\n').split('=', 1) for l in open(path) if '=' in l)
        facts.append('s%d.subject_agrees=%s' % (i, 'yes' if s.get('subject') == info['subject'].strip() else 'no'))
        facts.append('s%d.issuer_agrees=%s' % (i, 'yes' if s.get('issuer') == info['issuer'].strip() else 'no'))
        facts.append('s%d.serial_agrees=%s' % (i, 'yes' if (s.get('serial') or '').lstrip('0').lower() == info['serial'].lstrip('0').lower() else 'no'))
        dates = (s.get('not_before'), s.get('not_after')) == (iso(info['notBefore']), iso(info['notAfter']))
        facts.append('s%d.dates_agree=%s' % (i, 'yes' if dates else 'no'))
    if doc is not None and os.path.exists(f('cms.txt')):
        times = re.findall(r'object: signingTime.*?(?:UTCTIME|GENERALIZEDTIME):(.*? GMT)', open(f('cms.txt')).read(), re.S)
        got = [s.get('signing_time') for s in doc.get('signers', [])]
        want = [iso(t) for t in times]
        facts.append('signing_times_agree=' + ('yes' if want and got == want else 'no %s vs %s' % (got, want)))
    open(f('facts'), 'w').write('\n'.join(facts) + '\n')
PY

# --------------------------------------------------------------- message building
# split_mail MAIL entity|outer: the MIME entity (Content-* headers and body)
# or the other header fields (From, To, Subject, ...; no MIME-Version).
split_mail() {
  awk -v want="$2" '
    BEGIN { h = 1 }
    h && /^$/ { h = 0; if (want == "entity") print; next }
    h {
      if (/^[ \t]/) { if (keep) print; next }
      l = tolower($0)
      mime = (l ~ /^(mime-version|content-)/)
      keep = (want == "entity") ? (mime && l !~ /^mime-version/) : !mime
      if (keep) print
      next
    }
    want == "entity" { print }' "$1"
}
for m in plain japanese-subject iso-2022-jp html-image 8bit long-line taro-idn; do
  split_mail "$MAIL/$m.eml" entity >"$T/$m.entity"
  split_mail "$MAIL/$m.eml" outer >"$T/$m.head"
done
check "the plain.eml entity starts with its Content-Type" sh -c 'head -1 "$1" | grep -q "^Content-Type: text/plain"' - "$T/plain.entity"
check "the plain.eml outer headers keep From and drop Content-Type" \
  sh -c 'grep -q "^From: Alice" "$1" && ! grep -qi "^content-" "$1"' - "$T/plain.head"
check "the html-image.eml entity keeps the whole multipart body" grep -q '^--=_mixed_8c1f0e2a--$' "$T/html-image.entity"

# as_from NAME ADDR HEADFILE: the headers with From replaced.
as_from() { sed "s/^From: .*/From: $1 <$2>/" "$3"; }
as_from Dave dave@example.org "$T/plain.head" >"$T/dave.head"
as_from Bob bob@example.org "$T/plain.head" >"$T/bob.head"
as_from Frank frank@example.org "$T/plain.head" >"$T/frank.head"

# signer NAME: openssl options for NAME's key and certificate.
signer() { echo "-signer $PKI/$1.cert.pem -inkey $PKI/$1.key.pem"; }

# osign OUT HEADFILE ENTITY OPENSSL-ARGS...: openssl cms -sign the entity and
# put the header fields in front (openssl starts with MIME-Version).
osign() {
  o=$1 h=$2 e=$3; shift 3
  { cat "$h"; openssl cms -sign "$@" -in "$e"; } >"$o" 2>"$T/osign.err"
  [ -s "$o" ] && ! grep -q . "$T/osign.err" || { cat "$T/osign.err"; return 1; }
}

# tamper_detached IN OUT: change the first letter of the first body line of
# the signed part (the line after the part's header block).
tamper_detached() {
  awk 'BEGIN { state = 0 }
    state == 0 && /^--/ { state = 1; print; next }
    state == 1 && /^\r?$/ { state = 2; print; next }
    state == 2 && /[A-Za-z]/ {
      match($0, /[A-Za-z]/); c = substr($0, RSTART, 1)
      $0 = substr($0, 1, RSTART - 1) (c == "Q" ? "R" : "Q") substr($0, RSTART + 1); state = 3 }
    { print }' "$1" >"$2"
}
# tamper_opaque IN OUT: the same inside the eContent of base64 signed-data.
tamper_opaque() {
  { sed '/^$/q' "$1"
    sed '1,/^$/d' "$1" | openssl base64 -d |
      LC_ALL=C sed '/^\r$/{n;s/[A-PR-Za-z]/Q/;:a;n;ba}' | openssl base64
  } >"$2"
}
# tamper_text IN OUT OLD NEW: replace a string in the message text.
tamper_text() { sed "s/$3/$4/" "$1" >"$2"; }

# --------------------------------------------------------------- case machinery
N=0
# vcase LABEL MESSAGE [inkan verify options...]: run inkan verify --json and
# keep what is needed to analyse it; expectations follow with expect.
vcase() {
  N=$((N + 1)); D="$T/case/$(printf %04d $N)"; mkdir -p "$D"
  echo "$1" >"$D/label"; vmsg=$2; shift 2
  "$INKAN" verify --json "$@" "$vmsg" >"$D/json" 2>"$D/stderr"
  echo $? >"$D/rc"
  openssl cms -cmsout -print -noout -in "$vmsg" >"$D/cms.txt" 2>/dev/null
  : >"$D/expect"
}
# expect FACT...: facts the last case must have ("!FACT": must not have).
expect() { for e in "$@"; do echo "$e" >>"$D/expect"; done; }
# certinfo I NAME: openssl's view of signer I's certificate ($PKI/NAME.cert.pem).
certinfo() {
  { openssl x509 -noout -subject -issuer -nameopt RFC2253 -in "$PKI/$2.cert.pem" | sed 's/^\([a-z]*\)= */\1=/'
    openssl x509 -noout -serial -dates -in "$PKI/$2.cert.pem"
  } >"$D/cert$1.txt"
  expect "s$1.subject_agrees=yes" "s$1.issuer_agrees=yes" "s$1.serial_agrees=yes" "s$1.dates_agree=yes"
}

# expect_valid SIGALG DIGEST ADDR: a fully valid single-signer verdict.
expect_valid() {
  expect rc=0 json=ok verdict=valid flags= nsigners=1 s0.signature_valid=true s0.chain_trusted=true \
    s0.from_match=true "s0.signature_algorithm=$1" "s0.digest_algorithm=$2" "s0.emails=$3" \
    s0.chain_error=null signed_part=null
}

# ossl_accepts MESSAGE: openssl itself verifies what it made (the test's
# own input must be good before inkan's verdict means anything).
ossl_accepts() {
  openssl cms -verify -no-CApath -no-CAstore -CAfile "$PKI/root.pem" -purpose smimesign -in "$1" -out /dev/null
}
ossl_rejects() { ! ossl_accepts "$1"; }

# --------------------------------------------------------------- good signatures
# good LABEL SIGNERNAME ADDR SIGALG DIGEST HEADFILE ENTITY OPENSSL-ARGS...
#   makes the message, checks openssl accepts it, expects valid, then tampers
#   the body, changes From, and drops the trust anchor.
good() {
  label=$1 who=$2 addr=$3 sigalg=$4 digest=$5 head=$6 ent=$7; shift 7
  msg="$T/m$N.eml"
  check "$label: openssl cms -sign makes the message" osign "$msg" "$head" "$ent" $(signer "$who") -certfile "$PKI/chain.pem" "$@"
  check "$label: openssl verifies its own message" ossl_accepts "$msg"
  vcase "$label" "$msg" $TRUST
  expect_valid "$sigalg" "$digest" "$addr"
  certinfo 0 "$who"
  case " $* " in
    *" -noattr "*) expect s0.signing_time=null;;
    *) expect '!s0.signing_time=null' signing_times_agree=yes;;
  esac

  case " $* " in *" -nodetach "*) tamper_opaque "$msg" "$msg.t";; *) tamper_detached "$msg" "$msg.t";; esac
  check "$label, one body byte changed: the copy differs" sh -c '! cmp -s "$1" "$1.t"' - "$msg"
  check "$label, one body byte changed: openssl rejects it too" ossl_rejects "$msg.t"
  vcase "$label, one body byte changed" "$msg.t" $TRUST
  expect rc=1 verdict=invalid s0.signature_valid=false nsigners=1

  other='Bob <bob@example.org>'; [ "$who" = bob ] && other='Alice <alice@example.org>'
  sed "1,/^\$/s/^From: .*/From: $other/" "$msg" >"$msg.f"
  vcase "$label, From changed to $other" "$msg.f" $TRUST
  expect rc=1 verdict=valid-signature flag=from-mismatch s0.signature_valid=true s0.chain_trusted=true \
    s0.from_match=false '!flag=untrusted' "from=$other"

  vcase "$label, without the test root" "$msg" --no-system-trust
  expect rc=1 verdict=valid-signature flag=untrusted s0.signature_valid=true s0.chain_trusted=false \
    s0.from_match=true '!s0.chain_error=null' '!flag=from-mismatch'
}

for m in plain japanese-subject iso-2022-jp html-image 8bit long-line; do
  good "$m.eml detached" alice alice@example.org RSASSA-PKCS1-v1_5 sha-256 "$T/$m.head" "$T/$m.entity"
  good "$m.eml opaque (-nodetach)" alice alice@example.org RSASSA-PKCS1-v1_5 sha-256 "$T/$m.head" "$T/$m.entity" -nodetach
  good "$m.eml RSASSA-PSS" alice alice@example.org RSASSA-PSS sha-256 "$T/$m.head" "$T/$m.entity" -keyopt rsa_padding_mode:pss
done
H="$T/plain.head" E="$T/plain.entity"
good "sha384" alice alice@example.org RSASSA-PKCS1-v1_5 sha-384 "$H" "$E" -md sha384
good "sha512" alice alice@example.org RSASSA-PKCS1-v1_5 sha-512 "$H" "$E" -md sha512
good "sha512 opaque" alice alice@example.org RSASSA-PKCS1-v1_5 sha-512 "$H" "$E" -md sha512 -nodetach
good "RSASSA-PSS sha384" alice alice@example.org RSASSA-PSS sha-384 "$H" "$E" -md sha384 -keyopt rsa_padding_mode:pss
good "RSASSA-PSS sha512 opaque" alice alice@example.org RSASSA-PSS sha-512 "$H" "$E" -md sha512 -keyopt rsa_padding_mode:pss -nodetach
good "RSASSA-PSS salt = digest length" alice alice@example.org RSASSA-PSS sha-256 "$H" "$E" \
  -keyopt rsa_padding_mode:pss -keyopt rsa_pss_saltlen:digest
good "bob RSA-3072" bob bob@example.org RSASSA-PKCS1-v1_5 sha-256 "$T/bob.head" "$E"
good "dave P-256" dave dave@example.org ECDSA sha-256 "$T/dave.head" "$E"
good "dave P-256 sha384 opaque" dave dave@example.org ECDSA sha-384 "$T/dave.head" "$E" -md sha384 -nodetach
good "dave P-256 sha512 html-image" dave dave@example.org ECDSA sha-512 \
  "$(as_from Dave dave@example.org "$T/html-image.head" >"$T/dh.head"; echo "$T/dh.head")" "$T/html-image.entity" -md sha512
good "taro-idn.eml, UTF-8 From matched to SmtpUTF8Mailbox" taro 'taro@xn--r8jz45g.jp,太郎@例え.jp' RSASSA-PKCS1-v1_5 sha-256 \
  "$T/taro-idn.head" "$T/taro-idn.entity"
good "signer named by subjectKeyIdentifier (-keyid)" alice alice@example.org RSASSA-PKCS1-v1_5 sha-256 "$H" "$E" -keyid
good "no signed attributes (-noattr)" alice alice@example.org RSASSA-PKCS1-v1_5 sha-256 "$H" "$E" -noattr
good "opaque, no signed attributes" alice alice@example.org RSASSA-PKCS1-v1_5 sha-256 "$H" "$E" -noattr -nodetach

# openssl writes the header fields itself (-from/-to/-subject).
msg="$T/headers-by-openssl.eml"
check "openssl cms -sign -from -to -subject makes a whole message" \
  sh -c 'openssl cms -sign $1 -certfile "$2" -from alice@example.org -to bob@example.org -subject x -in "$3" -out "$4" &&
         grep -q "^From: alice@example.org" "$4"' - "$(signer alice)" "$PKI/chain.pem" "$E" "$msg"
vcase "headers written by openssl" "$msg" $TRUST
expect_valid RSASSA-PKCS1-v1_5 sha-256 alice@example.org
expect from=alice@example.org
certinfo 0 alice
tamper_text "$msg" "$msg.t" Thursday Thursdaz
vcase "headers written by openssl, one body byte changed" "$msg.t" $TRUST
expect rc=1 verdict=invalid s0.signature_valid=false

# The older PKCS#7 code path (openssl smime) and its application/x-pkcs7-* types.
msg="$T/smime.eml"
check "openssl smime -sign makes a multipart/signed" \
  sh -c '{ cat "$1"; openssl smime -sign $2 -certfile "$3" -in "$4"; } >"$5"' - "$H" "$(signer alice)" "$PKI/chain.pem" "$E" "$msg"
check "openssl smime -sign uses protocol application/x-pkcs7-signature" grep -q 'protocol="application/x-pkcs7-signature"' "$msg"
vcase "openssl smime (x-pkcs7-signature)" "$msg" $TRUST
expect_valid RSASSA-PKCS1-v1_5 sha-256 alice@example.org
msg="$T/smime-opaque.eml"
check "openssl smime -sign -nodetach makes application/x-pkcs7-mime" \
  sh -c '{ cat "$1"; openssl smime -sign -nodetach $2 -certfile "$3" -in "$4"; } >"$5" && grep -q "application/x-pkcs7-mime" "$5"' \
  - "$H" "$(signer alice)" "$PKI/chain.pem" "$E" "$msg"
vcase "openssl smime -nodetach (x-pkcs7-mime)" "$msg" $TRUST
expect_valid RSASSA-PKCS1-v1_5 sha-256 alice@example.org

# The message in CRLF form (as on the wire) and in all-LF form.
msg="$T/m-crlf.eml"
osign "$T/m-base.eml" "$T/html-image.head" "$T/html-image.entity" $(signer alice) -certfile "$PKI/chain.pem"
sed 's/\r*$/\r/' "$T/m-base.eml" >"$msg"
vcase "html-image.eml detached, every line CRLF" "$msg" $TRUST
expect_valid RSASSA-PKCS1-v1_5 sha-256 alice@example.org
tr -d '\r' <"$T/m-base.eml" >"$T/m-lf.eml"
vcase "html-image.eml detached, every line LF" "$T/m-lf.eml" $TRUST
expect_valid RSASSA-PKCS1-v1_5 sha-256 alice@example.org
tamper_text "$T/m-base.eml" "$T/m-html.eml" "first draft" "final draft"
vcase "html-image.eml detached, HTML text changed" "$T/m-html.eml" $TRUST
expect rc=1 verdict=invalid s0.signature_valid=false
tamper_text "$T/m-base.eml" "$T/m-png.eml" "^iVBORw0KGgoAAAANSUhEUgAAABgAAAAY" "iVBORw0KGgoAAAANSUhEUgAAABkAAAAY"
check "html-image.eml, image changed: the copy differs" sh -c '! cmp -s "$1" "$2"' - "$T/m-base.eml" "$T/m-png.eml"
vcase "html-image.eml detached, image attachment changed" "$T/m-png.eml" $TRUST
expect rc=1 verdict=invalid s0.signature_valid=false

# --------------------------------------------------------------- trust
msg="$T/m-base.eml"
vcase "only the other root trusted" "$msg" --trust "$PKI/other-root.pem" --no-system-trust
expect rc=1 verdict=valid-signature flag=untrusted s0.chain_trusted=false s0.signature_valid=true
vcase "the issuing CA added as an anchor" "$msg" --trust "$PKI/ca.pem" --no-system-trust
expect rc=0 verdict=valid s0.chain_trusted=true

msg="$T/frank.eml"
osign "$msg" "$T/frank.head" "$E" $(signer frank) -certfile "$PKI/chain.pem"
vcase "expired signer (frank)" "$msg" $TRUST
expect rc=1 verdict=valid-signature flag=expired s0.signature_valid=true s0.chain_trusted=false s0.from_match=true
certinfo 0 frank
vcase "expired signer checked inside its validity (--at)" "$msg" $TRUST --at "$(date -u -d '-200 days' +%Y-%m-%dT%H:%M:%SZ)"
expect rc=0 verdict=valid s0.chain_trusted=true

msg="$T/oscar.eml"
osign "$msg" "$H" "$E" $(signer oscar) -certfile "$PKI/other-root.pem"
vcase "signer under an untrusted root that it embeds (oscar)" "$msg" $TRUST
expect rc=1 verdict=valid-signature flag=untrusted s0.chain_trusted=false s0.signature_valid=true

msg="$T/noeku.eml"
osign "$msg" "$H" "$E" $(signer noeku) -certfile "$PKI/chain.pem"
vcase "signer without emailProtection EKU (noeku)" "$msg" $TRUST
expect rc=1 verdict=valid-signature flag=untrusted s0.chain_trusted=false s0.signature_valid=true

msg="$T/nochain.eml"
osign "$msg" "$H" "$E" $(signer alice)
vcase "no intermediate in the message, only the root trusted" "$msg" $TRUST
expect rc=1 verdict=valid-signature flag=untrusted s0.signature_valid=true

msg="$T/nocerts.eml"
osign "$msg" "$H" "$E" $(signer alice) -nocerts
vcase "no certificates at all (-nocerts)" "$msg" $TRUST
expect rc=1 verdict=invalid flag=no-signer '!verdict=valid'

msg="$T/sha1.eml"
osign "$msg" "$H" "$E" $(signer alice) -certfile "$PKI/chain.pem" -md sha1
vcase "SHA-1 digest" "$msg" $TRUST
expect rc=1 verdict=valid-signature flag=weak-algorithm s0.digest_algorithm=sha-1 s0.signature_valid=true

# --------------------------------------------------------------- two signers
for mode in detached opaque; do
  msg="$T/two-$mode.eml"
  o=; [ $mode = opaque ] && o=-nodetach
  check "two signers $mode: openssl makes it" osign "$msg" "$H" "$E" $(signer alice) $(signer bob) -certfile "$PKI/chain.pem" $o
  check "two signers $mode: openssl verifies it" ossl_accepts "$msg"
  vcase "two signers (alice and bob), $mode" "$msg" $TRUST
  expect rc=1 verdict=valid-signature flag=multiple-signers nsigners=2 '!verdict=valid' \
    s0.signature_valid=true s1.signature_valid=true s0.emails=alice@example.org s1.emails=bob@example.org \
    s0.from_match=true s1.from_match=false
  certinfo 0 alice
  certinfo 1 bob
done

# --------------------------------------------------------------- not detached
# A multipart/signed whose application/pkcs7-signature part is openssl's
# -nodetach SignedData: it carries its own copy of the content.
mp_signed() { # ENTITY DER OUT
  { cat "$H"
    printf 'MIME-Version: 1.0\nContent-Type: multipart/signed; protocol="application/pkcs7-signature"; micalg=sha-256;\n\tboundary="=-nd-boundary"\n\n--=-nd-boundary\n'
    cat "$1"
    printf '\n--=-nd-boundary\nContent-Type: application/pkcs7-signature; name=smime.p7s\nContent-Disposition: attachment; filename=smime.p7s\nContent-Transfer-Encoding: base64\n\n'
    openssl base64 -in "$2"
    printf '\n--=-nd-boundary--\n'
  } >"$3"
}
check "openssl makes a -nodetach DER SignedData" \
  openssl cms -sign $(signer alice) -certfile "$PKI/chain.pem" -nodetach -outform DER -in "$E" -out "$T/nd.der"
mp_signed "$E" "$T/nd.der" "$T/nd.eml"
vcase "multipart/signed holding a signature with its own content" "$T/nd.eml" $TRUST
expect rc=1 verdict=invalid flag=not-detached '!verdict=valid'
# The shown part differs from the content inside the signature.
sed 's/Thursday, 10:00/Friday, 17:00/' "$E" >"$T/other.entity"
mp_signed "$T/other.entity" "$T/nd.der" "$T/nd2.eml"
vcase "multipart/signed showing other text than the embedded content" "$T/nd2.eml" $TRUST
expect rc=1 verdict=invalid flag=not-detached '!verdict=valid'
# A proper detached DER in the same hand-made wrapper is fine (control).
check "openssl makes a detached DER SignedData" \
  openssl cms -sign $(signer alice) -certfile "$PKI/chain.pem" -outform DER -in "$E" -out "$T/d.der"
mp_signed "$E" "$T/d.der" "$T/d.eml"
vcase "hand-made multipart/signed with a detached signature (control)" "$T/d.eml" $TRUST
expect_valid RSASSA-PKCS1-v1_5 sha-256 alice@example.org

# --------------------------------------------------------------- assert
python3 "$T/analyze.py" "$T"/case/* || not_ok "reading inkan's JSON failed"
for d in "$T"/case/*; do
  label=$(cat "$d/label")
  while IFS= read -r e; do
    case $e in
      !*) check "$label: not ${e#!}" sh -c '! grep -qxF -- "$1" "$2/facts" || { echo "found \"$1\""; exit 1; }' - "${e#!}" "$d";;
      *) check "$label: $e" sh -c 'grep -qxF -- "$1" "$2/facts" || { echo "wanted \"$1\"; got:"; cat "$2/facts" "$2/stderr"; exit 1; }' - "$e" "$d";;
    esac
  done <"$d/expect"
done

finish
