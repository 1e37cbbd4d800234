/** The families of `PosError` (its `name`). */
export type PosErrorName = "CartError" | "FiscalError" | "DeviceError" | "SyncError" | "StoreError";
/**
 * Every failure of the till. `code` is stable: pos-core's kinds
 * (`invalid_input`, `empty_ticket`...), pos_sdk::codes (`cart_completed`,
 * `day_closed`, `session_closed`, `clock_implausible`, `storage_full`,
 * `idempotency_conflict`, `refund_too_large`, `permission_required`...),
 * the operators' (`unknown_operator`, `operator_inactive`, `wrong_pin`,
 * `operator_locked`, `invalid_pin`, `unknown_role`, `unknown_permission`),
 * and `freed` for an object used after `free()`.
 */
export declare class PosError extends Error {
  constructor(message: string, code: string, name?: PosErrorName);
  readonly name: PosErrorName | "PosError";
  readonly code: string;
}
/** Bad input, a cart rule, a tender rule: fix the input and retry. */
export declare class CartError extends PosError {}
/** The fiscal journal refused or failed. */
export declare class FiscalError extends PosError {}
/** A peripheral, a printer profile or a barcode. */
export declare class DeviceError extends PosError {}
/** Syncing with the server. */
export declare class SyncError extends PosError {}
/** The till's database: its storage full (`storage_full`, no sale recorded), or an object used after `free()` (`freed`). */
export declare class StoreError extends PosError {}
