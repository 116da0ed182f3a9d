/**
 * Hybrid primitives: the symmetric work MLS does in many small pieces —
 * hashes of tree nodes, HMACs, HKDF over short secrets, AEAD of small
 * messages under fresh keys — runs faster in synchronous pure JavaScript than
 * as one awaited `crypto.subtle` call each (plus a key import, for a fresh
 * key). Each primitive here sends small inputs to the fallback source and
 * large ones to `crypto.subtle`, where native code wins on throughput.
 *
 * Measured on Node 20 (2-core VM, one await at a time, noble as the
 * fallback; ops/s). A `crypto.subtle` round trip costs ~30–40 µs when the
 * crypto thread's core is awake, and up to ~120 µs on an otherwise idle VM
 * (waking the thread dominates); both columns are given for subtle:
 *
 * | operation                        | noble    | subtle (awake / idle) |
 * |----------------------------------|----------|-----------------------|
 * | SHA-256 of 100 B                 | ~475,000 | ~61,000 / ~20,000     |
 * | SHA-256 of 1 KiB                 | ~120,000 | ~57,000 / ~17,000     |
 * | SHA-256 of 4 KiB                 |  ~25,000 | ~39,000 / ~20,000     |
 * | HMAC-SHA256, fresh key, 100 B    | ~165,000 | ~22,000 /  ~9,500     |
 * | AES-128-GCM, fresh key, 100 B    |  ~49,000 | ~18,000 /  ~7,800     |
 * | AES-128-GCM, fresh key, 512 B    |  ~36,000 | ~24,000 /  ~6,600     |
 * | AES-128-GCM, fresh key, 1 KiB    |  ~23,000 | ~25,000 /  ~8,500     |
 * | AES-128-GCM, fresh key, 2 KiB    |  ~16,000 | ~23,000 /  ~8,200     |
 * | AES-128-GCM, fresh key, 64 KiB   |     ~840 | ~11,600 /  ~5,400     |
 *
 * ("fresh key": an `importKey` before each subtle operation, as MLS uses a
 * new key for nearly every message.) The hash and KDF thresholds are where
 * the fallback still wins or ties when subtle is at its fastest (SHA-256 in
 * noble costs ~8 µs per KiB). AES-GCM in noble costs ~20 µs plus ~40 µs per
 * KiB; subtle wins back-to-back above ~1 KiB, but an MLS message does its
 * AEAD between a signature and the sender-data work, when the pool thread
 * has gone idle: there a 1 KiB application message ran at ~2,000/s with
 * subtle's AEAD and ~2,600/s with noble's (both directions gained). So AEAD
 * inputs up to 2 KiB, typical chat messages, stay on this thread.
 *
 * These are Node's figures. Other runtimes differ (Chromium's `crypto.subtle`
 * wins AES-GCM and SHA-256 by 3–8×), so which side serves small inputs is
 * chosen per primitive, by measurement (`calibrate.ts`), and passed in here:
 * a primitive on "webcrypto" runs on `crypto.subtle` for every input, one on
 * "fallback" on the fallback up to the thresholds below. Synchronous
 * variants (`digestSync`, `expandSync`) come from the fallback either way,
 * as `crypto.subtle` has none.
 *
 * Both sides compute the same function, so which side serves a call is not
 * observable except in time; sizes and lengths are checked here, before the
 * choice, so that errors do not depend on it either.
 */
import { CryptoError } from "@mlskit/core";
import type { Aead, HashPrimitive, Kdf } from "@mlskit/hpke";
import type { HybridSide } from "./calibrate.js";

/** Digest and HMAC inputs up to this many bytes go to the fallback. */
export const HYBRID_HASH_MAX_INPUT = 2048;
/** HKDF inputs (Extract's IKM, Expand's info) up to this many bytes go to the fallback. */
export const HYBRID_KDF_MAX_INPUT = 2048;
/** AEAD inputs (aad plus plaintext or ciphertext) up to this many bytes go to the fallback. */
export const HYBRID_AEAD_MAX_INPUT = 2048;

/** Whether an input of `size` bytes runs on the fallback: its side is "fallback" and it is at most `max` bytes. */
const onFallback = (side: HybridSide, size: number, max: number): boolean => side === "fallback" && size <= max;

/**
 * A hash whose digest and HMAC of small inputs come from `small` (each when
 * its side is "fallback"), of large ones from `native`; `small`'s
 * synchronous digest, if any, is offered as is.
 */
