// The npm package from Node (CommonJS): the binding surface only — a sale,
// split payment, receipt, closure, verification, the database round trip
// and typed errors. The Rust logic itself is tested in Rust.
"use strict";
const test = require("node:test");
const assert = require("node:assert/strict");
const pos = require("../node/index.cjs");

// 2026-03-14T09:30:00Z, a Saturday.
const T0 = 1773480600000;

function till(path, seed) {
  const reg = pos.Register.open(path, "paris-11", "till-1", "shop", T0, seed);
  reg.importCatalogJson(pos.sampleCatalogJson());
  reg.setTrader("Boulangerie Test", ["1 rue de la Paix", "75002 Paris"], "404 833 048 00022", "alice");
  return reg;
}

test("a split-paid sale, its receipt with QR, the Z and the verification", () => {
  const reg = till("/node-sale.sqlite", 1n);
  const cart = reg.newCart();
  const line = reg.scan(cart, "2000000001012");
  reg.scan(cart, "3760123000352");
  assert.equal(cart.total(), "26.20");
  cart.setQuantity(line, "2");
  assert.equal(cart.total(), "27.50");
  const lines = cart.lines();
  assert.equal(lines.length, 2);
  assert.equal(lines[0].sku, "BAG-TRAD");
  assert.equal(lines[0].quantity, "2");
  assert.equal(typeof lines[0].amount, "string");

  const payment = reg.startPayment(cart);
  payment.add("card", "20.00");
  assert.equal(payment.remaining(), "7.50");
  payment.add("cash", "10");
  const sale = reg.completeSale(cart, payment, "alice");
  assert.equal(sale.number, 1);
  assert.equal(sale.series, "T");
  assert.equal(sale.total, "27.50");
  assert.equal(sale.change, "2.50");
  assert.equal(sale.atMillis, T0);
  assert.equal([...sale.signatureExtract].length, 4);
  assert.equal(JSON.parse(sale.ticketJson()).id, sale.ticketId);

  const text = reg.receipt(sale, "text", "epson-tm-t20");
  assert.match(text, /Boulangerie Test/);
  assert.match(text, /27,50/);
  const svg = reg.receipt(sale, "svg", "epson-tm-t20");
  assert.match(svg, /^<svg|<\?xml/);
  const html = reg.receipt(sale, "html", "epson-tm-t20");
  assert.match(html, /27,50/);

  assert.equal(reg.syncStatus().pending >= 1, true);
  // the sale left the head unsealed: an idle seal signs it once, then nothing
  assert.equal(reg.seal(), true);
  assert.equal(reg.seal(), false);
  assert.deepEqual(reg.closeDay("alice"), ["Z 1"]);
  const report = reg.verify();
  assert.equal(report.intact, true);
  assert.ok(report.signaturesChecked >= 3);
});

test("promotions run on new carts: 3 croissants for 3 euros", () => {
  const reg = till("/node-promo.sqlite", 2n);
  assert.ok(reg.setPromotionsJson(pos.samplePromotionsJson()) > 3);
  const hits = reg.searchProducts("croissant", 5);
  const croissant = hits.find((h) => h.sku === "CROISSANT");
  assert.ok(croissant, JSON.stringify(hits));
  const cart = reg.newCart();
  const line = reg.scan(cart, "CROISSANT");
  cart.setQuantity(line, "3");
  assert.equal(cart.total(), "3.00");
  assert.deepEqual(cart.lines()[0].promotions, ["CROISSANTS-3-POUR-3"]);
});

test("customers and loyalty by card id", () => {
  const reg = till("/node-customer.sqlite", 3n);
  const id = reg.createCustomer("Marie", "Curie", "marie@example.org");
  const c = reg.customer(id);
  assert.equal(c.id, id);
  assert.equal(c.givenName, "Marie");
  assert.equal(c.loyaltyPoints, 0);
  assert.equal(reg.loyaltyBalance(id), 0);
});

