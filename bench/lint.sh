#!/bin/sh
# inkan lint throughput: certificates per second on one core (lint is
# single-threaded), on a bundle of N S/MIME certificates (the ok-* and bad-*
# cases of samples/gen-lint-certs.sh, repeated), beside the peers: pkilint
# (lint_cabf_smime_cert, when installed) and, as a floor for any tool that
# starts once per certificate, `openssl x509 -noout -text` per certificate.
# Not a test: it prints numbers from one run on this machine.
#
#   bench/lint.sh [N]
. "$(dirname "$0")/lib.sh"
N=${1:-20000}
L=${LINT_CERTS:-$BUILD/samples/lint}
[ -r "$L/cases" ] || { echo "bench: no lint certificates at $L (ninja -C $BUILD)" >&2; exit 2; }

# The bundles: the cases in order, again and again, up to N certificates,
# 1000 to a file (libinkan reads certificate files of up to a few MB).
python3 - "$L" "$N" "$B/bundle" <<'PY'
import os, sys
d, n, out = sys.argv[1], int(sys.argv[2]), sys.argv[3]
os.makedirs(out)
cases = [open("%s/%s.pem" % (d, c.strip())).read() for c in open(d + "/cases") if c.strip()]
for i in range(n):
    with open("%s/%05d.pem" % (out, i // 1000), "a") as f:
        f.write(cases[i % len(cases)])
PY
python3 - "$L/ok-mv-strict.pem" "$N" "$B/clean" <<'PY'
import os, sys
pem, n, out = open(sys.argv[1]).read(), int(sys.argv[2]), sys.argv[3]
os.makedirs(out)
for i in range(0, n, 1000):
    open("%s/%05d.pem" % (out, i // 1000), "w").write(pem * min(1000, n - i))
PY
SAMPLE=200
python3 - "$L" "$SAMPLE" "$B/sample" <<'PY'
import os, sys
d, n, out = sys.argv[1], int(sys.argv[2]), sys.argv[3]
os.makedirs(out)
cases = [c.strip() for c in open(d + "/cases") if c.strip()]
for i in range(n):
    open("%s/%04d.pem" % (out, i), "w").write(open("%s/%s.pem" % (d, cases[i % len(cases)])).read())
PY

machine
printf 'input: %d certificates (%d distinct S/MIME leaf and CA certificates, repeated), chain: %s\n\n' \
  "$N" "$(wc -l <"$L/cases")" "$L/chain.pem"

rate() { python3 -c 'import sys; n,s=float(sys.argv[1]),float(sys.argv[2]); print("%.0f" % (n/s) if s > 0 else "inf")' "$1" "$2"; }

# cpu NAME CMD...: wall and CPU (user + system) seconds and peak RSS; inkan
# lint exits 1 when a certificate breaks a rule (most of these do).
cpu() {
  _n=$1; shift
  /usr/bin/time -f '%e %U %S %M' -o "$B/cpu.$_n" "$@" >"$B/stdout.$_n" 2>"$B/stderr.$_n" || [ $? -eq 1 ] \
    || { echo "bench: $* failed" >&2; cat "$B/stderr.$_n" >&2; exit 1; }
  tail -n 1 "$B/cpu.$_n" >"$B/cpu.$_n.last"   # time(1) adds a line on a non-zero exit
  read -r _e _u _s _kb <"$B/cpu.$_n.last"
  eval "${_n}_s=$_e ${_n}_cpu=$(python3 -c "print(round($_u + $_s, 2))") ${_n}_mb=$((_kb / 1024))"
}
cpu lint_json "$INKAN" lint --json --chain "$L/chain.pem" "$B"/bundle/*.pem
cpu lint_text "$INKAN" lint -q --chain "$L/chain.pem" "$B"/bundle/*.pem
cpu lint_clean "$INKAN" lint -q --chain "$L/chain.pem" "$B"/clean/*.pem

start=$(date +%s.%N)
for f in "$B"/sample/*.pem; do openssl x509 -noout -text -in "$f" >/dev/null; done
end=$(date +%s.%N)
x509_s=$(python3 -c "print(round($end - $start, 2))")

printf '%-50s %13s %10s %9s %9s\n' "" "certs/CPU-s" "certs/s" "wall" "peak RSS"
line() { eval "printf '%-50s %13s %10s %7s s %6s MB\\n' \"\$1\" \"\$(rate $N \$${2}_cpu)\" \"\$(rate $N \$${2}_s)\" \"\$${2}_s\" \"\$${2}_mb\""; }
line "inkan lint --json ($N certs, one process)" lint_json
line "inkan lint -q (text, only findings printed)" lint_text
line "inkan lint -q, $N copies of ok-mv-strict" lint_clean
printf '%-50s %13s %10s %7s s\n' "openssl x509 -noout -text, one process per cert" "" "$(rate "$SAMPLE" "$x509_s")" "$x509_s"
if command -v lint_cabf_smime_cert >/dev/null 2>&1; then
  start=$(date +%s.%N)
  for f in "$B"/sample/*.pem; do lint_cabf_smime_cert lint -d "$f" >/dev/null 2>&1 || true; done
  end=$(date +%s.%N)
  pk_s=$(python3 -c "print(round($end - $start, 2))")
  printf '%-50s %13s %10s %7s s\n' "pkilint lint_cabf_smime_cert, one process per cert" "" "$(rate "$SAMPLE" "$pk_s")" "$pk_s"
else
  printf '%-50s %s\n' "pkilint (lint_cabf_smime_cert)" "not installed (pip install pkilint)"
fi
printf '\ntarget (issue 7): >= 20000 certificates/s per core for inkan lint\n'
