/**
 * Fork evidence: a Commit for an epoch this member already left through
 * another Commit, verified against the full state of that epoch (the fork
 * point) as if it had arrived in time — the sender is a member of that
 * epoch and signed it (§6.1), the PublicMessage's membership tag is right
 * (§6.2) or the PrivateMessage decrypts with the epoch's keys (§6.3), the
 * proposals are valid (§12.2), the UpdatePath verifies (§7) and, unless it
 * removes us, the confirmation tag too (§6.1, §8). Anything short of that is
 * an ordinary `ValidationError`, never evidence: a non-member or an invalid
 * Commit cannot make a member believe in a fork.
 */
import { bytesEqual } from "@mlskit/codec";
import { WireFormat } from "@mlskit/core";
import { deriveConfirmedTranscriptHash } from "@mlskit/key-schedule";
import type { LeafIndex } from "@mlskit/ratchet-tree";
import { encodeConfirmedTranscriptHashInput, type VerifiedContent } from "../framing/authenticated-content.js";
import type { StagedCommit } from "../commit/commit-process.js";
import { ContentType } from "../framing/content-type.js";
import { fail } from "../error-codes.js";
import type { GroupState } from "../state/group-state.js";
import { decodeMlsMessage } from "../framing/mls-message.js";
import { processVerified } from "../receive/message-process.js";
import { unprotectPrivateMessage } from "../framing/private-message-protection.js";
import { unprotectPublicMessage } from "../framing/public-message.js";
import { SenderType } from "../framing/sender.js";
import { externalProposalTypesOf } from "../receive/message-process.js";

/** What was verified about the other branch's Commit. */
export interface ForkVerification {
  /** How it travelled. */
  readonly wireFormat: "public" | "private";
  /** The sender's signature verified against its leaf in the fork point's tree (or, for an external Commit, the leaf it brings). */
  readonly signature: true;
  /** PublicMessage: the membership tag verified with the fork point's membership key; PrivateMessage: decrypted with its keys. */
  readonly membership: "membership-tag" | "decrypted" | "external-commit";
  /** The Commit was staged against the fork point: proposals valid (§12.2), UpdatePath verified (§7.3). */
  readonly staged: true;
  /** The confirmation tag verified (false only when the Commit removes this member: it cannot derive the new epoch). */
  readonly confirmationTag: boolean;
  /** The sender: a member's leaf in the fork point, or an external joiner. */
  readonly sender: { readonly kind: "member"; readonly leafIndex: LeafIndex } | { readonly kind: "new-member" };
}

/** A Commit of the fork point, verified. */
export interface VerifiedForkCommit {
  /** The fork point (the epoch the Commit was sent in). */
  readonly forkEpoch: bigint;
  /** Its fork hash (`fork-rule.ts`): the confirmed transcript hash of the epoch it starts. */
  readonly hash: Uint8Array;
  readonly committer: LeafIndex | undefined;
  /** Another member's Commit, staged (its `state` is the new epoch's, undefined when it removes us). */
  readonly staged: StagedCommit | undefined;
  /** The new epoch's state (undefined when the Commit removes us). */
  readonly state: GroupState | undefined;
  /** True when the Commit is our own (it was pending at the fork point). */
  readonly own: boolean;
  readonly verification: ForkVerification;
}

/**
 * Verifies `bytes` as a Commit sent in the epoch of `forkPoint` (a full
 * state of that epoch, kept by the member) and stages it there.
 * `forkPoint` is not modified: staging consumes nothing until the result is merged.
 * @throws ValidationError for anything that is not a valid Commit of that
 *   epoch (`fork/not-a-commit`, `message/wrong-group`, framing and commit errors).
 */
