/**
 * A staged set of changes over a {@link RatchetTree} (copy-on-write). Only the
 * changed nodes and recomputed hashes are stored; reads fall through to the
 * base tree. Tree operations of §7.7 and §12.1 and the TreeKEM path merge
 * (see treekem.ts) act on a diff. `merge()` yields a new tree; dropping the
 * diff discards the changes. The base tree is never modified.
 */
import { type CipherSuiteProvider, InternalError, ValidationError, expectDefined } from "@mlskit/core";
import { type LeafNode, encodeLeafNode, leafNodeLayout } from "./leaf-node.js";
import { type ParentNode, encodeParentNode, parentNodeLayout } from "./parent-node.js";
import { confirmEncryptionKey, confirmSignatureKey, fingerprint } from "./key-index.js";
import type { RatchetTree } from "./ratchet-tree.js";
import type { LeafBitmap } from "./store.js";
import { hashBatch, leafHashInput, parentHashInput } from "./tree-hash.js";
import { type LeafIndex, type NodeIndex, isAncestorOrSelf, isLeaf, leafToNode, left, level, nodeToLeaf, nodeWidth, parentOf, right, root } from "./tree-math.js";
import { TreeView } from "./tree-view.js";
import { addKey, candidatesOf } from "./tree-diff-keys.js";
import { mergeStaged } from "./tree-diff-merge.js";
import { withUnmergedLeaves } from "./tree-diff-unmerged.js";

export { withUnmergedLeaf } from "./tree-diff-unmerged.js";

/** Staged changes over a base tree. */
export class TreeDiff extends TreeView {
  readonly base: RatchetTree;
  readonly cs: CipherSuiteProvider;
  #leafCount: number;
  /** Changed nodes: encoding, or null for blank. */
  readonly #nodes = new Map<number, Uint8Array | null>();
  /** Base nodes below this index are visible unless changed (lowered by truncation). */
  #visibleBase: number;
  readonly #hashes = new Map<number, Uint8Array>();
  /** Nodes whose hash must be recomputed; closed upwards (every ancestor of a dirty node is dirty). */
  readonly #dirty = new Set<number>();
  #bits: LeafBitmap;
  /**
   * Keys set by this diff: fingerprint → nodes (encryption keys) and leaf
   * nodes (signature keys). Entries are never removed; lookups confirm
   * against the current contents, so stale ones cost nothing but a check.
   */
  readonly #encKeys = new Map<number, number | number[]>();
  readonly #sigKeys = new Map<number, number | number[]>();
  /**
   * Leaves to insert into a non-blank parent's `unmerged_leaves` (§12.1.1),
   * applied when the node is next read: a batch of k Adds re-encodes each
   * parent once instead of k times (O(k log N), not O(k²)).
   */
  readonly #pendingUnmerged = new Map<number, number[]>();

  /** @internal Use {@link RatchetTree.stage}. */
  constructor(base: RatchetTree) {
    super();
    this.base = base;
    this.cs = base.cs;
    this.#leafCount = base.leafCount;
    this.#visibleBase = base.nodeCount;
    this.#bits = base.bits.copy();
  }

  get leafCount(): number {
    return this.#leafCount;
  }

  /** @internal */
  get leafBits(): LeafBitmap {
    return this.#bits;
  }

