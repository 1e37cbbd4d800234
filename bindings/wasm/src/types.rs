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
/** The sync transport the app gives: throws when the server is unreachable. */
export type SyncHttp = (method: string, path: string, headers: [string, string][], body: Uint8Array) => { status: number; body: Uint8Array };
"#;
