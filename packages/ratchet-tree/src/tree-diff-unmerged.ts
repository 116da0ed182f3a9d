/**
 * Edits of an encoded ParentNode's sorted `unmerged_leaves` list (§7.1,
 * §12.1.1): inserting one leaf, or merging a batch of leaves, when an Add
 * lists the new member at the non-blank parents on its direct path.
 */
import { encodeParentNode, parentNodeLayout, unmergedLeavesOf } from "./parent-node.js";
import type { LeafIndex } from "./tree-math.js";
import { expectDefined } from "@mlskit/core";

/** A ParentNode encoding with `leaves` merged into its sorted `unmerged_leaves` (§7.1, §12.1.1). */
export function withUnmergedLeaves(parent: Uint8Array, leaves: readonly number[]): Uint8Array {
  if (leaves.length === 1) return withUnmergedLeaf(parent, expectDefined(leaves[0], "leaves[0]") as LeafIndex);
  const layout = parentNodeLayout(parent);
  const all = [...unmergedLeavesOf(parent), ...leaves].sort((a, b) => a - b);
  const unique = all.filter((u, i) => i === 0 || all[i - 1] !== u) as LeafIndex[];
  return encodeParentNode({
    encryptionKey: parent.subarray(layout.encryptionKey[0], layout.encryptionKey[1]),
    parentHash: parent.subarray(layout.parentHash[0], layout.parentHash[1]),
    unmergedLeaves: unique,
  });
}

/** A ParentNode encoding with leaf `l` inserted into its sorted `unmerged_leaves` (§7.1, §12.1.1). */
export function withUnmergedLeaf(parent: Uint8Array, l: LeafIndex): Uint8Array {
  const layout = parentNodeLayout(parent);
  const leaves = unmergedLeavesOf(parent);
  let i = leaves.length;
  while (i > 0 && expectDefined(leaves[i - 1], "leaves[i - 1]") > l) i--;
  if (leaves[i - 1] === l) return parent;
  leaves.splice(i, 0, l);
  return encodeParentNode({
    encryptionKey: parent.subarray(layout.encryptionKey[0], layout.encryptionKey[1]),
    parentHash: parent.subarray(layout.parentHash[0], layout.parentHash[1]),
    unmergedLeaves: leaves,
  });
}
