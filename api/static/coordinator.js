// Coordinators: the bin map, fill trends from the aggregates, the city's figures, planning, health.
"use strict";
const TEXT = {
  nl: { title: "Coördinatie", map: "Kaart", fill_now: "Vulgraad nu", fill_forecast: "Voorspeld", low: "< 50 %",
        mid: "50 % – drempel", high: "boven drempel", trend: "Verloop", trend_hint: "Klik op een vuilbak op de kaart.",
        range_week: "7 dagen", range_year: "1 jaar",
        districts: "Per deelgemeente en type (30 dagen)", figures: "Kerncijfers", by_week: "Per week", by_month: "Per maand",
        csv: "CSV-export", ngsi: "FIWARE NGSI-LD", hotspots: "Sluikstort per hotspot", hotspot: "Hotspot",
        detections: "Detecties", confirmed: "Bevestigd", cleared: "Opgeruimd", median_cleanup: "Mediaan tot opruiming (u)",
        planning: "Planning", plan_day: "Dag plannen", show_plan: "Toon plan", replan: "Herplan rest van de dag", vehicle: "Voertuig", stops: "Haltes",
        km: "km", shift: "Dienst", unplanned: "Niet ingepland", thresholds: "Drempels per containertype",
        save: "Opslaan", health: "Sensoren en alarmen", when: "Wanneer", bin: "Vuilbak", alarm: "Alarm",
        acknowledge: "Gezien", devices: "Sensoren", device: "Sensor", battery: "Batterij", last_seen: "Laatst gezien",
        state: "Toestand", problems: "Meldingen van ploegen", planning_busy: "Bezig met plannen…",
        planned: (r) => `Plan ${r.plan_id}: ${r.planned_stops} haltes, ${r.vehicles_used} voertuigen, ${(r.distance_m / 1000).toFixed(1)} km`,
        no_plan: "Nog geen plan voor deze dag.", offline_n: (n, t) => `${t} sensoren, ${n} offline`,
        fill_avg: "gemiddelde vulgraad", fill_max: "maximum", photo: "foto",
        cols: { period_start: "Periode", collections_done: "Ledigingen", stops_skipped: "Overgeslagen",
                extra_stops_planned: "Extra haltes", litter_volume_l: "Afval (l)", avg_fill_at_collection: "Vulgraad bij lediging",
                collections_sensed: "Ledigingen (sensor)", avg_sensed_fill_before_collection: "Vulgraad (sensor)",
                overflow_hours: "Overvol (u)", bins_with_abuse: "Misbruik (bakken)", dumping_detections: "Sluikstort",
                dumping_confirmed: "Bevestigd", median_hours_to_cleanup: "Tot opruiming (u)" },
        kinds: { overflow: "overvol", damage: "schade", dumping: "sluikstort", fire: "brand", tilt: "gekanteld",
                 moved: "verplaatst", offline: "offline", stuck_sensor: "sensor hangt", no_echo: "geen echo",
                 battery_low: "batterij bijna leeg", tamper: "sabotage", device_fault: "defect" } },
  en: { title: "Coordination", map: "Map", fill_now: "Fill now", fill_forecast: "Forecast", low: "< 50 %",
        mid: "50 % – threshold", high: "above threshold", trend: "Trend", trend_hint: "Click a bin on the map.",
        range_week: "7 days", range_year: "1 year",
        districts: "By district and type (30 days)", figures: "Key figures", by_week: "By week", by_month: "By month",
        csv: "CSV export", ngsi: "FIWARE NGSI-LD", hotspots: "Dumping per hotspot", hotspot: "Hotspot",
        detections: "Detections", confirmed: "Confirmed", cleared: "Cleared", median_cleanup: "Median to cleanup (h)",
        planning: "Planning", plan_day: "Plan day", show_plan: "Show plan", replan: "Re-plan rest of day", vehicle: "Vehicle", stops: "Stops",
        km: "km", shift: "Shift", unplanned: "Not planned", thresholds: "Thresholds per container type",
        save: "Save", health: "Sensors and alarms", when: "When", bin: "Bin", alarm: "Alarm",
        acknowledge: "Seen", devices: "Sensors", device: "Sensor", battery: "Battery", last_seen: "Last seen",
        state: "State", problems: "Crew reports", planning_busy: "Planning…",
        planned: (r) => `Plan ${r.plan_id}: ${r.planned_stops} stops, ${r.vehicles_used} vehicles, ${(r.distance_m / 1000).toFixed(1)} km`,
        no_plan: "No plan for this day yet.", offline_n: (n, t) => `${t} sensors, ${n} offline`,
        fill_avg: "average fill", fill_max: "maximum", photo: "photo",
        cols: { period_start: "Period", collections_done: "Collections", stops_skipped: "Skipped",
                extra_stops_planned: "Extra stops", litter_volume_l: "Litter (l)", avg_fill_at_collection: "Fill at collection",
                collections_sensed: "Collections (sensor)", avg_sensed_fill_before_collection: "Fill (sensor)",
                overflow_hours: "Overflow (h)", bins_with_abuse: "Abuse (bins)", dumping_detections: "Dumping",
                dumping_confirmed: "Confirmed", median_hours_to_cleanup: "To cleanup (h)" },
        kinds: { overflow: "overflowing", damage: "damage", dumping: "dumping", fire: "fire", tilt: "tilted",
                 moved: "moved", offline: "offline", stuck_sensor: "stuck sensor", no_echo: "no echo",
                 battery_low: "battery low", tamper: "tamper", device_fault: "fault" } },
};
const state = { bins: [], mode: "now", period: "week", kpis: null, selected: null, range: "year",
                trend: null, alerts: [], devices: [], problems: [], thresholds: [], plan: null, districts: [] };
