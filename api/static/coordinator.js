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
        bin_search: "Vuilbakken zoeken", search_label: "Naam, id of deelgemeente", district: "Deelgemeente", type: "Type",
        fill: "Vulgraad", district_pick: "Deelgemeente", all_districts: "Alle deelgemeenten", plan_day_label: "Dag",
        definitions: "Wat elk cijfer telt", threshold_label: (type) => `Drempel voor ${type} (%)`,
        threshold_range: "Geef een drempel tussen 5 en 100 %.", threshold_saved: "Bewaard.",
        bins_found: (n, total) => `${n} van ${total} vuilbakken`, more: (n) => `en nog ${n}…`,
        cameras_n: (n, off) => `${n} camera's, ${off} offline`, not_planned: "Niet ingepland",
        reasons: {
          "no vehicle is available": "Er is geen voertuig beschikbaar.",
          "no feasible plan was found": "Er werd geen haalbaar plan gevonden.",
          "no vehicle is allowed to serve this stop": "Geen enkel voertuig mag deze halte bedienen.",
          "its load exceeds every allowed vehicle's capacity": "De lading is te groot voor elk toegelaten voertuig.",
          "no vehicle can reach it within its time window": "Geen voertuig haalt deze halte binnen haar tijdvenster en is nog op tijd terug.",
          "must-visit, but the fleet has no room for it": "Moet bezocht worden, maar de ploegen hebben geen ruimte meer (capaciteit, diensten of tijdvensters).",
          "optional and left out": "Niet dringend en weggelaten: ze nu ophalen kost meer dan het oplevert met de resterende capaciteit en tijd.",
        },
        cols: { period_start: "Periode", collections_done: "Ledigingen", stops_skipped: "Overgeslagen",
                extra_stops_planned: "Extra haltes", litter_volume_l: "Afval (l)", litres_sensor_l: "waarvan gemeten (l)",
                litres_estimate_l: "waarvan geschat (l)", avg_fill_at_collection: "Vulgraad bij lediging",
                collections_sensed: "Ledigingen (sensor)", avg_sensed_fill_before_collection: "Vulgraad (sensor)",
                overflow_hours: "Overvol (u)", bins_with_abuse: "Misbruik (bakken)", dumping_detections: "Sluikstort",
                dumping_confirmed: "Bevestigd", dumps_cleared: "Sluikstort opgeruimd", dumping_volume_l: "Sluikstort (l)",
                median_hours_to_cleanup: "Mediaan tot opruiming (u)" },
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
        bin_search: "Find bins", search_label: "Name, id or district", district: "District", type: "Type",
        fill: "Fill", district_pick: "District", all_districts: "All districts", plan_day_label: "Day",
        definitions: "What each figure counts", threshold_label: (type) => `Threshold for ${type} (%)`,
        threshold_range: "Enter a threshold between 5 and 100 %.", threshold_saved: "Saved.",
        bins_found: (n, total) => `${n} of ${total} bins`, more: (n) => `and ${n} more…`,
        cameras_n: (n, off) => `${n} cameras, ${off} offline`, not_planned: "Not planned",
        reasons: {
          "no vehicle is available": "No vehicle is available.",
          "no feasible plan was found": "No feasible plan was found.",
          "no vehicle is allowed to serve this stop": "No vehicle is allowed to serve this stop.",
          "its load exceeds every allowed vehicle's capacity": "Its load exceeds every allowed vehicle's capacity.",
          "no vehicle can reach it within its time window": "No vehicle can reach it within its time window and still return in time.",
          "must-visit, but the fleet has no room for it": "Must be visited, but the crews have no room left (capacity, shifts or time windows).",
          "optional and left out": "Not urgent and left out: serving it now would cost more than it brings with the remaining capacity and time.",
        },
        cols: { period_start: "Period", collections_done: "Collections", stops_skipped: "Skipped",
                extra_stops_planned: "Extra stops", litter_volume_l: "Litter (l)", litres_sensor_l: "of which measured (l)",
                litres_estimate_l: "of which estimated (l)", avg_fill_at_collection: "Fill at collection",
                collections_sensed: "Collections (sensor)", avg_sensed_fill_before_collection: "Fill (sensor)",
                overflow_hours: "Overflow (h)", bins_with_abuse: "Abuse (bins)", dumping_detections: "Dumping",
                dumping_confirmed: "Confirmed", dumps_cleared: "Dumping cleared", dumping_volume_l: "Dumping (l)",
                median_hours_to_cleanup: "Median to cleanup (h)" },
        kinds: { overflow: "overflowing", damage: "damage", dumping: "dumping", fire: "fire", tilt: "tilted",
                 moved: "moved", offline: "offline", stuck_sensor: "stuck sensor", no_echo: "no echo",
                 battery_low: "battery low", tamper: "tamper", device_fault: "fault" } },
};
const state = { bins: [], search: "", district: "", mode: "now", period: "week", kpis: null, selected: null, range: "year",
                trend: null, alerts: [], devices: [], problems: [], thresholds: [], plan: null, districts: [] };
