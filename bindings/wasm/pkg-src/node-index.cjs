// The Node entry point (CommonJS): the module is loaded synchronously.
// Every failure is a `PosError` (subclass `CartError`, `FiscalError`,
// `DeviceError`, `SyncError` or `StoreError`) with a stable `code`.
"use strict";
module.exports = require("./pos_wasm.js");
const errors = require("./errors.cjs");
module.exports.PosError = errors.PosError;
module.exports.CartError = errors.CartError;
module.exports.FiscalError = errors.FiscalError;
module.exports.DeviceError = errors.DeviceError;
module.exports.SyncError = errors.SyncError;
module.exports.StoreError = errors.StoreError;
module.exports.setErrorFactory(errors.makeError);
errors.guardFreed(module.exports);
// Plain JS (no wasm argument to check): added after the guard.
module.exports.fetchTransport = require("./transport.cjs").fetchTransport;
