#!/bin/sh
# inkan scan: a generated Maildir and an mbox of 10,000 mails with known
# verdicts (tests/admin/make-mail-corpus.sh: copies of seven templates made
# with inkan and openssl) must give exactly those counts; then --jsonl,
# --report, -k, --jobs, exit codes and odd inputs on a small corpus.
# SCAN_SCALE=N divides the big corpus (default 1: 10,000 mails).
. "$(dirname "$0")/../lib.sh"
need python3 python3
need openssl openssl
HERE=$(cd "$(dirname "$0")" && pwd)
S=${SCAN_SCALE:-1}
V=$((4000 / S)) X=$((1000 / S))
TOTAL=$((V + 6 * X))

start=$(date +%s)
sh "$HERE/make-mail-corpus.sh" "$T/big" $V $X $X $X $X $X $X 2>"$T/gen.err" \
  && ok "generated a Maildir and an mbox of $TOTAL mails in $(( $(date +%s) - start )) s" \
  || { not_ok "corpus generation"; sed 's/^/# /' "$T/gen.err"; finish; exit 1; }

# counts FILE: the summary of inkan scan --json as one line.
counts() {
  python3 -c '
import json,sys; d=json.load(open(sys.argv[1])); v=d["verdicts"]; f=d["flags"]
print("total=%d valid=%d valid-signature=%d invalid=%d not-signed=%d encrypted=%d error=%d from-mismatch=%d untrusted=%d expired=%d" % (
  d["total"], v["valid"], v["valid-signature"], v["invalid"], v["not-signed"], v["encrypted"], v["error"],
  f["from-mismatch"], f["untrusted"], f["expired"]))' "$1"
}
WANT="total=$TOTAL valid=$V valid-signature=$((3 * X)) invalid=$X not-signed=$X encrypted=$X error=0 from-mismatch=$X untrusted=$X expired=$X"

for src in Maildir mbox; do
  expect_rc 1 "scan $src of $TOTAL mails (exit 1: some fail)" "$INKAN" scan --json --jobs 2 "$T/big/$src"
  cp "$T/out" "$T/$src.json"
  got=$(counts "$T/$src.json")
  if [ "$got" = "$WANT" ]; then ok "$src: $got"; else not_ok "$src: got $got"; echo "# wanted $WANT"; fi
  check "$src: signers alice $((4 * X + V - X)), frank $X" python3 -c '
import json,sys; d=json.load(open(sys.argv[1])); s=d["signers"]
assert s=={"alice@example.org": int(sys.argv[2]), "frank@example.org": int(sys.argv[3])}, s' "$T/$src.json" $((V + 3 * X)) $X
  check "$src: issuing CAs counted" python3 -c '
import json,sys; d=json.load(open(sys.argv[1])); c=d["issuing_cas"]
assert c["CN=Inkan Test S/MIME RSA Issuing CA,O=Inkan Test,C=JP"]==int(sys.argv[2]), c
assert c["CN=Inkan Other Root CA,O=Inkan Other,C=JP"]==int(sys.argv[3]), c' "$T/$src.json" $((V + 3 * X)) $X
  check "$src: $((4 * X)) failures and $X From mismatches listed with their file" python3 -c '
import json,sys; d=json.load(open(sys.argv[1])); x=int(sys.argv[2])
assert len(d["failures"])==4*x and len(d["from_mismatches"])==x
assert all(m["from"]=="Bob Example <bob@example.org>" and m["signer"]=="alice@example.org" for m in d["from_mismatches"])
assert {f["status"] for f in d["failures"]}=={"invalid","valid-signature"}
assert all(f["source"] for f in d["failures"])' "$T/$src.json" $X
  check "$src: frank's expired certificate is in the expiry list" python3 -c '
import json,sys; d=json.load(open(sys.argv[1])); e=d["expiring"]
assert [x["signer"] for x in e]==["frank@example.org"] and e[0]["days_left"]<0, e' "$T/$src.json"
done
check "mbox sources are FILE:N" python3 -c '
import json,sys; d=json.load(open(sys.argv[1]))
assert all(":" in f["source"] and f["source"].rsplit(":",1)[1].isdigit() for f in d["failures"])' "$T/mbox.json"

