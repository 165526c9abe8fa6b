#!/bin/sh
# make-mail-corpus.sh OUTDIR VALID TAMPERED MISMATCH UNTRUSTED EXPIRED ENCRYPTED UNSIGNED
#
# Writes OUTDIR/Maildir (cur/ new/ tmp/) and OUTDIR/mbox holding the same
# messages: that many copies of seven templates made with inkan and
# openssl from the test PKI ($PKI) and samples/mail/plain.eml ($MAIL):
#   valid      signed by alice (MV Strict, two-level chain), From alice
#   tampered   the valid mail with one word of the signed text changed
#   mismatch   signed by alice, From bob (--allow-address-mismatch)
#   untrusted  signed by oscar (alice@example.org under an untrusted root)
#   expired    signed by frank, whose certificate expired 30 days ago
#              (openssl cms, since inkan refuses to sign with it)
#   encrypted  encrypted to bob
#   unsigned   plain.eml
# Copies are written by one python3 process, so 10,000 mails take about a
# second.  Uses $INKAN (the binary), $PKI, $MAIL; BODY_KB=N pads the body of
# every template to about N KB (for bench/scan.sh).
set -eu
OUT=$1; shift
[ "$#" -eq 7 ] || { echo "usage: $0 OUTDIR VALID TAMPERED MISMATCH UNTRUSTED EXPIRED ENCRYPTED UNSIGNED" >&2; exit 2; }
TPL=$OUT/templates
mkdir -p "$TPL"
PF="--passphrase-file $PKI/passphrase.txt"

# The base message, optionally padded (lines of text that never start with "From ").
python3 - "$MAIL/plain.eml" "$TPL/plain.eml" "${BODY_KB:-0}" <<'PY'
import sys
src, dst, kb = sys.argv[1], sys.argv[2], int(sys.argv[3])
text = open(src).read()
if kb:
    line = "The quick brown fox jumps over the lazy dog; minutes follow. 0123456789\n"
    text = text.rstrip("\n") + "\n\n" + line * (kb * 1024 // len(line)) + "\n"
open(dst, "w").write(text)
PY
sed 's/^From: .*/From: Bob Example <bob@example.org>/' "$TPL/plain.eml" >"$TPL/plain-from-bob.eml"
sed 's/^From: .*/From: Frank Example <frank@example.org>/' "$TPL/plain.eml" >"$TPL/plain-from-frank.eml"

# shellcheck disable=SC2086
"$INKAN" sign -k "$PKI/alice.p12" $PF "$TPL/plain.eml" -o "$TPL/valid.eml" 2>/dev/null
sed 's/Thursday, 10:00/Thursday, 11:00/' "$TPL/valid.eml" >"$TPL/tampered.eml"
cmp -s "$TPL/valid.eml" "$TPL/tampered.eml" && { echo "$0: could not tamper" >&2; exit 1; }
# shellcheck disable=SC2086
"$INKAN" sign -k "$PKI/alice.p12" $PF --allow-address-mismatch "$TPL/plain-from-bob.eml" -o "$TPL/mismatch.eml" 2>/dev/null
# shellcheck disable=SC2086
"$INKAN" sign -k "$PKI/oscar.p12" $PF "$TPL/plain.eml" -o "$TPL/untrusted.eml" 2>/dev/null
{ printf 'Content-Type: text/plain; charset=us-ascii\n\n'; sed '1,/^$/d' "$TPL/plain.eml"; } >"$TPL/entity"
openssl cms -sign -in "$TPL/entity" -signer "$PKI/frank.cert.pem" -inkey "$PKI/frank.key.pem" \
    -certfile "$PKI/chain.pem" -md sha256 -from "Frank Example <frank@example.org>" -to bob@example.org \
    -subject "signed with an expired certificate" -out "$TPL/expired.eml" 2>/dev/null
"$INKAN" encrypt -r "$PKI/bob.cert.pem" "$TPL/plain.eml" -o "$TPL/encrypted.eml" 2>/dev/null
cp "$TPL/plain.eml" "$TPL/unsigned.eml"

python3 - "$OUT" "$TPL" "$@" <<'PY'
import os, sys
out, tpl = sys.argv[1], sys.argv[2]
kinds = ["valid", "tampered", "mismatch", "untrusted", "expired", "encrypted", "unsigned"]
counts = [int(x) for x in sys.argv[3:]]
md = os.path.join(out, "Maildir")
for d in ("cur", "new", "tmp"):
    os.makedirs(os.path.join(md, d), exist_ok=True)
with open(os.path.join(out, "mbox"), "wb") as mbox:
    n = 0
    for kind, count in zip(kinds, counts):
        data = open(os.path.join(tpl, kind + ".eml"), "rb").read().replace(b"\r\n", b"\n")
        assert b"\nFrom " not in data, kind
        for i in range(count):
            n += 1
            # Alternate cur/ and new/ so that both are walked.
            sub = "cur" if n % 2 else "new"
            name = "1767225600.%06d_%s.inkan-test%s" % (n, kind, ":2,S" if sub == "cur" else "")
            with open(os.path.join(md, sub, name), "wb") as f:
                f.write(data)
            mbox.write(b"From MAILER-DAEMON Thu Jan  1 00:00:00 2026\n" + data.rstrip(b"\n") + b"\n\n")
PY
