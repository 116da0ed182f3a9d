/** A {@link ClientStore} (and a {@link CryptoKeyStore}) on one IndexedDB database. */
import { type ClientStore, type EpochRecord, type GroupWrite, type StoredGroup, type StoredKeyPackage, StorageError, checkGroupWrite, expectDefined } from "@mlskit/core";
import type { CryptoKeyStore } from "./crypto-key-store.js";
import { corrupt } from "./errors.js";
import { epochKey, epochOfKey, epochRange, idOfKey, keyOf } from "./keys.js";
import { bytesOf, fieldOf, flagOf, groupRowOf, own } from "./rows.js";
import { CLIENT_KEY, STORES, type StoreName } from "./schema.js";
import { type Tx, transact } from "./transaction.js";

const { client, groups, epochs, keyPackages, psks, keyObjects } = STORES;

/**
 * A {@link ClientStore} on one IndexedDB database (one database per client).
 * Each call is one transaction; `writeGroup` is one `readwrite` transaction
 * over the groups, epochs and KeyPackages stores that checks the version it
 * replaces, so two handles on the same database (two tabs) are serialised by
 * IndexedDB and a stale writer gets `storage/conflict`.
 *
 * Also a {@link CryptoKeyStore}: `CryptoKey` slots in the same database.
 */
export class IndexedDbClientStore implements ClientStore, CryptoKeyStore {
  #db: IDBDatabase | undefined;
  #closedBecause = "closed";
  readonly #faults: ((step: string) => void) | undefined;
  /** The database's name. */
  readonly name: string;

  /** Use {@link indexedDbStore}, which opens and migrates the database. @internal */
  constructor(db: IDBDatabase, faults?: (step: string) => void) {
    this.#db = db;
    this.name = db.name;
    this.#faults = faults;
    // Another connection wants to upgrade or delete the database: step aside, or it waits for ever.
    db.onversionchange = () => this.#drop("closed because another connection upgraded or deleted the database");
    // The browser closed it (storage cleared, disk gone).
    db.onclose = () => this.#drop("closed by the browser");
  }

