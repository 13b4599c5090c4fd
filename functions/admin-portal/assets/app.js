// The admin portal's one script: the product guide's screens over the /admin routes,
// authorized by the HttpOnly `portal` cookie, writes carrying X-CSRF-Token. The CSRF token
// comes from /portal/api/session and lives in this closure only (never in storage).
"use strict";
(function () {
  const $ = (id) => document.getElementById(id);
  let csrf = null;
  const timings = {};
  window.__portalTimings = timings;

  // ---- talking to the API ------------------------------------------------------------
  class ApiError extends Error {
    constructor(status, body) {
      super(body.detail || "The request failed.");
      this.status = status;
      this.code = body.code || "error";
      this.correlationId = body.correlationId || "";
    }
  }

  async function api(method, path, body) {
    const headers = { Accept: "application/json" };
    if (method !== "GET") headers["X-CSRF-Token"] = csrf || "";
    if (body !== undefined) headers["Content-Type"] = "application/json";
    let response;
    try {
      response = await fetch(path, {
        method, headers, credentials: "same-origin",
        body: body === undefined ? undefined : JSON.stringify(body),
      });
    } catch (e) {
      throw new ApiError(0, { detail: "The server could not be reached. Check the connection and try again.", code: "network" });
    }
    const text = await response.text();
    let json = {};
    try { json = text ? JSON.parse(text) : {}; } catch (e) { json = { detail: text }; }
    if (!response.ok) throw new ApiError(response.status, json);
    return json;
  }

  // The codes an admin meets most, in plain words; the server's detail follows.
  const PLAIN = {
    metadata_unreachable: "The metadata URL could not be reached. Check it in Okta (Sign On tab, Metadata URL) and try again.",
    metadata_invalid: "That document is not SAML identity-provider metadata.",
    url_not_allowed: "That metadata URL is not allowed: it must be a public https address.",
    no_signing_certificate: "The metadata holds no signing certificate.",
    not_configured: "Save the identity provider's metadata first.",
    not_verified: "Verify the configuration before enabling single sign-on.",
    csrf_failed: "This page is out of date. Reload the portal and try again.",
    unauthorized: "Your portal session has ended. Open the portal from the app again.",
    already_bound: "This user is already bound.",
    sso_not_enabled: "Single sign-on is not enabled, so there is no binding email to send.",
    uniqueness: "A user with that email already exists.",
    network: "The server could not be reached. Check the connection and try again.",
  };

  function showError(e) {
    const box = $("error");
    const parts = PLAIN[e.code] && PLAIN[e.code] !== e.message ? [PLAIN[e.code], e.message] : [e.message];
    if (e.code) parts.push("Code: " + e.code);
    if (e.correlationId) parts.push("Correlation id: " + e.correlationId);
    box.textContent = parts.join(" · ");
    box.hidden = false;
    box.focus && box.setAttribute("tabindex", "-1");
  }

  function clearError() { $("error").hidden = true; $("error").textContent = ""; }
  function status(text) { $("status").textContent = text || ""; }

  // Runs `work` with `button` disabled and a progress line; errors shown, input kept.
  async function busy(button, progress, work) {
    clearError();
    if (button) button.disabled = true;
    status(progress);
    try { return await work(); } catch (e) { showError(e); status(""); return undefined; }
    finally { if (button) button.disabled = false; }
  }

  function el(tag, attrs, ...children) {
    const node = document.createElement(tag);
    for (const [k, v] of Object.entries(attrs || {})) {
      if (k === "class") node.className = v; else if (k.startsWith("on")) node.addEventListener(k.slice(2), v); else node.setAttribute(k, v);
    }
    for (const c of children) node.append(c instanceof Node ? c : document.createTextNode(c == null ? "" : String(c)));
    return node;
  }

  // ---- copy buttons --------------------------------------------------------------------
  document.addEventListener("click", async (event) => {
    const button = event.target.closest("button.copy");
    if (!button) return;
    const source = $(button.dataset.copy);
    const text = source.value !== undefined && source.tagName === "INPUT" ? source.value : source.textContent;
    try { await navigator.clipboard.writeText(text); } catch (e) {
      const area = el("textarea", {}, text); document.body.append(area); area.select(); document.execCommand("copy"); area.remove();
    }
    status("Copied to the clipboard.");
  });

  // ---- screens -------------------------------------------------------------------------
  const screens = { sso: loadSso, scim: loadScim, users: loadUsers, activity: loadActivity };

  async function show(name) {
    if (!screens[name]) name = "sso";
    const started = performance.now();
    for (const s of document.querySelectorAll("[data-screen-section]")) s.hidden = s.dataset.screenSection !== name;
    for (const a of document.querySelectorAll("nav a")) {
      if (a.dataset.screen === name) a.setAttribute("aria-current", "page"); else a.removeAttribute("aria-current");
    }
    document.title = document.querySelector(`nav a[data-screen="${name}"]`).textContent + " · Admin portal";
    clearError();
    status("");
    await screens[name]();
    timings[name] = Math.round(performance.now() - started);
    document.body.dataset.rendered = name;
  }

  window.addEventListener("hashchange", () => show(location.hash.slice(1)));

  // ---- Single Sign-On ------------------------------------------------------------------
  let sso = null;

  async function loadSso() {
    try { sso = await api("GET", "/admin/sso"); } catch (e) { showError(e); return; }
    renderSso();
  }

  const STATUS_WORDS = { unconfigured: "Not configured", configured: "Saved, not verified yet", verified: "Verified, not enabled", enabled: "Enabled" };

  function renderSso() {
    $("sso-status").textContent = STATUS_WORDS[sso.status] || sso.status;
    $("company-id").textContent = sso.companyId;
    $("sp-entity").textContent = sso.sp.entityId;
    $("sp-acs").textContent = sso.sp.acsUrl;
    $("sp-metadata").textContent = sso.sp.metadataUrl;
    if (sso.idp) {
      if (!$("metadata-url").value && sso.idp.metadataUrl) $("metadata-url").value = sso.idp.metadataUrl;
      renderIdp({ idpEntityId: sso.idp.entityId, ssoUrl: sso.idp.ssoUrl, certificates: sso.idp.certificates });
    }
    $("verify").disabled = sso.status === "unconfigured";
    const enabled = sso.status === "enabled";
    $("enable-box").hidden = enabled;
    $("disable-box").hidden = !enabled;
    $("enable").disabled = sso.status !== "verified" || !$("enable-confirm").checked;
    $("disable").disabled = !$("disable-confirm").checked;
  }

  function renderIdp(idp) {
    $("idp-read").hidden = false;
    $("idp-entity").textContent = idp.idpEntityId || "";
    $("idp-sso").textContent = idp.ssoUrl || "";
    const rows = (idp.certificates || []).map((c) => {
      const days = (Date.parse(c.notAfter) - Date.now()) / 86400000;
      const when = new Date(c.notAfter).toISOString().slice(0, 10);
      const expiry = days < 30
        ? el("span", { class: "expiring" }, when + (days < 0 ? " (expired)" : ` (expires in ${Math.max(0, Math.floor(days))} days: ask the IdP admin for the new certificate)`))
        : when;
      return el("tr", {}, el("td", {}, el("code", {}, c.sha256Fingerprint)), el("td", {}, expiry));
    });
    $("certs").replaceChildren(...rows);
  }

  $("idp-form").addEventListener("submit", (event) => {
    event.preventDefault();
    busy($("save"), "Reading the metadata…", async () => {
      const file = $("metadata-file").files[0];
      const url = $("metadata-url").value.trim();
      let body;
      if (file) body = { metadataXml: await file.text() };
      else if (url) body = { metadataUrl: url };
      else throw new ApiError(0, { detail: "Paste the metadata URL from Okta, or choose a metadata file.", code: "missing_metadata" });
      const read = await api("PUT", "/admin/sso/idp", body);
      renderIdp(read);
      await loadSso();
      status("Saved. Now click Verify Configuration.");
    });
  });

  $("verify").addEventListener("click", () => {
    const since = new Date().toISOString();
    const win = window.open("about:blank", "verify-login");
    busy($("verify"), "Opening the test login…", async () => {
      let loginUrl;
      try { loginUrl = (await api("POST", "/admin/sso/verify")).loginUrl; } catch (e) { if (win) win.close(); throw e; }
      if (win) win.location = loginUrl; else window.open(loginUrl, "verify-login");
      $("verify-result").textContent = "Waiting for the test login to complete in the other window…";
      for (let i = 0; i < 200; i++) {
        await new Promise((r) => setTimeout(r, 1500));
        const now = await api("GET", "/admin/sso");
        if (now.status === "verified" || now.status === "enabled") {
          sso = now; renderSso();
          $("verify-result").replaceChildren(el("span", { class: "ok" }, "Configuration verified."));
          status("");
          return;
        }
        const recent = await api("GET", "/admin/events?limit=10");
        const refused = recent.events.find((e) => e.action === "saml.refused" && e.at >= since);
        if (refused) {
          $("verify-result").textContent = "";
          throw new ApiError(403, { detail: "The test login was refused: " + (refused.detail.reason || ""), code: refused.detail.code || "saml_refused" });
        }
        if (win && win.closed) break;
      }
      $("verify-result").textContent = "The test login did not complete. Try Verify Configuration again.";
      status("");
    });
  });

  $("enable-confirm").addEventListener("change", () => { if (sso) renderSso(); });
  $("disable-confirm").addEventListener("change", () => { if (sso) renderSso(); });

  $("enable").addEventListener("click", () => busy($("enable"), "Enabling single sign-on and sending the binding emails…", async () => {
    const done = await api("POST", "/admin/sso/enable");
    $("enable-confirm").checked = false;
    await loadSso();
    status(`Single sign-on is enabled. ${done.bindingEmails} binding email${done.bindingEmails === 1 ? "" : "s"} went out.`);
  }));

  $("disable").addEventListener("click", () => busy($("disable"), "Disabling single sign-on and sending the password emails…", async () => {
    const done = await api("POST", "/admin/sso/disable");
    $("disable-confirm").checked = false;
    await loadSso();
    status(`Single sign-on is disabled. ${done.passwordEmails} password email${done.passwordEmails === 1 ? "" : "s"} went out.`);
  }));

  // ---- SCIM ------------------------------------------------------------------------------
  async function loadScim() {
    try { sso = await api("GET", "/admin/sso"); } catch (e) { showError(e); return; }
    $("scim-enabled").checked = sso.scim.enabled;
    $("scim-base").textContent = sso.scim.baseUrl;
    $("scim-rotate").disabled = !sso.scim.enabled;
  }

  async function newToken(button) {
    const made = await api("POST", "/admin/scim/token");
    $("scim-token").value = made.token;
    $("token-box").hidden = false;
    $("scim-token").focus();
    $("scim-token").select();
    await loadScim();
    status("SCIM is on. Copy the token now: it will not be shown again.");
  }

  $("scim-enabled").addEventListener("change", (event) => {
    const on = event.target.checked;
    busy(event.target, on ? "Turning SCIM on…" : "Turning SCIM off…", async () => {
      try {
        if (on) await newToken(); else {
          await api("DELETE", "/admin/scim/token");
          $("token-box").hidden = true; $("scim-token").value = "";
          await loadScim(); status("SCIM is off; the token no longer works.");
        }
      } catch (e) { event.target.checked = !on; throw e; }
    });
  });

  $("scim-rotate").addEventListener("click", () => busy($("scim-rotate"), "Making a new token…", () => newToken()));

  // ---- Users -----------------------------------------------------------------------------
  // Paged by the server (25 at a time, its cursor), so a 100,000-user org costs one page;
  // the search asks for the one user with that email.
  const PAGE = 25;
  let users = [], total = 0, cursors = [null], page = 0, next = null;

  async function loadUsers() {
    const q = $("users-q").value.trim();
    const path = q
      ? "/admin/users?q=" + encodeURIComponent(q)
      : `/admin/users?limit=${PAGE}` + (cursors[page] ? "&cursor=" + encodeURIComponent(cursors[page]) : "");
    let listed;
    try { [listed, sso] = await Promise.all([api("GET", path), api("GET", "/admin/sso")]); } catch (e) { showError(e); return; }
    users = listed.users;
    total = listed.total;
    next = listed.next;
    $("invite-form").hidden = sso.scim.enabled;
    renderUsers(q);
  }

  const BINDING_WORDS = { bound: "Bound", pending: "Pending", expired: "Expired", none: "None" };

  function renderUsers(q) {
    const rows = users.map((u) => {
      const actions = el("td", {});
      if (u.binding === "bound") {
        actions.append(el("button", { type: "button", "aria-label": `Unbind ${u.email}`, onclick: (e) => act(e.target, "DELETE", u, "Unbinding…", `${u.email} is unbound.`) }, "Unbind"));
      } else if (u.active && (u.binding === "pending" || u.binding === "expired")) {
        actions.append(el("button", { type: "button", "aria-label": `Resend the binding email to ${u.email}`, onclick: (e) => act(e.target, "POST", u, "Sending…", `A new binding email went to ${u.email}.`) }, "Resend"));
      }
      return el("tr", { "data-email": u.email },
        el("td", {}, u.name.formatted || ""), el("td", {}, u.email), el("td", {}, u.role),
        el("td", {}, u.active ? "Active" : "Inactive"),
        el("td", {}, el("span", { class: "badge " + u.binding }, BINDING_WORDS[u.binding] || u.binding)),
        actions);
    });
    $("users-rows").replaceChildren(...rows);
    const pages = Math.max(1, Math.ceil(total / PAGE));
    $("users-page").textContent = q
      ? (users.length ? `1 user with the email ${q}` : `No user has the email ${q}`)
      : `Page ${page + 1} of ${pages} · ${total} user${total === 1 ? "" : "s"}`;
    $("users-prev").disabled = q || page === 0;
    $("users-next").disabled = q || !next;
  }

  function act(button, method, user, progress, done) {
    return busy(button, progress, async () => {
      await api(method, `/admin/users/${encodeURIComponent(user.id)}/binding`);
      await loadUsers();
      status(done);
    });
  }

  $("users-search").addEventListener("submit", (e) => { e.preventDefault(); page = 0; cursors = [null]; loadUsers(); });
  $("users-prev").addEventListener("click", () => { page -= 1; loadUsers(); });
  $("users-next").addEventListener("click", () => { cursors[page + 1] = next; page += 1; loadUsers(); });

  $("invite-form").addEventListener("submit", (event) => {
    event.preventDefault();
    busy($("invite"), "Inviting…", async () => {
      const body = { email: $("invite-email").value.trim(), name: $("invite-name").value.trim(), role: $("invite-role").value };
      await api("POST", "/admin/invitations", body);
      $("invite-email").value = ""; $("invite-name").value = "";
      await loadUsers();
      status(`${body.email} is invited: a binding email is on its way.`);
    });
  });

  // ---- Activity --------------------------------------------------------------------------
  let cursor = null;

  async function loadActivity() {
    $("events-rows").replaceChildren();
    cursor = null;
    await moreEvents();
  }

  async function moreEvents() {
    const path = "/admin/events?limit=50" + (cursor ? "&cursor=" + encodeURIComponent(cursor) : "");
    let page;
    try { page = await api("GET", path); } catch (e) { showError(e); return; }
    const rows = page.events.map((e) => {
      const detail = e.detail && typeof e.detail === "object"
        ? Object.entries(e.detail).map(([k, v]) => `${k}: ${typeof v === "object" ? JSON.stringify(v) : v}`).join("; ")
        : "";
      return el("tr", { "data-action": e.action },
        el("td", {}, new Date(e.at).toLocaleString()), el("td", {}, e.actor), el("td", {}, e.action),
        el("td", {}, e.target), el("td", {}, detail));
    });
    $("events-rows").append(...rows);
    cursor = page.next;
    $("events-more").disabled = !cursor;
  }

  $("events-more").addEventListener("click", () => busy($("events-more"), "Loading older events…", moreEvents));

  // ---- start -----------------------------------------------------------------------------
  async function boot() {
    try {
      const session = await api("GET", "/portal/api/session");
      csrf = session.csrf;
      $("who").textContent = `${session.admin.name || session.admin.email} · ${session.companyId}`;
    } catch (e) { showError(e); return; }
    await show(location.hash.slice(1) || "sso");
  }

  boot();
})();
