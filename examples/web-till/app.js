// The web till: a single page on the @pos-sdk/wasm package. The till runs
// in a dedicated Worker (till-worker.js) whose SQLite files live in OPFS:
// every committed sale is durable by itself, so a reload or a closed tab
// right after a sale (even offline) loses nothing. This page only renders
// what the worker answers.

const params = new URLSearchParams(location.search);
const CONFIG = {
  store: params.get("store") ?? "paris-11",
  register: params.get("register") ?? "web-1",
  location: "boutique",
  // The sync server serves the receipt pages (behind /sync on this origin):
  // each receipt carries the QR of its page.
  receiptLinkBase: `${location.origin}/sync`,
};
const OPERATOR = params.get("operator") ?? "caissier";
const SYNC_CODE = params.get("code"); // enrolment code for this till's store; no sync without it
const $ = (id) => document.getElementById(id);

// "27.50" -> "27,50 €" without going through a float.
export function euros(decimal) {
  const negative = decimal.startsWith("-");
  const [int, frac = ""] = (negative ? decimal.slice(1) : decimal).split(".");
  const cents = (frac + "00").slice(0, 2);
  const grouped = int.replace(/\B(?=(\d{3})+(?!\d))/g, "\u202f");
  return `${negative ? "-" : ""}${grouped},${cents}\u00a0€`;
}

// "1,30" typed by a cashier -> "1.30".
const decimalInput = (text) => text.trim().replace(/\s/g, "").replace(",", ".");
const dateTime = (ms) => (ms == null ? "jamais" : new Date(ms).toLocaleString("fr-FR", { timeZone: "Europe/Paris" }));
const METHOD_LABEL = { cash: "Espèces", card: "Carte bancaire", cheque: "Chèque", meal_voucher: "Titre-restaurant" };
const STORAGE_LABEL = { opfs: "OPFS (chaque vente est durable dès sa validation)", indexeddb: "IndexedDB (copie après chaque écriture)" };
const REFUSAL_LABEL = {
  unknown: "code inconnu", duplicate: "code déjà saisi", not_yet_valid: "code pas encore valable", expired: "code expiré",
  outside_hours: "hors des jours ou heures de validité", customer_not_eligible: "réservé à d'autres clients",
  minimum_spend_not_reached: "montant minimum non atteint", not_applicable: "aucun article concerné", not_combinable: "non cumulable",
};

// The worker and a promise per request.
const worker = new Worker(new URL("./till-worker.js", import.meta.url), { type: "module" });
const waiting = new Map();
let nextId = 1;
// How many requests are in flight, for the end-to-end test to wait on.
const inFlight = () => { document.body.dataset.pending = String(waiting.size); };
worker.onmessage = ({ data: { id, value, error } }) => {
  const w = waiting.get(id);
  waiting.delete(id);
  // Rendering happens in the continuation: count it done a task later.
  setTimeout(inFlight, 0);
  if (!w) return;
  if (error) {
    const e = new Error(error.message);
    e.name = error.name;
    e.code = error.code;
    w.reject(e);
  } else {
    w.resolve(value);
  }
};
function call(op, ...args) {
  const id = nextId++;
  return new Promise((resolve, reject) => {
    waiting.set(id, { resolve, reject });
    inFlight();
    worker.postMessage({ id, op, args });
  });
}

let cart = null; // the worker's cart view
let lastSyncError = null;
let lastReport = null;
let storage = null;

// Sizes as the cashier reads them: "12,3 Mo", "1,2 Go".
export function size(bytes) {
  const units = [["Go", 1024 ** 3], ["Mo", 1024 ** 2], ["ko", 1024]];
  const [unit, scale] = units.find(([, s]) => bytes >= s) ?? ["o", 1];
  const value = unit === "o" ? String(bytes) : (bytes / scale).toFixed(1).replace(".", ",");
  return `${value}\u00a0${unit}`;
}

// A refusal the cashier must understand at once, in French.
function explain(error) {
  if (error.code === "storage_full") {
    return `Vente refusée, aucun paiement pris : espace de stockage plein. Synchronisez puis libérez de l'espace. (${error.message})`;
  }
  if (error.code === "storage") {
    // Chromium's OPFS at its real quota ends here (a failed write, not SQLITE_FULL).
    return `Vente non enregistrée : le navigateur a refusé l'écriture (espace plein ?). Rien n'a été enregistré, réessayez après avoir libéré de l'espace. (${error.message})`;
  }
  return error.message;
}

