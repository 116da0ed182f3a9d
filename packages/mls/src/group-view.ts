/**
 * What a member can read of its {@link Group} without an operation: the
 * current epoch's snapshot (group id, epoch, suite, membership status,
 * ratchet tree), read synchronously and outside the group's queue.
 */
import { toHex } from "@mlskit/codec";
import type { Extension } from "@mlskit/core";
import { type GroupState, epochAuthenticator } from "@mlskit/group";
import type { LeafIndex } from "@mlskit/ratchet-tree";
import { inspectCustom } from "@mlskit/key-schedule";
import type { Group } from "./group.js";
import { type MembershipStatus, hasPendingCommit, isLeaving, membershipStatus } from "./group-membership.js";

/**
 * The read-only side of a {@link Group}: every accessor reads the current
 * snapshot ({@link GroupView.state}); operations that change it are on
 * {@link Group}.
 */
export abstract class GroupView {
  /** The underlying `@mlskit/group` snapshot (read-only; for advanced use and tests). */
  abstract get state(): GroupState;

  /** JSON shows the group and epoch, never keys. */
  toJSON(): { groupId: string; epoch: string; redacted: string } {
    return { groupId: toHex(this.state.groupContext.groupId), epoch: this.epoch.toString(), redacted: "Group" };
  }
  /** `util.inspect` shows the group and epoch, never keys. */
  [inspectCustom](): string {
    return `Group { groupId: ${toHex(this.state.groupContext.groupId)}, epoch: ${this.epoch}, status: ${this.state.status.kind} } [secrets redacted]`;
  }

  /** The group id. */
  get groupId(): Uint8Array {
    return this.state.groupContext.groupId.slice();
  }
  /** The current epoch. */
  get epoch(): bigint {
    return this.state.groupContext.epoch;
  }
  /** The group's cipher suite. */
  get cipherSuite(): number {
    return this.state.groupContext.cipherSuite;
  }
  /** This member's leaf index. */
  get ownLeafIndex(): LeafIndex {
    return this.state.ownLeaf;
  }
  /** The epoch authenticator (§8.7): equal for every member in the same epoch; compare it out of band. */
  get epochAuthenticator(): Uint8Array {
    return epochAuthenticator(this.state);
  }
  /** The GroupContext extensions. */
  get extensions(): readonly Extension[] {
    return this.state.groupContext.extensions;
  }
  /** True while a Commit of ours awaits the Delivery Service. */
  get hasPendingCommit(): boolean {
    return hasPendingCommit(this.state);
  }
  /** The number of members (non-blank leaves) in the current epoch, without asking the identity provider ({@link Group.members} does). */
  get memberCount(): number {
    return this.state.tree.memberCount();
  }
  /**
   * Where this member stands: `active`; `leaving` once {@link Group.leave} sent
   * the Remove of itself (§12.1.3) and until a Commit arrives (then
   * `removed` once merged, or `active` again if that Commit did not remove
   * us); `external-join-pending` while our external Commit awaits the
   * Delivery Service; `removed`; `closed`.
   */
  get status(): MembershipStatus {
    return membershipStatus(this.state);
  }
  /** True while a Remove of this member is proposed this epoch (ours, from {@link Group.leave}, or another member's). */
  get leaving(): boolean {
    return isLeaving(this.state);
  }
  /** The proposals received or sent this epoch, not yet committed. */
  get pendingProposals(): number {
    return this.state.proposals.size;
  }
  /** The ReInit a merged Commit carried (§11.2): the group is then frozen, awaiting its successor. */
  get reinit(): GroupState["reinit"] {
    return this.state.reinit;
  }
  /** False once this member was removed or the group was closed. */
  get active(): boolean {
    const k = this.state.status.kind;
    return k === "active" || k === "external-join-pending";
  }
  /** The epoch whose Commit removed this member, if it was removed. */
  get removedInEpoch(): bigint | undefined {
    const s = this.state.status;
    return s.kind === "removed" ? s.epoch : undefined;
  }

  /** The ratchet tree (`ratchet_tree` extension body, §12.4.3.3) for joiners who receive it out of band. */
  ratchetTree(): Uint8Array {
    return this.state.tree.encode();
  }

  /**
   * The ratchet tree of the epoch our pending Commit starts (what the
   * Welcome's joiners need when it travels beside the Welcome); undefined
   * when no Commit of ours is pending.
   */
  pendingRatchetTree(): Uint8Array | undefined {
    return this.state.pendingCommit?.state.tree.encode();
  }
}
