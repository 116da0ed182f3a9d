/**
 * SelfRemove (draft-ietf-mls-extensions, "SelfRemove Proposal"): a member
 * proposes its own removal with one proposal that any other member, or an
 * external committer, commits by reference. Not part of RFC 9420; a group
 * uses it only when it opts in (the type in `required_capabilities`, so
 * every member supports it).
 *
 * ```tls
 * struct {} SelfRemove;   // proposal_type self_remove, no body
 * ```
 *
 * The draft's rules, enforced in proposal-list validation
 * (proposal-list-partition.ts) and on receipt (receive/message-process.ts):
 * - every member of the group supports the type (a "self-remove-capable group");
 * - the sender is a member (SelfRemove is not an external proposal type);
 * - it is committed by reference only, and is sent as a PublicMessage;
 * - it removes the sender's leaf, like a Remove (§12.1.3), and the §12.2
 *   rules apply as to a Remove: a Commit that also updates or removes that
 *   leaf is invalid (a Remove of the same leaf is the one left out), as is
 *   one that removes the committer; the Commit needs a path.
 *
 * Wire form: mlskit carries it as a {@link CustomProposal} of type
 * {@link SELF_REMOVE_PROPOSAL_TYPE} with an empty body, and the proposal codec
 * writes no body for this type (not the `opaque<V>` of other non-RFC types),
 * as the draft, OpenMLS and mls-rs do.
 */
import type { Extension, ExtensionTypeId, ProposalTypeId } from "@mlskit/core";
import { ExtensionType } from "@mlskit/core";
import type { Capabilities, RatchetTree } from "@mlskit/ratchet-tree";
import { decodeExtension, makeExtension, requiredCapabilitiesCodec, type RequiredCapabilities } from "./extensions.js";
import type { CustomProposal, Proposal } from "../proposals/proposal.js";

/**
 * `self_remove` proposal type, 0x000A: the value of draft-ietf-mls-extensions
 * (-08 onwards, IANA "suggested") and of OpenMLS's and mls-rs's SelfRemove.
 * Earlier drafts suggested other values (0x0008, 0x0009, 0x000C).
 */
export const SELF_REMOVE_PROPOSAL_TYPE = 0x000a as ProposalTypeId;

/** The SelfRemove proposal (empty body). */
export function selfRemoveProposal(): CustomProposal {
  return { proposalType: "custom", customProposalType: SELF_REMOVE_PROPOSAL_TYPE, body: new Uint8Array(0) };
}

/** Whether `p` is a SelfRemove. */
export function isSelfRemove(p: Proposal): boolean {
  return p.proposalType === "custom" && p.customProposalType === SELF_REMOVE_PROPOSAL_TYPE;
}

/** Whether the capabilities list SelfRemove. */
export function supportsSelfRemove(capabilities: Capabilities): boolean {
  return capabilities.proposals.includes(SELF_REMOVE_PROPOSAL_TYPE);
}

/**
 * Whether the group is self-remove-capable: every member's leaf lists the
 * SelfRemove proposal type (the draft's condition). A group that opted in
 * has it in `required_capabilities`, so this holds for every member it admits.
 */
export function groupSupportsSelfRemove(tree: Pick<RatchetTree, "leaves" | "leafNode">): boolean {
  for (const l of tree.leaves()) {
    const leaf = tree.leafNode(l);
    if (leaf !== undefined && !supportsSelfRemove(leaf.capabilities)) return false;
  }
  return true;
}

/** Whether the GroupContext extensions require SelfRemove (the opt-in). */
export function requiresSelfRemove(extensions: readonly Extension[]): boolean {
  const rc = decodeExtension(extensions, ExtensionType.required_capabilities as ExtensionTypeId, requiredCapabilitiesCodec);
  return rc?.proposalTypes.includes(SELF_REMOVE_PROPOSAL_TYPE) === true;
}

/**
 * The GroupContext extensions with SelfRemove added to `required_capabilities`
 * (creating the extension when absent, keeping its other entries): the opt-in
 * at group creation. The creator's leaf must list the type in its capabilities.
 */
export function withSelfRemoveRequired(extensions: readonly Extension[]): Extension[] {
  const type = ExtensionType.required_capabilities as ExtensionTypeId;
  const rc: RequiredCapabilities = decodeExtension(extensions, type, requiredCapabilitiesCodec) ?? { extensionTypes: [], proposalTypes: [], credentialTypes: [] };
  if (rc.proposalTypes.includes(SELF_REMOVE_PROPOSAL_TYPE)) return [...extensions];
  const next = makeExtension(type, requiredCapabilitiesCodec, { ...rc, proposalTypes: [...rc.proposalTypes, SELF_REMOVE_PROPOSAL_TYPE] });
  const i = extensions.findIndex((e) => e.extensionType === type);
  return i < 0 ? [...extensions, next] : extensions.map((e, k) => (k === i ? next : e));
}
