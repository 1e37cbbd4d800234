// The package's TypeScript declarations, checked by tsc as an app would use
// them (wasm-bindgen declares `[Symbol.dispose]`: an app needs the
// `esnext.disposable` lib, or skipLibCheck): CommonJS (require, no init), Node ESM and the browser build (a
// default init), the string unions refusing a wrong value, PosError and
// its subclasses, the listener, logger and async sync callbacks. Each app file imports "@pos-sdk/wasm" by name from a
// scratch project whose node_modules links to the built package.
import test from "node:test";
import assert from "node:assert/strict";
import { execFileSync } from "node:child_process";
import fs from "node:fs/promises";
import os from "node:os";
import path from "node:path";
import { fileURLToPath } from "node:url";

const HERE = path.dirname(fileURLToPath(import.meta.url));
const ROOT = path.resolve(HERE, "../../..");
const PKG = path.resolve(process.env.WASM_PKG_DIR ?? path.join(ROOT, "build/wasm/pkg"));
const TSC = path.join(HERE, "../node_modules/typescript/bin/tsc");

// Lines every variant shares: what the unions and classes must allow or refuse.
const COMMON = `
const till = Register.inMemory("paris-11", "till-1", "shop");
const cart = till.newCart();
till.scan(cart, "2000000001012");
const payment = till.startPayment(cart);
payment.add("cash", "2.00");
// @ts-expect-error: not a tender method
payment.add("bitcoin", "2.00");
// @ts-expect-error: amounts are strings
payment.add("cash", 2);
const sale = till.completeSale(cart, payment, "alice");
const n: number = sale.number;
const json: SaleSummary = sale.toJSON();
const bytes: Uint8Array = till.receiptBytes(sale, "escpos", "epson-tm-t20");
// @ts-expect-error: not a receipt format
till.receiptBytes(sale, "pdf", "epson-tm-t20");
const state: PeriodState = till.periodState();
const x: XReport | null = null;
const reason: CashMoveReason = "bank_deposit";
try {
  till.closeDay("alice");
} catch (e) {
  if (e instanceof PosError) {
    const code: string = e.code;
    const family: CartError | FiscalError | DeviceError | SyncError | StoreError | PosError = e;
    console.log(code, family.name, n, json.total, bytes.length, state, x, reason);
  }
}
// Events, logs and the async sync, with typed callbacks.
const listener: RegisterListener = {
  saleCommitted: (s: SaleCommittedEvent) => console.log(s.number + 1, s.total.length, s.outboxSeq ?? 0),
  syncStatusChanged: (st) => console.log(st.pending + 1, st.offlineSinceMillis ?? 0),
  connectivityChanged: (online) => console.log(online === true),
  printerStatusChanged: (p) => console.log(p === "paper_out"),
};
till.setListener(listener);
// @ts-expect-error: a sale event carries no customer
till.setListener({ saleCommitted: (s: SaleCommittedEvent) => s.customer });
till.setListener(null);
till.reportPrinterStatus("paper_out");
// @ts-expect-error: not a printer status
till.reportPrinterStatus("jammed");
setLogger((level, target, message) => console.log(level === "warn", target.length, message.length), "info");
setLogger(null);
// @ts-expect-error: not a log level
setLogLevel("verbose");
const round: Promise<SyncReport> = till.syncAsync(fetchTransport("https://sync.example.fr", { timeoutMs: 10000 }));
round.then((r) => console.log(r.pending + 1), () => undefined);
till.syncAsync(async (method, p, headers, body) => ({ status: 200, body: new Uint8Array(body.length + method.length + p.length + headers.length) }));
// @ts-expect-error: the transport answers {status, body}
till.syncAsync(async () => "ok");
`;
const NAMES = "Register, PosError, CartError, FiscalError, DeviceError, SyncError, StoreError, fetchTransport, setLogger, setLogLevel";
const TYPES = "SaleSummary, PeriodState, XReport, CashMoveReason, RegisterListener, SaleCommittedEvent, SyncReport";

const VARIANTS = {
  // CommonJS: require, and no default init in its types.
  "app.cts": `import pos = require("@pos-sdk/wasm");
const { ${NAMES} } = pos;
type CartError = InstanceType<typeof pos.CartError>; type FiscalError = InstanceType<typeof pos.FiscalError>;
type DeviceError = InstanceType<typeof pos.DeviceError>; type SyncError = InstanceType<typeof pos.SyncError>;
type StoreError = InstanceType<typeof pos.StoreError>; type PosError = InstanceType<typeof pos.PosError>;
type SaleSummary = pos.SaleSummary; type PeriodState = pos.PeriodState; type XReport = pos.XReport; type CashMoveReason = pos.CashMoveReason;
type RegisterListener = pos.RegisterListener; type SaleCommittedEvent = pos.SaleCommittedEvent; type SyncReport = pos.SyncReport;
// @ts-expect-error: CommonJS has no init
pos.default();
${COMMON}`,
  // Node ESM: the browser's lines run unchanged.
  "app.mts": `import init, { ${NAMES}, type ${TYPES.split(", ").join(", type ")} } from "@pos-sdk/wasm";
await init();
${COMMON}`,
};

async function project(dir, moduleKind) {
  await fs.mkdir(path.join(dir, "node_modules/@pos-sdk"), { recursive: true });
  await fs.symlink(PKG, path.join(dir, "node_modules/@pos-sdk/wasm"), "dir");
  await fs.writeFile(path.join(dir, "tsconfig.json"), JSON.stringify({
    compilerOptions: { strict: true, noEmit: true, target: "es2022", module: moduleKind, moduleResolution: moduleKind === "esnext" ? "bundler" : moduleKind, lib: ["es2022", "dom", "esnext.disposable"], skipLibCheck: false, types: [] },
  }));
}

function tsc(dir) {
  try {
    execFileSync(process.execPath, [TSC, "-p", dir], { encoding: "utf8" });
    return "";
  } catch (e) {
    return `${e.stdout}${e.stderr}`;
  }
}

test("CommonJS and Node ESM apps type-check against the package, wrong values refused", async () => {
  const dir = await fs.mkdtemp(path.join(os.tmpdir(), "pos-types-"));
  await project(dir, "node16");
  for (const [file, text] of Object.entries(VARIANTS)) await fs.writeFile(path.join(dir, file), text);
  assert.equal(tsc(dir), "");
});

test("a bundler app gets the browser build's types, with its default init", async () => {
  const dir = await fs.mkdtemp(path.join(os.tmpdir(), "pos-types-"));
  await project(dir, "esnext");
  await fs.writeFile(path.join(dir, "app.ts"), VARIANTS["app.mts"].replace("await init();", "await init(new URL(\"pos_wasm_bg.wasm\", \"https://example.test/\"));"));
  assert.equal(tsc(dir), "");
});

test("the checks can fail: a wrong union value without @ts-expect-error is an error", async () => {
  const dir = await fs.mkdtemp(path.join(os.tmpdir(), "pos-types-"));
  await project(dir, "node16");
  await fs.writeFile(path.join(dir, "app.mts"), `import { Register } from "@pos-sdk/wasm";
Register.inMemory("s", "r", "l").startPayment(Register.inMemory("s", "r", "l").newCart()).add("bitcoin", "1");\n`);
  assert.match(tsc(dir), /"bitcoin"/);
});
