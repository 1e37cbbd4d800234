// Keeps the till's page and wasm package available offline (cache first);
// the sync requests always go to the network.
const CACHE = "web-till-v4";
const SHELL = ["./", "index.html", "style.css", "app.js", "till-worker.js", "pkg/web/index.js", "pkg/web/pos_wasm.js", "pkg/web/pos_wasm_bg.wasm", "pkg/web/idb-store.js", "pkg/web/errors.js", "pkg/web/transport.js"];

self.addEventListener("install", (e) => {
  e.waitUntil(caches.open(CACHE).then((c) => c.addAll(SHELL)).then(() => self.skipWaiting()));
});
self.addEventListener("activate", (e) => e.waitUntil(self.clients.claim()));
self.addEventListener("fetch", (e) => {
  const url = new URL(e.request.url);
  if (url.pathname.startsWith("/sync/") || e.request.method !== "GET") return;
  e.respondWith(
    caches.match(e.request, { ignoreSearch: true }).then((hit) => hit ?? fetch(e.request)),
  );
});
