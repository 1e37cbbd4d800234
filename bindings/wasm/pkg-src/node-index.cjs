// The Node entry point (CommonJS): the module is loaded synchronously.
// Every failure is an Error whose `name` is CartError, FiscalError,
// DeviceError, SyncError or StoreError and whose `code` is a stable kind.
"use strict";
module.exports = require("./pos_wasm.js");
