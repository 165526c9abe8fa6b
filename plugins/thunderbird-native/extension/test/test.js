/* Test build only (make-xpi.sh --test): the scenario of
 * tests/thunderbird/e2e.sh.  Inputs come from the host's test-config
 * ($INKAN_TB_TEST_DIR/config.json), results go back through test-report
 * into $INKAN_TB_TEST_DIR/NAME.json, and Thunderbird quits at the end. */
/* global inkanHost, inkanImport, checkIdentityAddress, identitySmime, rawMessageBase64, remindExpiry, presendLog */
"use strict";

const sleep = (ms) => new Promise((r) => setTimeout(r, ms));
const within = (p, ms, what) => Promise.race([p, sleep(ms).then(() => { throw new Error(`timeout: ${what}`); })]);
const report = (name, data) => inkanHost.call("test-report", { name, data });
const errText = (e) => String((e && e.message) || e);

async function step(name, fn) {
  let data;
  try {
    data = await fn();
  } catch (e) {
    data = { error: errText(e) };
  }
  await report(name, data === undefined ? null : data);
  return data;
}

/* An extension page's window (MV2 getViews), once @ready(window) holds. */
async function waitForView(file, ready) {
  for (let i = 0; i < 300; i++) {
    const w = browser.extension.getViews({ type: "tab" }).find((v) => v.location.pathname.endsWith(file));
    if (w && w.document.readyState === "complete" && ready(w)) return w;
    await sleep(100);
  }
  throw new Error(`timeout waiting for ${file}`);
}

async function waitForMainWindow() {
  for (let i = 0; i < 100; i++) {
    const w = await browser.windows.getAll();
    if (w.length) return w;
    await sleep(100);
  }
  return [];
}

async function localFolder(name) {
  const [account] = (await browser.accounts.list(true)).filter((a) => a.type === "none");
  const all = [];
  const walk = (fs) => { for (const f of fs || []) { all.push(f); walk(f.subFolders); } };
  walk(account.folders || account.rootFolder?.subFolders);
  return all.find((f) => f.name === name || f.path === `/${name}`);
}

async function compose(identityId, subject) {
  const tab = await browser.compose.beginNew({
    identityId, to: ["bob@example.org"], subject, plainTextBody: "Hello from the inkan e2e test.\n", isPlainText: true,
  });
  await sleep(1000);
  const details = await browser.compose.getComposeDetails(tab.id);
  let sent = null, error = null;
  try {
    sent = await within(browser.compose.sendMessage(tab.id, { mode: "sendLater" }), 20000, "sendMessage");
  } catch (e) {
    error = errText(e);
  }
  return { identityId, from: details.from, enc: details.selectedEncryptionTechnology, sent, error,
           presend: presendLog.slice() };
}

(async () => {
  const cfg = await inkanHost.call("test-config");
  await waitForMainWindow();
  await step("hello", () => inkanHost.call("hello", { client: "inkan-thunderbird-test", protocol: 1 }));
  await step("profile", async () => ({ profile: await browser.inkanTb.profileDir(),
                                       identities: (await browser.accounts.list()).flatMap((a) => a.identities) }));
  await step("import", async () => {
    // Through the options page, as a person does it: files, passphrase, Import.
    await browser.runtime.openOptionsPage();
    const page = await waitForView("options.html", (w) => w.document.getElementById("list").querySelector("table"));
    const bytes = Uint8Array.from(atob(cfg.import_p12), (c) => c.charCodeAt(0));
    const dt = new page.DataTransfer();
    dt.items.add(new page.File([bytes], "bob.p12", { type: "application/x-pkcs12" }));
    page.document.getElementById("files").files = dt.files;
    page.document.getElementById("passphrase").value = cfg.passphrase;
    page.document.getElementById("import").requestSubmit();
    await waitForView("options.html", (w) => w.inkanImportDone);
    await sleep(300);
    const r = JSON.parse(JSON.stringify(page.inkanLastImport || { error: page.document.getElementById("result").textContent }));
    r.page_text = page.document.getElementById("result").textContent;
    r.list_text = page.document.getElementById("list").textContent;
    return r;
  });
  await step("check-address", async () => ({
    wrong: await checkIdentityAddress(cfg.wrong_identity),
    right: await checkIdentityAddress(cfg.right_identity),
    wrong_smime: await identitySmime(cfg.wrong_identity),
  }));
  await step("verify", async () => {
    const folder = await localFolder("Trash");
    const file = new File([Uint8Array.from(atob(cfg.signed_sample), (c) => c.charCodeAt(0))], "signed.eml");
    const hdr = await browser.messages.import(file, folder.id ?? folder);
    // The report page (the message-display popup's page) renders the verdict.
    const tab = await browser.tabs.create({ url: `verdict.html?messageId=${hdr.id}` });
    const page = await waitForView("verdict.html", (w) => w.inkanReport);
    await sleep(200);
    const r = JSON.parse(JSON.stringify(page.inkanReport));
    r.page_text = page.document.body.textContent;
    await browser.tabs.remove(tab.id);
    return r;
  });
  await step("expiry", async () => {
    const now = await remindExpiry();
    const soon = await remindExpiry(cfg.expiry_at);
    const again = await remindExpiry(cfg.expiry_at);
    return { now, soon, again };
  });
  await step("presend-wrong", () => compose(cfg.wrong_identity, "inkan e2e: wrong identity"));
  await step("presend-right", () => compose(cfg.right_identity, "inkan e2e: right identity"));
  await step("pss-display", async () => {
    // RSASSA-PSS made by "inkan sign --pss", and PKCS #1 v1.5 as the control:
    // what Thunderbird itself says when it shows them.
    const folder = await localFolder("Trash");
    const out = {};
    for (const [name, b64] of [["pkcs1", cfg.pkcs1_sample], ["pss", cfg.pss_sample], ["pss_bad", cfg.pss_bad_sample]]) {
      const file = new File([Uint8Array.from(atob(b64), (c) => c.charCodeAt(0))], `${name}.eml`);
      const hdr = await browser.messages.import(file, folder.id ?? folder);
      let tab = null;
      try {
        tab = await within(browser.messageDisplay.open({ messageId: hdr.id, location: "tab" }), 15000, "messageDisplay.open");
      } catch (e) {
        tab = (await browser.tabs.query({ type: "messageDisplay" })).pop();
      }
      out[name] = await browser.inkanTb.smimeDisplayStatus(tab.id);
      out[name].host = (await inkanHost.call("verify", { message: b64 })).signers.map((x) => x.signature_algorithm);
      await browser.tabs.remove(tab.id);
    }
    return out;
  });
  await report("done", { ok: true });
  // After "done": does the certificate imported while running sign at once?
  await step("live-import-send", async () => {
    const tab = await browser.compose.beginNew({ identityId: cfg.imported_identity, to: ["alice@example.org"],
      subject: "inkan e2e: imported while running", plainTextBody: "hi\n", isPlainText: true });
    await sleep(1000);
    await browser.compose.setComposeDetails(tab.id, { selectedEncryptionTechnology: { name: "S/MIME", signMessage: true, encryptBody: false } });
    return { sent: await within(browser.compose.sendMessage(tab.id, { mode: "sendLater" }), 15000, "sendMessage") };
  });
  await browser.inkanTb.quit();
})().catch(async (e) => {
  console.error("[inkan-test]", errText(e));
  try { await report("done", { ok: false, error: errText(e) }); } catch (x) { /* host gone */ }
  try { await browser.inkanTb.quit(); } catch (x) { /* nothing left to do */ }
});
