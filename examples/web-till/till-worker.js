// The till itself, in a dedicated Worker: the wasm module, the register
// over SQLite, the cart and the payment being taken. SQLite's files live in
// OPFS (installOpfsStorage): each committed sale is flushed there before
// completeSale returns, so a reload or a killed tab right after it loses
// nothing. Where OPFS is unavailable the database stays in wasm memory and
// is copied to IndexedDB after every write (the older, weaker fallback).
// The page sends {id, op, args} and gets {id, value} or {id, error}.
import init, { fetchTransport, installOpfsStorage, Register, sampleCatalogJson, samplePromotionsJson, setLogLevel, storageReserveBytes } from "./pkg/web/index.js";
import { openPersistentTill } from "./pkg/web/idb-store.js";

const DB_NAME = "pos-web-till";
// The demo store's loyalty program: a point per euro, a point is worth 1 cent.
const LOYALTY = {
  currency: "EUR", points_per_unit: "1", bonuses: [], tiers: [], rewards: [],
  point_value: { amount: "0.01", currency: "EUR" }, expiry_days: 365, tier_window_days: 365,
};
const sleep = (ms) => new Promise((r) => setTimeout(r, ms));

let reg = null;
let storage = null; // "opfs" or "indexeddb"
let saveSnapshot = async () => {};
let config = null;
let cart = null;
let payment = null;
let tenders = [];
let customer = null;

// Opens the till in OPFS; the previous page's worker may still hold the
// files for a moment after a reload, so a busy pool is retried.
async function openTill(cfg) {
  await init();
  // The till's warnings (offline periods, refusals, printer) in the console.
  setLogLevel("warn");
  const path = `/${cfg.store}-${cfg.register}.sqlite`;
  for (let attempt = 0; ; attempt++) {
    try {
      await installOpfsStorage("pos-web-till");
      storage = "opfs";
      return Register.open(path, cfg.store, cfg.register, cfg.location, undefined, undefined, cfg.receiptLinkBase);
    } catch (e) {
      if (e.code === "opfs_busy" && attempt < 100) {
        await sleep(100);
        continue;
      }
      if (e.code !== "opfs_unsupported") throw e;
      break;
    }
  }
  const till = await openPersistentTill(DB_NAME, cfg);
  storage = "indexeddb";
  saveSnapshot = till.save;
  return till.register;
}

// The browser's storage quota for this origin (OPFS and IndexedDB count
// against it). Before each payment and each sale the space left is handed
// to the till (setStorageHeadroom): under its reserve (storageReserveBytes,
// 1 MiB) the sale is refused with `storage_full` before any tender is taken.
// The cashier is warned well before: under 10 % of the quota or under
// 50 MiB left, whichever comes first.
const WARN_FRACTION = 0.1;
const WARN_BYTES = 50 * 1024 * 1024;
let quota = null; // { usage, quota, left, reserve, level: "ok" | "low" | "full" }
// Test hook: figures that replace the browser's estimate (null: the
// browser's). Chromium reports usage + 10 GiB as the quota whatever the
// disk or a DevTools quota override says, so a small quota can only be
// shown to the till this way; the quota really enforced on writes is
// Chromium's own (see tests/storage-quota.test.mjs).
let simulatedEstimate = null;

async function refreshStorage() {
  const estimate = simulatedEstimate ?? (navigator.storage?.estimate ? await navigator.storage.estimate() : null);
  if (!estimate || !Number.isFinite(estimate.quota) || !Number.isFinite(estimate.usage)) {
    quota = null;
    reg.setStorageHeadroom(undefined);
    return quota;
  }
  const left = Math.max(0, Math.floor(estimate.quota - estimate.usage));
  reg.setStorageHeadroom(left);
  const reserve = storageReserveBytes();
  const level = left < reserve ? "full" : left < Math.max(estimate.quota * WARN_FRACTION, WARN_BYTES) ? "low" : "ok";
  quota = { usage: estimate.usage, quota: estimate.quota, left, reserve, level };
  return quota;
}

// After a write: nothing to do in OPFS (already durable); a full copy
// into IndexedDB otherwise.
const persisted = () => (storage === "opfs" ? Promise.resolve() : saveSnapshot());

function cartView() {
  const remaining = payment ? payment.remaining() : cart.total();
  return { lines: cart.lines(), total: cart.total(), isEmpty: cart.isEmpty(), paying: payment !== null, remaining, tenders };
}

function resetCart() {
  cart = reg.newCart();
  payment = null;
  tenders = [];
}

// Whether the page says the network is there (Chromium's offline mode is
// emulated per page): no request is tried while it says offline.
let online = true;

// The sync transport: `fetch` to this origin (which forwards /sync/* to
// the `pos sync-server`), awaited by `enrollAsync` and `syncAsync`, so the
// worker keeps selling while a request is out (the register is only
// borrowed between requests).
const fetchHttp = fetchTransport(`${self.location.origin}/sync`);
function asyncHttp(method, path, headers, body) {
  if (!online) return Promise.reject(new Error("offline"));
  return fetchHttp(method, path, headers, body);
}

