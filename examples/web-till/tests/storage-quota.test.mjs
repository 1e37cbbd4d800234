// The browser storage quota, end to end in headless Chromium: the page asks
// for persistent storage and shows the answer, shows the space used and
// left, warns the cashier when it runs low (under 10 % of the quota or
// 50 MiB), refuses a sale with `storage_full` BEFORE any tender is taken
// once less than the till's reserve (1 MiB) is left, and loses no sale
// when the browser's real quota stops a write.
//
// What is simulated and what is real:
// - navigator.storage.estimate() in Chromium reports usage + 10 GiB as the
//   quota, whatever the disk or a DevTools quota override says. The figures
//   the till sees are therefore replaced through the page's test hook
//   (`?test-hooks`, `tillTestHooks.simulateEstimate`), which the worker
//   uses exactly where it would use the browser's.
// - The quota Chromium ENFORCES on OPFS writes is made small through the
//   DevTools protocol (`Storage.overrideQuotaForOrigin`): the sale's write
//   then really fails (QuotaExceededError -> SQLITE_FULL), and the till
//   must answer `storage_full` with nothing half-written.
// - Persistent storage is granted through the DevTools protocol
//   (`Browser.grantPermissions`, `durableStorage`), so the page's
//   navigator.storage.persist() really returns true.
import test from "node:test";
import assert from "node:assert/strict";
import fs from "node:fs/promises";
import path from "node:path";
import { fileURLToPath } from "node:url";
import { chromium } from "playwright-core";
import { startServer } from "../server.mjs";

const HERE = path.dirname(fileURLToPath(import.meta.url));
const ROOT = path.resolve(HERE, "../../..");
const PKG = process.env.WASM_PKG_DIR ?? path.join(ROOT, "build/wasm/pkg");
const SHOTS = path.join(ROOT, "build/artifacts/web-till");
const CHROMIUM = process.env.CHROMIUM ?? "/usr/bin/chromium";
const MiB = 1024 * 1024;

const idle = (page) => page.waitForSelector("body[data-pending='0']", { state: "attached" });
const text = async (page, id) => {
  await idle(page);
  return page.getByTestId(id).textContent();
};

async function scan(page, code) {
  await page.getByTestId("scan").fill(code);
  await page.getByTestId("scan").press("Enter");
  await idle(page);
}

async function tender(page, method, amount) {
  await page.getByTestId("tender-method").selectOption(method);
  await page.getByTestId("tender-amount").fill(amount);
  await page.getByTestId("add-tender").click();
  await idle(page);
}

async function sell(page, code, amount) {
  await scan(page, code);
  await tender(page, "cash", amount);
  await page.getByTestId("complete").click();
  await page.waitForFunction(() => document.getElementById("message").textContent.startsWith("Vente T"));
  return text(page, "message");
}

const tickets = (page) => page.getByTestId("recent").locator("li").count();
const refused = (page) => page.waitForFunction(() => document.getElementById("message").textContent.startsWith("Vente refusée"));

