/**
 * PrivateMessage protection (RFC 9420 §6.3): content encryption with the
 * sender's handshake or application ratchet and the reuse guard (§6.3.1),
 * and sender data encryption under `sender_data_secret` (§6.3.2).
 */
import { Writer, decode, encode, opaqueSize } from "@mlskit/codec";
import { UsageError, ValidationError, WireFormat, verifyWithLabel, expectDefined } from "@mlskit/core";
import { type RatchetKeyNonce, type SecretTree, deriveSenderDataKeyNonce } from "@mlskit/key-schedule";
import { type AuthenticatedContent, type VerifiedContent, markVerified } from "./authenticated-content.js";
import { type ConfirmationTagSource, FRAMED_CONTENT_TBS_LABEL, assertConfirmationTag, assertSendable, authenticate, encodeTbs } from "./content-authentication.js";
import { ContentType, isContentType, ratchetTypeOf } from "./content-type.js";
import type { FramedContentAuthData } from "./framed-content-auth-data.js";
import { type FramedContent, encodeContentBody } from "./framed-content.js";
import { framingError } from "./framing-errors.js";
import type { FramingContext, MemberLookup } from "./framing-context.js";
import { type PaddingPolicy, decodePrivateMessageContent, encodePrivateMessageContentFromBody } from "./private-message-content.js";
import { type PrivateMessage, type PrivateMessageIn, REUSE_GUARD_LENGTH, encodePrivateMessageAads, senderDataCodec } from "./private-message.js";
import { type ReceiveOptions, checkContentRules, checkGroupAndEpoch, memberSignatureKey } from "./receiver-checks.js";
import { type MemberSender, SenderType, memberSender } from "./sender.js";

/** The epoch secrets that protect PrivateMessages. */
export interface PrivateMessageSecrets {
  /** The epoch's secret tree (RFC 9420 §9); its ratchets advance as messages are sent and received. */
  readonly secretTree: SecretTree;
  /** The epoch's `sender_data_secret` (RFC 9420 §8). Not modified. */
  readonly senderDataSecret: Uint8Array;
}

/** Sender options for PrivateMessages. */
export interface PrivateMessageOptions {
  /** Padding of PrivateMessageContent (§6.3.1, §15.1); default none. */
  readonly padding?: PaddingPolicy;
}

/** Parameters of {@link createPrivateMessage}. */
export interface CreatePrivateMessageParams extends PrivateMessageOptions {
  /** The content; its sender must be a member (§6.3.2). */
  readonly content: FramedContent;
  readonly signaturePrivateKey: Uint8Array;
  /** Required for commits (see {@link ConfirmationTagSource}). */
  readonly confirmationTag?: ConfirmationTagSource;
}

/** `nonce XOR (reuse_guard || 0...)` (§6.3.1), into a copy of the ratchet nonce. */
function guardedNonce(nonce: Uint8Array, reuseGuard: Uint8Array): Uint8Array {
  const out = nonce.slice();
  for (let i = 0; i < REUSE_GUARD_LENGTH; i++) out[i] = expectDefined(out[i], "out[i]") ^ expectDefined(reuseGuard[i], "reuseGuard[i]");
  return out;
}

function memberOf(content: FramedContent): MemberSender {
  // RFC 9420 §6.3.2: "the sender MUST verify Sender.sender_type is member".
  if (content.sender.senderType !== SenderType.member) {
    throw new UsageError("framing/private-non-member", "only members can send PrivateMessages (RFC 9420 §6.3.2)");
  }
  return content.sender;
}

function noop(): void {}

/**
 * Encrypts content whose `select` is already encoded (§6.3.1, §6.3.2).
 * `auth` may still be pending: the ratchet key is derived while it is signed.
 */
async function seal(
  ctx: FramingContext,
  content: FramedContent,
  encodedBody: Uint8Array,
  auth: Promise<FramedContentAuthData>,
  secrets: PrivateMessageSecrets,
  padding: PaddingPolicy | undefined,
): Promise<PrivateMessage> {
  const cs = ctx.cs;
  const sender = memberOf(content);
  const { contentType } = content;
  const { contentAad, senderDataAad } = encodePrivateMessageAads(content);
  // RFC 9420 §6.3.1: "a fresh random four-byte reuse guard value".
  const reuseGuard = cs.randomBytes(REUSE_GUARD_LENGTH);
  const { ciphertext, generation } = await secrets.secretTree.withNextKey(sender.leafIndex, ratchetTypeOf(contentType), async (key) => {
    const plaintext = encodePrivateMessageContentFromBody(encodedBody, contentType, await auth, padding);
    const ciphertext = await cs.aeadSeal(key.key, guardedNonce(key.nonce, reuseGuard), contentAad, plaintext);
    return { ciphertext, generation: key.generation };
  });
  const senderData = encode(senderDataCodec, { leafIndex: sender.leafIndex, generation, reuseGuard });
  // RFC 9420 §6.3.2: key and nonce from sender_data_secret and a sample of the content ciphertext.
  const senderDataKey = await deriveSenderDataKeyNonce(cs, secrets.senderDataSecret, ciphertext);
  let encryptedSenderData: Uint8Array;
  try {
    encryptedSenderData = await cs.aeadSeal(senderDataKey.key, senderDataKey.nonce, senderDataAad, senderData);
  } finally {
    senderDataKey.wipe();
  }
  return {
    groupId: content.groupId,
    epoch: content.epoch,
    contentType,
    authenticatedData: content.authenticatedData,
    encryptedSenderData,
    ciphertext,
  };
}

