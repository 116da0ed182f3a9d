/** `PublicMessage` (RFC 9420 §6.2): signed, membership-tagged, not encrypted. */
import { type Codec, type Reader, type Writer, constantTimeEqual, opaque } from "@mlskit/codec";
import { UsageError, WireFormat, verifyWithLabel } from "@mlskit/core";
import { type AuthenticatedContent, type EncodedTbs, type VerifiedContent, markVerified, recalledTbs } from "./authenticated-content.js";
import { type ConfirmationTagSource, FRAMED_CONTENT_TBS_LABEL, assertSendable, authenticate, encodeTbs, membershipTagFromTbs } from "./content-authentication.js";
import { type FramedContentAuthData, decodeFramedContentAuthData, encodeFramedContentAuthData } from "./framed-content-auth-data.js";
import { type FramedContent, framedContentCodec } from "./framed-content.js";
import { framingError } from "./framing-errors.js";
import type { FramingContext, MemberLookup } from "./framing-context.js";
import { type ReceiveOptions, checkContentRules, checkGroupAndEpoch, senderSignatureKey } from "./receiver-checks.js";
import { SenderType } from "./sender.js";

/** The FramedContentTBS each PublicMessage made by {@link protectPublicMessage} was signed over (never modified). */
const framedTbs = new WeakMap<PublicMessage, EncodedTbs>();

/**
 * ```tls
 * struct {
 *     FramedContent content;
 *     FramedContentAuthData auth;
 *     select (PublicMessage.content.sender.sender_type) {
 *         case member:              MAC membership_tag;
 *         case external:
 *         case new_member_commit:
 *         case new_member_proposal: struct{};
 *     };
 * } PublicMessage;
 * ```
 * `membershipTag` is present exactly when the sender is a member.
 */
export interface PublicMessage {
  readonly content: FramedContent;
  readonly auth: FramedContentAuthData;
  readonly membershipTag?: Uint8Array;
}

/**
 * A PublicMessage as decoded from the network: nothing about it has been
 * checked. {@link unprotectPublicMessage} turns it into {@link VerifiedContent}.
 */
export type PublicMessageIn = PublicMessage;

/** Codec for {@link PublicMessage}. */
export const publicMessageCodec: Codec<PublicMessageIn> = {
  encode(w: Writer, m: PublicMessage) {
    // A PublicMessage we framed: its content's bytes are in the FramedContentTBS it was signed over (after version and wire_format).
    const known = framedTbs.get(m);
    if (known !== undefined) w.bytes(known.tbs.subarray(4, known.framedContentEnd));
    else framedContentCodec.encode(w, m.content);
    encodeFramedContentAuthData(w, m.content.contentType, m.auth);
    if (m.content.sender.senderType === SenderType.member) {
      if (m.membershipTag === undefined) {
        throw new UsageError("framing/missing-membership-tag", "a member's PublicMessage needs a membership_tag (RFC 9420 §6.2)");
      }
      w.opaque(m.membershipTag);
    } else if (m.membershipTag !== undefined) {
      throw new UsageError("framing/unexpected-membership-tag", "only a member's PublicMessage has a membership_tag (RFC 9420 §6.2)");
    }
  },
  decode(r: Reader): PublicMessageIn {
    const content = r.field("content", () => framedContentCodec.decode(r));
    const auth = r.field("auth", () => decodeFramedContentAuthData(r, content.contentType));
    if (content.sender.senderType !== SenderType.member) return { content, auth };
    const membershipTag = r.field("membership_tag", () => opaque.decode(r));
    return { content, auth, membershipTag };
  },
};

/**
 * Frames a signed AuthenticatedContent as a PublicMessage, adding the
 * membership tag for a member sender (§6.2).
 * @throws UsageError if `ac.wireFormat` is not `mls_public_message`, if it
 *   carries application data (§6), or a member sender without `membershipKey`.
 */
export async function protectPublicMessage(ctx: FramingContext, ac: AuthenticatedContent, membershipKey?: Uint8Array): Promise<PublicMessage> {
  if (ac.wireFormat !== WireFormat.mls_public_message) {
    throw new UsageError("framing/wrong-wire-format", "the content was signed for another wire format than PublicMessage");
  }
  assertSendable(ctx, ac.wireFormat, ac.content);
  // The TBS createAuthenticatedContent signed in this epoch, when `ac` is its result: the content is not encoded again.
  return finishPublic(ctx, ac, recalledTbs(ac, ctx.encodedGroupContext) ?? encodeTbs(ctx, ac.wireFormat, ac.content), membershipKey);
}

