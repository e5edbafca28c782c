// Keeps the crew's sheet usable without signal: the app shell and the last route come from the
// cache when the network fails; everything else goes to the network.
"use strict";
const CACHE = "nettestad-crew-v2";
const SHELL = ["/crew", "/static/style.css", "/static/common.js", "/static/outbox.js", "/static/crew.js",
               "/vendor/leaflet/leaflet.js", "/vendor/leaflet/leaflet.css"];

self.addEventListener("install", (event) => {
  event.waitUntil(caches.open(CACHE).then((cache) => cache.addAll(SHELL)).then(() => self.skipWaiting()));
});
self.addEventListener("activate", (event) => {
  event.waitUntil(caches.keys()
    .then((keys) => Promise.all(keys.filter((k) => k !== CACHE).map((k) => caches.delete(k))))
    .then(() => self.clients.claim()));
});
self.addEventListener("fetch", (event) => {
  const request = event.request;
  const url = new URL(request.url);
  if (request.method !== "GET" || url.origin !== location.origin) return;
  const cacheable = SHELL.includes(url.pathname) || url.pathname === "/api/v1/crew/route";
  if (!cacheable) return;
  // Network first, so a changed plan shows at once; the cache answers when there is no signal.
  event.respondWith(fetch(request).then((response) => {
    if (response.ok) { const copy = response.clone(); caches.open(CACHE).then((c) => c.put(request, copy)); }
    return response;
  }).catch(() => caches.match(request, { ignoreSearch: url.pathname !== "/api/v1/crew/route" })
    .then((hit) => hit || new Response("offline", { status: 503 }))));
});
