// The crew's route sheet: today's stops on a map and in a list; actions go through the outbox.
"use strict";
const TEXT = {
  nl: { title: "Routeblad", print: "Afdrukken", plan_changed: "De planning is gewijzigd: nieuwe of vervallen haltes.",
        ok: "OK", stop: "Halte", type: "Type", window: "Tijdvenster", fill_pred: "Verwacht", fill_seen: "Vulgraad gezien",
        online: "Verbonden", offline_mode: "Offline – acties worden bewaard",
        pending: (n) => n ? `${n} actie(s) wachten op verzending` : "Alles verzonden",
        summary: (d, n, open) => `${d}: ${n} haltes, ${open} te doen`,
        no_route: "Geen route voor vandaag.", navigate: "Navigeer", done: "Geledigd", skip: "Overslaan",
        problem: "Probleem melden", expected: "verwacht", eta: "aankomst", new_stop: "nieuw",
        status_open: "te doen", status_done: "geledigd", status_skipped: "overgeslagen",
        choose_fill: "Hoe vol was het?", empty: "Leeg", half: "Half", full: "Vol", overflowing: "Overvol",
        choose_reason: "Waarom overslaan?", blocked: "Geblokkeerd", not_reachable: "Niet bereikbaar",
        not_needed: "Niet nodig", cancel: "Annuleren", send: "Versturen",
        problem_kind: "Wat is er aan de hand?", overflow: "Overvol", damage: "Schade", dumping: "Sluikstort",
        note: "Opmerking", photo: "Foto", gps_wait: "Locatie bepalen…", gps_ok: "Locatie bepaald",
        gps_none: "Geen locatie", queued: "Bewaard; wordt verzonden zodra er verbinding is.",
        kinds: { bin: "vuilbak", dump: "sluikstort", visit: "bezoek", unload: "lossen", report: "melding", event: "evenement", fixed: "vast bezoek" } },
  en: { title: "Route sheet", print: "Print", plan_changed: "The plan has changed: new or dropped stops.",
        ok: "OK", stop: "Stop", type: "Type", window: "Time window", fill_pred: "Expected", fill_seen: "Fill seen",
        online: "Online", offline_mode: "Offline – actions are kept",
        pending: (n) => n ? `${n} action(s) waiting to be sent` : "Everything sent",
        summary: (d, n, open) => `${d}: ${n} stops, ${open} to do`,
        no_route: "No route for today.", navigate: "Navigate", done: "Emptied", skip: "Skip",
        problem: "Report a problem", expected: "expected", eta: "arrival", new_stop: "new",
        status_open: "to do", status_done: "emptied", status_skipped: "skipped",
        choose_fill: "How full was it?", empty: "Empty", half: "Half", full: "Full", overflowing: "Overflowing",
        choose_reason: "Why skip it?", blocked: "Blocked", not_reachable: "Not reachable",
        not_needed: "Not needed", cancel: "Cancel", send: "Send",
        problem_kind: "What is wrong?", overflow: "Overflowing", damage: "Damage", dumping: "Illegal dumping",
        note: "Note", photo: "Photo", gps_wait: "Finding location…", gps_ok: "Location found",
        gps_none: "No location", queued: "Saved; it is sent as soon as there is a connection.",
        kinds: { bin: "bin", dump: "illegal dumping", visit: "visit", unload: "unload", report: "report", event: "event", fixed: "fixed visit" } },
};
const ROUTE_KEY = "crew-route";
let sheet = JSON.parse(localStorage.getItem(ROUTE_KEY) || "null");
let local = {};        // stop ref → action taken on this phone and not yet in a fetched sheet
let map = null, layer = null;

function uuid() {
  if (crypto.randomUUID) return crypto.randomUUID();
  const b = crypto.getRandomValues(new Uint8Array(16));
  b[6] = (b[6] & 0x0f) | 0x40; b[8] = (b[8] & 0x3f) | 0x80;
  const h = [...b].map((x) => x.toString(16).padStart(2, "0")).join("");
  return `${h.slice(0, 8)}-${h.slice(8, 12)}-${h.slice(12, 16)}-${h.slice(16, 20)}-${h.slice(20)}`;
}

function position(timeout = 4000) {
  return new Promise((resolve) => {
    if (!navigator.geolocation) return resolve(null);
    navigator.geolocation.getCurrentPosition(
      (p) => resolve({ lat: p.coords.latitude, lon: p.coords.longitude, accuracy_m: p.coords.accuracy }),
      () => resolve(null), { enableHighAccuracy: true, timeout, maximumAge: 60000 });
  });
}

function stopState(stop) {
  const mine = local[stop.ref];
  return mine ? { status: mine.action, fill_seen: mine.fill_seen, skip_reason: mine.skip_reason } : stop;
}