function show(error) {
  $("message").textContent = error ? explain(error) : "";
  $("message").className = "";
  if (error) console.warn(error.name, error.code, error.message);
}

function guarded(f) {
  return async (event) => {
    event?.preventDefault?.();
    try {
      show(null);
      await f(event);
    } catch (e) {
      show(e);
    }
  };
}

function renderCart(view) {
  cart = view;
  const body = $("cart").querySelector("tbody");
  body.replaceChildren();
  for (const line of view.lines) {
    const tr = document.createElement("tr");
    tr.innerHTML = `<td></td><td><input class="qty" value="${line.quantity.replace(".", ",")}" aria-label="Quantité"></td>
      <td class="num">${euros(line.unitPrice)}</td><td class="num">${euros(line.amount)}</td>
      <td><button type="button" title="Supprimer">✕</button></td>`;
    tr.firstElementChild.textContent = line.label;
    for (const d of line.discounts) {
      const promo = document.createElement("span");
      promo.className = "promo";
      promo.dataset.testid = "promo";
      promo.textContent = `${d.text} −${euros(d.amount)}`;
      tr.firstElementChild.append(promo);
    }
    tr.querySelector("input").addEventListener("change", guarded(async (e) => {
      renderCart(await call("setQuantity", line.id, decimalInput(e.target.value)));
    }));
    tr.querySelector("button").addEventListener("click", guarded(async () => {
      renderCart(await call("removeLine", line.id));
    }));
    body.append(tr);
  }
  $("total").textContent = euros(view.total);
  renderPayment();
}

function renderPayment() {
  $("tenders").replaceChildren(...cart.tenders.map(([m, a]) => {
    const li = document.createElement("li");
    li.textContent = `${METHOD_LABEL[m] ?? m} : ${euros(a)}`;
    return li;
  }));
  const remaining = cart.remaining;
  // Negative: paid more than due, the difference is the change to give.
  const settled = remaining.startsWith("-") || /^0(\.0+)?$/.test(remaining);
  $("remaining").textContent = remaining.startsWith("-") ? `0,00\u00a0€ (à rendre : ${euros(remaining.slice(1))})` : euros(remaining);
  $("complete").disabled = cart.isEmpty || !cart.paying || !settled;
  if (document.activeElement !== $("tender-amount")) {
    $("tender-amount").value = settled ? "" : remaining.replace(".", ",");
  }
}

function renderStatus(s) {
  $("pending").textContent = String(s.sync.pending);
  $("last-sync").textContent = dateTime(s.sync.lastSuccessMillis);
  const online = navigator.onLine && lastSyncError === null && s.sync.offlineSinceMillis == null;
  const badge = $("network");
  badge.textContent = online ? "En ligne" : "Hors ligne";
  badge.className = `badge ${online ? "online" : "offline"}`;
  $("storage").textContent = STORAGE_LABEL[s.storage] ?? s.storage;
  renderQuota(s.quota);
  $("sync-report").textContent = lastReport
    ? `Dernier échange : ${lastReport.pushed} envoyé(s), ${lastReport.pulled} reçu(s), ${lastReport.rejected.length} refusé(s), ${lastReport.quarantined.length} en quarantaine`
    : "";
  $("day-summary").textContent = `${s.day.salesCount} vente(s) aujourd'hui, total ${euros(s.day.salesTotal)}`;
  $("recent").replaceChildren(...s.recent.map((t) => {
    const li = document.createElement("li");
    li.value = t.number;
    li.dataset.ticket = t.ticketId;
    li.textContent = `Ticket T${t.number} — ${euros(t.total)} — ${dateTime(t.atMillis)}`;
    return li;
  }));
}

