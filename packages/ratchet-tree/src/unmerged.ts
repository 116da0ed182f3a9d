/**
 * One pass over a tree computing, per node, its nearest non-blank ancestor
 * and the size of its resolution (§4.1.1), while checking the rules on
 * `unmerged_leaves` (§7.1, §12.4.3.1).
 */
import { ValidationError, expectDefined } from "@mlskit/core";
import { type NodeIndex, isAncestorOrSelf, leafToNode, level, parentOf } from "./tree-math.js";
import type { TreeView } from "./tree-view.js";
import { unmergedLeavesRange } from "./encoded-fields.js";

/** Per-node facts used by parent-hash validation. */
export interface UnmergedStats {
  /** Nearest non-blank proper ancestor of each node, or -1. */
  readonly nearestAncestor: Int32Array;
  /** Length of each node's resolution. */
  readonly resolutionSize: Int32Array;
}

function inconsistent(message: string, section = "12.4.3.1"): never {
  throw new ValidationError("tree/unmerged-leaves-inconsistent", section, message);
}

function u32At(b: Uint8Array, i: number): number {
  return (
    ((expectDefined(b[i], "b[i]") << 24) >>> 0) + (expectDefined(b[i + 1], "b[i + 1]") << 16) + (expectDefined(b[i + 2], "b[i + 2]") << 8) + expectDefined(b[i + 3], "b[i + 3]")
  );
}

/** Binary search for leaf `u` in a parent encoding's sorted unmerged_leaves. */
function lists(b: Uint8Array, u: number): boolean {
  const [s, e] = unmergedLeavesRange(b);
  let lo = 0;
  let hi = (e - s) / 4 - 1;
  while (lo <= hi) {
    const mid = (lo + hi) >>> 1;
    const v = u32At(b, s + 4 * mid);
    if (v === u) return true;
    if (v < u) lo = mid + 1;
    else hi = mid - 1;
  }
  return false;
}

/**
 * Checks, for each non-blank parent P and each entry u of `P.unmerged_leaves`:
 * the list is strictly increasing (§7.1); u is a non-blank leaf below P; and
 * every non-blank node between u and P also lists u (§12.4.3.1). The last
 * two together say: the nodes listing u are exactly the first k(u) nodes of
 * u's chain of non-blank ancestors, where k(u) counts the lists holding u —
 * checked by walking k(u) steps of that chain, O(M log N) for M entries.
 */
export function unmergedStats(tree: TreeView): UnmergedStats {
  const width = tree.nodeCount;
  const leafCount = tree.leafCount;
  const nearest = new Int32Array(width).fill(-1);
  const resSize = new Int32Array(width);
  const root = tree.rootIndex;
  // Nearest non-blank ancestor, top-down by level.
  for (let k = level(root) - 1; k >= 0; k--) {
    const first = (1 << k) - 1;
    const step = 1 << (k + 1);
    for (let n = first; n < width; n += step) {
      const p = parentOf(n as NodeIndex);
      nearest[n] = tree.nodeBytes(p) !== undefined ? p : expectDefined(nearest[p], "nearest[p]");
    }
  }
  // Unmerged lists: ordering, membership, counts per leaf.
  const count = new Int32Array(leafCount);
  for (let p = 1; p < width; p += 2) {
    const b = tree.nodeBytes(p as NodeIndex);
    if (b === undefined) continue;
    const [s, e] = unmergedLeavesRange(b);
    let prev = -1;
    for (let i = s; i < e; i += 4) {
      const u = u32At(b, i);
      // §7.1: "The entries in the unmerged_leaves vector MUST be sorted in increasing order."
      if (u <= prev) inconsistent(`unmerged_leaves of node ${p} is not strictly increasing`, "7.1");
      prev = u;
      if (u >= leafCount || !isAncestorOrSelf(p as NodeIndex, leafToNode(u as never))) {
        inconsistent(`unmerged leaf ${u} of node ${p} is not a descendant of it`);
      }
      if (tree.isLeafBlank(u as never)) inconsistent(`unmerged leaf ${u} of node ${p} is blank`);
      count[u] = expectDefined(count[u], "count[u]") + 1;
    }
  }
  for (let u = 0; u < leafCount; u++) {
    let k = expectDefined(count[u], "count[u]");
    let x = expectDefined(nearest[2 * u], "nearest[2 * u]");
    while (k > 0) {
      if (x < 0 || !lists(expectDefined(tree.nodeBytes(x as NodeIndex), "tree.nodeBytes(x as NodeIndex)"), u)) {
        inconsistent(`leaf ${u} is unmerged at an ancestor but missing from the unmerged_leaves of a non-blank node between them`);
      }
      k--;
      x = expectDefined(nearest[x], "nearest[x]");
    }
  }
  // Resolution sizes, bottom-up (§4.1.1).
  for (let l = 0; l < leafCount; l++) resSize[2 * l] = tree.isLeafBlank(l as never) ? 0 : 1;
  for (let k = 1; k <= level(root); k++) {
    const first = (1 << k) - 1;
    const step = 1 << (k + 1);
    const half = 1 << (k - 1);
    for (let n = first; n < width; n += step) {
      const b = tree.nodeBytes(n as NodeIndex);
      if (b !== undefined) {
        const [s, e] = unmergedLeavesRange(b);
        resSize[n] = 1 + (e - s) / 4;
      } else {
        resSize[n] = expectDefined(resSize[n - half], "resSize[n - half]") + expectDefined(resSize[n + half], "resSize[n + half]");
      }
    }
  }
  return { nearestAncestor: nearest, resolutionSize: resSize };
}
