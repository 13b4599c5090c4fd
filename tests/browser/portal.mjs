// The admin portal in a real browser (Debian's chromium, driven by playwright-core)
// against the local stack and its dev IdP: the product guide walked screen by screen,
// the refusals (a used link, a write without the CSRF header, an API error on the page),
// axe-core on every screen, a screenshot of each, and each screen's time to first render.
//
//   node portal.mjs   (BASE, LINK, COMPANY, SCREENSHOTS from the environment)
//
// Run by tests/integration/portal_browser.rs, which starts the stack and makes the link.
import { chromium } from "playwright-core";
import { createRequire } from "node:module";
import { mkdirSync } from "node:fs";

const require = createRequire(import.meta.url);
const AXE = require.resolve("axe-core/axe.min.js");
const { BASE, LINK, COMPANY, SCREENSHOTS } = process.env;
// A hang anywhere fails the run instead of holding `make test` forever.
setTimeout(() => {
  console.error("portal walk: still not done after 4 minutes");
  process.exit(3);
}, 240000).unref();
const ADMIN = `admin@${COMPANY}.example.com`;
const ADA = `ada.lovelace1@${COMPANY}.example.com`;
const GRACE = `grace.hopper1@${COMPANY}.example.com`;
const SCIM_USER = `scim.made@${COMPANY}.example.com`;
const report = { timings: {}, axe: {}, screenshots: [] };

function check(cond, what) {
  if (!cond) throw new Error("check failed: " + what);
}

// The probe's flags for this machine's closed network (no background connections).
const browser = await chromium.launch({
  executablePath: process.env.CHROMIUM || "/usr/bin/chromium",
  args: ["--no-sandbox", "--disable-gpu", "--disable-quic", "--no-first-run",
    "--disable-background-networking", "--disable-component-update", "--disable-sync"],
});
// bypassCSP only so that axe-core can be injected; the portal's own CSP is checked by
// the HTTP tests, and a CSP violation of the portal's code is caught below.
const context = await browser.newContext({ bypassCSP: true, viewport: { width: 1200, height: 900 } });
await context.grantPermissions(["clipboard-read", "clipboard-write"], { origin: BASE });
// Fail in seconds, not never (playwright's own default is no timeout for some waits).
context.setDefaultTimeout(20000);
context.setDefaultNavigationTimeout(30000);
const page = await context.newPage();
const consoleErrors = [];
page.on("console", (m) => { if (m.type() === "error") consoleErrors.push(m.text()); });
page.on("pageerror", (e) => consoleErrors.push(String(e)));

async function rendered(screen) {
  await page.waitForFunction((s) => document.body.dataset.rendered === s, screen, { timeout: 15000 });
  const t = await page.evaluate((s) => window.__portalTimings[s], screen);
  report.timings[screen] = t;
}

async function axe(screen) {
  await page.addScriptTag({ path: AXE });
  const result = await page.evaluate(async () => {
    // eslint-disable-next-line no-undef
    const r = await axe.run(document, { runOnly: ["wcag2a", "wcag2aa", "wcag21a", "wcag21aa", "best-practice"] });
    return r.violations.map((v) => ({ id: v.id, impact: v.impact, nodes: v.nodes.length, help: v.help }));
  });
  report.axe[screen] = result;
  const serious = result.filter((v) => v.impact === "serious" || v.impact === "critical");
  check(serious.length === 0, `${screen}: serious accessibility violations ${JSON.stringify(serious)}`);
}

async function shot(name) {
  mkdirSync(SCREENSHOTS, { recursive: true });
  const path = `${SCREENSHOTS}/portal-${name}.png`;
  await page.screenshot({ path, fullPage: true });
  report.screenshots.push(path);
}

async function statusSays(text) {
  await page.waitForFunction((t) => document.getElementById("status").textContent.includes(t), text, { timeout: 20000 });
}

// Polls `probe` until it is true (the outbox is sent by a worker, a moment later).
async function eventually(probe, what) {
  for (let i = 0; i < 50; i++) {
    if (await probe()) return;
    await new Promise((r) => setTimeout(r, 200));
  }
  check(false, what);
}

async function mailLinks(to) {
  const r = await fetch(`${BASE}/dev/mail`, { headers: { accept: "application/json" } });
  const mails = await r.json();
  return mails.filter((m) => m.to === to).flatMap((m) => m.links).filter((l) => l.includes("/bind/"));
}

