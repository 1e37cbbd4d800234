import type { Register } from "./pos_wasm.js";

/** Where a till lives and who it is. */
export interface TillConfig {
  store: string;
  register: string;
  location: string;
  /** Pins the clock (tests); omit in production. */
  clockMillis?: number;
  /** Deterministic ids (tests); omit in production. */
  idSeed?: bigint;
  /** Where the sync server serves receipt pages: receipts carry their QR. */
  receiptLinkBase?: string;
}

/** A till kept in IndexedDB. */
export interface PersistentTill {
  register: Register;
  /** Whether it was reopened from IndexedDB. */
  restored: boolean;
  /** Writes the database to IndexedDB; resolves to its size in bytes. */
  save(): Promise<number>;
}

/** Opens (or creates) a till kept in IndexedDB database `dbName`. */
export function openPersistentTill(dbName: string, config: TillConfig): Promise<PersistentTill>;

/** Deletes a saved till. */
export function forgetTill(dbName: string, store: string, register: string): Promise<void>;
