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
/** The till's database, or an object used after `free()` (`freed`). */
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

// A wasm-bindgen object whose memory was released: its pointer is 0.
function isFreed(value, classes) {
  return value !== null && typeof value === "object" && value.__wbg_ptr === 0 &&
    classes.some((C) => value instanceof C);
}

/**
 * Wraps every method and getter of the exported classes so that a freed
 * object (as `this` or as an argument) throws `StoreError` `freed` instead
 * of wasm-bindgen's untyped "null pointer passed to rust".
 */
export function guardFreed(exports) {
  const classes = Object.values(exports).filter(
    (v) => typeof v === "function" && v.prototype && typeof v.prototype.free === "function",
  );
  const checkArgs = (args) => {
    for (const a of args) if (isFreed(a, classes)) throw freed(a.constructor.name);
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
        const f = d.value;
        d.value = function (...args) {
          if (this.__wbg_ptr === 0) throw freed(C.name);
          checkArgs(args);
          return f.apply(this, args);
        };
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
      const f = d.value;
      d.value = function (...args) {
        checkArgs(args);
        return f.apply(this, args);
      };
      Object.defineProperty(C, key, d);
    }
  }
}
