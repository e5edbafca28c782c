// Forms and editable tables of the registry and admin pages: labelled fields, errors shown at the
// field they concern (from the API's Dutch "problems"), one generic editor per kind of record.
"use strict";
const RF = (() => {
  const DAYS = [0, 1, 2, 3, 4, 5, 6];

  // fetch that returns the answer instead of throwing, so a 422 can be shown at its fields
  async function call(method, path, body) {
    const options = { method, credentials: "same-origin", headers: {} };
    if (body instanceof FormData) options.body = body;
    else if (body !== undefined) {
      options.body = JSON.stringify(body);
      options.headers["Content-Type"] = "application/json";
    }
    const response = await fetch(path, options);
    if (response.status === 401) {
      location.href = "/login?next=" + encodeURIComponent(location.pathname);
      throw new Error("401");
    }
    let data = null;
    const type = response.headers.get("content-type") || "";
    if (type.includes("json")) data = await response.json();
    return { ok: response.ok, status: response.status, data };
  }

  // the server's message for a refused request (a string, or {message, problems})
  function message(answer) {
    const detail = answer.data && answer.data.detail;
    if (typeof detail === "string") return detail;
    if (detail && detail.message) return detail.message;
    if (Array.isArray(detail)) return NT.t("invalid");
    return `${NT.t("error")} (${answer.status})`;
  }

  function problems(answer) {
    const detail = answer.data && answer.data.detail;
    return detail && Array.isArray(detail.problems) ? detail.problems : [];
  }

  function say(text, kind = "ok") {
    const box = document.getElementById("message");
    box.textContent = text;
    box.className = kind;
  }

  // fields: [{name, type: text|number|time|select|checkbox|days, options, step, optional}]
  function build(form, prefix, fields, buttons) {
    form.replaceChildren();
    for (const f of fields) {
      const id = `${prefix}-${f.name}`;
      const error = NT.el("p", { class: "field-error", id: `${id}-err`, hidden: true });
      let control;
      if (f.type === "days") {
        control = NT.el("fieldset", { id, class: "days" },
          NT.el("legend", { "data-i18n": `f_${f.name}`, text: NT.t(`f_${f.name}`) }),
          DAYS.map((d) => NT.el("label", { class: "check" },
            NT.el("input", { type: "checkbox", name: f.name, value: String(d) }),
            NT.el("span", { "data-i18n": `day_${d}`, text: NT.t(`day_${d}`) }))));
        form.append(NT.el("div", { class: "field" }, control, error));
        continue;
      }
      if (f.type === "select") {
        control = NT.el("select", { id, name: f.name },
          f.options.map((o) => NT.el("option", { value: o, "data-i18n": `o_${o}`, text: NT.t(`o_${o}`) })));
      } else if (f.type === "checkbox") {
        control = NT.el("input", { id, name: f.name, type: "checkbox", checked: true });
      } else {
        control = NT.el("input", { id, name: f.name, type: f.type || "text", step: f.step,
                                  autocomplete: "off", inputmode: f.type === "number" ? "decimal" : null });
      }
      const label = NT.el("label", { for: id, class: f.type === "checkbox" ? "check" : null },
        NT.el("span", { "data-i18n": `f_${f.name}`, text: NT.t(`f_${f.name}`) }));
      if (f.type === "checkbox") label.prepend(control);
      form.append(NT.el("div", { class: "field" }, label, f.type === "checkbox" ? null : control, error));
    }
    form.append(NT.el("div", { class: "row-actions" }, buttons));
  }

  function values(form, fields) {
    const out = {};
    for (const f of fields) {
      if (f.type === "days") {
        out[f.name] = [...form.querySelectorAll(`input[name=${f.name}]:checked`)].map((i) => Number(i.value));
      } else if (f.type === "checkbox") {
        out[f.name] = form.elements[f.name].checked;
      } else {
        out[f.name] = form.elements[f.name].value.trim();
      }
    }
    return out;
  }

  function fill(form, fields, row) {
    for (const f of fields) {
      const v = row ? row[f.name] : null;
      if (f.type === "days") {
        form.querySelectorAll(`input[name=${f.name}]`).forEach((i) => {
          i.checked = v ? v.includes(Number(i.value)) : false;
        });
      } else if (f.type === "checkbox") {
        form.elements[f.name].checked = v == null ? true : Boolean(v);
      } else if (f.type === "select") {
        form.elements[f.name].value = v ?? f.options[0];
      } else if (f.type === "time" && v) {
        form.elements[f.name].value = String(v).slice(0, 5);
      } else {
        form.elements[f.name].value = v ?? "";
      }
    }
    showProblems(form, []);
  }

  function showProblems(form, list) {
    form.querySelectorAll(".field-error").forEach((p) => { p.hidden = true; p.textContent = ""; });
    form.querySelectorAll("[aria-invalid]").forEach((c) => {
      c.removeAttribute("aria-invalid");
      c.removeAttribute("aria-describedby");
    });
    let first = null;
    for (const p of list) {
      const control = form.querySelector(`[name="${p.field}"]`);
      const holder = control && control.closest(".field");
      const error = holder && holder.querySelector(".field-error");
      if (!error) continue;
      error.textContent = p.message;
      error.hidden = false;
      const target = control.closest("fieldset") || control;
      target.setAttribute("aria-invalid", "true");
      target.setAttribute("aria-describedby", error.id);
      first = first || control;
    }
    if (first) first.focus();
  }

  // A table of records with an edit button per row and a form to add or change one.
  function editor(host, spec) {
    const prefix = `ed-${spec.key}`;
    const table = NT.el("table", { id: `${prefix}-table` },
      NT.el("caption", { "data-i18n": spec.key, text: NT.t(spec.key) }),
      NT.el("thead", {}, NT.el("tr", {},
        spec.columns.map((c) => NT.el("th", { "data-i18n": `f_${c}`, text: NT.t(`f_${c}`) })),
        NT.el("th", { "data-i18n": "actions", text: NT.t("actions") }))),
      NT.el("tbody"));
    const title = NT.el("h4", { id: `${prefix}-form-title` });
    const form = NT.el("form", { id: `${prefix}-form`, class: "fields", novalidate: true,
                                 "aria-labelledby": `${prefix}-form-title` });
    let editing = null;
    let rows = [];
    const idField = spec.fields.find((f) => f.name === "id");
    function setTitle() {
      title.textContent = editing ? `${NT.t("edit")}: ${editing}` : `${NT.t("add")}: ${NT.t(spec.key)}`;
    }
    function startNew() {
      editing = null;
      fill(form, spec.fields, spec.defaults || null);
      if (idField) form.elements.id.readOnly = false;
      setTitle();
    }
    async function load() {
      const answer = await call("GET", spec.path);
      rows = answer.ok ? answer.data : [];
      render();
    }
    function render() {
      table.tBodies[0].replaceChildren(...rows.map((r) => NT.el("tr", {},
        spec.columns.map((c) => NT.el("td", { text: spec.show ? spec.show(c, r[c], r) : cell(r[c]) })),
        NT.el("td", { class: "row-actions" },
          spec.editable === false ? null : NT.el("button", { type: "button", class: "small",
            "aria-label": `${NT.t("edit")} ${r.id}`, text: NT.t("edit"),
            onclick: () => { editing = r.id; fill(form, spec.fields, r); if (idField) form.elements.id.readOnly = true; setTitle(); form.elements[spec.fields[idField ? 1 : 0].name].focus(); } }),
          spec.retire && !r.revoked_at ? NT.el("button", { type: "button", class: "small danger",
            "aria-label": `${NT.t("retire")} ${r.id}`, text: NT.t("retire"),
            onclick: async () => {
              const answer = await call("DELETE", `${spec.path}/${encodeURIComponent(r.id)}`);
              say(answer.ok ? NT.t("saved") : message(answer), answer.ok ? "ok" : "bad");
              await load();
            } }) : null))));
    }
    build(form, prefix, spec.fields, [
      NT.el("button", { type: "submit", class: "big primary", "data-i18n": "save", text: NT.t("save") }),
      NT.el("button", { type: "button", class: "big", "data-i18n": "new", text: NT.t("new"), onclick: startNew }),
    ]);
    form.addEventListener("submit", async (event) => {
      event.preventDefault();
      const body = values(form, spec.fields);
      const answer = editing
        ? await call("PUT", `${spec.path}/${encodeURIComponent(editing)}`, spec.editBody ? spec.editBody(body) : body)
        : await call("POST", spec.path, body);
      if (!answer.ok) {
        showProblems(form, problems(answer));
        say(message(answer), "bad");
        return;
      }
      showProblems(form, []);
      say(`${NT.t("saved")}: ${body.id || editing || ""}`);
      await load();
      if (!editing) startNew();
    });
    host.append(NT.el("h3", { "data-i18n": spec.key, text: NT.t(spec.key) }),
                NT.el("div", { class: "scroll" }, table), title, form);
    startNew();
    return { load, render: () => { render(); setTitle(); } };
  }

  function cell(v) {
    if (v === true) return NT.t("yes");
    if (v === false) return NT.t("no");
    if (Array.isArray(v)) return v.map((d) => NT.t(`day_${d}`)).join(" ");
    if (typeof v === "string" && /^\d\d:\d\d:\d\d$/.test(v)) return v.slice(0, 5);
    if (typeof v === "string" && /^\d{4}-\d\d-\d\dT/.test(v)) return NT.fmt("datetime", v);
    return v == null ? "–" : String(v);
  }

  return { call, message, problems, say, build, values, fill, showProblems, editor, cell };
})();
