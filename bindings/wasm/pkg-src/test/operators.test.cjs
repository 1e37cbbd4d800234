// Operators at the till and parked carts from Node: the binding surface
// only — add and list operators, sign in with a PIN (wrong PIN with tries
// left, lockout, kept in a till reopened from the database, disabled), a
// session's rights on a no-sale drawer opening, a refund and the Z / month /
// year closures, the old operator + manager form still working, and parked
// carts kept through an export and restore of the database.
"use strict";
const test = require("node:test");
const assert = require("node:assert/strict");
const pos = require("../node/index.cjs");

const T0 = 1773480600000;
const BAGUETTE = "2000000001012"; // 1.30
const COMTE = "3760123000352"; // 24.90

function till(path, seed) {
  const reg = pos.Register.open(path, "paris-11", "till-1", "shop", T0, seed);
  reg.importCatalogJson(pos.sampleCatalogJson());
  return reg;
}

function ringUp(reg) {
  const cart = reg.newCart();
  reg.scan(cart, BAGUETTE);
  reg.scan(cart, COMTE);
  return cart;
}

test("operators sign in with their PIN and are locked after five wrong tries", () => {
  const reg = till("/node-operators.sqlite", 21n);
  const anna = reg.addOperator("anna", "Anna", "cashier", undefined, "4821");
  assert.deepEqual(anna, {
    id: "anna", name: "Anna", role: "cashier", permissions: ["line_discount", "ticket_discount"], active: true,
  });
  assert.deepEqual(reg.addOperator("lea", "Léa", "custom", ["no_sale"], "5555").permissions, ["no_sale"]);
  assert.deepEqual(reg.operators().map((o) => o.id), ["anna", "lea"]);
  assert.throws(() => reg.addOperator("zoe", "Zoé", "cashier", undefined, "12"), { name: "CartError", code: "invalid_pin" });
  assert.throws(() => reg.addOperator("zoe", "Zoé", "custom", ["fly"], "1234"), { code: "unknown_permission" });
  assert.throws(() => reg.addOperator("zoe", "Zoé", "boss", undefined, "1234"), { code: "unknown_role" });
  assert.throws(() => reg.addOperator("anna", "Anna B", "cashier", undefined, "1234"), { code: "invalid_input" });
  assert.deepEqual(reg.operators().map((o) => o.id), ["anna", "lea"]);

  const session = reg.signIn("anna", "4821");
  assert.equal(session.operatorId, "anna");
  assert.equal(session.has("ticket_discount"), true);
  assert.equal(session.has("return"), false);
  assert.equal(session.has("fly"), false);
  assert.deepEqual(session.permissions, ["line_discount", "ticket_discount"]);
  assert.throws(() => reg.signIn("nobody", "4821"), { code: "unknown_operator" });
  for (const left of [4, 3, 2, 1, 0]) {
    assert.throws(() => reg.signIn("anna", "0000"), (e) =>
      e.code === "wrong_pin" && e.message.includes(`${left} tries left`) && !e.message.includes("0000"));
  }
  assert.throws(() => reg.signIn("anna", "4821"), (e) =>
    e instanceof pos.CartError && e.name === "CartError" && e.code === "operator_locked");
  // The lockout is in the till database: a till reopened from it is locked too.
  const reopened = pos.Register.restore(reg.exportDatabase(), "/node-operators-2.sqlite", "paris-11", "till-1", "shop",
    T0 + 60000, 25n, undefined, reg.exportKeys());
  assert.throws(() => reopened.signIn("anna", "4821"), { code: "operator_locked" });
  assert.equal(reopened.signIn("lea", "5555").operatorId, "lea");
  reopened.setClock(T0 + 5 * 60000);
  assert.equal(reopened.signIn("anna", "4821").operatorId, "anna");
  reg.setClock(T0 + 5 * 60000);
  assert.equal(reg.signIn("anna", "4821").operatorId, "anna");
  // A right PIN resets the count: four wrong ones leave one try again.
  for (const left of [4, 3]) {
    assert.throws(() => reg.signIn("anna", "1111"), { code: "wrong_pin", message: new RegExp(`${left} tries left`) });
  }
  assert.equal(reg.signIn("anna", "4821").operatorId, "anna");
  assert.throws(() => reg.signIn("anna", "1111"), { message: /4 tries left/ });
  assert.throws(() => reg.signIn("anna", "12ab"), { code: "invalid_pin" });
  assert.equal(reg.setOperatorActive("anna", true), false);
  assert.equal(reg.setOperatorActive("anna", false), true);
  assert.throws(() => reg.signIn("anna", "4821"), { code: "operator_inactive" });
  assert.equal(reg.operators().find((o) => o.id === "anna").active, false);
  assert.throws(() => reg.setOperatorActive("nobody", true), { code: "unknown_operator" });
});

