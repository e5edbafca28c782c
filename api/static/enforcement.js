// Enforcement: the review queue with blurred evidence, decisions, cases, unblur requests.
"use strict";
const TEXT = {
  nl: { title: "Handhaving", queue: "Detecties", detected: "Gedetecteerd", hotspot: "Hotspot", score: "Score",
        context: "Context", case: "Dossier", take: "In behandeling nemen", confirm: "Bevestigen", dismiss: "Afwijzen",
        reason: "Reden", unblur: "Onvervaagde beelden opvragen", bundle: "Exportbundel", trail: "Audittrail",
        cameras: "Camera's: vals-positieven", camera: "Camera", confirmed_n: "Bevestigd", dismissed_n: "Afgewezen",
        pending: "Open", fp_rate: "Vals-positief", person: "persoon", vehicle: "voertuig",
        states: { new: "Nieuw", in_review: "In behandeling", confirmed: "Bevestigd", dismissed: "Afgewezen" },
        need_reason: "Geef een reden op.", unblur_sent: (id) => `Aanvraag ${id} geregistreerd; een tweede agent moet ze goedkeuren.`,
        case_opened: (n) => `Dossier ${n} geopend; de opruiming staat op de route van vandaag.`,
        purged: "Beelden verwijderd na de bewaartermijn.", no_files: "Nog geen beelden ontvangen.",
        frames: { frame_before: "Vóór", frame_during: "Tijdens", frame_after: "Na" },
        frame_alt: (label, place) => `${label}: vervaagd beeld van ${place}`,
        need_frames_or_reason: "Zonder beelden bevestig je alleen met een geschreven reden (minstens 10 tekens).",
        open_detection: (place, when) => `Open detectie ${place}, ${when}`,
        keys: "Pijltjes omhoog en omlaag gaan door de lijst; Enter opent een detectie." },
  en: { title: "Enforcement", queue: "Detections", detected: "Detected", hotspot: "Hotspot", score: "Score",
        context: "Context", case: "Case", take: "Take into review", confirm: "Confirm", dismiss: "Dismiss",
        reason: "Reason", unblur: "Request unblurred frames", bundle: "Export bundle", trail: "Audit trail",
        cameras: "Cameras: false positives", camera: "Camera", confirmed_n: "Confirmed", dismissed_n: "Dismissed",
        pending: "Open", fp_rate: "False positive", person: "person", vehicle: "vehicle",
        states: { new: "New", in_review: "In review", confirmed: "Confirmed", dismissed: "Dismissed" },
        need_reason: "Give a reason.", unblur_sent: (id) => `Request ${id} recorded; a second officer must approve it.`,
        case_opened: (n) => `Case ${n} opened; the cleanup is on today's route.`,
        purged: "Frames deleted after the retention period.", no_files: "No frames received yet.",
        frames: { frame_before: "Before", frame_during: "During", frame_after: "After" },
        frame_alt: (label, place) => `${label}: blurred frame of ${place}`,
        need_frames_or_reason: "Without frames a confirmation needs a written reason (at least 10 characters).",
        open_detection: (place, when) => `Open detection ${place}, ${when}`,
        keys: "Arrow up and down move through the list; Enter opens a detection." },
};
const state = { filter: "new", queue: null, detail: null, cameras: [] };
const objectUrls = [];

function renderTabs() {
  const counts = state.queue ? state.queue.counts : {};
  document.querySelectorAll("#states button").forEach((b) => {
    b.textContent = `${NT.t("states")[b.dataset.state]} (${counts[b.dataset.state] || 0})`;
  });
}

function renderQueue() {
  renderTabs();
  if (!state.queue) return;
  // Every row opens with its button (Tab, Enter); arrow keys move between the rows' buttons.
  document.querySelector("#queue tbody").replaceChildren(...state.queue.events.map((e) => NT.el("tr", {
      class: "clickable queue-row", "data-event": e.event_id, "aria-selected": String(Boolean(state.detail && state.detail.event_id === e.event_id)),
      onclick: (ev) => { if (!ev.target.closest("button")) openDetail(e.event_id); } },
    NT.el("td", {}, NT.el("button", { type: "button", class: "row-open", "data-event": e.event_id,
      "aria-label": NT.t("open_detection", e.hotspot_name || e.hotspot_id, NT.fmt("datetime", e.detected_at)),
      text: NT.fmt("datetime", e.detected_at), onclick: () => openDetail(e.event_id, true), onkeydown: queueKeys })),
    NT.el("td", { text: e.hotspot_name || e.hotspot_id }),
    NT.el("td", { text: NT.percent(e.score) }),
    NT.el("td", { text: [e.person_present ? NT.t("person") : null, e.vehicle_present ? NT.t("vehicle") : null].filter(Boolean).join(", ") || "–" }),
    NT.el("td", { text: e.case_number || "–" }))));
}

