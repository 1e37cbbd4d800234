// CommonJS (require): the module is ready when required; no init().
export * from "./pos_wasm.js";
export * from "./errors.cjs";
export * from "./transport.cjs";