let map, layer, trendChart, districtChart;

function renderMap() {
  if (typeof L === "undefined") return;
  if (!map) {
    map = L.map("map").setView([50.828, 3.265], 13);
    NT.tiles().then((url) => { if (url) L.tileLayer(url, { maxZoom: 19 }).addTo(map); });
    layer = L.layerGroup().addTo(map);
  }
  layer.clearLayers();
  const points = [];
  for (const b of state.bins) {
    const fill = state.mode === "now" ? b.filling_level : b.predicted_fill;
    const marker = L.circleMarker([b.lat, b.lon], { radius: 7, weight: b.open_alerts ? 3 : 1,
      color: b.open_alerts ? "#000" : "#333", fillColor: NT.fillColour(fill, b.threshold), fillOpacity: 0.9 });
    marker.bindTooltip(`${b.name} · ${NT.t("types")[b.container_type] || b.container_type} · ${NT.percent(fill)}`);
    marker.on("click", () => { state.selected = b; loadTrend(); });
    marker.addTo(layer);
    points.push([b.lat, b.lon]);
  }
  if (points.length && !map._fitted) { map.fitBounds(points, { padding: [20, 20] }); map._fitted = true; }
}

function chart(existing, canvas, config) {
  if (typeof Chart === "undefined") return null;
  if (existing) existing.destroy();
  return new Chart(canvas, config);
}

function renderTrend() {
  const b = state.selected;
  document.getElementById("trend-title").textContent = b ? `– ${b.name}` : "";
  document.getElementById("trend-hint").hidden = Boolean(b);
  if (!state.trend) return;
  const day = state.trend.resolution === "day";
  const labels = state.trend.buckets.map((x) => NT.fmt(day ? "date" : "datetime", x.bucket));
  trendChart = chart(trendChart, document.getElementById("trend"), {
    type: "line", data: { labels, datasets: [
      { label: NT.t("fill_avg"), data: state.trend.buckets.map((x) => x.fill_avg == null ? null : x.fill_avg * 100), borderColor: "#00594f", pointRadius: 0 },
      { label: NT.t("fill_max"), data: state.trend.buckets.map((x) => x.fill_max == null ? null : x.fill_max * 100), borderColor: "#d7301f", pointRadius: 0 }] },
    options: { animation: false, maintainAspectRatio: false, scales: { y: { min: 0, max: 100 } } } });
}

