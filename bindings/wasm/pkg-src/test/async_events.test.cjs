// Async sync, events and logs from Node: `syncAsync` with the app's
// promise-returning transport (held requests, offline and back online
// against a real `pos sync-server`: POS_BIN names the `pos` binary; those
// tests skip without it), `setListener` (order, a throwing or rejecting
// callback, printer status) and `setLogger` / `setLogLevel` (no personal
// data in the lines).
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
const needsServer = { skip: POS_BIN ? false : "POS_BIN not set: no pos sync-server" };
// 2026-03-14T09:30:00Z
const T0 = 1773480600000;
const BAGUETTE = "2000000001012"; // 1.30

// Lets the queued microtasks and the listener's deliveries run.
const settle = () => new Promise((resolve) => setImmediate(resolve));

// The blocking transport `enroll` needs: one short-lived Node process per
// request doing the fetch (Node has no synchronous HTTP client).
const FETCH = `const [url, method, headers, body] = JSON.parse(process.argv[1]);
fetch(url, { method, headers: Object.fromEntries(headers), body: method === "GET" ? undefined : Buffer.from(body, "base64") })
  .then(async (r) => process.stdout.write(JSON.stringify({ status: r.status, body: Buffer.from(await r.arrayBuffer()).toString("base64") })))
  .catch(() => process.exit(3));`;

