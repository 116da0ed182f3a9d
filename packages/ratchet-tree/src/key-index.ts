/**
 * An index of the public keys in a tree, for the uniqueness rules:
 * - §7.3: `signature_key` and `encryption_key` unique among the members;
 * - §12.4.2: no public key of an UpdatePath may already appear in the tree;
 * - §12.4.3.1: a parent's encryption key appears in no other node.
 *
 * Keys are bucketed by a 32-bit fingerprint; a lookup confirms candidates
 * against the tree's bytes, so colliding fingerprints cost time, never
 * correctness. Buckets are copied on write, so a derived tree pays only for
 * the buckets its changes touch.
 */
import { bytesEqual } from "@mlskit/codec";
import { type LeafIndex, type NodeIndex, isLeaf, nodeToLeaf } from "./tree-math.js";
import type { TreeView } from "./tree-view.js";
import { expectDefined } from "@mlskit/core";

/** At most 2^10 buckets (about 300 keys each for 100,000 members); fewer for small trees. */
const MAX_BUCKET_BITS = 10;

/** Bucket bits for a tree of `width` nodes: about 256 keys per bucket. */
function bucketBitsFor(width: number): number {
  return Math.max(0, Math.min(MAX_BUCKET_BITS, 31 - Math.clz32(width) - 8));
}
const SEED = (Math.random() * 0x100000000) >>> 0;

/** FNV-1a over the key with a per-process seed (keeps crafted collisions from being precomputed). */
export function fingerprint(key: Uint8Array): number {
  let h = 0x811c9dc5 ^ SEED;
  for (let i = 0; i < key.length; i++) h = Math.imul(h ^ expectDefined(key[i], "key[i]"), 0x01000193);
  return h >>> 0;
}

/**
 * A bucket: (fingerprint, node) pairs packed in a `Uint32Array`, unsorted.
 * Packed pairs cost 8 bytes a key where a `Map` entry costs about 50: the
 * index of a 1,024-member tree shrinks from ~150 KiB to ~25 KiB. A lookup
 * scans one bucket (a few hundred keys at most), which is cheap next to
 * the signature or HPKE work that each lookup accompanies.
 */
type Bucket = Uint32Array;

const EMPTY: Bucket = new Uint32Array(0);

/** Buckets being written: pairs in plain arrays, packed by {@link pack}. */
type Draft = number[][];

function pack(draft: Draft): Bucket[] {
  return draft.map((pairs) => (pairs.length === 0 ? EMPTY : Uint32Array.from(pairs)));
}

function addTo(pairs: number[], fp: number, n: number): void {
  pairs.push(fp, n);
}

function removeFrom(pairs: number[], fp: number, n: number): void {
  for (let i = 0; i < pairs.length; i += 2) {
    if (pairs[i] === fp && pairs[i + 1] === n) {
      // Order within a bucket does not matter: move the last pair into the hole.
      pairs[i] = expectDefined(pairs[pairs.length - 2], "pairs[pairs.length - 2]");
      pairs[i + 1] = expectDefined(pairs[pairs.length - 1], "pairs[pairs.length - 1]");
      pairs.length -= 2;
      return;
    }
  }
}

function candidates(buckets: readonly Bucket[], key: Uint8Array): number[] {
  const fp = fingerprint(key);
  const b = expectDefined(buckets[fp & (buckets.length - 1)], "buckets[fp & (buckets.length - 1)]");
  const out: number[] = [];
  for (let i = 0; i < b.length; i += 2) if (b[i] === fp) out.push(expectDefined(b[i + 1], "b[i + 1]"));
  return out;
}

/** Encryption keys of all nodes and signature keys of all leaves of one tree. */
export class KeyIndex {
  private constructor(
    private readonly enc: Bucket[],
    private readonly sig: Bucket[],
  ) {}

