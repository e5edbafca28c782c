// The asset registry: bins (search, map, form), import/export, sensors, fleet, crews, sites.
"use strict";
const TYPES = ["street_bin", "underground", "glass", "dog_waste", "cigarette"];
const CATEGORIES = ["fixed", "ground", "underground", "portable", "other"];
const FIELD_TEXT = {
  nl: { f_id: "Id", f_name: "Naam", f_district: "Deelgemeente", f_place_type: "Soort plaats",
        f_container_type: "Type", f_category: "Categorie", f_volume_l: "Volume (l)",
        f_depth_mm: "Diepte (mm)", f_lat: "Breedtegraad", f_lon: "Lengtegraad",
        f_threshold: "Drempel (0–1)", f_active: "In gebruik", f_vehicle_type: "Soort voertuig",
        f_depot_id: "Depot (id)", f_capacity_l: "Capaciteit (l)", f_capacity_kg: "Capaciteit (kg)",
        f_shift_start: "Begin dienst", f_shift_end: "Einde dienst", f_break_minutes: "Pauze (min)",
        f_unload_s: "Lossen (s)", f_opens: "Opent", f_closes: "Sluit", f_open_days: "Open op",
        f_crew_id: "Ploeg (id)", f_weekdays: "Dagen", f_starts: "Begin", f_ends: "Einde",
        f_break_start: "Begin pauze", f_hotspot_id: "Hotspot (id)", f_bin_id: "Vuilbak (id)",
        f_device_id: "Sensor (id)", f_revoked_at: "Buiten dienst sinds", f_last_seen_at: "Laatst gezien",
        f_kind: "Soort",
        o_street_bin: "straatvuilbak", o_underground: "ondergrondse container", o_glass: "glasbol",
        o_dog_waste: "hondenpoepbak", o_cigarette: "peukenpaal", o_fixed: "vast", o_ground: "bovengronds",
        o_portable: "verplaatsbaar", o_other: "ander", o_van: "bestelwagen", o_compactor: "perswagen",
        o_crane: "kraanwagen",
        day_0: "ma", day_1: "di", day_2: "wo", day_3: "do", day_4: "vr", day_5: "za", day_6: "zo" },
  en: { f_id: "Id", f_name: "Name", f_district: "District", f_place_type: "Kind of place",
        f_container_type: "Type", f_category: "Category", f_volume_l: "Volume (l)",
        f_depth_mm: "Depth (mm)", f_lat: "Latitude", f_lon: "Longitude",
        f_threshold: "Threshold (0–1)", f_active: "In use", f_vehicle_type: "Vehicle type",
        f_depot_id: "Depot (id)", f_capacity_l: "Capacity (l)", f_capacity_kg: "Capacity (kg)",
        f_shift_start: "Shift start", f_shift_end: "Shift end", f_break_minutes: "Break (min)",
        f_unload_s: "Unloading (s)", f_opens: "Opens", f_closes: "Closes", f_open_days: "Open on",
        f_crew_id: "Crew (id)", f_weekdays: "Days", f_starts: "Start", f_ends: "End",
        f_break_start: "Break start", f_hotspot_id: "Hotspot (id)", f_bin_id: "Bin (id)",
        f_device_id: "Sensor (id)", f_revoked_at: "Out of service since", f_last_seen_at: "Last seen",
        f_kind: "Kind",
        o_street_bin: "street bin", o_underground: "underground container", o_glass: "glass bank",
        o_dog_waste: "dog waste bin", o_cigarette: "cigarette bin", o_fixed: "fixed", o_ground: "above ground",
        o_portable: "portable", o_other: "other", o_van: "van", o_compactor: "compactor",
        o_crane: "crane truck",
        day_0: "Mon", day_1: "Tue", day_2: "Wed", day_3: "Thu", day_4: "Fri", day_5: "Sat", day_6: "Sun" },
};
const PAGE_TEXT = {
  nl: { title: "Register", nav_bins: "Vuilbakken", nav_import: "Import en export", nav_sensors: "Sensoren",
        nav_fleet: "Vloot en ploegen", nav_sites: "Hotspots en camera's", nav_home: "Start",
        bins: "Vuilbakken en containers", search: "Zoeken (id, naam, deelgemeente)", district: "Deelgemeente",
        all: "alle", show_retired: "ook afgeschafte", find: "Zoeken", sensor: "Sensor", actions: "Acties",
        map_hint: "Klik op de kaart om de plaats van de vuilbak in het formulier te zetten.",
        new_bin: "Nieuwe vuilbak", edit_bin: (id) => `Vuilbak ${id} wijzigen`, count: (n, total) => `${n} van ${total} getoond`,
        import: "Import en export", import_help: "Een CSV- of GeoJSON-bestand met vuilbakken of hotspots, of een CSV met sensoren, voertuigen, depots, stortplaatsen of ploegen. Bestaande id's worden bijgewerkt, nieuwe toegevoegd. Bij één fout wordt niets opgeslagen.",
        import_kind: "Wat", export_more: "Ook als CSV:", sensors_kind: "Sensoren op vuilbakken (CSV: device_id, bin_id)",
        file: "Bestand (CSV of GeoJSON)", dry_run: "alleen controleren", do_import: "Importeren",
        report: "Validatierapport", line: "Regel", field: "Veld", problem: "Melding",
        export_csv: "Exporteer CSV", export_geojson: "Exporteer GeoJSON", choose_file: "Kies eerst een bestand.",
        sensors: "Sensoren op vuilbakken", install: "Plaatsen", swap: "Wisselen", retire_sensor: "Buiten dienst",
        history: "Geschiedenis", installed: "Geplaatst", removed: "Verwijderd", reason: "Reden", by: "Door",
        r_swap: "gewisseld", r_retire: "buiten dienst", r_move: "verplaatst",
        fleet: "Vloot, depots, stortplaatsen en ploegen", shifts: "Shiften", add_shift: "Shift toevoegen",
        sites: "Hotspots en camera's", vehicles: "Voertuigen", depots: "Depots",
        disposal_sites: "Stortplaatsen", crews: "Ploegen", hotspots: "Hotspots", cameras: "Camera's",
        edit: "Wijzigen", add: "Toevoegen", save: "Opslaan", new: "Nieuw", retire: "Afschaffen",
        delete: "Verwijderen", saved: "Opgeslagen", yes: "ja", no: "nee", invalid: "Ongeldige invoer" },
  en: { title: "Registry", nav_bins: "Bins", nav_import: "Import and export", nav_sensors: "Sensors",
        nav_fleet: "Fleet and crews", nav_sites: "Hotspots and cameras", nav_home: "Home",
        bins: "Bins and containers", search: "Search (id, name, district)", district: "District",
        all: "all", show_retired: "include retired", find: "Search", sensor: "Sensor", actions: "Actions",
        map_hint: "Click the map to put the bin's position in the form.",
        new_bin: "New bin", edit_bin: (id) => `Edit bin ${id}`, count: (n, total) => `${n} of ${total} shown`,
        import: "Import and export", import_help: "A CSV or GeoJSON file of bins or hotspots, or a CSV of sensors, vehicles, depots, disposal sites or crews. Existing ids are updated, new ones added. With a single error nothing is stored.",
        import_kind: "What", export_more: "Also as CSV:", sensors_kind: "Sensors on bins (CSV: device_id, bin_id)",
        file: "File (CSV or GeoJSON)", dry_run: "check only", do_import: "Import",
        report: "Validation report", line: "Line", field: "Field", problem: "Message",
        export_csv: "Export CSV", export_geojson: "Export GeoJSON", choose_file: "Choose a file first.",
        sensors: "Sensors on bins", install: "Install", swap: "Swap", retire_sensor: "Out of service",
        history: "History", installed: "Installed", removed: "Removed", reason: "Reason", by: "By",
        r_swap: "swapped", r_retire: "out of service", r_move: "moved",
        fleet: "Fleet, depots, disposal sites and crews", shifts: "Shifts", add_shift: "Add shift",
        sites: "Hotspots and cameras", vehicles: "Vehicles", depots: "Depots",
        disposal_sites: "Disposal sites", crews: "Crews", hotspots: "Hotspots", cameras: "Cameras",
        edit: "Edit", add: "Add", save: "Save", new: "New", retire: "Retire",
        delete: "Delete", saved: "Saved", yes: "yes", no: "no", invalid: "Invalid input" },
};
const TEXT = { nl: { ...FIELD_TEXT.nl, ...PAGE_TEXT.nl }, en: { ...FIELD_TEXT.en, ...PAGE_TEXT.en } };

