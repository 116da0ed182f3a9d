/**
 * Incoming messages (RFC 9420 §6, §12): decode the MLSMessage, unprotect it
 * with the keys of the right epoch, and route it — application data
 * (current or a kept past epoch, §15.3), a proposal (cached by ProposalRef,
 * §12.1), or a Commit (staged, §12.4.2; our own merges the pending commit).
 * Messages of the next epoch are held in a bounded buffer until its Commit
 * is merged.
 */
import { bytesEqual } from "@mlskit/codec";
import { InternalError, UsageError, WireFormat } from "@mlskit/core";
import type { LeafIndex } from "@mlskit/ratchet-tree";
import type { VerifiedContent } from "../framing/authenticated-content.js";
import { type StagedCommit, proposalRefOf, stageCommit } from "../commit/commit-process.js";
import { ContentType } from "../framing/content-type.js";
import { assertReceivedAuthorized } from "../policy/group-policy.js";
import { holdEarlyMessage } from "./early-messages.js";
import { checkMessageSize } from "../policy/input-limits.js";
import { type GroupState, type PastEpoch, refKey } from "../state/group-state.js";
import { type MLSMessageIn, decodeMlsMessage } from "../framing/mls-message.js";
import { unprotectPrivateMessage } from "../framing/private-message-protection.js";
import type { PrivateMessageIn } from "../framing/private-message.js";
import type { Proposal } from "../proposals/proposal.js";
import { unprotectPublicMessage } from "../framing/public-message.js";
import { type Sender, SenderType } from "../framing/sender.js";
import { fail } from "../error-codes.js";
import { groupSupportsSelfRemove, isSelfRemove } from "../extensions/self-remove.js";

/** Application data received. */
export interface ReceivedApplicationMessage {
  readonly kind: "application";
  readonly sender: LeafIndex;
  readonly epoch: bigint;
  readonly data: Uint8Array;
  readonly authenticatedData: Uint8Array;
  /** The state (unchanged but for ratchet consumption). */
  readonly state: GroupState;
}

/** A proposal received and cached (§12.1). */
export interface ReceivedProposal {
  readonly kind: "proposal";
  readonly proposal: Proposal;
  readonly sender: Sender;
  readonly ref: Uint8Array;
  /** The state with the proposal cached. */
  readonly state: GroupState;
}

/** A Commit of another member, staged for inspection (§12.4.2). */
export interface ReceivedCommit {
  readonly kind: "commit";
  readonly staged: StagedCommit;
  readonly state: GroupState;
}

/** Our own Commit came back from the Delivery Service: the pending commit is merged. */
export interface ConfirmedOwnCommit {
  readonly kind: "own-commit";
  readonly state: GroupState;
}

/** A message of the next epoch, held until its Commit is merged. */
export interface BufferedMessage {
  readonly kind: "buffered";
  readonly state: GroupState;
}

export type ProcessedMessage = ReceivedApplicationMessage | ReceivedProposal | ReceivedCommit | ConfirmedOwnCommit | BufferedMessage;

/** Unprotects a handshake or application message of the current epoch (§6.2, §6.3); a PrivateMessage's generation is consumed. */
export async function unprotectMessage(state: GroupState, m: MLSMessageIn): Promise<VerifiedContent> {
  const r = await unprotectDeferred(state, m);
  r.consume();
  return r.content;
}

/**
 * Unprotects a message of the current epoch without consuming its ratchet
 * generation yet: `consume` runs once the message is accepted (RFC 9420
 * §9.2), so a message refused after its signature verified (unauthorized,
 * or a Commit staged and never merged) leaves the secret tree as it was.
 */
async function unprotectDeferred(state: GroupState, m: MLSMessageIn): Promise<{ content: VerifiedContent; consume: () => void }> {
  if (m.wireFormat === WireFormat.mls_public_message) {
    const content = await unprotectPublicMessage(state.framing, m.publicMessage, {
      members: state.tree,
      membershipKey: state.keys.membershipKey,
      externalProposalTypes: externalProposalTypesOf(state),
    });
    return { content, consume: noConsumption };
  }
  if (m.wireFormat === WireFormat.mls_private_message) {
    const r = await unprotectPrivateMessage(
      state.framing,
      m.privateMessage,
      { members: state.tree, secretTree: state.secretTree, senderDataSecret: state.keys.senderDataSecret, ownLeaf: state.ownLeaf },
      { deferConsume: true },
    );
    return { content: r.content, consume: r.consume };
  }
  // Bytes from the network: a Welcome, GroupInfo or KeyPackage handed to a group is refused as input, not as a misuse.
  fail("message/not-a-group-message", "6", `a message of wire format ${m.wireFormat} is not a group message: only PublicMessage and PrivateMessage belong to a group`);
}