function render() {
  const t = NT.t;
  const list = document.getElementById("stops");
  if (!sheet) { document.getElementById("summary").textContent = t("loading"); return; }
  const stops = sheet.stops;
  const open = stops.filter((s) => stopState(s).status === "open").length;
  document.getElementById("summary").textContent =
    stops.length ? t("summary", NT.fmt("date", sheet.service_date + "T12:00:00Z"), stops.length, open) : t("no_route");
  list.replaceChildren(...stops.map((s) => stopItem(s)));
  document.querySelector("#print-sheet tbody").replaceChildren(...stops.map((s) => NT.el("tr", {},
    NT.el("td", { text: s.seq }), NT.el("td", { text: s.label }),
    NT.el("td", { text: s.container_type ? t("types")[s.container_type] : t("kinds")[s.kind] || s.kind }),
    NT.el("td", { text: windowText(s) }), NT.el("td", { text: NT.percent(s.predicted_fill) }),
    NT.el("td", { text: "☐ " + ["empty", "half", "full", "overflowing"].map((k) => t(k)).join(" ☐ ") }))));
  renderMap(stops);
}

function windowText(s) {
  if (!s.window_start && !s.window_end) return "–";
  return `${NT.fmt("time", s.window_start)}–${NT.fmt("time", s.window_end)}`;
}

function stopItem(s) {
  const t = NT.t;
  const state = stopState(s);
  const kind = s.container_type ? t("types")[s.container_type] : t("kinds")[s.kind] || s.kind;
  const status = state.status === "done" ? `${t("status_done")} · ${t(state.fill_seen)}`
    : state.status === "skipped" ? `${t("status_skipped")} · ${t(state.skip_reason)}` : t("status_open");
  const meta = [kind];
  if (s.predicted_fill != null) meta.push(`${t("expected")} ${NT.percent(s.predicted_fill)}`);
  if (s.window_start || s.window_end) meta.push(windowText(s));
  if (s.eta) meta.push(`${t("eta")} ${NT.fmt("time", s.eta)}`);
  const actionable = s.kind !== "unload" && state.status === "open";
  return NT.el("li", { class: `stop ${state.status}${s.added_during_day ? " added" : ""}`, "data-ref": s.ref },
    NT.el("div", { class: "stop-head" },
      NT.el("span", { class: "seq", text: s.seq }),
      NT.el("strong", { class: "label", text: s.label }),
      s.added_during_day ? NT.el("span", { class: "tag", text: t("new_stop") }) : null),
    NT.el("div", { class: "meta", text: meta.join(" · ") }),
    NT.el("div", { class: "state", text: status }),
    NT.el("div", { class: "buttons noprint" },
      NT.el("a", { class: "big", href: s.navigation_url, text: t("navigate") }),
      actionable ? NT.el("button", { class: "big primary", type: "button", text: t("done"), onclick: () => askFill(s) }) : null,
      actionable ? NT.el("button", { class: "big", type: "button", text: t("skip"), onclick: () => askReason(s) }) : null,
      s.kind !== "unload" ? NT.el("button", { class: "big warn", type: "button", text: t("problem"), onclick: () => askProblem(s) }) : null));
}

function renderMap(stops) {
  if (typeof L === "undefined") return;
  if (!map) {
    map = L.map("map", { zoomControl: true });
    NT.tiles().then((url) => { if (url) L.tileLayer(url, { maxZoom: 19 }).addTo(map); });
    layer = L.layerGroup().addTo(map);
  }
  layer.clearLayers();
  const points = stops.map((s) => [s.lat, s.lon]);
  if (points.length > 1) L.polyline(points, { color: "#00594f", weight: 3, opacity: 0.6 }).addTo(layer);
  stops.forEach((s) => {
    const state = stopState(s).status;
    L.marker([s.lat, s.lon], { icon: L.divIcon({ className: `pin ${state}`, html: String(s.seq), iconSize: [30, 30] }) })
      .bindTooltip(s.label).addTo(layer);
  });
  if (points.length) map.fitBounds(points, { padding: [20, 20], maxZoom: 16 });
  else map.setView([50.828, 3.265], 13);
}

function dialog(title, buttons, extra) {
  const box = document.getElementById("dialog");
  const form = document.getElementById("dialog-form");
  form.replaceChildren(NT.el("h2", { text: title }), ...(extra || []),
    NT.el("div", { class: "choices" }, ...buttons),
    NT.el("button", { class: "big", value: "cancel", text: NT.t("cancel") }));
  box.showModal();
  return box;
}

function askFill(stop) {
  const box = dialog(NT.t("choose_fill"), ["empty", "half", "full", "overflowing"].map((k) =>
    NT.el("button", { class: "big primary", type: "button", "data-fill": k, text: NT.t(k),
      onclick: () => { box.close(); act(stop, { action: "done", fill_seen: k }); } })));
}

function askReason(stop) {
  const box = dialog(NT.t("choose_reason"), ["blocked", "not_reachable", "not_needed"].map((k) =>
    NT.el("button", { class: "big", type: "button", "data-reason": k, text: NT.t(k),
      onclick: () => { box.close(); act(stop, { action: "skipped", skip_reason: k }); } })));
}