function blockingTransport(base) {
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
  const dir = fs.mkdtempSync(path.join(os.tmpdir(), "pos-wasm-async-"));
  const port = await freePort();
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

function till(name, seed) {
  const reg = pos.Register.open(`/${name}.sqlite`, "paris-11", name, "shop", T0, seed);
  reg.importCatalogJson(pos.sampleCatalogJson());
  return reg;
}

function sellOne(reg, customer) {
  const cart = reg.newCart();
  reg.scan(cart, BAGUETTE);
  const payment = reg.startPayment(cart);
  payment.add("cash", "1.30");
  return reg.completeSale(cart, payment, "alice", customer);
}

// An async transport over fetch whose requests wait, while `held` is set,
// until `release()` (each held request is counted in `waiting`).
function gatedTransport(base) {
  const http = pos.fetchTransport(base);
  const gate = { held: false, waiting: 0, sent: 0, opened: null, release: null };
  gate.hold = () => {
    gate.held = true;
    gate.opened = new Promise((resolve) => {
      gate.release = () => { gate.held = false; resolve(); };
    });
  };
  gate.send = async (method, p, headers, body) => {
    if (gate.held) {
      gate.waiting++;
      await gate.opened;
      gate.waiting--;
    }
    gate.sent++;
    return http(method, p, headers, body);
  };
  return gate;
}

test("syncAsync on a till that is not enrolled rejects with SyncError not_enrolled and sends nothing", async () => {
  const reg = till("async-unenrolled", 1n);
  let calls = 0;
  const http = async () => { calls++; return { status: 200, body: new Uint8Array() }; };
  const round = reg.syncAsync(http);
  assert.ok(round instanceof Promise);
  await assert.rejects(round, (e) => e instanceof pos.SyncError && e.code === "not_enrolled");
  assert.equal(calls, 0);
  // The till is as usable as before.
  assert.equal(sellOne(reg).number, 1);
});

test("a sale completes while an async sync's request is held; a second round is refused", needsServer, async () => {
  const server = await startServer();
  try {
    const reg = till("async-held", 2n);
    sellOne(reg);
    reg.enroll(blockingTransport(server.base), server.code);
    const gate = gatedTransport(server.base);
    gate.hold();
    const round = reg.syncAsync(gate.send);
    await settle();
    // The round's first request is out and not answered.
    assert.equal(gate.waiting, 1);
    assert.equal(gate.sent, 0);

    // The till sells, reports and verifies meanwhile.
    const during = sellOne(reg);
    assert.equal(during.number, 2);
    assert.equal(reg.todayReport().salesCount, 2);
    assert.equal(reg.verify().intact, true);
    assert.ok(reg.syncStatus().pending >= 2);
    // One round at a time: the other one is refused before sending anything.
    await assert.rejects(reg.syncAsync(gate.send), { name: "SyncError", code: "sync_in_progress" });
    assert.throws(() => reg.sync(blockingTransport(server.base)), { name: "SyncError", code: "sync_in_progress" });
    assert.equal(gate.waiting, 1);

    gate.release();
    const report = await round;
    assert.ok(report.pushes >= 1);
    assert.ok(report.pushed >= 1);
    assert.deepEqual(report.rejected, []);
    assert.equal(typeof report.lastSuccessMillis, "number");
    // The sale made during the round is pushed by this round or the next.
    const next = await reg.syncAsync(gate.send);
    assert.equal(next.pending, 0);
    assert.equal(reg.syncStatus().pending, 0);
    assert.equal(reg.syncStatus().offlineSinceMillis, null);
  } finally {
    server.child.kill();
  }
});

test("offline, then back online, through syncAsync and fetch against a real pos sync-server", needsServer, async () => {
  const server = await startServer();
  try {
    const reg = till("async-offline", 3n);
    const heard = [];
    reg.setListener({
      connectivityChanged: (online) => heard.push(["online", online]),
      syncStatusChanged: (s) => heard.push(["status", s.pending, s.offlineSinceMillis === null]),
    });
    reg.enroll(blockingTransport(server.base), server.code);
    const http = pos.fetchTransport(server.base);
    const first = await reg.syncAsync(http);
    assert.equal(first.pending, 0);

    // The server unreachable (nothing listens on the port): the same code
    // the blocking sync throws, and an offline period opens (JET 70).
    sellOne(reg);
    const closed = await freePort();
    const down = pos.fetchTransport(`http://127.0.0.1:${closed}`);
    await assert.rejects(reg.syncAsync(down), (e) => e instanceof pos.SyncError && e.code === "transport");
    assert.throws(() => reg.sync(() => { throw new Error("unreachable"); }), { name: "SyncError", code: "transport" });
    const offline = reg.syncStatus();
    assert.equal(typeof offline.offlineSinceMillis, "number");
    assert.ok(offline.pending >= 1);
    // A transport that rejects or answers nonsense fails the same way.
    await assert.rejects(reg.syncAsync(() => Promise.reject(new Error("no network"))), { code: "transport" });
    await assert.rejects(reg.syncAsync(async () => ({ nothing: true })), { code: "transport" });

    // Sales go on offline.
    sellOne(reg);
    const back = await reg.syncAsync(http);
    assert.equal(back.pending, 0);
    assert.ok(back.pushed >= 2);
    assert.equal(reg.syncStatus().offlineSinceMillis, null);
    assert.equal(reg.syncStatus().pending, 0);
    await settle();
    const went = heard.findIndex((h) => h[0] === "online" && h[1] === false);
    const came = heard.findIndex((h) => h[0] === "online" && h[1] === true);
    assert.ok(went >= 0 && came > went, JSON.stringify(heard));
    // Each round ended with a status: the first one online, the last one
    // back online with nothing pending.
    const statuses = heard.filter((h) => h[0] === "status");
    assert.equal(statuses.length, 6);
    assert.deepEqual(statuses[0], ["status", 0, true]);
    assert.deepEqual(statuses[1].slice(2), [false]);
    assert.deepEqual(statuses[statuses.length - 1], ["status", 0, true]);
  } finally {
    server.child.kill();
  }
});

test("the listener hears a sale after its commit, then the round's status, in order", needsServer, async () => {
  const server = await startServer();
  try {
    const reg = till("async-listener", 4n);
    reg.enroll(blockingTransport(server.base), server.code);
    const heard = [];
    reg.setListener({
      saleCommitted: (s) => {
        // Delivered after completeSale returned: the register is free.
        heard.push(["sale", s.number, s.series, s.total, s.currency, typeof s.ticketId, typeof s.atMillis, s.outboxSeq !== null, reg.todayReport().salesCount]);
      },
      syncStatusChanged: (s) => heard.push(["status", s.pending, typeof s.lastSuccessMillis, s.skippedChanges]),
    });
    const sale = sellOne(reg);
    assert.deepEqual(heard, [], "nothing is delivered while the call runs");
    await settle();
    assert.deepEqual(heard, [["sale", sale.number, "T", "1.30", "EUR", "string", "number", true, 1]]);

    const report = await reg.syncAsync(pos.fetchTransport(server.base));
    await settle();
    assert.equal(report.pending, 0);
    assert.deepEqual(heard.slice(1), [["status", 0, "number", 0]]);

    // Removed: nothing more is heard.
    reg.setListener(null);
    sellOne(reg);
    await settle();
    assert.equal(heard.length, 2);
  } finally {
    server.child.kill();
  }
});

test("a listener that throws or rejects is logged and never breaks the sale", async () => {
  const reg = till("listener-throws", 5n);
  const lines = [];
  pos.setLogger((level, target, message) => lines.push({ level, target, message }), "warn");
  try {
    let calls = 0;
    reg.setListener({
      saleCommitted: () => {
        calls++;
        if (calls === 1) throw new Error("the app's bug");
        return Promise.reject(new Error("the app's async bug"));
      },
      printerStatusChanged: () => { throw new TypeError("printer bug"); },
    });
    const first = sellOne(reg);
    const second = sellOne(reg);
    assert.equal(second.number, first.number + 1);
    await settle();
    await settle();
    assert.equal(calls, 2);
    assert.equal(reg.todayReport().salesCount, 2);
    assert.equal(reg.verify().intact, true);
    reg.reportPrinterStatus("paper_out");
    await settle();
    const failures = lines.filter((l) => l.target === "pos_wasm::listener");
    assert.deepEqual(failures.map((l) => [l.level, l.message]), [
      ["warn", "the app's listener failed; the till carried on event=saleCommitted"],
      ["warn", "the app's listener failed; the till carried on event=saleCommitted"],
      ["warn", "the app's listener failed; the till carried on event=printerStatusChanged"],
    ]);
    // Not an object: a typed refusal.
    assert.throws(() => reg.setListener(42), { name: "CartError", code: "invalid_input" });
  } finally {
    pos.setLogger(null, "off");
  }
});

test("printer status: the listener hears each change once", async () => {
  const reg = till("printer-status", 6n);
  const heard = [];
  reg.setListener({ printerStatusChanged: (s) => heard.push(s) });
  assert.equal(reg.printerStatus(), undefined);
  reg.reportPrinterStatus("ready");
  reg.reportPrinterStatus("ready");
  reg.reportPrinterStatus("paper_near_end");
  reg.reportPrinterStatus("cover_open");
  assert.equal(reg.printerStatus(), "cover_open");
  await settle();
  assert.deepEqual(heard, ["ready", "paper_near_end", "cover_open"]);
  assert.throws(() => reg.reportPrinterStatus("jammed"), { name: "CartError", code: "invalid_input" });
  assert.throws(() => reg.reportPrinterStatus(3), { name: "CartError", code: "invalid_input" });
});

test("the logger hears a sale at its level, without the customer's name or e-mail", () => {
  const reg = till("logger-sale", 7n);
  const lines = [];
  try {
    pos.setLogger((level, target, message) => lines.push({ level, target, message }), "info");
    const customer = reg.createCustomer("Zoé", "Dupont-Secret", "zoe.secret@example.fr");
    const sale = sellOne(reg, customer);
    const sold = lines.filter((l) => l.target === "pos_sdk::sale");
    assert.equal(sold.length, 1, JSON.stringify(lines));
    assert.equal(sold[0].level, "info");
    assert.match(sold[0].message, new RegExp(`^sale committed .*series=T number=${sale.number} total=1.30 currency=EUR`));
    for (const l of lines) {
      for (const secret of ["Zoé", "Dupont", "zoe.secret", customer]) {
        assert.ok(!l.message.includes(secret), `${secret} in ${JSON.stringify(l)}`);
      }
    }
    // Above the level: nothing.
    lines.length = 0;
    pos.setLogLevel("warn");
    sellOne(reg);
    assert.deepEqual(lines.filter((l) => l.level === "info"), []);
    pos.setLogLevel("off");
    reg.reportPrinterStatus("paper_out");
    assert.deepEqual(lines, []);
    // A logger that throws loses its line, nothing else.
    pos.setLogger(() => { throw new Error("logger bug"); }, "trace");
    assert.equal(sellOne(reg).series, "T");
    assert.throws(() => pos.setLogLevel("verbose"), { name: "CartError", code: "invalid_input" });
    assert.throws(() => pos.setLogger("console"), { name: "CartError", code: "invalid_input" });
  } finally {
    pos.setLogger(null, "off");
  }
});

test("without a logger, the lines go to the console at their level", () => {
  const reg = till("logger-console", 8n);
  const saved = { info: console.info, warn: console.warn, debug: console.debug, error: console.error };
  const got = [];
  for (const k of Object.keys(saved)) console[k] = (line) => got.push([k, line]);
  try {
    pos.setLogger(null, "info");
    sellOne(reg);
    reg.reportPrinterStatus("paper_out");
  } finally {
    pos.setLogLevel("off");
    Object.assign(console, saved);
  }
  assert.ok(got.some(([k, l]) => k === "info" && /^pos_sdk::sale: sale committed /.test(l)), JSON.stringify(got));
  assert.ok(got.some(([k, l]) => k === "warn" && l === "pos_sdk::printer: printer status status=paper_out"), JSON.stringify(got));
  assert.ok(!got.some(([k]) => k === "debug"));
});

test("the TypeScript types declare the async, listener and logging API", () => {
  const dts = fs.readFileSync(path.join(__dirname, "../web/pos_wasm.d.ts"), "utf8");
  assert.match(dts, /syncAsync\(http: AsyncSyncHttp\): Promise<SyncReport>;/);
  assert.match(dts, /setListener\(listener: RegisterListener \| null \| undefined\): void;/);
  assert.match(dts, /reportPrinterStatus\(status: PrinterStatus\): void;/);
  assert.match(dts, /export function setLogLevel\(level: LogLevel\): void;/);
  assert.match(dts, /export function setLogger\(logger: Logger \| null \| undefined, level\?: LogLevel\): void;/);
  for (const shape of ["RegisterListener", "SaleCommittedEvent", "SyncStatusEvent", "SyncHttpResponse"]) {
    assert.match(dts, new RegExp(`export interface ${shape} \\{`), shape);
  }
  assert.match(dts, /saleCommitted\?: \(sale: SaleCommittedEvent\) => unknown;/);
  for (const alias of ["AsyncSyncHttp", "LogLevel", "Logger", "PrinterStatus"]) {
    assert.match(dts, new RegExp(`export type ${alias} = `), alias);
  }
  for (const entry of ["../web/index.d.ts", "../node/index.d.cts"]) {
    assert.match(fs.readFileSync(path.join(__dirname, entry), "utf8"), /export \* from "\.\/transport\.c?js";/, entry);
  }
  assert.match(fs.readFileSync(path.join(__dirname, "../web/transport.d.ts"), "utf8"), /export declare function fetchTransport\(baseUrl: string, options\?: FetchTransportOptions\): AsyncSyncHttp;/);
  assert.equal(typeof pos.fetchTransport, "function");
});

test("enrollAsync enrols through fetch while the till keeps selling; the code is single-use", needsServer, async () => {
  const server = await startServer();
  try {
    const reg = till("async-enrol", 7n);
    const gate = gatedTransport(server.base);
    gate.hold();
    const enrolment = reg.enrollAsync(gate.send, server.code);
    assert.ok(enrolment instanceof Promise);
    await settle();
    assert.equal(gate.waiting, 1);
    // The request is out: the till sells and is not enrolled yet.
    assert.equal(sellOne(reg).number, 1);
    assert.equal(reg.syncStatus().enrolled, false);
    await assert.rejects(reg.syncAsync(gate.send), { name: "SyncError", code: "sync_in_progress" });
    gate.release();
    assert.equal(await enrolment, undefined);
    assert.equal(reg.syncStatus().enrolled, true);
    const report = await reg.syncAsync(gate.send);
    assert.equal(report.pending, 0);
    // The code was used: a second till cannot enrol with it.
    const other = till("async-enrol-2", 8n);
    await assert.rejects(other.enrollAsync(pos.fetchTransport(server.base), server.code), (e) => e instanceof pos.SyncError);
    assert.equal(other.syncStatus().enrolled, false);
  } finally {
    server.child.kill();
  }
});
