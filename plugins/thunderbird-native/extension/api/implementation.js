/* inkanTb experiment: the few things the MailExtension API cannot do.
 * Runs in Thunderbird's parent process. */
/* global ExtensionAPI, ChromeUtils, Cc, Ci, Services */
"use strict";

var { ExtensionCommon } = ChromeUtils.importESModule("resource://gre/modules/ExtensionCommon.sys.mjs");
var { MailServices } = ChromeUtils.importESModule("resource:///modules/MailServices.sys.mjs");

const PREF_RE = /^mail\.identity\.([A-Za-z0-9_]+)\.(signing|encryption)_cert_(name|dbkey)$/;

function certDB() {
  return Cc["@mozilla.org/security/x509certdb;1"].getService(Ci.nsIX509CertDB);
}

function findCert(dbkey) {
  if (!dbkey) return null;
  try {
    return certDB().findCertByDBKey(dbkey);
  } catch (e) {
    return null;
  }
}

function identity(id) {
  const i = MailServices.accounts.getIdentity(id);
  if (!i || !i.email) throw new ExtensionCommon.ExtensionError(`No mail identity ${id}`);
  return i;
}

this.inkanTb = class extends ExtensionAPI {
  getAPI(context) {
    return {
      inkanTb: {
        async getIdentitySmime(identityId) {
          const i = identity(identityId);
          const out = {};
          for (const which of ["signing", "encryption"]) {
            const name = i.getUnicharAttribute(`${which}_cert_name`) || null;
            const dbkey = i.getCharAttribute(`${which}_cert_dbkey`) || null;
            const cert = findCert(dbkey);
            out[`${which}CertName`] = name;
            out[`${which}CertDbKey`] = dbkey;
            out[`${which}Cert`] = cert ? cert.getBase64DERString() : null;
          }
          out.email = i.email;
          return out;
        },
        async setIdentityPrefs(prefs) {
          const done = [];
          for (const { name, value } of prefs) {
            const m = PREF_RE.exec(name);
            if (!m) throw new ExtensionCommon.ExtensionError(`Refusing to set ${name}`);
            const i = identity(m[1]);
            const attr = `${m[2]}_cert_${m[3]}`;
            if (m[3] === "name") i.setUnicharAttribute(attr, value);
            else i.setCharAttribute(attr, value);
            done.push(name);
          }
          Services.prefs.savePrefFile(null);
          return done;
        },
        async certKnown(dbkey) {
          const cert = findCert(dbkey);
          let hasKey = false;
          if (cert) {
            try {
              // A user certificate (with its key) is what signing needs.
              hasKey = certDB().isCertTrusted(cert, Ci.nsIX509Cert.USER_CERT, Ci.nsIX509CertDB.TRUSTED_EMAIL) || cert.certType === Ci.nsIX509Cert.USER_CERT;
            } catch (e) {
              hasKey = cert.certType === Ci.nsIX509Cert.USER_CERT;
            }
          }
          return { found: !!cert, userCert: hasKey };
        },
        async smimeDisplayStatus(tabId) {
          const tab = context.extension.tabManager.get(tabId);
          let win = tab.nativeTab.chromeBrowser ? tab.nativeTab.chromeBrowser.contentWindow : null;
          if (win && win.messageBrowser) win = win.messageBrowser.contentWindow;
          if (!win) throw new ExtensionCommon.ExtensionError("No message window in that tab");
          const t0 = Date.now();
          while (Date.now() - t0 < 15000 && !(win.gSignatureStatus > -1 || win.gEncryptionStatus > -1))
            await new Promise((r) => win.setTimeout(r, 100));
          const names = {};
          for (const k in Ci.nsICMSMessageErrors) names[Ci.nsICMSMessageErrors[k]] = k;
          return {
            signatureStatus: win.gSignatureStatus ?? null,
            signatureName: names[win.gSignatureStatus] ?? null,
            encryptionStatus: win.gEncryptionStatus ?? null,
            url: String(win.location && win.location.href),
          };
        },
        async profileDir() {
          return Services.dirsvc.get("ProfD", Ci.nsIFile).path;
        },
        async quit() {
          // eForceQuit: no "save this draft?" prompt from a compose window.
          Services.startup.quit(Ci.nsIAppStartup.eForceQuit);
        },
      },
    };
  }
};
