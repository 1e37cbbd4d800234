// What the web till needs beyond a sale, from Node: refunds, cash
// sessions and the X report, receipts as bytes (ESC/POS, PNG), reprints and
// stored receipts, month closure, FEC, archive, stock and click & collect
// orders. The binding surface only: each call, its shape and its errors.
"use strict";
const test = require("node:test");
const assert = require("node:assert/strict");
const pos = require("../node/index.cjs");

// 2026-03-14T09:30:00Z, a Saturday.
const T0 = 1773480600000;
const DAY = 86400000;
const BAGUETTE = "2000000001012"; // BAG-TRAD, 1.30

function till(path, seed) {
  const reg = pos.Register.open(path, "paris-11", "till-1", "shop", T0, seed);
  reg.importCatalogJson(pos.sampleCatalogJson());
  reg.setTrader("Boulangerie Test", ["1 rue de la Paix", "75002 Paris"], "404 833 048 00022", "alice");
  return reg;
}

function sell(reg, method, ...codes) {
  const cart = reg.newCart();
  for (const c of codes) reg.scan(cart, c);
  const payment = reg.startPayment(cart);
  payment.add(method, payment.remaining());
  return reg.completeSale(cart, payment, "alice");
}

test("a full refund and a partial refund are refund tickets", () => {
  const reg = till("/parity-refund.sqlite", 1n);
  const sale = sell(reg, "cash", BAGUETTE, BAGUETTE, "3760123000352");
  const manager = { name: "CartError", code: "permission_required", message: "refunding a ticket needs the `return` permission (a manager's right)" };
  assert.throws(() => reg.refundCart(sale.ticketId, "bob"), manager);
  assert.throws(() => reg.partialRefundCart(sale.ticketId, [{ line: 1, quantity: "1" }], "bob", false), manager);

  // Lines are numbered from 1, as the sale's cart lines were.
  const again = reg.newCart();
  reg.scan(again, BAGUETTE);
  assert.equal(again.lines()[0].id, 1);
  const partial = reg.partialRefundCart(sale.ticketId, [{ line: 1, quantity: "1" }], "bob", true);
  assert.equal(partial.total(), "-1.30");
  const back = reg.startPayment(partial);
  // What is owed back is positive, and so are the tenders paying it.
  assert.equal(back.remaining(), "1.30");
  assert.throws(() => back.add("cash", "-1.30"), pos.PosError);
  back.add("cash", "1.00");
  assert.equal(back.remaining(), "0.30");
  back.add("cash", "0.30");
  const refund = reg.completeSale(partial, back, "bob");
  assert.equal(refund.total, "-1.30");
  assert.equal(refund.isRefund, true);
  assert.equal(refund.number, sale.number + 1);

  // What is left: the other baguette and the other article.
  const rest = reg.refundCart(sale.ticketId, "bob", true);
  assert.equal(rest.lines().length, 2);
  const restPay = reg.startPayment(rest);
  restPay.add("cash", restPay.remaining());
  reg.completeSale(rest, restPay, "bob");
  // Nothing left to refund.
  assert.throws(() => reg.refundCart(sale.ticketId, "bob", true), pos.PosError);
  assert.equal(reg.todayReport().refundsCount, 2);

  // Refund lines are checked at the boundary.
  assert.throws(() => reg.partialRefundCart(sale.ticketId, [{ line: 1, quantity: 1 }], "bob", true), { name: "CartError", code: "invalid_input", message: /quantity.*got number/ });
  for (const line of [0, 4]) {
    assert.throws(() => reg.partialRefundCart(sale.ticketId, [{ line, quantity: "1" }], "bob", true), { name: "CartError", code: "unknown_original_line", message: new RegExp(`^line ${line} is not a refundable line of ticket .*numbered 1 to 3$`) });
  }
  assert.throws(() => reg.partialRefundCart(sale.ticketId, "0", "bob", true), { code: "invalid_input" });
  assert.throws(() => reg.partialRefundCart(sale.ticketId, [{ line: -1, quantity: "1" }], "bob", true), { code: "invalid_input" });
  assert.throws(() => reg.refundCart("no-such-ticket", "bob", true), pos.PosError);
});

