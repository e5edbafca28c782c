// The crew's outbox: actions and problem reports wait in IndexedDB until the server has them.
// Each item carries a key made on the phone, so sending it twice stores it once.
"use strict";
const Outbox = (() => {
  const DB = "nettestad-crew", STORE = "outbox";
  let dbPromise = null;
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
  const add = (item) => run("readwrite", (s) => s.put(item));
  const all = () => run("readonly", (s) => s.getAll());
  const remove = (keys) => run("readwrite", (s) => keys.forEach((k) => s.delete(k)));
  let syncing = null;

  async function syncOnce() {
    const items = await all();
    const actions = items.filter((i) => i.type === "action");
    if (actions.length) {
      const response = await fetch("/api/v1/crew/actions", {
        method: "POST", headers: { "Content-Type": "application/json" }, credentials: "same-origin",
        body: JSON.stringify(actions.map((a) => a.payload)),
      });
      if (response.status === 401) throw new Error("401");
      if (response.ok) await remove((await response.json()).map((r) => r.client_key));
      else if (response.status === 422) await remove(actions.map((a) => a.client_key)); // refused for good: keep the queue moving
      else throw new Error(`sync ${response.status}`);
    }
    for (const item of items.filter((i) => i.type === "problem")) {
      const form = new FormData();
      for (const [k, v] of Object.entries(item.payload)) if (v != null && v !== "") form.append(k, v);
      if (item.photo) form.append("photo", item.photo, item.photo_name || "photo.jpg");
      const response = await fetch("/api/v1/crew/problems", { method: "POST", body: form, credentials: "same-origin" });
      if (response.status === 401) throw new Error("401");
      if (response.ok || response.status === 422 || response.status === 413 || response.status === 415) await remove([item.client_key]);
      else throw new Error(`sync ${response.status}`);
    }
  }
  // One sync at a time: two overlapping runs would send the same items twice (harmless, but wasteful).
  function sync() {
    if (!syncing) syncing = syncOnce().finally(() => { syncing = null; });
    return syncing;
  }
  return { add, all, sync };
})();
