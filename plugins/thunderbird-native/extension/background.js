/* inkan MailExtension, background: the pre-send address check and the
 * certificate expiry reminders.  The verdict popup is verdict.js, the
 * import page options.js. */
"use strict";

const REMINDER_DAYS = [90, 60, 30, 7, 3];
const log = (...a) => console.log("[inkan]", ...a);

/* Results of the last pre-send checks, for the test build. */
const presendLog = [];

function notify(id, title, message) {
  return browser.notifications.create(id, { type: "basic", title, message, iconUrl: "icon.svg" })
    .catch((e) => log("notification failed", String(e)));
}

/* compose.onBeforeSend: when S/MIME signing is on, the From address must
 * be one of the signing certificate's.  Cancels the send otherwise. */
async function beforeSend(tab, details) {
  const enc = details.selectedEncryptionTechnology;
  if (!enc || enc.name !== "S/MIME" || !enc.signMessage) return {};
  let r;
  try {
    r = await checkIdentityAddress(details.identityId, details.from);
  } catch (e) {
    // The check helps; it does not hold mail hostage when the host is missing.
    log("pre-send check failed:", String(e));
    presendLog.push({ identityId: details.identityId, error: String(e), cancel: false });
    notify("inkan-presend-error", "inkan could not check the signing certificate", String(e.message || e));
    return {};
  }
  const cancel = !r.match && r.reason === "mismatch";
  presendLog.push({ identityId: details.identityId, email: r.email, reason: r.reason, cancel });
  if (cancel) {
    notify(`inkan-presend-${tab.id}`, "Not sent: the signing certificate is for another address", r.message);
    return { cancel: true };
  }
  if (r.reason === "expired")
    notify(`inkan-presend-${tab.id}`, "The signing certificate has expired", r.message);
  return {};
}
browser.compose.onBeforeSend.addListener(beforeSend);

/* Expiry reminders: once per certificate and stage (90/60/30/7/3 days, and
 * expired), for the certificates of the configured identities. */
async function expiryReport(at) {
  const accounts = await browser.accounts.list();
  const identities = [];
  for (const a of accounts)
    for (const i of a.identities || []) {
      const smime = await identitySmime(i.id);
      const certs = smime ? [smime.signingCert, smime.encryptionCert].filter(Boolean) : [];
      for (const certificate of new Set(certs)) identities.push({ id: i.id, email: i.email, certificate });
    }
  // Without the experiment the host reads the identities from the profile.
  const params = identities.length ? { identities, thresholds: REMINDER_DAYS } : { thresholds: REMINDER_DAYS };
  if (at) params.at = at;
  return inkanHost.call("expiry", params);
}

/* @at (seconds since the epoch) is for tests: "as if it were then". */
async function remindExpiry(at) {
  let report;
  try {
    report = await expiryReport(at);
  } catch (e) {
    log("expiry check failed:", String(e));
    return null;
  }
  const { reminded = {} } = await browser.storage.local.get("reminded");
  const shown = [];
  for (const c of report.certificates) {
    if (c.stage === null) continue;
    const key = c.sha256 || c.nickname;
    if (reminded[key] === c.stage) continue;
    reminded[key] = c.stage;
    const who = c.emails.join(", ") || c.subject;
    const title = c.stage === "expired" ? `Certificate for ${who} has expired`
                                        : `Certificate for ${who} expires in ${c.days_left} day(s)`;
    notify(`inkan-expiry-${key}`, title, c.message);
    shown.push({ key, stage: c.stage, days_left: c.days_left });
  }
  await browser.storage.local.set({ reminded });
  return { report, shown };
}

browser.alarms.create("inkan-expiry", { delayInMinutes: 1, periodInMinutes: 12 * 60 });
browser.alarms.onAlarm.addListener((a) => {
  if (a.name === "inkan-expiry") remindExpiry();
});

/* Pages ask the background for reports it keeps. */
browser.runtime.onMessage.addListener((m) => {
  if (m && m.inkan === "presend-log") return Promise.resolve(presendLog);
  if (m && m.inkan === "remind-expiry") return remindExpiry();
  return undefined;
});
