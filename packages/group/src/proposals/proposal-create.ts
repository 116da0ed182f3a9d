/**
 * Creating proposals (RFC 9420 §12.1) and framing this member's handshake
 * messages as PublicMessage or PrivateMessage per the group's policy.
 */
import { encode } from "@mlskit/codec";
import { type CipherSuiteProvider, type Extension, ProposalType, UsageError, WireFormat, makeProposalRef, expectDefined } from "@mlskit/core";
import { PSKType, type PreSharedKeyID, ResumptionPSKUsage } from "@mlskit/key-schedule";
import { type LeafIndex, LeafNodeSource, type LeafNode, signLeafNode } from "@mlskit/ratchet-tree";
import { toHex } from "@mlskit/codec";
import { encodeAuthenticatedContent } from "../framing/authenticated-content.js";
import type { ConfirmationTagSource } from "../framing/content-authentication.js";
import { ContentType } from "../framing/content-type.js";
import type { FramedContent, FramedContentBody } from "../framing/framed-content.js";
import { type GroupState, refKey } from "../state/group-state.js";
import type { ValidatedKeyPackage } from "../key-packages/key-package-validation.js";
import { encodeMlsMessage, privateMessageToMls, publicMessageToMls } from "../framing/mls-message.js";
import { protectPrivateMessage } from "../framing/private-message-protection.js";
import { createAuthenticatedContent } from "../framing/content-authentication.js";
import type { Proposal, ProposalRef } from "./proposal.js";
import { protectPublicMessage } from "../framing/public-message.js";
import { memberSender } from "../framing/sender.js";
import { usage } from "../error-codes.js";
import { groupSupportsSelfRemove, isSelfRemove, selfRemoveProposal } from "../extensions/self-remove.js";

/** A framed handshake message of this member. */
export interface FramedHandshake {
  /** MLSMessage bytes. */
  readonly message: Uint8Array;
  /** The AuthenticatedContent's encoding (its ProposalRef input, §5.2). */
  readonly authenticatedContent: Uint8Array;
  readonly signature: Uint8Array;
  readonly wireFormat: number;
  readonly confirmationTag: Uint8Array | undefined;
}

/**
 * Signs and frames `body` from this member in the current epoch: a
 * PublicMessage with membership tag, or a PrivateMessage with the next key
 * of our handshake ratchet (§6.2, §6.3), per `policy.handshakeWireFormat`.
 */
export async function frameHandshake(
  state: GroupState,
  body: FramedContentBody,
  options: { readonly authenticatedData?: Uint8Array; readonly confirmationTag?: ConfirmationTagSource } = {},
): Promise<FramedHandshake> {
  const gc = state.groupContext;
  const content = {
    groupId: gc.groupId,
    epoch: gc.epoch,
    sender: memberSender(state.ownLeaf),
    authenticatedData: options.authenticatedData ?? new Uint8Array(0),
    ...body,
  } as FramedContent;
  const wireFormat = state.policy.handshakeWireFormat === "public" ? WireFormat.mls_public_message : WireFormat.mls_private_message;
  const ac = await createAuthenticatedContent(state.framing, {
    wireFormat,
    content,
    signaturePrivateKey: state.signaturePrivateKey,
    ...(options.confirmationTag !== undefined ? { confirmationTag: options.confirmationTag } : {}),
  });
  const message =
    wireFormat === WireFormat.mls_public_message
      ? encodeMlsMessage(publicMessageToMls(await protectPublicMessage(state.framing, ac, state.keys.membershipKey)))
      : encodeMlsMessage(
          privateMessageToMls(
            await protectPrivateMessage(state.framing, ac, { secretTree: state.secretTree, senderDataSecret: state.keys.senderDataSecret }, { padding: state.policy.padding }),
          ),
        );
  return { message, authenticatedContent: encodeAuthenticatedContent(ac), signature: ac.auth.signature, wireFormat, confirmationTag: ac.auth.confirmationTag };
}

/** What {@link createProposal} proposes. */
export type ProposalInput =
  | { readonly add: ValidatedKeyPackage }
  /** A fresh leaf: new encryption key, optionally new credential/signature key/extensions (§12.1.2). */
  | {
      readonly update: {
        readonly encryptionKeyPair?: { publicKey: Uint8Array; privateKey: Uint8Array };
        readonly leafNode?: Partial<Pick<LeafNode, "credential" | "capabilities" | "extensions" | "signatureKey">>;
      };
    }
  | { readonly remove: LeafIndex }
  | { readonly externalPsk: { readonly pskId: Uint8Array } }
  | { readonly resumptionPsk: { readonly epoch: bigint; readonly groupId?: Uint8Array; readonly usage?: 1 | 2 | 3 } }
  | { readonly reinit: { readonly groupId: Uint8Array; readonly version?: number; readonly cipherSuite: number; readonly extensions?: readonly Extension[] } }
  | { readonly groupContextExtensions: readonly Extension[] }
  | { readonly custom: { readonly proposalType: number; readonly body: Uint8Array } }
  /** draft-ietf-mls-extensions SelfRemove: this member's own removal, committed by another member (extensions/self-remove.ts). */
  | { readonly selfRemove: true }
  | { readonly proposal: Proposal };

