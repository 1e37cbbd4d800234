// Keeps a till's SQLite database in IndexedDB, so a web till survives a page
// reload while offline. The database lives in wasm memory; `save()` writes
// its bytes to IndexedDB and must be awaited after every committed sale
// (and any other write the app wants to keep) before telling the cashier it
// is done.
import { Register } from "./pos_wasm.js";

const OBJECT_STORE = "tills";

function request(r) {
  return new Promise((resolve, reject) => {
    r.onsuccess = () => resolve(r.result);
    r.onerror = () => reject(r.error);
  });
}

function openDb(name) {
  const r = indexedDB.open(name, 1);
  r.onupgradeneeded = () => r.result.createObjectStore(OBJECT_STORE);
  return request(r);
}

async function tx(dbName, mode, f) {
  const db = await openDb(dbName);
  try {
    const t = db.transaction(OBJECT_STORE, mode);
    const done = new Promise((resolve, reject) => {
      t.oncomplete = () => resolve();
      t.onerror = () => reject(t.error);
      t.onabort = () => reject(t.error);
    });
    const result = await request(f(t.objectStore(OBJECT_STORE)));
    await done;
    return result;
  } finally {
    db.close();
  }
}

/**
 * Opens the till `config.register` from IndexedDB `dbName` (or creates it)
 * and returns `{ register, restored, save }`.
 */
export async function openPersistentTill(dbName, config) {
  const key = `${config.store}/${config.register}`;
  // The signing key is never in the database's bytes: it is kept under its
  // own IndexedDB key, written once when the till is created.
  const keysKey = `${key}#keys`;
  const path = `/${config.store}-${config.register}.sqlite`;
  const bytes = await tx(dbName, "readonly", (s) => s.get(key));
  const keys = bytes ? await tx(dbName, "readonly", (s) => s.get(keysKey)) : undefined;
  const register = bytes
    ? Register.restore(new Uint8Array(bytes), path, config.store, config.register, config.location, config.clockMillis, config.idSeed, config.receiptLinkBase, keys ? new Uint8Array(keys) : undefined)
    : Register.open(path, config.store, config.register, config.location, config.clockMillis, config.idSeed, config.receiptLinkBase);
  const save = async () => {
    const data = register.exportDatabase();
    await tx(dbName, "readwrite", (s) => s.put(data, key));
    return data.length;
  };
  // A new till, or one saved by an older version (its key was inside the
  // database and has just been moved out of it): keep the key first.
  if (!keys) await tx(dbName, "readwrite", (s) => s.put(register.exportKeys(), keysKey));
  if (!bytes || !keys) await save();
  return { register, restored: Boolean(bytes), save };
}

/** Deletes the saved till `store/register` (and its key) from IndexedDB `dbName`. */
export async function forgetTill(dbName, store, register) {
  await tx(dbName, "readwrite", (s) => s.delete(`${store}/${register}`));
  await tx(dbName, "readwrite", (s) => s.delete(`${store}/${register}#keys`));
}
