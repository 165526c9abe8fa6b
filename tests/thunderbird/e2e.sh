#!/bin/sh
# End to end, in the real Thunderbird that Debian ships, headless
# (../shared/reference/thunderbird-headless-recipe.md): a fresh profile, the
# real host and the test build of the extension installed by
# "inkan thunderbird install", then the extension's test/test.js reports
# each step through the host into $W/out/NAME.json.
. "$(dirname "$0")/../lib.sh"
command -v thunderbird >/dev/null 2>&1 \
  || skip_all "thunderbird is not installed (apt-get install thunderbird; CI installs it through tools/install-deps)"
need certutil libnss3-tools
need pk12util libnss3-tools
need openssl openssl
need python3 python3
need zip zip

BUILD=$(cd "$(dirname "$INKAN")/.." && pwd)
HOST=$BUILD/plugins/thunderbird-native/inkan-native-host
[ -x "$HOST" ] || skip_all "inkan-native-host is not built"
PASS=$(cat "$PKI/passphrase.txt")
W=$T/tb
P=$W/profile
mkdir -p "$W/home" "$P" "$W/out" "$W/tmp"

# --- the profile: NSS database with alice (identity id1) and a trusted root,
# made before Thunderbird starts, as the recipe does.
certutil -N -d "sql:$P" --empty-password
pk12util -i "$PKI/alice.p12" -d "sql:$P" -W "$PASS" -K "" >/dev/null 2>&1
certutil -A -d "sql:$P" -n "Inkan Test Root CA" -t C,C,C -i "$PKI/root.pem"
dbkey=$(python3 - "$PKI/alice.cert.pem" <<'PY'
import base64, re, struct, subprocess, sys
der = subprocess.run(["openssl", "x509", "-in", sys.argv[1], "-outform", "DER"], capture_output=True, check=True).stdout
def tlv(b, i):
    tag, l = b[i], b[i + 1]; h = 2
    if l & 0x80:
        k = l & 0x7f; l = int.from_bytes(b[i + 2:i + 2 + k], "big"); h += k
    return tag, h, l
_, h, _ = tlv(der, 0); i = h
_, h, _ = tlv(der, i); i += h
t, h, l = tlv(der, i)
if t == 0xA0: i += h + l; t, h, l = tlv(der, i)
serial = der[i + h:i + h + l]; i += h + l
t, h, l = tlv(der, i); i += h + l
t, h, l = tlv(der, i); issuer = der[i:i + h + l]
print(base64.b64encode(struct.pack(">IIII", 0, 0, len(serial), len(issuer)) + serial + issuer).decode())
PY
)
nick=$(certutil -L -d "sql:$P" | awk '/u,u,u/ { sub(/[ \t]+u,u,u.*/, ""); print; exit }')

cat >"$P/user.js" <<EOF
user_pref("extensions.autoDisableScopes", 0);
user_pref("extensions.enabledScopes", 15);
user_pref("xpinstall.signatures.required", false);
user_pref("extensions.update.enabled", false);
user_pref("mail.provider.suppress_dialog_on_startup", true);
user_pref("mail.shell.checkDefaultClient", false);
user_pref("mailnews.start_page.enabled", false);
user_pref("mail.rights.version", 1);
user_pref("datareporting.policy.dataSubmissionEnabled", false);
user_pref("datareporting.healthreport.uploadEnabled", false);
user_pref("toolkit.telemetry.enabled", false);
user_pref("app.update.auto", false);
user_pref("devtools.console.stdout.chrome", true);
user_pref("devtools.console.stdout.content", true);
user_pref("browser.dom.window.dump.enabled", true);
user_pref("mail.accountmanager.accounts", "account1");
user_pref("mail.accountmanager.defaultaccount", "account1");
user_pref("mail.accountmanager.localfoldersserver", "server1");
user_pref("mail.account.account1.server", "server1");
user_pref("mail.account.account1.identities", "id1,id2,id3");
user_pref("mail.server.server1.type", "none");
user_pref("mail.server.server1.hostname", "Local Folders");
user_pref("mail.server.server1.userName", "nobody");
user_pref("mail.server.server1.name", "Local Folders");
user_pref("mail.identity.id1.fullName", "Alice Example");
user_pref("mail.identity.id1.useremail", "alice@example.org");
user_pref("mail.identity.id1.valid", true);
user_pref("mail.identity.id1.smtpServer", "smtp1");
user_pref("mail.identity.id1.sign_mail", true);
user_pref("mail.identity.id1.signing_cert_name", "$nick");
user_pref("mail.identity.id1.signing_cert_dbkey", "$dbkey");
user_pref("mail.identity.id2.fullName", "Mallory");
user_pref("mail.identity.id2.useremail", "mallory@example.net");
user_pref("mail.identity.id2.valid", true);
user_pref("mail.identity.id2.smtpServer", "smtp1");
user_pref("mail.identity.id2.sign_mail", true);
user_pref("mail.identity.id2.signing_cert_name", "$nick");
user_pref("mail.identity.id2.signing_cert_dbkey", "$dbkey");
user_pref("mail.identity.id3.fullName", "Bob Example");
user_pref("mail.identity.id3.useremail", "bob@example.org");
user_pref("mail.identity.id3.valid", true);
user_pref("mail.identity.id3.smtpServer", "smtp1");
user_pref("mail.smtpservers", "smtp1");
user_pref("mail.smtp.defaultserver", "smtp1");
user_pref("mail.smtpserver.smtp1.hostname", "127.0.0.1");
user_pref("mail.smtpserver.smtp1.port", 2525);
EOF

