# Helpers shared by tests/spoof/*.sh (after tests/lib.sh): hostile test
# mails made at test time from the test PKI ($PKI), and exact verdicts.
TRUST="--trust $PKI/root.pem --no-system-trust"
DER="python3 $(dirname "$0")/der.py"

# v FILE: "verdict:flag,flag" of inkan verify --json (trusting the test root).
v() { verdict "$1" $TRUST; }
# vj FILE EXPR: EXPR over the verify --json document d.
vj() { "$INKAN" verify --json $TRUST "$1" 2>/dev/null | python3 -c 'import json,sys; d=json.load(sys.stdin); print(eval(sys.argv[1]))' "$2"; }
# is VERDICT DESCRIPTION FILE: the verdict:flags of FILE is exactly VERDICT.
is() {
  got=$(v "$3")
  if [ "$got" = "$1" ]; then ok "$2 ($1)"; else not_ok "$2: want $1, got $got"; fi
}
# exit_is CODE DESCRIPTION FILE: inkan verify exits CODE.
exit_is() { expect_rc "$1" "$2: exit $1" "$INKAN" verify $TRUST "$3"; }

# hdr FROM [SUBJECT]: the top-level header fields of a test mail.
hdr() { printf 'From: %s\nTo: Bob Example <bob@example.org>\nSubject: %s\nDate: Mon, 02 Mar 2026 09:12:34 +0900\nMIME-Version: 1.0\n' "$1" "${2:-test}"; }
# text_entity TEXT: a text/plain MIME entity.
text_entity() { printf 'Content-Type: text/plain; charset=us-ascii\n\n%s\n' "$1"; }

# cms_sign NAME ENTITY OUT [openssl cms args]: a DER SignedData by $PKI/NAME
# (detached unless -nodetach is given), with the intermediate.
cms_sign() {
  n=$1 in=$2 out=$3; shift 3
  openssl cms -sign -in "$in" -signer "$PKI/$n.cert.pem" -inkey "$PKI/$n.key.pem" \
    -certfile "$PKI/chain.pem" -md sha256 -outform DER -out "$out" "$@" 2>"$T/openssl.err"
}
# signed_mail HEADERS ENTITY DER OUT: multipart/signed over ENTITY (LF form,
# exactly as signed) with DER as smime.p7s.
signed_mail() {
  { cat "$1"
    printf 'Content-Type: multipart/signed; protocol="application/pkcs7-signature"; micalg=sha-256; boundary="sig-b"\n\n--sig-b\n'
    cat "$2"
    printf '\n--sig-b\nContent-Type: application/pkcs7-signature; name="smime.p7s"\nContent-Transfer-Encoding: base64\nContent-Disposition: attachment; filename="smime.p7s"\n\n'
    base64 <"$3"
    printf '\n--sig-b--\n'; } >"$4"
}
# opaque_mail HEADERS DER OUT [SMIME-TYPE]: application/pkcs7-mime.
opaque_mail() {
  { cat "$1"
    printf 'Content-Type: application/pkcs7-mime; smime-type=%s; name="smime.p7m"\nContent-Transfer-Encoding: base64\nContent-Disposition: attachment; filename="smime.p7m"\n\n' "${4:-signed-data}"
    base64 <"$2"; } >"$3"
}
# body_of MAIL: the body entity of MAIL (its Content-* fields and body), to
# nest it elsewhere.
body_of() {
  python3 - "$1" <<'PY'
import sys
data = open(sys.argv[1], encoding="utf-8").read()
head, _, body = data.partition("\n\n")
lines, keep, cur = head.split("\n"), [], None
for l in lines:
    if l[:1] in (" ", "\t"):
        if cur: keep.append(l)
        continue
    cur = l.lower().startswith("content-")
    if cur: keep.append(l)
sys.stdout.write("\n".join(keep) + "\n\n" + body)
PY
}
# smime_der MAIL OUT: the DER of MAIL's last base64 body part.
# smime_put MAIL DER OUT: MAIL with that part's content replaced by DER.
cat >"$T/b64.py" <<'PY'
import base64, re, sys
mode, path = sys.argv[1], sys.argv[2]
data = open(path, encoding="utf-8").read()
i = data.rfind("Content-Transfer-Encoding: base64")
j = data.index("\n\n", i) + 2
b64 = re.match(r"[A-Za-z0-9+/=\n]+", data[j:]).group(0)
if mode == "get":
    open(sys.argv[3], "wb").write(base64.b64decode(b64))
else:
    new = base64.encodebytes(open(sys.argv[3], "rb").read()).decode()
    open(sys.argv[4], "w", encoding="utf-8").write(data[:j] + new + data[j + len(b64):])
PY
smime_der() { python3 "$T/b64.py" get "$1" "$2"; }
smime_put() { python3 "$T/b64.py" put "$1" "$2" "$3"; }
