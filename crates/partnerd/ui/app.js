// The partnerd dashboard: one module, no dependencies, no build step.
//
// It speaks to two APIs with two tokens. The control plane (`/_partnerd/...`) takes the admin
// token, which the user types once and the tab keeps in sessionStorage. The Partner Center API
// (`/v1/...`) takes a partner's token, which the control plane mints on request and this page
// keeps in memory only; so a customer's views, the billing edit and its ETag conflict are the
// API's own answers, and the journal shows them like any client's requests.
//
// Every element is built with DOM calls and text nodes: nothing from a server is parsed as
// HTML.

const TOKEN_KEY = "partnerd.adminToken";
const JOURNAL_POLL_MS = 1000;
const METRICS_POLL_MS = 5000;
const JOURNAL_ROWS = 200;

const main = document.getElementById("main");
const nav = document.getElementById("nav");
const signOutButton = document.getElementById("sign-out");
const announcer = document.getElementById("announce");

// ---- small helpers -------------------------------------------------------------------------

/** Builds an element: `h("a", {href: "#/x", class: "c"}, "text", child, [more])`. */
function h(tag, props = {}, ...children) {
  const el = document.createElement(tag);
  for (const [key, value] of Object.entries(props || {})) {
    if (value === undefined || value === null || value === false) continue;
    if (key === "class") el.className = value;
    else if (key.startsWith("on") && typeof value === "function") el.addEventListener(key.slice(2), value);
    else if (key === "value" || key === "checked" || key === "selected") el[key] = value;
    else el.setAttribute(key, value === true ? "" : String(value));
  }
  append(el, children);
  return el;
}

function append(el, children) {
  for (const child of children.flat(Infinity)) {
    if (child === undefined || child === null || child === false) continue;
    el.append(child instanceof Node ? child : document.createTextNode(String(child)));
  }
  return el;
}

function svg(tag, attrs = {}, ...children) {
  const el = document.createElementNS("http://www.w3.org/2000/svg", tag);
  for (const [k, v] of Object.entries(attrs)) el.setAttribute(k, String(v));
  for (const child of children.flat(Infinity)) {
    if (child === null || child === undefined) continue;
    el.append(child instanceof Node ? child : document.createTextNode(String(child)));
  }
  return el;
}

function announce(text) {
  announcer.textContent = "";
  // A change of text is what screen readers announce; the delay makes a repeat one too.
  setTimeout(() => { announcer.textContent = text; }, 50);
}

function uuid() {
  return crypto.randomUUID();
}

function field(labelText, input, hint) {
  const id = input.id || `f-${Math.random().toString(36).slice(2, 9)}`;
  input.id = id;
  const hintId = hint ? `${id}-hint` : null;
  if (hintId) input.setAttribute("aria-describedby", hintId);
  return h("div", { class: "field" }, h("label", { for: id }, labelText), input,
    hint ? h("div", { class: "hint", id: hintId }, hint) : null);
}

function table(headers, rows, opts = {}) {
  return h("div", { class: "table-wrap", tabindex: opts.scrollable ? "0" : null, role: opts.scrollable ? "region" : null,
    "aria-label": opts.scrollable ? opts.label : null },
  h("table", { class: "stack" },
    opts.caption ? h("caption", { class: "visually-hidden" }, opts.caption) : null,
    h("thead", {}, h("tr", {}, headers.map((x) => h("th", { scope: "col", class: x.num ? "num" : null }, x.label ?? x)))),
    h("tbody", {}, rows.map((cells) => h("tr", {}, cells.map((c, i) =>
      h("td", { "data-label": headers[i].label ?? headers[i], class: headers[i].num ? "num" : null }, c)))))));
}

function facts(pairs) {
  return h("dl", { class: "facts" }, pairs.filter(([, v]) => v !== undefined && v !== null && v !== "")
    .map(([k, v]) => [h("dt", {}, k), h("dd", {}, typeof v === "boolean" ? (v ? "yes" : "no") : Array.isArray(v) && !v.length ? "none" : v)]));
}

function pretty(text) {
  if (text === undefined || text === null) return "";
  try { return JSON.stringify(JSON.parse(text), null, 2); } catch { return text; }
}

/** An error box showing what the server answered: status, code and description. */
function problem(err, title = "The request failed") {
  const box = h("div", { class: "error", role: "alert" }, h("strong", {}, title));
  if (err && err.status !== undefined) {
    const code = err.body && typeof err.body === "object" ? err.body.code : undefined;
    const description = err.body && typeof err.body === "object" ? err.body.description : undefined;
    append(box, [": ", `HTTP ${err.status}`, code !== undefined ? `, code ${code}` : "",
      description ? h("p", {}, description) : null,
      h("pre", { "aria-label": "Response body" }, typeof err.body === "string" ? err.body : JSON.stringify(err.body, null, 2))]);
  } else {
    append(box, [": ", String(err && err.message ? err.message : err)]);
  }
  return box;
}

// ---- talking to partnerd -------------------------------------------------------------------

class HttpError extends Error {
  constructor(status, body, headers) {
    super(`HTTP ${status}`);
    this.status = status;
    this.body = body;
    this.headers = headers;
  }
}

