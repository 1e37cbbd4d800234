// End to end in headless Chromium (Debian's /usr/bin/chromium driven by
// playwright-core): ring up a sale, go offline, sell again, reload the page
// offline, find the offline sale still there, sell once more and close the
// tab at once (no save step: the till's SQLite lives in OPFS), find that
// sale in a new tab, come back online and see it all sync once to a real
// `pos sync-server` (when POS_BIN names a `pos` binary); then a sale found
// by product search with a promotion, a refused coupon and a loyalty
// customer, the journal verification and the day closure.
// Screenshots go to build/artifacts/web-till/.
import test from "node:test";
import assert from "node:assert/strict";
import { spawn, execFileSync } from "node:child_process";
import fs from "node:fs/promises";
import os from "node:os";
import path from "node:path";
import { fileURLToPath } from "node:url";
import { chromium } from "playwright-core";
import { startServer } from "../server.mjs";

const HERE = path.dirname(fileURLToPath(import.meta.url));
const ROOT = path.resolve(HERE, "../../..");
const PKG = process.env.WASM_PKG_DIR ?? path.join(ROOT, "build/wasm/pkg");
const SHOTS = path.join(ROOT, "build/artifacts/web-till");
const CHROMIUM = process.env.CHROMIUM ?? "/usr/bin/chromium";
const POS_BIN = process.env.POS_BIN ?? null;

async function freePort() {
  const s = await startServer({ port: 0, pkgDir: PKG });
  const port = s.address().port;
  await new Promise((r) => s.close(r));
  return port;
}

async function startSyncServer(dir) {
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
  return { child, url: `http://127.0.0.1:${port}`, code };
}

// The page's text once every request to the till's worker is answered.
const idle = (page) => page.waitForSelector("body[data-pending='0']", { state: "attached" });
const text = async (page, id) => {
  await idle(page);
  return page.getByTestId(id).textContent();
};

// What the sync server holds for this till: its T records and its events.
function serverCounts(db) {
  const out = execFileSync("python3", ["-c", `import sqlite3,sys
c = sqlite3.connect(sys.argv[1])
t = c.execute("SELECT COUNT(*) FROM fiscal_records WHERE device='paris-11/web-1' AND series='T'").fetchone()[0]
e = c.execute("SELECT COUNT(*) FROM events WHERE device='paris-11/web-1'").fetchone()[0]
print(t, e)`, db]);
  const [tickets, events] = String(out).trim().split(" ").map(Number);
  return { tickets, events };
}

async function sell(page, codes, tenders) {
  for (const code of codes) {
    await page.getByTestId("scan").fill(code);
    await page.getByTestId("scan").press("Enter");
    await idle(page);
  }
  for (const [method, amount] of tenders) {
    await page.getByTestId("tender-method").selectOption(method);
    await page.getByTestId("tender-amount").fill(amount);
    await page.getByTestId("add-tender").click();
    await idle(page);
  }
  await page.getByTestId("complete").click();
  await page.waitForFunction(() => document.getElementById("message").textContent.startsWith("Vente T"));
  return text(page, "message");
}

