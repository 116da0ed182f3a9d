/** Looks into a person's IndexedDB from the page's origin, as an attacker with page script could. */
import type { Page } from "playwright-core";

/** The CryptoKeys in the client store's key slots: how many, how many are extractable, their types. */
export interface StoredKeys {
  readonly count: number;
  readonly extractable: number;
  readonly types: readonly string[];
}

export function clientKeysInIndexedDb(page: Page, dbName: string): Promise<StoredKeys> {
  return page.evaluate(async (name) => {
    const db = await new Promise<IDBDatabase>((resolve, reject) => {
      const r = indexedDB.open(name);
      r.onsuccess = () => resolve(r.result);
      r.onerror = () => reject(r.error);
    });
    try {
      const rows = await new Promise<unknown[]>((resolve, reject) => {
        const r = db.transaction("key-objects").objectStore("key-objects").getAll();
        r.onsuccess = () => resolve(r.result);
        r.onerror = () => reject(r.error);
      });
      const keys = rows.map((row) => (row as { key?: unknown }).key).filter((k): k is CryptoKey => k instanceof CryptoKey);
      return { count: keys.length, extractable: keys.filter((k) => k.extractable).length, types: [...new Set(keys.map((k) => k.type))] };
    } finally {
      db.close();
    }
  }, dbName);
}

/** The texts of every history line in the web chat's own IndexedDB database (`mlskit-web-chat`), any room. */
export function historyTextsInIndexedDb(page: Page): Promise<string[]> {
  return page.evaluate(async () => {
    const db = await new Promise<IDBDatabase>((resolve, reject) => {
      const r = indexedDB.open("mlskit-web-chat");
      r.onsuccess = () => resolve(r.result);
      r.onerror = () => reject(r.error);
    });
    try {
      const rows = await new Promise<unknown[]>((resolve, reject) => {
        const r = db.transaction("messages").objectStore("messages").getAll();
        r.onsuccess = () => resolve(r.result);
        r.onerror = () => reject(r.error);
      });
      return rows.map((row) => String((row as { text?: unknown }).text));
    } finally {
      db.close();
    }
  });
}
