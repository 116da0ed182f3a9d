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
  for (let i = 0; i < key.length; i++) h = Math.imul(h ^ key[i]!, 0x01000193);
  return h >>> 0;
}

type Bucket = Map<number, number | number[]>;

function addTo(buckets: Bucket[], fp: number, n: number): void {
  const b = buckets[fp & (buckets.length - 1)]!;
  const v = b.get(fp);
  if (v === undefined) b.set(fp, n);
  else if (typeof v === "number") b.set(fp, [v, n]);
  else v.push(n);
}

function removeFrom(buckets: Bucket[], fp: number, n: number): void {
  const b = buckets[fp & (buckets.length - 1)]!;
  const v = b.get(fp);
  if (v === undefined) return;
  if (typeof v === "number") {
    if (v === n) b.delete(fp);
    return;
  }
  const rest = v.filter((x) => x !== n);
  if (rest.length === 0) b.delete(fp);
  else b.set(fp, rest.length === 1 ? rest[0]! : rest);
}

function candidates(buckets: Bucket[], key: Uint8Array): readonly number[] {
  const fp = fingerprint(key);
  const v = buckets[fp & (buckets.length - 1)]!.get(fp);
  return v === undefined ? [] : typeof v === "number" ? [v] : v;
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
    const enc: Bucket[] = Array.from({ length: count }, () => new Map());
    const sig: Bucket[] = Array.from({ length: count }, () => new Map());
    for (let n = 0; n < width; n++) {
      const k = tree.encryptionKey(n as NodeIndex);
      if (k === undefined) continue;
      addTo(enc, fingerprint(k), n);
      if (isLeaf(n as NodeIndex)) addTo(sig, fingerprint(tree.signatureKey(nodeToLeaf(n as NodeIndex))!), n);
    }
    return new KeyIndex(enc, sig);
  }

  /**
   * The index of a tree derived from `base` by changing `changed` nodes
   * (their old contents read from `base`, new ones from `next`). Copies only
   * the touched buckets.
   */
  derive(base: TreeView, next: TreeView, changed: Iterable<number>): KeyIndex {
    // Rebuild when the tree has outgrown (or shrunk far below) the bucket count: amortised O(1) per change.
    if (Math.abs(bucketBitsFor(next.nodeCount) - Math.log2(this.enc.length)) > 1) return KeyIndex.build(next);
    const enc = this.enc.slice();
    const sig = this.sig.slice();
    const ownedEnc = new Set<number>();
    const ownedSig = new Set<number>();
    const own = (arr: Bucket[], owned: Set<number>, fp: number) => {
      const i = fp & (arr.length - 1);
      if (!owned.has(i)) {
        arr[i] = new Map(arr[i]!);
        owned.add(i);
      }
    };
    for (const n of changed) {
      const node = n as NodeIndex;
      const oldKey = base.encryptionKey(node);
      const newKey = next.encryptionKey(node);
      if (oldKey !== undefined) {
        const fp = fingerprint(oldKey);
        own(enc, ownedEnc, fp);
        removeFrom(enc, fp, n);
      }
      if (newKey !== undefined) {
        const fp = fingerprint(newKey);
        own(enc, ownedEnc, fp);
        addTo(enc, fp, n);
      }
      if (isLeaf(node)) {
        const l = nodeToLeaf(node);
        const oldSig = base.signatureKey(l);
        const newSig = next.signatureKey(l);
        if (oldSig !== undefined) {
          const fp = fingerprint(oldSig);
          own(sig, ownedSig, fp);
          removeFrom(sig, fp, n);
        }
        if (newSig !== undefined) {
          const fp = fingerprint(newSig);
          own(sig, ownedSig, fp);
          addTo(sig, fp, n);
        }
      }
    }
    return new KeyIndex(enc, sig);
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