# --- the inputs of test/test.js
"$INKAN" sign -k "$PKI/alice.p12" $PF "$MAIL/plain.eml" -o "$W/signed.eml" >/dev/null 2>&1
for kind in pkcs1 pss; do   # own Message-IDs: a folder takes one message per id
  # and today's Date: Thunderbird checks it against the certificate's validity
  sed -e "s/^Message-ID: .*/Message-ID: <inkan-e2e-$kind@example.org>/" -e "s/^Date: .*/Date: $(date -R)/" \
    "$MAIL/plain.eml" >"$W/$kind-plain.eml"
  "$INKAN" sign $([ $kind = pss ] && echo --pss) -k "$PKI/alice.p12" $PF "$W/$kind-plain.eml" -o "$W/$kind.eml" >/dev/null 2>&1
done
# negative control: the PSS mail with its signed body changed
sed -e "s/^Message-ID: .*/Message-ID: <inkan-e2e-pss-bad@example.org>/" -e "s/Hi Bob/Hi Rob/" "$W/pss.eml" >"$W/pss-bad.eml"
alice_end=$(openssl x509 -in "$PKI/alice.cert.pem" -noout -enddate | cut -d= -f2)
python3 - "$W/out/config.json" "$PKI/bob.p12" "$W/signed.eml" "$PASS" "$alice_end" "$W/pss.eml" "$W/pkcs1.eml" "$W/pss-bad.eml" <<'PY'
import base64, json, sys, calendar, time
out, p12, signed, pw, end, pss, pkcs1, pss_bad = sys.argv[1:]
t = calendar.timegm(time.strptime(end.replace(" GMT", ""), "%b %d %H:%M:%S %Y"))
json.dump({"import_p12": base64.b64encode(open(p12, "rb").read()).decode(), "passphrase": pw,
           "signed_sample": base64.b64encode(open(signed, "rb").read()).decode(),
           "pss_sample": base64.b64encode(open(pss, "rb").read()).decode(),
           "pkcs1_sample": base64.b64encode(open(pkcs1, "rb").read()).decode(),
           "pss_bad_sample": base64.b64encode(open(pss_bad, "rb").read()).decode(),
           "wrong_identity": "id2", "right_identity": "id1", "imported_identity": "id3",
           "expiry_at": t - 5 * 86400 - 3600}, open(out, "w"))
PY

# --- install the host manifest and the test build with the real command
if HOME=$W/home "$INKAN" thunderbird install --test-build --profile "$P" >"$W/install.out" 2>&1; then
  ok "inkan thunderbird install --test-build: host manifest and extension installed"
else
  not_ok "inkan thunderbird install --test-build"; sed 's/^/# /' "$W/install.out"
fi
M=$W/home/.mozilla/native-messaging-hosts/inkan.native_host.json
check "the host manifest names the host by absolute path and allows the test build" \
  python3 -c 'import json,sys; m=json.load(open(sys.argv[1])); assert m["path"].startswith("/") and m["type"]=="stdio" and "thunderbird-helper-test@inkan" in m["allowed_extensions"], m' "$M"

# --- run Thunderbird headless (an error dialog would block forever: timeout)
start=$(date +%s)
HOME=$W/home TMPDIR=$W/tmp INKAN_TB_TEST_DIR=$W/out INKAN_NATIVE_HOST_LOG=$W/out/host.log \
  MOZ_CRASHREPORTER_DISABLE=1 timeout -k 5 240 thunderbird --headless --profile "$P" --no-remote \
  >"$W/tb.log" 2>&1 &
