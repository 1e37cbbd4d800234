export * from "./pos_wasm.js";
export * from "./errors.js";
export * from "./transport.js";
/** Loads the wasm module once (later calls return the same promise). */
export default function init(input?: RequestInfo | URL | BufferSource | WebAssembly.Module): Promise<unknown>;