test("a cash session: float, pay-in, pay-out, X report, count and close", () => {
  const reg = till("/parity-cash.sqlite", 2n);
  assert.throws(() => reg.xReport(), pos.PosError);
  const session = reg.openCashSession("alice", "100.00");
  assert.equal(typeof session, "string");
  assert.throws(() => reg.openCashSession("alice", "100.00"), { code: "already_open" });
  sell(reg, "cash", BAGUETTE);
  let x = reg.cashPayIn("alice", "20.00", "change_fund", "coins", "pay-in-1");
  assert.equal(x.payIns, "20.00");
  // The same key and request again: a no-op.
  x = reg.cashPayIn("alice", "20.00", "change_fund", "coins", "pay-in-1");
  assert.equal(x.payIns, "20.00");
  x = reg.cashPayOut("alice", "5.00", "expense", "stamps");
  assert.equal(x.payOuts, "5.00");
  assert.equal(x.session, session);
  assert.equal(x.openingFloat, "100.00");
  assert.equal(x.salesCount, 1);
  assert.equal(x.salesTotal, "1.30");
  assert.equal(x.expectedCash, "116.30");
  assert.deepEqual(x.byTender.map((t) => t.kind), ["cash"]);
  assert.equal(x.byVat.length, 1);
  assert.equal(typeof x.atMillis, "number");
  assert.deepEqual(reg.xReport(), x);
  assert.throws(() => reg.cashPayIn("alice", 20, "change_fund"), { code: "invalid_input", message: /amount.*got number/ });
  assert.throws(() => reg.cashPayIn("alice", "20", "lottery"), { code: "invalid_input", message: /reason/ });
  assert.throws(() => reg.cashPayOut("alice", "1000.00", "bank_deposit"), pos.PosError);
  assert.deepEqual(reg.xReport(), x, "refused moves change nothing");

  const closed = reg.closeCashSession("alice", "116.00");
  assert.deepEqual(closed, { counted: "116.00", difference: "-0.30", closures: [] });
  assert.throws(() => reg.closeCashSession("alice", "1"), pos.PosError);

  reg.openCashSession("bob", "50");
  const both = reg.closeSessionAndDay("bob", "50");
  assert.equal(both.difference, "0.00");
  assert.deepEqual(both.closures, ["Z 1"]);
  assert.equal(reg.periodState(), "day_closed");
});

test("receipts as bytes: ESC/POS, PNG, SVG; a reprint is a signed duplicate", () => {
  const reg = till("/parity-receipts.sqlite", 3n);
  const sale = sell(reg, "card", BAGUETTE);
  const escpos = reg.receiptBytes(sale, "escpos", "epson-tm-t20");
  assert.ok(escpos instanceof Uint8Array);
  assert.deepEqual([...escpos.subarray(0, 2)], [0x1b, 0x40], "ESC @ first");
  const png = reg.receiptBytes(sale, "png", "epson-tm-t20");
  assert.deepEqual([...png.subarray(1, 4)], [0x50, 0x4e, 0x47]);
  const svg = Buffer.from(reg.receiptBytes(sale, "svg", "generic-58mm")).toString();
  assert.match(svg, /<svg/);
  assert.throws(() => reg.receiptBytes(sale, "pdf", "epson-tm-t20"), { code: "invalid_input", message: /escpos, text, html, png or svg/ });
  assert.throws(() => reg.receiptBytes(sale, "text", "no-such-printer"), { name: "DeviceError" });

  const before = reg.verify().records;
  const copy = Buffer.from(reg.reprint(sale, "alice", "text", "epson-tm-t20")).toString();
  assert.match(copy, /DUPLICATA/);
  assert.equal(reg.verify().records, before + 1, "the duplicate is a journal record");

  assert.throws(() => reg.reprint(sale, "alice", "pdf", "epson-tm-t20"), { code: "invalid_input" });
});

