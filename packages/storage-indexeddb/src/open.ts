/** Opening (and deleting) the database of one client. */
import { StorageError } from "@mlskit/core";
import { IndexedDbClientStore } from "./indexeddb-store.js";
import { openDatabase } from "./schema.js";
import { settle } from "./transaction.js";

/** Options of {@link indexedDbStore}. */
export interface IndexedDbStoreOptions {
  /** The database's name: one database per client, named by the application (e.g. after the user). */
  readonly name: string;
  /** The IndexedDB to use; default `globalThis.indexedDB`. */
  readonly indexedDB?: IDBFactory;
  /**
   * Called between the steps of every `writeGroup` (`"state"`, `"epochs"`,
   * `"key-packages"`), inside its transaction: an exception it throws aborts
   * the transaction and fails the write with `storage/failed`. For
   * fault-injection tests such as the conformance suite of
   * `@mlskit/core/conformance`.
   */
  readonly faults?: (step: string) => void;
}

/** The IndexedDB of `options`, or the global one. */
function factoryOf(options: { readonly indexedDB?: IDBFactory }): IDBFactory {
  const factory = options.indexedDB ?? (globalThis as { indexedDB?: IDBFactory }).indexedDB;
  if (factory === undefined) throw new StorageError("storage/failed", "indexeddb store: no IndexedDB in this environment");
  return factory;
}

/**
 * Opens (creating it when missing) the IndexedDB database `options.name` as
 * an {@link IndexedDbClientStore}, and brings its schema to the current
 * version. Other handles (other tabs, workers) may open the same database.
 *
 * @throws StorageError `storage/unsupported-version` for a database written
 *   by a newer schema (left untouched); `storage/failed` when IndexedDB is
 *   missing or refuses to open, or a migration fails.
 */
export async function indexedDbStore(options: IndexedDbStoreOptions): Promise<IndexedDbClientStore> {
  const db = await openDatabase(factoryOf(options), options.name);
  return new IndexedDbClientStore(db, options.faults);
}

/**
 * Deletes the database `name` and everything in it (a client that logs out
 * for good). Open handles of this package on it close themselves first (they
 * then fail with `storage/closed`); a foreign connection that does not close
 * delays the deletion until it does.
 * @throws StorageError `storage/failed` when IndexedDB refuses.
 */
export async function deleteIndexedDbStore(name: string, options: { readonly indexedDB?: IDBFactory } = {}): Promise<void> {
  const req = factoryOf(options).deleteDatabase(name);
  // "blocked": a foreign connection is still open; the deletion goes on once it closes.
  req.onblocked = () => undefined;
  await settle(req, `deleting database "${name}"`);
}