async function call(path, { method = "GET", token, body, headers = {} } = {}) {
  const init = { method, headers: { Accept: "application/json", ...headers }, cache: "no-store" };
  if (token) init.headers.Authorization = `Bearer ${token}`;
  if (body !== undefined) {
    init.headers["Content-Type"] = "application/json";
    init.body = typeof body === "string" ? body : JSON.stringify(body);
  }
  const response = await fetch(path, init);
  const text = await response.text();
  let parsed = text;
  if (text) {
    try { parsed = JSON.parse(text.replace(/^\uFEFF/, "")); } catch { /* not JSON: keep the text */ }
  }
  if (!response.ok) throw new HttpError(response.status, parsed, response.headers);
  return { status: response.status, body: parsed, headers: response.headers };
}

function adminToken() {
  return sessionStorage.getItem(TOKEN_KEY);
}

/** A control-plane call with the admin token; a refusal signs out. */
async function admin(path, options = {}) {
  try {
    return await call(path, { ...options, token: adminToken() });
  } catch (e) {
    if (e instanceof HttpError && e.status === 401) {
      sessionStorage.removeItem(TOKEN_KEY);
      showSignIn("The admin token was refused; sign in again.");
    }
    throw e;
  }
}

const partnerTokens = new Map();

/** A token acting as the partner's app and user, minted by the control plane, kept in memory. */
async function partnerToken(tenant) {
  const known = partnerTokens.get(tenant);
  if (known && known.expires > Date.now() + 60_000) return known.token;
  const { body } = await admin(`/_partnerd/partners/${encodeURIComponent(tenant)}/token`, { method: "POST", body: {} });
  partnerTokens.set(tenant, { token: body.access_token, expires: Date.now() + body.expires_in * 1000 });
  return body.access_token;
}

/** A Partner Center API call as the partner, with fresh tracking ids. */
async function asPartner(tenant, path, options = {}) {
  const headers = {
    "MS-CorrelationId": options.correlationId || uuid(),
    "MS-RequestId": uuid(),
    "MS-PartnerCenter-Application": "partnerd dashboard",
    ...(options.headers || {}),
  };
  try {
    return await call(path, { ...options, token: await partnerToken(tenant), headers });
  } catch (e) {
    // A token signed by a key retired since: mint another, once.
    if (!(e instanceof HttpError && e.status === 401)) throw e;
    partnerTokens.delete(tenant);
    return call(path, { ...options, token: await partnerToken(tenant), headers });
  }
}

// ---- routing -------------------------------------------------------------------------------

let stopCurrent = () => {};
let renderSeq = 0;