async function finishPublic(ctx: FramingContext, ac: AuthenticatedContent, encoded: EncodedTbs, membershipKey: Uint8Array | undefined): Promise<PublicMessage> {
  let message: PublicMessage;
  if (ac.content.sender.senderType !== SenderType.member) message = { content: ac.content, auth: ac.auth };
  else {
    if (membershipKey === undefined) {
      throw new UsageError("framing/missing-membership-key", "a member's PublicMessage needs the membership_key (RFC 9420 §6.2)");
    }
    const membershipTag = await membershipTagFromTbs(ctx, membershipKey, encoded.tbs, ac);
    message = { content: ac.content, auth: ac.auth, membershipTag };
  }
  framedTbs.set(message, encoded);
  return message;
}

/** Parameters of {@link createPublicMessage}. */
export interface CreatePublicMessageParams {
  readonly content: FramedContent;
  readonly signaturePrivateKey: Uint8Array;
  /** The epoch's `membership_key`; required when the sender is a member. */
  readonly membershipKey?: Uint8Array;
  /** Required for commits (see {@link ConfirmationTagSource}). */
  readonly confirmationTag?: ConfirmationTagSource;
}

/**
 * Signs `content` and frames it as a PublicMessage (§6.1, §6.2), encoding
 * FramedContentTBS once for both the signature and the membership tag.
 * @throws UsageError for application data (§6: it MUST be a PrivateMessage),
 *   a commit without confirmation tag, or a member sender without membership key.
 */
export async function createPublicMessage(ctx: FramingContext, params: CreatePublicMessageParams): Promise<PublicMessage> {
  const wireFormat = WireFormat.mls_public_message;
  const { content } = params;
  assertSendable(ctx, wireFormat, content);
  if (content.sender.senderType === SenderType.member && params.membershipKey === undefined) {
    throw new UsageError("framing/missing-membership-key", "a member's PublicMessage needs the membership_key (RFC 9420 §6.2)");
  }
  const encoded = encodeTbs(ctx, wireFormat, content);
  const auth = await authenticate(ctx, encoded, content, params.signaturePrivateKey, params.confirmationTag);
  return finishPublic(ctx, { wireFormat, content, auth }, encoded, params.membershipKey);
}

/** What a receiver of PublicMessages needs besides the {@link FramingContext}. */
export interface PublicMessageReceiver extends ReceiveOptions {
  /** The epoch's ratchet tree, for member senders' signature keys. */
  readonly members: MemberLookup;
  /** The epoch's `membership_key` (§8), for members' membership tags. */
  readonly membershipKey: Uint8Array;
}

/**
 * Verifies a received PublicMessage (RFC 9420 §6.2) and returns its content
 * as {@link VerifiedContent}. Checks, in order: group and epoch; that the
 * wire format and sender allow the content (§6, §6.1, §12.1.8); the sender's
 * key (member leaf in range and non-blank, external sender index, Add or
 * external-commit leaf); the membership tag of a member (§6.2); the signature
 * over FramedContentTBS (§6.1). Nothing is modified on failure.
 *
 * The confirmation tag of a commit is not checked here: it needs the next
 * epoch's confirmation key, which the state machine derives.
 * @throws ValidationError with a {@link FramingErrorCode}.
 */
export async function unprotectPublicMessage(ctx: FramingContext, message: PublicMessageIn, receiver: PublicMessageReceiver): Promise<VerifiedContent> {
  const wireFormat = WireFormat.mls_public_message;
  const { content, auth } = message;
  checkGroupAndEpoch(ctx, content.groupId, content.epoch, content.contentType);
  checkContentRules(wireFormat, content, receiver);
  const publicKey = senderSignatureKey(ctx, receiver.members, content);
  const ac: AuthenticatedContent = { wireFormat, content, auth };
  const encoded = encodeTbs(ctx, wireFormat, content);
  const { tbs } = encoded;
  if (content.sender.senderType === SenderType.member) {
    // RFC 9420 §6.2: "the application MUST check membership_tag".
    const expected = await membershipTagFromTbs(ctx, receiver.membershipKey, tbs, ac);
    if (message.membershipTag === undefined || !constantTimeEqual(expected, message.membershipTag)) {
      throw framingError("framing/invalid-membership-tag", "the membership tag does not verify");
    }
  }
  // RFC 9420 §6.1: "Recipients of an MLSMessage MUST verify the signature with the key depending on the sender_type".
  if (!(await verifyWithLabel(ctx.cs, publicKey, FRAMED_CONTENT_TBS_LABEL, tbs, auth.signature))) {
    throw framingError("framing/invalid-signature", "the FramedContentTBS signature does not verify", "6.1");
  }
  return markVerified(ac, encoded, ctx.encodedGroupContext);
}
