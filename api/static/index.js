// The start page sends each role to its own page; an administrator sees the audit log.
"use strict";
const HOME = { crew: "/crew", coordinator: "/coordinator", enforcement: "/enforcement" };
NT.setup({
  nl: { title: "start", audit: "Auditlog", when: "Wanneer", user: "Gebruiker", action: "Actie", object: "Object",
        admin_link: "Gebruikers en auditlog", registry_link: "Register: vuilbakken, vloot, camera's" },
  en: { title: "home", audit: "Audit log", when: "When", user: "User", action: "Action", object: "Object",
        admin_link: "Users and audit log", registry_link: "Registry: bins, fleet, cameras" },
}, () => { if (window.auditRows) renderAudit(window.auditRows); });

function renderAudit(rows) {
  document.querySelector("#audit tbody").replaceChildren(...rows.map((r) => NT.el("tr", {},
    NT.el("td", { text: NT.fmt("datetime", r.ts) }), NT.el("td", { text: r.username }),
    NT.el("td", { text: r.action }), NT.el("td", { text: `${r.object_type} ${r.object_id}` }))));
}

(async () => {
  const me = await NT.api("/api/v1/auth/me");
  if (HOME[me.role]) { location.replace(HOME[me.role]); return; }
  document.getElementById("who").textContent = me.display_name;
  document.getElementById("admin").hidden = false;
  window.auditRows = await NT.api("/api/v1/audit?limit=200");
  renderAudit(window.auditRows);
})();
