/**
 * Content authentication (RFC 9420 §6.1) and the membership tag (§6.2):
 * the signature over FramedContentTBS, the confirmation tag's place in a
 * commit's FramedContentAuthData, and MAC(membership_key, AuthenticatedContentTBM).
 */
import { bytesEqual, constantTimeEqual } from "@mlskit/codec";
import { UsageError, WireFormat, type WireFormatId, signWithLabel, verifyWithLabel, expectDefined } from "@mlskit/core";
import { type AuthenticatedContent, type EncodedTbs, confirmedTranscriptHashInputFromTbs, encodeAuthenticatedContentTbm, rememberTbs } from "./authenticated-content.js";
import { ContentType } from "./content-type.js";
import type { FramedContentAuthData } from "./framed-content-auth-data.js";
import { type FramedContent, encodeFramedContentTbs, tbsIncludesGroupContext } from "./framed-content.js";
import type { FramingContext } from "./framing-context.js";

/** The signature label of FramedContentTBS (§6.1, §17.6). */
export const FRAMED_CONTENT_TBS_LABEL = "FramedContentTBS";

/**
 * Where a commit's confirmation tag comes from (§6.1). The tag is
 * `MAC(confirmation_key, confirmed_transcript_hash)` of the new epoch, and
 * the confirmed transcript hash covers the commit's signature (§8.2), so the
 * tag can only be computed after signing: pass a function, which receives
 * the encoded `ConfirmedTranscriptHashInput` of the signed commit. A fixed
 * value is accepted too (for tests and re-framing).
 */
export type ConfirmationTagSource = Uint8Array | ((confirmedTranscriptHashInput: Uint8Array) => Promise<Uint8Array> | Uint8Array);

/** Parameters of {@link createAuthenticatedContent}. */
export interface SignContentParams {
  readonly wireFormat: WireFormatId;
  readonly content: FramedContent;
  /** The sender's signature private key (§6.1 names which key per sender type). */
  readonly signaturePrivateKey: Uint8Array;
  /** Required for commits, forbidden otherwise. */
  readonly confirmationTag?: ConfirmationTagSource;
}

/** @internal The FramedContentTBS of `content` with the offset where `content` ends in it. */
export type { EncodedTbs } from "./authenticated-content.js";

/** @internal Encodes FramedContentTBS, reusing an already encoded body when given. */
export function encodeTbs(ctx: FramingContext, wireFormat: WireFormatId, content: FramedContent, encodedBody?: Uint8Array): EncodedTbs {
  const tbs = encodeFramedContentTbs(wireFormat, content, ctx.encodedGroupContext, encodedBody);
  const framedContentEnd = tbs.length - (tbsIncludesGroupContext(content.sender) ? ctx.encodedGroupContext.length : 0);
  return { tbs, framedContentEnd };
}

/** @internal Signs an encoded TBS and completes the auth data, computing the confirmation tag if needed. */
export async function authenticate(
  ctx: FramingContext,
  encoded: EncodedTbs,
  content: FramedContent,
  signaturePrivateKey: Uint8Array,
  confirmationTag: ConfirmationTagSource | undefined,
  signing?: Promise<Uint8Array>,
): Promise<FramedContentAuthData> {
  assertConfirmationTag(content, confirmationTag);
  const isCommit = content.contentType === ContentType.commit;
  // RFC 9420 §6.1: signature = SignWithLabel(., "FramedContentTBS", FramedContentTBS).
  const signature = await (signing ?? signWithLabel(ctx.cs, signaturePrivateKey, FRAMED_CONTENT_TBS_LABEL, encoded.tbs));
  if (!isCommit) return { signature };
  const tag =
    typeof confirmationTag === "function"
      ? await confirmationTag(confirmedTranscriptHashInputFromTbs(encoded.tbs, encoded.framedContentEnd, signature))
      : expectDefined(confirmationTag, "confirmationTag");
  return { signature, confirmationTag: tag };
}

/**
 * A commit carries a confirmation tag, other content none (§6.1).
 * @internal
 */