  nodeBytes(n: NodeIndex): Uint8Array | undefined {
    if (n >= nodeWidth(this.#leafCount)) return undefined;
    if (this.#pendingUnmerged.size > 0 && this.#pendingUnmerged.has(n)) this.flushUnmerged(n);
    return this.storedBytes(n);
  }

  /** The node's bytes ignoring pending unmerged-leaf insertions. */
  private storedBytes(n: number): Uint8Array | undefined {
    const v = this.#nodes.get(n);
    if (v !== undefined) return v ?? undefined;
    return n < this.#visibleBase ? this.base.nodeBytes(n as NodeIndex) : undefined;
  }

  private flushUnmerged(n: number): void {
    const leaves = expectDefined(this.#pendingUnmerged.get(n), "this.#pendingUnmerged.get(n)");
    this.#pendingUnmerged.delete(n);
    this.#nodes.set(n, withUnmergedLeaves(expectDefined(this.storedBytes(n), "this.storedBytes(n)"), leaves));
  }

  private flushAllUnmerged(): void {
    for (const n of [...this.#pendingUnmerged.keys()]) this.flushUnmerged(n);
  }

  /** @internal */
  hashOf(n: NodeIndex): Uint8Array {
    if (this.#dirty.has(n)) throw new InternalError("internal/hash-not-computed", `tree hash of node ${n} not computed`);
    return this.#hashes.get(n) ?? this.base.hashOf(n);
  }

  async treeHash(): Promise<Uint8Array> {
    await this.computeHashes();
    return this.hashOf(this.rootIndex).slice();
  }

  async nodeHash(n: NodeIndex): Promise<Uint8Array> {
    if (n >= this.nodeCount) throw new RangeError(`node ${n} outside the tree`);
    await this.computeHashes();
    return this.hashOf(n).slice();
  }

  /** Nodes changed so far (including blanked ones), in index order. */
  changedNodes(): NodeIndex[] {
    this.flushAllUnmerged();
    return [...this.#nodes.keys()].filter((n) => n < this.nodeCount).sort((a, b) => a - b) as NodeIndex[];
  }

  /** True if nothing was staged. */
  get isEmpty(): boolean {
    return this.#nodes.size === 0 && this.#pendingUnmerged.size === 0 && this.#leafCount === this.base.leafCount;
  }

  /**
   * Nodes whose encryption key equals `key` (§7.3, §12.4.2 uniqueness checks):
   * candidates from the base tree's key index and from this diff's own index
   * of the keys it set, confirmed against the diff. O(1) expected.
   */
  findEncryptionKey(key: Uint8Array): NodeIndex[] {
    return confirmEncryptionKey(this, candidatesOf(this.base.keyIndex().encryptionKeyCandidates(key), this.#encKeys, key), key).sort((a, b) => a - b);
  }

  /** Leaves whose signature key equals `key` (§7.3). O(1) expected. */
  findSignatureKey(key: Uint8Array): LeafIndex[] {
    return confirmSignatureKey(this, candidatesOf(this.base.keyIndex().signatureKeyCandidates(key), this.#sigKeys, key), key).sort((a, b) => a - b);
  }

  // ---- low-level mutation ----

  private markDirty(n: number): void {
    const r = root(this.#leafCount);
    for (;;) {
      if (this.#dirty.has(n)) return;
      this.#dirty.add(n);
      this.#hashes.delete(n);
      if (n === r) return;
      n = parentOf(n as NodeIndex);
    }
  }

  /** Sets a node's encoding (undefined blanks it). */
  setNodeBytes(n: NodeIndex, bytes: Uint8Array | undefined): void {
    if (n >= this.nodeCount) throw new RangeError(`node ${n} outside the tree`);
    this.#pendingUnmerged.delete(n);
    this.#nodes.set(n, bytes ?? null);
    if (isLeaf(n)) this.#bits.set(nodeToLeaf(n), bytes === undefined);
    if (bytes !== undefined) this.indexKeys(n, bytes);
    this.markDirty(n);
  }

  private indexKeys(n: NodeIndex, bytes: Uint8Array): void {
    if (isLeaf(n)) {
      const layout = leafNodeLayout(bytes);
      addKey(this.#encKeys, fingerprint(bytes.subarray(layout.encryptionKey[0], layout.encryptionKey[1])), n);
      addKey(this.#sigKeys, fingerprint(bytes.subarray(layout.signatureKey[0], layout.signatureKey[1])), n);
    } else {
      const [s, e] = parentNodeLayout(bytes).encryptionKey;
      addKey(this.#encKeys, fingerprint(bytes.subarray(s, e)), n);
    }
  }

  /** Sets a leaf (undefined blanks it). */
  setLeaf(l: LeafIndex, leaf: LeafNode | undefined): void {
    this.setNodeBytes(leafToNode(l), leaf === undefined ? undefined : encodeLeafNode(leaf));
  }

  /** Sets a parent node (undefined blanks it). */
  setParent(n: NodeIndex, p: ParentNode | undefined): void {
    if (isLeaf(n)) throw new RangeError(`node ${n} is a leaf`);
    this.setNodeBytes(n, p === undefined ? undefined : encodeParentNode(p));
  }

  /** Blanks the direct path of a leaf (§7.4, §12.1.2, §12.1.3). */
  blankDirectPath(l: LeafIndex): void {
    const r = this.rootIndex;
    let x = leafToNode(l) as number;
    while (x !== r) {
      x = parentOf(x as NodeIndex);
      if (this.nodeBytes(x as NodeIndex) !== undefined) this.setNodeBytes(x as NodeIndex, undefined);
    }
  }

  /** Doubles the tree: a new blank root over the old tree and an all-blank right subtree (§7.7). */
  extend(): void {
    const oldWidth = this.nodeCount;
    this.#leafCount *= 2;
    this.#bits = this.#bits.resized(this.#leafCount);
    const width = this.nodeCount;
    for (let n = oldWidth; n < width; n++) {
      this.#nodes.delete(n);
      this.#dirty.add(n);
      this.#hashes.delete(n);
    }
  }

  /**
   * Removes right subtrees holding no non-blank leaf (§7.7, §12.1.3): the tree
   * ends with 2^d leaves for the smallest d with 2^d > the rightmost member.
   */
  truncate(): void {
    const last = this.#bits.rightmostNonBlank();
    let count = this.#leafCount;
    while (count > 1 && last < count / 2) count /= 2;
    if (count === this.#leafCount) return;
    this.#leafCount = count;
    const width = this.nodeCount;
    this.#visibleBase = Math.min(this.#visibleBase, width);
    for (const n of [...this.#nodes.keys()]) if (n >= width) this.#nodes.delete(n);
    for (const n of [...this.#hashes.keys()]) if (n >= width) this.#hashes.delete(n);
    for (const n of [...this.#dirty]) if (n >= width) this.#dirty.delete(n);
    for (const n of [...this.#pendingUnmerged.keys()]) if (n >= width) this.#pendingUnmerged.delete(n);
    this.#bits = this.#bits.resized(count);
  }

  // ---- proposals (§12.1) ----

  /**
   * Add (§12.1.1): places `leaf` at the leftmost blank leaf, extending the tree
   * if there is none, and lists it as unmerged at each non-blank parent on its
   * direct path. Returns the new member's leaf index.
   */
  addLeaf(leaf: LeafNode | Uint8Array): LeafIndex {
    let l = this.#bits.leftmostBlank();
    if (l < 0) {
      l = this.#leafCount;
      this.extend();
    }
    const li = l as LeafIndex;
    const r = this.rootIndex;
    let x = leafToNode(li) as number;
    while (x !== r) {
      x = parentOf(x as NodeIndex);
      const pending = this.#pendingUnmerged.get(x);
      if (pending !== undefined) pending.push(li);
      else if (this.storedBytes(x) !== undefined) {
        this.#pendingUnmerged.set(x, [li]);
        this.markDirty(x);
      }
    }
    this.setNodeBytes(leafToNode(li), leaf instanceof Uint8Array ? leaf : encodeLeafNode(leaf));
    return li;
  }

  /** Update (§12.1.2): replaces the sender's leaf and blanks its direct path. */
  updateLeaf(l: LeafIndex, leaf: LeafNode | Uint8Array): void {
    if (this.isLeafBlank(l)) throw new ValidationError("tree/update-blank-leaf", "12.1.2", `leaf ${l} is blank`);
    this.setNodeBytes(leafToNode(l), leaf instanceof Uint8Array ? leaf : encodeLeafNode(leaf));
    this.blankDirectPath(l);
  }

  /** Remove (§12.1.3): blanks the leaf and its direct path, then truncates the tree. */
  removeLeaf(l: LeafIndex): void {
    // §12.1.3: "A Remove proposal is invalid if the removed field does not identify a non-blank leaf node."
    if (this.isLeafBlank(l)) throw new ValidationError("tree/remove-blank-leaf", "12.1.3", `leaf ${l} is blank or outside the tree`);
    this.setNodeBytes(leafToNode(l), undefined);
    this.blankDirectPath(l);
    this.truncate();
  }

  // ---- hashing and merge ----

  /**
   * Recomputes the hashes of dirty nodes, lowest level first, each level as
   * one batch (§7.8). With `under`, only dirty nodes inside those subtrees
   * (the dirty set stays closed upwards).
   */
  async computeHashes(under?: readonly NodeIndex[]): Promise<void> {
    if (this.#dirty.size === 0) return;
    const byLevel: number[][] = [];
    const wanted = (n: number) => under === undefined || under.some((u) => isAncestorOrSelf(u, n as NodeIndex));
    for (const n of this.#dirty) if (wanted(n)) (byLevel[level(n as NodeIndex)] ??= []).push(n);
    for (let k = 0; k < byLevel.length; k++) {
      const nodes = byLevel[k];
      if (nodes === undefined) continue;
      await hashBatch(
        this.cs,
        nodes.length,
        (i, scratch) => {
          const n = expectDefined(nodes[i], "nodes[i]") as NodeIndex;
          if (k === 0) return leafHashInput(nodeToLeaf(n), this.nodeBytes(n), scratch);
          return parentHashInput(this.nodeBytes(n), this.hashOf(left(n)), this.hashOf(right(n)), scratch);
        },
        (i, d) => {
          this.#hashes.set(expectDefined(nodes[i], "nodes[i]"), d);
          this.#dirty.delete(expectDefined(nodes[i], "nodes[i]"));
        },
      );
    }
  }

  /**
   * Applies the staged changes: returns a new tree sharing all unchanged
   * storage with the base (which stays valid and unchanged).
   */
  async merge(): Promise<RatchetTree> {
    this.flushAllUnmerged();
    await this.computeHashes();
    return mergeStaged(this.base, {
      leafCount: this.#leafCount,
      nodes: this.#nodes,
      visibleBase: this.#visibleBase,
      hashes: this.#hashes,
      bits: this.#bits,
    });
  }
}
