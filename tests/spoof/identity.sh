#!/bin/sh
# Spoofing resistance, identity: good signatures under a From (and Sender)
# field that says someone else, and the exact verdict.  The header is not
# signed, so these are edits an attacker makes after signing; inkan's
# sign-time refusals are in tests/cli/address-check.sh.  TAP output.
. "$(dirname "$0")/../lib.sh"
need python3 python3
need openssl openssl
. "$(dirname "$0")/common.sh"

check "alice signs plain.eml" "$INKAN" sign -k "$PKI/alice.p12" $PF -o "$T/alice.eml" "$MAIL/plain.eml"
check "taro signs taro-idn.eml" "$INKAN" sign -k "$PKI/taro.p12" $PF -o "$T/taro.eml" "$MAIL/taro-idn.eml"
is "valid:" "baseline: alice" "$T/alice.eml"
is "valid:" "baseline: taro (From 太郎@例え.jp)" "$T/taro.eml"

# with_from SRC OUT FIELD...: SRC with its From field replaced by the given
# header lines (none: no From at all).
with_from() {
  src=$1 out=$2; shift 2
  python3 - "$src" "$@" >"$out" <<'PY'
import sys
data = open(sys.argv[1], encoding="utf-8").read()
head, sep, body = data.partition("\n\n")
lines = [l for l in head.split("\n") if not l.startswith("From:")]
sys.stdout.write("\n".join(sys.argv[2:] + lines) + sep + body)
PY
}
# row SRC VERDICT DESCRIPTION FIELD...: the mail SRC under the given From
# (and other) fields must get exactly VERDICT.
n=0
row() {
  src=$1 want=$2 desc=$3; shift 3
  n=$((n + 1))
  with_from "$src" "$T/row$n.eml" "$@"
  is "$want" "$desc" "$T/row$n.eml"
}
A="$T/alice.eml"
MM="valid-signature:from-mismatch"

# ---------------------------------------------------------------- From is not the signer
row "$A" "$MM" "From: bob (signer alice)" 'From: Bob Example <bob@example.org>'
row "$A" "$MM" "From: mallory" 'From: mallory@example.net'
row "$A" "$MM" "display name is the signer's address, mailbox is bob's" 'From: "alice@example.org" <bob@example.org>'
row "$A" "$MM" "unquoted display name with the signer's address" 'From: alice@example.org <bob@example.org>'
row "$A" "$MM" "signer's address in a comment" 'From: bob@example.org (alice@example.org)'
row "$A" "$MM" "signer's address as an encoded-word display name" 'From: =?UTF-8?Q?alice=40example=2Eorg?= <bob@example.org>'
row "$A" "valid:" "display name says bob, mailbox is alice's (the mailbox decides)" 'From: "bob@example.org" <alice@example.org>'

# ---------------------------------------------------------------- empty, missing, several
row "$A" "$MM" "no From field"
row "$A" "$MM" "empty From field" 'From:'
row "$A" "$MM" "From with only a display name" 'From: Alice Example'
row "$A" "$MM" "From is an empty group" 'From: undisclosed-recipients:;'
# RFC 6854 allows a group in From; its one mailbox is the author's.
row "$A" "valid:" "From is a group holding only alice" 'From: Friends: alice@example.org;'
row "$A" "$MM" "two From addresses (alice, bob)" 'From: alice@example.org, bob@example.org'
row "$A" "$MM" "two From addresses (bob, alice)" 'From: bob@example.org, alice@example.org'
row "$A" "$MM" "alice twice in one From field" 'From: alice@example.org, alice@example.org'
row "$A" "$MM" "two From fields (alice, bob)" 'From: alice@example.org' 'From: bob@example.org'
row "$A" "$MM" "two From fields (bob, alice)" 'From: bob@example.org' 'From: alice@example.org'
row "$A" "$MM" "two From fields, both alice" 'From: alice@example.org' 'From: Alice <alice@example.org>'
row "$A" "$MM" "a second From field spelled 'FROM :'" 'From: alice@example.org' 'FROM : bob@example.org'
row "$A" "$MM" "addresses separated by ';'" 'From: bob@example.org; alice@example.org'
row "$A" "$MM" "an empty From field above alice's" 'From:' 'From: alice@example.org'
check "the ambiguous From is shown as written" \
  test "$(with_from "$A" "$T/amb.eml" 'From: alice@example.org' 'From: bob@example.org'; vj "$T/amb.eml" 'd["from"]')" = \
       "alice@example.org | bob@example.org"

# ---------------------------------------------------------------- From and Sender
row "$A" "valid:" "From alice, Sender bob (bob sent alice's signed mail)" 'From: alice@example.org' 'Sender: bob@example.org'
check "... and Sender is reported" test "$(vj "$T/row$n.eml" 'd["sender"]')" = "bob@example.org"
row "$A" "$MM" "From bob, Sender alice (only From is compared)" 'From: bob@example.org' 'Sender: alice@example.org'
row "$A" "$MM" "no From, Sender alice" 'Sender: alice@example.org'
row "$A" "$MM" "From empty group, Sender alice" 'From: undisclosed-recipients:;' 'Sender: alice@example.org'
row "$A" "valid:" "From alice, Resent-From bob (not a From field)" 'From: alice@example.org' 'Resent-From: bob@example.org'

