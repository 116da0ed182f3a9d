/**
 * The at-rest key of an `encryptedStore` over IndexedDB, kept as a
 * non-extractable AES-GCM-256 `CryptoKey` in the store's CryptoKey slots:
 * page script uses it through `crypto.subtle` and never holds its bytes, and
 * a copy of the database (rows and key objects) is all a thief gets, not the
 * key material — a browser keeps it in its own profile, outside any origin's
 * reach as bytes.
 *
 * ```ts
 * const store = await indexedDbStore({ name: "mlskit-alice" });
 * const key = await loadOrCreateAtRestKey(store);          // key id 1
 * const sealed = encryptedStore(store, { cs, keys: [key] });
 * // later: await rotateAtRestKey(store, { cs, from: 1 }); // key id 2 from now on
 * ```
 */
import {
  type AtRestCipherKey,
  type CipherSuiteProvider,
  type ClientStore,
  type RotationReport,
  checkAtRestKeyId,
  encryptedStore,
  generateAtRestCryptoKey,
  webCryptoAtRestCipher,
} from "@mlskit/core";
import type { CryptoKeyStore } from "./crypto-key-store.js";

/** The slot prefix: 16 ASCII bytes, then the key id (uint32, big-endian); apart from crypto-webcrypto's `mlskit-keyhandle` slots. */
const SLOT_PREFIX = new TextEncoder().encode("mlskit-atrestkey");

/** The CryptoKey slot of at-rest key `id`. @throws UsageError `usage/invalid-argument` for an id that is not a uint32. */
export function atRestKeySlot(id: number): Uint8Array {
  const slot = new Uint8Array(SLOT_PREFIX.length + 4);
  slot.set(SLOT_PREFIX);
  new DataView(slot.buffer).setUint32(SLOT_PREFIX.length, checkAtRestKeyId(id));
  return slot;
}

/** An at-rest key of this store: the entry for `encryptedStore`'s key list, and its `CryptoKey`. */
export interface StoredAtRestKey extends AtRestCipherKey {
  /** The non-extractable AES-GCM key behind `cipher` (for checks; its bytes cannot be read). */
  readonly cryptoKey: CryptoKey;
}

/** Options of {@link loadOrCreateAtRestKey} and {@link loadAtRestKey}. */
export interface AtRestKeyOptions {
  /** The key id (uint32, stored beside each sealed blob); default 1. */
  readonly id?: number;
  /** The WebCrypto to use; default the runtime's `crypto.subtle`. */
  readonly subtle?: SubtleCrypto;
}

const stored = (id: number, cryptoKey: CryptoKey, subtle: SubtleCrypto | undefined): StoredAtRestKey => ({ id, cipher: webCryptoAtRestCipher(cryptoKey, subtle), cryptoKey });

/**
 * The at-rest key `id` kept in `store`, or `undefined` when it has none.
 * @throws UsageError `usage/invalid-argument` for a non-uint32 id, or a slot
 *   holding a key that is not AES-GCM for encrypt and decrypt.
 */
export async function loadAtRestKey(store: CryptoKeyStore, options: AtRestKeyOptions = {}): Promise<StoredAtRestKey | undefined> {
  const id = options.id ?? 1;
  const key = await store.getKeyObject(atRestKeySlot(id));
  return key === undefined ? undefined : stored(id, key, options.subtle);
}

/**
 * The at-rest key `id` kept in `store`; when it has none, a fresh
 * non-extractable AES-GCM-256 key (`generateKey(..., false, ["encrypt", "decrypt"])`)
 * stored first. Two tabs creating it at once: both store a key and the last
 * one stays, so call it once, before writing (e.g. under a Web Lock).
 * @throws CryptoError `crypto/unsupported` without `crypto.subtle` (an insecure context).
 * @throws StorageError from the store.
 */
export async function loadOrCreateAtRestKey(store: CryptoKeyStore, options: AtRestKeyOptions = {}): Promise<StoredAtRestKey> {
  const found = await loadAtRestKey(store, options);
  if (found !== undefined) return found;
  const id = options.id ?? 1;
  const key = await generateAtRestCryptoKey(options.subtle);
  await store.putKeyObject(atRestKeySlot(id), key);
  return stored(id, key, options.subtle);
}

/** Options of {@link rotateAtRestKey}. */
export interface AtRestRotationOptions {
  /** The suite the encrypted store uses (its `randomBytes` draws the nonces). */
  readonly cs: CipherSuiteProvider;
  /** The id of the key in use. */
  readonly from: number;
  /** The id of the new key; default `from + 1`. */
  readonly to?: number;
  /** The WebCrypto to use; default the runtime's `crypto.subtle`. */
  readonly subtle?: SubtleCrypto;
}

/** What {@link rotateAtRestKey} did. */
export interface AtRestRotation {
  /** The key in use from now on: `encryptedStore(store, { cs, keys: [key] })`. */
  readonly key: StoredAtRestKey;
  /** What `rotate()` rewrote. */
  readonly report: RotationReport;
}

/**
 * Replaces the at-rest key `from` by a new one, `to`: creates it (or loads
 * it, when an earlier call was cut short), rewrites every record under it
 * with `EncryptedClientStore.rotate()` (keys `[to, from]`), and only then
 * deletes key `from`. Run it while the client is idle, as `rotate()` asks.
 *
 * Cut short, it is resumed by calling it again with the same ids; until
 * then open the store with both keys, `[to, from]` (`loadAtRestKey`). Once
 * key `from` is gone, a further call just checks that nothing needs it.
 * @throws StorageError `storage/corrupt` for a record that does not open
 *   (sealed under a key that is neither, or damaged): key `from` is kept.
 * @throws UsageError `usage/invalid-argument` for ids that are equal or not uint32.
 */
export async function rotateAtRestKey(store: ClientStore & CryptoKeyStore, options: AtRestRotationOptions): Promise<AtRestRotation> {
  const { cs, from, subtle } = options;
  const to = options.to ?? from + 1;
  const old = await loadAtRestKey(store, { id: from, ...(subtle === undefined ? {} : { subtle }) });
  const key = await loadOrCreateAtRestKey(store, { id: to, ...(subtle === undefined ? {} : { subtle }) });
  // Not closed: closing the wrapper would close `store`, which stays the caller's.
  const report = await encryptedStore(store, { cs, keys: old === undefined ? [key] : [key, old] }).rotate();
  if (old !== undefined) await store.deleteKeyObject(atRestKeySlot(from));
  return { key, report };
}
