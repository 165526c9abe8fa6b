#!/bin/sh
# make-xpi.sh OUT.xpi EXTENSION_DIR [--test]
# Packs the MailExtension.  --test makes the test build: another gecko id,
# and test/test.js loaded after background.js (tests/thunderbird/e2e.sh).
set -eu
out=$1 src=$2 mode=${3:-}
case $out in /*) ;; *) out=$PWD/$out ;; esac
tmp=$(mktemp -d "${TMPDIR:-/tmp}/inkan-xpi.XXXXXX")
trap 'rm -rf "$tmp"' EXIT
cp -R "$src/." "$tmp/"
if [ "$mode" = --test ]; then
  python3 - "$tmp/manifest.json" <<'PY'
import json, sys
p = sys.argv[1]
m = json.load(open(p))
m["name"] += " (test build)"
m["browser_specific_settings"]["gecko"]["id"] = "thunderbird-helper-test@inkan"
m["background"]["scripts"].append("test/test.js")
m["permissions"] += ["compose.send", "messagesImport", "accountsFolders"]
json.dump(m, open(p, "w"), indent=2)
PY
else
  rm -rf "$tmp/test"
fi
rm -f "$out"
(cd "$tmp" && find . -type f | LC_ALL=C sort | sed 's|^\./||' | zip -q -X -@ "$out.tmp")
mv "$out.tmp" "$out"