let map, layer, trendChart, districtChart;

// 10,000 bins stay usable: beyond a few hundred, bins are grouped into clusters until zoomed in.
const CLUSTER_FROM = 300;
function renderMap() {
  if (typeof L === "undefined") return;
  if (!map) {
    map = L.map("map").setView([50.828, 3.265], 13);
    NT.baseMap(map);
  }
  const clustered = state.bins.length > CLUSTER_FROM && typeof L.markerClusterGroup === "function";
  if (!layer || clustered !== Boolean(layer.addLayers)) {
    if (layer) map.removeLayer(layer);
    layer = clustered
      ? L.markerClusterGroup({ chunkedLoading: true, disableClusteringAtZoom: 17, showCoverageOnHover: false, maxClusterRadius: 50 })
      : L.featureGroup();
    // One listener for all bins; a bin's tooltip is made when the pointer first reaches it.
    layer.on("click", (e) => { if (e.layer.options.bin) selectBin(e.layer.options.bin); });
    layer.on("mouseover", (e) => {
      const m = e.layer;
      if (!m.options.bin || m.getTooltip()) return;
      m.bindTooltip(binLabel(m.options.bin)).openTooltip();
    });
    layer.addTo(map);
  }
  layer.clearLayers();
  const markers = [];
  const points = [];
  for (const b of state.bins) {
    const fill = state.mode === "now" ? b.filling_level : b.predicted_fill;
    markers.push(L.circleMarker([b.lat, b.lon], { radius: 7, weight: b.open_alerts ? 3 : 1, bin: b,
      color: b.open_alerts ? "#000" : "#333", fillColor: NT.fillColour(fill, b.threshold), fillOpacity: 0.9 }));
    points.push([b.lat, b.lon]);
  }
  if (layer.addLayers) layer.addLayers(markers); else markers.forEach((m) => m.addTo(layer));
  if (points.length && !map._fitted) { map.fitBounds(points, { padding: [20, 20] }); map._fitted = true; }
  state.markers = new Map(state.bins.map((b, i) => [b.id, markers[i]]));
}

function binLabel(b) {
  const fill = state.mode === "now" ? b.filling_level : b.predicted_fill;
  return `${b.name} · ${NT.t("types")[b.container_type] || b.container_type} · ${NT.percent(fill)}`;
}

function selectBin(b) {
  state.selected = b;
  loadTrend().catch(showError);
}

function showError(err) {
  document.getElementById("plan-message").textContent = err.message;
}

// The bin list: search by name, id or district; a row opens the bin's trend and shows it on the map.
function renderBinList() {
  const t = NT.t;
  const q = state.search.trim().toLowerCase();
  const found = q ? state.bins.filter((b) => `${b.id} ${b.name} ${b.district}`.toLowerCase().includes(q)) : state.bins;
  document.getElementById("bin-count").textContent = t("bins_found", found.length, state.bins.length);
  const shown = found.slice(0, 100);
  const rows = shown.map((b) => NT.el("tr", {},
    NT.el("td", {}, NT.el("button", { type: "button", "data-bin": b.id, text: b.name, onclick: () => {
      selectBin(b);
      const marker = state.markers && state.markers.get(b.id);
      if (marker && layer.zoomToShowLayer) layer.zoomToShowLayer(marker, () => { if (!marker.getTooltip()) marker.bindTooltip(binLabel(b)); marker.openTooltip(); });
      else if (map) map.setView([b.lat, b.lon], 17);
    } })),
    NT.el("td", { text: b.district }), NT.el("td", { text: t("types")[b.container_type] || b.container_type }),
    NT.el("td", { text: NT.percent(b.filling_level) })));
  if (found.length > shown.length) rows.push(NT.el("tr", {}, NT.el("td", { colspan: 4, text: t("more", found.length - shown.length) })));
  document.querySelector("#bin-list tbody").replaceChildren(...rows);
}

