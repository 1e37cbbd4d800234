// End to end in headless Chromium (Debian's /usr/bin/chromium driven by
// playwright-core): a real `pos sync-server` serves the back office; users
// and retailers are made with `pos backoffice`; a till file sells with
// `pos simulate` and syncs with `pos sync`. We log in, watch a new sale
// appear WITHOUT reloading (Server-Sent Events), open a chart, close the
// day on the till, see the Z equal the day's total, download the FEC, and
// check that another retailer's user sees none of it.
// Screenshots go to build/artifacts/backoffice/.
import test from "node:test";
import assert from "node:assert/strict";
import { spawn, execFileSync } from "node:child_process";
import fs from "node:fs/promises";
import { existsSync } from "node:fs";
import net from "node:net";
import os from "node:os";
import path from "node:path";
import { fileURLToPath } from "node:url";
import { chromium } from "playwright-core";

const HERE = path.dirname(fileURLToPath(import.meta.url));
const ROOT = path.resolve(HERE, "../..");
const SHOTS = path.join(ROOT, "build/artifacts/backoffice");
const CHROMIUM = process.env.CHROMIUM ?? "/usr/bin/chromium";
// The `pos` binary: POS_BIN, else POS_TARGET_DIR/pos (xtask's layout:
// POS_TARGET_DIR is `<target>/debug`), else <CARGO_TARGET_DIR or target>/debug/pos,
// built here when missing.
const TARGET = process.env.CARGO_TARGET_DIR ?? path.join(ROOT, "target");
const PASSWORD = "mot-de-passe-de-test";

function posBinary() {
  if (process.env.POS_BIN) return process.env.POS_BIN;
  if (process.env.POS_TARGET_DIR) return path.join(process.env.POS_TARGET_DIR, "pos");
  const bin = path.join(TARGET, "debug/pos");
  if (!existsSync(bin)) {
    execFileSync("cargo", ["build", "-p", "pos-cli"], {
      cwd: ROOT,
      stdio: "inherit",
      env: { ...process.env, CARGO_TARGET_DIR: TARGET },
    });
  }
  return bin;
}

const POS = posBinary();

function pos(args, env = {}) {
  const out = execFileSync(POS, args, { env: { ...process.env, ...env }, stdio: ["ignore", "pipe", "pipe"] });
  return String(out).trim();
}

async function freePort() {
  const s = net.createServer();
  await new Promise((r) => s.listen(0, "127.0.0.1", r));
  const { port } = s.address();
  await new Promise((r) => s.close(r));
  return port;
}

async function startServer(db) {
  const port = await freePort();
  const child = spawn(POS, ["sync-server", "--listen", `127.0.0.1:${port}`, "--db", db], { stdio: ["ignore", "pipe", "pipe"] });
  await new Promise((resolve, reject) => {
    child.once("error", reject);
    child.once("exit", (code) => reject(new Error(`pos sync-server exited with ${code}`)));
    for (const out of [child.stdout, child.stderr]) {
      out.on("data", (d) => { if (String(d).includes("listening")) resolve(); });
    }
  });
  return { child, url: `http://127.0.0.1:${port}` };
}

async function login(page, url, user) {
  await page.goto(`${url}/`);
  await page.getByLabel("Identifiant").fill(user);
  await page.getByLabel("Mot de passe").fill(PASSWORD);
  await page.getByRole("button", { name: "Se connecter" }).click();
  await page.waitForSelector("#dashboard");
}