async function loadTrend() {
  const b = state.selected;
  if (!b) return;
  const end = new Date();
  const year = state.range === "year";
  const start = new Date(end.getTime() - (year ? 365 : 7) * 86400000);
  const params = new URLSearchParams({ resolution: year ? "day" : "hour", start: start.toISOString(), end: end.toISOString() });
  state.trend = await NT.api(`/api/v1/trends/bins/${encodeURIComponent(b.id)}?${params}`);
  renderTrend();
}

function renderDistricts() {
  const groups = {};
  for (const row of state.districts) {
    const key = `${row.district} · ${NT.t("types")[row.container_type] || row.container_type}`;
    (groups[key] = groups[key] || {})[row.bucket.slice(0, 10)] = row.fill_avg;
  }
  const days = [...new Set(state.districts.map((r) => r.bucket.slice(0, 10)))].sort();
  const palette = ["#00594f", "#d7301f", "#f0a30a", "#3b6fb6", "#7b3fa0", "#2c9b3a", "#a0522d", "#555"];
  districtChart = chart(districtChart, document.getElementById("district-chart"), {
    type: "line", data: { labels: days.map((d) => NT.fmt("date", d + "T12:00:00Z")),
      datasets: Object.entries(groups).slice(0, 8).map(([label, byDay], i) => ({ label, borderColor: palette[i], pointRadius: 0,
        data: days.map((d) => byDay[d] == null ? null : byDay[d] * 100) })) },
    options: { animation: false, maintainAspectRatio: false, scales: { y: { min: 0, max: 100 } } } });
}

function renderKpis() {
  if (!state.kpis) return;
  const cols = NT.t("cols");
  const keys = Object.keys(cols);
  document.querySelector("#kpis thead").replaceChildren(NT.el("tr", {}, ...keys.map((k) => NT.el("th", { text: cols[k] }))));
  document.querySelector("#kpis tbody").replaceChildren(...state.kpis.rows.map((r) => NT.el("tr", {}, ...keys.map((k) => {
    let v = r[k];
    if (k === "period_start") v = NT.fmt("date", v + "T12:00:00Z");
    else if (k.startsWith("avg_fill") || k.startsWith("avg_sensed")) v = NT.percent(v);
    else v = NT.number(v, 1);
    return NT.el("td", { text: v });
  }))));
  document.querySelector("#hotspots tbody").replaceChildren(...state.kpis.hotspots.map((h) => NT.el("tr", {},
    NT.el("td", { text: h.hotspot_name || h.hotspot_id }), NT.el("td", { text: h.detections }),
    NT.el("td", { text: h.confirmed }), NT.el("td", { text: h.cleared }), NT.el("td", { text: NT.number(h.median_hours_to_cleanup, 1) }))));
  document.getElementById("csv").href = `/api/v1/coordinator/kpis.csv?period=${state.period}`;
}

// The device list shows each kind for what it is: our sensor and its radio, a vendor's LoRaWAN
// sensor and its model, a camera. LoRaWAN sensors may report their battery in percent.
const DEVICE_KINDS = {
  nl: { camera: "camera", wifi: "eigen sensor · wifi", cellular: "eigen sensor · LTE-M/NB-IoT", lorawan: "LoRaWAN" },
  en: { camera: "camera", wifi: "own sensor · Wi-Fi", cellular: "own sensor · LTE-M/NB-IoT", lorawan: "LoRaWAN" },
};
const LORAWAN_MODELS = { "milesight-em310-udl": "Milesight EM310-UDL", "dragino-ldds75": "Dragino LDDS75" };
function deviceKind(d) {
  const names = DEVICE_KINDS[NT.lang] || DEVICE_KINDS.nl;
  if (d.kind === "camera") return names.camera;
  const radio = names[d.radio] || d.radio || names.wifi;
  return d.radio === "lorawan" ? `${radio} · ${LORAWAN_MODELS[d.codec] || d.codec || ""}` : radio;
}
function deviceBattery(d) {
  if (d.battery_v != null) return `${d.battery_v.toFixed(2)} V`;
  return d.battery_pct == null ? "–" : `${d.battery_pct} %`;
}

