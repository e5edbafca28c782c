// The bin list: fetches /api/v1/bins and renders it in Dutch (default) or English.
"use strict";
const TEXT = {
  nl: { title: "Vuilbakken", loading: "Laden…", col_id: "Nummer", col_name: "Plaats",
        col_district: "Deelgemeente", col_type: "Type", col_fill: "Vulgraad", col_time: "Gemeten",
        summary: (n) => `${n} vuilbakken`, unknown: "onbekend", locale: "nl-BE", other: "EN",
        types: { street_bin: "straatvuilbak", underground: "ondergrondse container", glass: "glasbol",
                 dog_waste: "hondenpoepbak", cigarette: "peukenpaal" } },
  en: { title: "Litter bins", loading: "Loading…", col_id: "Number", col_name: "Place",
        col_district: "District", col_type: "Type", col_fill: "Fill level", col_time: "Measured",
        summary: (n) => `${n} bins`, unknown: "unknown", locale: "en-GB", other: "NL",
        types: { street_bin: "street bin", underground: "underground container", glass: "glass bank",
                 dog_waste: "dog waste bin", cigarette: "cigarette bin" } },
};
let lang = localStorage.getItem("lang") || "nl";
let features = [];

function render() {
  const t = TEXT[lang];
  document.documentElement.lang = lang === "nl" ? "nl-BE" : "en";
  document.querySelectorAll("[data-i18n]").forEach((el) => {
    const value = t[el.dataset.i18n];
    if (typeof value === "string") el.textContent = value;
  });
  document.getElementById("lang").textContent = t.other;
  const when = new Intl.DateTimeFormat(t.locale, { dateStyle: "short", timeStyle: "short",
                                                   timeZone: "Europe/Brussels" });
  const body = document.querySelector("#bins tbody");
  body.replaceChildren(...features.map((f) => {
    const p = f.properties;
    const tr = document.createElement("tr");
    const fill = p.filling_level;
    const cells = [p.id, p.name, p.district, t.types[p.container_type] || p.container_type];
    cells.forEach((c) => { const td = document.createElement("td"); td.textContent = c; tr.append(td); });
    const fillTd = document.createElement("td");
    const badge = document.createElement("span");
    badge.className = "fill " + (fill == null ? "" : fill >= p.threshold ? "high" : fill >= 0.5 ? "mid" : "low");
    badge.textContent = fill == null ? t.unknown : `${Math.round(fill * 100)} %`;
    fillTd.append(badge);
    const timeTd = document.createElement("td");
    timeTd.textContent = p.reading_ts ? when.format(new Date(p.reading_ts)) : "–";
    tr.append(fillTd, timeTd);
    return tr;
  }));
  document.getElementById("summary").textContent = t.summary(features.length);
}

async function load() {
  const response = await fetch("/api/v1/bins");
  features = (await response.json()).features;
  render();
}

document.getElementById("lang").addEventListener("click", () => {
  lang = lang === "nl" ? "en" : "nl";
  localStorage.setItem("lang", lang);
  render();
});
load();
setInterval(load, 10000);