const BIN_FIELDS = [
  { name: "id" }, { name: "name" }, { name: "district" }, { name: "place_type" },
  { name: "container_type", type: "select", options: TYPES },
  { name: "category", type: "select", options: CATEGORIES },
  { name: "volume_l", type: "number" }, { name: "depth_mm", type: "number" },
  { name: "lat", type: "number", step: "any" }, { name: "lon", type: "number", step: "any" },
  { name: "threshold", type: "number", step: "0.01" }, { name: "active", type: "checkbox" },
];
const SHIFT_FIELDS = [
  { name: "crew_id" }, { name: "weekdays", type: "days" }, { name: "starts", type: "time" },
  { name: "ends", type: "time" }, { name: "break_start", type: "time" },
  { name: "break_minutes", type: "number" },
];
const API = "/api/v1/registry";
let binMap = null;
let binLayer = null;
let placed = null;
let binRows = [];
let editingBin = null;
const editors = [];

function typeName(t) { return NT.t(`o_${t}`); }

function renderBins() {
  document.querySelector("#bin-table tbody").replaceChildren(...binRows.map((b) => NT.el("tr", { class: b.active ? null : "retired" },
    NT.el("td", { text: b.id }), NT.el("td", { text: b.name }), NT.el("td", { text: b.district }),
    NT.el("td", { text: typeName(b.container_type) }), NT.el("td", { text: NT.number(b.volume_l) }),
    NT.el("td", { text: b.sensor_id || "–" }),
    NT.el("td", { class: "row-actions" },
      NT.el("button", { type: "button", class: "small", text: NT.t("edit"), "aria-label": `${NT.t("edit")} ${b.id}`,
                        onclick: () => editBin(b) }),
      b.active ? NT.el("button", { type: "button", class: "small danger", text: NT.t("retire"),
                                   "aria-label": `${NT.t("retire")} ${b.id}`, onclick: () => retireBin(b.id) }) : null))));
  if (binLayer) {
    binLayer.clearLayers();
    for (const b of binRows) {
      L.circleMarker([b.lat, b.lon], { radius: 6, color: "#00594f", weight: 2, fillOpacity: 0.6 })
        .bindTooltip(`${b.id} – ${b.name}`).on("click", () => editBin(b)).addTo(binLayer);
    }
  }
}

