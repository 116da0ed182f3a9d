/**
 * The filtered direct path of an UpdatePath set in a {@link TreeDiff}: the
 * step both the committer (`treekem.ts`) and every receiver
 * (`treekem-receive.ts`) take (RFC 9420 §7.5, §7.9).
 */
import { expectDefined } from "@mlskit/core";
import { computeParentHash } from "./parent-hash.js";
import type { TreeDiff } from "./tree-diff.js";
import type { FilteredPathEntry } from "./tree-view.js";

/**
 * Sets the filtered-direct-path nodes to fresh ParentNodes (§7.5 merge step 2:
 * new key, empty unmerged_leaves) with parent hashes computed from the root
 * down (§7.9), and returns the parent hash the leaf must carry.
 */
export async function setPathNodes(diff: TreeDiff, path: readonly FilteredPathEntry[], keys: readonly Uint8Array[]): Promise<Uint8Array> {
  // Only the copath children's hashes are needed; the direct path is about to change.
  await diff.computeHashes(path.map((e) => e.copathChild));
  // original_sibling_tree_hash = tree hash of S: P was just reset, so no unmerged leaves to remove (§7.9).
  const siblingHashes = path.map((e) => diff.hashOf(e.copathChild));
  let parentHash: Uint8Array = new Uint8Array(0);
  for (let i = path.length - 1; i >= 0; i--) {
    diff.setParent(expectDefined(path[i], "path[i]").node, { encryptionKey: expectDefined(keys[i], "keys[i]"), parentHash, unmergedLeaves: [] });
    parentHash = await computeParentHash(diff.cs, expectDefined(keys[i], "keys[i]"), parentHash, expectDefined(siblingHashes[i], "siblingHashes[i]"));
  }
  return parentHash;
}