test("login, live sale without reload, chart, Z, FEC, tenant isolation", async (t) => {
  await fs.mkdir(SHOTS, { recursive: true });
  const dir = await fs.mkdtemp(path.join(os.tmpdir(), "backoffice-e2e-"));
  const db = path.join(dir, "server.sqlite");
  const till = path.join(dir, "till.sqlite");
  // Two retailers: the till's store `demo-store` belongs to r1.
  pos(["backoffice", "add-retailer", "--db", db, "--id", "r1", "--name", "Épicerie Démo", "--siren", "123456789"]);
  pos(["backoffice", "add-store", "--db", db, "--retailer", "r1", "--store", "demo-store"]);
  pos(["backoffice", "add-user", "--db", db, "--retailer", "r1", "--user", "alice", "--role", "owner"], { POS_BO_PASSWORD: PASSWORD });
  pos(["backoffice", "add-retailer", "--db", db, "--id", "r2", "--name", "Autre Enseigne", "--siren", "987654321"]);
  pos(["backoffice", "add-store", "--db", db, "--retailer", "r2", "--store", "other-store"]);
  pos(["backoffice", "add-user", "--db", db, "--retailer", "r2", "--user", "bob", "--role", "owner"], { POS_BO_PASSWORD: PASSWORD });
  pos(["backoffice", "publish-catalog", "--db", db, "--store", "demo-store", "--version", "1"]);
  // The till enrols with a single-use code an owner issued for its store.
  const enrolment = JSON.parse(pos(["backoffice", "enrolment-code", "--db", db, "--retailer", "r1", "--store", "demo-store"])).code;
  const server = await startServer(db);
  const browser = await chromium.launch({
    executablePath: CHROMIUM,
    headless: true,
    args: ["--no-sandbox", "--disable-gpu", "--disable-background-networking", "--disable-component-update", "--disable-sync", "--no-first-run", "--disable-quic"],
  });
  try {
    // A first sale, synced before anyone looks.
    pos(["simulate", "--db", till, "--sales", "1", "--seed", "7"]);
    pos(["sync", "--db", till, "--server", server.url, "--enrolment-code", enrolment]);

    const context = await browser.newContext({ locale: "fr-FR", timezoneId: "Europe/Paris", acceptDownloads: true });
    const page = await context.newPage();
    const errors = [];
    // Script errors and CSP refusals; HTTP error statuses we caused on
    // purpose (the wrong password's 401) are not script errors.
    page.on("console", (m) => {
      if (m.type() === "error" && !m.text().startsWith("Failed to load resource")) errors.push(m.text());
    });
    page.on("pageerror", (e) => errors.push(String(e)));

    // Signed out, `/` is the login page; a wrong password is refused.
    await page.goto(`${server.url}/`);
    await page.getByLabel("Identifiant").fill("alice");
    await page.getByLabel("Mot de passe").fill("not the password");
    await page.getByRole("button", { name: "Se connecter" }).click();
    await page.waitForSelector("[role=alert]");
    assert.match(await page.locator("[role=alert]").textContent(), /incorrect/);

    await login(page, server.url, "alice");
    await page.waitForFunction(() => Number(document.getElementById("dashboard").dataset.updates) >= 1);
    const before = await page.locator("#day-total").textContent();
    assert.match(before, /^\d{1,3}( \d{3})*,\d{2} €$/);
    assert.equal(await page.locator("#day-tickets").textContent(), "1");
    await page.screenshot({ path: path.join(SHOTS, "1-dashboard.png"), fullPage: true });

    // A sale on the till, synced: it appears without a reload.
    await page.evaluate(() => { window.__sameDocument = true; });
    pos(["simulate", "--db", till, "--sales", "1", "--seed", "8"]);
    pos(["sync", "--db", till, "--server", server.url]);
    await page.waitForFunction(() => document.getElementById("day-tickets").textContent === "2", null, { timeout: 20000 });
    assert.equal(await page.evaluate(() => window.__sameDocument), true, "the page was not reloaded");
    const after = await page.locator("#day-total").textContent();
    assert.notEqual(after, before);
    assert.equal(await page.locator("#latest li").count(), 2);
    await page.screenshot({ path: path.join(SHOTS, "2-live-sale.png"), fullPage: true });

    // Charts: by hour on the dashboard; the category chart on its page.
    assert.equal(await page.locator("#chart-hour svg").count(), 1);
    await page.getByRole("link", { name: "Graphiques" }).click();
    await page.getByRole("link", { name: "Par catégorie" }).click();
    await page.waitForSelector("#chart-category svg rect");
    const bars = await page.locator("#chart-category svg rect").count();
    assert.ok(bars >= 1, "category bars");
    await page.screenshot({ path: path.join(SHOTS, "3-chart-category.png"), fullPage: true });

    // The till closes its day: the Z total equals the dashboard's day total.
    pos(["close", "day", "--db", till]);
    pos(["sync", "--db", till, "--server", server.url]);
    await page.goto(`${server.url}/`);
    await page.waitForFunction(() => document.getElementById("z-total").textContent !== "0,00 €", null, { timeout: 20000 });
    assert.equal(await page.locator("#z-total").textContent(), await page.locator("#day-total").textContent());
    await page.getByRole("link", { name: "Clôtures (Z)" }).click();
    await page.waitForSelector("section.closure");
    assert.match(await page.locator("section.closure h2").first().textContent(), /^Z1 ·/);
    assert.ok(await page.locator("section.closure table").first().locator("td").count() >= 4, "VAT breakdown");
    await page.screenshot({ path: path.join(SHOTS, "4-closures.png"), fullPage: true });
    // The journal is verified in the background: the first view queues the
    // run, a reload shows its cached verdict.
    await page.getByRole("link", { name: "Journaux" }).click();
    for (let i = 0; i < 50 && (await page.locator("#journals td.ok").count()) === 0; i++) {
      await new Promise((r) => setTimeout(r, 200));
      await page.reload();
    }
    assert.match(await page.locator("#journals td.ok").first().textContent(), /vérifiées/);

    // Download the FEC.
    await page.getByRole("link", { name: "Téléchargements" }).click();
    const [download] = await Promise.all([page.waitForEvent("download"), page.locator("a.fec").first().click()]);
    assert.match(download.suggestedFilename(), /^123456789FEC\d{8}\.txt$/);
    const fecPath = path.join(SHOTS, download.suggestedFilename());
    await download.saveAs(fecPath);
    const fec = await fs.readFile(fecPath, "latin1");
    assert.ok(fec.startsWith("JournalCode|JournalLib|EcritureNum"), fec.slice(0, 80));
    assert.ok(fec.includes("|Z1|"), "one entry per daily closure");
    await page.screenshot({ path: path.join(SHOTS, "5-downloads.png"), fullPage: true });

    // Another retailer's owner sees none of it.
    const other = await browser.newContext({ locale: "fr-FR", timezoneId: "Europe/Paris" });
    const page2 = await other.newPage();
    await login(page2, server.url, "bob");
    await page2.waitForFunction(() => Number(document.getElementById("dashboard").dataset.updates) >= 1);
    assert.equal(await page2.locator("#day-total").textContent(), "0,00 €");
    assert.equal(await page2.locator("#day-tickets").textContent(), "0");
    assert.ok(!(await page2.content()).includes("demo-store"));
    const resp = await page2.goto(`${server.url}/download/fec?till=${encodeURIComponent("demo-store/till-1")}`);
    assert.equal(resp.status(), 403);
    await page2.screenshot({ path: path.join(SHOTS, "6-other-retailer.png"), fullPage: true });
    await other.close();

    assert.deepEqual(errors, [], "no script errors or CSP refusals");

    // The RGPD commands run against the same database (no customer here:
    // nothing to anonymise; the Rust suite covers the rules).
    const retention = JSON.parse(pos(["backoffice", "retention", "--db", db, "--retailer", "r1", "--now", "2031-01-01T00:00:00Z"]));
    assert.deepEqual(retention, { anonymised: [] });
    assert.match(pos(["backoffice", "access-log", "--db", db, "--retailer", "r1"]), /"entries":0/);
  } finally {
    await browser.close();
    server.child.kill();
    await fs.rm(dir, { recursive: true, force: true });
  }
});
