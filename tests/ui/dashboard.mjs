// The dashboard in a real browser: Debian's Chromium driven by playwright-core (no browser is
// downloaded). run.sh starts partnerd and passes BASE, ADMIN_TOKEN and TENANT; screenshots go
// to SCREENSHOTS. Every wait is bounded; the first failed check stops the run with its reason.

import { chromium } from "playwright-core";
import { readFileSync, mkdirSync } from "node:fs";
import { createRequire } from "node:module";
import assert from "node:assert/strict";
import { randomUUID } from "node:crypto";

const BASE = process.env.BASE;
const ADMIN = process.env.ADMIN_TOKEN;
const TENANT = process.env.TENANT;
const SHOTS = process.env.SCREENSHOTS;
const CHROMIUM = process.env.CHROMIUM || "/usr/bin/chromium";
for (const [k, v] of Object.entries({ BASE, ADMIN, TENANT, SHOTS })) assert.ok(v, `${k} is not set`);
mkdirSync(SHOTS, { recursive: true });
const axeSource = readFileSync(createRequire(import.meta.url).resolve("axe-core/axe.min.js"), "utf8");

// ---- the API, straight --------------------------------------------------------------------

async function http(method, path, { token, body, headers = {} } = {}) {
  const r = await fetch(BASE + path, {
    method,
    headers: { Accept: "application/json", ...(token ? { Authorization: `Bearer ${token}` } : {}),
      ...(body ? { "Content-Type": "application/json" } : {}), ...headers },
    body: body ? JSON.stringify(body) : undefined,
  });
  const text = await r.text();
  return { status: r.status, headers: r.headers, body: text ? JSON.parse(text.replace(/^\uFEFF/, "")) : null };
}

const minted = await http("POST", `/_partnerd/partners/${TENANT}/token`, { token: ADMIN, body: {} });
assert.equal(minted.status, 200, JSON.stringify(minted.body));
const TOKEN = minted.body.access_token;

function customer(domain, company) {
  return {
    companyProfile: { domain },
    billingProfile: {
      firstName: "Ada", lastName: "Lovelace", email: `ada@${domain}`, culture: "en-US", language: "en", companyName: company,
      defaultAddress: { country: "US", city: "Redmond", state: "WA", addressLine1: "One Microsoft Way", postalCode: "98052",
        firstName: "Ada", lastName: "Lovelace", phoneNumber: "4255550100" },
    },
  };
}
const created = [];
for (const [domain, company] of [["fabrikamone.onmicrosoft.com", "Fabrikam One"], ["northwind.onmicrosoft.com", "Northwind Traders"],
  ["fabrikamtwo.onmicrosoft.com", "Fabrikam Two"]]) {
  const r = await http("POST", "/v1/customers", { token: TOKEN, body: customer(domain, company), headers: { "MS-RequestId": randomUUID() } });
  assert.equal(r.status, 201, JSON.stringify(r.body));
  created.push(r.body);
}
const fabrikamOne = created[0].id;

// ---- the browser ---------------------------------------------------------------------------

const browser = await chromium.launch({
  executablePath: CHROMIUM,
  // CI runs as root, where Chromium's sandbox cannot start.
  args: ["--no-sandbox", "--disable-dev-shm-usage"],
  timeout: 30_000,
});
const context = await browser.newContext({ viewport: { width: 1280, height: 860 } });
context.setDefaultTimeout(10_000);
const page = await context.newPage();
const consoleErrors = [];
page.on("console", (m) => { if (m.type() === "error") consoleErrors.push(m.text()); });
page.on("pageerror", (e) => consoleErrors.push(String(e)));
const requested = [];
page.on("request", (r) => requested.push(r.url()));

let shot = 0;
async function screenshot(name) {
  shot += 1;
  await page.screenshot({ path: `${SHOTS}/${String(shot).padStart(2, "0")}-${name}.png`, fullPage: true });
}

/** axe-core's WCAG 2 A and AA rules on the page as it is: no violation allowed. */
async function accessible(view) {
  // Evaluated through the debugging protocol: the page's CSP rightly refuses inline scripts.
  if (!(await page.evaluate(() => "axe" in window))) await page.evaluate(axeSource);
  const result = await page.evaluate(async () => window.axe.run(document, { runOnly: ["wcag2a", "wcag2aa", "wcag21aa"] }));
  const found = result.violations.map((v) => `${v.id} (${v.impact}): ${v.nodes.map((n) => n.target.join(" ")).join(", ")}`);
  assert.deepEqual(found, [], `accessibility violations on ${view}`);
}