test("a session carries its rights; the operator + manager form still works", () => {
  const reg = till("/node-rights.sqlite", 22n);
  reg.addOperator("anna", "Anna", "cashier", undefined, "4821");
  reg.addOperator("marc", "Marc", "manager", undefined, "907315");
  const anna = reg.signIn("anna", "4821");
  const marc = reg.signIn("marc", "907315");
  const cart = ringUp(reg);
  const payment = reg.startPayment(cart);
  payment.add("cash", "26.20");
  const sale = reg.completeSale(cart, payment, "anna");

  assert.throws(() => reg.openDrawerNoSale(anna, "change"), (e) => e.code === "permission_required" && /no_sale/.test(e.message));
  assert.ok(reg.openDrawerNoSale(marc).length > 0);
  assert.throws(() => reg.refundCartAs(sale.ticketId, anna), { code: "permission_required" });
  assert.equal(reg.refundCartAs(sale.ticketId, marc).total(), "-26.20");
  assert.equal(reg.refundCart(sale.ticketId, marc.operatorId, true).total(), "-26.20");
  // Neither a refund nor a completed cart can be parked.
  assert.throws(() => reg.parkCart(reg.refundCartAs(sale.ticketId, marc), "retour"), { code: "invalid_input" });
  assert.throws(() => reg.parkCart(cart, "done"), { code: "cart_completed" });
  assert.deepEqual(reg.parkedCarts(), []);
  assert.throws(() => reg.closeDayAs(anna), { code: "permission_required" });
  assert.deepEqual(reg.closeDayAs(marc), ["Z 1"]);
  reg.setClock(T0 + 20 * 86400000);
  assert.throws(() => reg.closeMonthAs(anna, 2026, 3), { code: "permission_required", message: /closure/ });
  const month = reg.closeMonthAs(marc, 2026, 3);
  assert.ok(month.length >= 1 && month.every((r) => typeof r === "string"), month.join());
  assert.throws(() => reg.closeYearAs(anna, 2026), { code: "permission_required" });
  assert.throws(() => reg.closeYearAs(marc, 2026), { name: "FiscalError" });
  assert.equal(reg.verify().intact, true);
});

test("parked carts are listed, resumed once, discarded, and kept with the database", () => {
  const reg = till("/node-parked.sqlite", 23n);
  const first = reg.parkCart(ringUp(reg), "table 4");
  reg.setClock(T0 + 1000);
  const second = reg.parkCart(ringUp(reg), "Mme Martin");
  assert.throws(() => reg.parkCart(reg.newCart(), "empty"), { code: "invalid_input" });
  assert.throws(() => reg.parkCart(ringUp(reg), ""), { code: "invalid_input" });

  const again = pos.Register.restore(reg.exportDatabase(), "/node-parked-2.sqlite", "paris-11", "till-1", "shop",
    T0 + 2000, 24n, undefined, reg.exportKeys());
  assert.deepEqual(again.parkedCarts(), [
    { id: first, label: "table 4", parkedAt: T0, lineCount: 2, total: "26.20" },
    { id: second, label: "Mme Martin", parkedAt: T0 + 1000, lineCount: 2, total: "26.20" },
  ]);
  const cart = again.resumeParked(first);
  assert.equal(cart.total(), "26.20");
  assert.equal(again.parkedCarts().length, 1);
  const payment = again.startPayment(cart);
  payment.add("cash", "30.00");
  const sale = again.completeSale(cart, payment, "anna");
  assert.equal(sale.total, "26.20");
  assert.equal(sale.change, "3.80");
  assert.throws(() => again.resumeParked(first), { name: "StoreError", code: "not_found" });
  again.discardParked(second);
  assert.deepEqual(again.parkedCarts(), []);
  assert.throws(() => again.discardParked(second), { code: "not_found" });
});