test("stored receipts: a preview has no fiscal effect, a second print is a duplicate", () => {
  // No merchant set up yet (no setTrader).
  const reg = pos.Register.open("/parity-stored.sqlite", "paris-11", "till-1", "shop", T0, 7n);
  reg.importCatalogJson(pos.sampleCatalogJson());
  const sale = sell(reg, "card", BAGUETTE);
  assert.throws(() => reg.previewReceipt("T", 99, "text"), pos.PosError);
  assert.throws(() => reg.previewReceipt("?", 1, "text"), { code: "invalid_input" });
  assert.throws(() => reg.previewReceipt("T", 1.5, "text"), { code: "invalid_input" });
  assert.throws(() => reg.previewReceipt("T", 1, 3), { code: "invalid_input", message: /format.*got number/ });
  // Stored receipts print the merchant settings in force when the ticket
  // was signed: none yet for this one.
  assert.equal(reg.setting("trader_name"), "");
  assert.throws(() => reg.previewReceipt("T", sale.number, "text"), { code: "merchant_not_configured" });
  assert.equal(reg.setSetting("trader_name", "Boulangerie Test", "alice"), true);
  assert.equal(reg.setSetting("trader_name", "Boulangerie Test", "alice"), false, "unchanged: nothing logged");
  assert.equal(reg.setting("trader_name"), "Boulangerie Test");
  assert.throws(() => reg.setSetting("siret", "123", "alice"), pos.PosError);
  assert.equal(reg.setSetting("siret", "404 833 048 00022", "alice"), true);
  assert.throws(() => reg.setting("colour"), pos.PosError);
  assert.throws(() => reg.previewReceipt("T", sale.number, "text"), { code: "merchant_not_configured" });
  const signed = sell(reg, "card", BAGUETTE);
  const preview = reg.previewReceipt("T", signed.number, "text");
  assert.equal(preview.kind, "sale");
  const text = Buffer.from(preview.bytes).toString();
  assert.match(text, /Boulangerie Test/);
  assert.match(text, /1,30/);
  const first = reg.printStoredReceipt("T", signed.number, "escpos", "alice");
  assert.ok(first.bytes instanceof Uint8Array);
  const again = reg.printStoredReceipt("T", signed.number, "text", "alice");
  assert.match(again.kind, /^duplicate \d+$/);
  assert.match(Buffer.from(again.bytes).toString(), /DUPLICATA/);
});

test("closures, FEC and archive of closed days", () => {
  const reg = till("/parity-fiscal.sqlite", 4n);
  sell(reg, "cash", BAGUETTE);
  assert.throws(() => reg.closeMonth(2026, 3, "alice"), { name: "FiscalError" });
  assert.deepEqual(reg.closeDay("alice"), ["Z 1"]);
  const fec = reg.exportFec("552100554", "alice");
  assert.match(fec.name, /FEC/);
  assert.ok(fec.bytes instanceof Uint8Array && fec.bytes.length > 0);
  reg.setClock(T0 + DAY);
  const archive = reg.archive("2026-03-14", "2026-03-14", "alice");
  assert.equal(archive.intact, true);
  assert.match(archive.record, /^A \d+$/);
  assert.match(archive.manifestSha256, /^[0-9a-f]{64}$/);
  assert.ok(archive.bytes.length > 512);
  assert.equal(typeof archive.fileName, "string");
  assert.throws(() => reg.archive("14/03/2026", "2026-03-14", "alice"), { code: "invalid_input" });
  assert.throws(() => reg.archive("2026-03-20", "2026-03-30", "alice"), pos.FiscalError);
  reg.setClock(T0 + 20 * DAY);
  const made = reg.closeMonth(2026, 3, "alice");
  assert.ok(made.length >= 1);
  assert.ok(made.every((r) => typeof r === "string"));
  assert.equal(reg.verify().intact, true);
});

test("stock: levels, received goods, loss, transfer and inventory count", () => {
  const reg = till("/parity-stock.sqlite", 5n);
  const start = reg.stockLevel("BAG-TRAD");
  assert.deepEqual(Object.keys(start).sort(), ["available", "onHand", "reserved"]);
  const received = reg.receiveStock("BAG-TRAD", "50", "alice", "BL-1");
  assert.equal(Number(received.onHand), Number(start.onHand) + 50);
  sell(reg, "cash", BAGUETTE);
  assert.equal(Number(reg.stockLevel("BAG-TRAD").onHand), Number(received.onHand) - 1);
  const lost = reg.recordLoss("BAG-TRAD", "2", "alice");
  assert.equal(Number(lost.onHand), Number(received.onHand) - 3);
  const moved = reg.transferStock("BAG-TRAD", "depot", "5", "alice");
  assert.equal(Number(moved.onHand), Number(received.onHand) - 8);
  assert.throws(() => reg.transferStock("BAG-TRAD", "depot", "100000", "alice"), pos.PosError);
  assert.equal(reg.countStock([{ sku: "BAG-TRAD", quantity: "10" }], "alice"), 1);
  assert.equal(reg.stockLevel("BAG-TRAD").onHand, "10");
  assert.throws(() => reg.receiveStock("BAG-TRAD", 5, "alice"), { code: "invalid_input", message: /got number/ });
  assert.throws(() => reg.countStock([{ sku: "BAG-TRAD", quantity: 3 }], "alice"), { code: "invalid_input" });
  assert.throws(() => reg.countStock({ sku: "BAG-TRAD" }, "alice"), { code: "invalid_input" });
  assert.equal(reg.stockLevel("BAG-TRAD").onHand, "10", "refused calls change nothing");
});