function renderDistrictPicker() {
  const select = document.getElementById("district-pick");
  const current = select.value;
  const districts = [...new Set(state.bins.map((b) => b.district))].sort((a, b) => a.localeCompare(b, "nl"));
  select.replaceChildren(NT.el("option", { value: "", text: NT.t("all_districts") }),
    ...districts.map((d) => NT.el("option", { value: d, text: d })));
  select.value = districts.includes(current) ? current : "";
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
  const weights = {};
  const one = state.district;
  for (const row of state.districts) {
    if (one && row.district !== one) continue;
    const key = one ? (NT.t("types")[row.container_type] || row.container_type) : row.district;
    const day = row.bucket.slice(0, 10);
    if (row.fill_avg == null) continue;
    // A district's line averages its container types, weighted by their number of bins.
    groups[key] = groups[key] || {}; weights[key] = weights[key] || {};
    groups[key][day] = (groups[key][day] || 0) + row.fill_avg * row.bins;
    weights[key][day] = (weights[key][day] || 0) + row.bins;
  }
  const days = [...new Set(state.districts.map((r) => r.bucket.slice(0, 10)))].sort();
  const palette = ["#00594f", "#d7301f", "#f0a30a", "#3b6fb6", "#7b3fa0", "#2c9b3a", "#a0522d", "#555",
                   "#e377c2", "#17becf", "#bcbd22", "#1b1b1b"];
  districtChart = chart(districtChart, document.getElementById("district-chart"), {
    type: "line", data: { labels: days.map((d) => NT.fmt("date", d + "T12:00:00Z")),
      datasets: Object.keys(groups).sort().map((label, i) => ({ label, borderColor: palette[i % palette.length], pointRadius: 0,
        data: days.map((d) => groups[label][d] == null ? null : (groups[label][d] / weights[label][d]) * 100) })) },
    options: { animation: false, maintainAspectRatio: false, scales: { y: { min: 0, max: 100 } } } });
}

function renderKpis() {
  if (!state.kpis) return;
  const cols = NT.t("cols");
  const keys = Object.keys(cols);
  const defs = state.kpis.definitions || {};
  document.querySelector("#kpis thead").replaceChildren(NT.el("tr", {}, ...keys.map((k) => NT.el("th", {
    text: cols[k], title: defs[k] ? (NT.lang === "nl" ? defs[k].nl : defs[k].en) : null, scope: "col" }))));
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
  document.getElementById("kpi-definitions").replaceChildren(...keys.filter((k) => defs[k]).flatMap((k) => [
    NT.el("dt", { text: cols[k] }), NT.el("dd", { text: NT.lang === "nl" ? defs[k].nl : defs[k].en })]));
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
  const sensors = state.devices.filter((d) => d.kind !== "camera");
  const cameras = state.devices.filter((d) => d.kind === "camera");
  const offline = sensors.filter((d) => d.offline).length;
  document.getElementById("device-summary").textContent = NT.t("offline_n", offline, sensors.length)
    + (cameras.length ? ` · ${NT.t("cameras_n", cameras.length, cameras.filter((d) => d.offline).length)}` : "");
  const worst = [...sensors].sort((a, b) => (b.offline - a.offline) || ((a.battery_v ?? 9) - (b.battery_v ?? 9))).slice(0, 15);
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
    const typeName = NT.t("types")[t.container_type];
    const input = NT.el("input", { type: "number", id: `threshold-${t.container_type}`, name: "threshold", min: 5, max: 100, step: 5,
      value: Math.round(((t.threshold ?? t.default_threshold) || 0.8) * 100), style: "max-width:6rem",
      "aria-label": NT.t("threshold_label", typeName) });
    return NT.el("tr", {}, NT.el("td", {}, NT.el("label", { for: input.id, style: "margin:0", text: `${typeName} (${t.bins})` })),
      NT.el("td", {}, input, " %"),
      NT.el("td", {}, NT.el("button", { type: "button", class: "big", text: NT.t("save"), onclick: () => saveThreshold(t, input) })));
  }));
  const plan = state.plan;
  document.querySelector("#plan tbody").replaceChildren(...(plan ? plan.routes : []).map((r) => NT.el("tr", {},
    NT.el("td", { text: r.vehicle_name }), NT.el("td", { text: r.stops.filter((s) => s.kind !== "unload").length }),
    NT.el("td", { text: NT.number(r.distance_m / 1000, 1) }), NT.el("td", { text: `${NT.fmt("time", r.start_at)}–${NT.fmt("time", r.end_at)}` }))));
  document.getElementById("unplanned").replaceChildren(...(plan ? plan.unplanned : []).slice(0, 30).map((u) =>
    NT.el("li", { text: `${u.name}: ${reasonText(u)}` })));
}

// Why a bin is not planned, in words: the planner's own Dutch text when it gives one, otherwise
// its known English reasons put into Dutch (never raw solver numbers).
function reasonText(u) {
  if (NT.lang === "nl" && u.reason_nl) return u.reason_nl;
  if (NT.lang === "en" && u.reason_en) return u.reason_en;
  const reasons = NT.t("reasons");
  const code = Object.keys(reasons).find((k) => (u.reason || "").startsWith(k));
  return code ? reasons[code] : NT.lang === "nl" ? `${NT.t("not_planned")}.` : (u.reason || NT.t("not_planned"));
}

