/**
 * The database schema and its migrations. The schema version is the
 * IndexedDB database version: opening at {@link SCHEMA_VERSION} runs, in the
 * one `versionchange` transaction of `onupgradeneeded`, every migration above
 * the stored version (all or none of them apply), and IndexedDB itself
 * refuses a database written by a newer schema (a `VersionError`, mapped to
 * `storage/unsupported-version`), leaving it untouched.
 */
import { StorageError, expectDefined } from "@mlskit/core";
import { storageErrorOf } from "./errors.js";

/** The object stores of schema version 1. */
export const STORES = {
  /** The client record under the key {@link CLIENT_KEY}: `{ data }`. */
  client: "client",
  /** Group state by group id (a binary key): `{ epoch: bigint, state, version }`. */
  groups: "groups",
  /** Past-epoch records by `[group id, epoch as 8 bytes big-endian]`: `{ data }`. Binary keys compare bytewise, so epochs sort as numbers. */
  epochs: "epochs",
  /** KeyPackage private material by KeyPackageRef: `{ data, lastResort }`. */
  keyPackages: "key-packages",
  /** External PSKs by `psk_id`: `{ psk }`. */
  psks: "psks",
  /** `CryptoKey` objects by id (structured clone keeps non-extractable keys non-extractable): `{ key }`. */
  keyObjects: "key-objects",
} as const;

/** The name of an object store. */
export type StoreName = (typeof STORES)[keyof typeof STORES];

/** The key of the one client record. */
export const CLIENT_KEY = 1;

/**
 * One numbered step of the schema. `up` runs inside the upgrade transaction
 * `tx` and may only issue IndexedDB requests on it (create or delete stores
 * and indexes, rewrite rows through cursors): awaiting anything else would
 * let the transaction commit half way.
 */
export interface Migration {
  readonly version: number;
  up(db: IDBDatabase, tx: IDBTransaction): void;
}

/** The migrations, in order. Never edit a released one: add the next. */
export const MIGRATIONS: readonly Migration[] = [
  {
    version: 1,
    up: (db) => {
      // Out-of-line keys everywhere: ids are binary keys, compared by value.
      for (const name of Object.values(STORES)) db.createObjectStore(name);
    },
  },
];

/** The schema version this code writes (the last migration's). */
export const SCHEMA_VERSION: number = expectDefined(MIGRATIONS[MIGRATIONS.length - 1], "MIGRATIONS[MIGRATIONS.length - 1]").version;

/**
 * Opens the database `name` of `factory` (creating it when missing) and
 * brings it to the last of `migrations`.
 * @throws StorageError `storage/unsupported-version` when the database is at
 *   a version above the last migration (written by newer code); nothing
 *   changes. `storage/failed` when a migration fails (the database stays at
 *   its old version), when another connection at an older version does not
 *   close (`blocked`), or when IndexedDB refuses to open.
 */
export function openDatabase(factory: IDBFactory, name: string, migrations: readonly Migration[] = MIGRATIONS): Promise<IDBDatabase> {
  const latest = migrations[migrations.length - 1]?.version ?? 0;
  const doing = `opening database "${name}" at schema version ${latest}`;
  return new Promise<IDBDatabase>((resolve, reject) => {
    let req: IDBOpenDBRequest;
    try {
      req = factory.open(name, latest);
    } catch (e) {
      reject(storageErrorOf(e, doing));
      return;
    }
    let migrationError: unknown;
    let settled = false;
    req.onupgradeneeded = (event) => {
      const db = req.result;
      // An upgradeneeded event always runs inside its versionchange transaction (IndexedDB §5.7).
      const tx = expectDefined(req.transaction ?? undefined, "the upgrade's versionchange transaction");
      try {
        for (const m of migrations) if (m.version > event.oldVersion) m.up(db, tx);
      } catch (e) {
        migrationError = e;
        tx.abort();
      }
    };
    req.onblocked = () => {
      settled = true;
      reject(new StorageError("storage/failed", `indexeddb store: ${doing}: another connection at an older version did not close`));
    };
    req.onsuccess = () => {
      // Opened after all, once a blocking connection closed: this caller has gone.
      if (settled) req.result.close();
      else resolve(req.result);
    };
    req.onerror = () => {
      if (settled) return;
      reject(
        migrationError !== undefined
          ? new StorageError("storage/failed", `indexeddb store: ${doing}: a migration failed`, { cause: migrationError })
          : storageErrorOf(req.error, doing),
      );
    };
  });
}
