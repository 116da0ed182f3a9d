/**
 * Membership status of the facade's {@link Group}: `leaving` between
 * {@link Group.leave} and the Commit that removes us, and the proposal
 * `leave()` sends (a Remove of ourselves, or a SelfRemove).
 */
import { ProposalType, UsageError } from "@mlskit/core";
import { type GroupState, type GroupStatus, type ProposalInput, SenderType, groupSupportsSelfRemove, isSelfRemove, requiresSelfRemove } from "@mlskit/group";
import type { Group } from "./group.js";

/** {@link Group.status}: the state machine's status, with `leaving` between {@link Group.leave} and the Commit that removes us. */
export type MembershipStatus = GroupStatus["kind"] | "leaving";

/** {@link Group.hasPendingCommit}. @internal */
export function hasPendingCommit(s: GroupState): boolean {
  return s.pendingCommit !== undefined || s.status.kind === "external-join-pending";
}

/** {@link Group.leaving}: a Remove of this member is proposed this epoch. @internal */
export function isLeaving(s: GroupState): boolean {
  if (s.status.kind !== "active") return false;
  const own = s.ownLeaf;
  for (const p of s.proposals.values()) {
    if (p.proposal.proposalType === ProposalType.remove && p.proposal.removed === own) return true;
    // Our SelfRemove (draft-ietf-mls-extensions), from leave() in a group that enables it.
    if (isSelfRemove(p.proposal) && p.sender.senderType === SenderType.member && p.sender.leafIndex === own) return true;
  }
  return false;
}

/** {@link Group.status}. @internal */
export function membershipStatus(s: GroupState): MembershipStatus {
  const kind = s.status.kind;
  return kind === "active" && isLeaving(s) ? "leaving" : kind;
}

/** The proposal {@link Group.leave} sends, after its checks. @internal */
export function leaveProposal(s: GroupState): ProposalInput {
  if (hasPendingCommit(s)) throw new UsageError("usage/commit-pending", "a Commit of ours is pending: confirmPendingCommit() or discardPendingCommit() first");
  if (isLeaving(s)) throw new UsageError("usage/leaving", "a Remove of this member is already proposed this epoch");
  if (s.tree.memberCount() <= 1)
    throw new UsageError("usage/last-member", "this member is the group's only member, so nobody can commit its removal: delete the group with client.deleteGroup(groupId)");
  // SelfRemove where the group enables it (required_capabilities, so every member supports it); otherwise a Remove of ourselves.
  const selfRemove = requiresSelfRemove(s.groupContext.extensions) && groupSupportsSelfRemove(s.tree);
  return selfRemove ? { selfRemove: true } : { remove: s.ownLeaf };
}