function encodeBody(content: FramedContent): Uint8Array {
  // Exact for application data (no copy in finish); an estimate for handshakes.
  const w = new Writer(content.contentType === ContentType.application ? opaqueSize(content.applicationData.length) : 512);
  encodeContentBody(w, content);
  return w.finish();
}

/**
 * Signs `content` and encrypts it as a PrivateMessage (RFC 9420 §6.1, §6.3)
 * with the next generation of the sender's handshake or application
 * ratchet. The content is encoded once for both the signature and the
 * ciphertext, and the ratchet key is derived while the signature is made.
 * @throws UsageError for a non-member sender, content of another group or
 *   epoch, or a commit without (or other content with) a confirmation tag.
 */
export async function createPrivateMessage(ctx: FramingContext, params: CreatePrivateMessageParams, secrets: PrivateMessageSecrets): Promise<PrivateMessage> {
  const wireFormat = WireFormat.mls_private_message;
  const { content } = params;
  assertSendable(ctx, wireFormat, content);
  memberOf(content);
  assertConfirmationTag(content, params.confirmationTag);
  const body = encodeBody(content);
  const encoded = encodeTbs(ctx, wireFormat, content, body);
  const auth = authenticate(ctx, encoded, content, params.signaturePrivateKey, params.confirmationTag);
  auth.catch(noop); // awaited inside seal; this only keeps an early failure from being reported as unhandled
  return seal(ctx, content, body, auth, secrets, params.padding);
}

/**
 * Encrypts an already signed AuthenticatedContent as a PrivateMessage (§6.3).
 * @throws UsageError if `ac.wireFormat` is not `mls_private_message` (the
 *   signature covers it), for a non-member sender, or content of another
 *   group or epoch.
 */
export async function protectPrivateMessage(
  ctx: FramingContext,
  ac: AuthenticatedContent,
  secrets: PrivateMessageSecrets,
  options: PrivateMessageOptions = {},
): Promise<PrivateMessage> {
  if (ac.wireFormat !== WireFormat.mls_private_message) {
    throw new UsageError("framing/wrong-wire-format", "the content was signed for another wire format than PrivateMessage");
  }
  assertSendable(ctx, ac.wireFormat, ac.content);
  memberOf(ac.content);
  return seal(ctx, ac.content, encodeBody(ac.content), Promise.resolve(ac.auth), secrets, options.padding);
}

/** What a receiver of PrivateMessages needs besides the {@link FramingContext}. */
export interface PrivateMessageReceiver extends PrivateMessageSecrets, ReceiveOptions {
  /** The epoch's ratchet tree, for the sender's leaf and signature key. */
  readonly members: MemberLookup;
  /**
   * The receiver's own leaf: an application message naming it is one of
   * ours handed back, refused as such before any key is looked up.
   */
  readonly ownLeaf?: number;
}

/** A received PrivateMessage after every check passed. */
export interface UnprotectedPrivateMessage {
  readonly content: VerifiedContent;
  /** The generation of the sender's ratchet that encrypted it. */
  readonly generation: number;
  /**
   * Consumes the generation (RFC 9420 §9.2). Already done unless the
   * receiver asked to `deferConsume`; then call it once the message is
   * accepted (a Commit: when it is merged), and never if it is refused.
   * Synchronous; throws `secret-tree/generation-consumed` when another copy
   * of the message was accepted meanwhile.
   */
  readonly consume: () => void;
}

/**
 * Decrypts and verifies a received PrivateMessage (RFC 9420 §6.3). Checks,
 * in order: `content_type` known (§6); group and epoch; sender data
 * decrypts (§6.3.2) and parses; sender leaf in range and non-blank
 * (§6.3.2); the content decrypts with the key of `generation` and the
 * reuse guard (§6.3.1); content and auth parse and padding is all zeros
 * (§6.3.1); the signature over FramedContentTBS (§6.1).
 *
 * The generation's key is consumed only when every check passes: on any
 * failure it stays available (`SecretTree.withKey`), so a forged or
 * corrupted message cannot burn the genuine message's key.
 * @throws ValidationError with a {@link FramingErrorCode}, or the secret
 *   tree's `secret-tree/generation-*` errors (§9.2, §15.3).
 */
