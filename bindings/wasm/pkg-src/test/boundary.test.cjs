// The JS boundary itself: what an app can get wrong at a call and what it
// gets back. Amounts are strings (anything else is a typed error, never a
// wasm trap), a freed object is a typed error, counts are plain numbers
// (JSON.stringify works), every error is a PosError with a stable code, and
// the CommonJS / ESM type declarations match what each entry point exports.
"use strict";
const test = require("node:test");
const assert = require("node:assert/strict");
const fs = require("node:fs");
const path = require("node:path");
const pos = require("../node/index.cjs");

// 2026-03-14T09:30:00Z
const T0 = 1773480600000;
const PKG = path.join(__dirname, "..");

function till(seed) {
  const reg = pos.Register.inMemory("paris-11", "till-1", "shop", T0, seed);
  reg.importCatalogJson(pos.sampleCatalogJson());
  return reg;
}

test("amounts and quantities must be strings: anything else is invalid_input and changes nothing", () => {
  const reg = till(1n);
  const cart = reg.newCart();
  const line = reg.scan(cart, "2000000001012");
  const payment = reg.startPayment(cart);
  for (const [bad, type] of [[1.3, "number"], [130n, "bigint"], [undefined, "undefined"], [null, "null"], [{ amount: "1.30" }, "object"], [true, "boolean"]]) {
    assert.throws(() => payment.add("cash", bad), (e) =>
      e instanceof pos.CartError && e.code === "invalid_input" &&
      e.message === `invalid amount: expected a decimal string such as "12.50", got ${type}`);
    assert.throws(() => cart.setQuantity(line, bad), { code: "invalid_input", message: new RegExp(`quantity.*got ${type}$`) });
  }
  assert.throws(() => payment.add(1, "1.30"), { code: "invalid_input", message: /tender method.*got number/ });
  assert.throws(() => payment.add("gift_card", "1.30", 42), { code: "invalid_input", message: /reference.*got number/ });
  assert.throws(() => payment.add("cash", "1,30"), { code: "invalid_input" });
  // Nothing changed, and the module still works after every refusal.
  assert.equal(payment.remaining(), "1.30");
  assert.equal(cart.lines()[0].quantity, "1");
  payment.add("cash", "1.30");
  assert.equal(reg.completeSale(cart, payment, "alice").total, "1.30");
});

test("every string, object and seed argument is checked before wasm runs", () => {
  const reg = till(5n);
  const cart = reg.newCart();
  const wrong = (name, expected, got) => (e) =>
    e instanceof pos.CartError && e.code === "invalid_input" && e.message === `invalid ${name}: expected ${expected}, got ${got}`;
  // A barcode read as a number, an operator id as a number, a missing one.
  assert.throws(() => reg.scan(cart, 2000000001012), wrong("code", "a string", "number"));
  assert.throws(() => reg.scan(cart), wrong("code", "a string", "undefined"));
  assert.throws(() => reg.scan({}, "2000000001012"), wrong("cart", "a Cart", "Object"));
  assert.throws(() => reg.startPayment(null), wrong("cart", "a Cart", "null"));
  assert.throws(() => pos.describeBarcode(3760123000352, 2026), wrong("code", "a string", "number"));
  reg.scan(cart, "2000000001012");
  const payment = reg.startPayment(cart);
  payment.add("cash", "1.30");
  assert.throws(() => reg.completeSale(cart, payment, 7), wrong("operator", "a string", "number"));
  assert.throws(() => reg.completeSale(cart, payment, "alice", 42), wrong("customer", "a string", "number"));
  assert.throws(() => pos.Register.inMemory("paris-11", "till-1", "shop", T0, 1.5), wrong("idSeed", "a whole number", "number"));
  // Optional strings may be left out; a whole number is a fine seed.
  assert.equal(reg.completeSale(cart, payment, "alice", undefined, false, null).total, "1.30");
  assert.equal(pos.Register.inMemory("paris-11", "till-1", "shop", T0, 7).periodState(), "open");
});

test("a freed object used again is StoreError freed, as `this` or as an argument", () => {
  const reg = till(2n);
  const cart = reg.newCart();
  reg.scan(cart, "2000000001012");
  const payment = reg.startPayment(cart);
  payment.add("cash", "1.30");
  const sale = reg.completeSale(cart, payment, "alice");
  cart.free();
  const freed = (what) => (e) => e instanceof pos.StoreError && e.code === "freed" && e.message.startsWith(`this ${what} was freed`);
  assert.throws(() => cart.total(), freed("Cart"));
  assert.throws(() => cart.isCompleted, freed("Cart"));
  assert.throws(() => reg.scan(cart, "2000000001012"), freed("Cart"));
  sale.free();
  assert.throws(() => sale.total, freed("CompletedSale"));
  assert.throws(() => reg.receipt(sale, "text", "epson-tm-t20"), freed("CompletedSale"));
  payment.free();
  assert.throws(() => payment.remaining(), freed("Payment"));
  cart.free(); // freeing twice is harmless
  // The till still works.
  const other = reg.newCart();
  reg.scan(other, "2000000001012");
  assert.equal(other.total(), "1.30");
  reg.free();
  assert.throws(() => reg.newCart(), freed("Register"));
});

