#!/bin/sh
# Whole-process signing of a 10 KB mail, what a mutt hook pays per message:
# `inkan sign` beside `openssl smime -sign`, timed by hyperfine (mean of many
# runs), with the peak RSS of one run of each.
#
#   bench/small-sign.sh [RUNS]
. "$(dirname "$0")/lib.sh"
RUNS=${1:-100}
command -v hyperfine >/dev/null || { echo "bench: hyperfine is missing (apt-get install hyperfine)" >&2; exit 2; }

{
  printf 'From: Alice <alice@example.org>\nTo: Bob <bob@example.org>\nSubject: ten kilobytes\n'
  printf 'Date: Mon, 02 Nov 2026 09:00:00 +0900\nMessage-ID: <bench-small@example.org>\nMIME-Version: 1.0\n'
  printf 'Content-Type: text/plain; charset=us-ascii\n\n'
  i=0
  while [ $i -lt 140 ]; do
    printf 'Line %03d of a plain mail of about ten kilobytes, as mutt would hand it over.\n' $i
    i=$((i + 1))
  done
} >"$B/mail.eml"
sed -n '/^Content-Type:/,$p' "$B/mail.eml" >"$B/entity.eml"

machine
printf 'message: %s bytes, text/plain; %s runs each\n\n' "$(wc -c <"$B/mail.eml")" "$RUNS"

INKAN_CMD="$INKAN sign -k $ID $B/mail.eml -o $B/i.eml"
OPENSSL_CMD="openssl smime -sign -in $B/entity.eml -signer $PKI/alice.cert.pem -inkey $PKI/alice.key.pem -certfile $PKI/chain.pem -md sha256 -out $B/o.eml"
hyperfine -N --warmup 5 --runs "$RUNS" --export-json "$B/h.json" \
  -n inkan "$INKAN_CMD" -n openssl "$OPENSSL_CMD" >"$B/hyperfine.txt" 2>&1 \
  || { cat "$B/hyperfine.txt" >&2; exit 1; }
# shellcheck disable=SC2086
measure i_sign $INKAN_CMD
# shellcheck disable=SC2086
measure o_sign $OPENSSL_CMD
python3 - "$B/h.json" "$i_sign_mb" "$o_sign_mb" <<'PY'
import json, sys
r = {x["command"]: x for x in json.load(open(sys.argv[1]))["results"]}
i, o = r["inkan"], r["openssl"]
print("%-26s %19s   %19s" % ("10 KB mail, sign", "inkan (mean ± sd)", "openssl (mean ± sd)"))
print("%-26s %9.2f ± %4.2f ms   %9.2f ± %4.2f ms" % ("wall time", i["mean"] * 1e3, i["stddev"] * 1e3,
                                                  o["mean"] * 1e3, o["stddev"] * 1e3))
print("%-26s %16s MB   %16s MB" % ("peak RSS (one run)", sys.argv[2], sys.argv[3]))
print("inkan / openssl = %.2f (goal: <= 1.2)" % (i["mean"] / o["mean"]))
PY