export async function unprotectPrivateMessage(
  ctx: FramingContext,
  message: PrivateMessageIn,
  receiver: PrivateMessageReceiver,
  options: { readonly deferConsume?: boolean } = {},
): Promise<UnprotectedPrivateMessage> {
  const cs = ctx.cs;
  const wireFormat = WireFormat.mls_private_message;
  const contentType = message.contentType;
  if (!isContentType(contentType)) throw framingError("framing/unknown-content-type", `unknown content_type ${contentType}`);
  checkGroupAndEpoch(ctx, message.groupId, message.epoch, contentType);
  const { contentAad, senderDataAad } = encodePrivateMessageAads(message);

  const senderDataKey = await deriveSenderDataKeyNonce(cs, receiver.senderDataSecret, message.ciphertext);
  let senderDataBytes: Uint8Array;
  try {
    senderDataBytes = await cs.aeadOpen(senderDataKey.key, senderDataKey.nonce, senderDataAad, message.encryptedSenderData);
  } catch (e) {
    throw framingError("framing/sender-data-decryption-failed", "encrypted_sender_data does not decrypt", undefined, e);
  } finally {
    senderDataKey.wipe();
  }
  let leafIndex: number;
  let generation: number;
  let reuseGuard: Uint8Array;
  try {
    ({ leafIndex, generation, reuseGuard } = decode(senderDataCodec, senderDataBytes, "SenderData"));
  } catch (e) {
    throw framingError("framing/malformed-sender-data", "the decrypted sender data is not a SenderData", undefined, e);
  }
  // RFC 9420 §6.3.2: "the leaf index indicated in the leaf_index field identifies a non-blank node".
  if (contentType === ContentType.application && leafIndex === receiver.ownLeaf) {
    throw new ValidationError("message/own-message", "6.3.2", "this application message was sent from our own leaf: it is one of ours, handed back");
  }
  const publicKey = memberSignatureKey(receiver.members, leafIndex, "6.3.2");
  const { secretTree } = receiver;
  if (leafIndex >= secretTree.leafCount) {
    throw framingError("framing/sender-leaf-out-of-range", `sender leaf ${leafIndex} is not in the secret tree`, "6.3.2");
  }

  const openAndVerify = async (key: RatchetKeyNonce): Promise<VerifiedContent> => {
    let plaintext: Uint8Array;
    try {
      plaintext = await cs.aeadOpen(key.key, guardedNonce(key.nonce, reuseGuard), contentAad, message.ciphertext);
    } catch (e) {
      throw framingError("framing/content-decryption-failed", "the PrivateMessage ciphertext does not decrypt", undefined, e);
    }
    let decoded: ReturnType<typeof decodePrivateMessageContent>;
    try {
      decoded = decodePrivateMessageContent(plaintext, contentType);
    } catch (e) {
      if (ValidationError.isInstance(e)) throw e;
      throw framingError("framing/malformed-content", "the decrypted PrivateMessageContent is malformed", undefined, e);
    }
    const content: FramedContent = {
      groupId: message.groupId,
      epoch: message.epoch,
      sender: memberSender(leafIndex),
      authenticatedData: message.authenticatedData,
      ...decoded.content,
    };
    checkContentRules(wireFormat, content, receiver);
    const { tbs } = encodeTbs(ctx, wireFormat, content, plaintext.subarray(0, decoded.contentEnd));
    // RFC 9420 §6.3.1: "the application MUST check that the FramedContentAuthData is valid".
    if (!(await verifyWithLabel(cs, publicKey, FRAMED_CONTENT_TBS_LABEL, tbs, decoded.auth.signature))) {
      throw framingError("framing/invalid-signature", "the FramedContentTBS signature does not verify", "6.1");
    }
    return markVerified({ wireFormat, content, auth: decoded.auth });
  };
  const pending = await secretTree.peekKey(leafIndex, ratchetTypeOf(contentType), generation);
  let verified: VerifiedContent;
  try {
    verified = await openAndVerify(pending.key);
  } catch (e) {
    pending.discard();
    throw e;
  }
  pending.key.wipe();
  if (options.deferConsume !== true) pending.consume();
  let consumed = options.deferConsume !== true;
  const consume = () => {
    if (consumed) return;
    pending.consume();
    consumed = true;
  };
  return { content: verified, generation, consume };
}
