/**
 * Raw access to a store's database behind its back, as a failing disk or a
 * foreign writer would touch it: to damage rows and to inspect what is
 * stored. @internal
 */
import { settle } from "../transaction.js";

/** A fresh database name (one per check, so checks never share data). */
export function freshName(prefix: string): string {
  return `${prefix}-${Date.now().toString(36)}-${Math.random().toString(36).slice(2, 10)}`;
}

/** Opens the database `name` at whatever version it has, without migrating. */
export function openRaw(factory: IDBFactory, name: string): Promise<IDBDatabase> {
  return settle(factory.open(name), `opening ${name} raw`);
}

/** Runs `fn` on one store of a raw connection in a readwrite transaction, and closes the connection. */
export async function withRawStore<R extends IDBRequest>(factory: IDBFactory, name: string, store: string, fn: (s: IDBObjectStore) => R): Promise<R["result"]> {
  const db = await openRaw(factory, name);
  try {
    const tx = db.transaction(store, "readwrite");
    const done = new Promise<void>((resolve, reject) => {
      tx.oncomplete = () => resolve();
      tx.onabort = () => reject(tx.error);
    });
    const result = await settle<R["result"]>(fn(tx.objectStore(store)), `raw access to ${store}`);
    await done;
    return result;
  } finally {
    db.close();
  }
}