// Through the dev IdP's login page in `p` (already there): pick `email`; the ACS answer.
async function signInAt(p, email) {
  await p.waitForSelector("text=Dev IdP");
  const acs = p.waitForResponse((r) => r.url().includes("/acs") && r.request().method() === "POST");
  await p.locator("button", { hasText: email }).first().click();
  return acs;
}

// ---- open the link: the cookie, then /portal/ by itself -----------------------------
const t0 = Date.now();
await page.goto(LINK);
await page.waitForURL(`${BASE}/portal/`);
await rendered("sso");
report.timings.firstLoad = Date.now() - t0;
check(await page.locator("#company-id").textContent() === COMPANY, "Company ID shown");
// Keyboard: the first Tab reaches the skip link, the next ones the sections.
await page.keyboard.press("Tab");
check(await page.evaluate(() => document.activeElement.textContent) === "Skip to content", "skip link first");
await page.keyboard.press("Tab");
check(await page.evaluate(() => document.activeElement.dataset.screen) === "sso", "then the sections");
await axe("sso");

// An API error in plain words, with its code and correlation id; the input is kept.
const badUrl = "https://127.0.0.1:9/metadata";
await page.fill("#metadata-url", badUrl);
await page.click("#save");
await page.waitForSelector("#error:not([hidden])");
const errorText = await page.locator("#error").textContent();
check(/Code: \w+/.test(errorText) && errorText.includes("Correlation id:"), "error shows code and correlation id: " + errorText);
check(await page.inputValue("#metadata-url") === badUrl, "the form keeps its input");
await shot("error");

// ---- Single Sign-On: paste the dev IdP's metadata URL, Save ---------------------------
await page.fill("#metadata-url", `${BASE}/dev/idp/metadata`);
await page.click("#save");
await statusSays("Saved");
check(await page.locator("#idp-entity").textContent() === `${BASE}/dev/idp`, "what was read");
check(await page.locator("#certs tr").count() >= 1, "certificates listed");

// ---- Verify Configuration: the test login in a new window ------------------------------
const popupPromise = context.waitForEvent("page");
await page.click("#verify");
const popup = await popupPromise;
const verified = await signInAt(popup, ADMIN);
check(verified.status() === 200, "the verify login is accepted: " + verified.status() + " " + (await verified.text()).slice(0, 600));
await page.waitForFunction(() => document.getElementById("verify-result").textContent.includes("Configuration verified"), null, { timeout: 20000 });
await popup.close();
await page.bringToFront();

// ---- Enable, after the guide's warning and an explicit confirmation ----------------------
check(await page.isDisabled("#enable"), "Enable waits for the confirmation");
check((await page.locator("#enable-warning").textContent()).includes("every existing user"), "the guide's warning");
await page.check("#enable-confirm");
await page.click("#enable");
await statusSays("went out");
const enabledStatus = await page.locator("#status").textContent();
check(/[1-9]\d* binding emails? went out/.test(enabledStatus), enabledStatus);
await shot("sso");

// ---- the binding emails in /dev/mail; bind Ada through her link ---------------------------
await eventually(async () => (await mailLinks(ADA)).length >= 1, "Ada's binding email");
const adaLinks = await mailLinks(ADA);
const bindPage = await context.newPage();
await bindPage.goto(adaLinks[0]);
const bound = await signInAt(bindPage, ADA);
check(bound.status() === 303, "Ada is bound and signed in: " + bound.status());
await bindPage.close();
await page.bringToFront();

// ---- Users: Ada bound, resend for Grace -------------------------------------------------
await page.click("nav a[data-screen=users]");
await rendered("users");
const adaRow = page.locator(`tr[data-email="${ADA}"]`);
await adaRow.locator("text=Bound").waitFor();
const graceRow = page.locator(`tr[data-email="${GRACE}"]`);
await graceRow.locator("text=Pending").waitFor();
await graceRow.locator("button", { hasText: "Resend" }).click();
await statusSays("A new binding email went to");
await eventually(async () => (await mailLinks(GRACE)).length >= 2, "Grace has a second binding email");
await axe("users");