  #drop(why: string): void {
    this.#db?.close();
    this.#db = undefined;
    this.#closedBecause = why;
  }

  #tx<T>(stores: readonly StoreName[], mode: IDBTransactionMode, doing: string, body: (tx: Tx) => () => T): Promise<T> {
    if (this.#db === undefined) return Promise.reject(new StorageError("storage/closed", `indexeddb store "${this.name}": ${this.#closedBecause}`));
    return transact(this.#db, stores, mode, doing, body);
  }

  /** Reads one value by key (`undefined` when absent) and decodes it after the transaction. */
  #get<T>(store: StoreName, key: IDBValidKey, doing: string, decode: (row: unknown) => T): Promise<T | undefined> {
    return this.#tx([store], "readonly", doing, (tx) => {
      let row: unknown;
      tx.request(tx.store(store).get(key), (r: unknown) => {
        row = r;
      });
      return () => (row === undefined ? undefined : decode(row));
    });
  }

  #put(store: StoreName, key: IDBValidKey, value: unknown, doing: string): Promise<void> {
    return this.#tx([store], "readwrite", doing, (tx) => {
      tx.request(tx.store(store).put(value, key));
      return () => undefined;
    });
  }

  /** Deletes one key; true when it was there (counted in the same transaction). */
  #delete(store: StoreName, key: IDBValidKey, doing: string): Promise<boolean> {
    return this.#tx([store], "readwrite", doing, (tx) => {
      let found = false;
      tx.request(tx.store(store).count(key), (n) => {
        found = n > 0;
        if (found) tx.request(tx.store(store).delete(key));
      });
      return () => found;
    });
  }

  #keys(store: StoreName, doing: string, what: string): Promise<Uint8Array[]> {
    return this.#tx([store], "readonly", doing, (tx) => {
      let keys: IDBValidKey[] = [];
      tx.request(tx.store(store).getAllKeys(), (k) => (keys = k));
      return () => keys.map((k) => idOfKey(k, what));
    });
  }

  readClient(): Promise<Uint8Array | undefined> {
    return this.#get(client, CLIENT_KEY, "reading the client record", (row) => bytesOf(fieldOf(row, "data", "the client record"), "the client record"));
  }

  writeClient(data: Uint8Array): Promise<void> {
    return this.#put(client, CLIENT_KEY, { data: own(data) }, "writing the client record");
  }

  readGroup(groupId: Uint8Array): Promise<StoredGroup | undefined> {
    const id = keyOf(groupId);
    // One transaction: one snapshot of the group and its past epochs.
    return this.#tx([groups, epochs], "readonly", "reading a group", (tx) => {
      let row: unknown;
      const rows: [IDBValidKey, unknown][] = [];
      tx.request(tx.store(groups).get(id), (r: unknown) => {
        row = r;
      });
      const cursor = tx.store(epochs).openCursor(epochRange(id));
      tx.request(cursor, (c) => {
        if (c === null) return;
        rows.push([c.primaryKey, c.value]);
        c.continue();
      });
      return () => {
        if (row === undefined) return undefined;
        const g = groupRowOf(row, "the group");
        const pastEpochs: EpochRecord[] = rows.map(([key, value]) => {
          const epoch = epochOfKey(Array.isArray(key) ? key[1] : undefined, "a past epoch number");
          return { epoch, data: bytesOf(fieldOf(value, "data", `past epoch ${epoch}`), `past epoch ${epoch}`) };
        });
        return { groupId: idOfKey(id, "a group id"), epoch: g.epoch, state: g.state, version: g.version, pastEpochs };
      };
    });
  }

  writeGroup(write: GroupWrite): Promise<number> {
    try {
      checkGroupWrite(write);
    } catch (e) {
      return Promise.reject(e);
    }
    // Everything the transaction needs is taken now: the caller may reuse its arrays and objects once this returns.
    const { epoch, expectedVersion } = write;
    const id = keyOf(write.groupId);
    const state = own(write.state);
    const putEpochs = (write.putEpochs ?? []).map((e) => ({ key: [id, epochKey(e.epoch)], value: { data: own(e.data) } }));
    const drop = write.dropEpochsBefore === undefined ? undefined : epochRange(id, write.dropEpochsBefore);
    const consumed = (write.consumedKeyPackages ?? []).map(keyOf);
    return this.#tx([groups, epochs, keyPackages], "readwrite", "writing a group", (tx) => {
      let version = 0;
      // The version is read in the transaction that writes: no other writer of this group can come in between.
      tx.request(tx.store(groups).get(id), (row) => {
        const stored = row === undefined ? 0 : groupRowOf(row, "the group").version;
        if (stored !== expectedVersion) {
          tx.fail(new StorageError("storage/conflict", `indexeddb store: the group is at version ${stored}, the write expected ${expectedVersion}`));
          return;
        }
        version = stored + 1;
        tx.request(tx.store(groups).put({ epoch, state, version }, id));
        this.#step("state");
        for (const e of putEpochs) tx.request(tx.store(epochs).put(e.value, e.key));
        if (drop !== undefined) tx.request(tx.store(epochs).delete(drop));
        this.#step("epochs");
        this.#consume(tx, consumed);
      });
      return () => version;
    });
  }

  /** Deletes the consumed KeyPackages (last-resort ones kept), then reports the `"key-packages"` step. */
  #consume(tx: Tx, refs: readonly string[]): void {
    let pending = refs.length;
    if (pending === 0) return this.#step("key-packages");
    for (const ref of refs) {
      tx.request(tx.store(keyPackages).get(ref), (row) => {
        if (row !== undefined && !flagOf(fieldOf(row, "lastResort", "a consumed KeyPackage"), "a consumed KeyPackage's last-resort flag")) {
          tx.request(tx.store(keyPackages).delete(ref));
        }
        // Requests run in order: the last get's callback comes after every delete is issued.
        if (--pending === 0) this.#step("key-packages");
      });
    }
  }

  /** Reports a step to the fault hook; an exception it throws fails the write (and so aborts the transaction). */
  #step(step: string): void {
    try {
      this.#faults?.(step);
    } catch (cause) {
      throw new StorageError("storage/failed", `indexeddb store: write failed at step "${step}"`, { cause });
    }
  }

  deleteGroup(groupId: Uint8Array): Promise<void> {
    const id = keyOf(groupId);
    return this.#tx([groups, epochs], "readwrite", "deleting a group", (tx) => {
      tx.request(tx.store(epochs).delete(expectDefined(epochRange(id), "epochRange(id)")));
      tx.request(tx.store(groups).delete(id));
      return () => undefined;
    });
  }

  groupIds(): Promise<Uint8Array[]> {
    return this.#keys(groups, "listing groups", "a group id");
  }

  putKeyPackage(ref: Uint8Array, data: Uint8Array, lastResort: boolean): Promise<void> {
    return this.#put(keyPackages, keyOf(ref), { data: own(data), lastResort: lastResort === true }, "storing a KeyPackage");
  }

  getKeyPackage(ref: Uint8Array): Promise<StoredKeyPackage | undefined> {
    const key = keyOf(ref);
    return this.#get(keyPackages, key, "reading a KeyPackage", (row) => ({
      ref: idOfKey(key, "a KeyPackageRef"),
      data: bytesOf(fieldOf(row, "data", "a KeyPackage"), "a KeyPackage"),
      lastResort: flagOf(fieldOf(row, "lastResort", "a KeyPackage"), "a KeyPackage's last-resort flag"),
    }));
  }

  deleteKeyPackage(ref: Uint8Array): Promise<boolean> {
    return this.#delete(keyPackages, keyOf(ref), "deleting a KeyPackage");
  }

  keyPackageRefs(): Promise<Uint8Array[]> {
    return this.#keys(keyPackages, "listing KeyPackages", "a KeyPackageRef");
  }

  getPsk(pskId: Uint8Array): Promise<Uint8Array | undefined> {
    return this.#get(psks, keyOf(pskId), "reading a PSK", (row) => bytesOf(fieldOf(row, "psk", "a PSK"), "a PSK"));
  }

  putPsk(pskId: Uint8Array, psk: Uint8Array): Promise<void> {
    return this.#put(psks, keyOf(pskId), { psk: own(psk) }, "storing a PSK");
  }

  deletePsk(pskId: Uint8Array): Promise<boolean> {
    return this.#delete(psks, keyOf(pskId), "deleting a PSK");
  }

  pskIds(): Promise<Uint8Array[]> {
    return this.#keys(psks, "listing PSKs", "a PSK id");
  }

  putKeyObject(id: Uint8Array, key: CryptoKey): Promise<void> {
    return this.#put(keyObjects, keyOf(id), { key }, "storing a CryptoKey");
  }

  getKeyObject(id: Uint8Array): Promise<CryptoKey | undefined> {
    return this.#get(keyObjects, keyOf(id), "reading a CryptoKey", (row) => {
      const key = fieldOf(row, "key", "a CryptoKey slot");
      if (typeof CryptoKey === "undefined" || !(key instanceof CryptoKey)) corrupt("a CryptoKey slot", "does not hold a CryptoKey");
      return key;
    });
  }

  deleteKeyObject(id: Uint8Array): Promise<boolean> {
    return this.#delete(keyObjects, keyOf(id), "deleting a CryptoKey");
  }

  /** Closes this connection (idempotent); other handles on the database stay open. */
  async close(): Promise<void> {
    this.#drop("closed");
  }
}
