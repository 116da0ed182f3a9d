/**
 * Slots for `CryptoKey` objects: the narrow interface a WebCrypto provider is
 * given to keep private keys that must never leave `crypto.subtle`. A
 * non-extractable key stored here reads back non-extractable (IndexedDB
 * keeps a `CryptoKey` by structured clone, key material and flags alike), so
 * `crypto.subtle.exportKey` still refuses it after a reload.
 */
export interface CryptoKeyStore {
  /** Stores (or replaces) `key` under `id` (opaque bytes, compared by value). */
  putKeyObject(id: Uint8Array, key: CryptoKey): Promise<void>;
  /** The key stored under `id`, or `undefined` when unknown. */
  getKeyObject(id: Uint8Array): Promise<CryptoKey | undefined>;
  /** Forgets the key under `id`; true when it was there. */
  deleteKeyObject(id: Uint8Array): Promise<boolean>;
}