/** A proposal ready to send (or to commit by value). */
export interface CreatedProposal {
  readonly proposal: Proposal;
  /** The proposal as a message (MLSMessage bytes). */
  readonly message: Uint8Array;
  /** The state with the proposal cached by reference (and our Update's private key kept). */
  readonly state: GroupState;
  readonly ref: ProposalRef;
}

/**
 * The Proposal of an input that needs no group state beyond the suite and
 * group id (every input but `update`, which returns undefined). PSK nonces
 * are fresh random values of KDF.Nh bytes (§8.4, §12.1.4).
 */
export function proposalFromInput(cs: CipherSuiteProvider, groupId: Uint8Array, input: ProposalInput): Proposal | undefined {
  if ("add" in input) return { proposalType: ProposalType.add, keyPackage: input.add };
  if ("remove" in input) return { proposalType: ProposalType.remove, removed: input.remove };
  if ("externalPsk" in input) {
    const psk: PreSharedKeyID = { psktype: PSKType.external, pskId: input.externalPsk.pskId, pskNonce: cs.randomBytes(cs.hashLength) };
    return { proposalType: ProposalType.psk, psk };
  }
  if ("resumptionPsk" in input) {
    const r = input.resumptionPsk;
    const psk: PreSharedKeyID = {
      psktype: PSKType.resumption,
      usage: r.usage ?? ResumptionPSKUsage.application,
      pskGroupId: r.groupId ?? groupId,
      pskEpoch: r.epoch,
      pskNonce: cs.randomBytes(cs.hashLength),
    };
    return { proposalType: ProposalType.psk, psk };
  }
  if ("reinit" in input) {
    const r = input.reinit;
    return { proposalType: ProposalType.reinit, groupId: r.groupId, version: r.version ?? 1, cipherSuite: r.cipherSuite, extensions: r.extensions ?? [] };
  }
  if ("groupContextExtensions" in input) return { proposalType: ProposalType.group_context_extensions, extensions: input.groupContextExtensions };
  if ("selfRemove" in input) return selfRemoveProposal();
  if ("custom" in input) return { proposalType: "custom", customProposalType: input.custom.proposalType, body: input.custom.body };
  if ("proposal" in input) return input.proposal;
  return undefined;
}

/** Builds a Proposal struct from an input (§12.1.x). Update leaves are signed here; the key pair is returned. */
export async function buildProposal(state: GroupState, input: ProposalInput): Promise<{ proposal: Proposal; updateKey?: { publicKey: Uint8Array; privateKey: Uint8Array } }> {
  const cs = state.cs;
  const simple = proposalFromInput(cs, state.groupContext.groupId, input);
  if (simple !== undefined) return { proposal: simple };
  if (!("update" in input)) throw new UsageError("usage/unknown-proposal-input", "unknown proposal input");
  const current = expectDefined(state.tree.leafNode(state.ownLeaf), "state.tree.leafNode(state.ownLeaf)");
  const kp = input.update.encryptionKeyPair ?? (await cs.hpkeGenerateKeyPair());
  const o = input.update.leafNode ?? {};
  const leafNode = await signLeafNode(
    cs,
    state.signaturePrivateKey,
    {
      encryptionKey: kp.publicKey,
      signatureKey: o.signatureKey ?? current.signatureKey,
      credential: o.credential ?? current.credential,
      capabilities: o.capabilities ?? current.capabilities,
      leafNodeSource: LeafNodeSource.update,
      extensions: o.extensions ?? current.extensions,
    },
    { groupId: state.groupContext.groupId, leafIndex: state.ownLeaf },
  );
  return { proposal: { proposalType: ProposalType.update, leafNode }, updateKey: kp };
}

/**
 * Creates a proposal from this member (§12.1) and frames it per policy.
 * The proposal is cached by reference in the returned state, so a later
 * Commit of ours can include it; an Update's new private key is kept until a
 * Commit applies it (§12.1.2).
 */
export async function createProposal(state: GroupState, input: ProposalInput, options: { readonly authenticatedData?: Uint8Array } = {}): Promise<CreatedProposal> {
  if (state.reinit !== undefined) throw new UsageError("usage/group-reinitialized", "the group was reinitialized (RFC 9420 §11.2)");
  const { proposal, updateKey } = await buildProposal(state, input);
  let framing = state;
  if (isSelfRemove(proposal)) {
    // draft-ietf-mls-extensions: only in a self-remove-capable group, and always a PublicMessage (external committers read it).
    if (!groupSupportsSelfRemove(state.tree)) usage("usage/self-remove-unsupported", "SelfRemove: not every member of this group supports it (the group did not opt in)");
    framing = { ...state, policy: { ...state.policy, handshakeWireFormat: "public" } };
  }
  const framed = await frameHandshake(framing, { contentType: ContentType.proposal, proposal }, options);
  // §5.2: ProposalRef = RefHash("MLS 1.0 Proposal Reference", AuthenticatedContent).
  const ref = await makeProposalRef(state.cs, framed.authenticatedContent);
  const proposals = new Map(state.proposals);
  proposals.set(refKey(ref), { ref, proposal, sender: memberSender(state.ownLeaf), message: framed.message });
  const ownUpdates = new Map(state.ownUpdates);
  if (updateKey !== undefined) ownUpdates.set(toHex(updateKey.publicKey), updateKey.privateKey);
  const next: GroupState = { ...state, proposals, ownUpdates };
  void encode;
  return { proposal, message: framed.message, state: next, ref };
}
