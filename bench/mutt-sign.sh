#!/bin/sh
# Per-message cost of mutt's sign command, whole process, on a 10 KB mail:
# inkan's hook (inkan-mutt sign, as plugins/mutt/inkan.rc runs it) next to
# the stock openssl line of mutt's smime.rc, both with the same key,
# certificate and intermediates from an smime_keys store, the passphrase
# line on stdin as mutt writes it.  Target (issue 5): inkan <= 1.2 x openssl.
#
#   bench/mutt-sign.sh [BUILDDIR] [RUNS]     (defaults: $BUILD or build, 200)
#
# Uses hyperfine when it is installed (apt-get install hyperfine), else a
# loop timed with date +%s%N with the two commands interleaved.  Prints the
# mean (hyperfine) or median (loop) wall time of each, and the ratio.
set -eu
BUILD=${1:-${BUILD:-build}}
RUNS=${2:-200}
INKAN=$BUILD/cli/inkan
HOOK=$BUILD/plugins/mutt/inkan-mutt
PKI=$BUILD/samples/pki
for f in "$INKAN" "$HOOK" "$PKI/alice.p12"; do
  [ -e "$f" ] || { echo "bench/mutt-sign.sh: $f is missing; build first (ninja -C $BUILD)" >&2; exit 2; }
done
command -v openssl >/dev/null || { echo "bench/mutt-sign.sh: openssl is not installed" >&2; exit 2; }
W=$(mktemp -d "${TMPDIR:-/tmp}/inkan-bench.XXXXXX")
trap 'rm -rf "$W"' EXIT
HOOK=$(cd "$(dirname "$HOOK")" && pwd)/inkan-mutt

# The store mutt would use, made by inkan (the key is PBES2/AES-256 PEM,
# which openssl reads as well).
export INKAN_SMIME_DIR="$W/smime"
"$INKAN" import --passphrase-file "$PKI/passphrase.txt" "$PKI/alice.p12" >/dev/null
ID=$(awk '$1 == "alice@example.org" { print $2; exit }' "$W/smime/keys/.index")
ISSUER=$(awk -v id="$ID" '$2 == id { print $4; exit }' "$W/smime/certificates/.index")
KEY=$W/smime/keys/$ID
CERT=$W/smime/certificates/$ID
INTER=$W/smime/certificates/$ISSUER
{ cat "$PKI/passphrase.txt"; echo; } >"$W/pass"

# A 10 KB MIME entity as mutt hands it over (%f): 7-bit text, LF ends.
{
  printf 'Content-Type: text/plain; charset=us-ascii\nContent-Disposition: inline\n\n'
  i=0
  while [ "$i" -lt 140 ]; do
    printf 'Line %03d of the benchmark mail: the quick brown fox jumps over the dog.\n' "$i"
    i=$((i + 1))
  done
} >"$W/entity"
SIZE=$(wc -c <"$W/entity")

OPENSSL_CMD="openssl smime -sign -md sha256 -signer $CERT -inkey $KEY -passin stdin -in $W/entity -certfile $INTER -outform DER"
INKAN_CMD="$HOOK sign -d sha256 -k $KEY -c $CERT -i $INTER $W/entity"
export INKAN_FROM=alice@example.org

# Both must work before they are timed.
$OPENSSL_CMD <"$W/pass" >"$W/o.der" 2>"$W/o.err" || { cat "$W/o.err" >&2; exit 1; }
$INKAN_CMD <"$W/pass" >"$W/i.der" 2>"$W/i.err" || { cat "$W/i.err" >&2; exit 1; }
[ ! -s "$W/i.err" ] || { echo "bench/mutt-sign.sh: inkan-mutt wrote on stderr:" >&2; cat "$W/i.err" >&2; exit 1; }
openssl cms -verify -inform DER -in "$W/i.der" -content "$W/entity" -CAfile "$PKI/root.pem" -out /dev/null 2>/dev/null \
  || { echo "bench/mutt-sign.sh: inkan's signature does not verify" >&2; exit 1; }

echo "mutt sign command, whole process, $SIZE-byte entity, $RUNS runs each:"
echo "  openssl = $OPENSSL_CMD"
echo "  inkan   = $INKAN_CMD"
if command -v hyperfine >/dev/null 2>&1; then
  hyperfine --warmup 10 --runs "$RUNS" --style none --export-json "$W/h.json" \
    -n openssl "$OPENSSL_CMD <$W/pass" -n inkan "$INKAN_CMD <$W/pass" >/dev/null
  python3 - "$W/h.json" <<'PY'
import json, sys
r = {x["command"]: x for x in json.load(open(sys.argv[1]))["results"]}
o, i = r["openssl"], r["inkan"]
print("  %-12s %12s %12s %12s" % ("", "openssl", "inkan", "inkan/openssl"))
for key, label in (("median", "median"), ("mean", "mean")):
    print("  %-12s %9.2f ms %9.2f ms %11.2f x" % (label, o[key]*1e3, i[key]*1e3, i[key]/o[key]))
print("  %-12s %9.2f ms %9.2f ms %11.2f x" % ("user+sys", (o["user"]+o["system"])*1e3, (i["user"]+i["system"])*1e3, (i["user"]+i["system"])/(o["user"]+o["system"])))
ratio = i["median"] / o["median"]
print("  target inkan <= 1.20 x openssl (median): %s" % ("met" if ratio <= 1.2 else "NOT met"))
PY
else
  : >"$W/o.times"; : >"$W/i.times"
  n=0
  while [ "$n" -lt "$RUNS" ]; do
    s=$(date +%s%N); $OPENSSL_CMD <"$W/pass" >/dev/null 2>&1; e=$(date +%s%N); echo $(((e - s) / 1000)) >>"$W/o.times"
    s=$(date +%s%N); $INKAN_CMD <"$W/pass" >/dev/null 2>&1; e=$(date +%s%N); echo $(((e - s) / 1000)) >>"$W/i.times"
    n=$((n + 1))
  done
  med() { sort -n "$1" | awk '{ a[NR] = $1 } END { print a[int((NR + 1) / 2)] }'; }
  o=$(med "$W/o.times"); i=$(med "$W/i.times")
  awk -v o="$o" -v i="$i" 'BEGIN {
    printf "  %-12s %12s %12s %12s\n", "", "openssl", "inkan", "inkan/openssl"
    printf "  %-12s %9.2f ms %9.2f ms %11.2f x\n", "median", o / 1000, i / 1000, i / o
    printf "  target inkan <= 1.20 x openssl (median): %s\n", (i / o <= 1.2 ? "met" : "NOT met") }'
fi
