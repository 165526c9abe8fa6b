/* inkan: talking to inkan-native-host (JSON-RPC 2.0 over native messaging;
 * docs/native-messaging.md), shared by the background script and pages. */
"use strict";

const INKAN_HOST = "inkan.native_host";
const INKAN_PROTOCOL = 1;

class InkanHost {
  constructor() {
    this.port = null;
    this.nextId = 1;
    this.pending = new Map();
  }

  connect() {
    if (this.port) return this.port;
    const port = browser.runtime.connectNative(INKAN_HOST);
    port.onMessage.addListener((m) => {
      const p = this.pending.get(m.id);
      if (!p) return;
      this.pending.delete(m.id);
      clearTimeout(p.timer);
      if (m.error) {
        const e = new Error(m.error.message);
        e.code = m.error.code;
        e.data = m.error.data;
        p.reject(e);
      } else {
        p.resolve(m.result);
      }
    });
    port.onDisconnect.addListener((p) => {
      const why = (p && p.error && p.error.message) || "the host exited";
      const e = new Error(`inkan-native-host is not reachable: ${why}. Run “inkan thunderbird install”.`);
      e.code = "disconnected";
      for (const [, x] of this.pending) {
        clearTimeout(x.timer);
        x.reject(e);
      }
      this.pending.clear();
      if (this.port === port) this.port = null;
    });
    this.port = port;
    return port;
  }

  call(method, params = {}, timeoutMs = 60000) {
    const port = this.connect();
    const id = this.nextId++;
    return new Promise((resolve, reject) => {
      const timer = setTimeout(() => {
        this.pending.delete(id);
        reject(new Error(`inkan-native-host did not answer ${method} in ${timeoutMs / 1000} s`));
      }, timeoutMs);
      this.pending.set(id, { resolve, reject, timer });
      port.postMessage({ jsonrpc: "2.0", id, method, params });
    });
  }
}

const inkanHost = new InkanHost();

function bytesToBase64(bytes) {
  let s = "";
  for (let i = 0; i < bytes.length; i += 0x8000)
    s += String.fromCharCode.apply(null, bytes.subarray(i, i + 0x8000));
  return btoa(s);
}

/* A message as base64, from getRaw's binary string or File. */
async function rawMessageBase64(messageId) {
  let raw;
  try {
    raw = await browser.messages.getRaw(messageId, { decrypt: true });
  } catch (e) {
    raw = await browser.messages.getRaw(messageId);
  }
  if (typeof raw === "string") return btoa(raw);
  return bytesToBase64(new Uint8Array(await raw.arrayBuffer()));
}

/* The identity's S/MIME certificates as Thunderbird has them (experiment),
 * or null when the experiment is not available. */
async function identitySmime(identityId) {
  try {
    return await browser.inkanTb.getIdentitySmime(identityId);
  } catch (e) {
    console.warn("[inkan] identity S/MIME settings unavailable:", String(e));
    return null;
  }
}

function addressOf(from) {
  const m = /<([^<>]+)>\s*$/.exec(from || "");
  return (m ? m[1] : from || "").trim();
}

/* check-address for a compose window or an identity (the pre-send check). */
async function checkIdentityAddress(identityId, fromHeader) {
  const ident = await browser.identities.get(identityId);
  const email = addressOf(fromHeader) || ident.email;
  const smime = await identitySmime(identityId);
  const params = smime && smime.signingCert
    ? { email, certificate: smime.signingCert }
    : { email, identity: identityId };
  return inkanHost.call("check-address", params);
}

/* Imports files [{name, data(base64)}]; applies the identity settings in
 * the running Thunderbird.  Shared with the test build. */
async function inkanImport(files, passphrase, trustRoot) {
  const params = { files, trust_root: !!trustRoot };
  if (passphrase) params.passphrase = passphrase;
  const r = await inkanHost.call("import", params, 120000);
  r.applied = [];
  if (r.prefs.length && r.thunderbird_running) {
    try {
      r.applied = await browser.inkanTb.setIdentityPrefs(r.prefs);
    } catch (e) {
      r.apply_error = String(e.message || e);
    }
  }
  // Thunderbird reads its certificate database live; a restart is needed
  // only if it does not see the new certificate yet, or the settings could
  // not be applied.
  const dbkey = (r.prefs.find((p) => p.name.endsWith("_cert_dbkey")) || {}).value;
  if (dbkey) {
    try {
      r.seen_by_thunderbird = (await browser.inkanTb.certKnown(dbkey)).found;
    } catch (e) {
      r.seen_by_thunderbird = null;
    }
  }
  r.restart_needed = r.prefs.length > 0 && (r.applied.length < r.prefs.length || r.seen_by_thunderbird !== true);
  return r;
}

function el(tag, attrs = {}, ...children) {
  const e = document.createElement(tag);
  for (const [k, v] of Object.entries(attrs)) {
    if (k === "class") e.className = v;
    else e.setAttribute(k, v);
  }
  for (const c of children) e.append(c instanceof Node ? c : document.createTextNode(String(c)));
  return e;
}
