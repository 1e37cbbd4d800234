// Sales as state machines from Node: a completed cart and payment are
// consumed, the sale's key is honest, an implausible clock is refused and a
// closed day is found out before the payment. Each refusal changes nothing.
"use strict";
const test = require("node:test");
const assert = require("node:assert/strict");
const pos = require("../node/index.cjs");

// 2026-03-14T09:30:00Z
const T0 = 1773480600000;
const DAY = 86400000;
const V4 = "3f2b8c1e-4d5a-4e6f-8a7b-9c0d1e2f3a4b";

function till(path, seed) {
  const reg = pos.Register.open(path, "paris-11", "till-1", "shop", T0, seed);
  reg.importCatalogJson(pos.sampleCatalogJson());
  return reg;
}

function cartOf(reg, ...codes) {
  const cart = reg.newCart();
  for (const c of codes) reg.scan(cart, c);
  return cart;
}

function paid(reg, cart) {
  const payment = reg.startPayment(cart);
  payment.add("card", payment.remaining());
  return payment;
}

// What a refused call must leave as it was: the outbox and the journal.
function state(reg) {
  return { pending: reg.syncStatus().pending, records: reg.verify().records };
}

test("a completed cart and its payment are consumed", () => {
  const reg = till("/sm-consumed.sqlite", 1n);
  const cart = cartOf(reg, "2000000001012");
  const payment = paid(reg, cart);
  const sale = reg.completeSale(cart, payment, "alice");
  assert.equal(cart.isCompleted, true);
  const before = state(reg);
  const consumed = { name: "CartError", code: "cart_completed", message: `this cart was already completed as ticket T${sale.number}: start a new cart` };
  assert.throws(() => reg.completeSale(cart, payment, "alice"), consumed);
  assert.throws(() => reg.scan(cart, "2000000001012"), consumed);
  assert.throws(() => reg.startPayment(cart), consumed);
  assert.throws(() => cart.setQuantity(1, "2"), consumed);
  assert.throws(() => payment.add("cash", "1.00"), consumed);
  assert.equal(cart.total(), "1.30");
  assert.deepEqual(state(reg), before);
});

test("the same key returns the same sale; another request under it is a conflict", () => {
  const reg = till("/sm-keys.sqlite", 2n);
  let cart = cartOf(reg, "2000000001012");
  const first = reg.completeSale(cart, paid(reg, cart), "alice", undefined, false, V4);
  assert.equal(first.ticketId, V4);
  const before = state(reg);
  reg.setClock(T0 + 30000);
  cart = cartOf(reg, "2000000001012");
  const again = reg.completeSale(cart, paid(reg, cart), "alice", undefined, false, V4);
  assert.equal(again.number, first.number);
  cart = cartOf(reg, "3760123000352");
  assert.throws(
    () => reg.completeSale(cart, paid(reg, cart), "alice", undefined, false, V4),
    (e) => e.name === "CartError" && e.code === "idempotency_conflict" && e.message.includes(V4),
  );
  assert.equal(cart.isCompleted, false);
  assert.deepEqual(state(reg), before);
});

test("a clock in seconds is refused before anything is written", () => {
  const reg = till("/sm-seconds.sqlite", 3n);
  const cart = cartOf(reg, "2000000001012");
  const payment = paid(reg, cart);
  const before = state(reg);
  reg.setClock(Math.floor(T0 / 1000));
  assert.throws(() => reg.completeSale(cart, payment, "alice"), (e) => e.name === "FiscalError" && e.code === "clock_implausible" && e.message.includes("1970-01-21"));
  assert.throws(() => reg.periodState(), { code: "clock_implausible" });
  const after = state(reg);
  assert.equal(after.pending, before.pending);
  assert.equal(after.records, before.records + 1, "only the JET 320 of the refusal");
  assert.equal(reg.verify().intact, true);
});

test("a clock set back three days is refused", () => {
  const reg = till("/sm-back.sqlite", 4n);
  reg.setClock(T0 + 5 * DAY);
  let cart = cartOf(reg, "2000000001012");
  reg.completeSale(cart, paid(reg, cart), "alice");
  cart = cartOf(reg, "2000000001012");
  const payment = paid(reg, cart);
  const before = state(reg);
  reg.setClock(T0 + 2 * DAY);
  assert.throws(() => reg.completeSale(cart, payment, "alice"), (e) => e.code === "clock_implausible" && /set back/.test(e.message));
  assert.equal(state(reg).pending, before.pending);
});

test("after the Z the payment is refused before any tender", () => {
  const reg = till("/sm-z.sqlite", 5n);
  let cart = cartOf(reg, "2000000001012");
  reg.completeSale(cart, paid(reg, cart), "alice");
  cart = cartOf(reg, "3760123000352");
  assert.equal(reg.periodState(), "open");
  reg.setClock(T0 + 60000);
  reg.closeDay("alice");
  const before = state(reg);
  assert.equal(reg.periodState(), "day_closed");
  const closed = (e) => e.name === "FiscalError" && e.code === "day_closed" && e.message.startsWith("the fiscal day 2026-03-14 is closed");
  assert.throws(() => reg.startPayment(cart), closed);
  const empty = reg.newCart(); // an empty cart still shows after the Z
  assert.throws(() => reg.scan(empty, "2000000001012"), closed);
  assert.equal(empty.isEmpty(), true);
  assert.throws(() => reg.scan(cart, "2000000001012"), closed);
  assert.deepEqual(state(reg), before);
  reg.setClock(T0 + DAY);
  assert.equal(reg.periodState(), "open");
  assert.equal(reg.completeSale(cart, paid(reg, cart), "alice").number, 2);
});
