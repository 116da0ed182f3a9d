/**
 * A room's members as client ids: the identities of the credentials in the
 * group's ratchet tree (RFC 9420 §5.3.3) — what MLS authenticates, not what
 * the Delivery Service says.
 */
import { ProposalType, type IdentityProvider } from "@mlskit/core";
import type { Group, GroupState } from "@mlskit/mls";
import { clientIdOfCredential } from "./client-id.js";

/** The client ids of a group state's members, sorted, each once. */
export async function memberIdsOf(state: GroupState, identityProvider: IdentityProvider): Promise<string[]> {
  const ids = new Set<string>();
  for (const leaf of state.tree.leaves()) {
    const node = state.tree.leafNode(leaf);
    if (node === undefined) continue;
    const id = await clientIdOfCredential(identityProvider, node.credential);
    if (id !== undefined) ids.add(id);
  }
  return [...ids].sort();
}

/** Who joined and who left between two member lists. */
export function membershipChange(before: readonly string[], after: readonly string[]): { added: string[]; removed: string[] } {
  const b = new Set(before);
  const a = new Set(after);
  return { added: after.filter((id) => !b.has(id)), removed: before.filter((id) => !a.has(id)) };
}

/** True when a cached Remove proposal of this epoch removes us (we asked to leave, or are being removed). */
export function isLeaving(group: Group): boolean {
  const own = group.ownLeafIndex;
  for (const p of group.state.proposals.values()) {
    if (p.proposal.proposalType === ProposalType.remove && p.proposal.removed === own) return true;
  }
  return false;
}

/**
 * Whether this member should commit the proposals cached this epoch now:
 * the lowest leaf that no cached Remove targets does, so the members do not
 * all race to commit the same proposals (any member still commits them
 * before it sends or changes the group).
 */
export function isDesignatedCommitter(group: Group): boolean {
  const removed = new Set<number>();
  for (const p of group.state.proposals.values()) {
    if (p.proposal.proposalType === ProposalType.remove) removed.add(p.proposal.removed);
  }
  for (const leaf of group.state.tree.leaves()) {
    if (!removed.has(leaf)) return leaf === group.ownLeafIndex;
  }
  return false;
}
