// Serves the web till and its wasm package on 127.0.0.1, and forwards
// /sync/* to a `pos sync-server` (SYNC_UPSTREAM, e.g. http://127.0.0.1:8080)
// so the page talks to one origin. Usage:
//   node server.mjs <port> <package dir> [sync upstream]
import http from "node:http";
import fs from "node:fs/promises";
import path from "node:path";
import { fileURLToPath } from "node:url";

const HERE = path.dirname(fileURLToPath(import.meta.url));
const TYPES = { ".html": "text/html; charset=utf-8", ".js": "text/javascript", ".mjs": "text/javascript", ".css": "text/css", ".wasm": "application/wasm", ".json": "application/json", ".svg": "image/svg+xml" };

export function startServer({ port = 0, pkgDir, syncUpstream = null }) {
  const server = http.createServer(async (req, res) => {
    const url = new URL(req.url, "http://x");
    try {
      if (url.pathname.startsWith("/sync/")) {
        if (!syncUpstream) {
          res.writeHead(503).end();
          return;
        }
        const chunks = [];
        for await (const c of req) chunks.push(c);
        const headers = { ...req.headers };
        delete headers.host;
        const upstream = await fetch(syncUpstream + url.pathname.slice(5) + url.search, {
          method: req.method,
          headers,
          body: req.method === "GET" ? undefined : Buffer.concat(chunks),
        });
        res.writeHead(upstream.status, { "content-type": upstream.headers.get("content-type") ?? "application/json" });
        res.end(Buffer.from(await upstream.arrayBuffer()));
        return;
      }
      let rel = decodeURIComponent(url.pathname);
      if (rel === "/") rel = "/index.html";
      const base = rel.startsWith("/pkg/") ? pkgDir : HERE;
      const file = path.normalize(path.join(base, rel.startsWith("/pkg/") ? rel.slice(4) : rel));
      if (!file.startsWith(base)) {
        res.writeHead(403).end();
        return;
      }
      const body = await fs.readFile(file);
      res.writeHead(200, { "content-type": TYPES[path.extname(file)] ?? "application/octet-stream", "cache-control": "no-store" });
      res.end(body);
    } catch (e) {
      res.writeHead(e.code === "ENOENT" ? 404 : 502).end();
    }
  });
  return new Promise((resolve) => server.listen(port, "127.0.0.1", () => resolve(server)));
}

if (process.argv[1] === fileURLToPath(import.meta.url)) {
  const [port = "8000", pkgDir = path.join(HERE, "../../build/wasm/pkg"), upstream] = process.argv.slice(2);
  const server = await startServer({ port: Number(port), pkgDir: path.resolve(pkgDir), syncUpstream: upstream ?? null });
  console.log(`web till: http://127.0.0.1:${server.address().port}/`);
}
