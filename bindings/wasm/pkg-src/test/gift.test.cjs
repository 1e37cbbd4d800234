// Gift receipts from Node: the binding surface only — a sale's gift receipt
// without any price, its GIFT- code read back, chosen lines, refusals with
// their code, and the priced ticket's first print still the original.
"use strict";
const test = require("node:test");
const assert = require("node:assert/strict");
const pos = require("../node/index.cjs");

const T0 = 1773480600000;
const BAGUETTE = "2000000001012"; // 1.30
const COMTE = "3760123000352"; // 24.90

test("a gift receipt lists the items without price and is not a duplicate", () => {
  const reg = pos.Register.open("/node-gift.sqlite", "paris-11", "till-1", "shop", T0, 5n);
  reg.importCatalogJson(pos.sampleCatalogJson());
  reg.setSetting("trader_name", "Boulangerie Test", "alice");
  reg.setSetting("siret", "404 833 048 00022", "alice");
  const cart = reg.newCart();
  reg.scan(cart, BAGUETTE);
  reg.scan(cart, COMTE);
  const payment = reg.startPayment(cart);
  payment.add("cash", payment.remaining());
  const sale = reg.completeSale(cart, payment, "alice");

  const gift = reg.giftReceipt(sale.ticketId, undefined, "text", "alice");
  const text = Buffer.from(gift.bytes).toString();
  assert.equal(gift.code, "GIFT-" + sale.ticketId);
  assert.match(gift.event, /^E\d+$/);
  assert.match(text, /TICKET CADEAU/);
  assert.ok(text.includes(gift.code));
  for (const absent of ["€", "26,20", "24,90", "TOTAL", "DUPLICATA"]) {
    assert.ok(!text.includes(absent), absent);
  }
  assert.equal(pos.giftCodeTicketId(gift.code.toLowerCase()), sale.ticketId);
  assert.throws(() => pos.giftCodeTicketId("T42"), { code: "invalid_id" });

  const one = Buffer.from(reg.giftReceipt(sale.ticketId, [2], "text", "alice").bytes).toString();
  assert.match(one, /Comté/);
  assert.doesNotMatch(one, /Baguette/);
  for (const lines of [[0], [3], [1, 1], []]) {
    assert.throws(() => reg.giftReceipt(sale.ticketId, lines, "text", "alice"), { code: "invalid_input" });
  }
  assert.throws(() => reg.giftReceipt(sale.ticketId, undefined, "pdf", "alice"), { code: "invalid_input" });

  assert.equal(reg.printStoredReceipt("T", sale.number, "text", "alice").kind, "sale");
  assert.equal(reg.verify().intact, true);
});
