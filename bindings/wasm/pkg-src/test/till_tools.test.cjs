// What the cashier does beside scanning, from Node: customer search,
// manual discounts with a reason, a price override, notes, an exchange of
// a stored ticket, and receipts printed from the till's signed settings
// (setTrader is one signed change; a ticket prints what was signed at it).
"use strict";
const test = require("node:test");
const assert = require("node:assert/strict");
const pos = require("../node/index.cjs");

// 2026-03-14T09:30:00Z, a Saturday.
const T0 = 1773480600000;
const TSHIRT_M = "3760123002523";
const TSHIRT_L = "3760123002660";

function till(path, seed) {
  const reg = pos.Register.open(path, "paris-11", "till-1", "shop", T0, seed);
  reg.importCatalogJson(pos.sampleCatalogJson());
  return reg;
}

function ringUp(reg) {
  const cart = reg.newCart();
  reg.scan(cart, "2000000001012"); // baguette 1.30
  reg.scan(cart, "3760123000352"); // Comté 24.90
  return cart;
}

function pay(reg, cart, method) {
  const payment = reg.startPayment(cart);
  if (method) payment.add(method, payment.remaining());
  return reg.completeSale(cart, payment, "alice");
}

test("customers are found by name, e-mail or card, never once erased", () => {
  const reg = till("/tools-customers.sqlite", 1n);
  const helene = reg.createCustomer("Hélène", "Dupré", "helene@example.org");
  const marc = reg.createCustomer("Marc", "Durand", null);
  const found = reg.findCustomers("dupre helene");
  assert.deepEqual(found, [
    { id: helene, givenName: "Hélène", familyName: "Dupré", email: "helene@example.org", phone: null },
  ]);
  assert.deepEqual(reg.findCustomers("HELENE@example.org").map((c) => c.id), [helene]);
  assert.deepEqual(reg.findCustomers(marc).map((c) => c.id), [marc]);
  assert.deepEqual(reg.findCustomers("martin"), []);
  assert.throws(() => reg.findCustomers("   "), { name: "CartError", code: "invalid_text" });
  reg.eraseCustomer(helene, "manager");
  assert.deepEqual(reg.findCustomers("dupre"), []);
});

test("line and ticket discounts carry their reason and reach the ticket", () => {
  const reg = till("/tools-discounts.sqlite", 2n);
  const cart = ringUp(reg);
  const [bread, cheese] = cart.lines().map((l) => l.id);
  cart.setLineDiscount(cheese, "percent", "10", "DAMAGED", "boîte abîmée", "alice");
  assert.equal(cart.total(), "23.71");
  cart.setTicketDiscount("amount", "1.00", "FIDELITE", null, "alice");
  assert.equal(cart.total(), "22.71");
  const adj = cart.adjustments();
  assert.deepEqual(adj.ticketDiscount, {
    kind: "amount", value: "1", reasonCode: "FIDELITE", reasonText: null, operator: "alice",
  });
  assert.equal(adj.lines[1].discount.reasonText, "boîte abîmée");
  assert.equal(adj.lines[1].discountAmount, "2.49");
  assert.equal(adj.lines[0].discount, null);

  // Refusals change nothing.
  assert.throws(() => cart.setLineDiscount(bread, "percent", "10", "", null, "alice"), { code: "invalid_text" });
  assert.throws(() => cart.setLineDiscount(bread, "half", "10", "STAFF", null, "alice"), { code: "invalid_input" });
  assert.throws(() => cart.setLineDiscount(bread, "percent", 10, "STAFF", null, "alice"), { code: "invalid_input" });
  assert.throws(() => cart.setLineDiscount(bread, "amount", "5.00", "STAFF", null, "alice"), pos.PosError);
  assert.equal(cart.total(), "22.71");

  cart.clearTicketDiscount();
  cart.clearLineDiscount(cheese);
  assert.equal(cart.total(), "26.20");
  cart.setLineDiscount(cheese, "amount", "4.90", "STAFF", null, "alice");
  const sale = pay(reg, cart, "card");
  assert.equal(sale.total, "21.30");
  assert.match(sale.ticketJson(), /"STAFF"/);
});

