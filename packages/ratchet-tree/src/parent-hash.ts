/**
 * Parent hashes (RFC 9420 §7.9):
 * ```
 * struct {
 *     HPKEPublicKey encryption_key;
 *     opaque parent_hash<V>;
 *     opaque original_sibling_tree_hash<V>;
 * } ParentHashInput;
 * ```
 */
import { Writer } from "@mlskit/codec";
import type { CipherSuiteProvider } from "@mlskit/core";
import { encodeParentNode, parentNodeLayout, unmergedLeavesOf } from "./parent-node.js";
import { type Scratch, hashBatch, hashOne, leafHashInput, parentHashInput, putOpaque } from "./tree-hash.js";
import { type LeafIndex, type NodeIndex, isLeaf, leafRange, leafToNode, left, level, nodeToLeaf, parentOf, right } from "./tree-math.js";
import type { TreeView } from "./tree-view.js";
import { expectDefined } from "@mlskit/core";

/**
 * Encodes ParentHashInput (§7.9). With a {@link Scratch} (synchronous hashing
 * only) the result is a view into it.
 */
export function encodeParentHashInput(encryptionKey: Uint8Array, parentHash: Uint8Array, originalSiblingTreeHash: Uint8Array, scratch?: Scratch): Uint8Array {
  if (scratch === undefined) {
    const w = new Writer(encryptionKey.length + parentHash.length + originalSiblingTreeHash.length + 12);
    w.opaque(encryptionKey);
    w.opaque(parentHash);
    w.opaque(originalSiblingTreeHash);
    return w.finish();
  }
  const out = scratch.take(encryptionKey.length + parentHash.length + originalSiblingTreeHash.length + 12);
  let at = putOpaque(out, 0, encryptionKey);
  at = putOpaque(out, at, parentHash);
  at = putOpaque(out, at, originalSiblingTreeHash);
  return out.subarray(0, at);
}

/** The parent hash of P with copath child S, from P's key and parent_hash and S's original tree hash (§7.9). */
export function computeParentHash(cs: CipherSuiteProvider, encryptionKey: Uint8Array, parentHash: Uint8Array, originalSiblingTreeHash: Uint8Array): Promise<Uint8Array> {
  return hashOne(cs, encodeParentHashInput(encryptionKey, parentHash, originalSiblingTreeHash));
}

/** Entries of a sorted uint32 list (given as the bytes of a ParentNode's unmerged_leaves) within [a, z]. */
function unmergedInRange(parent: Uint8Array, a: number, z: number): LeafIndex[] {
  return unmergedLeavesOf(parent).filter((u) => u >= a && u <= z);
}

/**
 * `original_sibling_tree_hash` of S for parent P (§7.9): the tree hash of S
 * after blanking each leaf of `P.unmerged_leaves` and removing it from every
 * `unmerged_leaves` list. When no such leaf lies under S this is the cached
 * tree hash of S; otherwise only the nodes on the paths from those leaves up
 * to S are rehashed (level by level, each level one batch).
 */
export async function originalSiblingTreeHash(view: TreeView, p: NodeIndex, s: NodeIndex): Promise<Uint8Array> {
  const removed = unmergedUnder(view, p, s);
  return removed === undefined ? view.hashOf(s) : treeHashWithout(view, s, new Set(removed));
}

/** @internal Leaves of `P.unmerged_leaves` under S, or undefined when none (S's cached hash is then the original one). */
export function unmergedUnder(view: TreeView, p: NodeIndex, s: NodeIndex): LeafIndex[] | undefined {
  const pBytes = view.nodeBytes(p);
  if (pBytes === undefined) return undefined;
  const [ua, uz] = parentNodeLayout(pBytes).unmergedLeaves;
  if (ua === uz) return undefined;
  const [a, z] = leafRange(s);
  const removed = unmergedInRange(pBytes, a, z);
  return removed.length === 0 ? undefined : removed;
}

/** Tree hash of `top` with the leaves in `removed` blanked and dropped from all unmerged lists. */
export async function treeHashWithout(view: TreeView, top: NodeIndex, removed: ReadonlySet<LeafIndex>): Promise<Uint8Array> {
  const cs = view.cs;
  const topLevel = level(top);
  const byLevel: Set<number>[] = Array.from({ length: topLevel + 1 }, () => new Set());
  for (const u of removed) {
    let x = leafToNode(u) as number;
    for (;;) {
      expectDefined(byLevel[level(x as NodeIndex)], "byLevel[level(x as NodeIndex)]").add(x);
      if (x === top) break;
      x = parentOf(x as NodeIndex);
    }
  }
  const changed = new Map<number, Uint8Array>();
  const hashOf = (n: NodeIndex) => changed.get(n) ?? view.hashOf(n);
  for (let k = 0; k <= topLevel; k++) {
    const nodes = [...expectDefined(byLevel[k], "byLevel[k]")];
    const input = (i: number, scratch: Scratch | undefined): Uint8Array => {
      const x = expectDefined(nodes[i], "nodes[i]") as NodeIndex;
      if (isLeaf(x)) return leafHashInput(nodeToLeaf(x), undefined, scratch);
      let b = view.nodeBytes(x);
      if (b !== undefined) {
        const unmerged = unmergedLeavesOf(b);
        const kept = unmerged.filter((u) => !removed.has(u));
        if (kept.length !== unmerged.length) {
          const layout = parentNodeLayout(b);
          b = encodeParentNode({
            encryptionKey: b.subarray(layout.encryptionKey[0], layout.encryptionKey[1]),
            parentHash: b.subarray(layout.parentHash[0], layout.parentHash[1]),
            unmergedLeaves: kept,
          });
        }
      }
      return parentHashInput(b, hashOf(left(x)), hashOf(right(x)), scratch);
    };
    await hashBatch(cs, nodes.length, input, (i, d) => changed.set(expectDefined(nodes[i], "nodes[i]"), d));
  }
  return expectDefined(changed.get(top), "changed.get(top)");
}
