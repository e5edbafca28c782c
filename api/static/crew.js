// The crew's route sheet: today's stops on a map and in a list; actions go through the outbox.
"use strict";
const TEXT = {
  nl: { title: "Routeblad", print: "Afdrukken", plan_changed: "De planning is gewijzigd: nieuwe of vervallen haltes.",
        ok: "OK", stop: "Halte", type: "Type", window: "Tijdvenster", fill_pred: "Verwacht", fill_seen: "Vulgraad gezien",
        online: "Verbonden", offline_mode: "Offline – acties worden bewaard",
        pending: (n) => n ? `${n} actie(s) wachten op verzending` : "Alles verzonden",
        summary: (d, n, open) => `${d}: ${n} haltes, ${open} te doen`,
        no_route: "Geen route voor vandaag.", navigate: "Navigeer", done: "Geledigd", skip: "Overslaan",
        problem: "Probleem melden", problem_here: "Probleem hier melden", expected: "verwacht",
        unloaded: "Gelost", status_unloaded: "gelost", status_cleared: "opgeruimd", next_stop: "Volgende halte",
        choose_volume: "Hoeveel lag er?", small: "Klein (± 100 l)", medium: "Middel (± 500 l)", large: "Groot (± 1500 l)",
        held: (n, who) => `${n} actie(s) van ${who} wachten tot die zich opnieuw aanmeldt; ze worden nooit onder jouw naam bewaard.`,
        refused: "Geweigerd door de server", discard: "Verwijderen",
        unsigned: (n) => `${n} actie(s) zonder naam (van een oudere versie van de app) wachten.`, claim: "Die zijn van mij: verzenden",
        photo_refused: (why) => `Melding verzonden zonder foto: ${why}`, photo_resized: "Foto verkleind voor verzending.",
        photo_unreadable: "Deze foto kan de telefoon niet lezen; de melding gaat desnoods zonder foto.",
        away: "Melding zonder halte", eta: "aankomst", new_stop: "nieuw",
        status_open: "te doen", status_done: "geledigd", status_skipped: "overgeslagen",
        choose_fill: "Hoe vol was het?", empty: "Leeg", half: "Half", full: "Vol", overflowing: "Overvol",
        choose_reason: "Waarom overslaan?", blocked: "Geblokkeerd", not_reachable: "Niet bereikbaar",
        not_needed: "Niet nodig", cancel: "Annuleren", send: "Versturen",
        problem_kind: "Wat is er aan de hand?", overflow: "Overvol", damage: "Schade", dumping: "Sluikstort",
        note: "Opmerking", photo: "Foto", gps_wait: "Locatie bepalen…", gps_ok: "Locatie bepaald",
        gps_none: "Geen locatie", queued: "Bewaard; wordt verzonden zodra er verbinding is.",
        kinds: { bin: "vuilbak", dump: "sluikstort", visit: "bezoek", unload: "lossen", report: "melding", event: "evenement", check: "controle sluikstortplek", fixed: "vast bezoek" } },
  en: { title: "Route sheet", print: "Print", plan_changed: "The plan has changed: new or dropped stops.",
        ok: "OK", stop: "Stop", type: "Type", window: "Time window", fill_pred: "Expected", fill_seen: "Fill seen",
        online: "Online", offline_mode: "Offline – actions are kept",
        pending: (n) => n ? `${n} action(s) waiting to be sent` : "Everything sent",
        summary: (d, n, open) => `${d}: ${n} stops, ${open} to do`,
        no_route: "No route for today.", navigate: "Navigate", done: "Emptied", skip: "Skip",
        problem: "Report a problem", problem_here: "Report a problem here", expected: "expected",
        unloaded: "Unloaded", status_unloaded: "unloaded", status_cleared: "cleared", next_stop: "Next stop",
        choose_volume: "How much was there?", small: "Small (± 100 l)", medium: "Medium (± 500 l)", large: "Large (± 1500 l)",
        held: (n, who) => `${n} action(s) by ${who} wait until they log in again; they are never stored under your name.`,
        refused: "Refused by the server", discard: "Remove",
        unsigned: (n) => `${n} action(s) without a name (from an older version of the app) are waiting.`, claim: "They are mine: send them",
        photo_refused: (why) => `Report sent without photo: ${why}`, photo_resized: "Photo made smaller for sending.",
        photo_unreadable: "The phone cannot read this photo; the report goes without it if need be.",
        away: "Report away from a stop", eta: "arrival", new_stop: "new",
        status_open: "to do", status_done: "emptied", status_skipped: "skipped",
        choose_fill: "How full was it?", empty: "Empty", half: "Half", full: "Full", overflowing: "Overflowing",
        choose_reason: "Why skip it?", blocked: "Blocked", not_reachable: "Not reachable",
        not_needed: "Not needed", cancel: "Cancel", send: "Send",
        problem_kind: "What is wrong?", overflow: "Overflowing", damage: "Damage", dumping: "Illegal dumping",
        note: "Note", photo: "Photo", gps_wait: "Finding location…", gps_ok: "Location found",
        gps_none: "No location", queued: "Saved; it is sent as soon as there is a connection.",
        kinds: { bin: "bin", dump: "illegal dumping", visit: "visit", unload: "unload", report: "report", event: "event", check: "dumping hotspot check", fixed: "fixed visit" } },
};
// The last sheet is kept per user, so a second crew on a shared phone never sees (or marks)
// the first crew's stops.
const ME_KEY = "crew-me";
let me = JSON.parse(localStorage.getItem(ME_KEY) || "null");
const routeKey = () => `crew-route:${me ? me.id : "none"}`;
let sheet = null;
let local = {};        // stop ref → action taken on this phone and not yet in a fetched sheet
let map = null, layer = null, nextRef = null;
const MAX_PHOTO_BYTES = 8 * 1024 * 1024, PHOTO_TYPES = ["image/jpeg", "image/png", "image/webp"], MAX_PHOTO_PX = 2048;

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
  return mine ? { status: mine.action, fill_seen: mine.fill_seen, skip_reason: mine.skip_reason, volume_l: mine.volume_l } : stop;
}

