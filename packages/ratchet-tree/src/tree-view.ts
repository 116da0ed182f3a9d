/**
 * Read access shared by {@link RatchetTree} and {@link TreeDiff}: node
 * contents, resolution (§4.1.1), filtered direct path (§4.1.2), encoding of
 * the `ratchet_tree` extension (§12.4.3.3).
 */
import { Writer, decode } from "@mlskit/codec";
import type { CipherSuiteProvider } from "@mlskit/core";
import { type LeafNode, type LeafNodeLayout, LeafNodeSource, leafNodeCodec, leafNodeLayout } from "./leaf-node.js";
import { opaqueViewAt, skipOpaqueAt } from "./encoded-fields.js";
import { type Node, NodeType } from "./node.js";
import { type ParentNode, parentNodeCodec, unmergedLeavesOf } from "./parent-node.js";
import type { LeafBitmap } from "./store.js";
import { type LeafIndex, type NodeIndex, isLeaf, leafRange, leafToNode, left, nodeToLeaf, nodeWidth, parentOf, right, root } from "./tree-math.js";
import { expectDefined } from "@mlskit/core";

/** A node of the filtered direct path with the child of it on the copath (§4.1.2). */
export interface FilteredPathEntry {
  readonly node: NodeIndex;
  readonly copathChild: NodeIndex;
}

/** The read-only API of a ratchet tree (a {@link RatchetTree} or a staged {@link TreeDiff}). */
export abstract class TreeView {
  /** The cipher suite the tree belongs to. */
  abstract readonly cs: CipherSuiteProvider;
  /** Number of leaves (a power of two, §7.7). */
  abstract readonly leafCount: number;
  /** The encoding of a node's `LeafNode`/`ParentNode`, or undefined when blank. Do not mutate. */
  abstract nodeBytes(n: NodeIndex): Uint8Array | undefined;
  /** @internal The tree hash of a node, which must already be computed. */
  abstract hashOf(n: NodeIndex): Uint8Array;
  /** @internal The blank-leaf bitmap. */
  abstract get leafBits(): LeafBitmap;
  /** The tree hash of the root (§7.8). */
  abstract treeHash(): Promise<Uint8Array>;
  /** The tree hash of one node (§7.8). */
  abstract nodeHash(n: NodeIndex): Promise<Uint8Array>;

  /** Nodes whose encryption key equals `key` (uniqueness rules of §7.3, §12.4.2, §12.4.3.1). */
  abstract findEncryptionKey(key: Uint8Array): NodeIndex[];
  /** Leaves whose signature key equals `key` (§7.3). */
  abstract findSignatureKey(key: Uint8Array): LeafIndex[];

  /** Number of nodes, 2 × leafCount − 1. */
  get nodeCount(): number {
    return nodeWidth(this.leafCount);
  }

  /** The root node index. */
  get rootIndex(): NodeIndex {
    return root(this.leafCount);
  }

  /** True if the node is blank (or outside the tree). */
  isBlank(n: NodeIndex): boolean {
    return this.nodeBytes(n) === undefined;
  }

  /** True if the leaf is blank (or outside the tree). */
  isLeafBlank(l: LeafIndex): boolean {
    return l >= this.leafCount || this.leafBits.isBlank(l);
  }

  /** The encoding of a leaf's LeafNode, or undefined when blank. */
  leafNodeBytes(l: LeafIndex): Uint8Array | undefined {
    return l < this.leafCount ? this.nodeBytes(leafToNode(l)) : undefined;
  }

  /** The decoded LeafNode at a leaf, or undefined when blank. */
  leafNode(l: LeafIndex): LeafNode | undefined {
    const b = this.leafNodeBytes(l);
    return b === undefined ? undefined : decode(leafNodeCodec, b);
  }

  /** Field offsets of the LeafNode at a leaf. */
  leafLayout(l: LeafIndex): LeafNodeLayout | undefined {
    const b = this.leafNodeBytes(l);
    return b === undefined ? undefined : leafNodeLayout(b);
  }

  /** The decoded ParentNode at a parent node, or undefined when blank. */
  parentNode(n: NodeIndex): ParentNode | undefined {
    if (isLeaf(n)) throw new RangeError(`node ${n} is a leaf`);
    const b = this.nodeBytes(n);
    return b === undefined ? undefined : decode(parentNodeCodec, b);
  }

  /** The decoded node (leaf or parent), or undefined when blank. */
  node(n: NodeIndex): Node | undefined {
    if (isLeaf(n)) {
      const leafNode = this.leafNode(nodeToLeaf(n));
      return leafNode === undefined ? undefined : { nodeType: NodeType.leaf, leafNode };
    }
    const parentNode = this.parentNode(n);
    return parentNode === undefined ? undefined : { nodeType: NodeType.parent, parentNode };
  }

  /** The HPKE public key of a node (a view into storage), or undefined when blank. */
  encryptionKey(n: NodeIndex): Uint8Array | undefined {
    const b = this.nodeBytes(n);
    // LeafNode and ParentNode both start with `encryption_key` (§7.1, §7.2): no layout needed.
    return b === undefined ? undefined : opaqueViewAt(b, 0);
  }

  /** The signature key of a leaf (a view into storage), or undefined when blank. */
  signatureKey(l: LeafIndex): Uint8Array | undefined {
    const b = this.leafNodeBytes(l);
    // The field after `encryption_key` (§7.2).
    return b === undefined ? undefined : opaqueViewAt(b, skipOpaqueAt(b, 0));
  }

