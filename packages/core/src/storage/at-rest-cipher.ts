/**
 * The two kinds of at-rest key of {@link encryptedStore}: key bytes sealed
 * with the suite's AEAD (the application holds them, as on a server), or an
 * {@link AtRestCipher} that keeps its key to itself (a non-extractable
 * WebCrypto key in a browser; an HSM or KMS).
 */
import { UsageError } from "../errors.js";
import type { CipherSuiteProvider } from "../crypto-provider.js";

/**
 * An AEAD whose key stays inside it: AES-GCM with a 12-byte nonce and a
 * 16-byte tag (see `webCryptoAtRestCipher`). The store picks a fresh random
 * nonce for every seal; the cipher never chooses or reuses one.
 */
export interface AtRestCipher {
  /** Seals `plaintext` under `nonce` (12 bytes), authenticating `aad`; returns ciphertext and tag. */
  seal(nonce: Uint8Array, aad: Uint8Array, plaintext: Uint8Array): Promise<Uint8Array>;
  /**
   * Opens what {@link AtRestCipher.seal} returned.
   * Must reject with `CryptoError` `crypto/aead-open` when it does not
   * authenticate (the store reports that as `storage/corrupt`); any other
   * rejection (a key that is gone, a failing HSM) passes through as it is.
   */
  open(nonce: Uint8Array, aad: Uint8Array, ciphertext: Uint8Array): Promise<Uint8Array>;
}

/** The nonce length of an {@link AtRestCipher} (AES-GCM's 96 bits). */
export const AT_REST_CIPHER_NONCE_LENGTH = 12;

/** An at-rest key given as bytes, sealed with the suite's AEAD (`aeadKeyLength` bytes). */
export interface AtRestBytesKey {
  /** The uint32 stored beside each blob sealed under this key. */
  readonly id: number;
  readonly key: Uint8Array;
  readonly cipher?: never;
}

/** An at-rest key held by an {@link AtRestCipher}: its bytes never reach the store. */
export interface AtRestCipherKey {
  /** The uint32 stored beside each blob sealed under this key. */
  readonly id: number;
  readonly cipher: AtRestCipher;
  readonly key?: never;
}

/**
 * One key of an `encryptedStore`, named by a uint32 stored beside each blob.
 * The two kinds mix freely in one key list (rotating from one to the other);
 * a blob opens only under the key that sealed it, of whichever kind.
 */
export type AtRestKey = AtRestBytesKey | AtRestCipherKey;

/** A key of the list, ready to use: its nonce length and its AEAD. @internal */
export interface KeyCipher {
  readonly nonceLength: number;
  readonly cipher: AtRestCipher;
}

/**
 * Checks that `id` can name an at-rest key (a uint32) and returns it.
 * @throws UsageError `usage/invalid-argument` otherwise.
 */
export function checkAtRestKeyId(id: number): number {
  if (!Number.isInteger(id) || id < 0 || id > 0xffffffff) throw new UsageError("usage/invalid-argument", `key id ${id} is not a uint32`);
  return id;
}

function bytesKeyCipher(cs: CipherSuiteProvider, k: AtRestBytesKey): KeyCipher {
  if (!(k.key instanceof Uint8Array) || k.key.length !== cs.aeadKeyLength) {
    throw new UsageError("usage/invalid-argument", `key ${k.id} must be ${cs.aeadKeyLength} bytes (the suite's AEAD key length)`);
  }
  const key = k.key.slice();
  return {
    nonceLength: cs.aeadNonceLength,
    cipher: { seal: (nonce, aad, pt) => cs.aeadSeal(key, nonce, aad, pt), open: (nonce, aad, ct) => cs.aeadOpen(key, nonce, aad, ct) },
  };
}

function cipherKeyCipher(k: AtRestCipherKey): KeyCipher {
  const c: unknown = k.cipher;
  if (typeof c !== "object" || c === null || typeof (c as AtRestCipher).seal !== "function" || typeof (c as AtRestCipher).open !== "function") {
    throw new UsageError("usage/invalid-argument", `key ${k.id}: cipher must have seal() and open()`);
  }
  return { nonceLength: AT_REST_CIPHER_NONCE_LENGTH, cipher: k.cipher };
}

/**
 * The key list of an `encryptedStore`, checked, by id; the current key is the first.
 * @throws UsageError `usage/invalid-argument` for an empty list, a repeated
 *   or non-uint32 id, bytes of the wrong length, a key with both or neither
 *   of `key` and `cipher`, or a cipher without `seal`/`open`.
 * @internal
 */
export function keyCiphers(cs: CipherSuiteProvider, keys: readonly AtRestKey[]): Map<number, KeyCipher> {
  if (keys.length === 0) throw new UsageError("usage/invalid-argument", "encryptedStore needs at least one key");
  const map = new Map<number, KeyCipher>();
  for (const k of keys) {
    checkAtRestKeyId(k.id);
    if (map.has(k.id)) throw new UsageError("usage/invalid-argument", `key id ${k.id} appears twice`);
    const hasKey = k.key !== undefined;
    if (hasKey === (k.cipher !== undefined)) throw new UsageError("usage/invalid-argument", `key ${k.id} must have either key bytes or a cipher`);
    map.set(k.id, hasKey ? bytesKeyCipher(cs, k as AtRestBytesKey) : cipherKeyCipher(k as AtRestCipherKey));
  }
  return map;
}