test("storage quota: persistence asked, space shown, warning, refusal before payment, a full disk loses nothing", async () => {
  await fs.mkdir(SHOTS, { recursive: true });
  const server = await startServer({ port: 0, pkgDir: PKG, syncUpstream: null });
  const origin = `http://127.0.0.1:${server.address().port}`;
  const browser = await chromium.launch({
    executablePath: CHROMIUM,
    headless: true,
    args: ["--no-sandbox", "--disable-gpu", "--disable-background-networking", "--disable-component-update", "--disable-sync", "--no-first-run", "--disable-quic"],
  });
  try {
    const context = await browser.newContext({ locale: "fr-FR", timezoneId: "Europe/Paris" });
    const page = await context.newPage();
    const cdp = await context.newCDPSession(page);
    const { targetInfo } = await cdp.send("Target.getTargetInfo");
    const admin = await browser.newBrowserCDPSession();
    await admin.send("Browser.grantPermissions", { origin, permissions: ["durableStorage"], browserContextId: targetInfo.browserContextId });
    const simulate = async (estimate) => {
      await page.evaluate((e) => window.tillTestHooks.simulateEstimate(e), estimate);
      await idle(page);
    };

    await page.goto(`${origin}/?register=quota-1&test-hooks`);
    await page.waitForSelector("body[data-ready=true]");

    // Persistence asked and granted; the page says so.
    assert.equal(await text(page, "persisted"), "Stockage persistant : accordé");
    assert.equal(await page.evaluate(() => navigator.storage.persisted()), true);
    // Space used and left as the browser reports them, no warning.
    const real = await page.evaluate(() => navigator.storage.estimate());
    assert.match(await text(page, "quota"), /^\d+,\d\u00a0(ko|Mo|Go) utilisés, \d+,\d\u00a0Go libres sur \d+,\d\u00a0Go$/);
    assert.ok(real.quota - real.usage > 50 * MiB, JSON.stringify(real));
    const banner = page.getByTestId("storage-warning");
    assert.equal(await banner.isHidden(), true);
    assert.match(await sell(page, "2000000001012", "1,30"), /^Vente T1 enregistrée/);

    // 1. Low: 20 MiB left of 2 GiB (under 50 MiB): the banner warns, sales go on.
    await simulate({ usage: 2048 * MiB - 20 * MiB, quota: 2048 * MiB });
    assert.equal(await text(page, "quota"), "2,0\u00a0Go utilisés, 20,0\u00a0Mo libres sur 2,0\u00a0Go");
    assert.equal(await banner.isVisible(), true);
    assert.equal(await banner.getAttribute("data-level"), "low");
    assert.equal(await banner.textContent(), "Espace de stockage bientôt plein : 20,0\u00a0Mo libres sur 2,0\u00a0Go. Synchronisez et libérez de l'espace avant que les ventes ne soient refusées (sous 1,0\u00a0Mo).");
    assert.match(await sell(page, "2000000001029", "1,10"), /^Vente T2 enregistrée/);
    assert.equal(await banner.getAttribute("data-level"), "low");
    // 10 % of the quota is the other threshold: 90 MiB left of 1 GiB warns.
    await simulate({ usage: 1024 * MiB - 90 * MiB, quota: 1024 * MiB });
    assert.equal(await banner.getAttribute("data-level"), "low");
    await simulate({ usage: 1024 * MiB - 200 * MiB, quota: 1024 * MiB });
    assert.equal(await banner.isHidden(), true);
    await simulate({ usage: 2048 * MiB - 20 * MiB, quota: 2048 * MiB });
    await page.screenshot({ path: path.join(SHOTS, "quota-1-low.png"), fullPage: true });

    // 2. Full: 512 KiB left, under the 1 MiB reserve. The first tender is
    // refused (storage_full) before it is taken: no tender, nothing paid,
    // the sale cannot be validated, nothing recorded.
    const before = await tickets(page);
    await simulate({ usage: 2048 * MiB - 512 * 1024, quota: 2048 * MiB });
    assert.equal(await banner.getAttribute("data-level"), "full");
    assert.equal(await banner.textContent(), "Espace de stockage plein : 512,0\u00a0ko libres, une vente en demande 1,0\u00a0Mo. Les ventes sont refusées avant tout paiement : synchronisez puis libérez de l'espace.");
    await scan(page, "2000000001012");
    await tender(page, "card", "1,30");
    await refused(page);
    assert.equal(await text(page, "message"), "Vente refusée, aucun paiement pris : espace de stockage plein. Synchronisez puis libérez de l'espace. (the till's storage is full (524288 bytes left, a sale needs 1048576): no sale can be recorded until space is freed)");
    assert.equal(await page.getByTestId("tenders").locator("li").count(), 0);
    assert.equal(await text(page, "remaining"), "1,30\u00a0€");
    assert.equal(await page.getByTestId("complete").isDisabled(), true);
    assert.equal(await tickets(page), before);
    await page.screenshot({ path: path.join(SHOTS, "quota-2-full-refused.png"), fullPage: true });

    // 3. A payment taken while there was room, the space gone before the
    // sale is validated: validation refuses too, nothing recorded.
    await simulate({ usage: 2048 * MiB - 20 * MiB, quota: 2048 * MiB });
    await tender(page, "cash", "1,30");
    assert.equal(await page.getByTestId("complete").isDisabled(), false);
    await simulate({ usage: 2048 * MiB, quota: 2048 * MiB });
    await page.getByTestId("complete").click();
    await refused(page);
    assert.match(await text(page, "message"), /\(the till's storage is full \(0 bytes left, a sale needs 1048576\)/);
    assert.equal(await tickets(page), before);

    // 4. The browser's real quota reached mid-write (the estimate still
    // says there is room). Chromium 156's OPFS answers the write with a
    // bogus byte count (its FILE_ERROR_NO_SPACE, -8, as an unsigned number)
    // instead of throwing QuotaExceededError, so sqlite-wasm-vfs reports
    // SQLITE_IOERR_WRITE, not SQLITE_FULL: the refusal is the typed
    // StoreError `storage` ("disk I/O error"), not `storage_full`; the page
    // says the sale was not recorded and why it may be. What
    // matters holds: the sale's transaction is rolled back, nothing
    // recorded, the cart and payment kept for a retry.
    await simulate(null);
    await cdp.send("Storage.overrideQuotaForOrigin", { origin, quotaSize: (await page.evaluate(async () => (await navigator.storage.estimate()).usage)) });
    await page.getByTestId("complete").click();
    await page.waitForFunction(() => document.getElementById("message").textContent.startsWith("Vente non enregistrée"));
    assert.equal(await text(page, "message"), "Vente non enregistrée : le navigateur a refusé l'écriture (espace plein ?). Rien n'a été enregistré, réessayez après avoir libéré de l'espace. (storage: disk I/O error)");
    assert.equal(await tickets(page), before);
    assert.equal(await page.getByTestId("tenders").locator("li").count(), 1);

    // 5. Space back: the same cart sells, the journal verifies.
    await cdp.send("Storage.overrideQuotaForOrigin", { origin });
    await page.getByTestId("complete").click();
    await page.waitForFunction(() => document.getElementById("message").textContent.startsWith("Vente T3"));
    assert.equal(await banner.isHidden(), true);
    assert.equal(await tickets(page), before + 1);
    await page.getByTestId("verify").click();
    await page.waitForFunction(() => document.getElementById("fiscal-result").textContent.startsWith("Journal"));
    assert.match(await text(page, "fiscal-result"), /^Journal intègre/);
    await page.screenshot({ path: path.join(SHOTS, "quota-3-space-back.png"), fullPage: true });
  } finally {
    await browser.close();
    server.close();
  }
});
