// Administrators: accounts (add, change role, disable, reset a password) and the audit log.
"use strict";
const TEXT = {
  nl: { title: "Beheer", users: "Gebruikers", audit: "Auditlog", registry: "Register",
        f_username: "Gebruikersnaam", f_display_name: "Naam", f_role: "Rol", f_vehicle_id: "Voertuig (voor een ploeg)",
        f_locale: "Taal", f_password: "Wachtwoord (leeg: wordt gemaakt)", state: "Toestand", actions: "Acties",
        new_user: "Nieuwe gebruiker", edit_user: (n) => `Gebruiker ${n} wijzigen`, save: "Opslaan", new: "Nieuw",
        role_crew: "ploeg", role_coordinator: "coördinator", role_enforcement: "handhaving", role_admin: "beheerder",
        active: "actief", disabled: "uitgeschakeld", sessions: (n) => `${n} sessie(s)`,
        edit: "Wijzigen", disable: "Uitschakelen", enable: "Inschakelen", reset: "Wachtwoord resetten",
        saved: "Opgeslagen", new_password: (n, p) => `Nieuw wachtwoord voor ${n} (één keer getoond): ${p}`,
        kind: "Soort", all: "alle", from: "Van", until: "Tot en met", filter: "Filteren", export_csv: "Exporteer CSV",
        when: "Wanneer", who: "Wie", action: "Actie", object: "Object", detail: "Details", address: "Adres",
        g_login: "aanmelden en afmelden", g_registry: "registerwijzigingen", g_user: "gebruikerswijzigingen",
        g_plan: "planningen", g_threshold: "drempels", invalid: "Ongeldige invoer" },
  en: { title: "Administration", users: "Users", audit: "Audit log", registry: "Registry",
        f_username: "Username", f_display_name: "Name", f_role: "Role", f_vehicle_id: "Vehicle (for a crew)",
        f_locale: "Language", f_password: "Password (empty: one is made)", state: "State", actions: "Actions",
        new_user: "New user", edit_user: (n) => `Edit user ${n}`, save: "Save", new: "New",
        role_crew: "crew", role_coordinator: "coordinator", role_enforcement: "enforcement", role_admin: "administrator",
        active: "active", disabled: "disabled", sessions: (n) => `${n} session(s)`,
        edit: "Edit", disable: "Disable", enable: "Enable", reset: "Reset password",
        saved: "Saved", new_password: (n, p) => `New password for ${n} (shown once): ${p}`,
        kind: "Kind", all: "all", from: "From", until: "Up to and including", filter: "Filter", export_csv: "Export CSV",
        when: "When", who: "Who", action: "Action", object: "Object", detail: "Details", address: "Address",
        g_login: "log in and out", g_registry: "registry changes", g_user: "user changes",
        g_plan: "plans", g_threshold: "thresholds", invalid: "Invalid input" },
};
const GROUPS = ["registry.", "user.", "plan.", "threshold."];
let users = [];
let entries = [];
let editing = null;
let me = null;

function showPassword(username, password) {
  const box = document.getElementById("new-password");
  box.hidden = !password;
  box.textContent = password ? NT.t("new_password", username, password) : "";
}

function renderUsers() {
  document.querySelector("#user-table tbody").replaceChildren(...users.map((u) => NT.el("tr", { class: u.active ? null : "retired" },
    NT.el("td", { text: u.username }), NT.el("td", { text: u.display_name }),
    NT.el("td", { text: NT.t(`role_${u.role}`) }), NT.el("td", { text: u.vehicle_id || "–" }),
    NT.el("td", { text: `${NT.t(u.active ? "active" : "disabled")}, ${NT.t("sessions", u.sessions)}` }),
    NT.el("td", { class: "row-actions" },
      NT.el("button", { type: "button", class: "small", text: NT.t("edit"), "aria-label": `${NT.t("edit")} ${u.username}`,
                        onclick: () => edit(u) }),
      u.id === me.id ? null : NT.el("button", { type: "button", class: u.active ? "small danger" : "small",
        text: NT.t(u.active ? "disable" : "enable"), "aria-label": `${NT.t(u.active ? "disable" : "enable")} ${u.username}`,
        onclick: () => act(u, u.active ? "disable" : "enable") }),
      NT.el("button", { type: "button", class: "small", text: NT.t("reset"), "aria-label": `${NT.t("reset")} ${u.username}`,
                        onclick: () => act(u, "password", {}) })))));
}

async function loadUsers() {
  const answer = await RF.call("GET", "/api/v1/admin/users");
  users = answer.ok ? answer.data : [];
  renderUsers();
}

function title() {
  document.getElementById("user-form-title").textContent = editing ? NT.t("edit_user", editing.username) : NT.t("new_user");
}