test("the database survives an export and a restore", () => {
  const reg = till("/node-export.sqlite", 4n);
  const cart = reg.newCart();
  reg.scan(cart, "2000000001012");
  const payment = reg.startPayment(cart);
  payment.add("cash", "1.30");
  const sale = reg.completeSale(cart, payment, "alice");
  const bytes = reg.exportDatabase();
  assert.ok(bytes instanceof Uint8Array);
  assert.equal(Buffer.from(bytes.subarray(0, 15)).toString(), "SQLite format 3");
  assert.equal(Buffer.from(bytes).includes("PRIVATE KEY"), false, "the database holds no key");
  const keys = reg.exportKeys();
  const again = pos.Register.restore(bytes, "/node-restored.sqlite", "paris-11", "till-1", "shop", T0 + 1000, 5n, undefined, keys);
  assert.equal(again.syncStatus().pending, reg.syncStatus().pending);
  const cart2 = again.newCart();
  again.importCatalogJson(pos.sampleCatalogJson());
  again.scan(cart2, "2000000001012");
  const p2 = again.startPayment(cart2);
  p2.add("cash", "2");
  const next = again.completeSale(cart2, p2, "alice");
  assert.equal(next.number, sale.number + 1);
  assert.equal(again.verify().intact, true);
});

test("errors are JS Errors with a name and a code, and change nothing", () => {
  const reg = pos.Register.open("/node-errors.sqlite", "paris-11", "till-1", "shop", T0, 6n);
  const cart = reg.newCart();
  assert.throws(() => reg.scan(cart, "2000000001012"), (e) => e instanceof Error && e.name === "CartError" && e.code === "precondition");
  reg.importCatalogJson(pos.sampleCatalogJson());
  assert.throws(() => reg.scan(cart, "0000000000000"), { name: "CartError" });
  assert.equal(cart.isEmpty(), true);
  const line = reg.scan(cart, "2000000001012");
  assert.throws(() => cart.setQuantity(line, "two"), { name: "CartError", code: "invalid_input" });
  assert.equal(cart.lines()[0].quantity, "1");
  const payment = reg.startPayment(cart);
  assert.throws(() => payment.add("bitcoin", "1"), { code: "invalid_input" });
  assert.throws(() => reg.completeSale(cart, payment, "alice"), { name: "CartError" });
  assert.throws(() => pos.Register.restore(new Uint8Array([1, 2, 3]), "/x.sqlite", "paris-11", "till-1", "shop"), { name: "StoreError", code: "corrupt" });
  assert.throws(() => pos.describeBarcode("", 2026), { name: "DeviceError" });
  assert.equal(pos.describeBarcode("3760123000352", 2026).valid, true);
  assert.equal(reg.verify().intact, true);
});

test("with a receipt link base, each receipt carries the QR of its page", () => {
  const reg = pos.Register.open("/node-link.sqlite", "paris-11", "till-1", "shop", T0, 7n, "https://recus.example.fr");
  reg.importCatalogJson(pos.sampleCatalogJson());
  reg.setTrader("Boulangerie Test", ["1 rue de la Paix", "75002 Paris"], "404 833 048 00022", "alice");
  const cart = reg.newCart();
  reg.scan(cart, "2000000001012");
  const payment = reg.startPayment(cart);
  payment.add("cash", "1.30");
  const sale = reg.completeSale(cart, payment, "alice");
  assert.match(reg.receiptLink(sale.ticketId), /^https:\/\/recus\.example\.fr\/r\/[^/]{16,}$/);
  assert.match(reg.receipt(sale, "text", "epson-tm-t20"), /Votre ticket en ligne/);
  // Without a base: no link, no QR.
  const plain = till("/node-nolink.sqlite", 8n);
  const c2 = plain.newCart();
  plain.scan(c2, "2000000001012");
  const p2 = plain.startPayment(c2);
  p2.add("cash", "1.30");
  const s2 = plain.completeSale(c2, p2, "alice");
  assert.equal(plain.receiptLink(s2.ticketId), undefined);
  assert.doesNotMatch(plain.receipt(s2, "text", "epson-tm-t20"), /Votre ticket en ligne/);
});