function noConsumption(): void {}

/**
 * A received SelfRemove (draft-ietf-mls-extensions): from a member, as a
 * PublicMessage (the draft's MUST, so an external committer can read it), in
 * a group whose members all support it.
 */
function checkReceivedSelfRemove(state: GroupState, sender: Sender, wireFormat: number): void {
  if (sender.senderType !== SenderType.member) fail("proposal/self-remove-not-from-member", "12.1.8", "a SelfRemove proposal must come from a member");
  if (wireFormat !== WireFormat.mls_public_message) fail("proposal/self-remove-not-public", "12.1", "a SelfRemove proposal must be sent as a PublicMessage");
  if (!groupSupportsSelfRemove(state.tree)) fail("proposal-list/unsupported-proposal-type", "12.2", "SelfRemove in a group whose members do not all support it");
}

/** Custom proposal types the policy lets `external` senders send (§12.1.8). */
export function externalProposalTypesOf(state: Pick<GroupState, "policy">): number[] {
  const out: number[] = [];
  for (const h of state.policy.customProposals.values()) if (h.external === true) out.push(h.proposalType);
  return out;
}

function groupAndEpochOf(m: MLSMessageIn): { groupId: Uint8Array; epoch: bigint } {
  if (m.wireFormat === WireFormat.mls_public_message) return m.publicMessage.content;
  if (m.wireFormat === WireFormat.mls_private_message) return m.privateMessage;
  // Bytes from the network: a Welcome, GroupInfo or KeyPackage handed to a group is refused as input, not as a misuse.
  fail("message/not-a-group-message", "6", `a message of wire format ${m.wireFormat} is not a group message: only PublicMessage and PrivateMessage belong to a group`);
}

async function decryptPast(past: PastEpoch, message: PrivateMessageIn, ownLeaf: LeafIndex): Promise<VerifiedContent> {
  const r = await unprotectPrivateMessage(
    past.framing,
    message,
    { members: past.tree, secretTree: past.secretTree, senderDataSecret: past.senderDataSecret, ownLeaf },
    { deferConsume: true },
  );
  const fc = r.content.content;
  // Only application messages are read in a past epoch (§12.1, §12.4.2): a handshake consumes nothing.
  if (fc.contentType !== ContentType.application) fail("framing/wrong-epoch", "12.1", `a handshake message of past epoch ${message.epoch}`);
  r.consume();
  return r.content;
}

/**
 * Processes one received MLSMessage (PublicMessage or PrivateMessage) in
 * `state`. Returns what it was and the state to continue with.
 * @throws ValidationError `message/wrong-group` (§6), `message/epoch-too-old`
 *   (§15.3: the epoch is no longer kept), `message/epoch-too-far-ahead` (more
 *   than one epoch ahead), `message/early-buffer-full`, `limits/message-too-large`
 *   (§16.11: more than the policy's `maxMessageBytes`); framing and commit
 *   errors as their functions document. The state is unchanged on error.
 */
export async function processMessage(state: GroupState, bytes: Uint8Array): Promise<ProcessedMessage> {
  // §16.11: the policy's size cap, before the message is decoded.
  checkMessageSize(state.policy, "message", bytes.length);
  const m = decodeMlsMessage(bytes);
  const { groupId, epoch } = groupAndEpochOf(m);
  // §6: a message is bound to its group.
  if (!bytesEqual(groupId, state.groupContext.groupId)) fail("message/wrong-group", "6", "the message belongs to another group");
  const current = state.groupContext.epoch;

  // Our own Commit coming back: merge the pending one (docs/ARCHITECTURE.md "Staged changes").
  const pending = state.pendingCommit;
  if (pending !== undefined && bytesEqual(pending.message, bytes)) return { kind: "own-commit", state: pending.state };

  if (epoch < current) {
    // Late application messages from kept epochs (§15.3); handshake messages of old epochs are rejected (§12.1, §12.4.2).
    const past = state.pastEpochs.find((p) => p.epoch === epoch);
    if (m.wireFormat !== WireFormat.mls_private_message || past === undefined) {
      fail("message/epoch-too-old", "15.3", `the message is for epoch ${epoch}, which this client no longer keeps (current ${current})`);
    }
    const fc = (await decryptPast(past, m.privateMessage, state.ownLeaf)).content;
    if (fc.contentType !== ContentType.application) throw new InternalError("message/past-handshake", "decryptPast returned a handshake");
    return {
      kind: "application",
      sender: (fc.sender as { leafIndex: LeafIndex }).leafIndex,
      epoch,
      data: fc.applicationData,
      authenticatedData: fc.authenticatedData,
      state,
    };
  }
  if (epoch === current + 1n) {
    // Messages of the next epoch that arrive before its Commit: hold them (bounded, see early-messages.ts).
    return { kind: "buffered", state: holdEarlyMessage(state, m, bytes) };
  }
  if (epoch > current) fail("message/epoch-too-far-ahead", "15.3", `the message is for epoch ${epoch}, the group is in epoch ${current}`);

  const { content, consume } = await unprotectDeferred(state, m);
  return processVerified(state, content, bytes, consume);
}

