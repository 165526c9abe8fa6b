/* Options page: import a PKCS#12 / key + .p7b through the host into the
 * running profile, attach it to the identities, say whether a restart is
 * needed; list the profile's identities and certificates. */
"use strict";

async function readFile(f) {
  return { name: f.name, data: bytesToBase64(new Uint8Array(await f.arrayBuffer())) };
}

function showImport(r) {
  const out = document.getElementById("result");
  out.textContent = "";
  out.append(el("h2", { class: "valid" }, `Imported as “${r.nickname}”`));
  // The identity sentences say "restart"; they only hold when the settings
  // could not be made in the running Thunderbird.
  const notes = r.restart_needed ? r.notes.concat(r.identity_notes) : r.notes;
  out.append(el("ul", {}, ...notes.map((n) => el("li", {}, n))));
  if (r.identities.length)
    out.append(el("p", {}, "Attached to: " + r.identities.map((i) => `${i.email} (${i.id})`).join(", ")));
  else
    out.append(el("p", { class: "warn" }, "No mail identity has this certificate's address; choose it in Account Settings → End-To-End Encryption."));
  if (r.restart_needed)
    out.append(el("p", { class: "warn" }, "Restart Thunderbird to use the new certificate."));
  else if (r.identities.length)
    out.append(el("p", { class: "valid" }, "Thunderbird can use it now; no restart is needed."));
}

async function showList() {
  const box = document.getElementById("list");
  try {
    const r = await inkanHost.call("list");
    box.textContent = "";
    box.className = "";
    box.append(el("table", {},
      el("tr", {}, el("th", {}, "Identity"), el("th", {}, "Signing certificate"), el("th", {}, "Matches")),
      ...r.identities.map((i) => el("tr", {}, el("td", {}, i.email), el("td", {}, i.signing_certificate || "—"),
        el("td", { class: i.signing_matches === false ? "bad" : "" }, i.signing_matches === null ? "" : i.signing_matches ? "yes" : "NO")))));
    box.append(el("table", {},
      el("tr", {}, el("th", {}, "Certificate"), el("th", {}, "Issuer"), el("th", {}, "Until"), el("th", {}, "Days left")),
      ...r.certificates.filter((c) => c.has_key || c.identities.length).map((c) => el("tr", {},
        el("td", {}, c.emails.join(", ") || c.nickname), el("td", {}, c.issuer), el("td", {}, c.not_after),
        el("td", { class: c.days_left < 30 ? "warn" : "" }, String(c.days_left))))));
  } catch (e) {
    box.textContent = `Could not list: ${e.message || e}`;
    box.className = "bad";
  }
}

if (typeof document !== "undefined" && document.getElementById("import")) {
  document.getElementById("import").addEventListener("submit", async (ev) => {
    ev.preventDefault();
    const out = document.getElementById("result");
    out.textContent = "Importing…";
    try {
      const files = await Promise.all([...document.getElementById("files").files].map(readFile));
      const pass = document.getElementById("passphrase").value;
      document.getElementById("passphrase").value = "";
      window.inkanLastImport = await inkanImport(files, pass, document.getElementById("trust_root").checked);
      showImport(window.inkanLastImport);
      await showList();
    } catch (e) {
      out.textContent = `Not imported: ${e.message || e}`;
      out.className = "bad";
    }
    window.inkanImportDone = true;
  });
  showList();
}
