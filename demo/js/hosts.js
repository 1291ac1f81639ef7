// The hosts page (handlers/db/views.py: hosts), built here through the database JSON API at
// /data/api (pycopia_www.data.api.DatabaseProxy): list, filter, sort, page, add, edit and
// delete hosts without a page load. The server decides who may change what: describe() says
// so, and a refused call is shown as it came back.
import { connect } from "/pwww/proxy.js";
import { subscribe } from "/pwww/events.js";

const PAGE_SIZE = 10;
const COLUMNS = [["name", "Name"], ["address", "Address"], ["mac", "MAC"], ["group_id", "Group"],
                 ["enabled", "Enabled"], ["created", "Created (UTC)"]];

const state = { where: {}, order: "name", offset: 0, total: 0, editing: null };
let db, groups = new Map(), may = {};

// ----- small DOM helpers -----
function el(name, attrs = {}, ...children) {
  const node = document.createElement(name);
  for (const [key, value] of Object.entries(attrs)) {
    if (key.startsWith("on")) node.addEventListener(key.slice(2), value);
    else if (value === true) node.setAttribute(key, key);
    else if (value !== false && value !== null && value !== undefined) node.setAttribute(key, value);
  }
  node.append(...children);
  return node;
}
const byId = (id) => document.getElementById(id);
const describe = (error) => (error.type && error.type !== "RemoteError" ? `${error.type}: ${error.message}` : error.message);

function say(text, isError = false) {
  const node = byId("hosts-message");
  node.textContent = text;
  node.className = isError ? "error" : "";
}

function field(label, input) {
  return el("label", {}, `${label} `, input);
}

function groupSelect(name, withAny) {
  const select = el("select", { name });
  select.append(el("option", { value: "" }, withAny ? "any" : "(none)"));
  for (const [id, label] of groups) select.append(el("option", { value: String(id) }, label));
  return select;
}

// ----- building the page -----
function build(app) {
  const filter = el("form", { id: "hosts-filter", onsubmit: (e) => { e.preventDefault(); applyFilter(); } },
    field("Name contains", el("input", { type: "text", name: "name" })),
    field("Group", groupSelect("group_id", true)),
    field("Enabled", el("select", { name: "enabled" }, el("option", { value: "" }, "any"),
                        el("option", { value: "yes" }, "yes"), el("option", { value: "no" }, "no"))),
    el("input", { type: "submit", value: "Filter" }));
  const head = el("tr", {}, ...COLUMNS.map(([column, title]) => el("th", { scope: "col" },
    el("button", { type: "button", class: "sort", "data-column": column, onclick: () => sortBy(column) }, title))));
  if (may.update || may.delete) head.append(el("th", { scope: "col" }, ""));
  const table = el("table", { id: "hosts-table" }, el("thead", {}, head), el("tbody", {}));
  const pager = el("p", { id: "hosts-pager" },
    el("button", { type: "button", id: "hosts-prev", onclick: () => turn(-1) }, "Previous"), " ",
    el("span", { id: "hosts-range" }, ""), " ",
    el("button", { type: "button", id: "hosts-next", onclick: () => turn(1) }, "Next"));
  app.replaceChildren(filter, table, pager);
  if (may.create || may.update) app.append(hostForm());
}

function hostForm() {
  return el("form", { id: "host-form", onsubmit: (e) => { e.preventDefault(); save(); } },
    el("fieldset", {}, el("legend", { id: "host-form-legend" }, "New host"),
      field("Name", el("input", { type: "text", name: "name", required: true, maxlength: "63" })),
      field("Address", el("input", { type: "text", name: "address", maxlength: "45" })),
      field("MAC", el("input", { type: "text", name: "mac", maxlength: "17" })),
      field("Group", groupSelect("group_id", false)),
      field("Enabled", el("input", { type: "checkbox", name: "enabled", checked: true })),
      el("input", { type: "submit", id: "host-save", value: "Add" }), " ",
      el("button", { type: "button", id: "host-cancel", onclick: () => edit(null) }, "Cancel")));
}

