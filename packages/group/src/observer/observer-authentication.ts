/**
 * What an observer can authenticate of a PublicMessage (RFC 9420 §6.1, §6.2):
 * the receiver checks of framing — group and epoch, the sender type allowed
 * for the content, the sender's key — and the signature over
 * FramedContentTBS. The same functions members call, without the one step
 * that needs a secret: a member sender's `membership_tag` is MAC(membership_key,
 * AuthenticatedContentTBM) (§6.2), and an observer has no membership_key.
 */
import { WireFormat } from "@mlskit/core";
import { type AuthenticatedContent, type VerifiedContent, markVerified } from "../framing/authenticated-content.js";
import { verifyFramedContentSignature } from "../framing/content-authentication.js";
import { framingError } from "../framing/framing-errors.js";
import { externalProposalTypesOf } from "../receive/message-process.js";
import type { PublicMessageIn } from "../framing/public-message.js";
import { checkContentRules, checkGroupAndEpoch, senderSignatureKey } from "../framing/receiver-checks.js";
import type { PublicGroupView } from "./public-group-view.js";

/**
 * Verifies a PublicMessage as an observer: group and epoch (§6, §12.1,
 * §12.4.2), wire format and sender type for the content (§6, §6.1,
 * §12.1.8), the sender's signature key (a non-blank member leaf, an
 * `external_senders` entry, the Add's KeyPackage, or an external Commit's
 * path leaf), and the signature (§6.1). The `membership_tag` is NOT checked
 * (it needs membership_key).
 * @throws ValidationError with a framing code (`framing/wrong-epoch`,
 *   `framing/sender-leaf-blank`, `framing/invalid-signature`, ...).
 */
export async function verifyPublicMessageAsObserver(view: PublicGroupView, message: PublicMessageIn): Promise<VerifiedContent> {
  const wireFormat = WireFormat.mls_public_message;
  const { content, auth } = message;
  const ctx = view.framing;
  checkGroupAndEpoch(ctx, content.groupId, content.epoch, content.contentType);
  checkContentRules(wireFormat, content, { externalProposalTypes: externalProposalTypesOf(view) });
  const publicKey = senderSignatureKey(ctx, view.tree, content);
  const ac: AuthenticatedContent = { wireFormat, content, auth };
  // RFC 9420 §6.1: "Recipients of an MLSMessage MUST verify the signature with the key depending on the sender_type".
  if (!(await verifyFramedContentSignature(ctx, publicKey, ac))) {
    throw framingError("framing/invalid-signature", "the FramedContentTBS signature does not verify", "6.1");
  }
  return markVerified(ac);
}
