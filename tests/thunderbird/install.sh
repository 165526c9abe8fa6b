#!/bin/sh
# inkan thunderbird install|status|uninstall, without Thunderbird itself.
. "$(dirname "$0")/../lib.sh"
need python3 python3
H=$T/home
P=$T/profile
mkdir -p "$H" "$P"
M=$H/.mozilla/native-messaging-hosts/inkan.native_host.json

expect_rc 12 "install without a Thunderbird profile fails (not found)" env HOME="$H" "$INKAN" thunderbird install
[ ! -e "$H/.mozilla" ] && ok "... and writes nothing" || not_ok "... and writes nothing"
expect_rc 12 "install into a profile folder that does not exist fails" env HOME="$H" "$INKAN" thunderbird install --profile "$T/nope"
expect_rc 0 "install --profile DIR" env HOME="$H" "$INKAN" thunderbird install --profile "$P"
check "the manifest: name, stdio, absolute path of an executable host, the extension's id" \
  python3 -c 'import json,os,sys; m=json.load(open(sys.argv[1]))
assert m["name"]=="inkan.native_host" and m["type"]=="stdio" and os.path.isabs(m["path"]) and os.access(m["path"], os.X_OK), m
assert m["allowed_extensions"]==["thunderbird-helper@inkan"], m' "$M"
check "the extension is in the profile as <id>.xpi with its manifest" \
  python3 -c 'import json,sys,zipfile; z=zipfile.ZipFile(sys.argv[1]); m=json.loads(z.read("manifest.json"))
assert m["browser_specific_settings"]["gecko"]["id"]=="thunderbird-helper@inkan" and "test/test.js" not in z.namelist(), m' \
  "$P/extensions/thunderbird-helper@inkan.xpi"
expect_rc 0 "install --test-build adds the test build's id to the same manifest" \
  env HOME="$H" "$INKAN" thunderbird install --test-build --profile "$P"
check "both ids are allowed" python3 -c 'import json,sys; m=json.load(open(sys.argv[1]))
assert m["allowed_extensions"]==["thunderbird-helper@inkan","thunderbird-helper-test@inkan"], m' "$M"
expect_rc 0 "status" env HOME="$H" "$INKAN" thunderbird status --profile "$P"
grep -q "Extension in .*: installed" "$T/out" && ok "status says the extension is installed" || not_ok "status says the extension is installed"
expect_rc 0 "uninstall" env HOME="$H" "$INKAN" thunderbird uninstall --profile "$P"
[ ! -e "$M" ] && [ -z "$(ls "$P/extensions")" ] && ok "uninstall removed the manifest and both extensions" \
  || not_ok "uninstall removed the manifest and both extensions"
expect_rc 3 "a missing subcommand is a usage error" "$INKAN" thunderbird
finish
