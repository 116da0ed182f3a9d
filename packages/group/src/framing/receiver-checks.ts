/**
 * Receiver checks shared by PublicMessage and PrivateMessage (RFC 9420 §6,
 * §6.1, §12.1.8): group and epoch, which sender may send what, and the key
 * that verifies the sender's signature. Each throws a `ValidationError`
 * citing its section.
 */
import { bytesEqual } from "@mlskit/codec";
import { ProposalType, type ProposalTypeId, WireFormat, type WireFormatId } from "@mlskit/core";
import type { LeafIndex } from "@mlskit/ratchet-tree";
import { ContentType, type ContentTypeId } from "./content-type.js";
import { framingError } from "./framing-errors.js";
import type { FramingContext, MemberLookup } from "./framing-context.js";
import type { FramedContent } from "./framed-content.js";
import { proposalTypeOf } from "../proposals/proposal.js";
import { SenderType } from "./sender.js";

/** Receiver policy for framing checks. */
export interface ReceiveOptions {
  /**
   * Proposal types beyond RFC 9420's that `external` senders may send.
   * RFC 9420 §12.1.8 says new types define this ("Ext" column of §17.4);
   * for custom types the application decides. Default: none.
   */
  readonly externalProposalTypes?: readonly ProposalTypeId[];
}

/** Proposal types an `external` sender may send (RFC 9420 §12.1.8). */
export const EXTERNAL_SENDER_PROPOSAL_TYPES: ReadonlySet<ProposalTypeId> = new Set([
  ProposalType.add,
  ProposalType.remove,
  ProposalType.psk,
  ProposalType.reinit,
  ProposalType.group_context_extensions,
]);

const EPOCH_SECTION: Record<ContentTypeId, string> = {
  [ContentType.application]: "15",
  [ContentType.proposal]: "12.1",
  [ContentType.commit]: "12.4.2",
};

/**
 * The message belongs to this group and epoch.
 * @throws ValidationError `framing/wrong-group` (§6), `framing/wrong-epoch`
 *   (§12.1 for proposals, §12.4.2 for commits, §15 for application data)
 */
export function checkGroupAndEpoch(ctx: FramingContext, groupId: Uint8Array, epoch: bigint, contentType: ContentTypeId): void {
  if (!bytesEqual(groupId, ctx.groupContext.groupId)) {
    throw framingError("framing/wrong-group", "the message's group_id is not this group's");
  }
  // RFC 9420 §12.1, §12.4.2: "the epoch field ... is equal to the epoch field of the current GroupContext".
  if (epoch !== ctx.groupContext.epoch) {
    throw framingError("framing/wrong-epoch", `the message is for epoch ${epoch}, the group is in epoch ${ctx.groupContext.epoch}`, EPOCH_SECTION[contentType]);
  }
}

/**
 * The wire format and sender type allow this content (RFC 9420 §6, §6.1, §12.1.8).
 * @throws ValidationError `framing/application-not-private`,
 *   `framing/sender-content-mismatch`, `framing/external-proposal-type`
 */