// A link the phone's own navigation opens: Apple Maps on iPhone and iPad, a geo: intent on
// Android, a web map elsewhere (a desktop, a browser without a maps app).
function navigationUrl(s) {
  const ll = `${s.lat.toFixed(6)},${s.lon.toFixed(6)}`;
  const ua = navigator.userAgent || "";
  if (/iPhone|iPad|iPod/.test(ua) || (/Macintosh/.test(ua) && navigator.maxTouchPoints > 1)) {
    return `https://maps.apple.com/?daddr=${ll}&q=${encodeURIComponent(s.label)}`;
  }
  if (/Android/.test(ua)) return s.navigation_url || `geo:${ll}?q=${ll}(${encodeURIComponent(s.label)})`;
  return `https://www.openstreetmap.org/directions?to=${ll}#map=17/${s.lat.toFixed(5)}/${s.lon.toFixed(5)}`;
}

function statusText(s, state) {
  const t = NT.t;
  if (state.status === "skipped") return `${t("status_skipped")} · ${t(state.skip_reason)}`;
  if (state.status !== "done") return t("status_open");
  if (s.kind === "unload") return t("status_unloaded");
  if (state.fill_seen) return `${t("status_done")} · ${t(state.fill_seen)}`;
  return state.volume_l != null ? `${t("status_cleared")} · ${NT.number(state.volume_l)} l` : t("status_cleared");
}

