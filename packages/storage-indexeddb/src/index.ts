/**
 * `@mlskit/storage-indexeddb`: a durable {@link ClientStore} of `@mlskit/core`
 * on IndexedDB, for browsers (and workers): one database per client, one
 * transaction per group write, versioned schema migrations. It passes the
 * storage conformance suite of `@mlskit/core/conformance` in Chromium.
 *
 * ```ts
 * const store = await indexedDbStore({ name: "mlskit-alice" });
 * // wrap it to encrypt every blob at rest: encryptedStore(store, { cs, keys }) from @mlskit/core
 * await store.putKeyObject(id, nonExtractableKey); // a CryptoKeyStore too
 * ```
 * @packageDocumentation
 */
export type { ClientStore } from "@mlskit/core";
export type { CryptoKeyStore } from "./crypto-key-store.js";
export { IndexedDbClientStore } from "./indexeddb-store.js";
export { type IndexedDbStoreOptions, deleteIndexedDbStore, indexedDbStore } from "./open.js";
export { type Migration, SCHEMA_VERSION } from "./schema.js";
export { INDEXEDDB_STORAGE_ERROR_CODES, type IndexedDbStorageErrorCode } from "./error-codes.js";
