/** `PrivateMessageContent` with its padding (RFC 9420 §6.3.1, §15.1). */
import { Reader, Writer, opaqueSize } from "@mlskit/codec";
import { UsageError, expectDefined } from "@mlskit/core";
import type { ContentTypeId } from "./content-type.js";
import { type FramedContentAuthData, decodeFramedContentAuthData, encodeFramedContentAuthData } from "./framed-content-auth-data.js";
import { type FramedContentBody, decodeContentBody, encodeContentBody } from "./framed-content.js";
import { framingError } from "./framing-errors.js";

/**
 * ```tls
 * struct {
 *     select (PrivateMessage.content_type) {
 *         case application: opaque application_data<V>;
 *         case proposal:    Proposal proposal;
 *         case commit:      Commit commit;
 *     };
 *     FramedContentAuthData auth;
 *     opaque padding[length_of_padding];
 * } PrivateMessageContent;
 * ```
 * The padding is all zeros, so only its length is kept.
 */
export interface PrivateMessageContent {
  readonly content: FramedContentBody;
  readonly auth: FramedContentAuthData;
  readonly paddingLength: number;
}

/**
 * How much zero padding a sender appends to PrivateMessageContent (RFC 9420
 * §15.1: senders "may use padding to reduce the ability of attackers outside
 * the group to infer the size of the encrypted content").
 * - `none`: no padding.
 * - `multiple`: pad the PrivateMessageContent (content, auth and padding) to
 *   the next multiple of `blockSize` bytes.
 * - `custom`: `paddingLength(unpaddedLength)` returns the number of zero bytes.
 */
export type PaddingPolicy =
  { readonly kind: "none" } | { readonly kind: "multiple"; readonly blockSize: number } | { readonly kind: "custom"; readonly paddingLength: (unpaddedLength: number) => number };

/** No padding. */
export const NO_PADDING: PaddingPolicy = Object.freeze({ kind: "none" });

/** Pads PrivateMessageContent to a multiple of `blockSize` bytes. */
export function padToMultipleOf(blockSize: number): PaddingPolicy {
  if (!Number.isSafeInteger(blockSize) || blockSize < 1) {
    throw new UsageError("framing/invalid-padding-policy", `padding block size must be a positive integer, got ${blockSize}`);
  }
  return { kind: "multiple", blockSize };
}

/** The padding length `policy` gives to a PrivateMessageContent of `unpaddedLength` bytes. */
export function paddingLengthFor(policy: PaddingPolicy, unpaddedLength: number): number {
  let n: number;
  switch (policy.kind) {
    case "none":
      return 0;
    case "multiple": {
      const rem = unpaddedLength % policy.blockSize;
      n = rem === 0 ? 0 : policy.blockSize - rem;
      break;
    }
    case "custom":
      n = policy.paddingLength(unpaddedLength);
      break;
  }
  if (!Number.isSafeInteger(n) || n < 0) {
    throw new UsageError("framing/invalid-padding-policy", `the padding policy returned an invalid length ${n}`);
  }
  return n;
}

/**
 * Encodes PrivateMessageContent from an already encoded content `select`
 * (so a sender encodes its content once for both the signature and the
 * ciphertext), the auth data, and `paddingLength` zero bytes.
 */
export function encodePrivateMessageContentFromBody(
  encodedBody: Uint8Array,
  contentType: ContentTypeId,
  auth: FramedContentAuthData,
  padding: PaddingPolicy = NO_PADDING,
): Uint8Array {
  const tag = auth.confirmationTag;
  const unpadded = encodedBody.length + opaqueSize(auth.signature.length) + (tag === undefined ? 0 : opaqueSize(tag.length));
  const paddingLength = paddingLengthFor(padding, unpadded);
  const w = new Writer(unpadded + paddingLength); // exact: no copy in finish
  w.bytes(encodedBody);
  encodeFramedContentAuthData(w, contentType, auth);
  w.zeros(paddingLength);
  return w.finish();
}

/** Encodes a {@link PrivateMessageContent}. */
export function encodePrivateMessageContent(v: PrivateMessageContent): Uint8Array {
  const w = new Writer(256);
  encodeContentBody(w, v.content);
  encodeFramedContentAuthData(w, v.content.contentType, v.auth);
  const out = new Uint8Array(w.length + v.paddingLength);
  out.set(w.finish());
  return out;
}

/** A decoded PrivateMessageContent with where its content `select` ends in the plaintext. */
export interface DecodedPrivateMessageContent extends PrivateMessageContent {
  /** `plaintext.subarray(0, contentEnd)` is the encoded content `select` (reused for FramedContentTBS). */
  readonly contentEnd: number;
}

/**
 * Decodes a PrivateMessageContent of `contentType`: the content, then the
 * auth data; every remaining byte is padding and must be zero (§6.3.1).
 * @throws CodecError if content or auth data are malformed;
 *   ValidationError `framing/malformed-padding` (§6.3.1) for a non-zero padding byte.
 */
export function decodePrivateMessageContent(plaintext: Uint8Array, contentType: ContentTypeId): DecodedPrivateMessageContent {
  const r = new Reader(plaintext);
  const content = r.field("PrivateMessageContent", () => decodeContentBody(r, contentType));
  const contentEnd = r.offset;
  const auth = r.field("PrivateMessageContent.auth", () => decodeFramedContentAuthData(r, contentType));
  const paddingStart = r.offset;
  let nonZero = 0;
  for (let i = paddingStart; i < plaintext.length; i++) nonZero |= expectDefined(plaintext[i], "plaintext[i]");
  // RFC 9420 §6.3.1: "A receiver MUST verify that there are no non-zero bytes in the padding field".
  if (nonZero !== 0) throw framingError("framing/malformed-padding", "the padding of PrivateMessageContent has a non-zero byte");
  return { content, auth, paddingLength: plaintext.length - paddingStart, contentEnd };
}