async function status() {
  await refreshStorage();
  return {
    storage,
    quota,
    sync: reg.syncStatus(),
    day: reg.todayReport(),
    recent: reg.recentTickets(5).map((t) => ({ ...t, number: Number(t.number) })),
  };
}

const ops = {
  async open(cfg) {
    config = cfg;
    reg = await openTill(cfg);
    if (reg.catalogSize() === 0) {
      reg.importCatalogJson(sampleCatalogJson());
      reg.setLoyaltyProgramJson(JSON.stringify(LOYALTY));
      await persisted();
    }
    reg.setPromotionsJson(samplePromotionsJson());
    reg.setTrader("Boulangerie du Canal", ["12 quai de Valmy", "75010 Paris"], "404 833 048 00022", "manager");
    resetCart();
    return { storage, cart: cartView(), status: await status() };
  },
  status,
  cart: cartView,
  scan(code) {
    reg.scan(cart, code);
    payment = null;
    tenders = [];
    return cartView();
  },
  search: (query) => reg.searchProducts(query, 8),
  setQuantity(line, quantity) {
    cart.setQuantity(line, quantity);
    payment = null;
    tenders = [];
    return cartView();
  },
  removeLine(line) {
    cart.removeLine(line);
    payment = null;
    tenders = [];
    return cartView();
  },
  coupon(code) {
    const refused = cart.addCoupon(code);
    payment = null;
    tenders = [];
    return { refused, cart: cartView() };
  },
  lookupCustomer(id) {
    const c = reg.customer(id);
    customer = c.id;
    return c;
  },
  async createCustomer(givenName, familyName, email) {
    const id = reg.createCustomer(givenName, familyName, email);
    await persisted();
    return ops.lookupCustomer(id);
  },
  clearCustomer() {
    customer = null;
  },
  async addTender(method, amount) {
    if (cart.isEmpty()) return cartView();
    if (payment === null) {
      // No tender is taken for a sale the storage could not hold.
      await refreshStorage();
      payment = reg.startPayment(cart, customer ?? undefined);
    }
    payment.add(method, amount);
    tenders.push([method, amount]);
    return cartView();
  },
  async completeSale(operator) {
    await refreshStorage();
    const sale = reg.completeSale(cart, payment, operator, customer ?? undefined);
    // In OPFS the sale is on disk already; in IndexedDB, once this resolves.
    await persisted();
    const done = {
      number: Number(sale.number),
      ticketId: sale.ticketId,
      total: sale.total,
      change: sale.change,
      receiptSvg: reg.receipt(sale, "svg", "epson-tm-t20"),
      receiptLink: reg.receiptLink(sale.ticketId),
      customer: customer === null ? null : reg.customer(customer),
    };
    customer = null;
    resetCart();
    return { sale: done, cart: cartView(), status: await status() };
  },
  // A full refund of recent ticket `number`, paid back by `method`, with
  // the manager's rights (the page's button says so).
  async refund(number, method, operator) {
    const ticket = reg.recentTickets(50).find((t) => t.number === number);
    if (!ticket) throw Object.assign(new Error(`Ticket T${number} introuvable parmi les 50 derniers`), { name: "CartError", code: "not_found" });
    const back = reg.refundCart(ticket.ticketId, operator, true);
    await refreshStorage();
    const pay = reg.startPayment(back);
    // What is owed back is positive, and so is the tender that pays it.
    pay.add(method, pay.remaining());
    const refund = reg.completeSale(back, pay, operator);
    await persisted();
    return {
      refund: { number: refund.number, total: refund.total, receiptSvg: reg.receipt(refund, "svg", "epson-tm-t20") },
      status: await status(),
    };
  },
  async openSession(float, operator) {
    reg.openCashSession(operator, float);
    await persisted();
    return reg.xReport();
  },
  async cashMove(direction, amount, reason, operator) {
    const x = direction === "in" ? reg.cashPayIn(operator, amount, reason) : reg.cashPayOut(operator, amount, reason);
    await persisted();
    return x;
  },
  xReport: () => reg.xReport(),
  async closeSession(counted, operator) {
    const closed = reg.closeCashSession(operator, counted);
    await persisted();
    return closed;
  },
  verify: () => reg.verify(),
  async closeDay(operator) {
    const made = reg.closeDay(operator);
    await persisted();
    return { made, status: await status() };
  },
  // Test hook (see simulatedEstimate): {usage, quota} or null.
  simulateEstimate(estimate) {
    simulatedEstimate = estimate;
    return status();
  },
  setOnline(flag) {
    online = flag;
  },
  async sync(code) {
    let error = null;
    let report = null;
    try {
      if (!reg.syncStatus().enrolled) {
        await reg.enrollAsync(asyncHttp, code);
      }
      report = await reg.syncAsync(asyncHttp);
    } catch (e) {
      error = { name: e.name, code: e.code, message: e.message };
    }
    // A failed round writes too (JET 70 opens the offline period).
    await persisted();
    return { report, error, status: await status() };
  },
};

self.onmessage = async ({ data: { id, op, args } }) => {
  try {
    const value = await ops[op](...(args ?? []));
    self.postMessage({ id, value });
  } catch (e) {
    self.postMessage({ id, error: { name: e?.name ?? "Error", code: e?.code ?? null, message: String(e?.message ?? e) } });
  }
};
