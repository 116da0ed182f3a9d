/**
 * Parent-hash validity of every non-blank parent node of a tree (§7.9.2),
 * checked in one pass over the candidate links, with the parent hashes
 * computed in batches.
 */
import { bytesEqual } from "@mlskit/codec";
import { expectDefined } from "@mlskit/core";
import type { Yielder } from "./concurrency.js";
import { opaqueViewAt, skipOpaqueAt, unmergedLeavesRange } from "./encoded-fields.js";
import { encodeParentHashInput, treeHashWithout, unmergedUnder } from "./parent-hash.js";
import { hashBatch } from "./tree-hash.js";
import { type NodeIndex, isLeaf, leafRange, left, right } from "./tree-math.js";
import type { TreeView } from "./tree-view.js";
import { fail } from "./error-codes.js";

/**
 * §7.9.2: every non-blank parent node is parent-hash valid. A link D → P can
 * only hold when P is D's nearest non-blank ancestor (the nodes between were
 * blanked by the UpdatePath that set both), so each node has at most one
 * candidate link and the check is one pass. For the link, with C the child of
 * P above D and S the other: D is in resolution(C) (all nodes between are
 * blank) and `P.unmerged_leaves ∩ subtree(C) = resolution(C) \ {D}`, which —
 * given the unmerged-leaves rules already checked — reduces to counting:
 * |P.unmerged ∩ subtree(C)| = |resolution(C)| − 1 and D ∉ P.unmerged.
 * Then D.parent_hash must equal the parent hash of P with copath child S.
 * Every non-blank parent must be the target of exactly one valid link; since
 * links point strictly upwards, each chain then ends at a leaf.
 */
export async function checkParentHashes(tree: TreeView, nearest: Int32Array, resSize: Int32Array, yielder: Yielder): Promise<void> {
  const width = tree.nodeCount;
  const links: { d: number; p: number; s: number; ph: Uint8Array }[] = [];
  for (let d = 0; d < width; d++) {
    const p = expectDefined(nearest[d], "nearest[d]");
    if (p < 0) continue;
    const ph = tree.parentHashField(d as NodeIndex);
    if (ph === undefined) continue; // blank, or a leaf without parent_hash (key_package/update source)
    const pn = p as NodeIndex;
    const c = d < p ? left(pn) : right(pn);
    const s = d < p ? right(pn) : left(pn);
    const pBytes = expectDefined(tree.nodeBytes(pn), "tree.nodeBytes(pn)");
    const [ua, uz] = unmergedLeavesRange(pBytes);
    const [a, z] = leafRange(c);
    let count = 0;
    let dListed = false;
    for (let i = ua; i < uz; i += 4) {
      const u =
        ((expectDefined(pBytes[i], "pBytes[i]") << 24) >>> 0) +
        (expectDefined(pBytes[i + 1], "pBytes[i + 1]") << 16) +
        (expectDefined(pBytes[i + 2], "pBytes[i + 2]") << 8) +
        expectDefined(pBytes[i + 3], "pBytes[i + 3]");
      if (u >= a && u <= z) count++;
      if (isLeaf(d as NodeIndex) && u === d >>> 1) dListed = true;
    }
    if (count === expectDefined(resSize[c], "resSize[c]") - 1 && !dListed) links.push({ d, p, s, ph });
  }
  // original_sibling_tree_hash: the cached tree hash of S unless P has unmerged leaves under S (§7.9);
  // only those few are recomputed (no promise for the others).
  const recomputed = new Map<number, Uint8Array>();
  for (let i = 0; i < links.length; i++) {
    const { p, s } = expectDefined(links[i], "links[i]");
    const removed = unmergedUnder(tree, p as NodeIndex, s as NodeIndex);
    if (removed !== undefined) recomputed.set(i, await treeHashWithout(tree, s as NodeIndex, new Set(removed)));
  }
  const results = new Array<boolean>(links.length);
  await hashBatch(
    tree.cs,
    links.length,
    (i, scratch) => {
      const { p, s } = expectDefined(links[i], "links[i]");
      const pBytes = expectDefined(tree.nodeBytes(p as NodeIndex), "tree.nodeBytes(p as NodeIndex)");
      // ParentNode: encryption_key, then parent_hash (§7.1).
      return encodeParentHashInput(opaqueViewAt(pBytes, 0), opaqueViewAt(pBytes, skipOpaqueAt(pBytes, 0)), recomputed.get(i) ?? tree.hashOf(s as NodeIndex), scratch);
    },
    (i, digest) => {
      results[i] = bytesEqual(digest, expectDefined(links[i], "links[i]").ph);
    },
    yielder,
  );
  const incoming = new Int32Array(width);
  links.forEach((link, i) => {
    if (results[i]) incoming[link.p] = expectDefined(incoming[link.p], "incoming[link.p]") + 1;
  });
  for (let p = 1; p < width; p += 2) {
    if (tree.nodeBytes(p as NodeIndex) === undefined) continue;
    if (incoming[p] !== 1) {
      fail(
        "tree/parent-hash-invalid",
        "7.9.2",
        incoming[p] === 0 ? `parent node ${p} is not parent-hash valid` : `parent node ${p} is the target of ${incoming[p]} parent-hash links`,
      );
    }
  }
}
