/* The message-display button: verify the displayed message with the host
 * and show the verdict, the signer, the chain and the SBR profile. */
"use strict";

const FLAG_TEXT = {
  "mismatch-from": "The signer is not the From address: do not trust who this mail says it is from.",
  "untrusted": "The signer's certificate does not chain to a root trusted for email.",
  "expired": "The signer's certificate (or a CA above it) had expired.",
  "not-yet-valid": "The signer's certificate was not yet valid.",
  "no-signer": "The signature names no signer certificate.",
  "multiple-signers": "The signature has more than one signer.",
  "not-detached": "The detached signature carries its own copy of the content, which may differ from what is shown.",
  "partially-signed": "Only a part of this mail is signed; the rest could have been added by anyone.",
  "weak-algorithm": "The signature uses a weak algorithm (SHA-1, MD5 or an RSA key under 2048 bits).",
  "address-from-subject": "The signer's address comes from the certificate subject, not the subjectAltName.",
  "encrypted": "The mail was encrypted.",
};

function render(r) {
  const head = document.getElementById("headline");
  const out = document.getElementById("report");
  head.textContent = r.summary;
  head.className = r.verdict === "valid" ? "valid" : r.verdict === "not-signed" ? "muted" : "bad";
  const flags = r.flags.filter((f) => f !== "encrypted" || r.verdict === "not-signed");
  if (flags.length) out.append(el("ul", {}, ...flags.map((f) => el("li", {}, FLAG_TEXT[f] || f))));
  for (const s of r.signers) {
    out.append(el("h2", {}, "Signer"));
    out.append(el("table", {},
      el("tr", {}, el("th", {}, "Address"), el("td", {}, (s.emails.join(", ") || "(none)") + (s.from_match ? " — the From address" : " — NOT the From address"))),
      el("tr", {}, el("th", {}, "Certificate"), el("td", {}, s.subject || "")),
      el("tr", {}, el("th", {}, "Issued by"), el("td", {}, s.issuer || "")),
      el("tr", {}, el("th", {}, "Signature"), el("td", {}, `${s.signature_algorithm}, ${s.digest_algorithm}${s.signature_valid ? "" : " — DOES NOT VERIFY"}`)),
      el("tr", {}, el("th", {}, "Signed"), el("td", {}, s.signing_time || "(no time)")),
      el("tr", {}, el("th", {}, "Chain"), el("td", {}, s.chain_trusted ? "trusted for email" : (s.chain_error || "not trusted")))));
  }
  if (r.chain.length) {
    out.append(el("h2", {}, "Chain"));
    out.append(el("ol", {}, ...r.chain.map((c) =>
      el("li", {}, `${c.subject} (until ${c.not_after}${c.anchor ? ", trust anchor" : ""}${c.sbr_profile ? ", SBR " + c.sbr_profile : ""})`))));
  }
  if (r.sbr) {
    out.append(el("h2", {}, "S/MIME Baseline Requirements"));
    out.append(el("div", {}, r.sbr.profile ? `Profile: ${r.sbr.profile}` : "No SBR profile: a pre-SBR or private certificate."));
    if (r.sbr.findings && r.sbr.findings.length)
      out.append(el("ul", {}, ...r.sbr.findings.map((f) => el("li", { class: f.severity === "error" || f.severity === "fatal" ? "bad" : "warn" },
        `${f.severity}: ${f.message} (${f.code})`))));
    else if (r.sbr.findings) out.append(el("div", { class: "valid" }, "No findings."));
    else if (!r.sbr.lint_available) out.append(el("div", { class: "muted" }, "Linting is not available in this build of inkan."));
  }
}

(async () => {
  try {
    // As a popup: the message shown in the active tab; as a page: ?messageId=N.
    const asked = Number(new URLSearchParams(location.search).get("messageId"));
    let id = asked || null;
    if (!id) {
      const [tab] = await browser.tabs.query({ active: true, currentWindow: true });
      const msg = await browser.messageDisplay.getDisplayedMessage(tab.id);
      if (!msg) throw new Error("No message is displayed.");
      id = msg.id;
    }
    window.inkanReport = await inkanHost.call("verify", { message: await rawMessageBase64(id) });
    render(window.inkanReport);
  } catch (e) {
    const head = document.getElementById("headline");
    head.textContent = `Could not check: ${e.message || e}`;
    head.className = "bad";
  }
})();
