/**
 * Proposals from outside the group (RFC 9420 §12.1.8): by an `external`
 * sender listed in the group's `external_senders` extension (§12.1.8.1),
 * or by a would-be member proposing its own Add (`new_member_proposal`).
 * Both are PublicMessages without membership tag, signed without the
 * GroupContext in FramedContentTBS (§6.1). Members receive them through
 * `processMessage` and commit them by reference.
 */
import { type CipherSuiteProvider, ProposalType, ProtocolVersion, UsageError, WireFormat, makeProposalRef } from "@mlskit/core";
import { ContentType } from "../framing/content-type.js";
import { encodeAuthenticatedContent } from "../framing/authenticated-content.js";
import type { FramedContent } from "../framing/framed-content.js";
import type { FramingContext } from "../framing/framing-context.js";
import type { KeyPackage } from "../key-packages/key-package.js";
import { encodeMlsMessage, publicMessageToMls } from "../framing/mls-message.js";
import { type ProposalInput, proposalFromInput } from "./proposal-create.js";
import type { Proposal, ProposalRef } from "./proposal.js";
import { createPublicMessage } from "../framing/public-message.js";
import { EXTERNAL_SENDER_PROPOSAL_TYPES } from "../framing/receiver-checks.js";
import { proposalTypeOf } from "./proposal.js";
import { type Sender, SenderType } from "../framing/sender.js";

/** Where an external proposal goes: the group and epoch it is for. */
export interface ExternalProposalTarget {
  /** The provider of the group's cipher suite. */
  readonly cs: CipherSuiteProvider;
  readonly groupId: Uint8Array;
  readonly epoch: bigint;
  readonly authenticatedData?: Uint8Array;
}

/** An external proposal ready to send. */
export interface CreatedExternalProposal {
  readonly proposal: Proposal;
  /** The PublicMessage as MLSMessage bytes. */
  readonly message: Uint8Array;
  /** Its ProposalRef (§5.2), as members will compute it. */
  readonly ref: ProposalRef;
}

/** What an `external` sender may propose (§12.1.8): every input but `update`. */
export type ExternalProposalInput = Exclude<ProposalInput, { readonly update: unknown }>;

/**
 * A framing context for senders outside the group: their FramedContentTBS
 * carries no GroupContext (§6.1), so only the group id and epoch matter.
 */
function outsiderFraming(t: ExternalProposalTarget): FramingContext {
  const groupContext = {
    version: ProtocolVersion.mls10,
    cipherSuite: t.cs.suite.id,
    groupId: t.groupId,
    epoch: t.epoch,
    treeHash: new Uint8Array(0),
    confirmedTranscriptHash: new Uint8Array(0),
    extensions: [],
  };
  return { cs: t.cs, groupContext, encodedGroupContext: new Uint8Array(0), externalSenders: [] };
}

async function frame(t: ExternalProposalTarget, sender: Sender, proposal: Proposal, signaturePrivateKey: Uint8Array): Promise<CreatedExternalProposal> {
  const content: FramedContent = {
    groupId: t.groupId,
    epoch: t.epoch,
    sender,
    authenticatedData: t.authenticatedData ?? new Uint8Array(0),
    contentType: ContentType.proposal,
    proposal,
  };
  // §12.1.8: "An external proposal MUST be sent as a PublicMessage object" (no membership tag: the sender has no membership key).
  const pm = await createPublicMessage(outsiderFraming(t), { content, signaturePrivateKey });
  const ref = await makeProposalRef(t.cs, encodeAuthenticatedContent({ wireFormat: WireFormat.mls_public_message, content: pm.content, auth: pm.auth }));
  return { proposal, message: encodeMlsMessage(publicMessageToMls(pm)), ref };
}

/**
 * Creates a proposal of an `external` sender (§12.1.8.1): `senderIndex` is
 * its index in the group's `external_senders` extension, and
 * `signaturePrivateKey` the key of that entry's `signature_key`.
 * @param allowedCustomTypes custom proposal types the group accepts from external senders.
 * @throws UsageError for a proposal type an external sender may not send (§12.1.8: Update, ExternalInit).
 */
export async function createExternalProposal(
  target: ExternalProposalTarget & { readonly senderIndex: number; readonly signaturePrivateKey: Uint8Array },
  input: ExternalProposalInput,
  allowedCustomTypes: readonly number[] = [],
): Promise<CreatedExternalProposal> {
  const proposal = proposalFromInput(target.cs, target.groupId, input);
  if (proposal === undefined) throw new UsageError("usage/external-proposal-type", "an external sender cannot send an Update (RFC 9420 §12.1.8)");
  const t = proposalTypeOf(proposal);
  // §12.1.8: only add, remove, psk, reinit and group_context_extensions (and new types that allow it).
  if (!EXTERNAL_SENDER_PROPOSAL_TYPES.has(t) && !(proposal.proposalType === "custom" && allowedCustomTypes.includes(t))) {
    throw new UsageError("usage/external-proposal-type", `an external sender may not send a proposal of type ${t} (RFC 9420 §12.1.8)`);
  }
  return frame(target, { senderType: SenderType.external, senderIndex: target.senderIndex }, proposal, target.signaturePrivateKey);
}

/**
 * Creates a `new_member_proposal` (§12.1.8): a client outside the group
 * proposes adding itself with `keyPackage`, signed with the private key of
 * its KeyPackage leaf's `signature_key` (§6.1).
 */
export function createNewMemberProposal(
  target: ExternalProposalTarget & { readonly keyPackage: KeyPackage; readonly signaturePrivateKey: Uint8Array },
): Promise<CreatedExternalProposal> {
  if (target.keyPackage.cipherSuite !== target.cs.suite.id) {
    throw new UsageError("usage/cipher-suite-mismatch", "the KeyPackage is for another cipher suite than the provider");
  }
  const proposal: Proposal = { proposalType: ProposalType.add, keyPackage: target.keyPackage };
  return frame(target, { senderType: SenderType.new_member_proposal }, proposal, target.signaturePrivateKey);
}