function askProblem(stop) {
  const t = NT.t;
  const gps = NT.el("p", { class: "gps", text: t("gps_wait") });
  let where = null;
  position(8000).then((p) => { where = p; gps.textContent = p ? `${t("gps_ok")} (±${Math.round(p.accuracy_m)} m)` : t("gps_none"); });
  const kind = NT.el("select", { name: "kind" }, ...["overflow", "damage", "dumping"].map((k) => NT.el("option", { value: k, text: t(k) })));
  const note = NT.el("textarea", { name: "note", rows: 2 });
  const photo = NT.el("input", { type: "file", name: "photo", accept: "image/*", capture: "environment" });
  const box = dialog(t("problem"), [NT.el("button", { class: "big primary", type: "button", id: "send-problem", text: t("send"), onclick: async () => {
    const file = photo.files[0] || null;
    const key = uuid();
    await Outbox.add({ client_key: key, type: "problem", photo: file, photo_name: file ? file.name : null, payload: {
      client_key: key, kind: kind.value, note: note.value, stop_ref: stop.ref, bin_id: stop.bin_id || "",
      lat: where ? where.lat : "", lon: where ? where.lon : "", accuracy_m: where ? where.accuracy_m : "",
      reported_at: new Date().toISOString() } });
    box.close();
    flash(t("queued"));
    kick();
  } })], [NT.el("label", {}, t("problem_kind"), kind), NT.el("label", {}, t("note"), note), NT.el("label", {}, t("photo"), photo), gps]);
}

async function act(stop, what) {
  const key = uuid();
  const where = await position(1500);
  const payload = { client_key: key, stop_ref: stop.ref, service_date: sheet.service_date, bin_id: stop.bin_id,
    acted_at: new Date().toISOString(), lat: where ? where.lat : null, lon: where ? where.lon : null, note: "", ...what };
  local[stop.ref] = payload;
  await Outbox.add({ client_key: key, type: "action", payload });
  render();
  kick();
}

function flash(text) {
  const status = document.getElementById("connection");
  status.textContent = text;
  setTimeout(updateStatus, 4000);
}

async function updateStatus() {
  document.getElementById("connection").textContent = navigator.onLine ? NT.t("online") : NT.t("offline_mode");
  document.body.classList.toggle("is-offline", !navigator.onLine);
  const n = (await Outbox.all()).length;
  document.getElementById("pending").textContent = NT.t("pending", n);
  document.getElementById("pending").dataset.count = n;
}

async function kick() {
  try { if (navigator.onLine) await Outbox.sync(); } catch (e) { if (e.message === "401") location.href = "/login?next=/crew"; }
  await updateStatus();
  if (navigator.onLine && (await Outbox.all()).length === 0) await refresh();
}

async function refresh() {
  try {
    const response = await fetch("/api/v1/crew/route", { credentials: "same-origin" });
    if (response.status === 401) { location.href = "/login?next=/crew"; return; }
    if (!response.ok) return;
    const fresh = await response.json();
    if (sheet && sheet.service_date === fresh.service_date && sheet.version !== fresh.version) {
      document.getElementById("changed").hidden = false;
    }
    const text = JSON.stringify(fresh);
    // Re-drawing an unchanged sheet would swap the buttons under a crew member's finger.
    let changed = text !== localStorage.getItem(ROUTE_KEY) || !sheet;
    sheet = fresh;
    localStorage.setItem(ROUTE_KEY, text);
    // A local action is forgotten only once the server's sheet shows it (never on a guess).
    const known = new Set(fresh.stops.filter((x) => x.status !== "open").map((x) => x.ref));
    for (const ref of Object.keys(local)) if (known.has(ref)) { delete local[ref]; changed = true; }
    if (changed) render();
  } catch (_) { /* offline: keep the cached sheet */ }
}

async function start() {
  // What this phone did but the server may not know yet, before the first paint.
  for (const item of await Outbox.all()) if (item.type === "action") local[item.payload.stop_ref] = item.payload;
  NT.setup(TEXT, () => { render(); updateStatus(); });
  document.getElementById("print").addEventListener("click", () => window.print());
  document.getElementById("changed-ok").addEventListener("click", () => { document.getElementById("changed").hidden = true; });
  if ("serviceWorker" in navigator) navigator.serviceWorker.register("/sw.js").catch(() => {});
  try {
    const me = await fetch("/api/v1/auth/me", { credentials: "same-origin" });
    if (me.status === 401) { location.href = "/login?next=/crew"; return; }
    if (me.ok) document.getElementById("who").textContent = (await me.json()).display_name;
  } catch (_) { /* offline */ }
  await refresh();
  await kick();
  window.addEventListener("online", kick);
  window.addEventListener("offline", updateStatus);
  setInterval(kick, 20000);
  setInterval(refresh, 60000);
}
start();
