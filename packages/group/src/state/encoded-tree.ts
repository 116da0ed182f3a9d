/**
 * The `ratchet_tree` encoding of a tree, computed once per tree: trees are
 * immutable (a Commit makes a new one), and a group's state is written after
 * every message, each time with the same tree. At N = 10,000 encoding the
 * tree was most of what writing a message's state cost.
 */
import type { RatchetTree } from "@mlskit/ratchet-tree";

const cache = new WeakMap<RatchetTree, Uint8Array>();

/** `tree.encode()`, cached for the tree's lifetime. The result is shared: do not modify it. */
export function encodedTree(tree: RatchetTree): Uint8Array {
  let bytes = cache.get(tree);
  if (bytes === undefined) {
    bytes = tree.encode();
    cache.set(tree, bytes);
  }
  return bytes;
}