function queueKeys(event) {
  if (event.key !== "ArrowDown" && event.key !== "ArrowUp") return;
  const buttons = [...document.querySelectorAll("#queue button.row-open")];
  const at = buttons.indexOf(event.target);
  const next = buttons[at + (event.key === "ArrowDown" ? 1 : -1)];
  if (next) { event.preventDefault(); next.focus(); }
}

function renderCameras() {
  document.querySelector("#cameras tbody").replaceChildren(...state.cameras.map((c) => NT.el("tr", {},
    NT.el("td", { text: c.device_id }), NT.el("td", { text: c.hotspot_name || c.hotspot_id }),
    NT.el("td", { text: c.confirmed }), NT.el("td", { text: c.dismissed }), NT.el("td", { text: c.pending }),
    NT.el("td", { text: NT.percent(c.false_positive_rate) }))));
}

async function renderEvidence(d) {
  const box = document.getElementById("evidence");
  objectUrls.splice(0).forEach((u) => URL.revokeObjectURL(u));
  if (d.evidence_purged_at) { box.replaceChildren(NT.el("p", { text: NT.t("purged") })); return; }
  // In time order: before, during, after (whatever order the camera listed them in).
  const order = { frame_before: 0, frame_during: 1, frame_after: 2 };
  const images = d.files.filter((f) => f.kind.startsWith("frame"))
    .sort((a, b) => (order[a.kind] ?? 9) - (order[b.kind] ?? 9) || a.name.localeCompare(b.name));
  if (!images.length) { box.replaceChildren(NT.el("p", { text: NT.t("no_files") })); return; }
  const nodes = [];
  const place = d.hotspot_name || d.hotspot_id;
  for (const f of images) {
    try {
      const blob = await (await NT.api(f.url)).blob();
      const url = URL.createObjectURL(blob);
      objectUrls.push(url);
      const label = NT.t("frames")[f.kind] || f.kind;
      nodes.push(NT.el("figure", { "data-kind": f.kind }, NT.el("img", { src: url, alt: NT.t("frame_alt", label, place) }),
        NT.el("figcaption", { text: `${label} · sha256 ${f.sha256.slice(0, 12)}…` })));
    } catch (_) { nodes.push(NT.el("p", { text: `${f.name}: –` })); }
  }
  box.replaceChildren(...nodes);
}

function renderDetail() {
  const d = state.detail;
  const section = document.getElementById("detail");
  section.hidden = !d;
  if (!d) return;
  document.getElementById("detail-title").textContent = `${d.hotspot_name || d.hotspot_id} · ${NT.fmt("datetime", d.detected_at)}`;
  document.getElementById("detail-meta").textContent = [NT.t("states")[d.review_state], d.device_id,
    `${NT.t("score")} ${NT.percent(d.score)}`, d.case_number, d.last_reason].filter(Boolean).join(" · ");
  const decided = d.review_state === "confirmed" || d.review_state === "dismissed";
  document.getElementById("decide").hidden = decided;
  const bundle = document.getElementById("bundle");
  bundle.hidden = !d.case_number;
  if (d.case_number) bundle.href = `/api/v1/enforcement/cases/${d.case_number}/bundle`;
  document.querySelector("#trail tbody").replaceChildren(...d.audit_trail.map((a) => NT.el("tr", {},
    NT.el("td", { text: NT.fmt("datetime", a.ts) }), NT.el("td", { text: a.username }), NT.el("td", { text: a.action }),
    NT.el("td", { text: a.detail.reason || a.detail.file || a.detail.case_number || "" }))));
}

async function openDetail(eventId, moveFocus) {
  state.detail = await NT.api(`/api/v1/enforcement/events/${eventId}`);
  document.getElementById("detail-message").textContent = "";
  document.getElementById("reason").value = "";
  NT.fieldError(document.getElementById("reason"), "");
  renderDetail();
  renderQueue();
  if (moveFocus) document.getElementById("detail-title").focus();
  await renderEvidence(state.detail);
}

async function decide(target) {
  const d = state.detail;
  const reason = document.getElementById("reason").value.trim();
  const message = document.getElementById("detail-message");
  const reasonBox = document.getElementById("reason");
  NT.fieldError(reasonBox, "");
  if (target === "dismissed" && reason.length < 3) { NT.fieldError(reasonBox, NT.t("need_reason")); reasonBox.focus(); return; }
  const frames = !d.evidence_purged_at && d.files.some((f) => f.kind.startsWith("frame_"));
  if (target === "confirmed" && !frames && reason.length < 10) {
    NT.fieldError(reasonBox, NT.t("need_frames_or_reason")); reasonBox.focus(); return;
  }
  try {
    const result = await NT.api(`/api/v1/enforcement/events/${d.event_id}/review`, { method: "POST",
      headers: { "Content-Type": "application/json" }, body: JSON.stringify({ state: target, reason }) });
    await Promise.all([loadQueue(), loadCameras()]);
    await openDetail(d.event_id);
    if (result.case_number) message.textContent = NT.t("case_opened", result.case_number);
  } catch (err) {
    message.textContent = err.message;
    if (err.fields && err.fields.includes("reason")) NT.fieldError(reasonBox, err.message);
  }
}