async function searchBins() {
  const params = new URLSearchParams({ limit: "500" });
  const q = document.getElementById("bin-q").value.trim();
  const district = document.getElementById("bin-district").value;
  if (q) params.set("q", q);
  if (district) params.set("district", district);
  if (document.getElementById("bin-retired").checked) params.set("retired", "true");
  const answer = await RF.call("GET", `${API}/bins?${params}`);
  if (!answer.ok) { RF.say(RF.message(answer), "bad"); return; }
  binRows = answer.data.bins;
  document.getElementById("bin-count").textContent = NT.t("count", binRows.length, answer.data.total);
  renderBins();
}

async function loadDistricts() {
  const answer = await RF.call("GET", `${API}/districts`);
  if (!answer.ok) return;
  const select = document.getElementById("bin-district");
  select.replaceChildren(select.options[0], ...answer.data.map((d) => NT.el("option", { value: d, text: d })));
}

function binTitle() {
  document.getElementById("bin-form-title").textContent = editingBin ? NT.t("edit_bin", editingBin) : NT.t("new_bin");
}

function editBin(b) {
  editingBin = b.id;
  const form = document.getElementById("bin-form");
  RF.fill(form, BIN_FIELDS, b);
  form.elements.id.readOnly = true;
  setPlaced(b.lat, b.lon, false);
  binTitle();
  form.elements.name.focus();
}

