// Node's ESM entry point: the CommonJS module (loaded synchronously) with a
// default `init()` that resolves at once, so code written for the browser
// (`import init, { Register } from "@pos-sdk/wasm"; await init();`) runs
// unchanged in Node.
export * from "./index.cjs";

/** Resolves at once: in Node the wasm module is loaded by the import. */
export default function init() {
  return Promise.resolve();
}