// Space used and left, and the banner once it runs low (see till-worker.js
// for the thresholds: under 10 % of the quota or 50 Mio, sales refused
// under the 1 Mio reserve).
function renderQuota(q) {
  const banner = $("storage-warning");
  if (!q) {
    $("quota").textContent = "inconnu";
    banner.hidden = true;
    return;
  }
  $("quota").textContent = `${size(q.usage)} utilisés, ${size(q.left)} libres sur ${size(q.quota)}`;
  banner.dataset.level = q.level;
  banner.className = q.level;
  banner.hidden = q.level === "ok";
  banner.textContent = q.level === "full"
    ? `Espace de stockage plein : ${size(q.left)} libres, une vente en demande ${size(q.reserve)}. Les ventes sont refusées avant tout paiement : synchronisez puis libérez de l'espace.`
    : q.level === "low"
      ? `Espace de stockage bientôt plein : ${size(q.left)} libres sur ${size(q.quota)}. Synchronisez et libérez de l'espace avant que les ventes ne soient refusées (sous ${size(q.reserve)}).`
      : "";
}

// Asks the browser to keep the till's files under storage pressure (only a
// page can ask; the answer is shown, the till works either way).
async function askPersistence() {
  const storage = navigator.storage;
  if (!storage?.persist) {
    $("persisted").textContent = "Stockage persistant : non disponible";
    return null;
  }
  const granted = (await storage.persisted()) || (await storage.persist());
  $("persisted").textContent = granted
    ? "Stockage persistant : accordé"
    : "Stockage persistant : refusé (le navigateur peut effacer la caisse s'il manque de place)";
  $("persisted").dataset.granted = String(granted);
  return granted;
}

function renderCustomer(c) {
  if (!c) {
    $("customer-info").textContent = "Aucun client";
    return;
  }
  const name = [c.givenName, c.familyName].filter(Boolean).join(" ") || "client";
  $("customer-info").textContent = `${name} — ${c.loyaltyPoints} point(s) de fidélité`;
}

let syncing = false;
async function syncNow() {
  if (!SYNC_CODE || syncing) return;
  syncing = true;
  try {
    await call("setOnline", navigator.onLine);
    const r = await call("sync", SYNC_CODE);
    lastSyncError = r.error;
    if (r.report) lastReport = r.report;
    renderStatus(r.status);
  } finally {
    syncing = false;
  }
}