function render(rows) {
  const body = byId("hosts-table").tBodies[0];
  body.replaceChildren(...rows.map((row) => {
    const cells = [row.name, row.address ?? "", row.mac ?? "", groups.get(row.group_id) ?? "",
                   row.enabled ? "yes" : "no", row.created.toISOString().slice(0, 16).replace("T", " ")];
    const tr = el("tr", { "data-id": String(row.id) }, ...cells.map((text) => el("td", {}, text)));
    const actions = el("td", { class: "actions" });
    if (may.update) actions.append(el("button", { type: "button", class: "edit", onclick: () => edit(row) }, "Edit"), " ");
    if (may.delete) actions.append(el("button", { type: "button", class: "delete", onclick: () => remove(row) }, "Delete"));
    if (may.update || may.delete) tr.append(actions);
    return tr;
  }));
  const last = Math.min(state.offset + rows.length, state.total);
  byId("hosts-range").textContent = state.total ? `${state.offset + 1}–${last} of ${state.total}` : "no hosts";
  byId("hosts-prev").disabled = state.offset === 0;
  byId("hosts-next").disabled = last >= state.total;
  for (const button of document.querySelectorAll("button.sort")) {
    const column = button.getAttribute("data-column");
    button.className = `sort${state.order.replace("-", "") === column ? (state.order.startsWith("-") ? " desc" : " asc") : ""}`;
  }
}

// ----- talking to the server -----
async function load() {
  try {
    const page = await db.query("hosts", state.where, null, [state.order], state.offset, PAGE_SIZE);
    state.total = page.total;
    render(page.rows);
  } catch (error) {
    say(`Could not list the hosts: ${describe(error)}`, true);
  }
}

function applyFilter() {
  const form = byId("hosts-filter");
  const where = {};
  const name = form.elements.name.value.trim();
  if (name) where.name = { ilike: `%${name}%` };
  if (form.elements.group_id.value) where.group_id = Number(form.elements.group_id.value);
  if (form.elements.enabled.value) where.enabled = form.elements.enabled.value === "yes";
  state.where = where;
  state.offset = 0;
  return load();
}

function sortBy(column) {
  state.order = state.order === column ? `-${column}` : column;
  state.offset = 0;
  return load();
}

function turn(direction) {
  state.offset = Math.max(0, state.offset + direction * PAGE_SIZE);
  return load();
}

function edit(row) {
  const form = byId("host-form");
  state.editing = row;
  form.reset();
  if (row) {
    for (const name of ["name", "address", "mac"]) form.elements[name].value = row[name] ?? "";
    form.elements.group_id.value = row.group_id === null ? "" : String(row.group_id);
    form.elements.enabled.checked = row.enabled;
  }
  byId("host-form-legend").textContent = row ? `Edit ${row.name}` : "New host";
  byId("host-save").value = row ? "Save" : "Add";
}

async function save() {
  const form = byId("host-form");
  const text = (name) => form.elements[name].value.trim() || null;
  const values = { name: text("name"), address: text("address"), mac: text("mac"),
                   group_id: form.elements.group_id.value ? Number(form.elements.group_id.value) : null,
                   enabled: form.elements.enabled.checked };
  try {
    const row = state.editing ? await db.update("hosts", state.editing.id, values) : await db.create("hosts", values);
    say(`${state.editing ? "Saved" : "Added"} ${row.name}.`);
    edit(null);
    await load();
  } catch (error) {
    say(`Not saved: ${describe(error)}`, true);
  }
}

async function remove(row) {
  try {
    await db.delete("hosts", row.id);
    say(`Deleted ${row.name}.`);
    if (state.offset >= state.total - 1) state.offset = Math.max(0, state.offset - PAGE_SIZE);
    await load();
  } catch (error) {
    say(`Not deleted: ${describe(error)}`, true);
  }
}

async function start() {
  const app = byId("hosts-app");
  try {
    db = await connect("/data/api");
    const [table, choices] = await Promise.all([db.describe("hosts"), db.choices("hosts", "group_id")]);
    may = table.may;
    groups = new Map(choices.map((c) => [c.value, c.label]));
    build(app);
    await load();
    // The db backend publishes every committed change of a host or a group (its key only): the
    // page shows what another browser changed, read again through the API like any page.
    let pending = null;
    const reload = () => { clearTimeout(pending); pending = setTimeout(load, 100); };
    subscribe("hosts.*", reload, { onMissed: reload });
    subscribe("groups.*", reload, { onMissed: reload });
    document.body.classList.add("live");          // the browser tests wait for this
  } catch (error) {
    say(`The hosts page could not start: ${describe(error)}`, true);
  }
}

start();
