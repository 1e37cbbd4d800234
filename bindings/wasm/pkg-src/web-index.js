// The browser entry point (ESM): `await init()` once, then use the classes.
// Every failure is a `PosError` (subclass `CartError`, `FiscalError`,
// `DeviceError`, `SyncError` or `StoreError`) with a stable `code`.
import wasmInit, * as wasm from "./pos_wasm.js";
import { guardFreed, makeError } from "./errors.js";

export * from "./pos_wasm.js";
export { PosError, CartError, FiscalError, DeviceError, SyncError, StoreError } from "./errors.js";
export { fetchTransport } from "./transport.js";

const checked = guardFreed(wasm);
// The plain functions that take strings, checked (these names win over
// the `export *` above).
export const describeBarcode = checked.describeBarcode;
export const installOpfsStorage = checked.installOpfsStorage;

let ready = null;

/** Loads the wasm module once (later calls return the same promise). */
export default function init(input) {
  if (ready === null) {
    const loading = input === undefined ? wasmInit() : wasmInit({ module_or_path: input });
    ready = loading.then((out) => {
      wasm.setErrorFactory(makeError);
      return out;
    });
  }
  return ready;
}