function newBin() {
  editingBin = null;
  const form = document.getElementById("bin-form");
  RF.fill(form, BIN_FIELDS, { container_type: "street_bin", category: "fixed", place_type: "street", threshold: 0.8, active: true });
  form.elements.id.readOnly = false;
  if (placed) { placed.remove(); placed = null; }
  binTitle();
}

async function retireBin(id) {
  const answer = await RF.call("DELETE", `${API}/bins/${encodeURIComponent(id)}`);
  RF.say(answer.ok ? `${NT.t("saved")}: ${id}` : RF.message(answer), answer.ok ? "ok" : "bad");
  await searchBins();
}

function setPlaced(lat, lon, write = true) {
  const form = document.getElementById("bin-form");
  if (write) {
    form.elements.lat.value = lat.toFixed(6);
    form.elements.lon.value = lon.toFixed(6);
  }
  if (!binMap) return;
  if (placed) placed.setLatLng([lat, lon]);
  else placed = L.marker([lat, lon], { keyboard: false }).addTo(binMap);
}

async function saveBin(event) {
  event.preventDefault();
  const form = document.getElementById("bin-form");
  const body = RF.values(form, BIN_FIELDS);
  const answer = editingBin
    ? await RF.call("PUT", `${API}/bins/${encodeURIComponent(editingBin)}`, body)
    : await RF.call("POST", `${API}/bins`, body);
  if (!answer.ok) {
    RF.showProblems(form, RF.problems(answer));
    RF.say(RF.message(answer), "bad");
    return;
  }
  RF.showProblems(form, []);
  RF.say(`${NT.t("saved")}: ${answer.data.id}`);
  editBin(answer.data);
  await loadDistricts();
  await searchBins();
}

async function runImport(event) {
  event.preventDefault();
  const file = document.getElementById("import-file").files[0];
  const result = document.getElementById("import-result");
  const table = document.getElementById("import-report");
  if (!file) { result.textContent = NT.t("choose_file"); return; }
  const body = new FormData();
  body.append("file", file);
  const dry = document.getElementById("import-dry").checked;
  const kind = document.getElementById("import-kind").value;
  const answer = await RF.call("POST", `${API}/${kind}/import${dry ? "?dry_run=true" : ""}`, body);
  const report = answer.ok ? answer.data : answer.data && answer.data.detail;
  if (!report || typeof report !== "object" || !("problems" in report)) {
    result.textContent = RF.message(answer);
    result.className = "bad";
    table.hidden = true;
    return;
  }
  result.textContent = report.message;
  result.className = report.problems.length ? "bad" : "ok";
  table.tBodies[0].replaceChildren(...report.problems.map((p) => NT.el("tr", {},
    NT.el("td", { text: String(p.line) }), NT.el("td", { text: p.field || "–" }), NT.el("td", { text: p.message }))));
  table.hidden = report.problems.length === 0;
  if (report.stored) {
    await Promise.all([loadDistricts(), searchBins(), ...editors.map((e) => e.load())]);
    if (kind === "sensors") await loadHistory();
  }
}

