// The storage headroom a host reports (setStorageHeadroom, from
// navigator.storage.estimate() in a browser): under storageReserveBytes()
// startPayment and completeSale throw a StoreError `storage_full` and record
// nothing; a bad figure is invalid_input and changes nothing.
"use strict";
const test = require("node:test");
const assert = require("node:assert/strict");
const pos = require("../node/index.cjs");

// 2026-03-14T09:30:00Z
const T0 = 1773480600000;

function till() {
  const reg = pos.Register.inMemory("paris-11", "till-1", "shop", T0, 7n);
  reg.importCatalogJson(pos.sampleCatalogJson());
  return reg;
}

test("under the reserve a sale is refused before any payment, storage_full, nothing recorded", () => {
  const reg = till();
  const reserve = pos.storageReserveBytes();
  assert.equal(reserve, 1024 * 1024);
  assert.equal(reg.storageHeadroom(), undefined);
  const cart = reg.newCart();
  reg.scan(cart, "2000000001012");
  reg.setStorageHeadroom(reserve - 1);
  assert.equal(reg.storageHeadroom(), reserve - 1);
  const full = (e) =>
    e instanceof pos.StoreError && e instanceof pos.PosError && e.name === "StoreError" && e.code === "storage_full" &&
    e.message === `the till's storage is full (${reserve - 1} bytes left, a sale needs ${reserve}): no sale can be recorded until space is freed`;
  assert.throws(() => reg.startPayment(cart), full);

  // A payment started while there was room: completion refuses too.
  reg.setStorageHeadroom(undefined);
  const payment = reg.startPayment(cart);
  payment.add("cash", "1.30");
  reg.setStorageHeadroom(0);
  assert.throws(() => reg.completeSale(cart, payment, "alice"), (e) => e instanceof pos.StoreError && e.code === "storage_full");
  assert.equal(reg.recentTickets(5).length, 0);
  assert.equal(reg.syncStatus().pending, 0);

  reg.setStorageHeadroom(reserve);
  assert.equal(reg.completeSale(cart, payment, "alice").total, "1.30");
  assert.equal(reg.recentTickets(5).length, 1);
});

test("a headroom that is not a whole number of bytes is invalid_input and changes nothing", () => {
  const reg = till();
  reg.setStorageHeadroom(5 * 1024 * 1024);
  for (const bad of [-1, 1.5, NaN, Infinity]) {
    assert.throws(() => reg.setStorageHeadroom(bad), (e) =>
      e instanceof pos.CartError && e.code === "invalid_input" &&
      e.message === "invalid storage headroom: expected a whole number of bytes, 0 or more");
  }
  for (const [bad, type] of [["12", "string"], [12n, "bigint"], [{}, "object"]]) {
    assert.throws(() => reg.setStorageHeadroom(bad), (e) =>
      e instanceof pos.CartError && e.code === "invalid_input" &&
      e.message === `invalid storage headroom: expected a whole number of bytes, 0 or more, got ${type}`);
  }
  assert.equal(reg.storageHeadroom(), 5 * 1024 * 1024);
  const cart = reg.newCart();
  reg.scan(cart, "2000000001012");
  assert.equal(reg.startPayment(cart).remaining(), "1.30");
});