  /** Indexes every non-blank node of a tree: O(N). */
  static build(tree: TreeView): KeyIndex {
    const width = tree.nodeCount;
    const count = 1 << bucketBitsFor(width);
    const enc: Draft = Array.from({ length: count }, () => []);
    const sig: Draft = Array.from({ length: count }, () => []);
    const mask = count - 1;
    for (let n = 0; n < width; n++) {
      const k = tree.encryptionKey(n as NodeIndex);
      if (k === undefined) continue;
      const fp = fingerprint(k);
      addTo(expectDefined(enc[fp & mask], "enc[fp & mask]"), fp, n);
      if (isLeaf(n as NodeIndex)) {
        const sfp = fingerprint(expectDefined(tree.signatureKey(nodeToLeaf(n as NodeIndex)), "tree.signatureKey(nodeToLeaf(n as NodeIndex))"));
        addTo(expectDefined(sig[sfp & mask], "sig[sfp & mask]"), sfp, n);
      }
    }
    return new KeyIndex(pack(enc), pack(sig));
  }

  /**
   * The index of a tree derived from `base` by changing `changed` nodes
   * (their old contents read from `base`, new ones from `next`). Copies only
   * the touched buckets.
   */
  derive(base: TreeView, next: TreeView, changed: Iterable<number>): KeyIndex {
    // Rebuild when the tree has outgrown (or shrunk far below) the bucket count: amortised O(1) per change.
    if (Math.abs(bucketBitsFor(next.nodeCount) - Math.log2(this.enc.length)) > 1) return KeyIndex.build(next);
    // Touched buckets are unpacked into drafts, edited, and packed again; the rest are shared.
    const enc = new Map<number, number[]>();
    const sig = new Map<number, number[]>();
    const mask = this.enc.length - 1;
    const draft = (buckets: readonly Bucket[], drafts: Map<number, number[]>, fp: number): number[] => {
      const i = fp & mask;
      let d = drafts.get(i);
      if (d === undefined) drafts.set(i, (d = Array.from(expectDefined(buckets[i], "buckets[i]"))));
      return d;
    };
    const edit = (buckets: readonly Bucket[], drafts: Map<number, number[]>, n: number, oldKey?: Uint8Array, newKey?: Uint8Array) => {
      if (oldKey !== undefined) {
        const fp = fingerprint(oldKey);
        removeFrom(draft(buckets, drafts, fp), fp, n);
      }
      if (newKey !== undefined) {
        const fp = fingerprint(newKey);
        addTo(draft(buckets, drafts, fp), fp, n);
      }
    };
    for (const n of changed) {
      const node = n as NodeIndex;
      edit(this.enc, enc, n, base.encryptionKey(node), next.encryptionKey(node));
      if (isLeaf(node)) {
        const l = nodeToLeaf(node);
        edit(this.sig, sig, n, base.signatureKey(l), next.signatureKey(l));
      }
    }
    const apply = (buckets: readonly Bucket[], drafts: Map<number, number[]>): Bucket[] => {
      const out = buckets.slice();
      for (const [i, pairs] of drafts) out[i] = pairs.length === 0 ? EMPTY : Uint32Array.from(pairs);
      return out;
    };
    return new KeyIndex(apply(this.enc, enc), apply(this.sig, sig));
  }

  /** Nodes of `view` (the indexed tree, or a diff over it) whose encryption key equals `key`, among indexed nodes. */
  encryptionKeyCandidates(key: Uint8Array): readonly number[] {
    return candidates(this.enc, key);
  }

  /** Leaf nodes whose signature key may equal `key`. */
  signatureKeyCandidates(key: Uint8Array): readonly number[] {
    return candidates(this.sig, key);
  }
}

/** Nodes of `view` whose encryption key equals `key`, confirmed against the view. */
export function confirmEncryptionKey(view: TreeView, nodes: Iterable<number>, key: Uint8Array): NodeIndex[] {
  const out: NodeIndex[] = [];
  for (const n of nodes) {
    const k = view.encryptionKey(n as NodeIndex);
    if (k !== undefined && bytesEqual(k, key)) out.push(n as NodeIndex);
  }
  return out;
}

/** Leaves of `view` whose signature key equals `key`, confirmed against the view. */
export function confirmSignatureKey(view: TreeView, nodes: Iterable<number>, key: Uint8Array): LeafIndex[] {
  const out: LeafIndex[] = [];
  for (const n of nodes) {
    if (!isLeaf(n as NodeIndex)) continue;
    const l = nodeToLeaf(n as NodeIndex);
    const k = view.signatureKey(l);
    if (k !== undefined && bytesEqual(k, key)) out.push(l);
  }
  return out;
}