async function sensorAction(event) {
  event.preventDefault();
  const action = event.submitter ? event.submitter.name : "history";
  const form = document.getElementById("sensor-form");
  const bin = form.elements.bin_id.value.trim();
  const device = form.elements.device_id.value.trim();
  let answer;
  if (action === "install" || action === "swap") {
    answer = await RF.call("POST", `${API}/sensors/${action}`, { bin_id: bin, device_id: device });
  } else if (action === "retire") {
    answer = await RF.call("POST", `${API}/sensors/${encodeURIComponent(device)}/retire`);
  } else {
    const params = new URLSearchParams();
    if (bin) params.set("bin_id", bin);
    if (device) params.set("device_id", device);
    answer = await RF.call("GET", `${API}/sensors/history?${params}`);
  }
  if (!answer.ok) {
    RF.showProblems(form, RF.problems(answer));
    RF.say(RF.message(answer), "bad");
    return;
  }
  RF.showProblems(form, []);
  if (action !== "history") RF.say(NT.t("saved"));
  renderHistory(answer.data.pairings);
}

let historyRows = [];
async function loadHistory() {
  const answer = await RF.call("GET", `${API}/sensors/history`);
  if (answer.ok) renderHistory(answer.data.pairings);
}
function renderHistory(rows) {
  historyRows = rows || historyRows;
  document.querySelector("#sensor-history tbody").replaceChildren(...historyRows.map((p) => NT.el("tr", {},
    NT.el("td", { text: p.device_id }), NT.el("td", { text: p.bin_id }),
    NT.el("td", { text: NT.fmt("datetime", p.installed_at) }), NT.el("td", { text: NT.fmt("datetime", p.removed_at) }),
    NT.el("td", { text: p.removed_reason ? NT.t(`r_${p.removed_reason}`) : "–" }),
    NT.el("td", { text: p.removed_by || p.installed_by }))));
}

let shiftRows = [];
async function loadShifts() {
  const answer = await RF.call("GET", `${API}/shifts`);
  shiftRows = answer.ok ? answer.data : [];
  renderShifts();
}
function renderShifts() {
  document.querySelector("#shift-table tbody").replaceChildren(...shiftRows.map((s) => NT.el("tr", {},
    NT.el("td", { text: s.crew_id }), NT.el("td", { text: RF.cell(s.weekdays) }),
    NT.el("td", { text: RF.cell(s.starts) }), NT.el("td", { text: RF.cell(s.ends) }),
    NT.el("td", { text: s.break_start ? `${RF.cell(s.break_start)} (${s.break_minutes} min)` : "–" }),
    NT.el("td", {}, NT.el("button", { type: "button", class: "small danger", text: NT.t("delete"),
      "aria-label": `${NT.t("delete")} ${s.crew_id} ${RF.cell(s.starts)}`,
      onclick: async () => { await RF.call("DELETE", `${API}/shifts/${s.id}`); await loadShifts(); } })))));
}
async function saveShift(event) {
  event.preventDefault();
  const form = document.getElementById("shift-form");
  const body = RF.values(form, SHIFT_FIELDS);
  const answer = await RF.call("POST", `${API}/crews/${encodeURIComponent(body.crew_id || "-")}/shifts`, body);
  if (!answer.ok) { RF.showProblems(form, RF.problems(answer)); RF.say(RF.message(answer), "bad"); return; }
  RF.showProblems(form, []);
  RF.say(NT.t("saved"));
  await loadShifts();
}

