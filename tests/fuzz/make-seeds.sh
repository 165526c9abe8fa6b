#!/bin/sh
# make-seeds.sh INKAN PKI OUTDIR: seed corpora for the fuzz harnesses, made
# from samples/mail, the test PKI, the fixed fuzz identity and (when
# present) ../shared/corpus/thunderbird-smime.  One directory per harness
# under OUTDIR.  Quiet; exits non-zero when something could not be made.
set -eu
INKAN=$1 PKI=$2 OUT=$3
HERE=$(cd "$(dirname "$0")" && pwd)
TOP=$(cd "$HERE/../.." && pwd)
SHARED=${SHARED:-$TOP/../shared}
C=$SHARED/corpus/thunderbird-smime
ID=$HERE/identity.pem
PF="--passphrase-file $PKI/passphrase.txt"
W=$(mktemp -d "${TMPDIR:-/tmp}/inkan-seeds.XXXXXX")
trap 'rm -rf "$W"' EXIT
for h in message cms delivery address cert lint host; do mkdir -p "$OUT/$h"; cp "$HERE/seeds/$h/"* "$OUT/$h/" 2>/dev/null || true; done

# ---------------------------------------------------------------- messages
cp "$TOP"/samples/mail/*.eml "$OUT/message/"
[ -d "$C" ] && find "$C" -name '*.eml' -size -64k | while read -r f; do cp "$f" "$OUT/message/tb-$(basename "$f")"; done
sed 's/^From: .*/From: Fuzz <fuzz@example.org>/' "$TOP/samples/mail/plain.eml" >"$W/fuzz.eml"
sed 's/^From: .*/From: Fuzz <fuzz@example.org>/' "$TOP/samples/mail/html-image.eml" >"$W/fuzz-html.eml"
n=0
mk() { n=$((n + 1)); "$INKAN" "$@" -o "$OUT/message/gen-$n.eml" 2>/dev/null </dev/null; }
mk sign -k "$ID" "$W/fuzz.eml"
mk sign -k "$ID" --opaque "$W/fuzz.eml"
mk sign -k "$ID" --pss --digest sha512 "$W/fuzz-html.eml"
mk encrypt -r "$ID" "$W/fuzz.eml"
mk encrypt -r "$ID" --cipher aes-256-gcm "$W/fuzz.eml"
mk encrypt -r "$ID" --oaep --cipher aes-128-cbc "$W/fuzz-html.eml"
mk encrypt -r "$ID" --sign -k "$ID" "$W/fuzz.eml"
mk encrypt -r "$ID" --sign --opaque -k "$ID" "$W/fuzz.eml"
mk sign -k "$PKI/alice.p12" $PF "$TOP/samples/mail/plain.eml"
mk sign -k "$PKI/taro.p12" $PF "$TOP/samples/mail/taro-idn.eml"
mk encrypt -r "$ID" -r "$PKI/bob.cert.pem" "$TOP/samples/mail/iso-2022-jp.eml"
# A signed part inside multipart/mixed, and a forwarded signed mail.
{ printf 'From: fuzz@example.org\nMIME-Version: 1.0\nContent-Type: multipart/mixed; boundary="x"\n\n--x\nContent-Type: text/html\n\n<p>hi</p>\n--x\n'
  awk 'f||/^Content-Type: multipart\/signed/{f=1;print}' "$OUT/message/gen-1.eml"
  printf '\n--x--\n'; } >"$OUT/message/gen-mixed.eml"
{ printf 'From: bob@example.org\nMIME-Version: 1.0\nContent-Type: multipart/mixed; boundary="y"\n\n--y\nContent-Type: text/plain\n\nfwd\n--y\nContent-Type: message/rfc822\n\n'
  cat "$OUT/message/gen-1.eml"; printf '\n--y--\n'; } >"$OUT/message/gen-forward.eml"

# ---------------------------------------------------------------- CMS DER (first byte: presentation, see fuzz-cms.c)
cat >"$W/der.py" <<'PY'
import base64, re, sys
data = open(sys.argv[1], encoding="utf-8", errors="replace").read()
i = data.rfind("Content-Transfer-Encoding: base64")
if i < 0: sys.exit(1)
j = data.index("\n\n", i) + 2
m = re.match(r"[A-Za-z0-9+/=\r\n]+", data[j:])
sys.stdout.buffer.write(base64.b64decode(m.group(0)))
PY
k=0
for f in "$OUT"/message/gen-*.eml "$OUT"/message/tb-*.eml; do
  python3 "$W/der.py" "$f" >"$W/der" 2>/dev/null || continue
  [ -s "$W/der" ] || continue
  k=$((k + 1))
  case $(grep -c 'multipart/signed' "$f") in 0) modes="0 8 24 2 3";; *) modes="1 2";; esac
  for m in $modes; do { printf "\\$(printf %03o "$m")"; cat "$W/der"; } >"$OUT/cms/m$m-$k.der"; done
done

# ---------------------------------------------------------------- deliveries
for f in alice.p12 alice.legacy.p12 alice.pem alice.key.pem alice.cert.pem ca.pem taro.p12 dave.p12 erin.pem; do
  cp "$PKI/$f" "$OUT/delivery/$f"
done
openssl x509 -in "$PKI/alice.cert.pem" -outform DER -out "$OUT/delivery/alice.cer"
openssl crl2pkcs7 -nocrl -certfile "$PKI/alice.cert.pem" -certfile "$PKI/ca.pem" -out "$OUT/delivery/alice.p7b"
openssl crl2pkcs7 -nocrl -certfile "$PKI/alice.cert.pem" -certfile "$PKI/ca.pem" -outform DER -out "$OUT/delivery/alice-der.p7b"
openssl pkey -in "$PKI/dave.key.pem" -outform DER -out "$OUT/delivery/dave.key.der"
openssl pkcs8 -topk8 -in "$PKI/alice.key.pem" -v2 aes-128-cbc -passout "file:$PKI/passphrase.txt" -outform DER -out "$OUT/delivery/alice.p8.der" 2>/dev/null
python3 - "$PKI" "$OUT/delivery/alice.zip" <<'PY'
import sys, zipfile
pki, out = sys.argv[1], sys.argv[2]
with zipfile.ZipFile(out, "w") as z:
    z.write(pki + "/alice.key.pem", "alice/key.pem")
    z.write(pki + "/alice.cert.pem", "alice/alice.crt")
    z.write(pki + "/ca.pem", "alice/ca.crt")
    z.writestr("alice/README.txt", "readme")
PY
[ -d "$C" ] && cp "$C"/*.p12 "$OUT/delivery/" 2>/dev/null || true

# ---------------------------------------------------------------- certificates (cert, lint)
for n in alice bob carol dave erin frank taro oscar noeku; do
  openssl x509 -in "$PKI/$n.cert.pem" -outform DER -out "$OUT/cert/$n.der"
  openssl x509 -in "$PKI/ca.pem" -outform DER -out "$W/ca.der"
  cat "$OUT/cert/$n.der" "$W/ca.der" >"$OUT/lint/$n-ca.der"
done
cp "$W/ca.der" "$OUT/lint/ca.der"
openssl x509 -in "$PKI/root.pem" -outform DER -out "$OUT/lint/root.der"
openssl x509 -in "$ID" -outform DER -out "$OUT/cert/fuzz.der"
[ -d "$C" ] && for f in "$C"/*.pem; do openssl x509 -in "$f" -outform DER -out "$OUT/cert/tb-$(basename "$f" .pem).der" 2>/dev/null || true; done
exit 0
