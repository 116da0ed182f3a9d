/**
 * Where `webCryptoProvider({ nonExtractableKeys })` keeps its private
 * `CryptoKey`s: a narrow store of key objects by id. A browser app backs it
 * with IndexedDB, which stores a `CryptoKey` by structured clone without ever
 * exposing its bytes; {@link memoryKeyObjectStore} is the in-memory one (tests,
 * and keys that need not outlive the page).
 */

/**
 * A store of `CryptoKey` objects by id (32 random bytes; compare by value).
 * Methods may reject; the error reaches the caller of the crypto operation.
 */
export interface KeyObjectStore {
  /** Stores `key` under `id` (replacing any key there). Resolves once stored. */
  putKeyObject(id: Uint8Array, key: CryptoKey): Promise<void>;
  /** The key stored under `id`, or `undefined`. */
  getKeyObject(id: Uint8Array): Promise<CryptoKey | undefined>;
  /**
   * Optional: removes the key under `id` (nothing when there is none). What
   * it resolves to is ignored (a store may tell whether there was a key).
   */
  deleteKeyObject?(id: Uint8Array): Promise<unknown>;
}

/** A {@link KeyObjectStore} in memory that can also tell how many keys it holds. */
export interface MemoryKeyObjectStore extends KeyObjectStore {
  /** Number of keys stored. */
  readonly size: number;
  deleteKeyObject(id: Uint8Array): Promise<void>;
}

const hex = (bytes: Uint8Array): string => Array.from(bytes, (b) => b.toString(16).padStart(2, "0")).join("");

/** A {@link KeyObjectStore} in a `Map`, gone with the page or process. */
export function memoryKeyObjectStore(): MemoryKeyObjectStore {
  const keys = new Map<string, CryptoKey>();
  return {
    get size() {
      return keys.size;
    },
    putKeyObject(id, key) {
      keys.set(hex(id), key);
      return Promise.resolve();
    },
    getKeyObject(id) {
      return Promise.resolve(keys.get(hex(id)));
    },
    deleteKeyObject(id) {
      keys.delete(hex(id));
      return Promise.resolve();
    },
  };
}