TB=$!
for _ in $(seq 1800); do [ -s "$W/out/done.json" ] && break; kill -0 $TB 2>/dev/null || break; sleep 0.1; done
for _ in $(seq 300); do kill -0 $TB 2>/dev/null || break; sleep 0.1; done
if kill -0 $TB 2>/dev/null; then echo "# Thunderbird did not quit; SIGTERM"; kill -TERM $TB 2>/dev/null; fi
wait $TB
echo "# Thunderbird ran $(( $(date +%s) - start )) s"
if [ ! -s "$W/out/done.json" ]; then
  not_ok "the test build finished its scenario"
  grep -E "inkan|Error|error" "$W/tb.log" | head -30 | sed 's/^/# tb: /'
  sed 's/^/# host: /' "$W/out/host.log" 2>/dev/null | tail -20
else
  check "the test build finished its scenario" python3 -c 'import json,sys; d=json.load(open(sys.argv[1])); assert d["ok"], d' "$W/out/done.json"
fi

# jcheck DESCRIPTION FILE PYTHON-EXPR (d = the report's JSON)
jcheck() {
  desc=$1 f=$W/out/$2.json expr=$3
  if [ -s "$f" ] && python3 -c "import json,sys
d=json.load(open(sys.argv[1]))
assert $expr, d" "$f" >"$T/j.out" 2>&1; then ok "$desc"; else
    not_ok "$desc"; head -c 1500 "$f" 2>/dev/null | sed 's/^/# /'; tail -3 "$T/j.out" | sed 's/^/# /'; fi
}

jcheck "the extension reaches the host (hello, protocol 1)" hello \
  'd["protocol"] == 1 and d["test_mode"] and d["profile"]'
jcheck "the host found the running Thunderbird's profile" profile \
  'd["profile"]'
[ "$(python3 -c 'import json,sys; print(json.load(open(sys.argv[1]))["profile"])' "$W/out/hello.json" 2>/dev/null)" = "$P" ] \
  && ok "the host works on the profile of the Thunderbird that started it" \
  || not_ok "the host works on the profile of the Thunderbird that started it"
jcheck "import of bob.p12 from the options page: Thunderbird running, identity id3 attached" import \
  'd["thunderbird_running"] and [i["id"] for i in d["identities"]] == ["id3"] and len(d["applied"]) == len(d["prefs"]) > 0'
jcheck "the options page shows the identity it was attached to and no restart note" import \
  '"Attached to: bob@example.org (id3)" in d["page_text"] and "no restart is needed" in d["page_text"] and "restart Thunderbird" not in d["page_text"] and d["identity_notes"] and "bob@example.org" in d["list_text"]'
jcheck "import: Thunderbird sees the new certificate at once, so no restart is needed" import \
  'd["seen_by_thunderbird"] is True and d["restart_needed"] is False'
if certutil -L -d "sql:$P" | grep -q "bob@example.org.*u,u,u"; then
  ok "certutil: bob's certificate and key are in the profile's NSS database"
else
  not_ok "certutil: bob's certificate and key are in the profile's NSS database"; certutil -L -d "sql:$P" | sed 's/^/# /'
fi
grep -q 'mail.identity.id3.signing_cert_name' "$P/prefs.js" \
  && ok "prefs.js (written by Thunderbird): id3 uses bob's certificate" \
  || not_ok "prefs.js (written by Thunderbird): id3 uses bob's certificate"
echo "# import: $(python3 -c 'import json,sys; d=json.load(open(sys.argv[1])); print("restart_needed=%s seen_by_thunderbird=%s applied=%s" % (d.get("restart_needed"), d.get("seen_by_thunderbird"), d.get("applied")))' "$W/out/import.json" 2>&1)"
jcheck "check-address: the wrong identity (mallory, alice's certificate) is a mismatch" check-address \
  'd["wrong"]["match"] is False and d["wrong"]["reason"] == "mismatch" and d["wrong_smime"]["signingCert"]'
jcheck "check-address: the right identity matches" check-address \
  'd["right"]["match"] is True'
jcheck "verify (messages.import + getRaw + host): alice's signed sample is valid, chain and SBR profile" verify \
  'd["verdict"] == "valid" and len(d["chain"]) == 3 and d["sbr"]["profile"] == "mailbox-validated strict"'
