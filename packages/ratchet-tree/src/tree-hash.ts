/**
 * Tree hash inputs (RFC 9420 §7.8) and batched hashing.
 *
 * ```
 * struct { NodeType node_type; select { leaf: LeafNodeHashInput; parent: ParentNodeHashInput } } TreeHashInput;
 * struct { uint32 leaf_index; optional<LeafNode> leaf_node; } LeafNodeHashInput;
 * struct { optional<ParentNode> parent_node; opaque left_hash<V>; opaque right_hash<V>; } ParentNodeHashInput;
 * ```
 * Node hashes are independent within a level: with a synchronous hash
 * (`CipherSuiteProvider.hashSync`) they are computed in one loop without a
 * promise per node; otherwise each level is hashed with many digests in
 * flight instead of one await per node (docs/ARCHITECTURE.md, performance notes).
 */
import { varintSize } from "@mlskit/codec";
import type { CipherSuiteProvider } from "@mlskit/core";
import { NodeType } from "./node.js";
import { Yielder, forEachConcurrent } from "./concurrency.js";

/** @internal Writes an RFC 9420 §2.1.2 varint at `at`; returns the next offset. */
export function putVarint(out: Uint8Array, at: number, v: number): number {
  const size = varintSize(v);
  if (size === 1) out[at] = v;
  else if (size === 2) {
    out[at] = 0x40 | (v >>> 8);
    out[at + 1] = v & 0xff;
  } else {
    out[at] = 0x80 | (v >>> 24);
    out[at + 1] = (v >>> 16) & 0xff;
    out[at + 2] = (v >>> 8) & 0xff;
    out[at + 3] = v & 0xff;
  }
  return at + size;
}

/** @internal Writes `opaque<V>` (RFC 9420 §2.1.2 varint length, then the bytes) at `at`; returns the next offset. */
export function putOpaque(out: Uint8Array, at: number, bytes: Uint8Array): number {
  at = putVarint(out, at, bytes.length);
  out.set(bytes, at);
  return at + bytes.length;
}

/**
 * A reusable input buffer for synchronous hashing: an input written here is
 * hashed before anything else can write to it, so one buffer serves every
 * node (no allocation per node). Never used with an async hash.
 */
export class Scratch {
  #buf = new Uint8Array(1024);

  /** A buffer of at least `size` bytes (contents unspecified). */
  take(size: number): Uint8Array {
    if (size > this.#buf.length) this.#buf = new Uint8Array(Math.max(size, 2 * this.#buf.length));
    return this.#buf;
  }
}

/** TreeHashInput of a leaf (§7.8); `leaf` is the LeafNode encoding or undefined when blank. */
export function leafHashInput(leafIndex: number, leaf: Uint8Array | undefined, scratch?: Scratch): Uint8Array {
  const size = 1 + 4 + 1 + (leaf?.length ?? 0);
  const out = scratch !== undefined ? scratch.take(size) : new Uint8Array(size);
  out[0] = NodeType.leaf;
  out[1] = leafIndex >>> 24;
  out[2] = (leafIndex >>> 16) & 0xff;
  out[3] = (leafIndex >>> 8) & 0xff;
  out[4] = leafIndex & 0xff;
  if (leaf !== undefined) {
    out[5] = 1;
    out.set(leaf, 6);
  } else {
    out[5] = 0;
  }
  return scratch !== undefined ? out.subarray(0, size) : out;
}

/** TreeHashInput of a parent (§7.8); `parent` is the ParentNode encoding or undefined when blank. */
export function parentHashInput(parent: Uint8Array | undefined, leftHash: Uint8Array, rightHash: Uint8Array, scratch?: Scratch): Uint8Array {
  const pl = parent?.length ?? 0;
  const size = 2 + pl + 8 + leftHash.length + rightHash.length;
  const out = scratch !== undefined ? scratch.take(size) : new Uint8Array(size);
  out[0] = NodeType.parent;
  let at = 1;
  if (parent !== undefined) {
    out[at++] = 1;
    out.set(parent, at);
    at += pl;
  } else {
    out[at++] = 0;
  }
  at = putVarint(out, at, leftHash.length);
  out.set(leftHash, at);
  at += leftHash.length;
  at = putVarint(out, at, rightHash.length);
  out.set(rightHash, at);
  at += rightHash.length;
  return out.subarray(0, at);
}

/**
 * Async hashes kept in flight at once. Measured with WebCrypto on 2 cores: a
 * hundred or so digests keep the thread pool busy; thousands only add
 * garbage-collection pressure.
 */
const WINDOW = 128;

/** The provider's synchronous hash (`CipherSuiteProvider.hashSync`), if it offers one. */
export function syncHash(cs: CipherSuiteProvider): ((data: Uint8Array) => Uint8Array) | undefined {
  const f = cs.hashSync;
  return typeof f === "function" ? (f.bind(cs) as (data: Uint8Array) => Uint8Array) : undefined;
}

/** Hash(data) with the suite's hash, synchronously when the provider can. */
export function hashOne(cs: CipherSuiteProvider, data: Uint8Array): Promise<Uint8Array> {
  const sync = syncHash(cs);
  return sync !== undefined ? Promise.resolve(sync(data)) : cs.hash(data);
}

/**
 * Produces the input of hash `i`. With a {@link Scratch} (synchronous hashing)
 * it may return a view into it; without, it must return its own array.
 */
export type HashInput = (i: number, scratch: Scratch | undefined) => Uint8Array;

/**
 * Hashes `count` inputs produced on demand by `input(i)` and hands each digest
 * to `store(i, digest)`. With a synchronous hash: one loop, no promise per
 * input, one reused input buffer, yielding to the event loop every few ms so
 * concurrent work (signature verifications) proceeds. Otherwise: up to
 * {@link WINDOW} hashes in flight, the next issued as soon as one completes.
 * With `yielder`, the caller's time slices are shared.
 */
export async function hashBatch(cs: CipherSuiteProvider, count: number, input: HashInput, store: (i: number, digest: Uint8Array) => void, yielder?: Yielder): Promise<void> {
  const sync = syncHash(cs);
  if (sync !== undefined) {
    const y = yielder ?? new Yielder();
    const scratch = new Scratch();
    for (let i = 0; i < count; i++) {
      store(i, sync(input(i, scratch)));
      if (y.due()) await y.yield();
    }
    return;
  }
  await forEachConcurrent(count, WINDOW, async (i) => {
    store(i, await cs.hash(input(i, undefined)));
  });
}
