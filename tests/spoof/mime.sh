#!/bin/sh
# Spoofing resistance, MIME layer: a good signed part wrapped in unsigned
# MIME that shows other text (prepended text or HTML, cid: references,
# attachments, alternatives, forwarding).  inkan must say partially-signed
# and which part is signed, never valid.  TAP output.
. "$(dirname "$0")/../lib.sh"
need python3 python3
. "$(dirname "$0")/common.sh"

ALICE="-k $PKI/alice.p12 $PF"
check "alice signs plain.eml (multipart/signed)" "$INKAN" sign $ALICE -o "$T/signed.eml" "$MAIL/plain.eml"
check "alice signs plain.eml (signed-data)" "$INKAN" sign --opaque $ALICE -o "$T/opaque.eml" "$MAIL/plain.eml"
check "mallory signs her own mail" sh -c 'sed "s/^From: .*/From: mallory@example.net/" "$1" >"$2" &&
  "$3" sign -k "$4/mallory.p12" --passphrase-file "$4/passphrase.txt" -o "$5" "$2"' - "$MAIL/plain.eml" "$T/m-in.eml" "$INKAN" "$PKI" "$T/mallory.eml"
is "valid:" "baseline: the signed mail itself" "$T/signed.eml"
is "valid:" "baseline: the signed-data mail itself" "$T/opaque.eml"
body_of "$T/signed.eml" >"$T/signed.part"
body_of "$T/opaque.eml" >"$T/opaque.part"
body_of "$T/mallory.eml" >"$T/mallory.part"
check "the extracted signed part starts with its Content-Type" grep -q '^Content-Type: multipart/signed' "$T/signed.part"

# wrap FILE SUBTYPE PART...: a mail from alice whose body is multipart/SUBTYPE
# of the given parts (files holding whole MIME entities).
wrap() {
  out=$1 sub=$2; shift 2
  { hdr 'Alice Example <alice@example.org>' 'wrapped'
    printf 'Content-Type: multipart/%s; boundary="outer-%s"\n\nThis is a multi-part message in MIME format.\n' "$sub" "$sub"
    for p in "$@"; do printf -- '--outer-%s\n' "$sub"; cat "$p"; printf '\n'; done
    printf -- '--outer-%s--\n' "$sub"; } >"$out"
}
# part_is FILE WANT: the signed_part reported for FILE.
part_is() {
  got=$(vj "$1" 'd["signed_part"]')
  if [ "$got" = "$2" ]; then ok "$3: signed part $2"; else not_ok "$3: want signed part $2, got $got"; fi
}

printf 'Content-Type: text/plain; charset=us-ascii\n\nAlice: I also agree to transfer 10,000 EUR to account 5678 today.\n' >"$T/text.part"
printf 'Content-Type: text/html; charset=us-ascii\n\n<html><body><p>Payment approved by Alice.</p><div style="display:none">\n</div></body></html>\n' >"$T/html.part"
printf 'Content-Type: text/html; charset=us-ascii\n\n<html><body><p>Approved.</p><iframe src="cid:signed@example.org"></iframe><img src="cid:signed@example.org"></body></html>\n' >"$T/cid.part"
printf 'Content-Type: text/plain; charset=us-ascii\n\n-- \nThe list footer.\n' >"$T/footer.part"

wrap "$T/prepend-text.eml" mixed "$T/text.part" "$T/signed.part"
is "valid-signature:partially-signed" "text prepended in multipart/mixed" "$T/prepend-text.eml"
part_is "$T/prepend-text.eml" 2 "text prepended"
exit_is 1 "text prepended" "$T/prepend-text.eml"
expect_rc 1 "text report" "$INKAN" verify $TRUST "$T/prepend-text.eml"
check "text report says which part is signed" grep -q '^  signed part: 2$' "$T/out"
check "text report says only a part is signed" grep -q 'Only a part of this mail is signed' "$T/out"

wrap "$T/prepend-html.eml" mixed "$T/html.part" "$T/signed.part"
is "valid-signature:partially-signed" "HTML prepended (hiding what follows)" "$T/prepend-html.eml"
part_is "$T/prepend-html.eml" 2 "HTML prepended"

wrap "$T/footer.eml" mixed "$T/signed.part" "$T/footer.part"
is "valid-signature:partially-signed" "a footer appended (mailing list)" "$T/footer.eml"
part_is "$T/footer.eml" 1 "footer appended"

