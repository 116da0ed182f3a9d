/**
 * Caches of imported `CryptoKey`s. Importing is a large part of the cost of a
 * WebCrypto signature or DH (docs/ARCHITECTURE.md, performance notes), so each key is
 * imported once:
 *
 * - by object: a `WeakMap` keyed by the caller's `Uint8Array`, so the entry
 *   lives exactly as long as the caller's key array;
 * - by value: a bounded LRU `Map`, so the same key arriving in a fresh array
 *   (a leaf's public key decoded from every message) is found again.
 *
 * Every hit compares the caller's bytes with a private copy taken at import
 * time, so an array that was overwritten (a secret wiped with `fill(0)`, a
 * reused buffer) never returns a stale key. The cached value is the import's
 * `Promise`, so concurrent calls share one import; a failed import is dropped
 * so that it can be retried.
 */
import { bytesEqual, constantTimeEqual } from "@mlskit/codec";
import { expectDefined } from "@mlskit/core";

interface Entry<T> {
  readonly bytes: Uint8Array;
  readonly value: Promise<T>;
}

/**
 * A 53-bit non-cryptographic fingerprint of key bytes, used as the LRU key:
 * a number, so a lookup allocates no string, and no copy of a secret is kept
 * in a string (strings cannot be wiped). Two independent 32-bit
 * multiplicative hashes, the second truncated to 21 bits. A collision only
 * costs a re-import (one entry replaces the other), because every hit is
 * confirmed against the stored bytes.
 */
function fingerprint(bytes: Uint8Array): number {
  let h1 = 0x811c9dc5 ^ bytes.length;
  let h2 = 0x9e3779b9;
  for (let i = 0; i < bytes.length; i++) {
    const b = expectDefined(bytes[i], "bytes[i]");
    h1 = Math.imul(h1 ^ b, 0x01000193);
    h2 = Math.imul(h2 ^ b, 0x5bd1e995);
    h2 ^= h2 >>> 15;
  }
  return (h1 >>> 0) * 0x200000 + (h2 >>> 11);
}

/** One cache of imported keys (or any async value derived from key bytes). */
export class KeyCache<T> {
  private readonly byObject = new WeakMap<Uint8Array, Entry<T>>();
  private readonly byValue = new Map<number, Entry<T>>();
  private readonly capacity: number;
  private readonly secret: boolean;

  /**
   * @param capacity - bound of the by-value LRU (0 disables it).
   * @param secret - the bytes are secret: compare them in constant time.
   */
  constructor(capacity: number, secret: boolean) {
    this.capacity = Math.max(0, Math.floor(capacity));
    this.secret = secret;
  }

  /** Redacted: the entries hold copies of key bytes. */
  toJSON(): { size: number } {
    return { size: this.byValue.size };
  }

  [Symbol.for("nodejs.util.inspect.custom")](): string {
    return `KeyCache(${this.byValue.size} by value, redacted)`;
  }

  /** Number of entries in the by-value LRU (for tests). */
  get size(): number {
    return this.byValue.size;
  }

  /**
   * Stores an already known value for `bytes` (a key just generated, whose
   * `CryptoKey` is at hand). With `byValue` false the entry lives only as
   * long as the `bytes` array (for one-use keys, such as HPKE ephemeral keys,
   * that should not push others out of the LRU).
   */
  set(bytes: Uint8Array, value: T, byValue = true): void {
    const entry: Entry<T> = { bytes: bytes.slice(), value: Promise.resolve(value) };
    this.byObject.set(bytes, entry);
    if (byValue && this.capacity > 0) this.remember(fingerprint(bytes), entry);
  }

  private remember(id: number, entry: Entry<T>): void {
    this.byValue.delete(id);
    this.byValue.set(id, entry);
    while (this.byValue.size > this.capacity) {
      const oldest = this.byValue.keys().next();
      if (oldest.done === true) break;
      this.byValue.delete(oldest.value);
    }
  }

  /**
   * The value for `bytes`, calling `load` (with a private copy of the bytes)
   * only when no entry matches.
   */
  get(bytes: Uint8Array, load: (copy: Uint8Array) => Promise<T>): Promise<T> {
    const same = this.secret ? constantTimeEqual : bytesEqual;
    const held = this.byObject.get(bytes);
    if (held !== undefined && same(held.bytes, bytes)) return held.value;

    const id = this.capacity > 0 ? fingerprint(bytes) : 0;
    if (this.capacity > 0) {
      const found = this.byValue.get(id);
      if (found !== undefined && same(found.bytes, bytes)) {
        // Most recently used goes last (Map keeps insertion order).
        this.byValue.delete(id);
        this.byValue.set(id, found);
        this.byObject.set(bytes, found);
        return found.value;
      }
    }

    const copy = bytes.slice();
    let value: Promise<T>;
    try {
      value = load(copy);
    } catch (e) {
      value = Promise.reject(e);
    }
    const entry: Entry<T> = { bytes: copy, value };
    this.byObject.set(bytes, entry);
    if (this.capacity > 0) this.remember(id, entry);
    // A failed import is forgotten (the caller still sees the rejection).
    value.catch(() => {
      if (this.byObject.get(bytes) === entry) this.byObject.delete(bytes);
      if (this.byValue.get(id) === entry) this.byValue.delete(id);
    });
    return value;
  }
}