async function saveThreshold(t, input) {
  const value = Number(input.value);
  if (!input.value || !Number.isFinite(value) || value < 5 || value > 100) { NT.fieldError(input, NT.t("threshold_range")); return; }
  try {
    state.thresholds = await NT.api(`/api/v1/coordinator/thresholds/${t.container_type}`, { method: "PUT",
      headers: { "Content-Type": "application/json" }, body: JSON.stringify({ threshold: value / 100 }) });
    renderPlanning(); loadBins();
  } catch (err) { NT.fieldError(input, err.message); }
}

async function loadBins(request) {
  state.bins = await (request || NT.api("/api/v1/coordinator/map"));
  renderMap(); renderBinList(); renderDistrictPicker();
}
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
  drawRoutes().catch(() => {});
}

// The day's routes on the map: along the roads when the server has an OSRM server, otherwise
// straight and dashed.
const ROUTE_COLOURS = ["#00594f", "#3b6fb6", "#7b3fa0", "#a0522d", "#d7301f", "#1b1b1b"];
let routeLayer = null, routeDrawing = 0;
async function drawRoutes() {
  if (typeof L === "undefined" || !map) return;
  if (!routeLayer) routeLayer = L.layerGroup().addTo(map);
  const drawing = ++routeDrawing;  // only the newest call draws
  const plan = state.plan;
  const routes = plan ? plan.routes.filter((r) => r.stops.length) : [];
  const lines = await Promise.all(routes.map((r) => NT.api(
    `/api/v1/crew/route/lines?service_date=${plan.day}&vehicle=${encodeURIComponent(r.vehicle_id)}`).catch(() => null)));
  if (drawing !== routeDrawing) return;
  routeLayer.clearLayers();
  lines.forEach((line, i) => {
    if (!line || line.coordinates.length < 2) return;
    L.polyline(line.coordinates, { color: ROUTE_COLOURS[i % ROUTE_COLOURS.length], weight: 3, opacity: 0.7,
      dashArray: line.source === "roads" ? null : "6 6", interactive: false }).addTo(routeLayer);
  });
}

function tabs(id, key, onPick) {
  document.querySelectorAll(`#${id} button`).forEach((b) => b.addEventListener("click", () => {
    document.querySelectorAll(`#${id} button`).forEach((x) => x.setAttribute("aria-pressed", String(x === b)));
    onPick(b.dataset[key]);
  }));
}

(async () => {
  NT.setup(TEXT, () => { renderMap(); renderTrend(); renderDistricts(); renderKpis(); renderHealth(); renderPlanning();
    renderBinList(); renderDistrictPicker(); });
  // The map's data (the largest answer) is asked for at once, alongside the role check.
  const firstBins = NT.api("/api/v1/coordinator/map");
  firstBins.catch(() => {});
  await NT.requireRole("coordinator");
  const today = new Intl.DateTimeFormat("en-CA", { timeZone: "Europe/Brussels" }).format(new Date());
  document.getElementById("plan-day").value = today;
  tabs("map-mode", "mode", (m) => { state.mode = m; renderMap(); });
  tabs("period", "period", (p) => { state.period = p; loadKpis(); });
  tabs("trend-range", "range", (r) => { state.range = r; loadTrend().catch(showError); });
  document.getElementById("bin-search").addEventListener("input", (e) => { state.search = e.target.value; renderBinList(); });
  document.getElementById("district-pick").addEventListener("change", (e) => { state.district = e.target.value; renderDistricts(); });
  document.getElementById("plan-form").addEventListener("submit", async (e) => {
    e.preventDefault();
    const message = document.getElementById("plan-message");
    message.textContent = NT.t("planning_busy");
    try {
      const result = await NT.api("/api/v1/plans", { method: "POST", headers: { "Content-Type": "application/json" },
        body: JSON.stringify({ day: document.getElementById("plan-day").value, time_limit_s: 10 }) });
      await loadPlan();
      message.textContent = NT.t("planned", result);
      NT.fieldError(document.getElementById("plan-day"), "");
    } catch (err) {
      message.textContent = err.message;
      if (err.fields && err.fields.includes("day")) NT.fieldError(document.getElementById("plan-day"), err.message);
    }
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
  const mapDrawn = loadBins(firstBins);
  state.thresholds = await NT.api("/api/v1/coordinator/thresholds");
  await Promise.all([mapDrawn, loadKpis(), loadHealth(), loadPlan(),
    NT.api("/api/v1/trends/districts").then((rows) => { state.districts = rows; renderDistricts(); }).catch(() => {})]);
  drawRoutes().catch(() => {});
  document.body.dataset.ready = "true";
  setInterval(() => { loadBins(); loadHealth(); }, 30000);
})();