function setupEditors() {
  const fleet = document.getElementById("editors-fleet");
  const sites = document.getElementById("editors-sites");
  const time = (name) => ({ name, type: "time" });
  editors.push(RF.editor(fleet, { key: "vehicles", path: `${API}/vehicles`,
    columns: ["id", "name", "vehicle_type", "depot_id", "capacity_l", "capacity_kg", "active"],
    show: (c, v) => (c === "vehicle_type" ? NT.t(`o_${v}`) : RF.cell(v)),
    defaults: { vehicle_type: "compactor", depot_id: "depot-kortrijk", shift_start: "06:00", shift_end: "14:30", break_minutes: 30, active: true },
    fields: [{ name: "id" }, { name: "name" }, { name: "vehicle_type", type: "select", options: ["van", "compactor", "crane"] },
             { name: "depot_id" }, { name: "capacity_l", type: "number" }, { name: "capacity_kg", type: "number" },
             time("shift_start"), time("shift_end"), { name: "break_minutes", type: "number" }, { name: "active", type: "checkbox" }] }));
  editors.push(RF.editor(fleet, { key: "depots", path: `${API}/depots`, columns: ["id", "name", "lat", "lon", "active"],
    fields: [{ name: "id" }, { name: "name" }, { name: "lat", type: "number", step: "any" },
             { name: "lon", type: "number", step: "any" }, { name: "active", type: "checkbox" }] }));
  editors.push(RF.editor(fleet, { key: "disposal_sites", path: `${API}/disposal-sites`,
    columns: ["id", "name", "opens", "closes", "open_days", "active"],
    defaults: { opens: "06:00", closes: "17:00", open_days: [0, 1, 2, 3, 4, 5], unload_s: 900, active: true },
    fields: [{ name: "id" }, { name: "name" }, { name: "lat", type: "number", step: "any" },
             { name: "lon", type: "number", step: "any" }, { name: "unload_s", type: "number" }, time("opens"),
             time("closes"), { name: "open_days", type: "days" }, { name: "active", type: "checkbox" }] }));
  editors.push(RF.editor(fleet, { key: "crews", path: `${API}/crews`, columns: ["id", "name", "depot_id", "active"],
    fields: [{ name: "id" }, { name: "name" }, { name: "depot_id" }, { name: "active", type: "checkbox" }] }));
  editors.push(RF.editor(sites, { key: "hotspots", path: `${API}/hotspots`, columns: ["id", "name", "district", "active"],
    fields: [{ name: "id" }, { name: "name" }, { name: "district" }, { name: "lat", type: "number", step: "any" },
             { name: "lon", type: "number", step: "any" }, { name: "active", type: "checkbox" }] }));
  editors.push(RF.editor(sites, { key: "cameras", path: `${API}/cameras`, retire: true,
    columns: ["id", "hotspot_id", "last_seen_at", "revoked_at"],
    fields: [{ name: "id" }, { name: "hotspot_id" }] }));
}

function rerender() {
  renderBins();
  binTitle();
  renderHistory();
  renderShifts();
  editors.forEach((e) => e.render());
}

(async () => {
  NT.setup(TEXT, rerender);
  await NT.requireRole("coordinator", "admin");
  const binForm = document.getElementById("bin-form");
  RF.build(binForm, "binf", BIN_FIELDS, [
    NT.el("button", { type: "submit", class: "big primary", "data-i18n": "save", text: NT.t("save") }),
    NT.el("button", { type: "button", class: "big", "data-i18n": "new", text: NT.t("new"), onclick: newBin }),
  ]);
  binForm.addEventListener("submit", saveBin);
  newBin();
  const shiftForm = document.getElementById("shift-form");
  RF.build(shiftForm, "shift", SHIFT_FIELDS, [
    NT.el("button", { type: "submit", class: "big primary", "data-i18n": "add_shift", text: NT.t("add_shift") }),
  ]);
  shiftForm.addEventListener("submit", saveShift);
  document.getElementById("bin-search").addEventListener("submit", (e) => { e.preventDefault(); searchBins(); });
  document.getElementById("import-form").addEventListener("submit", runImport);
  document.getElementById("sensor-form").addEventListener("submit", sensorAction);
  if (window.L) {
    binMap = L.map("bin-map").setView([50.828, 3.265], 13);
    NT.tiles().then((url) => { if (url) L.tileLayer(url, { maxZoom: 19 }).addTo(binMap); });
    binLayer = L.layerGroup().addTo(binMap);
    binMap.on("click", (e) => setPlaced(e.latlng.lat, e.latlng.lng));
  }
  setupEditors();
  await Promise.all([loadDistricts(), searchBins(), loadShifts(), loadHistory(), ...editors.map((e) => e.load())]);
  document.body.dataset.ready = "true";
})();
