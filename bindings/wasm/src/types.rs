//! The TypeScript shapes of the plain objects the classes return (the
//! generated `.d.ts` would otherwise say `any`). Each matches a `Serialize`
//! view struct of this crate field for field; decimals are strings, instants
//! epoch milliseconds.

use wasm_bindgen::prelude::wasm_bindgen;

#[wasm_bindgen(typescript_custom_section)]
const TS_TYPES: &str = r#"
/** One product found by `searchProducts`. */
export interface ProductHit { sku: string; label: string; price: string; barcodes: string[]; }
/** A promotion applied to a cart line: its id, receipt text and what it takes off. */
export interface LineDiscount { promotion: string; text: string; amount: string; }
/** One cart line (decimals as strings; `promotions`: ids of the promotions that changed it). */
export interface CartLine { id: number; sku: string; label: string; quantity: string; unitPrice: string; gross: string; amount: string; vatRate: string; promotions: string[]; discounts: LineDiscount[]; }
/** A customer and their loyalty points (personal data only if still held). */
export interface Customer { id: string; givenName: string | null; familyName: string | null; email: string | null; loyaltyPoints: number; }
/** The journal verification result. */
export interface VerifyReport { intact: boolean; verdict: string; records: number; signaturesChecked: number; defects: string[]; }
/** Today's sales in the store's time zone. */
export interface DayReport { day: string; salesCount: number; refundsCount: number; salesTotal: string; netTotal: string; byTender: Record<string, string>; }
/** One ticket of the recent tickets list. */
export interface TicketSummary { number: number; ticketId: string; atMillis: number; total: string; }
/** The sync status the till shows. */
export interface SyncStatus { pending: number; oldestPendingMillis: number | null; lastSuccessMillis: number | null; offlineSinceMillis: number | null; enrolled: boolean; }
/** A fiscal batch the server kept aside. */
export interface SyncQuarantine { id: number; records: number; defects: string[]; }
/** An event the server applied but refused a merge rule for. */
export interface SyncRejection { seq: number; code: string; }
/** What one sync round did, and where the till stands after it. */
export interface SyncReport {
  /** Push requests the server answered. */
  pushes: number;
  /** Outbox events the server acknowledged in this round. */
  pushed: number;
  /** The highest outbox sequence the server has acknowledged. */
  acknowledged: number;
  /** Changes pulled from the server and applied. */
  pulled: number;
  rejected: SyncRejection[];
  quarantined: SyncQuarantine[];
  /** Outbox events still waiting after the round. */
  pending: number;
  /** When the last round succeeded (this one), epoch milliseconds. */
  lastSuccessMillis: number | null;
}
/** How a tender is paid (`gift_card`, `voucher`, `store_credit` need a reference). */
export type TenderMethod = "cash" | "card" | "cheque" | "meal_voucher" | "gift_card" | "voucher" | "store_credit";
/** Every receipt format (`escpos` and `png` are bytes: `receiptBytes`). */
export type ReceiptFormat = "escpos" | "text" | "html" | "png" | "svg";
/** The receipt formats `receipt` returns as a string. */
export type TextReceiptFormat = "text" | "html" | "svg";
/** Why cash goes in or out of the drawer outside a sale. */
export type CashMoveReason = "change_fund" | "bank_deposit" | "supplier_payment" | "expense" | "tip" | "correction" | "other";
/** Whether a sale can be recorded now. */
export type PeriodState = "open" | "day_closed" | "session_closed";
/** Where an order stands. */
export type OrderStatus = "received" | "accepted" | "preparing" | "ready" | "collected" | "cancelled" | "refunded";
/** What `JSON.stringify(sale)` writes (`CompletedSale.toJSON`). */
export interface SaleSummary { ticketId: string; number: number; series: string; total: string; change: string; atMillis: number; signatureExtract: string; }
/** A line of an original ticket to refund: its number on that ticket, from 1 as the sale's cart line ids were, and the positive quantity given back (decimal string). */
export interface RefundLine { line: number; quantity: string; }
/** Sales, refunds and net of one tender kind in the cash session. */
export interface TenderTotals { kind: string; sales: string; refunds: string; net: string; }
/** VAT of one rate, sales minus refunds. */
export interface VatTotals { rate: string; net: string; vat: string; gross: string; }
/** The X report: the open cash session's totals now (decimals as strings). */
export interface XReport { session: string; atMillis: number; openingFloat: string; salesCount: number; refundsCount: number; salesTotal: string; refundsTotal: string; netTotal: string; byTender: TenderTotals[]; byVat: VatTotals[]; payIns: string; payOuts: string; expectedCash: string; }
/** What closing the drawer produced (`difference` negative when cash is missing; `closures`: the Z records made). */
export interface CashClose { counted: string; difference: string; closures: string[]; }
/** A rendered stored receipt and what it is (`sale`, `refund`, `duplicate <k>`, `training`, `provisional_bill`). */
export interface StoredReceipt { bytes: Uint8Array; kind: string; }
/** The FEC accounting export. */
export interface FecFile { name: string; bytes: Uint8Array; }
/** A signed fiscal archive of a period (tar bytes). */
export interface FiscalArchive { fileName: string; bytes: Uint8Array; manifestSha256: string; intact: boolean; record: string; }
/** The stock of a SKU at the till's location (decimal strings). */
export interface StockLevel { onHand: string; reserved: string; available: string; }
/** One SKU counted during an inventory. */
export interface StockCount { sku: string; quantity: string; }
/** A line of an order (decimal strings). */
export interface OrderLine { sku: string; label: string; quantity: string; amount: string; }
/** One order waiting for collection. */
export interface PickupEntry { order: string; pickupAtMillis: number; status: OrderStatus; paid: boolean; due: string; }
/** An item as the catalog sells it now (`lookup`); `carried`: what the code itself holds (`quantity:<n>`, `weight:<kg>`, `price:<decimal>`). */
export interface CatalogItem { sku: string; label: string; unitPrice: string; vatRate: string; unit: string; categories: string[]; mealVoucherEligible: boolean; carried: string; }
/** The sync transport the app gives: throws when the server is unreachable. */
export type SyncHttp = (method: string, path: string, headers: [string, string][], body: Uint8Array) => { status: number; body: Uint8Array };
"#;