test("a price override needs a manager and a reason; notes on lines and ticket", () => {
  const reg = till("/tools-override.sqlite", 3n);
  const cart = ringUp(reg);
  const bread = cart.lines()[0].id;
  assert.throws(() => cart.overridePrice(bread, "1.00", "prix affiché", "alice"), { code: "permission_denied" });
  assert.throws(() => cart.overridePrice(bread, "1.00", "", "boss", true), { code: "invalid_text" });
  assert.equal(cart.total(), "26.20");
  cart.overridePrice(bread, "1.00", "prix affiché", "boss", true);
  assert.equal(cart.total(), "25.90");
  assert.deepEqual(cart.adjustments().lines[0].priceOverride, {
    replaced: "1.30", reason: "prix affiché", operator: "boss",
  });
  cart.setLineNote(bread, "bien cuite");
  cart.setNote("à livrer");
  const adj = cart.adjustments();
  assert.deepEqual([adj.note, adj.lines[0].note, adj.lines[1].note], ["à livrer", "bien cuite", null]);
  assert.throws(() => cart.setNote("a\nb"), pos.PosError);
  assert.throws(() => cart.setLineNote(99, "x"), { code: "invalid_input" });
  cart.setLineNote(bread, null);
  assert.equal(cart.adjustments().lines[0].note, null);
  const sale = pay(reg, cart, "card");
  assert.match(sale.ticketJson(), /à livrer/);
  assert.throws(() => cart.setTicketDiscount("percent", "10", "STAFF", null, "alice"), { code: "cart_completed" });
});

test("an exchange gives a line back and sells another on one ticket", () => {
  const reg = till("/tools-exchange.sqlite", 4n);
  const cart = reg.newCart();
  cart.setQuantity(reg.scan(cart, TSHIRT_M), "2");
  const original = pay(reg, cart, "card");
  const one = [{ line: 1, quantity: "1" }];
  assert.throws(() => reg.exchangeCart(original.ticketId, one, "alice"), { code: "permission_required" });
  assert.throws(() => reg.exchangeCart(original.ticketId, [{ line: 2, quantity: "1" }], "boss", true), {
    code: "unknown_original_line",
  });
  assert.throws(() => reg.exchangeCart(original.ticketId, "1", "boss", true), { code: "invalid_input" });
  const swap = reg.exchangeCart(original.ticketId, one, "boss", true);
  assert.equal(swap.total(), "-19.90");
  reg.scan(swap, TSHIRT_L);
  assert.equal(swap.total(), "0.00");
  const done = pay(reg, swap);
  assert.equal(done.number, 2);
  assert.equal(done.total, "0.00");
  assert.match(done.ticketJson(), /"exchange"/);
  assert.throws(() => reg.exchangeCart(original.ticketId, [{ line: 1, quantity: "2" }], "boss", true), {
    code: "refund_exceeds_refundable",
  });
});

test("receipts print the signed merchant of the sale; setTrader is one checked change", () => {
  const reg = till("/tools-settings.sqlite", 5n);
  const before = pay(reg, ringUp(reg), "card");
  assert.throws(() => reg.receipt(before, "text", "epson-tm-t20"), { code: "merchant_not_configured" });
  assert.throws(() => reg.receiptBytes(before, "escpos", "epson-tm-t20"), { code: "merchant_not_configured" });

  assert.throws(() => reg.setTrader("Fromagerie", ["Lyon"], "40483304800023", "manager"), { code: "invalid_siret" });
  assert.equal(reg.setting("trader_name"), "", "a refused change changes nothing");
  assert.equal(reg.setTrader("Fromagerie Bellecour", ["2 place Bellecour", "69002 Lyon"], "404 833 048 00022", "manager"), true);
  assert.equal(reg.setTrader("Fromagerie Bellecour", ["2 place Bellecour", "69002 Lyon"], "404 833 048 00022"), false);
  assert.equal(reg.setting("siret"), "40483304800022");
  assert.throws(() => reg.receipt(before, "text", "epson-tm-t20"), { code: "merchant_not_configured" },
    "a ticket made before prints what was signed then");

  const sale = pay(reg, ringUp(reg), "card");
  assert.equal(reg.setTrader("Fromagerie du Parc", ["Lyon"], "404 833 048 00022", "manager"), true);
  const text = reg.receipt(sale, "text", "epson-tm-t20");
  assert.match(text, /Fromagerie Bellecour/);
  assert.match(text, /404 833 048 00022/);
  assert.doesNotMatch(text, /du Parc/);
  const copy = Buffer.from(reg.reprint(sale, "alice", "text", "epson-tm-t20")).toString();
  assert.match(copy, /DUPLICATA/);
  assert.match(copy, /Fromagerie Bellecour/);
  const later = pay(reg, ringUp(reg), "card");
  assert.match(reg.receipt(later, "text", "epson-tm-t20"), /Fromagerie du Parc/);
});
