# Shared helpers for inkan's shell tests (TAP output, one meson test per script).
# Environment (set by tests/meson.build): INKAN (the binary), PKI (generated
# test PKI dir), MAIL (samples/mail), SHARED (../shared, may be absent).
set -u
TAP_N=0
TAP_FAILED=0
T=$(mktemp -d "${TMPDIR:-/tmp}/inkan-test.XXXXXX")
trap 'rm -rf "$T"' EXIT
PF="--passphrase-file $PKI/passphrase.txt"

ok() { TAP_N=$((TAP_N + 1)); echo "ok $TAP_N - $*"; }
not_ok() { TAP_N=$((TAP_N + 1)); TAP_FAILED=$((TAP_FAILED + 1)); echo "not ok $TAP_N - $*"; }

# check DESCRIPTION COMMAND...: passes when COMMAND exits 0.
check() {
  desc=$1; shift
  if "$@" >"$T/check.out" 2>&1; then ok "$desc"; else not_ok "$desc"; sed 's/^/# /' "$T/check.out" | head -20; fi
}

# expect_rc WANT DESCRIPTION COMMAND...: passes when COMMAND exits WANT.
# Its stdout is left in $T/out and stderr in $T/err.
expect_rc() {
  want=$1; desc=$2; shift 2
  "$@" >"$T/out" 2>"$T/err"
  rc=$?
  if [ "$rc" -eq "$want" ]; then ok "$desc"; else
    not_ok "$desc (exit $rc, wanted $want)"; sed 's/^/# err: /' "$T/err" | head -10; fi
}

# verdict FILE [ARGS...]: prints "verdict:flag,flag" from inkan verify --json.
verdict() {
  f=$1; shift
  "$INKAN" verify --json "$@" "$f" 2>/dev/null | json_verdict
}
json_verdict() {
  python3 -c 'import json,sys
d=json.load(sys.stdin); print(d["verdict"]+":"+",".join(d["flags"]))'
}

# has_flag "verdict:flags" FLAG
has_flag() { case ",${1#*:}," in *",$2,"*) return 0;; *) return 1;; esac; }

need() { command -v "$1" >/dev/null 2>&1 || skip_all "$1 is not installed (apt-get install $2)"; }
skip_all() { echo "1..0 # SKIP $*"; exit 0; }
finish() { echo "1..$TAP_N"; [ "$TAP_FAILED" -eq 0 ]; }

# openssl_signed_mail NAME FROM OUT: a mail signed by the openssl CLI (an
# independent signer, which also signs with certificates inkan refuses to
# use) with $PKI/NAME's key, From: FROM, body of samples/mail/plain.eml.
openssl_signed_mail() {
  { printf 'Content-Type: text/plain; charset=us-ascii\n\n'; sed '1,/^$/d' "$MAIL/plain.eml"; } >"$T/osm-entity"
  openssl cms -sign -in "$T/osm-entity" -signer "$PKI/$1.cert.pem" -inkey "$PKI/$1.key.pem" \
    -certfile "$PKI/chain.pem" -md sha256 -from "$2" -to bob@example.org -subject "signed by openssl" \
    -out "$3" 2>/dev/null
}
