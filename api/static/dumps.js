// Coordinators follow every dump until it is cleared: due time, where its cleanup stands, and
// citizens' reports entered by hand (each one is put on a running route or into the next plan).
"use strict";
(() => {
  const TEXT = {
    nl: {
      title: "Sluikstorten", nav_coordinator: "Coördinatie", nav_dumps: "Sluikstorten", nav_advice: "Advies", nav_days: "Ophaaldagen",
      open_title: "Te ruimen sluikstorten", show_cleared: "ook recent opgeruimde tonen",
      table_caption: "Meldingen van sluikstort, de dringendste eerst",
      col_report: "Melding", col_source: "Bron", col_reported: "Gemeld", col_due: "Uiterlijk opgeruimd",
      col_state: "Stand", col_eta: "Verwacht", col_action: "Actie",
      new_title: "Melding van een burger ingeven", f_label: "Omschrijving (plaats)", f_lat: "Breedtegraad",
      f_lon: "Lengtegraad", f_note: "Wat ligt er?", f_photo: "Foto (optioneel)",
      f_submit: "Melding bewaren en inplannen",
      sources: { camera: "camera", crew: "ploeg", citizen: "burger" },
      states: { cleared: "opgeruimd", in_route: "in een route", next_plan: "wacht op het volgende plan",
                waiting: "nog niet ingepland" },
      route_of: (v) => `in de route van ${v}`,
      overdue: "te laat", photo: "foto", dispatch: "Opnieuw inplannen",
      dispatch_label: (label) => `${label} opnieuw inplannen`,
      summary: (s) => `${s.open} open, waarvan ${s.overdue} te laat; ${s.cleared_within_24h} van ${s.cleared} opgeruimd binnen 24 uur.`,
      none: "Geen open sluikstorten.",
      saved: (r) => `Bewaard: ${r.label} – ${r.state_nl}.`,
      redispatched: (r) => `${r.label}: ${r.state_nl}.`,
    },
    en: {
      title: "Illegal dumping", nav_coordinator: "Coordination", nav_dumps: "Dumping", nav_advice: "Advice", nav_days: "Service days",
      open_title: "Dumps to clear", show_cleared: "also show recently cleared",
      table_caption: "Dumping reports, the most urgent first",
      col_report: "Report", col_source: "Source", col_reported: "Reported", col_due: "Clear by",
      col_state: "State", col_eta: "Expected", col_action: "Action",
      new_title: "Enter a citizen's report", f_label: "Description (place)", f_lat: "Latitude",
      f_lon: "Longitude", f_note: "What is there?", f_photo: "Photo (optional)",
      f_submit: "Save the report and plan it",
      sources: { camera: "camera", crew: "crew", citizen: "citizen" },
      states: { cleared: "cleared", in_route: "on a route", next_plan: "waits for the next plan",
                waiting: "not planned yet" },
      route_of: (v) => `on ${v}'s route`,
      overdue: "late", photo: "photo", dispatch: "Plan again",
      dispatch_label: (label) => `Plan ${label} again`,
      summary: (s) => `${s.open} open, ${s.overdue} of them late; ${s.cleared_within_24h} of ${s.cleared} cleared within 24 hours.`,
      none: "No open dumps.",
      saved: (r) => `Saved: ${r.label} – ${r.state}.`,
      redispatched: (r) => `${r.label}: ${r.state}.`,
    },
  };
  const { t, el, fmt, api } = NT;
  let last = null;
  const message = document.getElementById("message");

  function stateText(r) {
    if (r.state === "in_route" && r.vehicle_id) return t("route_of", r.vehicle_id);
    return t("states")[r.state];
  }
  function render() {
    if (!last) return;
    document.getElementById("summary").textContent = t("summary", last);
    const body = document.querySelector("#reports tbody");
    body.replaceChildren();
    if (!last.reports.length) {
      body.append(el("tr", {}, el("td", { colspan: "7", text: t("none") })));
      return;
    }
    for (const r of last.reports) {
      const late = r.overdue && r.state !== "cleared";
      const label = el("td", {}, el("strong", { text: r.label }), r.note ? el("div", { text: r.note }) : null,
        r.has_photo ? el("a", { href: `/api/v1/dumps/${r.id}/photo`, target: "_blank", rel: "noopener",
                               text: t("photo") }) : null);
      const action = el("td");
      if (r.state === "next_plan" || r.state === "waiting") {
        action.append(el("button", { type: "button", class: "big", "data-id": r.id,
          "aria-label": t("dispatch_label", r.label), text: t("dispatch"), onclick: () => redispatch(r.id) }));
      }
      body.append(el("tr", { "data-state": r.state },
        label,
        el("td", { text: t("sources")[r.source] || r.source }),
        el("td", { text: fmt("datetime", r.reported_at) }),
        el("td", { class: late ? "overdue" : null },
          fmt("datetime", r.due_at), late ? el("span", { text: ` (${t("overdue")})` }) : null),
        el("td", { class: "state", text: r.state === "cleared" ? `${t("states").cleared} ${fmt("datetime", r.cleared_at)}` : stateText(r) }),
        el("td", { text: r.eta ? fmt("time", r.eta) : "–" }),
        action));
    }
  }
  async function load() {
    const open = !document.getElementById("show-cleared").checked;
    last = await api(`/api/v1/dumps?open=${open}`);
    render();
    document.body.dataset.ready = "true";
  }
  async function redispatch(id) {
    try {
      const r = await api(`/api/v1/dumps/${id}/dispatch`, { method: "POST" });
      message.textContent = t("redispatched", { ...r, state: stateText(r) });
      await load();
    } catch (error) { message.textContent = error.message; }
  }
  document.getElementById("new-report").addEventListener("submit", async (event) => {
    event.preventDefault();
    const form = event.target;
    const data = new FormData(form);
    data.set("source", "citizen");
    if (!form.querySelector("#r-photo").files.length) data.delete("photo");
    for (const input of form.querySelectorAll("input, textarea")) NT.fieldError(input, "");
    try {
      const answer = await api("/api/v1/dumps", { method: "POST", body: data });
      message.textContent = t("saved", { ...answer.report, state: stateText(answer.report) });
      form.reset();
      await load();
    } catch (error) {
      message.textContent = error.message;
      for (const name of error.fields || []) {
        const input = form.querySelector(`[name="${name}"]`);
        if (input) NT.fieldError(input, error.message);
      }
    }
  });
  document.getElementById("show-cleared").addEventListener("change", load);
  NT.setup(TEXT, render);
  NT.requireRole("coordinator").then(load).catch((error) => { message.textContent = error.message; });
})();