export function checkContentRules(wireFormat: WireFormatId, content: FramedContent, options: ReceiveOptions = {}): void {
  // RFC 9420 §6: "Applications MUST use PrivateMessage to encrypt application messages".
  if (content.contentType === ContentType.application && wireFormat !== WireFormat.mls_private_message) {
    throw framingError("framing/application-not-private", "application data must be sent as a PrivateMessage");
  }
  const sender = content.sender;
  switch (sender.senderType) {
    case SenderType.member:
      return;
    case SenderType.external: {
      // RFC 9420 §6.1: for `external`, "The content_type of the message MUST be proposal".
      if (content.contentType !== ContentType.proposal) {
        throw framingError("framing/sender-content-mismatch", "an external sender may only send proposals");
      }
      // RFC 9420 §12.1.8: other proposal types from external senders "MUST be rejected as malformed".
      const t = proposalTypeOf(content.proposal);
      if (!EXTERNAL_SENDER_PROPOSAL_TYPES.has(t) && !(options.externalProposalTypes ?? []).includes(t)) {
        throw framingError("framing/external-proposal-type", `an external sender may not send a proposal of type ${t}`);
      }
      return;
    }
    case SenderType.new_member_commit:
      // RFC 9420 §6.1: for `new_member_commit`, "The content_type of the message MUST be commit".
      if (content.contentType !== ContentType.commit) {
        throw framingError("framing/sender-content-mismatch", "a new_member_commit sender may only send a commit");
      }
      return;
    case SenderType.new_member_proposal:
      // RFC 9420 §6.1: "The content_type of the message MUST be proposal and the proposal_type ... MUST be add".
      if (content.contentType !== ContentType.proposal || content.proposal.proposalType !== ProposalType.add) {
        throw framingError("framing/sender-content-mismatch", "a new_member_proposal sender may only send an Add proposal");
      }
      return;
  }
}

/**
 * The member leaf exists and is not blank; returns its signature key.
 * `section` is the citing section: §6.1 for PublicMessage, §6.3.2 for PrivateMessage.
 * @throws ValidationError `framing/sender-leaf-out-of-range`, `framing/sender-leaf-blank`
 */
export function memberSignatureKey(members: MemberLookup, leaf: number, section: string): Uint8Array {
  if (!Number.isInteger(leaf) || leaf < 0 || leaf >= members.leafCount) {
    throw framingError("framing/sender-leaf-out-of-range", `sender leaf ${leaf} is not in a tree of ${members.leafCount} leaves`, section);
  }
  // RFC 9420 §6.3.2: "the leaf index ... identifies a non-blank node".
  const key = members.signatureKey(leaf as LeafIndex);
  if (key === undefined) throw framingError("framing/sender-leaf-blank", `sender leaf ${leaf} is blank`, section);
  return key;
}

/**
 * The key that verifies the signature of `content`, by sender type (RFC 9420 §6.1):
 * the member's leaf, the `external_senders` entry, the Add's KeyPackage, or
 * the external commit's path leaf. Call after {@link checkContentRules}.
 * @throws ValidationError `framing/sender-leaf-out-of-range`, `framing/sender-leaf-blank`,
 *   `framing/unknown-external-sender`, `framing/external-commit-without-path`
 */
export function senderSignatureKey(ctx: FramingContext, members: MemberLookup, content: FramedContent): Uint8Array {
  const sender = content.sender;
  switch (sender.senderType) {
    case SenderType.member:
      return memberSignatureKey(members, sender.leafIndex, "6.1");
    case SenderType.external: {
      // RFC 9420 §12.1.8.1: the signature key "at the index indicated by sender_index in the external_senders" extension.
      const entry = ctx.externalSenders[sender.senderIndex];
      if (entry === undefined) {
        throw framingError("framing/unknown-external-sender", `sender_index ${sender.senderIndex} is not in external_senders (${ctx.externalSenders.length} entries)`);
      }
      return entry.signatureKey;
    }
    case SenderType.new_member_proposal:
      if (content.contentType !== ContentType.proposal || content.proposal.proposalType !== ProposalType.add) {
        throw framingError("framing/sender-content-mismatch", "a new_member_proposal sender may only send an Add proposal");
      }
      // RFC 9420 §6.1: "The signature key in the LeafNode in the KeyPackage embedded in an external Add proposal."
      return content.proposal.keyPackage.leafNode.signatureKey;
    case SenderType.new_member_commit: {
      if (content.contentType !== ContentType.commit) {
        throw framingError("framing/sender-content-mismatch", "a new_member_commit sender may only send a commit");
      }
      // RFC 9420 §12.4.3.2: "External Commits MUST contain a path field" and are signed with its leaf node's key.
      const path = content.commit.path;
      if (path === undefined) throw framingError("framing/external-commit-without-path", "an external commit has no path");
      return path.leafNode.signatureKey;
    }
  }
}