function renderHealth() {
  const kinds = NT.t("kinds");
  document.querySelector("#alerts tbody").replaceChildren(...state.alerts.filter((a) => !a.cleared_at).map((a) => NT.el("tr", {},
    NT.el("td", { text: NT.fmt("datetime", a.raised_at) }), NT.el("td", { text: a.bin_name || a.bin_id || a.device_id }),
    NT.el("td", { text: `${kinds[a.kind] || a.kind}${a.severity === "critical" ? " ⚠" : ""}` }),
    NT.el("td", {}, a.acknowledged_at ? "✓" : NT.el("button", { type: "button", text: NT.t("acknowledge"), onclick: async () => {
      await NT.api(`/api/v1/alerts/${a.id}/acknowledge`, { method: "POST" }); loadHealth(); } })))));
  const offline = state.devices.filter((d) => d.offline).length;
  document.getElementById("device-summary").textContent = NT.t("offline_n", offline, state.devices.length);
  const worst = [...state.devices].sort((a, b) => (b.offline - a.offline) || ((a.battery_v ?? 9) - (b.battery_v ?? 9))).slice(0, 15);
  document.querySelector("#devices tbody").replaceChildren(...worst.map((d) => NT.el("tr", {},
    NT.el("td", {}, d.device_id, NT.el("br"), NT.el("small", { text: deviceKind(d) })), NT.el("td", { text: deviceBattery(d) }),
    NT.el("td", { text: NT.fmt("datetime", d.last_seen_at) }),
    NT.el("td", { text: d.offline ? kinds.offline : (d.open_alerts.map((k) => kinds[k] || k).join(", ") || d.state || "–") }))));
  document.querySelector("#problems tbody").replaceChildren(...state.problems.slice(0, 20).map((p) => NT.el("tr", {},
    NT.el("td", { text: NT.fmt("datetime", p.reported_at) }), NT.el("td", { text: kinds[p.kind] || p.kind }),
    NT.el("td", { text: p.note }), NT.el("td", {}, p.has_photo ? NT.el("a", { href: `/api/v1/crew/problems/${p.client_key}/photo`, target: "_blank", text: NT.t("photo") }) : ""))));
}

function renderPlanning() {
  const body = document.querySelector("#thresholds tbody");
  body.replaceChildren(...state.thresholds.map((t) => {
    const input = NT.el("input", { type: "number", min: 5, max: 100, step: 5, value: Math.round(((t.threshold ?? t.default_threshold) || 0.8) * 100), style: "max-width:6rem" });
    return NT.el("tr", {}, NT.el("td", { text: `${NT.t("types")[t.container_type]} (${t.bins})` }), NT.el("td", {}, input, " %"),
      NT.el("td", {}, NT.el("button", { type: "button", class: "big", text: NT.t("save"), onclick: async () => {
        state.thresholds = await NT.api(`/api/v1/coordinator/thresholds/${t.container_type}`, { method: "PUT",
          headers: { "Content-Type": "application/json" }, body: JSON.stringify({ threshold: Number(input.value) / 100 }) });
        renderPlanning(); loadBins(); } })));
  }));
  const plan = state.plan;
  document.querySelector("#plan tbody").replaceChildren(...(plan ? plan.routes : []).map((r) => NT.el("tr", {},
    NT.el("td", { text: r.vehicle_name }), NT.el("td", { text: r.stops.filter((s) => s.kind !== "unload").length }),
    NT.el("td", { text: NT.number(r.distance_m / 1000, 1) }), NT.el("td", { text: `${NT.fmt("time", r.start_at)}–${NT.fmt("time", r.end_at)}` }))));
  document.getElementById("unplanned").replaceChildren(...(plan ? plan.unplanned : []).slice(0, 30).map((u) => NT.el("li", { text: `${u.name}: ${u.reason}` })));
}