async function loadQueue() {
  state.queue = await NT.api(`/api/v1/enforcement/queue?state=${state.filter}`);
  renderQueue();
}
async function loadCameras() { state.cameras = await NT.api("/api/v1/enforcement/cameras"); renderCameras(); }

// --- unblur approval: requests of other officers, approved by this one ----------------------------
Object.assign(TEXT.nl, { approvals: "Aanvragen voor onvervaagde beelden",
  approvals_help: "Een tweede agent keurt een aanvraag goed; pas dan stuurt de camera de beelden. Een aanvraag en een goedkeuring verlopen.",
  requested: "Aangevraagd", requester: "Door", expires: "Verloopt", approval: "Goedkeuring", approve: "Goedkeuren", own_request: "eigen aanvraag",
  no_requests: "Geen aanvragen die op goedkeuring wachten.",
  approved: (id, sent) => `Aanvraag ${id} goedgekeurd${sent ? " en naar de camera verstuurd" : "; de camera is niet bereikbaar, ze krijgt de aanvraag zodra ze terug verbonden is"}.` });
Object.assign(TEXT.en, { approvals: "Requests for unblurred frames",
  approvals_help: "A second officer approves a request; only then does the camera send the frames. Requests and approvals expire.",
  requested: "Requested", requester: "By", expires: "Expires", approval: "Approval", approve: "Approve", own_request: "own request",
  no_requests: "No requests waiting for approval.",
  approved: (id, sent) => `Request ${id} approved${sent ? " and sent to the camera" : "; the camera is unreachable and gets it when it reconnects"}.` });
const approvals = { me: null, pending: [] };

function renderApprovals() {
  const body = document.querySelector("#unblur-approvals tbody");
  if (!approvals.pending.length) {
    body.replaceChildren(NT.el("tr", {}, NT.el("td", { colspan: "5", text: NT.t("no_requests") })));
    return;
  }
  body.replaceChildren(...approvals.pending.map((r) => {
    const own = approvals.me && r.username === approvals.me.username;
    const action = own ? NT.el("span", { text: NT.t("own_request") })
      : NT.el("button", { type: "button", class: "approve", "data-request": String(r.id),
                         text: NT.t("approve"), onclick: () => approveUnblur(r.id) });
    return NT.el("tr", { "data-request": String(r.id) },
      NT.el("td", { text: NT.fmt("datetime", r.requested_at) }), NT.el("td", { text: r.username }),
      NT.el("td", { text: r.reason }), NT.el("td", { text: NT.fmt("datetime", r.expires_at) }), NT.el("td", {}, action));
  }));
}

async function loadApprovals() {
  approvals.pending = await NT.api("/api/v1/enforcement/unblur-requests");
  renderApprovals();
}

async function approveUnblur(id) {
  const message = document.getElementById("approval-message");
  try {
    const r = await NT.api(`/api/v1/enforcement/unblur-requests/${id}/approve`, { method: "POST" });
    message.textContent = NT.t("approved", id, r.sent);
  } catch (err) { message.textContent = err.message; }
  await loadApprovals();
}

(async () => {
  NT.setup(TEXT, () => { renderQueue(); renderCameras(); renderDetail(); renderApprovals(); });
  approvals.me = await NT.requireRole("enforcement");
  document.querySelectorAll("#states button").forEach((b) => b.addEventListener("click", () => {
    document.querySelectorAll("#states button").forEach((x) => x.setAttribute("aria-pressed", String(x === b)));
    state.filter = b.dataset.state; loadQueue();
  }));
  document.getElementById("take").addEventListener("click", () => decide("in_review"));
  document.getElementById("confirm").addEventListener("click", () => decide("confirmed"));
  document.getElementById("dismiss").addEventListener("click", () => decide("dismissed"));
  document.getElementById("unblur").addEventListener("click", async () => {
    const reason = document.getElementById("reason").value.trim();
    const message = document.getElementById("detail-message");
    if (reason.length < 5) { message.textContent = NT.t("need_reason"); return; }
    try {
      const r = await NT.api(`/api/v1/enforcement/events/${state.detail.event_id}/unblur`, { method: "POST",
        headers: { "Content-Type": "application/json" }, body: JSON.stringify({ reason }) });
      await openDetail(state.detail.event_id);
      message.textContent = NT.t("unblur_sent", r.request_id);
      await loadApprovals();
    } catch (err) { message.textContent = err.message; }
  });
  await Promise.all([loadQueue(), loadCameras(), loadApprovals()]);
  document.body.dataset.ready = "true";
  setInterval(loadQueue, 30000);
})();
