#!/bin/sh
# The verify cache (core/verify-cache.c) across many messages in one
# process, with threads: bench/verify-rate.c verifies the same mails again
# and again with one InkanTrust.  Cached certificates and trusted chains
# must never make an untrusted signer look trusted: noeku (same CA as alice,
# no emailProtection) and oscar (alice's address under an untrusted root)
# stay "not valid" however often alice's chain was found trusted first.
. "$(dirname "$0")/../lib.sh"
need cc gcc
need openssl openssl
need pkg-config pkg-config

BUILD=$(cd "$(dirname "$INKAN")/.." && pwd)
SAN=
ldd "$INKAN" 2>/dev/null | grep -q 'libasan' && SAN="-fsanitize=address,undefined"
SRC=$(cd "$(dirname "$0")/../.." && pwd)
# shellcheck disable=SC2046
check "build bench/verify-rate.c against this build's libinkan" \
  cc -O1 -std=gnu11 $SAN -o "$T/verify-rate" "$SRC/bench/verify-rate.c" -I"$SRC/core" \
    $(pkg-config --cflags --libs gmime-3.0 openssl glib-2.0) -L"$BUILD/core" -linkan -Wl,-rpath,"$BUILD/core"
[ -x "$T/verify-rate" ] || { finish; exit 1; }

cat "$PKI/alice.key.pem" "$PKI/alice.cert.pem" "$PKI/chain.pem" >"$T/alice.pem"
for i in 1 2 3; do
  sed "s/^Subject: .*/Subject: cache $i/" "$MAIL/plain.eml" >"$T/plain-$i.eml"
  check "setup: alice signs mail $i" "$INKAN" sign -k "$T/alice.pem" -o "$T/alice-$i.eml" "$T/plain-$i.eml"
done
check "setup: a mail signed by noeku (openssl)" openssl_signed_mail noeku alice@example.org "$T/noeku.eml"
check "setup: a mail signed by oscar (openssl)" openssl_signed_mail oscar alice@example.org "$T/oscar.eml"

expect_rc 0 "600 verifications of alice's mails, 1 thread: all valid" \
  "$T/verify-rate" -n 600 "$PKI/anchors.pem" "$T"/alice-*.eml
expect_rc 0 "600 verifications of alice's mails, 2 threads: all valid" \
  "$T/verify-rate" -n 600 -j 2 "$PKI/anchors.pem" "$T"/alice-*.eml
expect_rc 1 "alice, noeku and oscar interleaved, 2 threads: some not valid" \
  "$T/verify-rate" -n 500 -j 2 "$PKI/anchors.pem" "$T"/alice-1.eml "$T/noeku.eml" "$T"/alice-2.eml "$T/oscar.eml" "$T"/alice-3.eml
check "... exactly the 200 from noeku and oscar" grep -q '200 of 500 verifications' "$T/err"
expect_rc 1 "untrusted first, then alice: the untrusted ones still fail" \
  "$T/verify-rate" -n 300 "$PKI/anchors.pem" "$T/oscar.eml" "$T/noeku.eml" "$T"/alice-1.eml
check "... exactly 200 of 300" grep -q '200 of 300 verifications' "$T/err"
finish
