// Card references from Node (issue 14): a card payment with the processor's
// reference prints its masked number and authorisation code; a refund of it
// carries the pointer to the original charge; a full card number, a stray
// key or a card reference on cash is a typed error that repeats no digits.
"use strict";
const test = require("node:test");
const assert = require("node:assert/strict");
const pos = require("../node/index.cjs");

const T0 = 1773480600000;
const BAGUETTE = "2000000001012"; // 1.30

function shop(path) {
  const reg = pos.Register.open(path, "paris-11", "till-1", "shop", T0, 14n);
  reg.importCatalogJson(pos.sampleCatalogJson());
  reg.setSetting("trader_name", "Boulangerie Test", "alice");
  reg.setSetting("siret", "404 833 048 00022", "alice");
  return reg;
}

test("a card reference goes from the payment to the receipt and to the refund", () => {
  const reg = shop("/node-card.sqlite");
  const cart = reg.newCart();
  reg.scan(cart, BAGUETTE);
  const payment = reg.startPayment(cart);
  payment.addCard("card", "1.30", {
    processor_reference: "pi_3PqRsT2eZvKYlo2C",
    authorisation_code: "123456",
    masked_pan: "497010******1234",
    scheme: "visa",
    entry_mode: "contactless",
  });
  const sale = reg.completeSale(cart, payment, "alice");
  assert.equal(JSON.parse(sale.ticketJson()).payments[0].card.authorisation_code, "123456");
  const text = Buffer.from(reg.previewReceipt("T", sale.number, "text").bytes).toString();
  assert.ok(text.includes("VISA **** **** **** 1234"), text);
  assert.ok(text.includes("AUTO 123456 SANS CONTACT"), text);
  assert.ok(!text.includes("497010"));

  const refunds = reg.refundCardReferences(sale.ticketId);
  assert.equal(refunds.length, 1);
  assert.equal(refunds[0].charged, "1.30");
  assert.equal(refunds[0].card.original_reference, "pi_3PqRsT2eZvKYlo2C");
  const back = reg.refundCart(sale.ticketId, "alice", true);
  const payBack = reg.startPayment(back);
  payBack.addCard("card", payBack.remaining(), refunds[0].card);
  const refund = reg.completeSale(back, payBack, "alice");
  const card = JSON.parse(refund.ticketJson()).payments[0].card;
  assert.equal(card.original_reference, "pi_3PqRsT2eZvKYlo2C");
  const printed = Buffer.from(reg.previewReceipt("T", refund.number, "text").bytes).toString();
  assert.ok(printed.includes("Remb. de pi_3PqRsT2eZvKYlo2C"), printed);
});

test("bad card references are typed errors and change nothing", () => {
  const reg = shop("/node-card-bad.sqlite");
  const cart = reg.newCart();
  reg.scan(cart, BAGUETTE);
  const payment = reg.startPayment(cart);
  const full = { processor_reference: "pi_1", masked_pan: "4970101234567899" };
  assert.throws(() => payment.addCard("card", "1.30", full), (e) => {
    assert.equal(e.code, "card_pan_not_masked");
    assert.ok(!String(e.message).includes("4970101234567899"));
    return true;
  });
  assert.throws(
    () => payment.addCard("card", "1.30", { processor_reference: "pi_1", authorisation_code: "12 34" }),
    { code: "invalid_card_reference" },
  );
  assert.throws(() => payment.addCard("card", "1.30", { processorReference: "pi_1" }), { code: "invalid_input" });
  assert.throws(() => payment.addCard("card", "1.30", "pi_1"), { code: "invalid_input" });
  assert.throws(() => payment.addCard("cash", "1.30", { processor_reference: "pi_1" }), {
    code: "card_reference_not_allowed",
  });
  assert.equal(payment.remaining(), "1.30");
});
