// The web till: a single page on the @pos-sdk/wasm package. The till's
// SQLite database lives in wasm memory and is saved to IndexedDB after
// every committed write, so a reload (even offline) loses no sale.
import init, { sampleCatalogJson, samplePromotionsJson } from "./pkg/web/index.js";
import { openPersistentTill } from "./pkg/web/idb-store.js";

const params = new URLSearchParams(location.search);
const CONFIG = {
  store: params.get("store") ?? "paris-11",
  register: params.get("register") ?? "web-1",
  location: "boutique",
};
const OPERATOR = params.get("operator") ?? "caissier";
const SYNC_TOKEN = params.get("token"); // enrolment token; no sync without it
const DB_NAME = "pos-web-till";
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

let till;     // { register, restored, save }
let cart;
let payment = null;
let tenders = [];
let customer = null;
let lastSyncError = null;

function show(error) {
  $("message").textContent = error ? `${error.message}` : "";
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

function renderCart() {
  const body = $("cart").querySelector("tbody");
  body.replaceChildren();
  for (const line of cart.lines()) {
    const tr = document.createElement("tr");
    const promos = line.promotions.map((p) => `<span class="promo">${p}</span>`).join("");
    tr.innerHTML = `<td></td><td><input class="qty" value="${line.quantity.replace(".", ",")}"></td>
      <td class="num">${euros(line.unitPrice)}</td><td class="num">${euros(line.amount)}</td>
      <td><button type="button" title="Supprimer">✕</button></td>`;
    tr.firstElementChild.textContent = line.label;
    tr.firstElementChild.insertAdjacentHTML("beforeend", promos);
    tr.querySelector("input").addEventListener("change", guarded((e) => {
      cart.setQuantity(line.id, decimalInput(e.target.value));
      cartChanged();
    }));
    tr.querySelector("button").addEventListener("click", guarded(() => {
      cart.removeLine(line.id);
      cartChanged();
    }));
    body.append(tr);
  }
  $("total").textContent = euros(cart.total());
}

function cartChanged() {
  payment = null;
  tenders = [];
  renderCart();
  renderPayment();
}

function renderPayment() {
  const list = $("tenders");
  list.replaceChildren(...tenders.map(([m, a]) => {
    const li = document.createElement("li");
    li.textContent = `${METHOD_LABEL[m] ?? m} : ${euros(a)}`;
    return li;
  }));
  const remaining = payment ? payment.remaining() : cart.total();
  // Negative: paid more than due, the difference is the change to give.
  const settled = remaining.startsWith("-") || /^0(\.0+)?$/.test(remaining);
  $("remaining").textContent = remaining.startsWith("-") ? `0,00\u00a0€ (à rendre : ${euros(remaining.slice(1))})` : euros(remaining);
  $("complete").disabled = cart.isEmpty() || payment === null || !settled;
  if (!$("tender-amount").value || document.activeElement !== $("tender-amount")) {
    $("tender-amount").value = settled ? "" : remaining.replace(".", ",");
  }
}

async function refreshStatus() {
  const s = till.register.syncStatus();
  $("pending").textContent = String(s.pending);
  $("last-sync").textContent = dateTime(s.lastSuccessMillis);
  const online = navigator.onLine && lastSyncError === null && s.offlineSinceMillis == null;
  const badge = $("network");
  badge.textContent = online ? "En ligne" : "Hors ligne";
  badge.className = `badge ${online ? "online" : "offline"}`;
  const day = till.register.todayReport();
  $("day-summary").textContent = `${day.salesCount} vente(s) aujourd'hui, total ${euros(day.salesTotal)}`;
  $("recent").replaceChildren(...till.register.recentTickets(5).map((t) => {
    const li = document.createElement("li");
    li.value = Number(t.number);
    li.dataset.ticket = t.ticketId;
    li.textContent = `Ticket T${t.number} — ${euros(t.total)} — ${dateTime(t.atMillis)}`;
    return li;
  }));
}

// The sync transport: a synchronous request to this page's origin, which
// forwards /sync/* to the `pos sync-server`. Throws when unreachable.
function http(method, path, headers, body) {
  if (!navigator.onLine) throw new Error("offline");
  const xhr = new XMLHttpRequest();
  xhr.open(method, `/sync${path}`, false);
  for (const [name, value] of headers) xhr.setRequestHeader(name, value);
  xhr.send(method === "GET" ? null : body);
  if (xhr.status === 0) throw new Error("unreachable");
  return { status: xhr.status, body: new TextEncoder().encode(xhr.responseText) };
}

let syncing = false;
async function syncNow() {
  if (!SYNC_TOKEN || syncing) return;
  syncing = true;
  try {
    const reg = till.register;
    if (!reg.syncStatus().enrolled) {
      reg.enroll(http, SYNC_TOKEN);
      await till.save();
    }
    reg.sync(http);
    lastSyncError = null;
  } catch (e) {
    lastSyncError = e;
  } finally {
    // A failed round still writes (JET 70 opens the offline period).
    await till.save();
    syncing = false;
    await refreshStatus();
  }
}

async function main() {
  if ("serviceWorker" in navigator) {
    navigator.serviceWorker.register("sw.js").catch((e) => console.warn("service worker", e));
  }
  await init();
  till = await openPersistentTill(DB_NAME, CONFIG);
  const reg = till.register;
  if (!till.restored) {
    reg.importCatalogJson(sampleCatalogJson());
    await till.save();
  }
  reg.setPromotionsJson(samplePromotionsJson());
  reg.setTrader("Boulangerie du Canal", ["12 quai de Valmy", "75010 Paris"], "12345678900011");
  $("till-name").textContent = `${CONFIG.store} / ${CONFIG.register}`;
  cart = reg.newCart();

  $("scan-form").addEventListener("submit", guarded(() => {
    const code = $("scan").value.trim();
    $("scan").value = "";
    if (!code) return;
    reg.scan(cart, code);
    cartChanged();
  }));
  $("search").addEventListener("input", guarded(() => {
    const q = $("search").value.trim();
    const hits = q ? reg.searchProducts(q, 8) : [];
    $("search-results").replaceChildren(...hits.map((h) => {
      const li = document.createElement("li");
      li.textContent = `${h.label} — ${euros(h.price)}`;
      li.addEventListener("click", guarded(() => {
        reg.scan(cart, h.sku);
        cartChanged();
      }));
      return li;
    }));
  }));
  $("coupon-form").addEventListener("submit", guarded(() => {
    const why = cart.addCoupon($("coupon").value);
    $("coupon").value = "";
    if (why) show(new Error(`Code promo non appliqué : ${JSON.stringify(why)}`));
    cartChanged();
  }));
  $("customer-form").addEventListener("submit", guarded(() => {
    const c = reg.customer($("customer-card").value.trim());
    customer = c.id;
    const name = [c.givenName, c.familyName].filter(Boolean).join(" ") || "client";
    $("customer-info").textContent = `${name} — ${c.loyaltyPoints} point(s) de fidélité`;
  }));
  $("new-customer-form").addEventListener("submit", guarded(async () => {
    const id = reg.createCustomer($("given-name").value || undefined, $("family-name").value || undefined, $("email").value || undefined);
    await till.save();
    $("customer-card").value = id;
    $("customer-form").requestSubmit();
  }));
  $("tender-form").addEventListener("submit", guarded(() => {
    if (cart.isEmpty()) return;
    payment ??= reg.startPayment(cart, customer ?? undefined);
    const method = $("tender-method").value;
    const amount = decimalInput($("tender-amount").value);
    payment.add(method, amount);
    tenders.push([method, amount]);
    $("tender-amount").value = "";
    renderPayment();
  }));
  $("complete").addEventListener("click", guarded(async () => {
    const sale = reg.completeSale(cart, payment, OPERATOR, customer ?? undefined);
    await till.save(); // the sale is in IndexedDB before we say it is done
    $("receipt").innerHTML = reg.receipt(sale, "svg", "epson-tm-t20");
    $("receipt").dataset.ticket = sale.ticketId;
    show(null);
    $("message").textContent = `Vente T${sale.number} enregistrée, rendu ${euros(sale.change)}`;
    cart = reg.newCart();
    customer = null;
    $("customer-info").textContent = "Aucun client";
    cartChanged();
    await refreshStatus();
    syncNow();
  }));
  $("verify").addEventListener("click", guarded(() => {
    const r = reg.verify();
    $("fiscal-result").textContent = r.intact
      ? `Journal intègre : ${r.records} enregistrement(s), ${r.signaturesChecked} signature(s) vérifiée(s)`
      : `Journal altéré : ${r.defects.join(" ; ")}`;
  }));
  $("close-day").addEventListener("click", guarded(async () => {
    const made = reg.closeDay(OPERATOR);
    await till.save();
    $("fiscal-result").textContent = made.length ? `Clôture effectuée : ${made.join(", ")}` : "Rien à clôturer";
    await refreshStatus();
  }));
  $("sync-now").addEventListener("click", guarded(syncNow));
  addEventListener("online", () => syncNow());
  addEventListener("offline", () => { lastSyncError = new Error("offline"); refreshStatus(); });
  setInterval(syncNow, 15000);

  cartChanged();
  await refreshStatus();
  await syncNow();
  document.body.dataset.ready = "true";
}

main().catch((e) => {
  show(e);
  document.body.dataset.ready = "error";
});
