/**
 * Members by identity (RFC 9420 §12.2: an Add "represents a client already
 * in the group according to the application"; §5.3.3): the identities the
 * IdentityProvider reads from the leaves' credentials, indexed for O(1)
 * lookups. Built once per loaded state (O(N) `identity()` calls), then
 * derived per Commit from the leaves it changes only: a persistent map (a
 * shared base plus a small overlay, flattened when the overlay grows past
 * a fraction of the base, so amortised O(1) per change).
 */
import { toHex } from "@mlskit/codec";
import type { IdentityProvider } from "@mlskit/core";
import { expectDefined } from "@mlskit/core";
import type { LeafIndex, LeafNode, TreeView } from "@mlskit/ratchet-tree";
import type { AppliedProposals } from "./proposal-list.js";

const NONE: readonly LeafIndex[] = Object.freeze([]);

/** A readonly identity → leaves index (hex identity keys). */
export class IdentityIndex {
  readonly #base: ReadonlyMap<string, readonly LeafIndex[]>;
  readonly #delta: ReadonlyMap<string, readonly LeafIndex[]>;

  private constructor(base: ReadonlyMap<string, readonly LeafIndex[]>, delta: ReadonlyMap<string, readonly LeafIndex[]>) {
    this.#base = base;
    this.#delta = delta;
  }

  /** Reads every member's identity (O(N) provider calls, issued together). */
  static async build(tree: TreeView, identityProvider: IdentityProvider): Promise<IdentityIndex> {
    const leaves = [...tree.leaves()];
    const ids = await Promise.all(leaves.map((l) => identityProvider.identity(expectDefined(tree.leafNode(l), `leaf ${l}, listed by tree.leaves()`).credential)));
    const base = new Map<string, LeafIndex[]>();
    leaves.forEach((l, i) => {
      const k = toHex(expectDefined(ids[i], "ids[i]"));
      const at = base.get(k);
      if (at === undefined) base.set(k, [l]);
      else at.push(l);
    });
    return new IdentityIndex(base, new Map());
  }

  /** The leaves whose credential presents `identity` (hex). */
  leaves(identity: string): readonly LeafIndex[] {
    return this.#delta.get(identity) ?? this.#base.get(identity) ?? NONE;
  }

  /** A new index with `removed` (identity, leaf) pairs taken out and `added` ones put in; this one is unchanged. */
  with(removed: readonly (readonly [string, LeafIndex])[], added: readonly (readonly [string, LeafIndex])[]): IdentityIndex {
    const delta = new Map(this.#delta);
    for (const [id, leaf] of removed)
      delta.set(
        id,
        (delta.get(id) ?? this.#base.get(id) ?? NONE).filter((l) => l !== leaf),
      );
    for (const [id, leaf] of added) {
      const cur = delta.get(id) ?? this.#base.get(id) ?? NONE;
      if (!cur.includes(leaf)) delta.set(id, [...cur, leaf]);
    }
    if (delta.size <= Math.max(64, this.#base.size >> 2)) return new IdentityIndex(this.#base, delta);
    // Flatten: O(N) once every Ω(N) changes.
    const base = new Map(this.#base);
    for (const [id, ls] of delta) {
      if (ls.length === 0) base.delete(id);
      else base.set(id, ls);
    }
    return new IdentityIndex(base, new Map());
  }
}

const indexes = new WeakMap<object, Promise<IdentityIndex>>();

/** The identity index of a tree, built on first use and cached for that (immutable) tree. */
export function identityIndexOf(tree: TreeView, identityProvider: IdentityProvider): Promise<IdentityIndex> {
  let p = indexes.get(tree);
  if (p === undefined) {
    p = IdentityIndex.build(tree, identityProvider);
    indexes.set(tree, p);
    p.catch(() => indexes.delete(tree));
  }
  return p;
}

/** Identity changes of one Commit: (identity hex, leaf) pairs leaving and entering. */
interface IdentityChanges {
  readonly removed: readonly (readonly [string, LeafIndex])[];
  readonly added: readonly (readonly [string, LeafIndex])[];
}

/**
 * Records the index of `next` (the tree after a Commit) derived from the
 * index of `prev` — only when `prev`'s index was built, so a state that
 * never needed it never pays for it. `changes` is only called then.
 */
function deriveIdentityIndex(prev: object, next: object, changes: () => Promise<IdentityChanges>): void {
  const p = indexes.get(prev);
  if (p === undefined) return;
  const derived = p.then(async (index) => {
    const c = await changes();
    return index.with(c.removed, c.added);
  });
  derived.catch(() => indexes.delete(next));
  indexes.set(next, derived);
}

/** The leaf a Commit's path replaced (or, for an external Commit, filled). */
export interface PathLeafChange {
  readonly leafIndex: LeafIndex;
  readonly previous: LeafNode | undefined;
  readonly leafNode: LeafNode;
}

/**
 * Derives the identity index of the tree after a Commit from the leaves it
 * changed (§12.3): removed, updated, added, and the committer's path leaf.
 * O(changed leaves) identity() calls, none when the old index was never built.
 */
export function recordCommitIdentities(
  prevTree: object,
  nextTree: object,
  identityProvider: IdentityProvider,
  applied: Pick<AppliedProposals, "removed" | "updated" | "added">,
  path: PathLeafChange | undefined,
): void {
  deriveIdentityIndex(prevTree, nextTree, async () => {
    const id = async (leaf: LeafNode): Promise<string> => toHex(await identityProvider.identity(leaf.credential));
    const out: [LeafNode, LeafIndex][] = [
      ...applied.removed.map((r) => [r.leafNode, r.leafIndex] as [LeafNode, LeafIndex]),
      ...applied.updated.map((u) => [u.previous, u.leafIndex] as [LeafNode, LeafIndex]),
    ];
    const into: [LeafNode, LeafIndex][] = [
      ...applied.updated.map((u) => [u.leafNode, u.leafIndex] as [LeafNode, LeafIndex]),
      ...applied.added.map((a) => [a.keyPackage.leafNode, a.leafIndex] as [LeafNode, LeafIndex]),
    ];
    if (path !== undefined) {
      if (path.previous !== undefined) out.push([path.previous, path.leafIndex]);
      into.push([path.leafNode, path.leafIndex]);
    }
    const [removed, added] = await Promise.all([
      Promise.all(out.map(async ([n, l]) => [await id(n), l] as const)),
      Promise.all(into.map(async ([n, l]) => [await id(n), l] as const)),
    ]);
    return { removed, added };
  });
}
