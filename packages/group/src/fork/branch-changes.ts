/**
 * What a branch's Commits did to the group, as a diff of two full states
 * (before and after): members added and removed (matched by signature key),
 * leaves updated, GroupContext extensions changed. On a losing branch these
 * are the changes a fork would otherwise silently drop: the facade proposes
 * again what still applies and reports the rest to the application.
 */
import type { Credential, Extension } from "@mlskit/core";
import { bytesEqual, toHex } from "@mlskit/codec";
import type { LeafIndex, LeafNode } from "@mlskit/ratchet-tree";
import type { GroupState } from "../state/group-state.js";
import { expectDefined } from "@mlskit/core";

/** One change a Commit (or a run of Commits) made. */
export type BranchChange =
  | { readonly kind: "add"; readonly leafIndex: LeafIndex; readonly credential: Credential; readonly signatureKey: Uint8Array }
  | { readonly kind: "remove"; readonly leafIndex: LeafIndex; readonly credential: Credential; readonly signatureKey: Uint8Array }
  | { readonly kind: "update"; readonly leafIndex: LeafIndex; readonly credential: Credential; readonly signatureKey: Uint8Array }
  | { readonly kind: "extensions"; readonly extensions: readonly Extension[] };

function leaves(state: GroupState): Map<string, { leafIndex: LeafIndex; leaf: LeafNode }> {
  const out = new Map<string, { leafIndex: LeafIndex; leaf: LeafNode }>();
  for (let i = 0; i < state.tree.leafCount; i++) {
    const leaf = state.tree.leafNode(i as LeafIndex);
    if (leaf !== undefined) out.set(toHex(leaf.signatureKey), { leafIndex: i as LeafIndex, leaf });
  }
  return out;
}

/** True when the two extension lists are equal (same order, types and data). */
export function sameExtensions(a: readonly Extension[], b: readonly Extension[]): boolean {
  return (
    a.length === b.length &&
    a.every((e, i) => e.extensionType === expectDefined(b[i], "b[i]").extensionType && bytesEqual(e.extensionData, expectDefined(b[i], "b[i]").extensionData))
  );
}

/** The changes from `before` to `after` (states of one group, `after` later on one branch). */
export function branchChanges(before: GroupState, after: GroupState): BranchChange[] {
  const a = leaves(before);
  const b = leaves(after);
  const out: BranchChange[] = [];
  for (const [key, { leafIndex, leaf }] of a) {
    const next = b.get(key);
    if (next === undefined) out.push({ kind: "remove", leafIndex, credential: leaf.credential, signatureKey: leaf.signatureKey });
    else if (!bytesEqual(next.leaf.encryptionKey, leaf.encryptionKey))
      out.push({ kind: "update", leafIndex: next.leafIndex, credential: leaf.credential, signatureKey: leaf.signatureKey });
  }
  for (const [key, { leafIndex, leaf }] of b) {
    if (!a.has(key)) out.push({ kind: "add", leafIndex, credential: leaf.credential, signatureKey: leaf.signatureKey });
  }
  if (!sameExtensions(before.groupContext.extensions, after.groupContext.extensions)) out.push({ kind: "extensions", extensions: after.groupContext.extensions });
  return out;
}

/**
 * Whether `change` is still to be done in `state` (the winning branch):
 * a removed member still there, an added one not there, other extensions.
 * Updates are never "still to do" (only their owner can update again).
 */
export function changeStillApplies(change: BranchChange, state: GroupState): boolean {
  switch (change.kind) {
    case "remove":
      return state.tree.findSignatureKey(change.signatureKey).length > 0;
    case "add":
      return state.tree.findSignatureKey(change.signatureKey).length === 0;
    case "extensions":
      return !sameExtensions(change.extensions, state.groupContext.extensions);
    case "update":
      return false;
  }
}
