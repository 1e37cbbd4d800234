// Cost of one call across the wasm boundary, from Node:
// - add item: `register.scan(cart, code)` (one call, a line added,
//   promotions re-applied), carts of 20 lines;
// - complete sale: `register.completeSale(cart, payment, operator)` of a
//   3-line cart paid by card (ticket, signed record, stock, outbox in one
//   SQLite transaction in wasm memory).
// Usage: node bench/boundary.cjs [iterations]
"use strict";
const pos = require("../node/index.cjs");

const N = Number(process.argv[2] ?? 2000);
const reg = pos.Register.open("/bench.sqlite", "s", "r", "shop", 1780300800000, 1n);
reg.importCatalogJson(pos.sampleCatalogJson());
const codes = ["2000000001012", "3760123000352", "2000000001029"];

function perCall(label, n, f) {
  for (let i = 0; i < Math.min(200, n); i++) f(i); // warm-up
  let total = 0n;
  for (let i = 0; i < n; i++) total += f(i);
  const ns = Number(total) / n;
  console.log(`${label}: ${(ns / 1000).toFixed(2)} µs per call (${n} calls)`);
  return ns;
}

let cart = reg.newCart();
let lines = 0;
perCall("wasm add item (scan)", N, (i) => {
  if (lines === 20) {
    cart.free();
    cart = reg.newCart();
    lines = 0;
  }
  const t = process.hrtime.bigint();
  reg.scan(cart, codes[i % 3]);
  const dt = process.hrtime.bigint() - t;
  lines += 1;
  return dt;
});

perCall("wasm complete sale (3 lines, card)", Math.max(1, Math.floor(N / 4)), () => {
  const c = reg.newCart();
  for (const code of codes) reg.scan(c, code);
  const p = reg.startPayment(c);
  p.add("card", c.total());
  const t = process.hrtime.bigint();
  const sale = reg.completeSale(c, p, "bench");
  const dt = process.hrtime.bigint() - t;
  sale.free();
  p.free();
  c.free();
  return dt;
});