{ printf 'Content-ID: <signed@example.org>\n'; cat "$T/signed.part"; } >"$T/signed-cid.part"
check "the cid part has a Content-ID" grep -q '^Content-ID: <signed@example.org>' "$T/signed-cid.part"
wrap "$T/cid.eml" related "$T/cid.part" "$T/signed-cid.part"
is "valid-signature:partially-signed" "signed part referenced from HTML by cid: (multipart/related)" "$T/cid.eml"
part_is "$T/cid.eml" 2 "cid: reference"

{ printf 'Content-Disposition: attachment; filename="original.eml"\n'; cat "$T/signed.part"; } >"$T/signed-att.part"
wrap "$T/attachment.eml" mixed "$T/text.part" "$T/signed-att.part"
is "valid-signature:partially-signed" "signed part hidden as an attachment" "$T/attachment.eml"
part_is "$T/attachment.eml" 2 "attachment"

wrap "$T/alternative.eml" alternative "$T/text.part" "$T/signed.part"
is "valid-signature:partially-signed" "signed part as one of multipart/alternative" "$T/alternative.eml"
part_is "$T/alternative.eml" 2 "alternative"

wrap "$T/inner.part.eml" mixed "$T/text.part" "$T/signed.part"
body_of "$T/inner.part.eml" >"$T/inner.part"
wrap "$T/nested.eml" mixed "$T/html.part" "$T/inner.part"
is "valid-signature:partially-signed" "signed part two levels down" "$T/nested.eml"
part_is "$T/nested.eml" 2.2 "two levels down"

wrap "$T/opaque-wrapped.eml" mixed "$T/text.part" "$T/opaque.part"
is "valid-signature:partially-signed" "signed-data part prepended with text" "$T/opaque-wrapped.eml"
part_is "$T/opaque-wrapped.eml" 2 "signed-data wrapped"

# Two signed parts: the first one (depth first) is reported.
wrap "$T/two-a.eml" mixed "$T/signed.part" "$T/mallory.part"
is "valid-signature:partially-signed" "alice's part, then mallory's" "$T/two-a.eml"
part_is "$T/two-a.eml" 1 "alice's first"
wrap "$T/two-m.eml" mixed "$T/mallory.part" "$T/signed.part"
is "valid-signature:from-mismatch,partially-signed" "mallory's part, then alice's (From alice)" "$T/two-m.eml"
part_is "$T/two-m.eml" 1 "mallory's first"

# ---------------------------------------------------------------- forwarded mail
fwd() {
  { hdr "$2" 'Fwd: Minutes'
    printf 'Content-Type: multipart/mixed; boundary="fwd"\n\n--fwd\nContent-Type: text/plain\n\nSee below.\n\n--fwd\nContent-Type: message/rfc822\n\n'
    cat "$3"; printf '\n--fwd--\n'; } >"$1"
}
fwd "$T/fwd-bob.eml" 'Bob Example <bob@example.org>' "$T/signed.eml"
is "valid-signature:from-mismatch,partially-signed" "alice's mail forwarded by bob" "$T/fwd-bob.eml"
part_is "$T/fwd-bob.eml" 2 "forwarded"
fwd "$T/fwd-alice.eml" 'Alice Example <alice@example.org>' "$T/signed.eml"
is "valid-signature:partially-signed" "alice's mail 'forwarded' under her own From" "$T/fwd-alice.eml"
{ hdr 'Alice Example <alice@example.org>' 'Fwd'; printf 'Content-Type: message/rfc822\n\n'; cat "$T/signed.eml"; } >"$T/fwd-whole.eml"
is "valid-signature:partially-signed" "the whole body is a forwarded message/rfc822" "$T/fwd-whole.eml"
part_is "$T/fwd-whole.eml" 1 "the forwarded body"

# ---------------------------------------------------------------- structure of multipart/signed itself
python3 - "$T/signed.eml" >"$T/three.eml" <<'PY'
import re, sys
d = open(sys.argv[1]).read()
b = re.search(r'boundary="([^"]+)"', d).group(1)
i = d.rindex("--" + b + "--")
sys.stdout.write(d[:i] + "--" + b + "\nContent-Type: text/plain\n\nAdded after signing.\n" + d[i:])
PY
expect_rc 8 "multipart/signed with a third part added: exit 8" "$INKAN" verify $TRUST "$T/three.eml"
check "... one line on stderr" test "$(wc -l <"$T/err")" -eq 1
sed 's#protocol="application/pkcs7-signature"#protocol="application/pgp-signature"#' "$T/signed.eml" >"$T/pgp-proto.eml"
check "protocol changed to PGP" grep -q 'pgp-signature' "$T/pgp-proto.eml"
is "not-signed:" "multipart/signed relabelled protocol=application/pgp-signature" "$T/pgp-proto.eml"
finish