# ---------------------------------------------------------------- small corpus
sh "$HERE/make-mail-corpus.sh" "$T/small" 3 2 2 2 2 2 2 2>/dev/null
SMALL=$T/small/Maildir
expect_rc 1 "--jsonl" "$INKAN" scan --jsonl --jobs 3 "$SMALL"
cp "$T/out" "$T/j3"
check "--jsonl: one JSON object per message (15)" python3 -c '
import json,sys
rows=[json.loads(l) for l in open(sys.argv[1])]
assert len(rows)==15, len(rows)
st=sorted(r["status"] for r in rows)
assert st==sorted(["valid"]*3+["invalid"]*2+["valid-signature"]*6+["encrypted"]*2+["not-signed"]*2), st
assert all(r["file"].startswith(sys.argv[2]) for r in rows)' "$T/j3" "$SMALL"
"$INKAN" scan --jsonl --jobs 1 "$SMALL" >"$T/j1" 2>/dev/null
"$INKAN" scan --jsonl --jobs 4 "$SMALL" >"$T/j4" 2>/dev/null
check "--jobs 1, 3 and 4 give the same lines in the same order" sh -c 'cmp "$1" "$2" && cmp "$1" "$3"' - "$T/j1" "$T/j3" "$T/j4"

expect_rc 1 "--report report.html" "$INKAN" scan --report "$T/report.html" "$SMALL"
check "HTML report written" grep -q '<h2>Failures (8)</h2>' "$T/report.html"
check "HTML report escapes addresses" grep -q 'Bob Example &lt;bob@example.org&gt;' "$T/report.html"
check "HTML report is self-contained (no external references)" sh -c '! grep -Eq "(src|href)=" "$1"' - "$T/report.html"
check "text summary on stdout too" grep -q '^Scanned 15 messages' "$T/out"
expect_rc 1 "--report report.md" "$INKAN" scan --json --report "$T/report.md" "$SMALL"
check "Markdown report tables" grep -q '^| Signer | Messages |' "$T/report.md"
check "Markdown report lists the From mismatches" grep -q '^## From mismatches (2)' "$T/report.md"
expect_rc 3 "--report with another extension: usage error" "$INKAN" scan --report "$T/report.txt" "$SMALL"

# -k: encrypted mail is decrypted and what is inside is reported.
expect_rc 1 "-k bob.p12 decrypts" "$INKAN" scan --json -k "$PKI/bob.p12" $PF "$SMALL"
check "-k: no message left encrypted, 4 not signed" python3 -c '
import json,sys; d=json.load(open(sys.argv[1])); v=d["verdicts"]
assert v["encrypted"]==0 and v["not-signed"]==4 and d["flags"]["encrypted"]==2, d' "$T/out"
expect_rc 1 "-k alice.p12 (not a recipient): reported, not fatal" "$INKAN" scan --json -k "$PKI/alice.p12" $PF "$SMALL"
check "-k with the wrong identity: failures say why" grep -q 'encrypted' "$T/out"

# Exit codes and odd input.
mkdir -p "$T/good/sub/deeper"
cp "$T/small/templates/valid.eml" "$T/good/a.eml"
cp "$T/small/templates/valid.eml" "$T/good/sub/deeper/b.eml"
cp "$T/small/templates/unsigned.eml" "$T/good/sub/c.eml"
expect_rc 0 "all valid or unsigned: exit 0 (nested directories walked)" "$INKAN" scan --json "$T/good"
check "3 messages found" python3 -c 'import json,sys; assert json.load(open(sys.argv[1]))["total"]==3' "$T/out"
printf 'no header here\n' >"$T/good/sub/junk.eml"
: >"$T/good/.hidden"
expect_rc 1 "a file that is no mail: exit 1" "$INKAN" scan --json "$T/good"
check "reported as an error with its file; hidden files skipped" python3 -c '
import json,sys; d=json.load(open(sys.argv[1]))
assert d["total"]==4 and d["verdicts"]["error"]==1, d
assert d["failures"][0]["source"].endswith("junk.eml"), d["failures"]' "$T/out"
expect_rc 4 "missing path: exit 4" "$INKAN" scan "$T/does-not-exist"
expect_rc 3 "--json with --jsonl: usage error" "$INKAN" scan --json --jsonl "$T/good"
expect_rc 3 "no path: usage error" "$INKAN" scan
finish
