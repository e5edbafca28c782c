// Capacity advice with its evidence (a small fill curve per bin, drawn as SVG here: no chart
// library needed) and the bins the planner estimates from history because their sensor fails.
"use strict";
(() => {
  const TEXT = {
    nl: {
      title: "Advies", nav_coordinator: "Coördinatie", nav_dumps: "Sluikstorten", nav_advice: "Advies", nav_days: "Ophaaldagen",
      cap_title: "Capaciteitsadvies",
      cap_intro: "Vuilbakken die tussen twee bezoeken overlopen, hoe goed de ronde ook gepland is, met de grotere of extra bak die het zou oplossen. Het bewijs: de vulcurve van de laatste 7 dagen.",
      interval: "Tijd tussen twee bezoeken", every_12: "12 uur (twee keer per dag)",
      every_24: "24 uur (elke dag)", every_48: "48 uur (om de twee dagen)", csv: "CSV downloaden",
      cap_caption: "Vuilbakken met advies, de ergste eerst",
      col_bin: "Vuilbak", col_now: "Nu", col_advice: "Advies", col_need: "Liter tussen twee bezoeken",
      col_full: "Uren vol gezien", col_curve: "Vulcurve (7 dagen)",
      cap_summary: (n, of) => `${n} van ${of} vuilbakken met sensorgeschiedenis hebben advies.`,
      cap_none: "Geen vuilbak loopt over tussen twee bezoeken.",
      curve_label: (name, peak, hours) => `Vulcurve van ${name}: tot ${peak} vol, ${hours} uur vol gezien in 7 dagen`,
      sensor_title: "Vuilbakken zonder betrouwbare sensor",
      sensor_intro: "De planning slaat deze bakken niet over: ze worden geschat uit hun geschiedenis (vorige metingen en ledigingen).",
      sensor_caption: "Vuilbakken die uit hun geschiedenis geschat worden",
      col_reason: "Waarom", col_last: "Laatste meting", col_estimate: "Geschatte vulgraad",
      reasons: { silent: "sensor zwijgt", stuck: "sensor hangt vast", none: "geen sensorgegevens" },
      sensors_none: "Alle sensoren meten.",
      fill_of: (p, l) => `${p} van ${l} l`,
    },
    en: {
      title: "Advice", nav_coordinator: "Coordination", nav_dumps: "Dumping", nav_advice: "Advice", nav_days: "Service days",
      cap_title: "Capacity advice",
      cap_intro: "Bins that overflow between two visits however well the round is planned, with the bigger or extra bin that would stop it. The evidence: the fill curve of the last 7 days.",
      interval: "Time between two visits", every_12: "12 hours (twice a day)",
      every_24: "24 hours (every day)", every_48: "48 hours (every other day)", csv: "Download CSV",
      cap_caption: "Bins with advice, the worst first",
      col_bin: "Bin", col_now: "Now", col_advice: "Advice", col_need: "Litres between two visits",
      col_full: "Hours seen full", col_curve: "Fill curve (7 days)",
      cap_summary: (n, of) => `${n} of ${of} bins with sensor history have advice.`,
      cap_none: "No bin overflows between two visits.",
      curve_label: (name, peak, hours) => `Fill curve of ${name}: up to ${peak} full, ${hours} hours seen full in 7 days`,
      sensor_title: "Bins without a trusted sensor",
      sensor_intro: "Planning does not skip these bins: they are estimated from their history (earlier readings and emptyings).",
      sensor_caption: "Bins estimated from their history",
      col_reason: "Why", col_last: "Last reading", col_estimate: "Estimated fill",
      reasons: { silent: "sensor silent", stuck: "sensor stuck", none: "no sensor data" },
      sensors_none: "Every sensor is measuring.",
      fill_of: (p, l) => `${p} of ${l} l`,
    },
  };
  const { t, el, fmt, api, number, percent } = NT;
  const SVG = "http://www.w3.org/2000/svg";
  const message = document.getElementById("message");
  let capacity = null;
  let sensors = null;

  function svg(tag, attrs) {
    const node = document.createElementNS(SVG, tag);
    for (const [k, v] of Object.entries(attrs)) node.setAttribute(k, v);
    return node;
  }
  // One polyline over the hours (gaps break the line), and a dashed line at "full".
  function curve(values, label) {
    const w = 168, h = 40;
    const chart = svg("svg", { viewBox: `0 0 ${w} ${h}`, class: "curve", role: "img", "aria-label": label });
    chart.append(svg("line", { x1: 0, x2: w, y1: 4, y2: 4, class: "full" }));
    let points = [];
    const flush = () => {
      if (points.length) chart.append(svg("polyline", { points: points.join(" "), class: "line" }));
      points = [];
    };
    values.forEach((v, i) => {
      if (v == null) { flush(); return; }
      points.push(`${i * w / values.length},${(h - 4 - v * (h - 8)).toFixed(1)}`);
    });
    flush();
    return chart;
  }
  function renderCapacity() {
    if (!capacity) return;
    document.getElementById("cap-summary").textContent =
      capacity.advice.length ? t("cap_summary", capacity.advice.length, capacity.bins_considered) : t("cap_none");
    const body = document.querySelector("#capacity tbody");
    body.replaceChildren();
    for (const a of capacity.advice) {
      const peak = Math.max(...a.curve.filter((v) => v != null));
      body.append(el("tr", { "data-bin": a.bin_id },
        el("th", { scope: "row" }, el("strong", { text: a.name }), el("div", { text: `${a.bin_id} · ${a.district}` })),
        el("td", { text: t("fill_of", percent(a.fill_now), a.current_l) }),
        el("td", { class: "advice", text: a.advice_nl }),
        el("td", { text: number(a.litres_between_visits) }),
        el("td", { text: number(a.overflow_hours_seen) }),
        el("td", {}, curve(a.curve, t("curve_label", a.name, percent(peak), number(a.overflow_hours_seen))))));
    }
  }
  function renderSensors() {
    if (!sensors) return;
    const body = document.querySelector("#sensors tbody");
    body.replaceChildren();
    if (!sensors.length) body.append(el("tr", {}, el("td", { colspan: "4", text: t("sensors_none") })));
    for (const s of sensors) {
      body.append(el("tr", { "data-bin": s.bin_id },
        el("th", { scope: "row" }, el("strong", { text: s.name }), el("div", { text: `${s.bin_id} · ${s.district}` })),
        el("td", { text: NT.lang === "nl" ? s.reason_nl : t("reasons")[s.reason] }),
        el("td", { text: fmt("datetime", s.last_reading_at) }),
        el("td", { text: percent(s.estimated_level) })));
    }
  }
  function render() { renderCapacity(); renderSensors(); }
  async function load() {
    const interval = document.getElementById("interval").value;
    document.getElementById("csv").href = `/api/v1/advice/capacity.csv?interval_h=${interval}`;
    [capacity, sensors] = await Promise.all([
      api(`/api/v1/advice/capacity?interval_h=${interval}`), api("/api/v1/advice/sensors")]);
    render();
    document.body.dataset.ready = "true";
  }
  document.getElementById("interval").addEventListener("change", () => load().catch((e) => { message.textContent = e.message; }));
  document.getElementById("advice-form").addEventListener("submit", (event) => event.preventDefault());
  NT.setup(TEXT, render);
  NT.requireRole("coordinator").then(load).catch((error) => { message.textContent = error.message; });
})();
