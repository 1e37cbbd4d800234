// The browser entry point (ESM): `await init()` once, then use the classes.
// Every failure is an Error whose `name` is CartError, FiscalError,
// DeviceError, SyncError or StoreError and whose `code` is a stable kind.
import wasmInit from "./pos_wasm.js";

export * from "./pos_wasm.js";

let ready = null;

/** Loads the wasm module once (later calls return the same promise). */
export default function init(input) {
  if (ready === null) {
    ready = input === undefined ? wasmInit() : wasmInit({ module_or_path: input });
  }
  return ready;
}
