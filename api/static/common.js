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
    if (toggle) {
      // The visible text is part of the name (WCAG 2.5.3), in the language it switches to.
      toggle.textContent = COMMON[lang].other;
      toggle.setAttribute("aria-label", lang === "nl" ? "EN – English" : "NL – Nederlands");
      toggle.setAttribute("lang", lang === "nl" ? "en" : "nl");
    }
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
      try {
        // A crew's kept session token (for work queued on a shared phone) ends with the session.
        const me = await fetch("/api/v1/auth/me", { credentials: "same-origin" });
        if (me.ok) {
          const id = (await me.json()).id;
          const kept = JSON.parse(localStorage.getItem("nt-crew-sessions") || "{}");
          delete kept[id];
          localStorage.setItem("nt-crew-sessions", JSON.stringify(kept));
        }
      } catch (_) { /* offline: the server refuses the token once the session ends */ }
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
      let body = null;
      try { body = await response.json(); } catch (_) { /* not JSON */ }
      throw apiError(response.status, body);
    }
    const type = response.headers.get("content-type") || "";
    return type.includes("json") ? response.json() : response;
  }
  // A server error as people read it: the message in the page's language (Dutch first), the
  // fields it is about, and the status for code that needs it. Never a raw "422: …".
  function apiError(status, body) {
    const fallback = { nl: `Er ging iets mis (fout ${status}).`, en: `Something went wrong (error ${status}).` };
    const nl = (body && body.message_nl) || fallback.nl;
    const en = (body && body.message_en) || fallback.en;
    const error = new Error(lang === "nl" ? nl : en);
    Object.assign(error, { status, nl, en, fields: (body && body.fields) || [] });
    return error;
  }
  // Show an error next to the field it is about (aria-invalid + a described message).
  function fieldError(input, text) {
    const id = (input.id || input.name || "field") + "-error";
    let note = document.getElementById(id);
    if (!text) {
      input.removeAttribute("aria-invalid");
      if (note) note.remove();
      return;
    }
    if (!note) {
      note = el("span", { id, class: "field-error", role: "alert" });
      input.insertAdjacentElement("afterend", note);
    }
    note.textContent = text;
    input.setAttribute("aria-invalid", "true");
    input.setAttribute("aria-describedby", id);
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
  let config = null;
  async function settings() {
    if (!config) config = fetch("/config.json").then((r) => r.json()).catch(() => ({}));
    return config;
  }
  async function tiles() { return (await settings()).map_tiles_url || ""; }
  // The background map: the configured tile server with its attribution. Tiles that fail to load
  // (no internet, a test machine) leave the map usable on a plain background.
  async function baseMap(map) {
    const cfg = await settings();
    if (!cfg.map_tiles_url || typeof L === "undefined") return null;
    return L.tileLayer(cfg.map_tiles_url, { maxZoom: 19, attribution: cfg.map_attribution || "" }).addTo(map);
  }
  return { t, setup, fmt, number, percent, api, el, fillClass, fillColour, requireRole, tiles, baseMap, settings,
           apiError, fieldError,
           get lang() { return lang; } };
})();