export function hybridHash(native: HashPrimitive, small: HashPrimitive, digestSide: HybridSide = "fallback", hmacSide: HybridSide = "fallback"): HashPrimitive {
  const sync = small.digestSync;
  return Object.freeze({
    name: native.name,
    outputLength: native.outputLength,
    ...(sync === undefined ? {} : { digestSync: (data: Uint8Array): Uint8Array => sync.call(small, data) }),
    digest: (data: Uint8Array): Promise<Uint8Array> => (onFallback(digestSide, data.length, HYBRID_HASH_MAX_INPUT) ? small.digest(data) : native.digest(data)),
    hmac: (key: Uint8Array, data: Uint8Array): Promise<Uint8Array> => (onFallback(hmacSide, data.length, HYBRID_HASH_MAX_INPUT) ? small.hmac(key, data) : native.hmac(key, data)),
  });
}

/**
 * An HKDF whose Extract and Expand run on `small` unless their input is
 * large or `side` is "webcrypto". Expand is a chain of HMACs over at most
 * Nh + |info| + 1 bytes, so the fallback wins for any output length when
 * `info` is short (where it wins at all). `small`'s `expandSync` is offered
 * either way.
 */
export function hybridKdf(native: Kdf, small: Kdf, side: HybridSide = "fallback"): Kdf {
  const nh = native.hashLength;
  // RFC 5869 §2.3: L <= 255 × HashLen; checked here so both sides fail alike.
  const checkLength = (length: number): void => {
    if (!Number.isInteger(length) || length < 0 || length > 255 * nh) {
      throw new RangeError(`HKDF-Expand length ${length} out of range (at most 255 × ${nh})`);
    }
  };
  const sync = small.expandSync;
  return Object.freeze({
    id: native.id,
    hashLength: nh,
    extract: (salt: Uint8Array, ikm: Uint8Array): Promise<Uint8Array> =>
      onFallback(side, ikm.length, HYBRID_KDF_MAX_INPUT) ? small.extract(salt, ikm) : native.extract(salt, ikm),
    expand: (prk: Uint8Array, info: Uint8Array, length: number): Promise<Uint8Array> => {
      try {
        checkLength(length);
      } catch (e) {
        return Promise.reject(e);
      }
      if (length === 0) return Promise.resolve(new Uint8Array(0));
      return onFallback(side, info.length, HYBRID_KDF_MAX_INPUT) ? small.expand(prk, info, length) : native.expand(prk, info, length);
    },
    // Synchronous callers expand short labels; the fallback serves any size, so no cut-over is needed.
    ...(sync === undefined
      ? {}
      : {
          expandSync: (prk: Uint8Array, info: Uint8Array, length: number): Uint8Array => {
            checkLength(length);
            return length === 0 ? new Uint8Array(0) : sync.call(small, prk, info, length);
          },
        }),
  });
}

/**
 * An AEAD that seals and opens small messages on `small` (no key import:
 * MLS uses a fresh key for nearly every message) and large ones on `native`.
 * Key and nonce sizes are checked first, with `native`'s errors.
 */
export function hybridAead(native: Aead, small: Aead, name: string): Aead {
  const { keyLength, nonceLength } = native;
  const check = (key: Uint8Array, nonce: Uint8Array): void => {
    if (key.length !== keyLength) throw new CryptoError("crypto/invalid-key", `${name} key must be ${keyLength} bytes, got ${key.length}`);
    if (nonce.length !== nonceLength) throw new RangeError(`${name} nonce must be ${nonceLength} bytes, got ${nonce.length}`);
  };
  return Object.freeze({
    id: native.id,
    keyLength,
    nonceLength,
    tagLength: native.tagLength,
    seal(key: Uint8Array, nonce: Uint8Array, aad: Uint8Array, plaintext: Uint8Array): Promise<Uint8Array> {
      try {
        check(key, nonce);
      } catch (e) {
        return Promise.reject(e);
      }
      return aad.length + plaintext.length <= HYBRID_AEAD_MAX_INPUT ? small.seal(key, nonce, aad, plaintext) : native.seal(key, nonce, aad, plaintext);
    },
    open(key: Uint8Array, nonce: Uint8Array, aad: Uint8Array, ciphertext: Uint8Array): Promise<Uint8Array> {
      try {
        check(key, nonce);
      } catch (e) {
        return Promise.reject(e);
      }
      return aad.length + ciphertext.length <= HYBRID_AEAD_MAX_INPUT ? small.open(key, nonce, aad, ciphertext) : native.open(key, nonce, aad, ciphertext);
    },
  });
}