  /** The `parent_hash` of a parent node or commit-source leaf (a view), or undefined. */
  parentHashField(n: NodeIndex): Uint8Array | undefined {
    const b = this.nodeBytes(n);
    if (b === undefined) return undefined;
    if (isLeaf(n)) {
      const layout = leafNodeLayout(b);
      return layout.source === LeafNodeSource.commit ? b.subarray(layout.parentHash[0], layout.parentHash[1]) : undefined;
    }
    // ParentNode: the field after `encryption_key` (§7.1).
    return opaqueViewAt(b, skipOpaqueAt(b, 0));
  }

  /** The `unmerged_leaves` of a parent node ([] when blank). */
  unmergedLeaves(n: NodeIndex): LeafIndex[] {
    const b = this.nodeBytes(n);
    return b === undefined || isLeaf(n) ? [] : unmergedLeavesOf(b);
  }

  /** Non-blank leaves, in order. */
  *leaves(): IterableIterator<LeafIndex> {
    const bits = this.leafBits;
    for (let l = 0; l < this.leafCount; l++) if (!bits.isBlank(l)) yield l as LeafIndex;
  }

  /** Number of non-blank leaves (group members). */
  memberCount(): number {
    let n = 0;
    for (const w of this.leafBits.words) {
      let v = ~w >>> 0;
      while (v !== 0) {
        v &= v - 1;
        n++;
      }
    }
    return n - (this.leafBits.words.length * 32 - this.leafCount);
  }

  /**
   * Resolution of a node (§4.1.1): the node itself and its unmerged leaves if
   * non-blank, the empty list for a blank leaf, else the resolutions of the
   * children, left then right. Leaves in `exclude` are left out (§7.6: new
   * members added by the same Commit).
   */
  resolution(n: NodeIndex, exclude?: ReadonlySet<LeafIndex>): NodeIndex[] {
    const out: NodeIndex[] = [];
    const stack: NodeIndex[] = [n];
    while (stack.length > 0) {
      const x = expectDefined(stack.pop(), "stack.pop()");
      const b = this.nodeBytes(x);
      if (b !== undefined) {
        if (isLeaf(x)) {
          if (exclude === undefined || !exclude.has(nodeToLeaf(x))) out.push(x);
        } else {
          out.push(x);
          for (const u of unmergedLeavesOf(b)) if (exclude === undefined || !exclude.has(u)) out.push(leafToNode(u));
        }
      } else if (!isLeaf(x)) {
        stack.push(right(x), left(x));
      }
    }
    return out;
  }

  /** True if the resolution of `n` is empty, i.e. its whole subtree is blank. */
  resolutionIsEmpty(n: NodeIndex): boolean {
    if (this.nodeBytes(n) !== undefined) return false;
    if (isLeaf(n)) return true;
    const [a, z] = leafRange(n);
    const bits = this.leafBits;
    for (let l: number = a; l <= z; l++) {
      if ((l & 31) === 0 && z - l >= 31 && bits.words[l >>> 5] === 0xffffffff) {
        l += 31;
        continue;
      }
      if (!bits.isBlank(l)) return false;
    }
    // All leaves blank: only a (malformed) tree could still hold parent nodes here.
    for (let x = 2 * a + 1; x < 2 * z; x += 2) if (this.nodeBytes(x as NodeIndex) !== undefined) return false;
    return true;
  }

  /**
   * The filtered direct path of a leaf with each node's copath child (§4.1.2):
   * the direct path without nodes whose copath child has an empty resolution.
   */
  filteredDirectPathWithCopath(l: LeafIndex): FilteredPathEntry[] {
    const out: FilteredPathEntry[] = [];
    const r = this.rootIndex;
    let x = leafToNode(l);
    while (x !== r) {
      const p = parentOf(x);
      const c = x < p ? right(p) : left(p);
      if (!this.resolutionIsEmpty(c)) out.push({ node: p, copathChild: c });
      x = p;
    }
    return out;
  }

  /** The filtered direct path of a leaf (§4.1.2). */
  filteredDirectPath(l: LeafIndex): NodeIndex[] {
    return this.filteredDirectPathWithCopath(l).map((e) => e.node);
  }

  /**
   * Encodes the tree as the `ratchet_tree` extension body,
   * `optional<Node> ratchet_tree<V>`, without trailing blank nodes (§12.4.3.3).
   */
  encode(): Uint8Array {
    let last = this.nodeCount - 1;
    while (last >= 0 && this.nodeBytes(last as NodeIndex) === undefined) last--;
    return encodeRatchetTreeNodes(last + 1, (i) => this.nodeBytes(i as NodeIndex));
  }
}

/**
 * `optional<Node> ratchet_tree<V>` (§12.4.3.3) of `count` nodes whose
 * encodings (`nodeAt`, undefined for blank) are already known, written at
 * its exact size.
 */
export function encodeRatchetTreeNodes(count: number, nodeAt: (i: number) => Uint8Array | undefined): Uint8Array {
  let size = 0;
  for (let i = 0; i < count; i++) size += 2 + (nodeAt(i)?.length ?? -1);
  const w = new Writer(size + 8);
  w.prefixed((body) => {
    for (let i = 0; i < count; i++) {
      const b = nodeAt(i);
      if (b === undefined) body.uint8(0);
      else {
        body.uint8(1);
        body.uint8((i & 1) === 0 ? NodeType.leaf : NodeType.parent);
        body.bytes(b);
      }
    }
  });
  return w.finish();
}
