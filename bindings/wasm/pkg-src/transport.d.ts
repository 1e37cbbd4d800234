import type { AsyncSyncHttp } from "./pos_wasm.js";
/** Options of `fetchTransport`. */
export interface FetchTransportOptions {
  /** The `fetch` to use (default: the global one). */
  fetch?: (url: string, init: { method: string; headers: [string, string][]; body?: Uint8Array; signal?: AbortSignal }) => Promise<{ status: number; arrayBuffer(): Promise<ArrayBuffer> }>;
  /** Abandon a request after this many milliseconds (default 30000; 0: no limit). */
  timeoutMs?: number;
}
/**
 * An `AsyncSyncHttp` for `Register.syncAsync` sending each request to
 * `baseUrl + path` with `fetch`; a network failure or a timeout rejects
 * (the round fails with SyncError `transport`).
 */
export declare function fetchTransport(baseUrl: string, options?: FetchTransportOptions): AsyncSyncHttp;
