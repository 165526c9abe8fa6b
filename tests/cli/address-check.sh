#!/bin/sh
# The product's promise: inkan signs only when every From (and Sender)
# mailbox is an address of the signing certificate, and verify says
# whether the signer is the From address.  TAP output.
. "$(dirname "$0")/../lib.sh"
need python3 python3

ALICE="$PKI/alice.p12"
TRUST="--trust $PKI/root.pem"

# json EXPR: evaluates EXPR over the JSON document on stdin (bound to d).
json() { python3 -c 'import json,sys; d=json.load(sys.stdin); print(eval(sys.argv[1]))' "$1"; }
# one_line FILE: FILE has exactly one line.
one_line() { [ "$(wc -l <"$1")" -eq 1 ]; }
# from_is FILE HEADER-VALUE: a copy of FILE with its From header replaced.
from_is() { sed "s/^From: .*/From: $2/" "$1"; }
# bare ADDRESS-FIELD: the mailbox inside <...>, or the field itself.
bare() { case $1 in *"<"*">"*) b=${1#*<}; echo "${b%%>*}";; *) echo "$1";; esac; }
# has_from FILE VALUE: FILE has exactly the one From field VALUE (so that a
# refusal below is about that address, not about a broken test input).
has_from() { [ "$(grep -c '^From: ' "$1")" -eq 1 ] && grep -qxF "From: $2" "$1"; }
# v FILE: verdict:flags of FILE (trusting the test root).
v() { verdict "$1" $TRUST; }
# is_verdict WANT FILE
is_verdict() { [ "${2%%:*}" = "$1" ]; }
# signers_match FILE: the list of from_match values, e.g. "[True]".
signers_match() { "$INKAN" verify --json $TRUST "$1" 2>/dev/null | json '[s["from_match"] for s in d["signers"]]'; }

# ---------------------------------------------------------------- (a) From: bob signed by alice
out="$T/a-out.eml"
expect_rc 7 "alice refuses to sign from-bob.eml (multipart/signed)" \
  "$INKAN" sign -k "$ALICE" $PF -o "$out" "$MAIL/from-bob.eml"
check "refusal is one stderr line" one_line "$T/err"
check "refusal names bob@example.org" grep -q 'bob@example\.org' "$T/err"
check "refusal names alice@example.org" grep -q 'alice@example\.org' "$T/err"
check "refusal starts with 'inkan sign: '" grep -q '^inkan sign: ' "$T/err"
check "no output file after refusal" test ! -e "$out"
check "no temporary file left after refusal" sh -c '! ls "$1".* >/dev/null 2>&1' - "$out"

expect_rc 7 "alice refuses to sign from-bob.eml (--opaque)" \
  "$INKAN" sign --opaque -k "$ALICE" $PF -o "$out" "$MAIL/from-bob.eml"
check "--opaque refusal is one line naming both addresses" \
  sh -c '[ "$(wc -l <"$1")" -eq 1 ] && grep -q bob@example.org "$1" && grep -q alice@example.org "$1"' - "$T/err"
check "no output file after --opaque refusal" test ! -e "$out"

expect_rc 7 "encrypt --sign as alice refuses from-bob.eml" \
  "$INKAN" encrypt -r "$PKI/bob.cert.pem" --sign -k "$ALICE" $PF -o "$out" "$MAIL/from-bob.eml"
check "encrypt --sign refusal is one line naming both addresses" \
  sh -c '[ "$(wc -l <"$1")" -eq 1 ] && grep -q bob@example.org "$1" && grep -q alice@example.org "$1"' - "$T/err"
check "no output file after encrypt --sign refusal" test ! -e "$out"

expect_rc 7 "encrypt --sign --opaque as alice refuses from-bob.eml" \
  "$INKAN" encrypt -r "$PKI/bob.cert.pem" --sign --opaque -k "$ALICE" $PF -o "$out" "$MAIL/from-bob.eml"
check "no output file after encrypt --sign --opaque refusal" test ! -e "$out"

# stdin/stdout form: nothing at all on stdout.
expect_rc 7 "alice refuses from-bob.eml read from stdin" \
  sh -c '"$INKAN" sign -k "$1" $2 <"$3"' - "$ALICE" "$PF" "$MAIL/from-bob.eml"
check "nothing on stdout after refusal" test ! -s "$T/out"

# An existing OUT is left exactly as it was.
printf 'previous content\n' >"$T/keep.eml"
expect_rc 7 "refusal with -o over an existing file" \
  "$INKAN" sign -k "$ALICE" $PF -o "$T/keep.eml" "$MAIL/from-bob.eml"
check "existing output file is untouched" grep -qx 'previous content' "$T/keep.eml"

# ---------------------------------------------------------------- (b) Sender: bob
expect_rc 7 "alice refuses sender.eml (Sender: bob@example.org)" \
  "$INKAN" sign -k "$ALICE" $PF -o "$out" "$MAIL/sender.eml"
check "Sender refusal names bob@example.org" grep -q 'bob@example\.org' "$T/err"
check "Sender refusal is one line" one_line "$T/err"
check "no output file after Sender refusal" test ! -e "$out"
expect_rc 7 "bob refuses sender.eml too (From: alice)" \
  "$INKAN" sign -k "$PKI/bob.p12" $PF -o "$out" "$MAIL/sender.eml"
check "no output file after bob's refusal" test ! -e "$out"

# ---------------------------------------------------------------- (c) --allow-address-mismatch
mm="$T/c-mismatch.eml"
expect_rc 0 "--allow-address-mismatch signs from-bob.eml with alice" \
  "$INKAN" sign --allow-address-mismatch -k "$ALICE" $PF -o "$mm" "$MAIL/from-bob.eml"
vd=$(v "$mm")
check "verify: valid-signature ($vd)" is_verdict valid-signature "$vd"
check "verify: flag from-mismatch ($vd)" has_flag "$vd" from-mismatch
expect_rc 1 "verify of the mismatched signature exits 1" "$INKAN" verify $TRUST "$mm"
check "text verdict says NOT VALID" grep -q 'NOT VALID' "$T/out"
check "JSON from_match is false" test "$(signers_match "$mm")" = "[False]"
check "JSON signature_valid and chain_trusted are true" \
  test "$("$INKAN" verify --json $TRUST "$mm" | json '[(s["signature_valid"], s["chain_trusted"]) for s in d["signers"]]')" = "[(True, True)]"

# The sane case for comparison: alice signs plain.eml, verify valid.
good="$T/c-good.eml"
expect_rc 0 "alice signs plain.eml" "$INKAN" sign -k "$ALICE" $PF -o "$good" "$MAIL/plain.eml"
vd=$(v "$good")
check "plain.eml signed by alice is valid ($vd)" test "$vd" = "valid:"
expect_rc 0 "verify exits 0 for it" "$INKAN" verify $TRUST "$good"
check "JSON from_match is true" test "$(signers_match "$good")" = "[True]"

# ---------------------------------------------------------------- (d) IDN: taro
TARO="$PKI/taro.p12"
t1="$T/d-taro.eml"
expect_rc 0 "taro signs taro-idn.eml (From 太郎@例え.jp, U-label)" \
  "$INKAN" sign -k "$TARO" $PF -o "$t1" "$MAIL/taro-idn.eml"
vd=$(v "$t1")
check "taro-idn.eml verifies valid ($vd)" test "$vd" = "valid:"
expect_rc 0 "verify exits 0" "$INKAN" verify $TRUST "$t1"
check "from_match true" test "$(signers_match "$t1")" = "[True]"

i=0
for addr in 'taro@xn--r8jz45g.jp' 'TARO@XN--R8JZ45G.JP' 'Taro Yamada <taro@xn--r8jz45g.jp>' \
            'taro@例え.jp' '太郎@xn--r8jz45g.jp' '太郎@例え.JP'; do
  i=$((i + 1))
  from_is "$MAIL/taro-idn.eml" "$addr" >"$T/d-in$i.eml"
  check "test input has From: $addr" has_from "$T/d-in$i.eml" "$addr"
  expect_rc 0 "taro signs From: $addr" "$INKAN" sign -k "$TARO" $PF -o "$T/d-out$i.eml" "$T/d-in$i.eml"
  vd=$(v "$T/d-out$i.eml")
  check "From: $addr verifies valid ($vd)" test "$vd" = "valid:"
  check "From: $addr from_match true" test "$(signers_match "$T/d-out$i.eml")" = "[True]"
done

# ... but not a different mailbox at the same IDN domain, nor a look-alike domain.
for addr in '次郎@例え.jp' '太郎@例え.jp.evil.com' 'taro@xn--r8jz45g.jp.evil.com' 'taro@xn--r8jz45g.j'; do
  from_is "$MAIL/taro-idn.eml" "$addr" >"$T/d-bad.eml"
  expect_rc 7 "taro refuses From: $addr" "$INKAN" sign -k "$TARO" $PF -o "$T/d-bad.out" "$T/d-bad.eml"
  # (the domain may be shown as U-labels, so look for the local part)
  check "the refusal names ${addr%%@*}@..." grep -qF " ${addr%%@*}@" "$T/err"
done
check "no output file after the IDN refusals" test ! -e "$T/d-bad.out"

# ---------------------------------------------------------------- (e) prefix / suffix look-alikes
for addr in 'alice@example.or' 'alice@example.org.evil.com' 'Alice <alice@example.or>' \
            'alice@exаmple.org' 'аlice@example.org' 'lice@example.org' 'xalice@example.org'; do
  from_is "$MAIL/plain.eml" "$addr" >"$T/e-in.eml"
  expect_rc 7 "alice refuses From: $addr" "$INKAN" sign -k "$ALICE" $PF -o "$T/e-out.eml" "$T/e-in.eml"
  check "the refusal names $(bare "$addr")" grep -qF " $(bare "$addr") " "$T/err"
  check "no output for From: $addr" test ! -e "$T/e-out.eml"
  expect_rc 0 "--allow-address-mismatch signs From: $addr" \
    "$INKAN" sign --allow-address-mismatch -k "$ALICE" $PF -o "$T/e-out.eml" "$T/e-in.eml"
  vd=$(v "$T/e-out.eml")
  check "From: $addr verifies with from-mismatch ($vd)" has_flag "$vd" from-mismatch
  check "From: $addr is not valid ($vd)" is_verdict valid-signature "$vd"
  check "From: $addr from_match false" test "$(signers_match "$T/e-out.eml")" = "[False]"
  rm -f "$T/e-out.eml"
done

# Changing From after signing (outer headers are not signed).
from_is "$good" 'alice@example.or' >"$T/e-edited.eml"
vd=$(v "$T/e-edited.eml")
check "From edited to alice@example.or after signing: from-mismatch ($vd)" has_flag "$vd" from-mismatch
expect_rc 1 "... and verify exits 1" "$INKAN" verify $TRUST "$T/e-edited.eml"
from_is "$good" 'alice@example.org.evil.com' >"$T/e-edited.eml"
vd=$(v "$T/e-edited.eml")
check "From edited to alice@example.org.evil.com: from-mismatch ($vd)" has_flag "$vd" from-mismatch

# ---------------------------------------------------------------- (f) display-name spoof
from_is "$MAIL/plain.eml" '"alice@example.org" <mallory@example.net>' >"$T/f-spoof.eml"
check "test input has the spoofed From" has_from "$T/f-spoof.eml" '"alice@example.org" <mallory@example.net>'
expect_rc 0 "mallory signs the display-name spoof (her own address)" \
  "$INKAN" sign -k "$PKI/mallory.p12" $PF -o "$T/f-mallory.eml" "$T/f-spoof.eml"
"$INKAN" verify --json $TRUST "$T/f-mallory.eml" >"$T/f.json" 2>/dev/null
check "the only signer is mallory" \
  test "$(json '[s["emails"] for s in d["signers"]]' <"$T/f.json")" = "[['mallory@example.net']]"
check "from_match true for mallory" test "$(json '[s["from_match"] for s in d["signers"]]' <"$T/f.json")" = "[True]"
check "JSON from shows the real mailbox" \
  sh -c 'python3 -c "import json,sys; d=json.load(sys.stdin); assert \"<mallory@example.net>\" in d[\"from\"]" <"$1"' - "$T/f.json"
expect_rc 0 "verify text output for the spoof" "$INKAN" verify $TRUST "$T/f-mallory.eml"
check "text From line shows <mallory@example.net>" grep -q '^  From: .*<mallory@example\.net>' "$T/out"
check "text Signer line is mallory" grep -q '^  Signer: mallory@example\.net' "$T/out"
check "text never presents alice as the signer" sh -c '! grep -q "Signer: alice" "$1"' - "$T/out"

expect_rc 7 "alice refuses the display-name spoof" \
  "$INKAN" sign -k "$ALICE" $PF -o "$T/f-alice.eml" "$T/f-spoof.eml"
check "refusal names mallory@example.net" grep -q 'mallory@example\.net' "$T/err"
check "no output after refusing the spoof" test ! -e "$T/f-alice.eml"
expect_rc 0 "alice signs the spoof with --allow-address-mismatch" \
  "$INKAN" sign --allow-address-mismatch -k "$ALICE" $PF -o "$T/f-alice.eml" "$T/f-spoof.eml"
vd=$(v "$T/f-alice.eml")
check "alice's signature on the spoof: from-mismatch ($vd)" has_flag "$vd" from-mismatch
check "alice's signature on the spoof: from_match false" test "$(signers_match "$T/f-alice.eml")" = "[False]"

# The comment and encoded-word forms of the same spoof.
for addr in 'mallory@example.net (alice@example.org)' '=?UTF-8?B?YWxpY2VAZXhhbXBsZS5vcmc=?= <mallory@example.net>'; do
  from_is "$MAIL/plain.eml" "$addr" >"$T/f-in.eml"
  expect_rc 7 "alice refuses From: $addr" "$INKAN" sign -k "$ALICE" $PF -o "$T/f-out.eml" "$T/f-in.eml"
  check "the refusal names mallory@example.net" grep -q 'mallory@example\.net' "$T/err"
  expect_rc 0 "mallory signs From: $addr" "$INKAN" sign -k "$PKI/mallory.p12" $PF -o "$T/f-out.eml" "$T/f-in.eml"
  "$INKAN" verify $TRUST "$T/f-out.eml" >"$T/f.txt" 2>/dev/null
  check "From: $addr: text shows <mallory@example.net>" grep -q '^  From: .*mallory@example\.net' "$T/f.txt"
  check "From: $addr: signer is mallory" grep -q '^  Signer: mallory@example\.net (the From address)' "$T/f.txt"
  rm -f "$T/f-out.eml"
done

# ---------------------------------------------------------------- (g) no From, two From
grep -v '^From:' "$MAIL/plain.eml" >"$T/g-nofrom.eml"
expect_rc 7 "no From header: sign exits 7" "$INKAN" sign -k "$ALICE" $PF -o "$T/g-out.eml" "$T/g-nofrom.eml"
check "no-From error is one line" one_line "$T/err"
check "no-From error mentions the missing From" grep -q 'no From' "$T/err"
check "no output without From" test ! -e "$T/g-out.eml"
from_is "$MAIL/plain.eml" 'undisclosed-senders:;' >"$T/g-group.eml"
expect_rc 7 "From with an empty group: sign exits 7" "$INKAN" sign -k "$ALICE" $PF -o "$T/g-out.eml" "$T/g-group.eml"

from_is "$MAIL/plain.eml" 'alice@example.org, bob@example.org' >"$T/g-two.eml"
check "test input has two From addresses" has_from "$T/g-two.eml" 'alice@example.org, bob@example.org'
expect_rc 7 "two From addresses: alice refuses" "$INKAN" sign -k "$ALICE" $PF -o "$T/g-out.eml" "$T/g-two.eml"
check "two-From refusal names bob@example.org" grep -q 'bob@example\.org' "$T/err"
expect_rc 0 "two From addresses: --allow-address-mismatch signs" \
  "$INKAN" sign --allow-address-mismatch -k "$ALICE" $PF -o "$T/g-out.eml" "$T/g-two.eml"
vd=$(v "$T/g-out.eml")
check "two From addresses: from-mismatch ($vd)" has_flag "$vd" from-mismatch
check "two From addresses: not valid ($vd)" is_verdict valid-signature "$vd"
check "two From addresses: from_match false" test "$(signers_match "$T/g-out.eml")" = "[False]"
rm -f "$T/g-out.eml"

# Two From header fields (alice first, bob second, and the other way round).
{ echo 'From: alice@example.org'; cat "$MAIL/from-bob.eml"; } >"$T/g-dup1.eml"
sed '1a\
From: alice@example.org' "$MAIL/from-bob.eml" >"$T/g-dup2.eml"
check "test inputs have two From fields" \
  sh -c '[ "$(grep -c "^From: " "$1")" -eq 2 ] && [ "$(grep -c "^From: " "$2")" -eq 2 ]' - "$T/g-dup1.eml" "$T/g-dup2.eml"
expect_rc 7 "two From fields (alice, bob): alice refuses" "$INKAN" sign -k "$ALICE" $PF -o "$T/g-out.eml" "$T/g-dup1.eml"
check "the refusal names bob@example.org" grep -q 'bob@example\.org' "$T/err"
expect_rc 7 "two From fields (bob, alice): alice refuses" "$INKAN" sign -k "$ALICE" $PF -o "$T/g-out.eml" "$T/g-dup2.eml"
check "the refusal names bob@example.org" grep -q 'bob@example\.org' "$T/err"
# Two mailboxes separated by ';' (Outlook's list separator; not RFC 5322
# syntax outside a group).  The field names alice@example.org, so mallory's
# certificate must not be able to sign it, and verify must not call it
# valid with the second mailbox silently dropped from the report.
semi='Mallory <mallory@example.net>; Alice <alice@example.org>'
from_is "$MAIL/plain.eml" "$semi" >"$T/g-semi.eml"
check "test input has From: $semi" has_from "$T/g-semi.eml" "$semi"
expect_rc 7 "From: $semi: mallory refuses to sign" \
  "$INKAN" sign -k "$PKI/mallory.p12" $PF -o "$T/g-semi-out.eml" "$T/g-semi.eml"
check "From: $semi: the refusal names alice@example.org" grep -q 'alice@example\.org' "$T/err"
rm -f "$T/g-semi-out.eml"
expect_rc 0 "From: $semi: --allow-address-mismatch signs" \
  "$INKAN" sign --allow-address-mismatch -k "$PKI/mallory.p12" $PF -o "$T/g-semi-out.eml" "$T/g-semi.eml"
vd=$(v "$T/g-semi-out.eml")
check "From: $semi: verify is not valid ($vd)" has_flag "$vd" from-mismatch
check "From: $semi: the reported From still names alice@example.org" \
  sh -c '"$1" verify --json $2 "$3" | grep -q "\"from\" : .*alice@example.org"' - "$INKAN" "$TRUST" "$T/g-semi-out.eml"

# A From field added above a good signature must not leave it valid.
{ echo 'From: Bob <bob@example.org>'; cat "$good"; } >"$T/g-prepended.eml"
vd=$(v "$T/g-prepended.eml")
check "extra From field prepended after signing: not valid ($vd)" has_flag "$vd" from-mismatch

# ---------------------------------------------------------------- (h) mallory signing alice's mail
expect_rc 7 "mallory refuses plain.eml (From alice)" \
  "$INKAN" sign -k "$PKI/mallory.p12" $PF -o "$T/h-out.eml" "$MAIL/plain.eml"
check "mallory's refusal names alice@example.org and mallory@example.net" \
  sh -c 'grep -q alice@example.org "$1" && grep -q mallory@example.net "$1"' - "$T/err"
check "no output after mallory's refusal" test ! -e "$T/h-out.eml"
expect_rc 7 "mallory refuses plain.eml as encrypt --sign" \
  "$INKAN" encrypt -r "$PKI/bob.cert.pem" --sign -k "$PKI/mallory.p12" $PF -o "$T/h-out.eml" "$MAIL/plain.eml"
check "no output after mallory's encrypt --sign refusal" test ! -e "$T/h-out.eml"
# Other identities with other addresses: carol, dave, oscar-like-name but other key.
for who in bob carol dave; do
  expect_rc 7 "$who refuses plain.eml (From alice)" \
    "$INKAN" sign -k "$PKI/$who.p12" $PF -o "$T/h-out.eml" "$MAIL/plain.eml"
done
check "no output after the other refusals" test ! -e "$T/h-out.eml"

finish
