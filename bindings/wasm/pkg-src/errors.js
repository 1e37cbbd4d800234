// The error classes every call throws, and the guard that turns a use of a
// freed object into one of them. Shared by the browser (ESM) and Node
// (CommonJS, generated from this file by run-tests.sh) entry points.

/** Every failure of the till: `code` is stable (pos_sdk::codes, pos-core's kinds). */
export class PosError extends Error {
  constructor(message, code, name) {
    super(message);
    this.name = name || "PosError";
    this.code = code;
  }
}
/** Bad input, a cart rule, a tender rule: fix the input and retry. */
export class CartError extends PosError {}
/** The fiscal journal refused or failed (`day_closed`, `clock_implausible`...). */
export class FiscalError extends PosError {}
/** A peripheral, a printer profile or a barcode. */
export class DeviceError extends PosError {}
/** Syncing with the server. */
export class SyncError extends PosError {}
/** The till's database: its storage full (`storage_full`, no sale recorded), or an object used after `free()` (`freed`). */
export class StoreError extends PosError {}

const FAMILIES = { CartError, FiscalError, DeviceError, SyncError, StoreError };

/** Makes the error the wasm module throws: `(message, code, name)`. */
export function makeError(message, code, name) {
  const Family = FAMILIES[name] || PosError;
  return new Family(message, code, name);
}

function freed(what) {
  return new StoreError(
    `this ${what} was freed (free() or a using block ended): it cannot be used again`,
    "freed",
    "StoreError",
  );
}

function wrongType(name, expected, value) {
  const got = value === null ? "null" : typeof value === "object" ? (value.constructor?.name ?? "object") : typeof value;
  return new CartError(`invalid ${name}: expected ${expected}, got ${got}`, "invalid_input", "CartError");
}

// A wasm-bindgen object whose memory was released: its pointer is 0.
function isFreed(value, classes) {
  return value !== null && typeof value === "object" && value.__wbg_ptr === 0 &&
    classes.some((C) => value instanceof C);
}

const escape = (name) => name.replace(/[$]/g, "\\$&");

// What wasm-bindgen's glue does with each parameter of `f`, read from its
// source: a string it copies into wasm memory (a number there would read
// out of bounds), an instance of a class, a bigint. One check per
// parameter, so a wrong type is a typed error before any wasm code runs.
function argumentChecks(f, classes) {
  const src = Function.prototype.toString.call(f);
  const head = src.match(/^[^(]*\(([^)]*)\)/);
  if (!head) return [];
  const names = head[1].split(",").map((n) => n.trim()).filter(Boolean);
  const checks = [];
  names.forEach((name, i) => {
    const n = escape(name);
    const optional = new RegExp(`isLikeNone\\(${n}\\)`).test(src);
    const absent = (v) => optional && (v === undefined || v === null);
    if (new RegExp(`passStringToWasm0\\(${n},`).test(src)) {
      checks.push((args) => {
        const v = args[i];
        if (typeof v !== "string" && !absent(v)) throw wrongType(name, "a string", v);
      });
    }
    const cls = src.match(new RegExp(`_assertClass\\(${n}, (\\w+)\\)`));
    const C = cls && classes.find((k) => k.name === cls[1]);
    if (C) {
      checks.push((args) => {
        const v = args[i];
        if (!(v instanceof C)) throw wrongType(name, `a ${C.name}`, v);
        if (v.__wbg_ptr === 0) throw freed(C.name);
      });
    }
    if (new RegExp(`BigInt\\.as(Int|Uint)N\\(64, (\\(isLikeNone\\()?${n}`).test(src)) {
      checks.push((args) => {
        const v = args[i];
        if (typeof v === "number" && Number.isSafeInteger(v)) args[i] = BigInt(v);
        else if (typeof v !== "bigint" && !absent(v)) throw wrongType(name, "a whole number", v);
      });
    }
  });
  return checks;
}

/**
 * Wraps every method and getter of the exported classes: a freed object
 * (as `this` or as an argument) throws `StoreError` `freed` instead of
 * wasm-bindgen's untyped "null pointer passed to rust", and an argument of
 * the wrong type (a number where a string is due...) throws `CartError`
 * `invalid_input` naming it instead of trapping in wasm. Returns the
 * exported plain functions, checked the same way.
 */
export function guardFreed(exports) {
  const classes = Object.values(exports).filter(
    (v) => typeof v === "function" && v.prototype && typeof v.prototype.free === "function",
  );
  const checkArgs = (args) => {
    for (const a of args) if (isFreed(a, classes)) throw freed(a.constructor.name);
  };
  const wrap = (f, self) => {
    const checks = argumentChecks(f, classes);
    return function (...args) {
      if (self && this.__wbg_ptr === 0) throw freed(self.name);
      checkArgs(args);
      for (const check of checks) check(args);
      return f.apply(this, args);
    };
  };
  for (const C of classes) {
    const proto = C.prototype;
    const free = proto.free;
    // Freeing twice is harmless.
    proto.free = function () {
      if (this.__wbg_ptr !== 0) free.call(this);
    };
    if (typeof Symbol.dispose === "symbol" && Symbol.dispose in proto) proto[Symbol.dispose] = proto.free;
    for (const key of Object.getOwnPropertyNames(proto)) {
      if (key === "constructor" || key === "free" || key === "__destroy_into_raw") continue;
      const d = Object.getOwnPropertyDescriptor(proto, key);
      if (typeof d.value === "function") {
        d.value = wrap(d.value, C);
      } else if (typeof d.get === "function") {
        const g = d.get;
        d.get = function () {
          if (this.__wbg_ptr === 0) throw freed(C.name);
          return g.call(this);
        };
      } else continue;
      Object.defineProperty(proto, key, d);
    }
    for (const key of Object.getOwnPropertyNames(C)) {
      const d = Object.getOwnPropertyDescriptor(C, key);
      if (typeof d.value !== "function" || key.startsWith("__")) continue;
      d.value = wrap(d.value, null);
      Object.defineProperty(C, key, d);
    }
  }
  // The plain functions, checked the same way: returned, and put back in
  // `exports` where it can be written (CommonJS; an ES module namespace
  // cannot, so the ESM entry point re-exports them by name).
  const functions = {};
  for (const [key, f] of Object.entries(exports)) {
    if (typeof f !== "function" || /^class\b/.test(Function.prototype.toString.call(f))) continue;
    functions[key] = wrap(f, null);
    try {
      exports[key] = functions[key];
    } catch {
      // A module namespace object.
    }
  }
  return functions;
}
