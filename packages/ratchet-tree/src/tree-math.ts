/**
 * Array-based tree math (RFC 9420 §4.1, Appendix C).
 *
 * Leaves sit at even node indices (leaf `L` at node `2L`), parents at odd
 * ones. Every tree is full: it has 2^d leaves and 2^(d+1) - 1 nodes (§4.1).
 * Indices are plain numbers with a brand, so the two index spaces cannot be
 * mixed by accident. Bit operations limit trees to 2^30 leaves, far above
 * anything the varint-prefixed `ratchet_tree` encoding can carry anyway.
 */

declare const leafBrand: unique symbol;
declare const nodeBrand: unique symbol;

/** Index of a leaf among the leaves, `uint32 leaf_index` on the wire. */
export type LeafIndex = number & { readonly [leafBrand]: true };
/** Index of a node in the array representation (Appendix C). */
export type NodeIndex = number & { readonly [nodeBrand]: true };

/** Largest supported leaf count (node indices then fit in 31 bits). */
export const MAX_LEAVES = 2 ** 30;

/** Brands a number as a leaf index (no checks beyond being a non-negative integer). */
export function leafIndex(n: number): LeafIndex {
  if (!Number.isInteger(n) || n < 0 || n >= MAX_LEAVES) throw new RangeError(`invalid leaf index ${n}`);
  return n as LeafIndex;
}

/** Brands a number as a node index. */
export function nodeIndex(n: number): NodeIndex {
  if (!Number.isInteger(n) || n < 0 || n >= 2 * MAX_LEAVES) throw new RangeError(`invalid node index ${n}`);
  return n as NodeIndex;
}

/** The node index of leaf `l` (Appendix C: the n-th leaf is at 2n). */
export function leafToNode(l: LeafIndex): NodeIndex {
  return (l * 2) as NodeIndex;
}

/** The leaf index of a leaf node (its node index must be even). */
export function nodeToLeaf(n: NodeIndex): LeafIndex {
  return (n >>> 1) as LeafIndex;
}

/** True for leaves (even node indices). */
export function isLeaf(n: NodeIndex): boolean {
  return (n & 1) === 0;
}

/** floor(log2(x)) for x > 0; 0 for x = 0 (Appendix C `log2`). */
export function log2(x: number): number {
  return x === 0 ? 0 : 31 - Math.clz32(x);
}

/** Level of a node: leaves 0, their parents 1, … (Appendix C `level`). */
export function level(x: NodeIndex): number {
  if ((x & 1) === 0) return 0;
  // Count trailing ones.
  return 31 - Math.clz32(~x & (x + 1));
}

/** Number of nodes of a tree with `nLeaves` leaves (Appendix C `node_width`). */
export function nodeWidth(nLeaves: number): number {
  return nLeaves === 0 ? 0 : 2 * (nLeaves - 1) + 1;
}

/** The root node of a tree with `nLeaves` leaves (Appendix C `root`). */
export function root(nLeaves: number): NodeIndex {
  return ((1 << log2(nodeWidth(nLeaves))) - 1) as NodeIndex;
}

/** Left child of a parent node (Appendix C `left`). */
export function left(x: NodeIndex): NodeIndex {
  const k = level(x);
  if (k === 0) throw new RangeError(`leaf node ${x} has no children`);
  return (x ^ (1 << (k - 1))) as NodeIndex;
}

/** Right child of a parent node (Appendix C `right`). */
export function right(x: NodeIndex): NodeIndex {
  const k = level(x);
  if (k === 0) throw new RangeError(`leaf node ${x} has no children`);
  return (x ^ (3 << (k - 1))) as NodeIndex;
}

/** Parent of a node, ignoring the tree size (for full trees this is exact below the root). */
export function parentOf(x: NodeIndex): NodeIndex {
  const k = level(x);
  const b = (x >>> (k + 1)) & 1;
  return ((x | (1 << k)) ^ (b << (k + 1))) as NodeIndex;
}

/** Parent of a non-root node of a tree with `nLeaves` leaves (Appendix C `parent`). */
export function parent(x: NodeIndex, nLeaves: number): NodeIndex {
  if (x === root(nLeaves)) throw new RangeError(`root node ${x} has no parent`);
  return parentOf(x);
}

/** The other child of a node's parent (Appendix C `sibling`). */
export function sibling(x: NodeIndex, nLeaves: number): NodeIndex {
  const p = parent(x, nLeaves);
  return x < p ? right(p) : left(p);
}

/** The direct path of a node, leaf to root, excluding the node itself (§4.1.2). */
export function directPath(x: NodeIndex, nLeaves: number): NodeIndex[] {
  const r = root(nLeaves);
  const d: NodeIndex[] = [];
  while (x !== r) {
    x = parentOf(x);
    d.push(x);
  }
  return d;
}

/** The copath of a node: the siblings of the node and of its direct path below the root (§4.1.2). */
export function copath(x: NodeIndex, nLeaves: number): NodeIndex[] {
  const r = root(nLeaves);
  const c: NodeIndex[] = [];
  while (x !== r) {
    const p = parentOf(x);
    c.push(x < p ? right(p) : left(p));
    x = p;
  }
  return c;
}

/** True if `a` is `d` or an ancestor of `d`. */
export function isAncestorOrSelf(a: NodeIndex, d: NodeIndex): boolean {
  const k = level(a);
  // The subtree under `a` spans node indices [a - (2^k - 1), a + (2^k - 1)].
  const span = (1 << k) - 1;
  return d >= a - span && d <= a + span;
}

/** First and last leaf index (inclusive) under a node. */
export function leafRange(x: NodeIndex): [first: LeafIndex, last: LeafIndex] {
  const span = (1 << level(x)) - 1;
  return [((x - span) >>> 1) as LeafIndex, ((x + span) >>> 1) as LeafIndex];
}

/** The lowest node in both direct paths (or the node itself) of two nodes (Appendix C `common_ancestor_direct`). */
export function commonAncestor(x: NodeIndex, y: NodeIndex): NodeIndex {
  const lx = level(x) + 1;
  const ly = level(y) + 1;
  if (lx <= ly && x >>> ly === y >>> ly) return y;
  if (ly <= lx && x >>> lx === y >>> lx) return x;
  let xn = x as number;
  let yn = y as number;
  let k = 0;
  while (xn !== yn) {
    xn >>>= 1;
    yn >>>= 1;
    k++;
  }
  return ((xn << k) + (1 << (k - 1)) - 1) as NodeIndex;
}