function render() {
  const t = NT.t;
  const list = document.getElementById("stops");
  if (!sheet) { document.getElementById("summary").textContent = t("loading"); return; }
  const stops = sheet.stops;
  const open = stops.filter((s) => stopState(s).status === "open").length;
  document.getElementById("summary").textContent =
    stops.length ? t("summary", NT.fmt("date", sheet.service_date + "T12:00:00Z"), stops.length, open) : t("no_route");
  const next = stops.find((s) => stopState(s).status === "open");
  list.replaceChildren(...stops.map((s) => stopItem(s, next && s.ref === next.ref)));
  focusNext(next);
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

function stopItem(s, isNext) {
  const t = NT.t;
  const state = stopState(s);
  const kind = s.container_type ? t("types")[s.container_type] : t("kinds")[s.kind] || s.kind;
  const meta = [kind];
  if (s.predicted_fill != null) meta.push(`${t("expected")} ${NT.percent(s.predicted_fill)}`);
  if (s.window_start || s.window_end) meta.push(windowText(s));
  if (s.eta) meta.push(`${t("eta")} ${NT.fmt("time", s.eta)}`);
  const open = state.status === "open";
  const unload = s.kind === "unload";
  return NT.el("li", { class: `stop ${state.status}${s.added_during_day ? " added" : ""}${isNext ? " next" : ""}`,
                       "data-ref": s.ref, "aria-current": isNext ? "step" : null },
    NT.el("div", { class: "stop-head" },
      NT.el("span", { class: "seq", text: s.seq }),
      NT.el("strong", { class: "label", text: s.label }),
      isNext ? NT.el("span", { class: "tag next-tag", text: t("next_stop") }) : null,
      s.added_during_day ? NT.el("span", { class: "tag", text: t("new_stop") }) : null),
    NT.el("div", { class: "meta", text: meta.join(" · ") }),
    NT.el("div", { class: "state", text: statusText(s, state) }),
    NT.el("div", { class: "buttons noprint" },
      NT.el("a", { class: "big", href: navigationUrl(s), text: t("navigate") }),
      open && unload ? NT.el("button", { class: "big primary", type: "button", text: t("unloaded"), onclick: () => act(s, { action: "done" }) }) : null,
      open && !unload ? NT.el("button", { class: "big primary", type: "button", text: t("done"), onclick: () => askDone(s) }) : null,
      open && !unload ? NT.el("button", { class: "big", type: "button", text: t("skip"), onclick: () => askReason(s) }) : null,
      !unload ? NT.el("button", { class: "big warn", type: "button", text: t("problem"), onclick: () => askProblem(s) }) : null));
}

// The first open stop is the one to drive to: highlighted, and scrolled to when it changes.
function focusNext(next) {
  const ref = next ? next.ref : null;
  if (ref === nextRef) return;
  nextRef = ref;
  if (!ref) return;
  const item = document.querySelector(`li.stop[data-ref="${CSS.escape(ref)}"]`);
  if (item && !document.querySelector("dialog[open]")) item.scrollIntoView({ block: "center" });
}

function renderMap(stops) {
  if (typeof L === "undefined") return;
  if (!map) {
    map = L.map("map", { zoomControl: true });
    NT.baseMap(map);
    layer = L.layerGroup().addTo(map);
  }
  layer.clearLayers();
  const points = stops.map((s) => [s.lat, s.lon]);
  if (roads && roads.version === (sheet && sheet.version) && roads.coordinates.length > 1) {
    L.polyline(roads.coordinates, { color: "#00594f", weight: 4, opacity: 0.7 }).addTo(layer);
  } else if (points.length > 1) L.polyline(points, { color: "#00594f", weight: 3, opacity: 0.6, dashArray: "6 6" }).addTo(layer);
  stops.forEach((s) => {
    const state = stopState(s).status;
    L.marker([s.lat, s.lon], { keyboard: false, icon: L.divIcon({ className: `pin ${state}${s.ref === nextRef ? " next" : ""}`, html: String(s.seq), iconSize: [30, 30] }) })
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

function askDone(stop) {
  if (stop.bin_id) return askFill(stop);
  if (stop.kind === "dump") return askVolume(stop);
  return act(stop, { action: "done" });
}

function askVolume(stop) {
  const box = dialog(NT.t("choose_volume"), [["small", 100], ["medium", 500], ["large", 1500]].map(([k, litres]) =>
    NT.el("button", { class: "big primary", type: "button", "data-volume": litres, text: NT.t(k),
      onclick: () => { box.close(); act(stop, { action: "done", volume_l: litres }); } })));
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

// A photo the server takes: JPEG/PNG/WebP up to 8 MiB. Anything else the phone can decode
// (a large photo, HEIC on Safari) is redrawn as a JPEG of at most 2048 px; what it cannot decode
// is sent as it is, and if the server refuses it the report goes without it (see outbox.js).
async function preparePhoto(file) {
  if (!file) return { file: null };
  if (PHOTO_TYPES.includes(file.type) && file.size <= MAX_PHOTO_BYTES && file.size <= 2 * 1024 * 1024) return { file };
  let bitmap = null;
  try { bitmap = await createImageBitmap(file); } catch (_) { return { file, note: NT.t("photo_unreadable") }; }
  const scale = Math.min(1, MAX_PHOTO_PX / Math.max(bitmap.width, bitmap.height));
  const canvas = document.createElement("canvas");
  canvas.width = Math.round(bitmap.width * scale); canvas.height = Math.round(bitmap.height * scale);
  canvas.getContext("2d").drawImage(bitmap, 0, 0, canvas.width, canvas.height);
  const blob = await new Promise((resolve) => canvas.toBlob(resolve, "image/jpeg", 0.85));
  if (!blob) return { file, note: NT.t("photo_unreadable") };
  const name = (file.name || "photo").replace(/\.[^.]*$/, "") + ".jpg";
  return { file: new File([blob], name, { type: "image/jpeg" }), note: NT.t("photo_resized") };
}

function askProblem(stop) {
  const t = NT.t;
  const gps = NT.el("p", { class: "gps", text: t("gps_wait") });
  let where = null;
  position(8000).then((p) => { where = p; gps.textContent = p ? `${t("gps_ok")} (±${Math.round(p.accuracy_m)} m)` : t("gps_none"); });
  const kind = NT.el("select", { name: "kind", id: "problem-kind" }, ...["overflow", "damage", "dumping"].map((k) => NT.el("option", { value: k, text: t(k) })));
  const note = NT.el("textarea", { name: "note", id: "problem-note", rows: 2 });
  const photo = NT.el("input", { type: "file", name: "photo", id: "problem-photo", accept: "image/*", capture: "environment" });
  const photoNote = NT.el("p", { class: "photo-note", role: "status" });
  const box = dialog(stop ? t("problem") : t("away"), [NT.el("button", { class: "big primary", type: "button", id: "send-problem", text: t("send"), onclick: async () => {
    const prepared = await preparePhoto(photo.files[0] || null);
    const file = prepared.file;
    const key = uuid();
    await Outbox.add({ client_key: key, type: "problem", photo: file, photo_name: file ? file.name : null, payload: {
      client_key: key, kind: kind.value, note: note.value, stop_ref: stop ? stop.ref : "", bin_id: stop ? stop.bin_id || "" : "",
      lat: where ? where.lat : "", lon: where ? where.lon : "", accuracy_m: where ? where.accuracy_m : "",
      reported_at: new Date().toISOString() } });
    box.close();
    flash(prepared.note ? `${t("queued")} ${prepared.note}` : t("queued"));
    kick();
  } })], [NT.el("label", { for: "problem-kind" }, t("problem_kind")), kind, NT.el("label", { for: "problem-note" }, t("note")), note,
          NT.el("label", { for: "problem-photo" }, t("photo")), photo, photoNote, gps]);
}

async function act(stop, what) {
  const key = uuid();
  const where = await position(1500);
  const payload = { client_key: key, stop_ref: stop.ref, service_date: sheet.service_date, bin_id: stop.bin_id,
    acted_at: new Date().toISOString(), lat: where ? where.lat : null, lon: where ? where.lon : null, note: "", ...what };
  local[stop.ref] = payload;
  await Outbox.add({ client_key: key, type: "action", payload, stop_label: stop.label });
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
  const items = await Outbox.all();
  const mine = items.filter((i) => Outbox.user && i.author && i.author.id === Outbox.user.id && !i.refused);
  const n = mine.length;
  document.getElementById("pending").textContent = NT.t("pending", n);
  document.getElementById("pending").dataset.count = n;
  renderKept(items);
}

// What this phone keeps and the crew must see: other crews' queued work (never sent under this
// user), items the server refused, and reports that went without their photo.
function renderKept(items) {
  const t = NT.t;
  const me = Outbox.user;
  const byOthers = {};
  for (const i of items) {
    if (!i.author || !me || (i.author.id === me.id && (i.author.vehicle_id || null) === (me.vehicle_id || null)) || i.refused) continue;
    const who = `${i.author.display_name || i.author.username}${i.author.vehicle_id ? ` (${i.author.vehicle_id})` : ""}`;
    byOthers[who] = (byOthers[who] || 0) + 1;
  }
  const rows = Object.entries(byOthers).map(([who, count]) => NT.el("li", { class: "held" }, t("held", count, who)));
  const unsigned = items.filter((i) => !i.author && !i.refused);
  if (unsigned.length) {
    rows.push(NT.el("li", { class: "unsigned" }, t("unsigned", unsigned.length), " ",
      NT.el("button", { type: "button", text: t("claim"), onclick: async () => {
        await Outbox.claim(unsigned.map((i) => i.client_key)); kick(); } })));
  }
  for (const i of items.filter((x) => x.refused)) {
    rows.push(NT.el("li", { class: "refused" }, `${t("refused")}: ${i.stop_label || i.payload.stop_ref || i.payload.kind} – `,
      NT.lang === "nl" ? i.refused.nl : i.refused.en, " ",
      NT.el("button", { type: "button", text: t("discard"), onclick: async () => { await Outbox.remove([i.client_key]); updateStatus(); } })));
  }
  for (const notice of Outbox.notices()) {
    rows.push(NT.el("li", { class: "notice", "data-kind": notice.kind },
      t("photo_refused", NT.lang === "nl" ? notice.why.nl : notice.why.en), " ",
      NT.el("button", { type: "button", text: t("ok"), onclick: () => { Outbox.dismiss(notice.client_key); updateStatus(); } })));
  }
  const box = document.getElementById("kept");
  box.replaceChildren(...rows);
  box.hidden = rows.length === 0;
}

async function kick() {
  try { if (navigator.onLine) await Outbox.sync(); } catch (e) { if (e.message === "401") location.href = "/login?next=/crew"; }
  await updateStatus();
  if (navigator.onLine && (await Outbox.mine()).filter((i) => !i.refused).length === 0) await refresh();
}

let roads = null;
async function loadRoads() {
  if (!sheet || !sheet.stops.length) return;
  try {
    const response = await fetch(`/api/v1/crew/route/lines?u=${me ? me.id : ""}`, { credentials: "same-origin" });
    if (!response.ok) return;
    const fresh = await response.json();
    if (fresh.source === "roads") { roads = fresh; renderMap(sheet.stops); }
  } catch (_) { /* offline: straight lines */ }
}

async function refresh() {
  try {
    const response = await fetch(`/api/v1/crew/route?u=${me ? me.id : ""}`, { credentials: "same-origin" });
    if (response.status === 401) { location.href = "/login?next=/crew"; return; }
    if (!response.ok) return;
    const fresh = await response.json();
    if (sheet && sheet.service_date === fresh.service_date && sheet.version !== fresh.version) {
      document.getElementById("changed").hidden = false;
    }
    const text = JSON.stringify(fresh);
    // Re-drawing an unchanged sheet would swap the buttons under a crew member's finger.
    let changed = text !== localStorage.getItem(routeKey()) || !sheet;
    const newVersion = !sheet || sheet.version !== fresh.version;
    sheet = fresh;
    localStorage.setItem(routeKey(), text);
    // A local action is forgotten only once the server's sheet shows it (never on a guess).
    const known = new Set(fresh.stops.filter((x) => x.status !== "open").map((x) => x.ref));
    for (const ref of Object.keys(local)) if (known.has(ref)) { delete local[ref]; changed = true; }
    if (changed) render();
    if (newVersion) loadRoads();
  } catch (_) { /* offline: keep the cached sheet */ }
}

async function start() {
  NT.setup(TEXT, () => { render(); updateStatus(); });
  document.getElementById("print").addEventListener("click", () => window.print());
  document.getElementById("report").addEventListener("click", () => askProblem(null));
  document.getElementById("changed-ok").addEventListener("click", () => { document.getElementById("changed").hidden = true; });
  if ("serviceWorker" in navigator) navigator.serviceWorker.register("/sw.js").catch(() => {});
  try {
    const response = await fetch("/api/v1/auth/me", { credentials: "same-origin" });
    if (response.status === 401) { location.href = "/login?next=/crew"; return; }
    if (response.ok) { me = await response.json(); localStorage.setItem(ME_KEY, JSON.stringify(me)); }
  } catch (_) { /* offline: the last user who logged in on this phone */ }
  if (!me) { location.href = "/login?next=/crew"; return; }
  Outbox.setUser(me);
  document.getElementById("who").textContent = me.display_name;
  sheet = JSON.parse(localStorage.getItem(routeKey()) || "null");
  // What this phone did but the server may not know yet, before the first paint: only this user's.
  for (const item of await Outbox.mine()) if (item.type === "action" && !item.refused) local[item.payload.stop_ref] = item.payload;
  render();
  await refresh();
  await kick();
  window.addEventListener("online", kick);
  window.addEventListener("offline", updateStatus);
  setInterval(kick, 20000);
  setInterval(refresh, 60000);
}
start();
