/**
 * One MLSMessage handed to an observer (RFC 9750 §5: the Delivery Service
 * validates handshake messages as an observer): a PublicMessage Commit is
 * followed into the next epoch, a PublicMessage proposal verified and kept
 * for Commits that reference it, a PrivateMessage only read for the fields
 * it carries in the clear (§6.3).
 */
import { makeProposalRef } from "@mlskit/core";
import { WireFormat } from "@mlskit/core";
import { bytesEqual } from "@mlskit/codec";
import { type VerifiedContent, encodeAuthenticatedContent } from "../framing/authenticated-content.js";
import { ContentType } from "../framing/content-type.js";
import { fail } from "../error-codes.js";
import { assertReceivedAuthorized } from "../policy/group-policy.js";
import { refKey } from "../state/group-state.js";
import { checkMessageSize } from "../policy/input-limits.js";
import { decodeMlsMessage } from "../framing/mls-message.js";
import type { Proposal } from "../proposals/proposal.js";
import type { Sender } from "../framing/sender.js";
import { type ObservedCommit, observeCommit } from "./observe-commit.js";
import { verifyPublicMessageAsObserver } from "./observer-authentication.js";
import type { PublicGroupView } from "./public-group-view.js";

/** A PublicMessage proposal, verified and kept in the view by its ProposalRef (§5.2, §12.1). */
export interface ObservedProposal {
  readonly kind: "proposal";
  /** The same epoch, with the proposal kept for Commits that reference it. */
  readonly view: PublicGroupView;
  readonly proposal: Proposal;
  readonly sender: Sender;
  readonly ref: Uint8Array;
}

/**
 * A PrivateMessage: nothing an observer can verify (its content and sender
 * are encrypted, §6.3). A Commit sent this way moves the group to an epoch
 * the observer cannot follow: groups an observer follows send their
 * handshake messages as PublicMessage (`handshakeWireFormat: "public"`).
 */
export interface ObservedPrivateMessage {
  readonly kind: "private";
  /** The view, unchanged. */
  readonly view: PublicGroupView;
  /** The PrivateMessage's epoch (in the clear, not authenticated to the observer). */
  readonly epoch: bigint;
  /** The PrivateMessage's content_type (a ContentType in the clear, not authenticated to the observer: any uint8 until decrypted). */
  readonly contentType: number;
}

/** What {@link observeMessage} found. */
export type ObservedMessage = ObservedCommit | ObservedProposal | ObservedPrivateMessage;

/**
 * Observes one MLSMessage of the group (RFC 9420 §6, §12; RFC 9750 §5).
 *
 * PublicMessage: group and epoch, the sender type for the content (§6.1,
 * §12.1.8), the sender's key (a non-blank member leaf, an external sender,
 * a new member's Add or external Commit), the FramedContentTBS signature
 * (§6.1). A proposal is then authorized by the policy and kept by
 * ProposalRef; a Commit is followed into the next epoch
 * (`observeCommit`). Never checked, for want of secrets: the
 * `membership_tag` (§6.2) and a Commit's `confirmation_tag` (§6.1).
 *
 * PrivateMessage: its group id must be this group's; the result reports its
 * epoch and content type and leaves the view unchanged.
 * @throws ValidationError (`limits/message-too-large`,
 *   `message/not-a-group-message`, `message/wrong-group`, framing codes,
 *   proposal and commit codes); `view` is never modified.
 */
export async function observeMessage(view: PublicGroupView, bytes: Uint8Array): Promise<ObservedMessage> {
  // §16.11: the policy's size cap, before the message is decoded.
  checkMessageSize(view.policy, "message", bytes.length);
  const m = decodeMlsMessage(bytes);
  if (m.wireFormat === WireFormat.mls_private_message) {
    const pm = m.privateMessage;
    // §6: a message is bound to its group.
    if (!bytesEqual(pm.groupId, view.groupContext.groupId)) fail("message/wrong-group", "6", "the message belongs to another group");
    return { kind: "private", view, epoch: pm.epoch, contentType: pm.contentType };
  }
  if (m.wireFormat !== WireFormat.mls_public_message) {
    fail("message/not-a-group-message", "6", `a message of wire format ${m.wireFormat} is not a group message: only PublicMessage and PrivateMessage belong to a group`);
  }
  const content = await verifyPublicMessageAsObserver(view, m.publicMessage);
  const fc = content.content;
  if (fc.contentType === ContentType.commit) return observeCommit(view, content);
  // PublicMessage application data was refused by the content rules (§6); what is left is a proposal.
  return observeProposal(view, content);
}

/** Keeps a verified proposal in the view by its ProposalRef (§5.2), once the policy authorizes it (§12.1.8). */
async function observeProposal(view: PublicGroupView, content: VerifiedContent): Promise<ObservedProposal> {
  const fc = content.content;
  if (fc.contentType !== ContentType.proposal) fail("framing/application-not-private", "6", "application data must be sent as a PrivateMessage");
  await assertReceivedAuthorized(view.policy, fc.proposal, view.groupContext, fc.sender);
  // §5.2: ProposalRef = RefHash("MLS 1.0 Proposal Reference", AuthenticatedContent).
  const ref = await makeProposalRef(view.cs, encodeAuthenticatedContent(content));
  const proposals = new Map(view.proposals);
  proposals.set(refKey(ref), { ref, proposal: fc.proposal, sender: fc.sender });
  // Same epoch: the GroupContext and its framing context stay.
  const next: PublicGroupView = Object.freeze({ ...view, proposals });
  return { kind: "proposal", view: next, proposal: fc.proposal, sender: fc.sender, ref };
}
