/**
 * Compact, persistent storage behind {@link RatchetTree} (internal).
 *
 * - Node encodings live back to back in an append-only byte {@link Arena}
 *   shared by a tree and the trees derived from it. A tree records each node
 *   as a (start, length) pair in `Uint32Array` chunks; length 0 is blank.
 * - Tree hashes live in flat `Uint8Array` chunks (CHUNK × Nh bytes).
 * - Deriving a tree copies only the chunks it changes (copy-on-write), so a
 *   commit costs O(log N) storage work and the tree it came from stays valid.
 */

/** Nodes per chunk (a power of two). */
import { expectDefined } from "@mlskit/core";
export const CHUNK_BITS = 10;
export const CHUNK = 1 << CHUNK_BITS;
export const CHUNK_MASK = CHUNK - 1;

/** An append-only byte store. Trees hold the buffer current at their creation. */
export class Arena {
  buf: Uint8Array;
  used: number;

  constructor(buf: Uint8Array, used: number) {
    this.buf = buf;
    this.used = used;
  }

  /** Appends bytes and returns their offset; may move to a larger buffer. */
  append(bytes: Uint8Array): number {
    const need = this.used + bytes.length;
    if (need > this.buf.length) {
      // Grow by an eighth (at least 64 KiB): slack stays small for large trees.
      const cap = Math.max(need, this.buf.length + Math.max(this.buf.length >>> 3, 1 << 16));
      const next = new Uint8Array(cap);
      next.set(this.buf.subarray(0, this.used));
      this.buf = next;
    }
    const at = this.used;
    this.buf.set(bytes, at);
    this.used = need;
    return at;
  }
}

/** Entries a chunk needs to hold node indices up to `width - 1`. */
export function chunkCapacity(c: number, width: number): number {
  const need = Math.min(CHUNK, width - c * CHUNK);
  let cap = 16;
  while (cap < need) cap *= 2;
  return Math.min(cap, CHUNK);
}

/** Number of chunks needed for `width` nodes. */
export function chunkCount(width: number): number {
  return (width + CHUNK - 1) >>> CHUNK_BITS;
}

/** Per-tree node tables; chunk arrays are shared with other trees until written. */
export interface NodeTables {
  /** Per chunk: 2 × CHUNK uint32 (start, length). */
  readonly spans: Uint32Array[];
  /**
   * Per chunk: the tree hashes of its parent nodes and, when `leafHashes`,
   * of its leaves too (slots by {@link hashSlot}).
   */
  readonly hashes: Uint8Array[];
  /**
   * Whether leaf hashes are stored. With a synchronous hash they are not: a
   * leaf's hash is one short hash of bytes at hand, recomputed when asked
   * for, and leaves are half the nodes (at N = 1,024 that is 32 KiB of a
   * ~390 KiB group state).
   */
  readonly leafHashes: boolean;
}

/** The hash slot of node `n` within its chunk (`n` must be a parent unless `leafHashes`). */
export function hashSlot(leafHashes: boolean, n: number): number {
  return leafHashes ? n & CHUNK_MASK : (n & CHUNK_MASK) >>> 1;
}

const DIGEST_LENGTH = { "SHA-256": 32, "SHA-384": 48, "SHA-512": 64 } as const;

/**
 * The output length of the suite's hash (tree and parent hashes are Hash
 * outputs, RFC 9420 §7.8-§7.9). Not `cs.hashLength`, which is KDF.Nh: the two
 * differ in suites whose KDF is not their hash (ts-mls 2.0's HKDF-SHA512
 * suites with SHA-256 or SHA-384, TS_MLS_CIPHER_SUITE_MAP 0xF007-0xF00A).
 */
export function digestLength(cs: { readonly suite: { readonly hash: keyof typeof DIGEST_LENGTH } }): number {
  return DIGEST_LENGTH[cs.suite.hash];
}

/** Bytes of a hash chunk for `cap` nodes. */
export function hashChunkBytes(leafHashes: boolean, cap: number, nh: number): number {
  return (leafHashes ? cap : cap >>> 1) * nh;
}

/**
 * Blank-leaf bitmap (bit set = blank leaf), one bit per leaf, copied whole when
 * changed (N/8 bytes: 16 KiB for 131,072 leaves). Bits past `size` are 0.
 */
export class LeafBitmap {
  constructor(
    readonly words: Uint32Array,
    readonly size: number,
  ) {}

  static allBlank(size: number): LeafBitmap {
    const words = new Uint32Array((size + 31) >>> 5);
    words.fill(0xffffffff);
    const extra = words.length * 32 - size;
    if (extra > 0) words[words.length - 1] = 0xffffffff >>> extra;
    return new LeafBitmap(words, size);
  }

  isBlank(l: number): boolean {
    return ((expectDefined(this.words[l >>> 5], "this.words[l >>> 5]") >>> (l & 31)) & 1) === 1;
  }

  set(l: number, blank: boolean): void {
    const w = l >>> 5;
    const bit = 1 << (l & 31);
    this.words[w] = blank ? expectDefined(this.words[w], "this.words[w]") | bit : expectDefined(this.words[w], "this.words[w]") & ~bit;
  }

  /** A copy resized to `size` leaves; leaves past the old size are blank. */
  resized(size: number): LeafBitmap {
    const out = LeafBitmap.allBlank(size);
    const keep = Math.min(size, this.size);
    const full = keep >>> 5;
    out.words.set(this.words.subarray(0, full));
    for (let l = full * 32; l < keep; l++) out.set(l, this.isBlank(l));
    return out;
  }

  copy(): LeafBitmap {
    return new LeafBitmap(this.words.slice(), this.size);
  }

  /** Leftmost blank leaf, or -1. */
  leftmostBlank(): number {
    const words = this.words;
    for (let w = 0; w < words.length; w++) {
      const v = expectDefined(words[w], "words[w]");
      if (v !== 0) return w * 32 + (31 - Math.clz32(v & -v));
    }
    return -1;
  }

  /** Rightmost non-blank leaf, or -1. */
  rightmostNonBlank(): number {
    for (let w = this.words.length - 1; w >= 0; w--) {
      let v = ~expectDefined(this.words[w], "this.words[w]") >>> 0;
      const valid = Math.min(32, this.size - w * 32);
      if (valid < 32) v &= (1 << valid) - 1;
      if (v !== 0) return w * 32 + 31 - Math.clz32(v);
    }
    return -1;
  }
}
