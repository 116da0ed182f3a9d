/**
 * Turning a {@link TreeDiff}'s staged changes into a new {@link RatchetTree}
 * that shares all unchanged storage (arena, node and hash chunks) with the
 * base tree, and compacting the arena when garbage dominates it.
 */
import type { RatchetTree } from "./ratchet-tree.js";
import { Arena, CHUNK, CHUNK_BITS, CHUNK_MASK, type LeafBitmap, type NodeTables, chunkCapacity, chunkCount, digestLength, hashChunkBytes, hashSlot } from "./store.js";
import { type NodeIndex, isLeaf, nodeWidth } from "./tree-math.js";
import { expectDefined } from "@mlskit/core";

/** A diff's staged changes, as {@link mergeStaged} reads them (all hashes computed, unmerged leaves flushed). */
export interface StagedChanges {
  readonly leafCount: number;
  /** Changed nodes: encoding, or null for blank. */
  readonly nodes: ReadonlyMap<number, Uint8Array | null>;
  /** Base nodes below this index are visible unless changed (lowered by truncation). */
  readonly visibleBase: number;
  /** Recomputed hashes of the changed nodes and their ancestors. */
  readonly hashes: ReadonlyMap<number, Uint8Array>;
  readonly bits: LeafBitmap;
}

/**
 * Applies the staged changes: returns a new tree sharing all unchanged
 * storage with the base (which stays valid and unchanged).
 */
export function mergeStaged(base: RatchetTree, staged: StagedChanges): RatchetTree {
  const cs = base.cs;
  const width = nodeWidth(staged.leafCount);
  const nh = digestLength(cs);
  const nChunks = chunkCount(width);
  const { leafHashes } = base.tables;
  const tables: NodeTables = { spans: base.tables.spans.slice(0, nChunks), hashes: base.tables.hashes.slice(0, nChunks), leafHashes };
  const owned = new Set<number>();
  const own = (c: number) => {
    if (owned.has(c)) return;
    owned.add(c);
    const cap = chunkCapacity(c, width);
    const spans = new Uint32Array(2 * cap);
    const hashes = new Uint8Array(hashChunkBytes(leafHashes, cap, nh));
    const oldSpans = tables.spans[c];
    const oldHashes = tables.hashes[c];
    if (oldSpans !== undefined && oldHashes !== undefined) {
      spans.set(oldSpans.subarray(0, Math.min(oldSpans.length, spans.length)));
      hashes.set(oldHashes.subarray(0, Math.min(oldHashes.length, hashes.length)));
    }
    tables.spans[c] = spans;
    tables.hashes[c] = hashes;
  };
  for (let c = tables.spans.length; c < nChunks; c++) own(c);
  // A chunk shared with the base may be too small for the new width.
  for (let c = 0; c < nChunks; c++) if (expectDefined(tables.spans[c], "tables.spans[c]").length < 2 * chunkCapacity(c, width)) own(c);

  const changed = new Set<number>();
  let live = base.liveBytes;
  // Base nodes no longer visible (truncated, or past the base and re-extended) become blank.
  const baseWidth = base.nodeCount;
  for (let n = staged.visibleBase; n < Math.max(baseWidth, width); n++) {
    if (n < baseWidth) {
      const b = base.nodeBytes(n as NodeIndex);
      if (b !== undefined) {
        live -= b.length;
        changed.add(n);
      }
    }
    if (n < width && !staged.nodes.has(n)) {
      const c = n >>> CHUNK_BITS;
      own(c);
      expectDefined(tables.spans[c], "tables.spans[c]")[2 * (n & CHUNK_MASK) + 1] = 0;
    }
  }
  const arena = base.arena;
  for (const [n, v] of staged.nodes) {
    if (n >= width) continue;
    const c = n >>> CHUNK_BITS;
    own(c);
    const j = 2 * (n & CHUNK_MASK);
    if (n < staged.visibleBase) {
      const old = base.nodeBytes(n as NodeIndex);
      if (old !== undefined) live -= old.length;
    }
    if (v === null) {
      expectDefined(tables.spans[c], "tables.spans[c]")[j + 1] = 0;
    } else {
      expectDefined(tables.spans[c], "tables.spans[c]")[j] = arena.append(v);
      expectDefined(tables.spans[c], "tables.spans[c]")[j + 1] = v.length;
      live += v.length;
    }
    changed.add(n);
  }
  for (const [n, h] of staged.hashes) {
    if (n >= width || (!leafHashes && isLeaf(n as NodeIndex))) continue;
    const c = n >>> CHUNK_BITS;
    own(c);
    expectDefined(tables.hashes[c], "tables.hashes[c]").set(h, hashSlot(leafHashes, n) * nh);
  }
  let next = base.successor(staged.leafCount, arena, tables, staged.bits.copy(), live);
  if (base.keyIndexCache !== undefined) next.keyIndexCache = base.keyIndexCache.derive(base, next, changed);
  // Compact when garbage (replaced encodings, other branches) dominates the arena.
  if (arena.used > 2 * live + (1 << 20)) next = compact(next);
  return next;
}

/** Copies a tree's live node encodings into a fresh arena (amortised O(1) per changed byte). */
function compact(tree: RatchetTree): RatchetTree {
  const arena = new Arena(new Uint8Array(tree.liveBytes), 0);
  const width = tree.nodeCount;
  const spans: Uint32Array[] = [];
  for (let c = 0; c < chunkCount(width); c++) {
    const old = expectDefined(tree.tables.spans[c], "tree.tables.spans[c]");
    const s = new Uint32Array(old.length);
    for (let j = 0; j < old.length / 2 && c * CHUNK + j < width; j++) {
      const len = expectDefined(old[2 * j + 1], "old[2 * j + 1]");
      if (len === 0) continue;
      s[2 * j] = arena.append(tree.buf.subarray(expectDefined(old[2 * j], "old[2 * j]"), expectDefined(old[2 * j], "old[2 * j]") + len));
      s[2 * j + 1] = len;
    }
    spans.push(s);
  }
  return tree.successor(tree.leafCount, arena, { spans, hashes: tree.tables.hashes, leafHashes: tree.tables.leafHashes }, tree.bits, tree.liveBytes, tree.keyIndexCache);
}