test("sale, offline sale, offline reload, sync once", async (t) => {
  await fs.mkdir(SHOTS, { recursive: true });
  const dir = await fs.mkdtemp(path.join(os.tmpdir(), "web-till-"));
  const sync = POS_BIN ? await startSyncServer(dir) : null;
  if (!sync) t.diagnostic("POS_BIN not set: the sync part is NOT exercised");
  const server = await startServer({ port: 0, pkgDir: PKG, syncUpstream: sync?.url ?? null });
  const base = `http://127.0.0.1:${server.address().port}/?register=web-1${sync ? `&code=${sync.code}` : ""}`;
  const browser = await chromium.launch({
    executablePath: CHROMIUM,
    headless: true,
    args: ["--no-sandbox", "--disable-gpu", "--disable-background-networking", "--disable-component-update", "--disable-sync", "--no-first-run", "--disable-quic"],
  });
  try {
    const context = await browser.newContext({ locale: "fr-FR", timezoneId: "Europe/Paris" });
    let page = await context.newPage();
    page.on("console", (m) => { if (m.type() === "error") t.diagnostic(`console: ${m.text()}`); });
    await page.goto(base);
    await page.waitForSelector("body[data-ready=true]");
    assert.match(await text(page, "storage"), /^OPFS/, "the till's SQLite files are in OPFS");
    await page.evaluate(() => navigator.serviceWorker.ready);
    await page.waitForFunction(() => navigator.serviceWorker.controller !== null || (location.reload(), false), null, { timeout: 10000 }).catch(() => {});
    await page.waitForSelector("body[data-ready=true]");

    // 0. A new customer, looked up by their loyalty card id.
    await page.locator("summary", { hasText: "Nouveau client" }).click();
    await page.locator("#given-name").fill("Marie");
    await page.locator("#family-name").fill("Curie");
    await page.getByRole("button", { name: "Créer" }).click();
    await page.waitForFunction(() => document.getElementById("customer-info").textContent.startsWith("Marie Curie"));
    assert.equal(await text(page, "customer-info"), "Marie Curie — 0 point(s) de fidélité");
    const customerId = await page.locator("#customer-card").inputValue();
    assert.match(customerId, /\S/);

    // 1. A sale (two baguettes: no promotion on any day), split between
    // card and cash.
    for (const code of ["2000000001012", "2000000001029"]) {
      await page.getByTestId("scan").fill(code);
      await page.getByTestId("scan").press("Enter");
      await idle(page);
    }
    assert.equal(await text(page, "total"), "2,40\u00a0€");
    const first = await sell(page, [], [["card", "1"], ["cash", "5"]]);
    assert.match(first, /^Vente T1 enregistrée, rendu 3,60/);
    assert.ok(await page.locator("[data-testid=receipt] svg").count() > 0, "receipt preview (SVG)");
    // The receipt carries the QR of its page on the sync server.
    const receiptLink = await page.getByTestId("receipt-link").getAttribute("href");
    assert.match(receiptLink, /\/sync\/r\/[^/]{16,}$/);
    if (sync) await page.waitForFunction(() => document.getElementById("pending").textContent === "0");
    await page.screenshot({ path: path.join(SHOTS, "1-sale.png"), fullPage: true });

    // 2. Offline: sell again.
    await context.setOffline(true);
    await page.waitForFunction(() => document.getElementById("network").textContent === "Hors ligne");
    const second = await sell(page, ["2000000001012"], [["cash", "1,30"]]);
    assert.match(second, /^Vente T2 /);
    const pendingOffline = Number(await text(page, "pending"));
    assert.ok(pendingOffline >= 1, `pending while offline: ${pendingOffline}`);
    await page.screenshot({ path: path.join(SHOTS, "2-offline-sale.png"), fullPage: true });

    // 3. Reload while offline: the offline sale is still there.
    await page.reload();
    await page.waitForSelector("body[data-ready=true]");
    const recent = await page.getByTestId("recent").locator("li").allTextContents();
    assert.ok(recent.some((l) => l.startsWith("Ticket T2 — 1,30")), JSON.stringify(recent));
    assert.ok(recent.some((l) => l.startsWith("Ticket T1 — 2,40")), JSON.stringify(recent));
    assert.equal(Number(await text(page, "pending")), pendingOffline);
    await page.screenshot({ path: path.join(SHOTS, "3-offline-reload.png"), fullPage: true });

    // 3b. Still offline: a sale, and the tab is closed as soon as it says
    // so, without any save step; a new tab finds it.
    const third = await sell(page, ["2000000001029"], [["cash", "2"]]);
    assert.match(third, /^Vente T3 enregistrée, rendu 0,90/);
    await page.close({ runBeforeUnload: false });
    page = await context.newPage();
    page.on("console", (m) => { if (m.type() === "error") t.diagnostic(`console: ${m.text()}`); });
    await page.goto(base);
    await page.waitForSelector("body[data-ready=true]", { timeout: 30000 });
    const afterKill = await page.getByTestId("recent").locator("li").allTextContents();
    assert.ok(afterKill.some((l) => l.startsWith("Ticket T3 — 1,10")), JSON.stringify(afterKill));
    assert.equal(Number(await text(page, "pending")), pendingOffline + 1);
    await page.screenshot({ path: path.join(SHOTS, "3b-tab-closed-after-sale.png"), fullPage: true });

    // 4. Back online: it syncs once.
    await context.setOffline(false);
    if (sync) {
      await page.getByRole("button", { name: "Synchroniser" }).click();
      await page.waitForFunction(() => document.getElementById("pending").textContent === "0", null, { timeout: 20000 });
      assert.equal(await text(page, "network"), "En ligne");
      const synced = serverCounts(path.join(dir, "server.sqlite"));
      assert.equal(synced.tickets, 3, "the three sales reached the server");
      // The QR's page: the sync server serves T1's receipt once synced.
      const receiptPage = await page.request.get(receiptLink);
      assert.equal(receiptPage.status(), 200);
      assert.match(await receiptPage.text(), /1,30/);
      assert.match(await text(page, "sync-report"), /^Dernier échange : \d+ envoyé\(s\), \d+ reçu\(s\), 0 refusé\(s\), 0 en quarantaine$/);
      // Another round sends nothing twice.
      await page.getByRole("button", { name: "Synchroniser" }).click();
      await page.waitForTimeout(1000);
      assert.deepEqual(serverCounts(path.join(dir, "server.sqlite")), synced);
      assert.equal(await text(page, "pending"), "0");
      await page.screenshot({ path: path.join(SHOTS, "4-synced.png"), fullPage: true });
    }

    // 4b. Product search, a promotion, a refused coupon, a loyalty customer.
    await page.getByTestId("customer-card").fill(customerId);
    await page.getByRole("button", { name: "Rechercher" }).click();
    await page.waitForFunction(() => document.getElementById("customer-info").textContent.startsWith("Marie Curie"));
    for (let i = 0; i < 3; i++) {
      await page.getByTestId("search").fill("croissant");
      await page.getByTestId("search-results").locator("li", { hasText: "Croissant au beurre" }).click();
      await idle(page);
      await page.getByTestId("search").fill("");
    }
    await page.waitForFunction(() => document.getElementById("total").textContent === "3,00\u00a0€");
    // Three lines of one croissant: the promotion takes 0,20 € off each.
    const promos = await page.getByTestId("promo").allTextContents();
    assert.deepEqual(promos, Array(3).fill("3 croissants pour 3 € −0,20\u00a0€"));
    await page.getByTestId("coupon").fill("BIENVENUE10");
    await page.getByTestId("coupon").press("Enter");
    await page.waitForFunction(() => document.getElementById("message").textContent.startsWith("Code promo"));
    assert.equal(await text(page, "message"), "Code promo non appliqué : montant minimum non atteint");
    assert.equal(await text(page, "total"), "3,00\u00a0€");
    const fourth = await sell(page, [], [["meal_voucher", "2"], ["cash", "1"]]);
    const points = fourth.match(/^Vente T4 enregistrée, rendu 0,00\u00a0€, (\d+) point\(s\) de fidélité$/);
    assert.ok(points && Number(points[1]) >= 3, `${fourth}: a point per euro of T1 and T4`);
    assert.ok(await page.locator("[data-testid=receipt] svg").count() > 0);
    await page.screenshot({ path: path.join(SHOTS, "4b-promotion-loyalty.png"), fullPage: true });

    // 4c. The cash drawer: open with a float, a pay-in, a full refund of
    // T2 paid back in cash, the X report, the close with the count.
    const cashStep = async (button, amount, expected) => {
      if (amount !== null) await page.getByTestId("cash-amount").fill(amount);
      await page.getByTestId(button).click();
      await page.waitForFunction((re) => new RegExp(re).test(document.getElementById("cash-result").textContent), expected.source);
      return text(page, "cash-result");
    };
    await cashStep("session-open", "100", /^Caisse ouverte\. Fond 100,00/);
    assert.match(await cashStep("cash-in", "20", /^Apport enregistré/), /apports 20,00\u00a0€, retraits 0,00\u00a0€, espèces attendues 120,00\u00a0€$/);
    await page.getByTestId("refund-ticket").fill("2");
    await page.getByTestId("refund-method").selectOption("cash");
    await page.getByTestId("refund").click();
    await page.waitForFunction(() => document.getElementById("refund-result").textContent.startsWith("Remboursement"));
    assert.equal(await text(page, "refund-result"), "Remboursement T5 enregistré : -1,30\u00a0€");
    assert.ok(await page.locator("[data-testid=receipt] svg").count() > 0, "the refund's receipt");
    const recentAfterRefund = await page.getByTestId("recent").locator("li").allTextContents();
    assert.ok(recentAfterRefund.some((l) => l.startsWith("Ticket T5 — -1,30")), JSON.stringify(recentAfterRefund));
    // A second refund of the same ticket is refused with the SDK's message.
    await page.getByTestId("refund-ticket").fill("2");
    await page.getByTestId("refund").click();
    await page.waitForFunction(() => document.getElementById("message").textContent !== "");
    assert.notEqual(await text(page, "message"), "");
    assert.match(await cashStep("x-report", null, /^Rapport X/), /1 remboursement\(s\), apports 20,00\u00a0€, retraits 0,00\u00a0€, espèces attendues 118,70\u00a0€$/);
    assert.equal(await cashStep("session-close", "118,70", /^Caisse fermée/), "Caisse fermée : compté 118,70\u00a0€, écart 0,00\u00a0€");
    await page.screenshot({ path: path.join(SHOTS, "4c-refund-cash-session.png"), fullPage: true });

    // 5. Journal verification and day closure from the page.
    await page.getByTestId("verify").click();
    assert.match(await text(page, "fiscal-result"), /^Journal intègre/);
    await page.getByTestId("close-day").click();
    await page.waitForFunction(() => document.getElementById("fiscal-result").textContent.startsWith("Clôture"));
    assert.match(await text(page, "fiscal-result"), /Z 1/);
    await page.screenshot({ path: path.join(SHOTS, "5-closed.png"), fullPage: true });
  } finally {
    await browser.close();
    server.close();
    sync?.child.kill();
  }
});