/**
 * Routes a verified content of the current epoch; `message` is the
 * MLSMessage that carried it, kept with a cached proposal. `consume`
 * consumes its ratchet generation: called once the message is accepted (for
 * a Commit, when the staged Commit is merged), never for a refused one.
 */
export async function processVerified(state: GroupState, content: VerifiedContent, message?: Uint8Array, consume: () => void = noConsumption): Promise<ProcessedMessage> {
  const fc = content.content;
  switch (fc.contentType) {
    case ContentType.application:
      // Our own message handed back (by the Delivery Service, or re-sent by another member at a fresh generation): say so.
      if ((fc.sender as { leafIndex: LeafIndex }).leafIndex === state.ownLeaf) {
        fail("message/own-message", "6.3.2", "this application message was sent from our own leaf: it is one of ours, handed back");
      }
      consume();
      return {
        kind: "application",
        sender: (fc.sender as { leafIndex: LeafIndex }).leafIndex,
        epoch: fc.epoch,
        data: fc.applicationData,
        authenticatedData: fc.authenticatedData,
        state,
      };
    case ContentType.proposal: {
      // §12.1.8: external proposals arrive as PublicMessage only.
      if (fc.sender.senderType !== SenderType.member && content.wireFormat !== WireFormat.mls_public_message) {
        fail("proposal/external-not-public", "12.1.8", "an external proposal must be a PublicMessage");
      }
      if (isSelfRemove(fc.proposal)) checkReceivedSelfRemove(state, fc.sender, content.wireFormat);
      await assertReceivedAuthorized(state.policy, fc.proposal, state.groupContext, fc.sender);
      const ref = await proposalRefOf(state, content);
      consume();
      const proposals = new Map(state.proposals);
      proposals.set(refKey(ref), { ref, proposal: fc.proposal, sender: fc.sender, ...(message !== undefined ? { message: message.slice() } : {}) });
      return { kind: "proposal", proposal: fc.proposal, sender: fc.sender, ref, state: { ...state, proposals } };
    }
    case ContentType.commit: {
      if (fc.sender.senderType === SenderType.member && fc.sender.leafIndex === state.ownLeaf) {
        // A Commit signed by us that is not our pending one (e.g. cleared or another device state).
        fail("commit/own-commit-unknown", "12.4.2", "a Commit from our own leaf that matches no pending commit");
      }
      // Staging is not consuming: the generation goes when the Commit is merged (mergeStagedCommit).
      const staged = await stageCommit(state, content);
      return { kind: "commit", staged: { ...staged, consumeKey: consume }, state };
    }
  }
  throw new UsageError("usage/unreachable", "unknown content type");
}

/**
 * After merging a Commit: replays the messages held for the new epoch
 * (those still ahead stay buffered). Returns the results and the final state;
 * a held message that fails is reported in `errors` and dropped.
 */
export async function processEarlyMessages(previous: GroupState, merged: GroupState): Promise<{ state: GroupState; results: ProcessedMessage[]; errors: unknown[] }> {
  let state: GroupState = { ...merged, earlyMessages: [] };
  const results: ProcessedMessage[] = [];
  const errors: unknown[] = [];
  for (const bytes of previous.earlyMessages) {
    try {
      const r = await processMessage(state, bytes);
      results.push(r);
      if (r.kind !== "commit") state = r.state;
    } catch (e) {
      errors.push(e);
    }
  }
  return { state, results, errors };
}