async function step(name, fn) {
  process.stdout.write(`ui: ${name} ... `);
  await fn();
  console.log("ok");
}

try {
  await step("sign-in refuses a wrong token and keeps the right one in session storage only", async () => {
    await page.goto(`${BASE}/_partnerd/ui/`);
    const input = page.getByLabel("Admin token");
    // The field has focus on arrival: typing and Enter sign in, no mouse needed.
    await input.waitFor();
    assert.equal(await page.evaluate(() => document.activeElement?.getAttribute("name")), "token");
    await page.keyboard.type("not-the-token");
    await page.keyboard.press("Enter");
    await page.getByText("That is not the admin token").waitFor();
    await accessible("sign-in");
    await screenshot("sign-in-refused");
    await input.fill(ADMIN);
    await page.keyboard.press("Enter");
    await page.getByRole("heading", { name: "Partners", level: 1 }).waitFor();
    assert.equal(await page.evaluate(() => sessionStorage.getItem("partnerd.adminToken")), ADMIN);
    assert.equal(await page.evaluate(() => localStorage.length), 0);
    assert.ok(!page.url().includes(ADMIN), "the token is not in the URL");
    assert.equal((await context.cookies()).length, 0, "no cookie");
    for (const url of requested) assert.ok(!url.includes(ADMIN), `the token is in no request URL: ${url}`);
  });

  await step("partners: ids shown, a reset's secret hidden until asked, and it works", async () => {
    await page.getByRole("heading", { name: "Contoso CSP" }).waitFor();
    await accessible("partners");
    await screenshot("partners");
    page.once("dialog", (d) => d.accept());
    await page.getByRole("button", { name: "Reset credentials…" }).click();
    await page.getByText("They are shown only now").waitFor();
    const show = page.getByRole("button", { name: "Show client secret" });
    const secretText = page.locator('[data-secret="client secret"] span.mono');
    assert.equal(await secretText.textContent(), "••••••••••••");
    await show.click();
    const secret = await secretText.textContent();
    assert.ok(secret.length >= 20 && !secret.includes("•"), secret);
    assert.equal(await page.getByRole("button", { name: "Hide client secret" }).getAttribute("aria-pressed"), "true");
    const clientId = (await http("GET", `/_partnerd/partners/${TENANT}`, { token: ADMIN })).body.apps[0].clientId;
    const form = new URLSearchParams({ grant_type: "client_credentials", client_id: clientId, client_secret: secret,
      resource: "https://api.partnercenter.microsoft.com" });
    const r = await fetch(`${BASE}/${TENANT}/oauth2/token`, { method: "POST", body: form });
    assert.equal(r.status, 200, `the shown secret gets a token: ${await r.text()}`);
  });

  await step("customers: a search, seek paging and the API's own refusal", async () => {
    await page.getByRole("link", { name: "Customers" }).click();
    await page.getByRole("heading", { name: "Customers", level: 1 }).waitFor();
    await page.getByText("Page 1: 3 customers.").waitFor();
    // Keyboard only: the value field, a page size, Enter.
    await page.getByLabel("Starts with").focus();
    await page.keyboard.type("fabrikam");
    await page.getByLabel("Page size").selectOption("10");
    await page.getByLabel("Starts with").press("Enter");
    await page.getByText("Page 1: 2 customers.").waitFor();
    const names = await page.locator("#main tbody tr td:first-child a").allTextContents();
    assert.deepEqual(names, ["Fabrikam One", "Fabrikam Two"]);
    assert.ok(page.url().includes("field=CompanyName") && page.url().includes("value=fabrikam"), page.url());
    await accessible("customers");
    await screenshot("customer-search");
    // One per page: the continuation token carries the filter to the second page.
    await page.goto(`${BASE}/_partnerd/ui/#/partners/${TENANT}/customers?size=1&field=CompanyName&value=fabrikam`);
    await page.getByText("Page 1: 1 customer, more after.").waitFor();
    await page.getByRole("button", { name: "Next page" }).click();
    await page.getByText("Page 2: 1 customer.").waitFor();
    assert.deepEqual(await page.locator("#main tbody tr td:first-child a").allTextContents(), ["Fabrikam Two"]);
    // The API's error, shown as it answered: an unknown field.
    await page.goto(`${BASE}/_partnerd/ui/#/partners/${TENANT}/customers?size=10&field=Nope&value=x`);
    await page.getByText("code 800002").waitFor();
  });

  await step("billing profile: an edit saved with its ETag, then a conflict as the API answers it", async () => {
    await page.goto(`${BASE}/_partnerd/ui/#/partners/${TENANT}/customers/${fabrikamOne}`);
    await page.getByRole("heading", { name: "Fabrikam One", level: 1 }).waitFor();
    // Its users, the admin made with it among them.
    await page.locator("section", { has: page.getByRole("heading", { name: "Users" }) })
      .getByText("admin@fabrikamone.onmicrosoft.com").waitFor();
    const before = (await page.locator("#billing-etag").textContent()).trim();
    await page.getByLabel("First name").fill("Grace");
    await page.getByRole("button", { name: "Save billing profile" }).click();
    await page.getByText("Saved. The new ETag is").waitFor();
    const after = (await page.locator("#billing-etag").textContent()).trim();
    assert.notEqual(after, before);
    let stored = await http("GET", `/v1/customers/${fabrikamOne}/profiles/billing`, { token: TOKEN });
    assert.equal(stored.body.firstName, "Grace");
    assert.equal(stored.body.attributes.etag, after);
    await accessible("customer");
    await screenshot("customer-billing-saved");
    // Someone else writes meanwhile, with the current ETag.
    const theirs = { ...stored.body, lastName: "Hopper" };
    const put = await http("PUT", `/v1/customers/${fabrikamOne}/profiles/billing`, { token: TOKEN, body: theirs,
      headers: { "If-Match": `"${after}"`, "MS-RequestId": randomUUID() } });
    assert.equal(put.status, 200, JSON.stringify(put.body));
    await page.getByLabel("Email").fill("grace@fabrikamone.onmicrosoft.com");
    await page.getByRole("button", { name: "Save billing profile" }).click();
    const alert = page.getByRole("alert").filter({ hasText: "ETag conflict" });
    await alert.waitFor();
    const text = await alert.textContent();
    assert.ok(text.includes("HTTP 400") && text.includes("code 2055"), text);
    stored = await http("GET", `/v1/customers/${fabrikamOne}/profiles/billing`, { token: TOKEN });
    assert.equal(stored.body.email, "ada@fabrikamone.onmicrosoft.com", "nothing written by the refused save");
    await screenshot("customer-billing-conflict");
    await page.getByRole("button", { name: "Load the current profile" }).click();
    await page.getByText("Reloaded the current profile").waitFor();
    assert.equal(await page.getByLabel("Last name", { exact: true }).inputValue(), "Hopper");
  });

  await step("fault rule added in the page, fired, and seen live in the journal", async () => {
    await page.getByRole("link", { name: "Faults" }).click();
    await page.getByRole("heading", { name: "Fault rules" }).waitFor();
    await page.getByText("No rules").waitFor();
    const rule = { method: "GET", route: "/v1/customers/*/profiles/company", effect: { kind: "error", status: 503, code: 990006 }, everyNth: 1 };
    await page.getByLabel("Rule (JSON").fill("{not json");
    await page.getByRole("button", { name: "Add rule" }).click();
    await page.getByText("The rule was refused").waitFor();
    await page.getByLabel("Rule (JSON").fill(JSON.stringify(rule));
    await page.getByRole("button", { name: "Add rule" }).click();
    await page.getByText(/Added rule f\d+\./).waitFor();
    const listed = await http("GET", "/_partnerd/faults", { token: ADMIN });
    assert.equal(listed.body.length, 1);
    assert.equal(listed.body[0].route, rule.route);
    await page.getByRole("button", { name: `Remove rule ${listed.body[0].id}` }).waitFor();
    await accessible("faults");
    await screenshot("faults");

    await page.getByRole("link", { name: "Journal" }).click();
    await page.getByRole("heading", { name: "Request journal" }).waitFor();
    const correlation = randomUUID();
    const fired = await http("GET", `/v1/customers/${fabrikamOne}/profiles/company`, { token: TOKEN, headers: { "MS-CorrelationId": correlation } });
    assert.equal(fired.status, 503);
    // No reload: the row arrives by itself.
    const row = page.locator("#journal tbody tr.entry", { hasText: correlation });
    await row.waitFor({ timeout: 5_000 });
    assert.ok((await row.textContent()).includes("503"));
    await row.getByRole("link", { name: correlation }).click();
    await page.waitForFunction((c) => location.hash.includes(c), correlation);
    await page.waitForFunction(() => document.querySelectorAll("#journal tbody tr.entry").length === 1);
    // Keyboard: the row's button opens its bodies.
    const open = page.locator("#journal tbody tr.entry button");
    await open.focus();
    await page.keyboard.press("Enter");
    assert.equal(await open.getAttribute("aria-expanded"), "true");
    await page.getByRole("heading", { name: "Response body" }).waitFor();
    await page.getByText("990006").first().waitFor();
    // The status and route filters, from the form.
    await page.goto(`${BASE}/_partnerd/ui/#/journal`);
    await page.getByLabel("Status").fill("503");
    await page.getByLabel("Route").fill("/v1/customers/{id}/profiles/company");
    await page.getByRole("button", { name: "Filter", exact: true }).click();
    await page.waitForFunction(() => location.hash.includes("status=503"));
    await page.locator("#journal tbody tr.entry").first().waitFor();
    const statuses = await page.locator("#journal tbody tr.entry td:nth-child(4)").allTextContents();
    assert.ok(statuses.length >= 1 && statuses.every((s) => s === "503"), statuses.join());
    await accessible("journal");
    await screenshot("journal");
    // The README's picture: the whole journal, the failed request opened.
    await page.goto(`${BASE}/_partnerd/ui/#/journal`);
    const failed = page.locator("#journal tbody tr.entry", { hasText: correlation });
    await failed.getByRole("button").click();
    await page.getByText("990006").first().waitFor();
    await page.screenshot({ path: `${SHOTS}/dashboard.png` });
    await http("DELETE", "/_partnerd/faults", { token: ADMIN });
  });

  await step("metrics: requests per second and latency per route, drawn", async () => {
    await page.getByRole("link", { name: "Metrics" }).click();
    await page.getByRole("heading", { name: "Metrics", level: 1 }).waitFor();
    // The node samples every 5 s: the first step with traffic shows within two.
    await page.locator("#main table", { hasText: "POST /v1/customers" }).waitFor({ timeout: 15_000 });
    const chart = page.getByRole("img", { name: /Requests per second:/ });
    assert.ok(await chart.locator("circle").count() >= 1, "a point is drawn");
    const latency = page.getByRole("img", { name: /Latency of/ });
    assert.ok(await latency.locator("circle").count() >= 1, "a latency point is drawn");
    await accessible("metrics");
    await screenshot("metrics");
  });

  await step("signing keys: listed and rotated", async () => {
    await page.getByRole("link", { name: "Signing keys" }).click();
    await page.getByRole("heading", { name: "Signing keys", level: 1 }).waitFor();
    assert.equal(await page.locator("#main tbody tr").count(), 1);
    await page.getByRole("button", { name: "Rotate: add a new signing key" }).click();
    await page.getByText("A new key signs from now on").waitFor();
    await page.waitForFunction(() => document.querySelectorAll("#main tbody tr").length === 2);
    const keys = await http("GET", "/_partnerd/keys", { token: ADMIN });
    assert.equal(keys.body.length, 2);
    assert.equal(await page.locator("#main tbody tr").first().locator("td").nth(2).textContent(), "yes");
    await accessible("keys");
    await screenshot("keys");
  });

  await step("a narrow screen: no sideways scrolling, every view readable", async () => {
    await page.setViewportSize({ width: 390, height: 844 });
    for (const [hash, name] of [[`#/partners/${TENANT}/customers?size=10`, "narrow-customers"], [`#/partners/${TENANT}/customers/${fabrikamOne}`, "narrow-customer"],
      ["#/journal", "narrow-journal"]]) {
      await page.goto(`${BASE}/_partnerd/ui/${hash}`);
      await page.locator("#main h1").waitFor();
      await page.waitForTimeout(300);
      const overflow = await page.evaluate(() => document.documentElement.scrollWidth - window.innerWidth);
      assert.ok(overflow <= 0, `${name}: the page is ${overflow}px wider than the screen`);
      await screenshot(name);
    }
  });

  await step("sign-out forgets the token", async () => {
    await page.getByRole("button", { name: "Sign out" }).click();
    await page.getByLabel("Admin token").waitFor();
    assert.equal(await page.evaluate(() => sessionStorage.getItem("partnerd.adminToken")), null);
  });

  assert.deepEqual(consoleErrors.filter((e) => !e.includes("Failed to load resource")), [], "no script errors");
} catch (e) {
  await screenshot("failure").catch(() => {});
  throw e;
} finally {
  await browser.close();
}
console.log(`ui: screenshots in ${SHOTS}`);
