/**
 * Tree hash inputs (RFC 9420 §7.8) and batched hashing.
 *
 * ```
 * struct { NodeType node_type; select { leaf: LeafNodeHashInput; parent: ParentNodeHashInput } } TreeHashInput;
 * struct { uint32 leaf_index; optional<LeafNode> leaf_node; } LeafNodeHashInput;
 * struct { optional<ParentNode> parent_node; opaque left_hash<V>; opaque right_hash<V>; } ParentNodeHashInput;
 * ```
 * Node hashes are independent within a level, so each level is hashed as one
 * concurrent batch instead of one await per node (DESIGN.md, performance notes).
 */
import { varintSize } from "@mlskit/codec";
import type { CipherSuiteProvider } from "@mlskit/core";
import { NodeType } from "./node.js";

function putVarint(out: Uint8Array, at: number, v: number): number {
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

/** TreeHashInput of a leaf (§7.8); `leaf` is the LeafNode encoding or undefined when blank. */
export function leafHashInput(leafIndex: number, leaf: Uint8Array | undefined): Uint8Array {
  const out = new Uint8Array(1 + 4 + 1 + (leaf?.length ?? 0));
  out[0] = NodeType.leaf;
  out[1] = leafIndex >>> 24;
  out[2] = (leafIndex >>> 16) & 0xff;
  out[3] = (leafIndex >>> 8) & 0xff;
  out[4] = leafIndex & 0xff;
  if (leaf !== undefined) {
    out[5] = 1;
    out.set(leaf, 6);
  }
  return out;
}

/** TreeHashInput of a parent (§7.8); `parent` is the ParentNode encoding or undefined when blank. */
export function parentHashInput(parent: Uint8Array | undefined, leftHash: Uint8Array, rightHash: Uint8Array): Uint8Array {
  const pl = parent?.length ?? 0;
  const out = new Uint8Array(2 + pl + 8 + leftHash.length + rightHash.length);
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
 * Hashes issued together. Measured with WebCrypto on 2 cores: batches of a
 * hundred or so digests keep the thread pool busy; batches of thousands only
 * add garbage-collection pressure (about 30% slower).
 */
const BATCH = 128;

/**
 * The provider's synchronous hash, if it offers one. `CipherSuiteProvider`
 * has no such member yet; DESIGN.md's performance notes propose an optional
 * `hashSync(data)` because many small hashes are several times faster without
 * an await (or a WebCrypto job) per node. Until then this finds nothing.
 */
function syncHash(cs: CipherSuiteProvider): ((data: Uint8Array) => Uint8Array) | undefined {
  const f = (cs as { hashSync?: unknown }).hashSync;
  return typeof f === "function" ? (f.bind(cs) as (data: Uint8Array) => Uint8Array) : undefined;
}

/** Hash(data) with the suite's hash, synchronously when the provider can. */
export function hashOne(cs: CipherSuiteProvider, data: Uint8Array): Promise<Uint8Array> {
  const sync = syncHash(cs);
  return sync !== undefined ? Promise.resolve(sync(data)) : cs.hash(data);
}

/**
 * Hashes `count` inputs produced on demand by `input(i)` and hands each digest
 * to `store(i, digest)`, issuing the hashes of a batch together.
 */
export async function hashBatch(
  cs: CipherSuiteProvider,
  count: number,
  input: (i: number) => Uint8Array,
  store: (i: number, digest: Uint8Array) => void,
): Promise<void> {
  const sync = syncHash(cs);
  for (let from = 0; from < count; from += BATCH) {
    const to = Math.min(count, from + BATCH);
    if (sync !== undefined) {
      for (let i = from; i < to; i++) store(i, sync(input(i)));
      await null; // let other work interleave between batches
      continue;
    }
    const pending: Promise<Uint8Array>[] = new Array(to - from);
    for (let i = from; i < to; i++) pending[i - from] = cs.hash(input(i));
    const digests = await Promise.all(pending);
    for (let i = from; i < to; i++) store(i, digests[i - from]!);
  }
}