function parseHash() {
  const raw = location.hash.replace(/^#/, "") || "/partners";
  const [path, query = ""] = raw.split("?");
  return { parts: path.split("/").filter(Boolean).map(decodeURIComponent), params: new URLSearchParams(query) };
}

function go(path) {
  if (location.hash === `#${path}`) route();
  else location.hash = path;
}

function setView(title, ...content) {
  document.title = `${title} · partnerd`;
  main.replaceChildren(...content.flat());
}

async function route() {
  stopCurrent();
  stopCurrent = () => {};
  const seq = ++renderSeq;
  if (!adminToken()) {
    showSignIn();
    return;
  }
  nav.hidden = false;
  signOutButton.hidden = false;
  const { parts, params } = parseHash();
  const section = parts[0] || "partners";
  for (const a of nav.querySelectorAll("a")) {
    if (a.getAttribute("href") === `#/${section}`) a.setAttribute("aria-current", "page");
    else a.removeAttribute("aria-current");
  }
  const views = { partners: partnersView, journal: journalView, faults: faultsView, metrics: metricsView, keys: keysView };
  const view = views[section];
  const isCurrent = () => seq === renderSeq;
  const guid = /^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$/i;
  // Ids go into API paths: anything but a GUID (a `..`, say) is no page.
  const badIds = section === "partners" && parts.slice(1).some((p, i) => i !== 1 && !guid.test(p));
  try {
    if (badIds) setView("Not found", h("h1", {}, "Nothing here"), h("p", {}, h("a", { href: "#/partners" }, "Back to the partners")));
    else if (section === "partners" && parts[2] === "customers" && parts[3]) await customerView(parts[1], parts[3], isCurrent);
    else if (section === "partners" && parts[2] === "customers") await customersView(parts[1], params, isCurrent);
    else if (view) await view(params, isCurrent);
    else setView("Not found", h("h1", {}, "Nothing here"), h("p", {}, h("a", { href: "#/partners" }, "Back to the partners")));
  } catch (e) {
    if (isCurrent() && adminToken()) setView("Error", h("h1", {}, "Something went wrong"), problem(e));
  }
  if (isCurrent()) main.focus({ preventScroll: true });
}

// ---- sign-in -------------------------------------------------------------------------------

function showSignIn(message) {
  stopCurrent();
  nav.hidden = true;
  signOutButton.hidden = true;
  const input = h("input", { type: "password", name: "token", autocomplete: "off", required: true, spellcheck: "false" });
  const errorSlot = h("div", {});
  const form = h("form", { class: "panel", "aria-labelledby": "signin-title",
    onsubmit: async (event) => {
      event.preventDefault();
      const token = input.value.trim();
      errorSlot.replaceChildren();
      try {
        await call("/_partnerd/partners", { token });
      } catch (e) {
        errorSlot.replaceChildren(problem(e, e.status === 401 ? "That is not the admin token" : "partnerd did not answer"));
        input.focus();
        return;
      }
      sessionStorage.setItem(TOKEN_KEY, token);
      announce("Signed in");
      if (!location.hash || location.hash === "#/signin") location.hash = "#/partners";
      else route();
    } },
  h("h1", { id: "signin-title" }, "Sign in"),
  field("Admin token", input, "partnerd prints it at start and writes it beside the database; --admin-token or PARTNERD_ADMIN_TOKEN sets it. It stays in this tab only."),
  h("div", { class: "actions" }, h("button", { type: "submit" }, "Sign in")),
  message ? h("p", { role: "alert", class: "error" }, message) : null,
  errorSlot);
  setView("Sign in", form);
  input.focus();
}

signOutButton.addEventListener("click", () => {
  sessionStorage.removeItem(TOKEN_KEY);
  partnerTokens.clear();
  announce("Signed out");
  showSignIn();
});

// ---- partners ------------------------------------------------------------------------------

async function partnersView(_params, isCurrent) {
  const { body: partners } = await admin("/_partnerd/partners");
  if (!isCurrent()) return;
  const cards = partners.map((p) => {
    const reveal = h("div", {});
    const resetButton = h("button", { type: "button", class: "secondary", onclick: async () => {
      if (!confirm(`Give ${p.name} a new client secret and user password? The old ones stop working at once.`)) return;
      resetButton.disabled = true;
      try {
        const { body: c } = await admin(`/_partnerd/partners/${p.tenantId}/credentials`, { method: "POST" });
        partnerTokens.delete(p.tenantId);
        reveal.replaceChildren(h("div", { class: "ok" },
          h("p", {}, "New credentials. They are shown only now: partnerd keeps only their hashes."),
          facts([["Client id", h("span", { class: "mono" }, c.clientId)], ["Client secret", secret(c.clientSecret, "client secret")],
            ["User name", h("span", { class: "mono" }, c.userName)], ["User password", secret(c.userPassword, "user password")]])));
        announce("Credentials reset");
      } catch (e) {
        reveal.replaceChildren(problem(e));
      } finally {
        resetButton.disabled = false;
      }
    } }, "Reset credentials…");
    return h("section", { class: "panel", "aria-labelledby": `p-${p.tenantId}` },
      h("h2", { id: `p-${p.tenantId}` }, p.name),
      facts([["Tenant id", h("span", { class: "mono" }, p.tenantId)], ["Domain", p.domain], ["Kind", p.kind],
        ["Customer cap", p.customerCap === 0 ? "none" : String(p.customerCap)], ["MPN id", p.mpnId],
        ["Apps (client ids)", p.apps.map((a) => h("div", { class: "mono" }, a.clientId))],
        ["Users", p.users.map((u) => h("div", {}, u.userName, u.mfa ? " (MFA)" : ""))],
        ["Indirect resellers", p.indirectResellers.map((l) => h("div", {}, `${l.name} (${l.domain})`))],
        ["Indirect providers", p.indirectProviders.map((l) => h("div", {}, `${l.name} (${l.domain})`))]]),
      h("div", { class: "actions" }, h("a", { class: "button", href: `#/partners/${p.tenantId}/customers` }, "Customers"), resetButton),
      reveal);
  });
  setView("Partners", h("h1", {}, "Partners"),
    h("p", { class: "hint" }, "Secrets and passwords are stored as hashes, so none can be shown; a reset makes new ones and shows them once."),
    cards.length ? cards : h("p", {}, "No partners yet: partnerd partner create --name …"));
}

/** A secret shown as dots until asked for. */
function secret(value, name) {
  const text = h("span", { class: "mono" }, "••••••••••••");
  let shown = false;
  const toggle = h("button", { type: "button", class: "secondary", "aria-pressed": "false", onclick: () => {
    shown = !shown;
    text.textContent = shown ? value : "••••••••••••";
    toggle.textContent = shown ? `Hide ${name}` : `Show ${name}`;
    toggle.setAttribute("aria-pressed", String(shown));
  } }, `Show ${name}`);
  const copy = h("button", { type: "button", class: "secondary", onclick: async () => {
    try { await navigator.clipboard.writeText(value); announce(`Copied the ${name}`); } catch { announce("Copying is not allowed here"); }
  } }, "Copy");
  return h("span", { class: "secret", "data-secret": name }, text, toggle, copy);
}

// ---- customers of a partner ----------------------------------------------------------------

const FILTER_FIELDS = ["CompanyName", "Domain", "IndirectReseller", "IndirectCloudSolutionProvider"];

async function customersView(tenant, params, isCurrent) {
  const fieldSelect = h("select", { name: "field" }, FILTER_FIELDS.map((f) => h("option", { value: f, selected: params.get("field") === f }, f)));
  const valueInput = h("input", { type: "search", name: "value", value: params.get("value") || "" });
  const sizeSelect = h("select", { name: "size" }, [10, 25, 50, 100, 500].map((n) =>
    h("option", { value: n, selected: String(n) === (params.get("size") || "25") }, n)));
  const results = h("div", { "aria-live": "polite" });
  const form = h("form", { role: "search", "aria-label": "Customers", onsubmit: (e) => {
    e.preventDefault();
    const q = new URLSearchParams({ size: sizeSelect.value });
    if (valueInput.value.trim()) { q.set("field", fieldSelect.value); q.set("value", valueInput.value.trim()); }
    go(`/partners/${tenant}/customers?${q}`);
  } }, h("div", { class: "row" },
    field("Filter on", fieldSelect),
    field("Starts with (or a tenant id for the indirect fields)", valueInput),
    field("Page size", sizeSelect),
    h("div", { class: "field" }, h("button", { type: "submit" }, "Search"))));

  setView("Customers", h("p", { class: "crumbs" }, h("a", { href: "#/partners" }, "Partners"), " › ", tenant),
    h("h1", {}, "Customers"), form, results);

  const size = params.get("size") || "25";
  let query = `/v1/customers?size=${encodeURIComponent(size)}`;
  if (params.get("value")) {
    const filter = { Field: params.get("field") || "CompanyName", Value: params.get("value"), Operator: "starts_with" };
    query += `&filter=${encodeURIComponent(JSON.stringify(filter))}`;
  }
  let page = 1;
  const show = async (request) => {
    results.replaceChildren(h("p", { class: "hint" }, "Loading…"));
    let answer;
    try {
      answer = await request();
    } catch (e) {
      if (isCurrent()) results.replaceChildren(problem(e, "The API refused the search"));
      return;
    }
    if (!isCurrent()) return;
    const { items = [], continuationToken } = answer.body;
    const rows = items.map((c) => [
      h("a", { href: `#/partners/${tenant}/customers/${c.id}` }, c.companyProfile?.companyName || c.id),
      c.companyProfile?.domain || "", h("span", { class: "mono" }, c.id), c.relationshipToPartner || ""]);
    const next = continuationToken ? h("button", { type: "button", onclick: () => {
      page += 1;
      show(() => asPartner(tenant, "/v1/customers?seekOperation=Next", { headers: { "MS-ContinuationToken": continuationToken } }));
    } }, "Next page") : null;
    const first = page > 1 ? h("button", { type: "button", class: "secondary", onclick: () => { page = 1; show(() => asPartner(tenant, query)); } }, "First page") : null;
    results.replaceChildren(
      h("p", { class: "hint", id: "page-summary" }, `Page ${page}: ${items.length} customer${items.length === 1 ? "" : "s"}${continuationToken ? ", more after" : ""}.`),
      items.length ? table(["Company", "Domain", "Customer id", "Relationship"], rows, { caption: `Customers, page ${page}` }) : h("p", {}, "No customers match."),
      h("div", { class: "actions" }, first, next));
    announce(`Page ${page}, ${items.length} customers`);
  };
  await show(() => asPartner(tenant, query));
}

// ---- one customer --------------------------------------------------------------------------

async function customerView(tenant, id, isCurrent) {
  const base = `/v1/customers/${encodeURIComponent(id)}`;
  const section = (title, slotId) => h("section", { "aria-labelledby": slotId }, h("h2", { id: slotId }, title));
  const overview = section("Customer", "s-customer");
  const billing = section("Billing profile", "s-billing");
  const company = section("Company profile", "s-company");
  const relationships = section("Relationships", "s-relationships");
  const agreements = section("Agreements", "s-agreements");
  const qualifications = section("Qualifications", "s-qualifications");
  const subscriptions = section("Subscriptions", "s-subscriptions");
  const users = section("Users", "s-users");
  setView("Customer", h("p", { class: "crumbs" }, h("a", { href: "#/partners" }, "Partners"), " › ",
    h("a", { href: `#/partners/${tenant}/customers` }, "Customers"), " › ", id),
  h("h1", { id: "customer-title" }, "Customer"), overview, billing, company, users, relationships, agreements, qualifications, subscriptions);

  const load = async (slot, path, render) => {
    const loading = h("p", { class: "hint" }, "Loading…");
    slot.append(loading);
    try {
      const answer = await asPartner(tenant, path);
      if (isCurrent()) loading.replaceWith(render(answer.body, answer));
    } catch (e) {
      if (isCurrent()) loading.replaceWith(problem(e));
    }
  };
  const list = (items, columns) => (items && items.length
    ? table(columns.map((c) => c[0]), items.map((it) => columns.map((c) => c[1](it))))
    : h("p", {}, "None."));

  await Promise.all([
    load(overview, base, (c) => {
      document.getElementById("customer-title").textContent = c.companyProfile?.companyName || "Customer";
      return facts([["Customer id", h("span", { class: "mono" }, c.id)], ["Domain", c.companyProfile?.domain],
        ["Relationship to partner", c.relationshipToPartner], ["Delegated admin access", c.allowDelegatedAccess],
        ["Tenant id", c.companyProfile?.tenantId]]);
    }),
    load(billing, `${base}/profiles/billing`, (profile, answer) => billingEditor(tenant, base, profile, answer.headers.get("ETag"))),
    load(company, `${base}/profiles/company`, (p) => facts([["Company name", p.companyName], ["Domain", p.domain],
      ["Organization registration number", p.organizationRegistrationNumber], ["Tenant id", p.tenantId]])),
    load(relationships, `${base}/relationships`, (page) => list(page.items, [["Partner", (r) => r.name], ["Id", (r) => r.id],
      ["Relationship", (r) => r.relationshipType]])),
    load(agreements, `${base}/agreements`, (page) => list(page.items, [["Type", (a) => a.type], ["Template", (a) => a.templateId],
      ["Accepted", (a) => a.dateAgreed], ["By", (a) => a.primaryContact?.email]])),
    load(qualifications, `${base}/qualifications`, (items) => list(Array.isArray(items) ? items : items.items,
      [["Qualification", (q) => q.qualification], ["Status", (q) => q.vettingStatus || ""]])),
    load(users, `${base}/users?size=100`, (page) => list(page.items, [["Display name", (u) => u.displayName],
      ["User name", (u) => u.userPrincipalName], ["State", (u) => u.state], ["Id", (u) => h("span", { class: "mono" }, u.id)]])),
    load(subscriptions, `${base}/subscriptions`, (page) => list(page.items, [["Offer", (s) => s.offerName || s.friendlyName],
      ["Quantity", (s) => s.quantity], ["Status", (s) => s.status]])),
  ]);
}

const BILLING_FIELDS = [["firstName", "First name"], ["lastName", "Last name"], ["email", "Email"], ["companyName", "Company name"],
  ["culture", "Culture"], ["language", "Language"]];
const ADDRESS_FIELDS = [["addressLine1", "Address line 1"], ["addressLine2", "Address line 2"], ["city", "City"], ["state", "State"],
  ["postalCode", "Postal code"], ["country", "Country"], ["phoneNumber", "Phone number"]];

/** The billing profile as a form; saving sends the ETag it was loaded with, as the API asks. */
function billingEditor(tenant, base, profile, etagHeader) {
  const wrap = h("div", {});
  let etag = profile.attributes?.etag || (etagHeader || "").replace(/"/g, "");
  const inputs = {};
  const etagText = h("span", { class: "mono", id: "billing-etag" }, etag);
  const outcome = h("div", {});
  const fill = (p) => {
    for (const [k] of BILLING_FIELDS) inputs[k].value = p[k] ?? "";
    for (const [k] of ADDRESS_FIELDS) inputs[`address.${k}`].value = p.defaultAddress?.[k] ?? "";
  };
  const form = h("form", { class: "grid", "aria-label": "Billing profile", onsubmit: async (e) => {
    e.preventDefault();
    const body = structuredClone(profile);
    for (const [k] of BILLING_FIELDS) body[k] = inputs[k].value;
    body.defaultAddress = { ...(body.defaultAddress || {}) };
    for (const [k] of ADDRESS_FIELDS) body.defaultAddress[k] = inputs[`address.${k}`].value || null;
    save.disabled = true;
    try {
      const answer = await asPartner(tenant, `${base}/profiles/billing`, { method: "PUT", body, headers: { "If-Match": `"${etag}"` } });
      profile = answer.body;
      etag = profile.attributes?.etag || (answer.headers.get("ETag") || "").replace(/"/g, "");
      etagText.textContent = etag;
      fill(profile);
      outcome.replaceChildren(h("p", { class: "ok", role: "status" }, `Saved. The new ETag is ${etag}.`));
      announce("Billing profile saved");
    } catch (err) {
      const conflict = err.status === 400 && err.body && err.body.code === 2055;
      outcome.replaceChildren(problem(err, conflict ? "Not saved: someone changed the profile since it was loaded (ETag conflict)" : "Not saved"),
        conflict ? h("div", { class: "actions" }, h("button", { type: "button", class: "secondary", onclick: async () => {
          try {
            const fresh = await asPartner(tenant, `${base}/profiles/billing`);
            profile = fresh.body;
            etag = profile.attributes?.etag || (fresh.headers.get("ETag") || "").replace(/"/g, "");
            etagText.textContent = etag;
            fill(profile);
            outcome.replaceChildren(h("p", { class: "ok", role: "status" }, `Reloaded the current profile (ETag ${etag}); your edits were replaced.`));
          } catch (reloadError) {
            outcome.replaceChildren(problem(reloadError, "The profile could not be reloaded"));
          }
        } }, "Load the current profile")) : null);
    } finally {
      save.disabled = false;
    }
  } });
  for (const [k, label] of BILLING_FIELDS) {
    inputs[k] = h("input", { name: k, type: k === "email" ? "email" : "text" });
    form.append(field(label, inputs[k]));
  }
  for (const [k, label] of ADDRESS_FIELDS) {
    inputs[`address.${k}`] = h("input", { name: `address.${k}` });
    form.append(field(label, inputs[`address.${k}`]));
  }
  const save = h("button", { type: "submit" }, "Save billing profile");
  form.append(h("div", { class: "actions" }, save, h("span", { class: "hint" }, "Sent with If-Match: the ETag loaded, ", etagText)));
  fill(profile);
  append(wrap, [form, outcome]);
  return wrap;
}

// ---- the request journal -------------------------------------------------------------------

async function journalView(params, isCurrent) {
  const corr = h("input", { name: "correlationId", value: params.get("correlationId") || "", spellcheck: "false" });
  const status = h("input", { name: "status", inputmode: "numeric", pattern: "[0-9]{3}", value: params.get("status") || "", size: 5 });
  const routeInput = h("input", { name: "route", list: "route-list", value: params.get("route") || "", spellcheck: "false" });
  const routes = h("datalist", { id: "route-list" });
  const live = h("input", { type: "checkbox", name: "live", checked: params.get("live") !== "off" });
  const body = h("tbody", {});
  const note = h("p", { class: "hint", "aria-live": "polite" });
  const form = h("form", { role: "search", "aria-label": "Journal filters", onsubmit: (e) => {
    e.preventDefault();
    const q = new URLSearchParams();
    if (corr.value.trim()) q.set("correlationId", corr.value.trim());
    if (status.value.trim()) q.set("status", status.value.trim());
    if (routeInput.value.trim()) q.set("route", routeInput.value.trim());
    if (!live.checked) q.set("live", "off");
    go(`/journal${q.toString() ? `?${q}` : ""}`);
  } }, h("div", { class: "row" }, field("Correlation id", corr), field("Status", status), field("Route", routeInput), routes,
    h("div", { class: "field" }, h("label", {}, live, " Live")),
    h("div", { class: "field" }, h("button", { type: "submit" }, "Filter"))));
  const headers = ["Time", "Method", "Path", "Status", "Latency (ms)", "Correlation id", "Bodies"];
  setView("Journal", h("h1", {}, "Request journal"),
    h("p", { class: "hint" }, "This node's last requests to the API and token service, newest first; bodies are redacted as the journal keeps them."),
    form, note,
    h("div", { class: "table-wrap" }, h("table", { class: "stack", id: "journal" },
      h("thead", {}, h("tr", {}, headers.map((x, i) => h("th", { scope: "col", class: i === 4 ? "num" : null }, x)))), body)));
  live.addEventListener("change", () => form.requestSubmit());

  admin("/_partnerd/openapi.json").then(({ body: doc }) => {
    for (const p of Object.keys(doc.paths || {}).filter((p) => !p.startsWith("/_partnerd")).sort()) routes.append(h("option", { value: p }));
  }).catch(() => {});

  let seen = new Set();
  const q = new URLSearchParams({ limit: String(JOURNAL_ROWS) });
  for (const k of ["correlationId", "status", "route"]) if (params.get(k)) q.set(k, params.get(k));
  let first = true;
  const poll = async () => {
    let entries;
    try {
      ({ body: entries } = await admin(`/_partnerd/requests?${q}`));
    } catch (e) {
      if (isCurrent()) note.replaceChildren(problem(e, "The journal could not be read"));
      return;
    }
    if (!isCurrent()) return;
    const fresh = entries.filter((e) => !seen.has(key(e)));
    for (const entry of fresh.reverse()) {
      body.prepend(...journalRow(entry, headers, !first));
    }
    // New entries only ever come first, so the latest answer's keys are all that is needed.
    seen = new Set(entries.map(key));
    let shown = body.querySelectorAll("tr.entry").length;
    while (shown > JOURNAL_ROWS) {
      // The oldest entry goes with its bodies' row.
      while (body.lastElementChild && !body.lastElementChild.classList.contains("entry")) body.lastElementChild.remove();
      body.lastElementChild?.remove();
      shown -= 1;
    }
    note.textContent = shown ? `${shown} request${shown === 1 ? "" : "s"} shown${live.checked ? ", updating live" : ""}.` : "No requests match yet.";
    if (!first && fresh.length) announce(`${fresh.length} new request${fresh.length === 1 ? "" : "s"}`);
    first = false;
  };
  await poll();
  // A view left while its first poll ran must not start polling.
  if (live.checked && isCurrent()) {
    const timer = setInterval(poll, JOURNAL_POLL_MS);
    stopCurrent = () => clearInterval(timer);
  }
}

function key(e) {
  return `${e.at}|${e.requestId}|${e.method}|${e.path}|${e.status}`;
}

let detailSeq = 0;

/** An entry's row, and the full-width row under it that opens to its bodies. */
function journalRow(e, headers, fresh) {
  const statusClass = `status-${String(e.status)[0]}`;
  let detail = null;
  let toggle = "";
  if (e.requestBody || e.responseBody) {
    const id = `bodies-${++detailSeq}`;
    detail = h("tr", { class: "bodies", id, hidden: true }, h("td", { colspan: headers.length },
      h("div", { class: "bodies-grid" },
        e.requestBody ? h("div", {}, h("h3", {}, "Request body"), h("pre", { class: "body" }, pretty(e.requestBody))) : null,
        e.responseBody ? h("div", {}, h("h3", {}, "Response body"), h("pre", { class: "body" }, pretty(e.responseBody))) : null)));
    toggle = h("button", { type: "button", class: "secondary", "aria-expanded": "false", "aria-controls": id,
      "aria-label": `Bodies of ${e.method} ${e.path}`, onclick: () => {
        const open = detail.hidden;
        detail.hidden = !open;
        toggle.setAttribute("aria-expanded", String(open));
        toggle.textContent = open ? "Hide" : "Show";
      } }, "Show");
  }
  const cells = [e.at.replace("T", " ").replace("Z", ""), e.method, h("span", { class: "mono path" }, e.path),
    h("span", { class: statusClass }, e.status), e.latencyMs.toFixed(1),
    h("a", { class: "mono", href: `#/journal?correlationId=${encodeURIComponent(e.correlationId)}` }, e.correlationId), toggle];
  const row = h("tr", { class: fresh ? "entry fresh" : "entry" }, cells.map((c, i) => h("td", { "data-label": headers[i], class: i === 4 ? "num" : null }, c)));
  return detail ? [row, detail] : [row];
}

// ---- fault rules ---------------------------------------------------------------------------

const FAULT_EXAMPLE = {
  method: "PUT",
  route: "/v1/customers/*/profiles/billing",
  effect: { kind: "error", status: 503, code: 990006, description: "Injected outage" },
  everyNth: 1,
};

async function faultsView(_params, isCurrent) {
  const listSlot = h("div", {});
  const outcome = h("div", {});
  const text = h("textarea", { name: "rule", spellcheck: "false", rows: 9 }, JSON.stringify(FAULT_EXAMPLE, null, 2));
  const refresh = async () => {
    const { body: rules } = await admin("/_partnerd/faults");
    if (!isCurrent()) return;
    listSlot.replaceChildren(rules.length
      ? table(["Id", "Rule", ""], rules.map((r) => [h("span", { class: "mono" }, r.id), h("pre", { class: "body" }, JSON.stringify(r, null, 2)),
        h("button", { type: "button", class: "danger", "aria-label": `Remove rule ${r.id}`, onclick: async () => {
          try { await admin(`/_partnerd/faults/${encodeURIComponent(r.id)}`, { method: "DELETE" }); announce(`Removed rule ${r.id}`); } catch (e) { outcome.replaceChildren(problem(e)); }
          refresh();
        } }, "Remove")]), { caption: "Fault rules" })
      : h("p", {}, "No rules: every request runs normally."));
  };
  const form = h("form", { "aria-label": "Add a fault rule", onsubmit: async (e) => {
    e.preventDefault();
    try {
      const { body: rule } = await admin("/_partnerd/faults", { method: "POST", body: text.value });
      outcome.replaceChildren(h("p", { class: "ok", role: "status" }, `Added rule ${rule.id}.`));
      announce(`Added rule ${rule.id}`);
    } catch (err) {
      outcome.replaceChildren(problem(err, "The rule was refused"));
    }
    refresh();
  } }, field("Rule (JSON, as POST /_partnerd/faults takes it)", text,
    "route: a path pattern (* one segment, ** the rest); effect: error {status, code, description}, latency {ms} or dropAfterCommit; one of probability (with seed) or everyNth; optional method and partner."),
  h("div", { class: "actions" }, h("button", { type: "submit" }, "Add rule"),
    h("button", { type: "button", class: "danger", onclick: async () => {
      if (!confirm("Remove every fault rule?")) return;
      await admin("/_partnerd/faults", { method: "DELETE" });
      announce("Removed every rule");
      refresh();
    } }, "Remove all")));
  setView("Faults", h("h1", {}, "Fault rules"),
    h("p", { class: "hint" }, "Rules are this node's own, as the control plane's fault API keeps them."),
    listSlot, h("h2", {}, "Add a rule"), form, outcome);
  await refresh();
}

// ---- metrics -------------------------------------------------------------------------------

const COLORS = ["--series-1", "--series-2", "--series-3", "--series-4", "--series-5", "--series-6"]
  .map((v) => getComputedStyle(document.documentElement).getPropertyValue(v).trim() || "#0b5394");

async function metricsView(params, isCurrent) {
  const minutes = h("select", { name: "minutes" }, [5, 15].map((m) => h("option", { value: m, selected: String(m) === (params.get("minutes") || "5") }, `${m} minutes`)));
  const routeSelect = h("select", { name: "route" });
  const charts = h("div", { class: "charts" });
  const summary = h("div", {});
  minutes.addEventListener("change", () => go(`/metrics?minutes=${minutes.value}`));
  routeSelect.addEventListener("change", () => draw());
  setView("Metrics", h("h1", {}, "Metrics"),
    h("p", { class: "hint" }, "This node's API and token-service traffic, in steps of a few seconds; the full series are at /_partnerd/metrics for Prometheus."),
    h("div", { class: "row" }, field("Window", minutes), field("Latency of", routeSelect)), charts, h("h2", {}, "Per route"), summary);
  let data = { series: [], stepSeconds: 5 };
  const label = (s) => `${s.method} ${s.route}`;
  function draw() {
    const top = data.series.slice(0, COLORS.length);
    const times = top[0]?.points.map((p) => p.at) || [];
    const chosen = data.series.find((s) => label(s) === routeSelect.value) || data.series[0];
    charts.replaceChildren(
      lineChart("Requests per second", "req/s", times, top.map((s, i) => ({ name: label(s), color: COLORS[i], values: s.points.map((p) => p.perSecond) }))),
      lineChart(chosen ? `Latency of ${label(chosen)}` : "Latency", "ms", chosen?.points.map((p) => p.at) || [],
        chosen ? [["p50", "p50Ms"], ["p95", "p95Ms"], ["p99", "p99Ms"]].map(([n, k], i) => ({ name: n, color: COLORS[i], values: chosen.points.map((p) => p[k] ?? null) })) : []));
    summary.replaceChildren(data.series.length
      ? table([{ label: "Route" }, { label: "Requests", num: true }, { label: "Last req/s", num: true }, { label: "Last p50 ms", num: true },
        { label: "Last p95 ms", num: true }, { label: "Last p99 ms", num: true }], data.series.map((s) => {
        const last = [...s.points].reverse().find((p) => p.requests > 0) || s.points[s.points.length - 1] || {};
        const fmt = (v) => (v === undefined || v === null ? "–" : v.toFixed(v < 10 ? 2 : 0));
        return [label(s), s.requests, fmt(last.perSecond), fmt(last.p50Ms), fmt(last.p95Ms), fmt(last.p99Ms)];
      }), { caption: "Traffic per route" })
      : h("p", {}, "No API requests in this window yet."));
  }
  const poll = async () => {
    try {
      ({ body: data } = await admin(`/_partnerd/metrics/recent?minutes=${minutes.value}`));
    } catch (e) {
      if (isCurrent()) summary.replaceChildren(problem(e, "The metrics could not be read"));
      return;
    }
    if (!isCurrent()) return;
    const wanted = routeSelect.value;
    routeSelect.replaceChildren(...data.series.map((s) => h("option", { value: label(s), selected: label(s) === wanted }, label(s))));
    draw();
  };
  await poll();
  if (!isCurrent()) return;
  const timer = setInterval(poll, METRICS_POLL_MS);
  stopCurrent = () => clearInterval(timer);
}

/** A line chart in SVG, with a text alternative: the last value of each series. */
function lineChart(title, unit, times, series) {
  const W = 560, H = 220, L = 48, R = 12, T = 10, B = 26;
  const values = series.flatMap((s) => s.values).filter((v) => v !== null && Number.isFinite(v));
  const max = niceMax(values.length ? Math.max(...values) : 1);
  const n = Math.max(times.length, 2);
  const x = (i) => L + ((W - L - R) * i) / (n - 1);
  const y = (v) => T + (H - T - B) * (1 - v / max);
  const grid = [0, 0.25, 0.5, 0.75, 1].map((f) => [
    svg("line", { class: "axis", x1: L, x2: W - R, y1: y(max * f), y2: y(max * f) }),
    svg("text", { x: L - 6, y: y(max * f) + 4, "text-anchor": "end" }, fmtAxis(max * f))]);
  const lines = series.map((s) => {
    let d = "";
    s.values.forEach((v, i) => {
      if (v === null || !Number.isFinite(v)) return;
      d += `${d && s.values[i - 1] !== null ? "L" : "M"}${x(i).toFixed(1)},${y(v).toFixed(1)}`;
    });
    // Dots as well as lines: a step between two quiet ones, or the first, is still seen.
    const dots = s.values.map((v, i) => (v === null || !Number.isFinite(v) ? null
      : svg("circle", { cx: x(i).toFixed(1), cy: y(v).toFixed(1), r: 2.5, fill: s.color })));
    return [d ? svg("path", { d, fill: "none", stroke: s.color, "stroke-width": 2 }) : null, dots];
  });
  const clock = (t) => (t ? t.slice(11, 19) : "");
  const lastOf = (s) => [...s.values].reverse().find((v) => v !== null && Number.isFinite(v));
  const description = series.length
    ? `${title}: ${series.map((s) => `${s.name} ${lastOf(s) === undefined ? "no data" : `${lastOf(s).toFixed(2)} ${unit}`}`).join("; ")}`
    : `${title}: no data yet`;
  return h("figure", { class: "chart" }, h("figcaption", {}, title),
    svg("svg", { viewBox: `0 0 ${W} ${H}`, role: "img", "aria-label": description },
      svg("title", {}, description), grid, lines,
      svg("text", { x: L, y: H - 6 }, clock(times[0])), svg("text", { x: W - R, y: H - 6, "text-anchor": "end" }, clock(times[times.length - 1]))),
    h("ul", { class: "legend" }, series.map((s) => h("li", {}, swatch(s.color), s.name))));
}

/** A legend's colour square; set through the CSS object model, which the page's CSP allows. */
function swatch(color) {
  const el = h("span", { class: "swatch" });
  el.style.backgroundColor = color;
  return el;
}

function niceMax(v) {
  if (!(v > 0)) return 1;
  const p = 10 ** Math.floor(Math.log10(v));
  return [1, 2, 2.5, 5, 10].map((m) => m * p).find((m) => m >= v) || v;
}

function fmtAxis(v) {
  return v >= 100 ? v.toFixed(0) : v >= 10 ? v.toFixed(1) : v.toFixed(2);
}

// ---- signing keys --------------------------------------------------------------------------

async function keysView(_params, isCurrent) {
  const outcome = h("div", {});
  const listSlot = h("div", {});
  const refresh = async () => {
    const { body: keys } = await admin("/_partnerd/keys");
    if (!isCurrent()) return;
    listSlot.replaceChildren(table(["Key id (kid)", "Created", "Signs new tokens", ""], keys.map((k) => [
      h("span", { class: "mono" }, k.kid), k.created.replace("T", " ").replace("Z", " UTC"), k.signs ? "yes" : "no (validates)",
      keys.length > 1 ? h("button", { type: "button", class: "danger", "aria-label": `Retire key ${k.kid}`, onclick: async () => {
        if (!confirm(`Retire ${k.kid}? Tokens it signed stop validating.`)) return;
        try { await admin(`/_partnerd/keys/${k.kid}`, { method: "DELETE" }); announce("Key retired"); } catch (e) { outcome.replaceChildren(problem(e)); }
        refresh();
      } }, "Retire") : ""]), { caption: "Signing keys" }));
  };
  const rotate = h("button", { type: "button", onclick: async () => {
    rotate.disabled = true;
    try {
      await admin("/_partnerd/keys", { method: "POST" });
      outcome.replaceChildren(h("p", { class: "ok", role: "status" }, "A new key signs from now on; the older ones still validate until retired."));
      announce("Key rotated");
    } catch (e) {
      outcome.replaceChildren(problem(e));
    } finally {
      rotate.disabled = false;
    }
    refresh();
  } }, "Rotate: add a new signing key");
  setView("Signing keys", h("h1", {}, "Signing keys"),
    h("p", { class: "hint" }, "Kept in the store and shared by every node; the public halves are at /{tenant}/discovery/keys."),
    listSlot, h("div", { class: "actions" }, rotate), outcome);
  await refresh();
}

// ---- start ---------------------------------------------------------------------------------

window.addEventListener("hashchange", route);
route();