test("numbers are JS numbers: sale numbers, counts, points; JSON.stringify works", () => {
  const reg = till(3n);
  const cart = reg.newCart();
  reg.scan(cart, "2000000001012");
  const payment = reg.startPayment(cart);
  payment.add("cash", "2");
  const sale = reg.completeSale(cart, payment, "alice");
  assert.equal(typeof sale.number, "number");
  assert.equal(sale.number, 1);
  const json = JSON.parse(JSON.stringify(sale));
  assert.deepEqual(json, {
    ticketId: sale.ticketId,
    number: 1,
    series: "T",
    total: "1.30",
    change: "0.70",
    atMillis: T0,
    signatureExtract: sale.signatureExtract,
  });
  assert.equal(typeof reg.loyaltyBalance(reg.createCustomer("A", "B", null)), "number");
  assert.equal(typeof reg.recentTickets(1)[0].number, "number");
  assert.equal(typeof reg.todayReport().salesCount, "number");
  assert.doesNotThrow(() => JSON.stringify(reg.verify()));
});

test("errors are PosError subclasses with a stable code from each family", () => {
  const reg = till(4n);
  const cases = [
    [() => reg.scan(reg.newCart(), "0000000000000"), pos.CartError, "CartError"],
    [() => pos.describeBarcode("", 2026), pos.DeviceError, "DeviceError"],
    [() => pos.Register.restore(new Uint8Array([1, 2, 3]), "/b.sqlite", "paris-11", "till-1", "shop"), pos.StoreError, "StoreError"],
    [() => reg.setClock(T0 - 3 * 86400000) ?? reg.openCashSession("alice", "10"), pos.FiscalError, "FiscalError"],
  ];
  for (const [call, Family, name] of cases) {
    assert.throws(call, (e) => {
      assert.ok(e instanceof Error, "an Error");
      assert.ok(e instanceof pos.PosError, "a PosError");
      assert.ok(e instanceof Family, `a ${name}`);
      assert.equal(e.name, name);
      assert.match(e.code, /^[a-z_]+$/);
      assert.ok(e.message.length > 0);
      assert.ok(typeof e.stack === "string");
      return true;
    });
  }
  reg.setClock(T0);
  // The codes are pos_sdk::codes: a consumed cart, a closed day.
  const cart = reg.newCart();
  reg.scan(cart, "2000000001012");
  const payment = reg.startPayment(cart);
  payment.add("cash", "1.30");
  reg.completeSale(cart, payment, "alice");
  assert.throws(() => reg.startPayment(cart), { name: "CartError", code: "cart_completed" });
  reg.closeDay("alice");
  assert.throws(() => reg.startPayment(reg.newCart()), (e) => e instanceof pos.FiscalError && e.code === "day_closed");
});

test("the type declarations: string unions, CommonJS without init, ESM with it", () => {
  const dts = fs.readFileSync(path.join(PKG, "node/pos_wasm.d.ts"), "utf8");
  for (const union of ["TenderMethod", "ReceiptFormat", "CashMoveReason", "PeriodState", "OrderStatus"]) {
    assert.match(dts, new RegExp(`export type ${union} = "`), union);
  }
  assert.match(dts, /add\(method: TenderMethod, amount: string, reference\?: string\): void;/);
  assert.match(dts, /receiptBytes\(sale: CompletedSale, format: ReceiptFormat, profile: string\): Uint8Array;/);
  assert.match(dts, /periodState\(\): PeriodState;/);
  assert.match(dts, /cashPayIn\(operator: string, amount: string, reason: CashMoveReason,/);
  assert.match(dts, /readonly number: number;/);
  assert.doesNotMatch(dts, /setErrorFactory/, "internal");
  const cjs = fs.readFileSync(path.join(PKG, "node/index.d.cts"), "utf8");
  assert.doesNotMatch(cjs, /default/, "CommonJS has no default init");
  assert.match(cjs, /export \* from "\.\/errors\.cjs"/);
  assert.match(fs.readFileSync(path.join(PKG, "node/errors.d.cts"), "utf8"), /export declare class PosError extends Error/);
  assert.match(fs.readFileSync(path.join(PKG, "node/index.d.mts"), "utf8"), /export default function init/);
  assert.match(fs.readFileSync(path.join(PKG, "web/index.d.ts"), "utf8"), /export default function init/);
  const exportsMap = JSON.parse(fs.readFileSync(path.join(PKG, "package.json"), "utf8")).exports["."];
  assert.equal(exportsMap.node.require.types, "./node/index.d.cts");
  assert.equal(exportsMap.node.import.types, "./node/index.d.mts");
  for (const f of [exportsMap.node.require.types, exportsMap.node.require.default, exportsMap.node.import.types, exportsMap.node.import.default, exportsMap.import.types, exportsMap.import.default]) {
    assert.ok(fs.existsSync(path.join(PKG, f)), f);
  }
  // What CommonJS really exports: no init, the error classes.
  assert.equal(pos.default, undefined);
  assert.equal(typeof pos.PosError, "function");
});
