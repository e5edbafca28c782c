// The periodic plan: each area's service days per service, changed one area at a time, and the
// proposal from the sensors' fill rates. Unsaved ticks survive a language switch or a reload of
// the table; every container no service day reaches is listed by name.
"use strict";
(() => {
  const TEXT = {
    nl: {
      title: "Ophaaldagen", nav_coordinator: "Coördinatie", nav_dumps: "Sluikstorten", nav_advice: "Advies",
      nav_days: "Ophaaldagen", warn_title: "Bakken zonder ophaaldag",
      days_title: "Ophaaldagen per gebied",
      days_intro: "Op zijn ophaaldagen ledigt de ploeg de bakken van een gebied die het nodig hebben; op andere dagen komt ze er enkel voor bakken die anders overlopen. Een gebied zonder ingestelde dagen wordt elke dag bediend. Een wijziging geldt vanaf het volgende plan.",
      days_caption: "Ophaaldagen per gebied en dienst",
      prop_title: "Voorstel uit de sensoren",
      prop_intro: "Hoe snel de bakken de laatste vier weken vollopen, bepaalt hoeveel dagen per week elk gebied nodig heeft; gebieden aan dezelfde kant van de stad delen hun dagen.",
      prop_caption: "Voorgestelde ophaaldagen naast de huidige",
      propose: "Voorstel berekenen", take: "Voorstel overnemen",
      col_area: "Gebied", col_service: "Dienst", col_count: "Bakken", col_status: "Ingesteld",
      col_save: "Bewaren", col_now: "Nu", col_proposed: "Voorstel",
      days: ["ma", "di", "wo", "do", "vr", "za", "zo"],
      day_names: ["maandag", "dinsdag", "woensdag", "donderdag", "vrijdag", "zaterdag", "zondag"],
      services: { street: "straatploeg", crane: "kraanwagen" },
      every_day: "elke dag (niet ingesteld)", none: "geen",
      set_by: (who, when) => `${who || "onbekend"}, ${when}`,
      save: "Bewaren", changed: "gewijzigd",
      day_label: (area, service, day) => `${area}, ${service}: ${day}`,
      save_label: (area, service) => `Ophaaldagen van ${area} (${service}) bewaren`,
      saved: (area, service, days) => `Bewaard: ${area} (${service}): ${days}.`,
      saved_warn: (n) => ` Let op: ${n} ${n === 1 ? "bak heeft" : "bakken hebben"} geen ophaaldag meer.`,
      taken: (n) => `Voorstel overgenomen voor ${n} gebieden.`,
      no_change: "Het voorstel verandert niets.",
      proposal_unserved: (n) => `Met dit voorstel ${n === 1 ? "heeft 1 bak" : `hebben ${n} bakken`} geen ophaaldag.`,
    },
    en: {
      title: "Service days", nav_coordinator: "Coordination", nav_dumps: "Dumping", nav_advice: "Advice",
      nav_days: "Service days", warn_title: "Bins without a service day",
      days_title: "Service days per area",
      days_intro: "On its service days the crew empties the bins of an area that need it; on other days it comes only for bins that would otherwise overflow. An area without days set is served every day. A change applies from the next plan on.",
      days_caption: "Service days per area and service",
      prop_title: "Proposal from the sensors",
      prop_intro: "How fast the bins filled over the last four weeks sets how many days a week each area needs; areas on the same side of the city share their days.",
      prop_caption: "Proposed service days beside the current ones",
      propose: "Compute proposal", take: "Take over the proposal",
      col_area: "Area", col_service: "Service", col_count: "Bins", col_status: "Set by",
      col_save: "Save", col_now: "Now", col_proposed: "Proposal",
      days: ["Mo", "Tu", "We", "Th", "Fr", "Sa", "Su"],
      day_names: ["Monday", "Tuesday", "Wednesday", "Thursday", "Friday", "Saturday", "Sunday"],
      services: { street: "street crew", crane: "crane truck" },
      every_day: "every day (not set)", none: "none",
      set_by: (who, when) => `${who || "unknown"}, ${when}`,
      save: "Save", changed: "changed",
      day_label: (area, service, day) => `${area}, ${service}: ${day}`,
      save_label: (area, service) => `Save the service days of ${area} (${service})`,
      saved: (area, service, days) => `Saved: ${area} (${service}): ${days}.`,
      saved_warn: (n) => ` Note: ${n} ${n === 1 ? "bin has" : "bins have"} no service day left.`,
      taken: (n) => `Proposal taken over for ${n} areas.`,
      no_change: "The proposal changes nothing.",
      proposal_unserved: (n) => `With this proposal ${n} ${n === 1 ? "bin has" : "bins have"} no service day.`,
    },
  };
  const { t, el, fmt, api } = NT;
  const message = document.getElementById("message");
  const pending = new Map(); // "service/area" -> the ticked weekdays not saved yet
  let view = null;
  let proposal = null;

  const key = (a) => `${a.service}/${a.area}`;
  const dayList = (days) => (days.length ? days.map((d) => t("days")[d]).join(" ") : t("none"));
  function showError(error) { message.textContent = error.message; }

  function renderWarnings() {
    const list = document.getElementById("unserved");
    list.replaceChildren();
    const unserved = view ? view.unserved : [];
    document.getElementById("warnings").hidden = unserved.length === 0;
    for (const u of unserved) {
      list.append(el("li", { "data-bin": u.bin_id, text: NT.lang === "nl" ? u.message_nl : u.message_en }));
    }
  }
  function renderDays() {
    const head = document.getElementById("days-head");
    head.replaceChildren(
      el("th", { scope: "col", text: t("col_area") }), el("th", { scope: "col", text: t("col_service") }),
      el("th", { scope: "col", text: t("col_count") }),
      ...t("days").map((d, i) => el("th", { scope: "col" }, el("abbr", { title: t("day_names")[i], text: d }))),
      el("th", { scope: "col", text: t("col_status") }), el("th", { scope: "col", text: t("col_save") }));
    const body = document.querySelector("#days tbody");
    body.replaceChildren();
    if (!view) return;
    for (const a of view.areas) {
      const service = t("services")[a.service];
      const ticked = pending.get(key(a)) || new Set(a.weekdays);
      const boxes = t("days").map((_, d) => el("td", {}, el("input", {
        type: "checkbox", value: String(d), checked: ticked.has(d),
        "aria-label": t("day_label", a.area, service, t("day_names")[d]),
        onchange: (event) => {
          const now = new Set(pending.get(key(a)) || a.weekdays);
          if (event.target.checked) now.add(d); else now.delete(d);
          pending.set(key(a), now);
        },
      })));
      const status = a.stored ? t("set_by", a.updated_by, fmt("datetime", a.updated_at)) : t("every_day");
      body.append(el("tr", { "data-key": key(a) },
        el("th", { scope: "row", text: a.area }), el("td", { text: service }), el("td", { text: String(a.containers) }),
        ...boxes, el("td", { text: status }),
        el("td", {}, el("button", { type: "button", text: t("save"), "aria-label": t("save_label", a.area, service),
                                    onclick: () => save(a).catch(showError) }))));
    }
  }
  function renderProposal() {
    const table = document.getElementById("proposal");
    const body = table.querySelector("tbody");
    body.replaceChildren();
    table.hidden = !proposal;
    document.getElementById("take").hidden = !proposal || !proposal.areas.some((p) => p.changed);
    if (!proposal) return;
    for (const p of proposal.areas) {
      body.append(el("tr", { "data-key": key(p), "data-changed": p.changed ? "true" : "false" },
        el("th", { scope: "row", text: p.area }), el("td", { text: t("services")[p.service] }),
        el("td", { text: dayList(p.current) }),
        el("td", {}, p.changed ? el("strong", { text: `${dayList(p.weekdays)} (${t("changed")})` }) : dayList(p.weekdays))));
    }
  }
  function render() { renderWarnings(); renderDays(); renderProposal(); }

  async function save(a) {
    const days = [...(pending.get(key(a)) || a.weekdays)].sort((x, y) => x - y);
    view = await api(`/api/v1/servicedays/${a.service}/${encodeURIComponent(a.area)}`, {
      method: "PUT", headers: { "Content-Type": "application/json" }, body: JSON.stringify({ weekdays: days }),
    });
    pending.delete(key(a));
    proposal = null;
    const lost = view.unserved.filter((u) => u.service === a.service && u.area === a.area).length;
    message.textContent = t("saved", a.area, t("services")[a.service], dayList(days)) + (lost ? t("saved_warn", lost) : "");
    render();
  }
  async function propose() {
    proposal = await api("/api/v1/servicedays/proposal");
    const changed = proposal.areas.filter((p) => p.changed).length;
    message.textContent = (changed ? "" : t("no_change")) +
      (proposal.unserved.length ? t("proposal_unserved", proposal.unserved.length) : "");
    renderProposal();
  }
  async function take() {
    const count = proposal ? proposal.areas.length : 0;
    view = await api("/api/v1/servicedays/proposal", { method: "POST" });
    for (const p of proposal ? proposal.areas : []) pending.delete(key(p));
    proposal = null;
    message.textContent = t("taken", count);
    render();
  }
  async function load() {
    view = await api("/api/v1/servicedays");
    render();
    document.body.dataset.ready = "true";
  }
  document.getElementById("propose").addEventListener("click", () => propose().catch(showError));
  document.getElementById("take").addEventListener("click", () => take().catch(showError));
  NT.setup(TEXT, render);
  NT.requireRole("coordinator").then(load).catch(showError);
})();
