// The async sync transport over the global `fetch`, for
// `Register.syncAsync`. Shared by the browser (ESM) and Node (CommonJS,
// generated from this file by assemble-pkg.sh) entry points.

/**
 * An `AsyncSyncHttp` sending each request to `baseUrl + path` with `fetch`
 * (`options.fetch` to use another one). A request taking more than
 * `options.timeoutMs` (30 s by default; 0: no limit) is abandoned: the
 * round then fails as unreachable (SyncError `transport`) and the next
 * one sends again. A network failure rejects the same way.
 */
export function fetchTransport(baseUrl, options = {}) {
  const base = String(baseUrl).replace(/\/+$/, "");
  const timeoutMs = options.timeoutMs ?? 30000;
  return async (method, path, headers, body) => {
    const send = options.fetch ?? globalThis.fetch;
    if (typeof send !== "function") throw new Error("no fetch function in this environment");
    const init = { method, headers, body: method === "GET" || method === "HEAD" ? undefined : body };
    if (timeoutMs > 0 && typeof AbortSignal !== "undefined" && typeof AbortSignal.timeout === "function") {
      init.signal = AbortSignal.timeout(timeoutMs);
    }
    const response = await send(base + path, init);
    return { status: response.status, body: new Uint8Array(await response.arrayBuffer()) };
  };
}
