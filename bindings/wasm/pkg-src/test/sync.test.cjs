// The sync API from Node against a real `pos sync-server` (POS_BIN names the
// `pos` binary; skipped without it): the round's structured report, the
// typed errors when not enrolled or unreachable, and nothing sent twice.
"use strict";
const test = require("node:test");
const assert = require("node:assert/strict");
const { spawn, execFileSync } = require("node:child_process");
const fs = require("node:fs");
const net = require("node:net");
const os = require("node:os");
const path = require("node:path");
const pos = require("../node/index.cjs");

const POS_BIN = process.env.POS_BIN ?? null;
// 2026-03-14T09:30:00Z
const T0 = 1773480600000;

// The transport the till calls synchronously: one short-lived Node process
// per request doing the fetch (Node has no synchronous HTTP client).
const FETCH = `const [url, method, headers, body] = JSON.parse(process.argv[1]);
fetch(url, { method, headers: Object.fromEntries(headers), body: method === "GET" ? undefined : Buffer.from(body, "base64") })
  .then(async (r) => process.stdout.write(JSON.stringify({ status: r.status, body: Buffer.from(await r.arrayBuffer()).toString("base64") })))
  .catch(() => process.exit(3));`;

function transport(base) {
  return (method, p, headers, body) => {
    const out = execFileSync(process.execPath, ["-e", FETCH, JSON.stringify([base + p, method, headers, Buffer.from(body).toString("base64")])]);
    const r = JSON.parse(String(out));
    return { status: r.status, body: new Uint8Array(Buffer.from(r.body, "base64")) };
  };
}

function freePort() {
  return new Promise((resolve) => {
    const s = net.createServer().listen(0, "127.0.0.1", () => {
      const { port } = s.address();
      s.close(() => resolve(port));
    });
  });
}

async function startServer() {
  const dir = fs.mkdtempSync(path.join(os.tmpdir(), "pos-wasm-sync-"));
  const port = await freePort();
  // The first start of the empty database creates the till's store and
  // prints one enrolment code for it (one JSON line on stdout), once.
  const child = spawn(POS_BIN, ["sync-server", "--listen", `127.0.0.1:${port}`, "--db", path.join(dir, "server.sqlite"), "--first-retailer", "r1", "--first-store", "paris-11"], { stdio: ["ignore", "pipe", "pipe"] });
  let stdout = "";
  let listening = false;
  const code = await new Promise((resolve, reject) => {
    child.once("error", reject);
    child.once("exit", (status) => reject(new Error(`pos sync-server exited with ${status}`)));
    const done = () => {
      const line = stdout.split("\n").find((l) => l.includes("first_start"));
      if (listening && line) resolve(JSON.parse(line).first_start.enrolment_code);
    };
    child.stdout.on("data", (d) => { stdout += String(d); done(); });
    child.stderr.on("data", (d) => { if (String(d).includes("listening")) listening = true; done(); });
  });
  return { child, base: `http://127.0.0.1:${port}`, code };
}

function sellOne(reg) {
  const cart = reg.newCart();
  reg.scan(cart, "2000000001012");
  const payment = reg.startPayment(cart);
  payment.add("cash", "1.30");
  return reg.completeSale(cart, payment, "alice");
}

test("a sync round against a real pos sync-server returns a structured report", { skip: POS_BIN ? false : "POS_BIN not set: no pos sync-server" }, async () => {
  const server = await startServer();
  try {
    const http = transport(server.base);
    const reg = pos.Register.open("/node-sync.sqlite", "paris-11", "till-sync", "shop", T0, 11n);
    reg.importCatalogJson(pos.sampleCatalogJson());
    sellOne(reg);
    assert.throws(() => reg.sync(http), { name: "SyncError", code: "not_enrolled" });
    reg.enroll(http, server.code);
    const before = reg.syncStatus().pending;
    assert.ok(before >= 1);

    const report = reg.sync(http);
    assert.deepEqual(Object.keys(report).sort(), ["acknowledged", "lastSuccessMillis", "pending", "pulled", "pushed", "pushes", "quarantined", "rejected"]);
    assert.equal(report.pushed, before);
    assert.equal(report.pending, 0);
    assert.ok(report.pushes >= 1);
    assert.ok(report.acknowledged >= before);
    assert.equal(typeof report.pulled, "number");
    assert.deepEqual(report.rejected, []);
    assert.deepEqual(report.quarantined, []);
    assert.equal(typeof report.lastSuccessMillis, "number");
    assert.equal(reg.syncStatus().lastSuccessMillis, report.lastSuccessMillis);

    // Nothing is sent twice.
    const again = reg.sync(http);
    assert.equal(again.pushed, 0);
    assert.equal(again.acknowledged, report.acknowledged);

    // Unreachable: a SyncError, and the till counts itself offline.
    sellOne(reg);
    const down = () => { throw new Error("unreachable"); };
    assert.throws(() => reg.sync(down), { name: "SyncError" });
    assert.equal(typeof reg.syncStatus().offlineSinceMillis, "number");
    assert.equal(reg.syncStatus().pending, 1);
    const back = reg.sync(http);
    assert.equal(back.pending, 0);
    assert.ok(back.pushed >= 1);
    assert.equal(reg.syncStatus().offlineSinceMillis, null);
  } finally {
    server.child.kill();
  }
});

test("the TypeScript types name the report and status shapes", () => {
  const dts = fs.readFileSync(path.join(__dirname, "../web/pos_wasm.d.ts"), "utf8");
  for (const shape of ["SyncReport", "SyncStatus", "VerifyReport", "CartLine", "Customer", "DayReport", "TicketSummary", "ProductHit"]) {
    assert.match(dts, new RegExp(`export interface ${shape} \\{`), shape);
  }
  assert.match(dts, /sync\(http: SyncHttp\): SyncReport;/);
  assert.match(dts, /syncStatus\(\): SyncStatus;/);
  assert.match(dts, /installOpfsStorage\(directory\?: string \| null\): Promise<void>;/);
});
