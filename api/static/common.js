// Shared by every page: language (Dutch by default, English second), Brussels dates, the API.
"use strict";
const NT = (() => {
  const COMMON = {
    nl: { logout: "Afmelden", other: "EN", locale: "nl-BE", offline: "Geen verbinding",
          error: "Er ging iets mis", loading: "Laden…", unknown: "onbekend",
          types: { street_bin: "straatvuilbak", underground: "ondergrondse container",
                   glass: "glasbol", dog_waste: "hondenpoepbak", cigarette: "peukenpaal" } },
    en: { logout: "Log out", other: "NL", locale: "en-GB", offline: "No connection",
          error: "Something went wrong", loading: "Loading…", unknown: "unknown",
          types: { street_bin: "street bin", underground: "underground container",
                   glass: "glass bank", dog_waste: "dog waste bin", cigarette: "cigarette bin" } },
  };
  let lang = localStorage.getItem("lang") || "nl";
  let pageText = { nl: {}, en: {} };
  const listeners = [];

  function t(key, ...args) {
    const value = pageText[lang][key] ?? COMMON[lang][key] ?? key;
    return typeof value === "function" ? value(...args) : value;
  }
  function translatePage() {
    document.documentElement.lang = lang === "nl" ? "nl-BE" : "en";
    document.querySelectorAll("[data-i18n]").forEach((el) => { el.textContent = t(el.dataset.i18n); });
    document.querySelectorAll("[data-i18n-placeholder]").forEach((el) => {
      el.placeholder = t(el.dataset.i18nPlaceholder);
    });
    const toggle = document.getElementById("lang");
    if (toggle) toggle.textContent = COMMON[lang].other;
    if (pageText[lang].title) document.title = "nettestad – " + pageText[lang].title;
    listeners.forEach((fn) => fn());
  }
  function setup(text, onChange) {
    pageText = text;
    if (onChange) listeners.push(onChange);
    const toggle = document.getElementById("lang");
    if (toggle) toggle.addEventListener("click", () => {
      lang = lang === "nl" ? "en" : "nl";
      localStorage.setItem("lang", lang);
      translatePage();
    });
    const logout = document.getElementById("logout");
    if (logout) logout.addEventListener("click", async () => {
      await fetch("/api/v1/auth/logout", { method: "POST" }).catch(() => {});
      location.href = "/login";
    });
    translatePage();
  }
  const formatters = {};
  function fmt(kind, value) {
    if (value == null || value === "") return "–";
    const key = lang + kind;
    if (!formatters[key]) {
      const options = { timeZone: "Europe/Brussels" };
      if (kind === "datetime") Object.assign(options, { dateStyle: "short", timeStyle: "short" });
      if (kind === "date") Object.assign(options, { dateStyle: "medium" });
      if (kind === "time") Object.assign(options, { hour: "2-digit", minute: "2-digit" });
      formatters[key] = new Intl.DateTimeFormat(COMMON[lang].locale, options);
    }
    return formatters[key].format(new Date(value));
  }
  function number(value, digits = 0) {
    if (value == null) return "–";
    return new Intl.NumberFormat(COMMON[lang].locale, { maximumFractionDigits: digits }).format(value);
  }
  function percent(value) { return value == null ? "–" : `${Math.round(value * 100)} %`; }
  async function api(path, options = {}) {
    const response = await fetch(path, { credentials: "same-origin", ...options });
    if (response.status === 401) { location.href = "/login?next=" + encodeURIComponent(location.pathname); throw new Error("401"); }
    if (!response.ok) {
      let detail = response.statusText;
      try { const body = await response.json(); detail = typeof body.detail === "string" ? body.detail : JSON.stringify(body.detail); } catch (_) { /* not JSON */ }
      throw new Error(`${response.status}: ${detail}`);
    }
    const type = response.headers.get("content-type") || "";
    return type.includes("json") ? response.json() : response;
  }
  function el(tag, attrs = {}, ...children) {
    const node = document.createElement(tag);
    for (const [k, v] of Object.entries(attrs)) {
      if (v == null || v === false) continue;
      if (k.startsWith("on")) node.addEventListener(k.slice(2), v);
      else if (k === "class") node.className = v;
      else if (k === "text") node.textContent = v;
      else node.setAttribute(k, v === true ? "" : v);
    }
    for (const child of children.flat()) if (child != null) node.append(child);
    return node;
  }
  function fillClass(fill, threshold) {
    if (fill == null) return "unknown";
    return fill >= (threshold || 0.8) ? "high" : fill >= 0.5 ? "mid" : "low";
  }
  function fillColour(fill, threshold) {
    return { high: "#d7301f", mid: "#f0a30a", low: "#2c9b3a", unknown: "#888" }[fillClass(fill, threshold)];
  }
  async function requireRole(...roles) {
    const me = await api("/api/v1/auth/me");
    if (!roles.includes(me.role)) { location.href = "/"; throw new Error("role"); }
    const who = document.getElementById("who");
    if (who) who.textContent = me.display_name;
    return me;
  }
  async function tiles() {
    try { return (await (await fetch("/config.json")).json()).map_tiles_url || ""; } catch (_) { return ""; }
  }
  return { t, setup, fmt, number, percent, api, el, fillClass, fillColour, requireRole, tiles,
           get lang() { return lang; } };
})();
