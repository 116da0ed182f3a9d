/**
 * `@mlskit/storage-memory`: a {@link ClientStore} of `@mlskit/core` held in
 * memory — for tests, demos, and clients whose state lives only as long as
 * the process. It passes the storage conformance suite of
 * `@mlskit/core/conformance`.
 *
 * ```ts
 * const store = memoryStore();
 * await store.writeGroup({ groupId, epoch: 0n, state, expectedVersion: 0 }); // 1
 * ```
 * @packageDocumentation
 */
export type { ClientStore } from "@mlskit/core";
export { MemoryClientStore, type MemoryStoreOptions, memoryStore } from "./memory-store.js";
export { MEMORY_STORAGE_ERROR_CODES, type MemoryStorageErrorCode } from "./error-codes.js";