export async function verifyForkCommit(forkPoint: GroupState, bytes: Uint8Array): Promise<VerifiedForkCommit> {
  const m = decodeMlsMessage(bytes);
  const forkEpoch = forkPoint.groupContext.epoch;
  const pending = forkPoint.pendingCommit;
  if (pending !== undefined && bytesEqual(pending.message, bytes)) {
    // Our own Commit, pending when we left the fork point through another one.
    const next = pending.state;
    return {
      forkEpoch,
      hash: next.groupContext.confirmedTranscriptHash,
      committer: forkPoint.ownLeaf,
      staged: undefined,
      state: next,
      own: true,
      verification: {
        wireFormat: m.wireFormat === WireFormat.mls_private_message ? "private" : "public",
        signature: true,
        membership: m.wireFormat === WireFormat.mls_private_message ? "decrypted" : "membership-tag",
        staged: true,
        confirmationTag: true,
        sender: { kind: "member", leafIndex: forkPoint.ownLeaf },
      },
    };
  }
  let content: VerifiedContent;
  let consume: () => void = () => {};
  if (m.wireFormat === WireFormat.mls_public_message) {
    if (m.publicMessage.content.epoch !== forkEpoch) fail("fork/not-a-commit", "12.4.2", `a message of epoch ${m.publicMessage.content.epoch}, not of the fork point ${forkEpoch}`);
    if (m.publicMessage.content.contentType !== ContentType.commit) fail("fork/not-a-commit", "12.4.2", "only a Commit can fork a group");
    if (!bytesEqual(m.publicMessage.content.groupId, forkPoint.groupContext.groupId)) fail("message/wrong-group", "6", "the message belongs to another group");
    content = await unprotectPublicMessage(forkPoint.framing, m.publicMessage, {
      members: forkPoint.tree,
      membershipKey: forkPoint.keys.membershipKey,
      externalProposalTypes: externalProposalTypesOf(forkPoint),
    });
  } else if (m.wireFormat === WireFormat.mls_private_message) {
    const pm = m.privateMessage;
    if (pm.epoch !== forkEpoch) fail("fork/not-a-commit", "12.4.2", `a message of epoch ${pm.epoch}, not of the fork point ${forkEpoch}`);
    if (pm.contentType !== ContentType.commit) fail("fork/not-a-commit", "12.4.2", "only a Commit can fork a group");
    if (!bytesEqual(pm.groupId, forkPoint.groupContext.groupId)) fail("message/wrong-group", "6", "the message belongs to another group");
    const r = await unprotectPrivateMessage(
      forkPoint.framing,
      pm,
      { members: forkPoint.tree, secretTree: forkPoint.secretTree, senderDataSecret: forkPoint.keys.senderDataSecret, ownLeaf: forkPoint.ownLeaf },
      { deferConsume: true },
    );
    content = r.content;
    consume = r.consume;
  } else {
    fail("fork/not-a-commit", "6", `a message of wire format ${m.wireFormat} is not a group message`);
  }
  if (content.content.contentType !== ContentType.commit) fail("fork/not-a-commit", "12.4.2", "only a Commit can fork a group");
  const hash = await deriveConfirmedTranscriptHash(
    forkPoint.cs,
    forkPoint.interimTranscriptHash,
    encodeConfirmedTranscriptHashInput(content.wireFormat, content.content, content.auth.signature),
  );
  const r = await processVerified(forkPoint, content, bytes, consume);
  if (r.kind !== "commit") fail("fork/not-a-commit", "12.4.2", "only a Commit can fork a group");
  const staged = r.staged;
  const sender = content.content.sender;
  return {
    forkEpoch,
    hash,
    committer: sender.senderType === SenderType.member ? sender.leafIndex : undefined,
    staged,
    state: staged.state,
    own: false,
    verification: {
      wireFormat: m.wireFormat === WireFormat.mls_private_message ? "private" : "public",
      signature: true,
      membership: sender.senderType === SenderType.member ? (m.wireFormat === WireFormat.mls_private_message ? "decrypted" : "membership-tag") : "external-commit",
      staged: true,
      confirmationTag: !staged.removedSelf,
      sender: sender.senderType === SenderType.member ? { kind: "member", leafIndex: sender.leafIndex } : { kind: "new-member" },
    },
  };
}