export function assertConfirmationTag(content: FramedContent, confirmationTag: ConfirmationTagSource | undefined): void {
  const isCommit = content.contentType === ContentType.commit;
  if (isCommit && confirmationTag === undefined) {
    throw new UsageError("framing/missing-confirmation-tag", "a commit needs a confirmation tag (RFC 9420 §6.1)");
  }
  if (!isCommit && confirmationTag !== undefined) {
    throw new UsageError("framing/unexpected-confirmation-tag", "only commits carry a confirmation tag (RFC 9420 §6.1)");
  }
}

/**
 * Checks what a sender may frame: the GroupContext's group and epoch, and
 * that application data goes out as PrivateMessage (§6).
 * @internal
 */
export function assertSendable(ctx: FramingContext, wireFormat: WireFormatId, content: FramedContent): void {
  const gc = ctx.groupContext;
  if (content.epoch !== gc.epoch || !bytesEqual(content.groupId, gc.groupId)) {
    throw new UsageError("framing/wrong-group-or-epoch", "the content's group_id and epoch must be the FramingContext's");
  }
  if (content.contentType === ContentType.application && wireFormat !== WireFormat.mls_private_message) {
    throw new UsageError("framing/application-not-private", "application data must be sent as a PrivateMessage (RFC 9420 §6)");
  }
}

/**
 * Signs `content` for `wireFormat` (RFC 9420 §6.1) and returns the
 * AuthenticatedContent, with the confirmation tag of a commit in its auth data.
 * @throws UsageError for a commit without confirmation tag (or another
 *   content type with one), application data not framed as PrivateMessage,
 *   or content of another group or epoch than `ctx`.
 */
export async function createAuthenticatedContent(ctx: FramingContext, params: SignContentParams): Promise<AuthenticatedContent> {
  const { wireFormat, content } = params;
  assertSendable(ctx, wireFormat, content);
  assertConfirmationTag(content, params.confirmationTag);
  const encoded = encodeTbs(ctx, wireFormat, content);
  const auth = await authenticate(ctx, encoded, content, params.signaturePrivateKey, params.confirmationTag);
  const ac: AuthenticatedContent = { wireFormat, content, auth };
  // Framing it (membership tag, MLSMessage) reuses these bytes instead of encoding the content again.
  rememberTbs(ac, encoded, ctx.encodedGroupContext);
  return ac;
}

/** The encoding of `ac`'s FramedContentTBS in the epoch of `ctx` (§6.1). */
export function encodeAuthenticatedContentTbs(ctx: FramingContext, ac: AuthenticatedContent): Uint8Array {
  return encodeFramedContentTbs(ac.wireFormat, ac.content, ctx.encodedGroupContext);
}

/** VerifyWithLabel(publicKey, "FramedContentTBS", FramedContentTBS, signature) (§6.1). */
export function verifyFramedContentSignature(ctx: FramingContext, publicKey: Uint8Array, ac: AuthenticatedContent): Promise<boolean> {
  return verifyWithLabel(ctx.cs, publicKey, FRAMED_CONTENT_TBS_LABEL, encodeAuthenticatedContentTbs(ctx, ac), ac.auth.signature);
}

/** `membership_tag = MAC(membership_key, AuthenticatedContentTBM)` (§6.2), from an encoded TBS. @internal */
export function membershipTagFromTbs(ctx: FramingContext, membershipKey: Uint8Array, tbs: Uint8Array, ac: AuthenticatedContent): Promise<Uint8Array> {
  return ctx.cs.mac(membershipKey, encodeAuthenticatedContentTbm(tbs, ac.content, ac.auth));
}

/** `membership_tag = MAC(membership_key, AuthenticatedContentTBM)` (§6.2). */
export function createMembershipTag(ctx: FramingContext, membershipKey: Uint8Array, ac: AuthenticatedContent): Promise<Uint8Array> {
  return membershipTagFromTbs(ctx, membershipKey, encodeAuthenticatedContentTbs(ctx, ac), ac);
}

/** Recomputes the membership tag and compares it in constant time (§6.2). */
export async function verifyMembershipTag(ctx: FramingContext, membershipKey: Uint8Array, ac: AuthenticatedContent, membershipTag: Uint8Array): Promise<boolean> {
  return constantTimeEqual(await createMembershipTag(ctx, membershipKey, ac), membershipTag);
}
