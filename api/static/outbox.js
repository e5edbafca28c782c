// The crew's outbox: actions and problem reports wait in IndexedDB until the server has them.
// Each item carries a key made on the phone, so sending it twice stores it once, and its author
// (user and vehicle), so a phone shared by two crews never files one crew's work under the other:
// an item is sent only as its author — with the logged-in session, or with the author's own
// session token while that is still valid — and otherwise kept and shown.
"use strict";
const Outbox = (() => {
  const DB = "nettestad-crew", STORE = "outbox", SESSIONS = "nt-crew-sessions", NOTICES = "nt-crew-notices";
  let dbPromise = null;
  let me = null;           // the logged-in user: { id, username, display_name, vehicle_id }
  function open() {
    if (!dbPromise) dbPromise = new Promise((resolve, reject) => {
      const request = indexedDB.open(DB, 1);
      request.onupgradeneeded = () => request.result.createObjectStore(STORE, { keyPath: "client_key" });
      request.onsuccess = () => resolve(request.result);
      request.onerror = () => reject(request.error);
    });
    return dbPromise;
  }
  async function run(mode, fn) {
    const db = await open();
    return new Promise((resolve, reject) => {
      const tx = db.transaction(STORE, mode);
      const result = fn(tx.objectStore(STORE));
      tx.oncomplete = () => resolve(result && "result" in result ? result.result : undefined);
      tx.onerror = () => reject(tx.error);
    });
  }
  const put = (item) => run("readwrite", (s) => s.put(item));
  const all = () => run("readonly", (s) => s.getAll());
  const remove = (keys) => run("readwrite", (s) => keys.forEach((k) => s.delete(k)));

  function author(user) {
    return { id: user.id, username: user.username, display_name: user.display_name, vehicle_id: user.vehicle_id || null };
  }
  const sameAuthor = (a, b) => Boolean(a && b) && a.id === b.id && (a.vehicle_id || null) === (b.vehicle_id || null);
  function setUser(user) { me = user ? author(user) : null; }
  function add(item) {
    if (!me) throw new Error("no user");
    // The author goes with the item and into what the server sees, so the server can refuse it
    // under anyone else's name too.
    const payload = { ...item.payload, author_id: me.id, author_vehicle: me.vehicle_id || "" };
    return put({ ...item, payload, author: me, queued_at: new Date().toISOString() });
  }
  const isMine = (item) => sameAuthor(item.author, me);
  async function mine() { return (await all()).filter(isMine); }
  async function others() { return (await all()).filter((i) => !isMine(i)); }

  // Session tokens of crews who logged in on this phone, so their queued work can still be sent
  // as them after someone else logs in. Dropped at logout and when the server no longer takes them.
  function sessions() { try { return JSON.parse(localStorage.getItem(SESSIONS) || "{}"); } catch (_) { return {}; } }
  function rememberSession(session) {
    const all = sessions();
    all[session.id] = { token: session.token, expires_at: session.expires_at, vehicle_id: session.vehicle_id || null };
    localStorage.setItem(SESSIONS, JSON.stringify(all));
  }
  function forgetSession(userId) {
    const all = sessions();
    delete all[userId];
    localStorage.setItem(SESSIONS, JSON.stringify(all));
  }
  function tokenFor(a) {
    const s = sessions()[a.id];
    if (!s || (s.vehicle_id || null) !== (a.vehicle_id || null)) return null;
    if (s.expires_at && new Date(s.expires_at) <= new Date()) { forgetSession(a.id); return null; }
    return s.token;
  }

  // What the crew must be told about: a report sent without its photo, and why.
  function notices() { try { return JSON.parse(localStorage.getItem(NOTICES) || "[]"); } catch (_) { return []; } }
  function notify(notice) { localStorage.setItem(NOTICES, JSON.stringify([...notices(), notice].slice(-20))); }
  function dismiss(key) { localStorage.setItem(NOTICES, JSON.stringify(notices().filter((n) => n.client_key !== key))); }

  async function message(response) {
    try {
      const body = await response.json();
      return { nl: body.message_nl || String(body.detail || response.status), en: body.message_en || String(body.detail || response.status) };
    } catch (_) { return { nl: `Fout ${response.status}`, en: `Error ${response.status}` }; }
  }

  async function sendGroup(items, headers, own) {
    const actions = items.filter((i) => i.type === "action");
    if (actions.length) {
      const response = await fetch("/api/v1/crew/actions", {
        method: "POST", headers: { "Content-Type": "application/json", ...headers }, credentials: "same-origin",
        body: JSON.stringify(actions.map((a) => a.payload)),
      });
      if (response.status === 401) return own ? Promise.reject(new Error("401")) : "session";
      if (response.ok) await remove((await response.json()).map((r) => r.client_key));
      else if (response.status === 409 || response.status === 422) {
        // Refused for good: kept on the phone with the reason, never silently dropped.
        const why = await message(response);
        for (const a of actions) await put({ ...a, refused: why });
      } else throw new Error(`sync ${response.status}`);
    }
    for (const item of items.filter((i) => i.type === "problem")) {
      let response = await postProblem(item, headers);
      if (response.status === 401) return own ? Promise.reject(new Error("401")) : "session";
      if ((response.status === 413 || response.status === 415) && item.photo) {
        // The photo was refused: the report itself goes now, without it, and the crew is told why.
        const why = await message(response);
        const without = { ...item, photo: null, photo_name: null, photo_refused: why };
        await put(without);
        response = await postProblem(without, headers);
        if (response.ok) notify({ client_key: item.client_key, kind: "photo_refused", why, payload: item.payload });
      }
      if (response.ok) await remove([item.client_key]);
      else if (response.status === 409 || response.status === 422) await put({ ...item, refused: await message(response) });
      else if (response.status !== 401) throw new Error(`sync ${response.status}`);
    }
    return "sent";
  }
  function postProblem(item, headers) {
    const form = new FormData();
    for (const [k, v] of Object.entries(item.payload)) if (v != null && v !== "") form.append(k, v);
    if (item.photo) form.append("photo", item.photo, item.photo_name || "photo.jpg");
    return fetch("/api/v1/crew/problems", { method: "POST", body: form, headers, credentials: "same-origin" });
  }

  let syncing = null;
  async function syncOnce() {
    if (!me) return;
    // Items without an author (queued by an older version of the app) wait until someone on the
    // phone claims them (claim()); they are never sent on a guess.
    const items = (await all()).filter((i) => !i.refused && i.author);
    const groups = new Map();
    for (const item of items) {
      const a = item.author;
      const key = `${a.id}|${a.vehicle_id || ""}`;
      if (!groups.has(key)) groups.set(key, { author: a, items: [] });
      groups.get(key).items.push(item);
    }
    for (const { author: a, items: group } of groups.values()) {
      if (sameAuthor(a, me)) { await sendGroup(group, {}, true); continue; }
      const token = tokenFor(a);
      if (!token) continue;  // kept and shown until its author is back
      if ((await sendGroup(group, { Authorization: `Bearer ${token}` }, false)) === "session") forgetSession(a.id);
    }
  }
  // One sync at a time: two overlapping runs would send the same items twice (harmless, but wasteful).
  function sync() {
    if (!syncing) syncing = syncOnce().finally(() => { syncing = null; });
    return syncing;
  }
  // The logged-in crew member says the unsigned items are theirs: they go out under their name.
  async function claim(keys) {
    for (const item of (await all()).filter((i) => !i.author && keys.includes(i.client_key))) {
      await put({ ...item, author: me, payload: { ...item.payload, author_id: me.id, author_vehicle: me.vehicle_id || "" } });
    }
  }
  return { add, all, mine, others, sync, claim, setUser, rememberSession, forgetSession, notices, dismiss, remove,
           get user() { return me; } };
})();
