/**
 * `@mlskit/storage-memory`: in-memory implementations of the storage
 * interfaces of `@mlskit/core` — for tests, demos, and clients whose state
 * lives only as long as the process.
 * @packageDocumentation
 */
import type { ClientStorage } from "@mlskit/core";
import { MemoryGroupStateStore, type MemoryGroupStateStoreOptions } from "./group-state-store.js";
import { MemoryKeyPackageStore } from "./key-package-store.js";
import { MemoryPskStore } from "./psk-store.js";

export { MemoryGroupStateStore, type MemoryGroupStateStoreOptions, type StoredEpoch } from "./group-state-store.js";
export { MemoryKeyPackageStore } from "./key-package-store.js";
export { MemoryPskStore } from "./psk-store.js";

/** The three in-memory stores a client needs. */
export function memoryStorage<S>(options: MemoryGroupStateStoreOptions = {}): ClientStorage<S> {
  return { groups: new MemoryGroupStateStore<S>(options), keyPackages: new MemoryKeyPackageStore(), psks: new MemoryPskStore() };
}