function edit(u) {
  editing = u;
  const form = document.getElementById("user-form");
  form.elements.username.value = u.username;
  form.elements.username.readOnly = true;
  form.elements.display_name.value = u.display_name;
  form.elements.role.value = u.role;
  form.elements.vehicle_id.value = u.vehicle_id || "";
  form.elements.locale.value = u.locale;
  document.getElementById("u-password-field").hidden = true;
  title();
  form.elements.display_name.focus();
}

function startNew() {
  editing = null;
  const form = document.getElementById("user-form");
  form.reset();
  form.elements.username.readOnly = false;
  document.getElementById("u-password-field").hidden = false;
  title();
}

async function act(u, what, body) {
  const answer = await RF.call("POST", `/api/v1/admin/users/${u.id}/${what}`, body);
  if (!answer.ok) { RF.say(RF.message(answer), "bad"); return; }
  RF.say(`${NT.t("saved")}: ${u.username}`);
  showPassword(u.username, answer.data.password);
  await Promise.all([loadUsers(), loadAudit()]);
}

async function saveUser(event) {
  event.preventDefault();
  const form = document.getElementById("user-form");
  const body = { display_name: form.elements.display_name.value.trim(), role: form.elements.role.value,
                 vehicle_id: form.elements.vehicle_id.value.trim() || null, locale: form.elements.locale.value };
  let answer;
  if (editing) {
    answer = await RF.call("PUT", `/api/v1/admin/users/${editing.id}`, { ...body, display_name: body.display_name || editing.username });
  } else {
    answer = await RF.call("POST", "/api/v1/admin/users", { ...body, username: form.elements.username.value.trim(),
                                                             password: form.elements.password.value || null });
  }
  if (!answer.ok) { RF.say(RF.message(answer), "bad"); return; }
  const account = answer.data.account;
  RF.say(`${NT.t("saved")}: ${account.username}`);
  showPassword(account.username, answer.data.password);
  startNew();
  await Promise.all([loadUsers(), loadAudit(), loadActions()]);
}

// A Brussels calendar day as an instant with its offset (winter +01:00, summer +02:00).
function brussels(day, next = false) {
  if (!day) return null;
  const d = new Date(`${day}T12:00:00Z`);
  if (next) d.setUTCDate(d.getUTCDate() + 1);
  const part = new Intl.DateTimeFormat("en", { timeZone: "Europe/Brussels", timeZoneName: "longOffset" })
    .formatToParts(d).find((p) => p.type === "timeZoneName").value;
  const offset = part === "GMT" ? "+00:00" : part.slice(3);
  return `${d.toISOString().slice(0, 10)}T00:00:00${offset}`;
}

function filterParams() {
  const params = new URLSearchParams();
  const action = document.getElementById("a-action").value;
  const username = document.getElementById("a-username").value.trim();
  const start = brussels(document.getElementById("a-start").value);
  const end = brussels(document.getElementById("a-end").value, true);
  if (action) params.set("action", action);
  if (username) params.set("username", username);
  if (start) params.set("start", start);
  if (end) params.set("end", end);
  return params;
}

async function loadAudit() {
  const params = filterParams();
  document.getElementById("audit-csv").href = `/api/v1/admin/audit.csv?${params}`;
  params.set("limit", "500");
  const answer = await RF.call("GET", `/api/v1/admin/audit?${params}`);
  if (!answer.ok) { RF.say(RF.message(answer), "bad"); return; }
  entries = answer.data;
  renderAudit();
}

function renderAudit() {
  document.querySelector("#audit-table tbody").replaceChildren(...entries.map((r) => NT.el("tr", {},
    NT.el("td", { text: NT.fmt("datetime", r.ts) }), NT.el("td", { text: `${r.username} (${r.role})` }),
    NT.el("td", { text: r.action }), NT.el("td", { text: `${r.object_type} ${r.object_id}` }),
    NT.el("td", { text: Object.keys(r.detail).length ? JSON.stringify(r.detail) : "" }),
    NT.el("td", { text: r.client_ip || "" }))));
}

async function loadActions() {
  const answer = await RF.call("GET", "/api/v1/admin/audit/actions");
  if (!answer.ok) return;
  const select = document.getElementById("a-action");
  const chosen = select.value;
  const groups = GROUPS.map((g) => NT.el("option", { value: g, "data-i18n": `g_${g.slice(0, -1)}`, text: NT.t(`g_${g.slice(0, -1)}`) }));
  select.replaceChildren(select.options[0], ...groups, ...answer.data.map((a) => NT.el("option", { value: a, text: a })));
  select.value = chosen;
}

(async () => {
  NT.setup(TEXT, () => { renderUsers(); renderAudit(); title(); });
  me = await NT.requireRole("admin");
  document.getElementById("user-form").addEventListener("submit", saveUser);
  document.getElementById("user-new").addEventListener("click", startNew);
  document.getElementById("audit-filter").addEventListener("submit", (e) => { e.preventDefault(); loadAudit(); });
  await Promise.all([loadUsers(), loadAudit(), loadActions()]);
  document.body.dataset.ready = "true";
})();
