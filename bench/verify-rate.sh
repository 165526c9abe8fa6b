#!/bin/sh
# In-process verification rate of ~6 KB signed mails (what `inkan scan`
# pays per mail), inkan beside OpenSSL alone in the same program, and the
# crypto limit from `openssl speed`: one SHA-256 over 6 KB plus two
# RSA-2048 verifications per mail.
#
#   bench/verify-rate.sh [N] [JOBS]
. "$(dirname "$0")/lib.sh"
N=${1:-20000}
JOBS=${2:-1}
DISTINCT=20

# The bench program, built against the measured build's libinkan.
# shellcheck disable=SC2046
cc -O2 -std=gnu11 -o "$B/verify-rate" "$HERE/verify-rate.c" -I"$SRC/core" \
  $(pkg-config --cflags --libs gmime-3.0 openssl glib-2.0) \
  -L"$BUILD/core" -linkan -Wl,-rpath,"$BUILD/core"

# DISTINCT mails of about 6 KB, signed by inkan (alice: RSA-2048 under an
# RSA-3072 issuing CA under an RSA-4096 root; the CMS carries leaf and CA).
i=0
while [ $i -lt $DISTINCT ]; do
  {
    printf 'From: Alice <alice@example.org>\nTo: Bob <bob@example.org>\nSubject: archive mail %d\n' $i
    printf 'Date: Mon, 02 Nov 2026 09:00:00 +0900\nMessage-ID: <bench-%d@example.org>\nMIME-Version: 1.0\n' $i
    printf 'Content-Type: text/plain; charset=us-ascii\n\n'
    j=0
    while [ $j -lt 20 ]; do
      printf 'Mail %d, line %02d: what an archive of signed mail holds, in about six KB.\n' $i $j
      j=$((j + 1))
    done
  } >"$B/plain-$i.eml"
  "$INKAN" sign -k "$ID" "$B/plain-$i.eml" -o "$B/signed-$i.eml"
  i=$((i + 1))
done

machine
"$B/verify-rate" -n "$N" -j "$JOBS" "$PKI/anchors.pem" "$B"/signed-*.eml
"$B/verify-rate" -n "$N" -j "$JOBS" --openssl "$PKI/anchors.pem" "$B"/signed-*.eml

# The crypto limit on one core.
sha=$(openssl speed -seconds 2 -bytes 6144 sha256 2>/dev/null | awk '$1 == "sha256" { print $2 }')
rsa=$(openssl speed -seconds 2 rsa2048 2>/dev/null | awk '$1 == "rsa" && $2 == "2048" { print $7 }')
python3 - "$sha" "$rsa" <<'PY'
import sys
sha = float(sys.argv[1].rstrip("k")) * 1000      # bytes/s at 6144-byte blocks
rsa = float(sys.argv[2])                          # RSA-2048 verifications/s
per = 6144 / sha + 2 / rsa
print("openssl speed: sha256 %.0f MB/s (6 KB blocks), rsa2048 %.0f verify/s -> limit %.0f mails/s (%.1f µs/mail)"
      % (sha / 1e6, rsa, 1 / per, per * 1e6))
PY
