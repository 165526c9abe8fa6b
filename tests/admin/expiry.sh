#!/bin/sh
# inkan expiry: days left and the DigiCert reminder thresholds (90, 60, 30,
# 7, 3 days before, and after expiry) for certificate files and stores.
. "$(dirname "$0")/../lib.sh"
need python3 python3
[ -d "${LINT_CERTS:-}" ] || skip_all "LINT_CERTS is not set (run through meson test)"
E=$LINT_CERTS/expiry
rows() { python3 -c '
import json,sys
for r in json.load(open(sys.argv[1])):
    print(r["source"].rsplit("/",1)[-1], r["days_left"], r["reminder_days"], r["expired"])' "$T/out"; }

expect_rc 1 "certificates inside a reminder: exit 1" "$INKAN" expiry --json "$E/in-100-days.pem" "$E/in-45-days.pem" "$E/in-5-days.pem" "$E/expired-3-days-ago.pem"
rows >"$T/rows"
check "sorted by expiry, with reminder thresholds" python3 - "$T/rows" <<'PY'
import sys
rows = [l.split() for l in open(sys.argv[1])]
names = [r[0] for r in rows]
assert names == ["expired-3-days-ago.pem", "in-5-days.pem", "in-45-days.pem", "in-100-days.pem"], names
days = [int(r[1]) for r in rows]
assert -4 <= days[0] <= -3 and 4 <= days[1] <= 5 and 44 <= days[2] <= 45 and 99 <= days[3] <= 100, days
assert [r[2] for r in rows] == ["None", "7", "60", "None"], rows
assert [r[3] for r in rows] == ["True", "False", "False", "False"], rows
PY
expect_rc 1 "text output" "$INKAN" expiry "$E/in-5-days.pem" "$E/expired-3-days-ago.pem" "$E/in-100-days.pem"
check "header line" grep -q "^  DAYS  EXPIRES     REMINDER" "$T/out"
check "the 7-day reminder" grep -Eq "^ +[45]  [0-9-]{10}  7-day reminder +user@example.org" "$T/out"
check "expired, inside DigiCert's 7-days-after reminder" grep -q "EXPIRED (within DigiCert's 7-days-after reminder)" "$T/out"
check "outside every reminder: -" grep -Eq "^ +(99|100)  [0-9-]{10}  - +user@example.org" "$T/out"
expect_rc 0 "nothing inside the thresholds: exit 0" "$INKAN" expiry "$E/in-100-days.pem"
expect_rc 1 "--days 10,50: custom thresholds" "$INKAN" expiry --json --days 10,50 "$E/in-5-days.pem" "$E/in-45-days.pem"
rows >"$T/rows"
check "--days: 10 and 50" sh -c 'test "$(cut -d" " -f3 "$1" | tr "\n" " ")" = "10 50 "' - "$T/rows"
expect_rc 0 "--at moves the clock" "$INKAN" expiry --json --at 2000-01-01 "$E/in-5-days.pem"
expect_rc 3 "--days junk: usage error" "$INKAN" expiry --days soon "$E/in-5-days.pem"
expect_rc 3 "--store other: usage error" "$INKAN" expiry --store vault

# The inkan store (mutt's smime_keys layout).
export INKAN_SMIME_DIR="$T/smime"
expect_rc 0 "empty store: exit 0" "$INKAN" expiry --store inkan
check "empty store: says so" grep -q "No certificates" "$T/out"
"$INKAN" import $PF --new-passphrase-file "$PKI/passphrase.txt" "$PKI/alice.p12" >/dev/null 2>&1
"$INKAN" import "$PKI/frank.cert.pem" >/dev/null 2>&1
expect_rc 1 "store with frank's expired certificate: exit 1" "$INKAN" expiry --json
check "default store: alice and frank, frank first" python3 -c '
import json,sys; d=json.load(open(sys.argv[1]))
names=[r["certificate"] for r in d]
assert names[0]=="frank@example.org" and "alice@example.org" in names and d[0]["expired"], d
assert all(r["source"].startswith("inkan:") for r in d), d' "$T/out"
if command -v certutil >/dev/null 2>&1; then
  mkdir -p "$T/profile"
  certutil -N -d "sql:$T/profile" --empty-password >/dev/null 2>&1
  expect_rc 0 "--store thunderbird --profile (empty NSS database)" "$INKAN" expiry --store thunderbird --profile "$T/profile"
else
  ok "# SKIP certutil is not installed (libnss3-tools)"
fi
finish
