#!/bin/sh
# bench/tb-host.sh [BUILD_DIR]: inkan-native-host latency, as Thunderbird sees it.
#   - start-up to first reply: spawn the host, send "hello", read the reply (target <= 50 ms)
#   - check-address round trip, 1,000 requests on one connection, p50/p99/max (target p99 <= 5 ms),
#     with the certificate in the request (what the extension sends) and by identity
#     (the host reads prefs.js and the profile's NSS database).
# Prints the numbers; exits non-zero when a target is missed.
set -eu
BUILD=$(cd "${1:-build}" && pwd)
HOST=$BUILD/plugins/thunderbird-native/inkan-native-host
PKI=$BUILD/samples/pki
[ -x "$HOST" ] || { echo "tb-host.sh: $HOST is not built (ninja -C $BUILD)" >&2; exit 2; }
command -v certutil >/dev/null || { echo "tb-host.sh: certutil is missing (apt-get install libnss3-tools)" >&2; exit 2; }
W=$(mktemp -d "${TMPDIR:-/tmp}/inkan-bench.XXXXXX")
trap 'rm -rf "$W"' EXIT
certutil -N -d "sql:$W" --empty-password
printf 'user_pref("mail.identity.id1.useremail", "alice@example.org");\n' >"$W/prefs.js"
PYTHONDONTWRITEBYTECODE=1 INKAN_TB_PROFILE=$W INKAN_NATIVE_HOST_LOG=none python3 - "$HOST" "$PKI" "$W" "$(dirname "$0")/../tests/thunderbird" <<'PY'
import base64, json, os, statistics, sys, time
host, pki, prof, lib = sys.argv[1:]
sys.path.insert(0, lib)
from nmclient import Host

p12 = base64.b64encode(open(os.path.join(pki, "alice.p12"), "rb").read()).decode()
pw = open(os.path.join(pki, "passphrase.txt")).read()
pem = open(os.path.join(pki, "alice.cert.pem")).read()
der = "".join(pem.split("-----BEGIN CERTIFICATE-----")[1].split("-----END")[0].split())

def pct(v, p):
    v = sorted(v)
    return v[min(len(v) - 1, int(round(p / 100.0 * (len(v) - 1))))]

# start-up to first reply
starts = []
for _ in range(30):
    t0 = time.perf_counter()
    h = Host(host)
    r = h.call("hello")
    starts.append((time.perf_counter() - t0) * 1000)
    assert "result" in r, r
    h.close()

h = Host(host)
r = h.call("import", {"files": [{"name": "alice.p12", "data": p12}], "passphrase": pw})
assert "result" in r, r
results = {}
for name, params, want in (("certificate in the request", {"email": "alice@example.org", "certificate": der}, True),
                           ("mismatch, certificate in the request", {"email": "mallory@example.org", "certificate": der}, False),
                           ("by identity (prefs.js + NSS database)", {"email": "alice@example.org", "identity": "id1"}, True)):
    lat = []
    for _ in range(1000):
        t0 = time.perf_counter()
        r = h.call("check-address", params)
        lat.append((time.perf_counter() - t0) * 1000)
        assert r["result"]["match"] is want, r
    results[name] = lat
h.close()

fail = False
print("inkan-native-host (%s)" % host)
print("  start-up to first reply (hello), 30 runs: median %.1f ms, p90 %.1f ms, max %.1f ms  [target <= 50 ms]"
      % (statistics.median(starts), pct(starts, 90), max(starts)))
fail |= statistics.median(starts) > 50
for name, lat in results.items():
    print("  check-address round trip, 1000 requests, one connection, %s: p50 %.3f ms, p99 %.3f ms, max %.3f ms  [target p99 <= 5 ms]"
          % (name, pct(lat, 50), pct(lat, 99), max(lat)))
    fail |= pct(lat, 99) > 5
sys.exit(1 if fail else 0)
PY