test("click & collect: an order paid at the till and one paid online", () => {
  const reg = till("/parity-orders.sqlite", 6n);
  reg.receiveStock("BAG-TRAD", "20", "alice");
  const line = { sku: "BAG-TRAD", label: "Baguette", quantity: "2", amount: "2.60" };
  assert.equal(reg.receiveOrder("CMD-1", [line], T0 + 3600000), "received");
  assert.equal(reg.acceptOrder("CMD-1", "alice"), "accepted");
  assert.equal(reg.stockLevel("BAG-TRAD").reserved, "2");
  assert.equal(reg.startPreparingOrder("CMD-1", "alice"), "preparing");
  assert.equal(reg.markOrderReady("CMD-1", "alice"), "ready");
  const list = reg.pickupList();
  assert.equal(list.length, 1);
  assert.deepEqual(list[0], { order: "CMD-1", pickupAtMillis: T0 + 3600000, status: "ready", paid: false, due: "2.60" });
  const cart = reg.orderCart("CMD-1");
  assert.equal(cart.total(), "2.60");
  const payment = reg.startPayment(cart);
  payment.add("card", "2.60");
  const sale = reg.collectOrderAndPay("CMD-1", cart, payment, "alice");
  assert.equal(sale.total, "2.60");
  assert.equal(cart.isCompleted, true);
  assert.equal(reg.orderStatus("CMD-1"), "collected");
  assert.throws(() => reg.collectOrderAndPay("CMD-1", cart, payment, "alice"), { code: "cart_completed" });

  // Refunded at the till with a refund ticket.
  const back = reg.refundCart(sale.ticketId, "bob", true);
  const backPay = reg.startPayment(back);
  backPay.add("card", "2.60");
  const refund = reg.refundOrderAtTill("CMD-1", back, backPay, "bob");
  assert.equal(refund.total, "-2.60");
  assert.equal(reg.orderStatus("CMD-1"), "refunded");

  // Paid online: collected without a ticket; another one cancelled.
  reg.receiveOrder("CMD-2", [line], T0 + 7200000, "pi_123");
  reg.acceptOrder("CMD-2", "alice");
  reg.startPreparingOrder("CMD-2", "alice");
  reg.markOrderReady("CMD-2", "alice");
  assert.equal(reg.pickupList()[0].paid, true);
  assert.equal(reg.collectOrder("CMD-2", "alice"), "collected");
  reg.receiveOrder("CMD-3", [line], T0 + 7200000, "pi_456");
  assert.equal(reg.cancelOrder("CMD-3", "alice"), "cancelled");
  assert.equal(reg.refundOrder("CMD-3", "alice"), "refunded");

  assert.throws(() => reg.receiveOrder("CMD-4", [{ ...line, amount: 2.6 }], T0), { code: "invalid_input", message: /amount.*got number/ });
  assert.throws(() => reg.receiveOrder("CMD-4", [line], 1.5), { code: "invalid_input" });
  assert.throws(() => reg.acceptOrder("CMD-404", "alice"), pos.PosError);
  assert.throws(() => reg.markOrderReady("CMD-2", "alice"), pos.PosError);
});

test("customers: the RGPD export and erasure; a price check without a cart", () => {
  const reg = till("/parity-customers.sqlite", 8n);
  const id = reg.createCustomer("Marie", "Curie", "marie@example.org");
  const doc = JSON.parse(reg.exportCustomer(id));
  assert.match(JSON.stringify(doc), /marie@example\.org/);
  assert.equal(reg.eraseCustomer(id, "alice"), true);
  assert.equal(reg.eraseCustomer(id, "alice"), false);
  assert.equal(reg.customer(id).email, null);
  assert.doesNotMatch(reg.exportCustomer(id), /marie@example\.org/);
  assert.throws(() => reg.exportCustomer(""), pos.PosError);

  const item = reg.lookup(BAGUETTE);
  assert.equal(item.sku, "BAG-TRAD");
  assert.equal(item.unitPrice, "1.30");
  assert.equal(item.carried, "quantity:1");
  assert.equal(typeof item.mealVoucherEligible, "boolean");
  assert.throws(() => reg.lookup("0000000000000"), pos.CartError);
  assert.throws(() => reg.lookup(3760123000352), { code: "invalid_input", message: /got number/ });
});
