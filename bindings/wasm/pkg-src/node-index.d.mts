export * from "./index.cjs";
/** Resolves at once: in Node the wasm module is loaded by the import. */
export default function init(input?: unknown): Promise<void>;