jcheck "the report page shows the verdict, the signer as the From address, the chain and the SBR profile" verify \
  'd["summary"] in d["page_text"] and "the From address" in d["page_text"] and "Inkan Test Root CA" in d["page_text"] and "mailbox-validated strict" in d["page_text"]'
jcheck "expiry: nothing to remind a year ahead; 5 days before the end the 7-day reminder, once" expiry \
  'd["now"]["shown"] == [] and {s["stage"] for s in d["soon"]["shown"]} == {7} and len(d["soon"]["shown"]) == 2 and d["again"]["shown"] == []'
jcheck "pre-send: with the wrong identity the send is cancelled by the extension" presend-wrong \
  'd["sent"] is None and d["error"] and d["enc"]["signMessage"] and any(p["cancel"] and p["reason"] == "mismatch" for p in d["presend"])'
jcheck "pre-send: with the matching identity the mail is queued" presend-right \
  'd["error"] is None and d["sent"]["mode"] == "sendLater"'
# RSASSA-PSS (issue 6): does Debian's Thunderbird verify PSS mail made by
# inkan?  Measured answer (docs/thunderbird.md): yes, like PKCS #1 v1.5.
jcheck "Thunderbird shows inkan's PKCS #1 v1.5 signature as good (nsICMSMessageErrors SUCCESS)" pss-display \
  'd["pkcs1"]["signatureStatus"] == 0 and d["pkcs1"]["host"] == ["RSASSA-PKCS1-v1_5"]'
jcheck "Thunderbird verifies inkan's RSASSA-PSS signature (SUCCESS), as docs/thunderbird.md says" pss-display \
  'd["pss"]["signatureStatus"] == 0 and d["pss"]["host"] == ["RSASSA-PSS"]'
jcheck "Thunderbird rejects inkan's RSASSA-PSS mail with a changed body (the PSS signature is really checked)" pss-display \
  'd["pss_bad"]["signatureStatus"] not in (0, -1, None)'

OUTBOX="$P/Mail/Local Folders/Unsent Messages"
if [ -f "$OUTBOX" ]; then
  python3 - "$OUTBOX" "$W/queued" <<'PY'
import mailbox, sys
box = mailbox.mbox(sys.argv[1])
for i, m in enumerate(box):
    open("%s-%d.eml" % (sys.argv[2], i), "wb").write(m.as_bytes())
    print(m["From"], "|", m["Subject"], "|", m.get_content_type())
PY
fi >"$W/outbox.txt" 2>&1
if grep -q "wrong identity" "$W/outbox.txt"; then
  not_ok "nothing from the wrong identity reached the Outbox"; sed 's/^/# /' "$W/outbox.txt"
else
  ok "nothing from the wrong identity reached the Outbox"
fi
# verify_queued SUBJECT-WORDS DESCRIPTION: the queued mail is multipart/signed
# and openssl cms -verify accepts it with the test root.
verify_queued() {
  line=$(grep -n "$1" "$W/outbox.txt" | head -1 | cut -d: -f1)
  if [ -n "$line" ] && grep "$1" "$W/outbox.txt" | grep -q "multipart/signed" \
     && openssl cms -verify -in "$W/queued-$((line - 1)).eml" -CAfile "$PKI/root.pem" -purpose smimesign \
          -out /dev/null >"$T/cms.out" 2>&1; then
    ok "$2"
  else
    not_ok "$2"; sed 's/^/# /' "$W/outbox.txt" "$T/cms.out" 2>/dev/null | head -10
  fi
}
verify_queued "right identity" "the queued mail of the matching identity is S/MIME-signed and passes openssl cms -verify"
verify_queued "imported while running" \
  "the certificate imported from the extension while Thunderbird ran signs at once (no restart), openssl cms -verify"
if HOME=$W/home "$INKAN" thunderbird uninstall --profile "$P" >"$T/un.out" 2>&1 && [ ! -e "$M" ] \
   && [ ! -e "$P/extensions/thunderbird-helper-test@inkan.xpi" ]; then
  ok "inkan thunderbird uninstall removes the host manifest and the extension"
else
  not_ok "inkan thunderbird uninstall removes the host manifest and the extension"; sed 's/^/# /' "$T/un.out"
fi
# INKAN_TEST_KEEP=DIR keeps the profile, logs and reports for a look.
[ -z "${INKAN_TEST_KEEP:-}" ] || cp -a "$W" "$INKAN_TEST_KEEP"
finish