// Invite, while SCIM is off: the user gets the same binding email.
const INVITED = `new.hire@${COMPANY}.example.com`;
await page.fill("#invite-email", INVITED);
await page.fill("#invite-name", "New Hire");
await page.selectOption("#invite-role", "meetings");
await page.click("#invite");
await statusSays("is invited");
await eventually(async () => (await mailLinks(INVITED)).length >= 1, "the invitation's binding email");

// ---- SCIM: turn it on, copy the token shown once ------------------------------------------
await page.click("nav a[data-screen=scim]");
await rendered("scim");
await page.check("#scim-enabled");
await page.waitForSelector("#token-box:not([hidden])");
check((await page.locator("#token-box").textContent()).includes("will not be shown again"), "shown once");
await page.click("button[data-copy=scim-token]");
await statusSays("Copied");
const token = await page.evaluate(() => navigator.clipboard.readText());
check(token.startsWith("scim_"), "the copied token");
await axe("scim");
await shot("scim");

// A user made over SCIM, as Okta would.
const made = await fetch(`${BASE}/scim/v2/Users`, {
  method: "POST",
  headers: { authorization: `Bearer ${token}`, "content-type": "application/scim+json" },
  body: JSON.stringify({ schemas: ["urn:ietf:params:scim:schemas:core:2.0:User"], userName: SCIM_USER,
    name: { givenName: "Scim", familyName: "Made" }, emails: [{ value: SCIM_USER, primary: true }], active: true }),
});
check(made.status === 201, "SCIM create: " + made.status);
await page.click("nav a[data-screen=users]");
await rendered("users");
await page.fill("#users-q", SCIM_USER.toUpperCase());
await page.click("#users-search button");
await page.waitForFunction(() => document.getElementById("users-page").textContent.startsWith("1 user"), null, { timeout: 10000 });
await page.locator(`tr[data-email="${SCIM_USER}"]`).waitFor();
check(await page.locator("#users-rows tr").count() === 1, "the search finds just the SCIM user");
await page.fill("#users-q", "");
await page.click("#users-search button");
await page.waitForFunction(() => document.getElementById("users-page").textContent.startsWith("Page 1"), null, { timeout: 10000 });
await shot("users");

// Grace, not bound yet, tries to sign in from the IdP: refused, and the admin sees why.
// In this same tab: a second tab opened and closed here once left the run waiting forever.
await page.goto(`${BASE}/dev/idp/start?companyId=${COMPANY}`);
const refusedLogin = await signInAt(page, GRACE);
check(refusedLogin.status() === 403, "an unbound user is refused");
await page.waitForURL("**/acs", { waitUntil: "load" });

// ---- Activity: who did what, logins and refusals with their codes --------------------------
await page.goto(`${BASE}/portal/#activity`);
await rendered("activity");
for (const action of ["sso.enabled", "binding.completed", "scim.enabled", "saml.refused"]) {
  await page.locator(`tr[data-action="${action}"]`).first().waitFor();
}
check((await page.locator('tr[data-action="saml.refused"]').first().textContent()).includes("user_not_bound"), "the refusal's code");
await axe("activity");
await shot("activity");

// ---- a write without the CSRF header is refused ---------------------------------------------
const forged = await page.evaluate(async () => {
  const r = await fetch("/admin/scim/token", { method: "POST", credentials: "same-origin", headers: { accept: "application/json" } });
  return { status: r.status, body: await r.json() };
});
check(forged.status === 403 && forged.body.code === "csrf_failed", "CSRF: " + JSON.stringify(forged));

// ---- Disable, with its confirmation and count --------------------------------------------------
await page.click("nav a[data-screen=sso]");
await rendered("sso");
await page.check("#disable-confirm");
await page.click("#disable");
await statusSays("went out");
check(/\d+ password emails? went out/.test(await page.locator("#status").textContent()), "the count");

// ---- the used link ------------------------------------------------------------------------------
const used = await context.newPage();
const usedAnswer = await used.goto(LINK);
check(usedAnswer.status() === 410, "a used link is 410");
check((await used.content()).includes("Open the portal from the app again"), "in plain words");

const unexpected = consoleErrors.filter((e) => !e.includes("Failed to load resource"));
check(unexpected.length === 0, "no script errors: " + JSON.stringify(unexpected));
await browser.close();
console.log(JSON.stringify(report));
