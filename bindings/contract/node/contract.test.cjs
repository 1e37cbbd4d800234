// The cross-language contract (bindings/contract/cases.json) through the npm
// package (wasm) from Node: one `node --test` case per contract case, each on
// a fresh in-memory till. POS_WASM_PKG names the package folder (default
// build/wasm/pkg, as bindings/wasm/run-tests.sh makes it).
"use strict";
const test = require("node:test");
const assert = require("node:assert/strict");
const fs = require("node:fs");
const path = require("node:path");

const ROOT = path.resolve(__dirname, "../../..");
const PKG = process.env.POS_WASM_PKG || path.join(ROOT, "build/wasm/pkg");
const pos = require(path.join(PKG, "node/index.cjs"));
const CASES = JSON.parse(fs.readFileSync(path.join(__dirname, "../cases.json"), "utf8"));

// One till and what the steps act on: the current cart and payment, the sales.
class Driver {
  constructor(start) {
    this.clock = start;
    this.till = pos.Register.inMemory("paris-11", "till-1", "shop", start, 1n);
    this.till.importCatalogJson(pos.sampleCatalogJson());
    this.cart = this.till.newCart();
    this.payment = null;
    this.sales = [];
    this.last = null;
  }

  paying() {
    if (this.payment === null) this.payment = this.till.startPayment(this.cart);
    return this.payment;
  }

  // The ticket id of the sale a refund names (`of`, from 1; the first).
  original(step) {
    return this.sales[(step.of ?? 1) - 1].ticketId;
  }

  run(step) {
    const t = this.till;
    switch (step.op) {
      case "new_cart":
        this.cart = t.newCart();
        this.payment = null;
        return {};
      case "scan":
        t.scan(this.cart, step.code);
        return {};
      case "set_quantity":
        this.cart.setQuantity(step.line, step.quantity);
        return {};
      case "start_payment":
        this.payment = t.startPayment(this.cart);
        return {};
      case "pay":
        this.paying().add(step.method, step.amount);
        return {};
      case "complete": {
        const p = this.paying();
        p.add(step.method, p.remaining());
        const sale = t.completeSale(this.cart, p, step.operator ?? "alice", undefined, false, step.key);
        this.last = [this.cart, p];
        this.sales.push(sale);
        return { number: sale.number, ticket_id: sale.ticketId, total: sale.total, change: sale.change };
      }
      case "complete_again":
        t.completeSale(this.last[0], this.last[1], "alice");
        return {};
      case "clock":
        this.clock = "set" in step ? step.set : this.clock + step.add;
        t.setClock(this.clock);
        return {};
      case "close_day":
        return { closures: t.closeDay("alice") };
      case "close_month":
        return { closures: t.closeMonth(step.year, step.month, "alice") };
      case "refund":
        this.cart = t.refundCart(this.original(step), step.operator, step.manager);
        this.payment = null;
        return { total: this.cart.total() };
      case "partial_refund":
        this.cart = t.partialRefundCart(this.original(step), [{ line: step.line, quantity: step.quantity }], step.operator ?? "alice", step.manager ?? true);
        this.payment = null;
        return { total: this.cart.total() };
      case "sample_promotions":
        t.setPromotionsJson(pos.samplePromotionsJson());
        return {};
      case "add_coupon":
        this.cart.addCoupon(step.code);
        return {};
      case "set_setting":
        t.setSetting(step.key, step.value, "alice");
        return {};
      case "pay_card":
        this.paying().addCard(step.method ?? "card", step.amount, step.card);
        return {};
      case "card_refunds":
        return {
          refunds: t.refundCardReferences(this.original(step)).map((r) => ({
            original_reference: r.card.original_reference,
            masked_pan: r.card.masked_pan,
            charged: r.charged,
          })),
        };
      case "describe_barcode": {
        const info = pos.describeBarcode(step.code, 2026);
        const mismatch = info.check_digit_mismatch ?? info.checkDigitMismatch ?? null;
        return { kind: info.kind, valid: info.valid, check_digit_expected: mismatch && mismatch.expected };
      }
      case "preview_receipt":
      {
        const receipt = t.previewReceipt(step.series, step.number, "text");
        return { text: new TextDecoder().decode(receipt.bytes) };
      }
      default:
        throw new Error(`unknown op ${step.op}: the JavaScript driver lacks it`);
    }
  }
}

// A thrown PosError as the contract writes it: kind, code, message.
function outcome(e) {
  if (!(e instanceof pos.PosError)) throw e;
  return { error: e.name.replace(/Error$/, ""), code: e.code, message: e.message };
}

function check(step, got, ticket) {
  const want = step.expect;
  if (want === undefined || !("error" in want)) assert.ok(!("error" in got), `${step.op} failed: ${JSON.stringify(got)}`);
  if (want === undefined) return;
  if ("error" in want) {
    assert.ok("error" in got, `${step.op} succeeded (${JSON.stringify(got)}) where ${want.code} was expected`);
    assert.deepEqual([got.error, got.code], [want.error, want.code], JSON.stringify(got));
    if ("message" in want) assert.equal(got.message, want.message.replace("{ticket}", ticket ?? ""));
    for (const part of want.message_has ?? []) assert.ok(got.message.includes(part), `${part} not in ${got.message}`);
    for (const part of want.message_lacks ?? []) assert.ok(!got.message.includes(part), `${part} in ${got.message}`);
    return;
  }
  for (const part of want.text_has ?? []) assert.ok(got.text.includes(part), `${part} not in ${got.text}`);
  for (const [key, value] of Object.entries(want)) {
    if (key !== "text_has") assert.deepEqual(got[key], value, `${step.op}: ${key}`);
  }
}

for (const c of CASES.cases) {
  test(c.id, { skip: c.pending }, () => {
    const driver = new Driver(CASES.start_millis);
    for (const step of c.steps) {
      let got;
      try {
        got = driver.run(step);
      } catch (e) {
        got = outcome(e);
      }
      check(step, got, driver.sales[0]?.ticketId);
    }
  });
}
