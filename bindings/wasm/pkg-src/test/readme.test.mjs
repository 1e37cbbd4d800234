// The root README's JavaScript snippet (readme-snippet.mjs, the same text),
// run as an app would: an ES module importing the package by its name
// (Node resolves it through the package's own "exports").
import test from "node:test";
import assert from "node:assert/strict";
import { execFileSync } from "node:child_process";
import { fileURLToPath } from "node:url";

test("the README's JavaScript snippet runs in Node as written", () => {
  const snippet = fileURLToPath(new URL("./readme-snippet.mjs", import.meta.url));
  const out = execFileSync(process.execPath, [snippet], { encoding: "utf8" });
  const [json, ...receipt] = out.split("\n");
  const sale = JSON.parse(json);
  assert.equal(sale.number, 1);
  assert.equal(sale.total, "1.30");
  assert.equal(sale.change, "0.70");
  assert.match(receipt.join("\n"), /1,30/);
});

test("ESM in Node: named exports, the error classes and a default init", async () => {
  const mod = await import("@pos-sdk/wasm");
  assert.equal(typeof mod.default, "function");
  await mod.default();
  assert.equal(typeof mod.Register.inMemory, "function");
  assert.equal(typeof mod.PosError, "function");
  const till = mod.Register.inMemory("paris-11", "till-1", "shop");
  assert.throws(() => till.scan(till.newCart(), "1"), (e) => e instanceof mod.PosError && e.code === "precondition");
});