# ---------------------------------------------------------------- prefix, suffix, look-alikes
for addr in alice@example.or alice@example.org.evil.com alice@example.orgg lice@example.org xalice@example.org \
            alice@exampleorg alice.example.org@example.org 'alice@example.org@evil.com' 'alice%example.org@evil.com' \
            '"alice@example.org"@evil.com' 'alice@[192.0.2.1]'; do
  row "$A" "$MM" "look-alike $addr" "From: $addr"
done
# IDNA homographs: Cyrillic а (U+0430) in the domain and in the local part,
# Greek ο (U+03BF), and their A-label forms.
for addr in 'alice@exаmple.org' 'аlice@example.org' 'alice@exampӏe.org' 'alice@example.οrg' \
            'alice@xn--exmple-4nf.org' 'alice@xn--example-.org'; do
  row "$A" "$MM" "homograph $addr" "From: $addr"
done

# ---------------------------------------------------------------- forms of the same mailbox
for addr in 'ALICE@EXAMPLE.ORG' 'Alice@Example.Org' 'alice@EXAMPLE.org' '<alice@example.org>' \
            '"Alice Example" <alice@example.org>' 'alice@example.org (Alice)' \
            '=?UTF-8?B?5pyJ5qOu?= <alice@example.org>'; do
  row "$A" "valid:" "same mailbox written as $addr" "From: $addr"
done
# A quoted local part is compared as written (conservative: RFC 5321 would
# call "alice"@ and alice@ the same mailbox; no client writes it so).
row "$A" "$MM" "quoted local part \"alice\"@example.org" 'From: "alice"@example.org'
# Invisible or width variants that IDNA (UTS #46) maps to example.org: the
# domain shown is example.org, so they are the signer's own address.
for addr in 'alice@ｅｘａｍｐｌｅ.org' 'alice@EXAMPLE.ORG.' ; do
  with_from "$A" "$T/map.eml" "From: $addr"
  got=$(v "$T/map.eml")
  case $got in valid:|valid-signature:from-mismatch) ok "IDNA-mapped $addr: valid or from-mismatch, never invalid ($got)";;
    *) not_ok "IDNA-mapped $addr: got $got";; esac
done

# ---------------------------------------------------------------- U-labels and A-labels (taro: rfc822Name
# taro@xn--r8jz45g.jp, SmtpUTF8Mailbox 太郎@例え.jp)
TA="$T/taro.eml"
for addr in 'taro@xn--r8jz45g.jp' 'taro@例え.jp' 'TARO@XN--R8JZ45G.JP' '太郎@xn--r8jz45g.jp' '太郎@例え.JP' \
            'Taro Yamada <taro@例え.jp>'; do
  row "$TA" "valid:" "taro as $addr" "From: $addr"
done
for addr in '次郎@例え.jp' 'taro@例え.jp.evil.com' 'taro@xn--r8jz45g.jpn' '太郎@例え.com' 'taro@例え.co.jp' \
            '太郎@例える.jp'; do
  row "$TA" "valid-signature:from-mismatch" "not taro: $addr" "From: $addr"
done

# ---------------------------------------------------------------- a certificate FOR a look-alike domain
# mallory holds a real certificate for alice@xn--exmple-4nf.org (exаmple.org
# with a Cyrillic а).  The From field matches it, so the verdict is valid;
# what protects the reader is that the signer is shown in A-label form.
mkcert() {
  printf 'keyUsage=critical,digitalSignature,keyEncipherment\nextendedKeyUsage=emailProtection\nsubjectAltName=email:alice@xn--exmple-4nf.org\n' >"$T/ext"
  openssl req -new -newkey rsa:2048 -nodes -keyout "$T/homo.key.pem" -subj "/CN=alice" -out "$T/homo.csr" 2>/dev/null &&
  openssl x509 -req -in "$T/homo.csr" -CA "$PKI/ca.pem" -CAkey "$PKI/ca.key.pem" -set_serial 99 -days 30 \
    -extfile "$T/ext" -out "$T/homo.cert.pem" 2>/dev/null &&
  cat "$T/homo.key.pem" "$T/homo.cert.pem" "$PKI/ca.pem" >"$T/homo.pem"
}
check "a certificate for alice@xn--exmple-4nf.org from the trusted CA" mkcert
with_from "$MAIL/plain.eml" "$T/homo-in.eml" 'From: Alice Example <alice@exаmple.org>'
check "the look-alike signs its own look-alike address" "$INKAN" sign -k "$T/homo.pem" -o "$T/homo.eml" "$T/homo-in.eml"
is "valid:" "look-alike certificate, look-alike From" "$T/homo.eml"
expect_rc 0 "verify text report" "$INKAN" verify $TRUST "$T/homo.eml"
check "the Signer line shows the A-label, not the look-alike" grep -q '^  Signer: alice@xn--exmple-4nf.org (the From address)$' "$T/out"
with_from "$T/homo.eml" "$T/homo-real.eml" 'From: Alice Example <alice@example.org>'
is "valid-signature:from-mismatch" "look-alike certificate under the real alice@example.org" "$T/homo-real.eml"
finish