async function main() {
  if ("serviceWorker" in navigator) {
    navigator.serviceWorker.register("sw.js").catch((e) => console.warn("service worker", e));
  }
  await askPersistence();
  await call("setOnline", navigator.onLine);
  const opened = await call("open", CONFIG);
  storage = opened.storage;
  $("till-name").textContent = `${CONFIG.store} / ${CONFIG.register}`;

  $("scan-form").addEventListener("submit", guarded(async () => {
    const code = $("scan").value.trim();
    $("scan").value = "";
    if (!code) return;
    renderCart(await call("scan", code));
  }));
  $("search").addEventListener("input", guarded(async () => {
    const q = $("search").value.trim();
    const hits = q ? await call("search", q) : [];
    $("search-results").replaceChildren(...hits.map((h) => {
      const li = document.createElement("li");
      li.textContent = `${h.label} — ${euros(h.price)}`;
      li.addEventListener("click", guarded(async () => {
        renderCart(await call("scan", h.sku));
      }));
      return li;
    }));
  }));
  $("coupon-form").addEventListener("submit", guarded(async () => {
    const r = await call("coupon", $("coupon").value);
    $("coupon").value = "";
    renderCart(r.cart);
    if (r.refused) {
      const why = r.refused.reason?.reason ?? r.refused.reason;
      show(new Error(`Code promo non appliqué : ${REFUSAL_LABEL[why] ?? why}`));
    }
  }));
  $("customer-form").addEventListener("submit", guarded(async () => {
    renderCustomer(await call("lookupCustomer", $("customer-card").value.trim()));
  }));
  $("new-customer-form").addEventListener("submit", guarded(async () => {
    const c = await call("createCustomer", $("given-name").value || undefined, $("family-name").value || undefined, $("email").value || undefined);
    $("customer-card").value = c.id;
    renderCustomer(c);
  }));
  $("tender-form").addEventListener("submit", guarded(async () => {
    const method = $("tender-method").value;
    const amount = decimalInput($("tender-amount").value);
    $("tender-amount").value = "";
    renderCart(await call("addTender", method, amount).catch(async (e) => {
      // A refusal for lack of space shows in the banner too.
      renderStatus(await call("status"));
      throw e;
    }));
  }));
  $("complete").addEventListener("click", guarded(async () => {
    $("complete").disabled = true;
    const r = await call("completeSale", OPERATOR).catch(async (e) => {
      renderStatus(await call("status"));
      renderPayment();
      throw e;
    });
    $("receipt").innerHTML = r.sale.receiptSvg;
    $("receipt").dataset.ticket = r.sale.ticketId;
    const link = $("receipt-link");
    link.href = r.sale.receiptLink ?? "";
    link.textContent = r.sale.receiptLink ? "Ticket en ligne (lien du QR code)" : "";
    renderCart(r.cart);
    renderCustomer(null);
    renderStatus(r.status);
    const loyalty = r.sale.customer ? `, ${r.sale.customer.loyaltyPoints} point(s) de fidélité` : "";
    $("message").textContent = `Vente T${r.sale.number} enregistrée, rendu ${euros(r.sale.change)}${loyalty}`;
    $("message").className = "ok";
    syncNow();
  }));
  $("refund-form").addEventListener("submit", guarded(async () => {
    const number = Number($("refund-ticket").value.trim());
    const r = await call("refund", number, $("refund-method").value, OPERATOR);
    $("refund-ticket").value = "";
    $("receipt").innerHTML = r.refund.receiptSvg;
    $("refund-result").textContent = `Remboursement T${r.refund.number} enregistré : ${euros(r.refund.total)}`;
    renderStatus(r.status);
    syncNow();
  }));
  const cashAmount = () => decimalInput($("cash-amount").value);
  const showX = (x, what) => {
    $("cash-amount").value = "";
    $("cash-result").textContent = `${what}Fond ${euros(x.openingFloat)}, ${x.salesCount} vente(s), ${x.refundsCount} remboursement(s), ` +
      `apports ${euros(x.payIns)}, retraits ${euros(x.payOuts)}, espèces attendues ${euros(x.expectedCash)}`;
  };
  $("session-open").addEventListener("click", guarded(async () => {
    showX(await call("openSession", cashAmount(), OPERATOR), "Caisse ouverte. ");
  }));
  $("cash-in").addEventListener("click", guarded(async () => {
    showX(await call("cashMove", "in", cashAmount(), $("cash-reason").value, OPERATOR), "Apport enregistré. ");
  }));
  $("cash-out").addEventListener("click", guarded(async () => {
    showX(await call("cashMove", "out", cashAmount(), $("cash-reason").value, OPERATOR), "Retrait enregistré. ");
  }));
  $("x-report").addEventListener("click", guarded(async () => {
    showX(await call("xReport"), "Rapport X : ");
  }));
  $("session-close").addEventListener("click", guarded(async () => {
    const r = await call("closeSession", cashAmount(), OPERATOR);
    $("cash-amount").value = "";
    $("cash-result").textContent = `Caisse fermée : compté ${euros(r.counted)}, écart ${euros(r.difference)}`;
  }));
  $("verify").addEventListener("click", guarded(async () => {
    const r = await call("verify");
    $("fiscal-result").textContent = r.intact
      ? `Journal intègre : ${r.records} enregistrement(s), ${r.signaturesChecked} signature(s) vérifiée(s)`
      : `Journal altéré : ${r.defects.join(" ; ")}`;
  }));
  $("close-day").addEventListener("click", guarded(async () => {
    const r = await call("closeDay", OPERATOR);
    $("fiscal-result").textContent = r.made.length ? `Clôture effectuée : ${r.made.join(", ")}` : "Rien à clôturer";
    renderStatus(r.status);
  }));
  $("sync-now").addEventListener("click", guarded(syncNow));
  addEventListener("online", () => syncNow());
  addEventListener("offline", async () => {
    lastSyncError = { message: "offline" };
    await call("setOnline", false);
    renderStatus(await call("status"));
  });
  setInterval(syncNow, 15000);

  // Test hook, only with ?test-hooks in the address: figures replacing the
  // browser's storage estimate ({usage, quota}, or null for the real ones).
  if (params.has("test-hooks")) {
    window.tillTestHooks = {
      simulateEstimate: async (estimate) => renderStatus(await call("simulateEstimate", estimate)),
    };
  }
  renderCart(opened.cart);
  renderStatus(opened.status);
  await syncNow();
  document.body.dataset.ready = "true";
}

main().catch((e) => {
  show(e);
  document.body.dataset.ready = "error";
});
