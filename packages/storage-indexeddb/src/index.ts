/**
 * `@mlskit/storage-indexeddb`: a durable {@link ClientStore} of `@mlskit/core`
 * on IndexedDB, for browsers (and workers): one database per client, one
 * transaction per group write, versioned schema migrations. It passes the
 * storage conformance suite of `@mlskit/core/conformance` in Chromium.
 *
 * ```ts
 * const store = await indexedDbStore({ name: "mlskit-alice" });
 * // encrypt every blob at rest under a non-extractable AES-GCM key kept in the store's CryptoKey slots:
 * const atRest = await loadOrCreateAtRestKey(store);
 * const sealed = encryptedStore(store, { cs, keys: [atRest] }); // encryptedStore from @mlskit/core
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
export {
  type AtRestKeyOptions,
  type AtRestRotation,
  type AtRestRotationOptions,
  type StoredAtRestKey,
  atRestKeySlot,
  loadAtRestKey,
  loadOrCreateAtRestKey,
  rotateAtRestKey,
} from "./at-rest-key.js";
