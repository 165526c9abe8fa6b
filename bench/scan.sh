#!/bin/sh
# inkan scan throughput: mails per second on one core and on every core,
# over a Maildir of N signed mails of about 6 KB with a two-level chain
# (alice: RSA-2048 leaf, RSA-3072 issuing CA, RSA-4096 root; the CMS
# carries leaf and CA), beside the peers named in issue 7:
#   - `openssl cms -verify`, one process per mail (what a script does), and
#   - the crypto limit from `openssl speed`: SHA-256 over 6 KB plus two
#     RSA-2048 verifications per mail.
# Not a test: it prints numbers from one run on this machine.
#
#   bench/scan.sh [N]
. "$(dirname "$0")/lib.sh"
N=${1:-20000}
DISTINCT=20
SAMPLE=200

i=0
while [ $i -lt $DISTINCT ]; do
  {
    printf 'From: Alice <alice@example.org>\nTo: Bob <bob@example.org>\nSubject: archive mail %d\n' $i
    printf 'Date: Mon, 02 Nov 2026 09:00:00 +0900\nMessage-ID: <bench-scan-%d@example.org>\nMIME-Version: 1.0\n' $i
    printf 'Content-Type: text/plain; charset=us-ascii\n\n'
    j=0
    while [ $j -lt 20 ]; do
      printf 'Mail %d, line %02d: what an archive of signed mail holds, in about six KB.\n' $i $j
      j=$((j + 1))
    done
  } >"$B/plain-$i.eml"
  "$INKAN" sign -k "$ID" "$B/plain-$i.eml" -o "$B/signed-$i.eml" 2>/dev/null
  i=$((i + 1))
done
python3 - "$B" "$N" "$DISTINCT" <<'PY'
import os, sys
b, n, distinct = sys.argv[1], int(sys.argv[2]), int(sys.argv[3])
mails = [open("%s/signed-%d.eml" % (b, i), "rb").read() for i in range(distinct)]
for d in ("cur", "new", "tmp"):
    os.makedirs("%s/Maildir/%s" % (b, d), exist_ok=True)
with open(b + "/mbox", "wb") as mbox:
    for i in range(n):
        m = mails[i % distinct]
        open("%s/Maildir/cur/%d.%06d.bench:2,S" % (b, 1767225600, i), "wb").write(m)
        mbox.write(b"From MAILER-DAEMON Thu Jan  1 00:00:00 2026\n" + m.rstrip(b"\n") + b"\n\n")
PY
size=$(wc -c <"$B/signed-0.eml")

machine
printf 'input: %d mails of %d bytes (%d distinct), Maildir and mbox; signer alice, chain RSA-2048 <- RSA-3072 <- RSA-4096\n\n' \
  "$N" "$size" "$DISTINCT"
rate() { python3 -c 'import sys; n,s=float(sys.argv[1]),float(sys.argv[2]); print("%.0f" % (n/s) if s > 0 else "inf")' "$1" "$2"; }
t() { tail -1 "$B/time.$1" | cut -d' ' -f1; }

# cpu NAME CMD...: like measure, and NAME_cpu = user + system seconds, so that
# "per core" is mails per CPU-second whatever the threads do.
cpu() {
  _n=$1; shift
  /usr/bin/time -f '%e %U %S %M' -o "$B/cpu.$_n" "$@" >"$B/stdout.$_n" 2>"$B/stderr.$_n" || [ $? -eq 1 ]
  tail -n 1 "$B/cpu.$_n" >"$B/cpu.$_n.last"   # time(1) adds a line on a non-zero exit
  read -r _e _u _s _kb <"$B/cpu.$_n.last"
  eval "${_n}_s=$_e ${_n}_cpu=$(python3 -c "print(round($_u + $_s, 2))") ${_n}_mb=$((_kb / 1024))"
}
cpu scan1 "$INKAN" scan -q --json --jobs 1 $TRUST "$B/Maildir"
cpu scanN "$INKAN" scan -q --json --jobs "$(nproc)" $TRUST "$B/Maildir"
cpu mbox1 "$INKAN" scan -q --json --jobs 1 $TRUST "$B/mbox"
cpu mboxN "$INKAN" scan -q --json --jobs "$(nproc)" $TRUST "$B/mbox"
for r in scan1 scanN mbox1 mboxN; do
  python3 -c 'import json,sys; d=json.load(open(sys.argv[1])); assert d["verdicts"]["valid"]==int(sys.argv[2]), d["verdicts"]' \
    "$B/stdout.$r" "$N" || { echo "bench: $r: not every mail was valid" >&2; exit 1; }
done

start=$(date +%s.%N)
i=0
for f in "$B"/Maildir/cur/*; do
  [ $i -lt $SAMPLE ] || break
  openssl cms -verify -in "$f" -CAfile "$PKI/anchors.pem" -purpose smimesign -out /dev/null 2>/dev/null
  i=$((i + 1))
done
end=$(date +%s.%N)
ossl_s=$(python3 -c "print(round($end - $start, 2))")

sha=$(openssl speed -seconds 2 -bytes 6144 sha256 2>/dev/null | awk '$1 == "sha256" { print $2 }')
rsa=$(openssl speed -seconds 2 rsa2048 2>/dev/null | awk '$1 == "rsa" && $2 == "2048" { print $7 }')
limit=$(python3 -c '
import sys
sha = float(sys.argv[1].rstrip("k")) * 1000; rsa = float(sys.argv[2])
print("%.0f" % (1 / (6144 / sha + 2 / rsa)))' "$sha" "$rsa")

printf '%-50s %14s %12s %9s %9s\n' "" "mails/CPU-s" "mails/s" "wall" "peak RSS"
line() { eval "printf '%-50s %14s %12s %7s s %6s MB\\n' \"\$1\" \"\$(rate $N \$${2}_cpu)\" \"\$(rate $N \$${2}_s)\" \"\$${2}_s\" \"\$${2}_mb\""; }
line "inkan scan --jobs 1, Maildir" scan1
line "inkan scan --jobs $(nproc), Maildir" scanN
line "inkan scan --jobs 1, mbox (walker parses, 1 worker)" mbox1
line "inkan scan --jobs $(nproc), mbox" mboxN
printf '%-50s %14s %12s %7s s\n' "openssl cms -verify, one process per mail" "" "$(rate "$SAMPLE" "$ossl_s")" "$ossl_s"
printf '%-50s %14s\n' "crypto limit, one core (openssl speed:" "$limit"
printf '%-50s\n' "  sha256 over 6 KB + 2 x rsa2048 verify per mail)"
printf '\ntarget (issue 7): >= 10000 mails/s per core\n'