async function loadBins() { state.bins = await NT.api("/api/v1/coordinator/map"); renderMap(); }
async function loadKpis() { state.kpis = await NT.api(`/api/v1/coordinator/kpis?period=${state.period}`); renderKpis(); }
async function loadHealth() {
  [state.alerts, state.devices, state.problems] = await Promise.all([
    NT.api("/api/v1/alerts"), NT.api("/api/v1/devices/health"), NT.api("/api/v1/crew/problems")]);
  renderHealth();
}
async function loadPlan() {
  const day = document.getElementById("plan-day").value;
  try { state.plan = await NT.api(`/api/v1/plans?day=${day}`); document.getElementById("plan-message").textContent = ""; }
  catch (_) { state.plan = null; document.getElementById("plan-message").textContent = NT.t("no_plan"); }
  renderPlanning();
}

function tabs(id, key, onPick) {
  document.querySelectorAll(`#${id} button`).forEach((b) => b.addEventListener("click", () => {
    document.querySelectorAll(`#${id} button`).forEach((x) => x.setAttribute("aria-pressed", String(x === b)));
    onPick(b.dataset[key]);
  }));
}

(async () => {
  NT.setup(TEXT, () => { renderMap(); renderTrend(); renderDistricts(); renderKpis(); renderHealth(); renderPlanning(); });
  await NT.requireRole("coordinator");
  const today = new Intl.DateTimeFormat("en-CA", { timeZone: "Europe/Brussels" }).format(new Date());
  document.getElementById("plan-day").value = today;
  tabs("map-mode", "mode", (m) => { state.mode = m; renderMap(); });
  tabs("period", "period", (p) => { state.period = p; loadKpis(); });
  tabs("trend-range", "range", (r) => { state.range = r; loadTrend(); });
  document.getElementById("plan-form").addEventListener("submit", async (e) => {
    e.preventDefault();
    const message = document.getElementById("plan-message");
    message.textContent = NT.t("planning_busy");
    try {
      const result = await NT.api("/api/v1/plans", { method: "POST", headers: { "Content-Type": "application/json" },
        body: JSON.stringify({ day: document.getElementById("plan-day").value, time_limit_s: 10 }) });
      await loadPlan();
      message.textContent = NT.t("planned", result);
    } catch (err) { message.textContent = err.message; }
  });
  document.getElementById("show-plan").addEventListener("click", loadPlan);
  document.getElementById("replan").addEventListener("click", async () => {
    const message = document.getElementById("plan-message");
    if (!state.plan) { message.textContent = NT.t("no_plan"); return; }
    message.textContent = NT.t("planning_busy");
    try {
      // What the crews reported (done, blocked) goes to the planner with the re-plan.
      const events = await NT.api(`/api/v1/coordinator/replan-events?day=${state.plan.day}`);
      const result = await NT.api(`/api/v1/plans/${state.plan.id}/replan`, { method: "POST",
        headers: { "Content-Type": "application/json" }, body: JSON.stringify({ events, time_limit_s: 10 }) });
      await loadPlan();
      message.textContent = NT.t("planned", result);
    } catch (err) { message.textContent = err.message; }
  });
  state.thresholds = await NT.api("/api/v1/coordinator/thresholds");
  await Promise.all([loadBins(), loadKpis(), loadHealth(), loadPlan(),
    NT.api("/api/v1/trends/districts").then((rows) => { state.districts = rows; renderDistricts(); }).catch(() => {})]);
  document.body.dataset.ready = "true";
  setInterval(() => { loadBins(); loadHealth(); }, 30000);
})();
