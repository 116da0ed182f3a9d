/**
 * Ratchet trees in stored state: loaded without re-validation (docs/ARCHITECTURE.md
 * "State": the tree was validated when it entered the state), and the tree
 * of a pending Commit stored as the nodes it changes from the current one.
 *
 * ```tls
 * struct { uint32 node; optional<opaque> node_bytes; } NodeChange;  // node_bytes: the Node after node_type
 * struct {
 *     uint32 node_count;          // nodes in the tree's ratchet_tree encoding
 *     NodeChange changes<V>;      // ascending by node index, below node_count
 * } TreeDelta;
 * ```
 */
import { type Reader, type Writer, bytesEqual } from "@mlskit/codec";
import { type CipherSuiteProvider, ValidationError } from "@mlskit/core";
import { type NodeIndex, RatchetTree, encodeRatchetTreeNodes } from "@mlskit/ratchet-tree";

/**
 * The tree of `bytes` (a `ratchet_tree` encoding written by this member)
 * with its tree hashes, checked against the GroupContext's `tree_hash`: a
 * structural parse only, no signature or parent-hash validation, but a
 * damaged blob cannot yield a tree other than the one written.
 * @throws CodecError or ValidationError `tree/malformed` for malformed
 *   bytes; ValidationError `state/tree-hash-mismatch` when the hash differs.
 */
export async function loadTree(cs: CipherSuiteProvider, bytes: Uint8Array, treeHash: Uint8Array): Promise<RatchetTree> {
  const tree = await RatchetTree.decode(cs, bytes);
  if (!bytesEqual(await tree.treeHash(), treeHash)) {
    throw new ValidationError("state/tree-hash-mismatch", "7.8", "the stored ratchet tree's hash is not the GroupContext's tree_hash");
  }
  return tree;
}

/** Nodes in `tree`'s `ratchet_tree` encoding: up to its last non-blank node. */
function encodedNodeCount(tree: RatchetTree): number {
  let last = tree.nodeCount - 1;
  while (last >= 0 && tree.nodeBytes(last as NodeIndex) === undefined) last--;
  return last + 1;
}

function sameNode(a: Uint8Array | undefined, b: Uint8Array | undefined): boolean {
  if (a === undefined || b === undefined) return a === b;
  // A merged diff shares the arena of its base: the same span is the same node, without comparing bytes.
  if (a.buffer === b.buffer && a.byteOffset === b.byteOffset && a.length === b.length) return true;
  return bytesEqual(a, b);
}

/** Writes `tree` as a {@link TreeDelta} from `base`. */
export function writeTreeDelta(w: Writer, base: RatchetTree, tree: RatchetTree): void {
  const count = encodedNodeCount(tree);
  w.uint32(count);
  w.prefixed((body) => {
    for (let i = 0; i < count; i++) {
      const n = i as NodeIndex;
      const mine = tree.nodeBytes(n);
      const theirs = i < base.nodeCount ? base.nodeBytes(n) : undefined;
      if (sameNode(mine, theirs)) continue;
      body.uint32(i);
      if (mine === undefined) body.uint8(0);
      else {
        body.uint8(1);
        body.opaque(mine);
      }
    }
  });
}

/** A decoded {@link TreeDelta}: nodes by index (`undefined`: blank). */
export interface TreeDelta {
  readonly nodeCount: number;
  readonly changes: ReadonlyMap<number, Uint8Array | undefined>;
}

/** Reads a {@link TreeDelta}; indexes must ascend and stay below `node_count`. */
export function readTreeDelta(r: Reader): TreeDelta {
  const nodeCount = r.field("node_count", () => r.uint32());
  const changes = new Map<number, Uint8Array | undefined>();
  r.field("changes", () =>
    r.prefixed((body) => {
      let previous = -1;
      while (body.remaining > 0) {
        const at = body.offset;
        const node = body.uint32();
        if (node <= previous || node >= nodeCount) body.fail("codec/invalid-value", `node change ${node} is not ascending below node_count ${nodeCount}`, at);
        const flagAt = body.offset;
        const flag = body.uint8();
        if (flag > 1) body.fail("codec/invalid-value", `optional presence flag ${flag} is neither 0 nor 1`, flagAt);
        changes.set(node, flag === 1 ? body.opaque() : undefined);
        previous = node;
      }
    }),
  );
  return { nodeCount, changes };
}

/**
 * The `ratchet_tree` encoding of `base` with `delta` applied (to load with {@link loadTree}).
 * @throws ValidationError `tree/malformed` when the last node is blank (§12.4.3.3),
 *   which also bounds the work to the sizes of `base` and of the delta.
 */
export function applyTreeDelta(base: RatchetTree, delta: TreeDelta): Uint8Array {
  const nodeAt = (i: number) => (delta.changes.has(i) ? delta.changes.get(i) : i < base.nodeCount ? base.nodeBytes(i as NodeIndex) : undefined);
  if (delta.nodeCount === 0 || nodeAt(delta.nodeCount - 1) === undefined) {
    throw new ValidationError("tree/malformed", "12.4.3.3", "the last node of the stored tree delta is blank");
  }
  return encodeRatchetTreeNodes(delta.nodeCount, nodeAt);
}
