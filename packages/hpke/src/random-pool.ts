/**
 * Small random requests served from a buffer that one call of the source
 * fills. `crypto.getRandomValues` costs about the same per call whatever the
 * size (3–10 µs measured on Node 20), and every PrivateMessage asks for a
 * four-byte reuse guard (RFC 9420 §6.3.1), every HPKE seal for a key.
 */

/** Requests up to this many bytes come from the pool; larger ones go to the source. */
export const MAX_POOLED_RANDOM = 64;
const POOL_SIZE = 4096;

/**
 * A buffer of random bytes handed out in order, each byte once. A served
 * range is zeroed in the buffer, so later access to the buffer (a heap
 * snapshot) reveals nothing handed out.
 */
export class RandomPool {
  readonly #source: (length: number) => Uint8Array;
  #buf: Uint8Array = new Uint8Array(0);
  #at = 0;

  constructor(source: (length: number) => Uint8Array) {
    this.#source = source;
  }

  /** `length` fresh random bytes. */
  take(length: number): Uint8Array {
    if (!Number.isSafeInteger(length) || length < 0) throw new RangeError(`randomBytes: invalid length ${length}`);
    if (length > MAX_POOLED_RANDOM) return this.#source(length);
    if (this.#at + length > this.#buf.length) {
      this.#buf.fill(0);
      this.#buf = this.#source(POOL_SIZE);
      if (this.#buf.length !== POOL_SIZE) throw new RangeError("randomBytes: the source returned the wrong length");
      this.#at = 0;
    }
    const out = this.#buf.slice(this.#at, this.#at + length);
    this.#buf.fill(0, this.#at, this.#at + length);
    this.#at += length;
    return out;
  }
}
