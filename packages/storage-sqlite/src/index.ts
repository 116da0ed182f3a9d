/**
 * `@mlskit/storage-sqlite`: a durable {@link ClientStore} of `@mlskit/core`
 * in one SQLite file, through better-sqlite3. **Node-only** (a native
 * module); it passes the storage conformance suite of
 * `@mlskit/core/conformance`.
 *
 * ```ts
 * const store = sqliteStore({ path: "alice.db" });
 * // wrap it to encrypt every blob at rest: encryptedStore(store, { cs, keys }) from @mlskit/core
 * ```
 *
 * Several handles (in one process or several) may open the same file: each
 * group write is one IMMEDIATE transaction that checks the version it
 * replaces, so a stale writer gets `storage/conflict`.
 * @packageDocumentation
 */
export type { ClientStore } from "@mlskit/core";
export { SqliteClientStore, type SqliteStoreOptions, sqliteStore } from "./sqlite-store.js";
export { SCHEMA_VERSION } from "./schema.js";
export { SQLITE_STORAGE_ERROR_CODES, type SqliteStorageErrorCode } from "./error-codes.js";
