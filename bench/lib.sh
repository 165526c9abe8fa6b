# Shared helpers for inkan's benchmarks (bench/*.sh).  Not a test: every
# script prints inkan and its peer (the openssl CLI) side by side from the
# same run, on the same input, with wall time and peak RSS.
#
# Environment:
#   BUILD   the meson build dir to measure (default: ../build-perf, a
#           --buildtype=release build; see docs/performance.md)
#   INKAN   the inkan binary (default: $BUILD/cli/inkan)
#   PKI     the generated test PKI (default: $BUILD/samples/pki)
#   TMPDIR  where the large inputs and outputs go (several × the size)
set -eu
HERE=$(cd "$(dirname "$0")" && pwd)
SRC=$(cd "$HERE/.." && pwd)
BUILD=${BUILD:-$SRC/build-perf}
INKAN=${INKAN:-$BUILD/cli/inkan}
PKI=${PKI:-$BUILD/samples/pki}
[ -x "$INKAN" ] || { echo "bench: no inkan binary at $INKAN (meson setup $BUILD --buildtype=release && ninja -C $BUILD)" >&2; exit 2; }
[ -r "$PKI/alice.key.pem" ] || { echo "bench: no test PKI at $PKI" >&2; exit 2; }
[ -x /usr/bin/time ] || { echo "bench: /usr/bin/time is missing (apt-get install time)" >&2; exit 2; }

B=$(mktemp -d "${TMPDIR:-/tmp}/inkan-bench.XXXXXX")
trap 'rm -rf "$B"' EXIT INT TERM
TRUST="--no-system-trust --trust $PKI/anchors.pem"
# An unencrypted identity for inkan, as openssl is given one: a passphrase
# (PBKDF2) would be measured, not signing.
cat "$PKI/alice.key.pem" "$PKI/alice.cert.pem" "$PKI/chain.pem" >"$B/alice-plain.pem"
ID="$B/alice-plain.pem"

# measure NAME CMD...: runs CMD once under /usr/bin/time; sets NAME_s
# (seconds) and NAME_mb (peak RSS, MB) and fails loudly if CMD fails.
measure() {
  _name=$1; shift
  if ! /usr/bin/time -f '%e %M' -o "$B/time.$_name" "$@" >"$B/stdout.$_name" 2>"$B/stderr.$_name"; then
    echo "bench: '$*' failed:" >&2; sed 's/^/  /' "$B/stderr.$_name" >&2
    tail -1 "$B/time.$_name" >&2
    return 1
  fi
  read -r _s _kb <"$B/time.$_name"
  eval "${_name}_s=$_s ${_name}_mb=$((_kb / 1024))"
}

# row LABEL INKAN_NAME OPENSSL_NAME: one line of the side-by-side table.
row() {
  eval "_is=\$${2}_s _im=\$${2}_mb _os=\$${3}_s _om=\$${3}_mb"
  printf '%-26s %8s s %7s MB   %8s s %7s MB\n' "$1" "$_is" "$_im" "$_os" "$_om"
}
header() {
  printf '%-26s %19s   %19s\n' "$1" "inkan (time, peak RSS)" "openssl (time, peak RSS)"
}

machine() {
  printf 'machine: %s, %s cores, %s MB RAM; %s; %s; GMime %s\n' \
    "$(sed -n 's/^model name[[:space:]]*: //p' /proc/cpuinfo | head -1)" "$(nproc)" \
    "$(awk '/MemTotal/ { print int($2 / 1024) }' /proc/meminfo)" \
    "$(openssl version)" "$("$INKAN" --version 2>/dev/null | head -1)" \
    "$(pkg-config --modversion gmime-3.0 2>/dev/null || echo '?')"
  printf 'date: %s; build: %s\n' "$(date -u +%Y-%m-%dT%H:%MZ)" "$BUILD"
}
