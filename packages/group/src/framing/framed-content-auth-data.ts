/** `FramedContentAuthData` (RFC 9420 §6.1). */
import { type Codec, type Reader, type Writer, opaque } from "@mlskit/codec";
import { UsageError } from "@mlskit/core";
import { ContentType, type ContentTypeId } from "./content-type.js";

/**
 * ```tls
 * struct {
 *     // SignWithLabel(., "FramedContentTBS", FramedContentTBS)
 *     opaque signature<V>;
 *     select (FramedContent.content_type) {
 *         case commit:
 *             // MAC(confirmation_key, GroupContext.confirmed_transcript_hash)
 *             MAC confirmation_tag;
 *         case application:
 *         case proposal:
 *             struct{};
 *     };
 * } FramedContentAuthData;
 * ```
 * `confirmationTag` is present exactly when the content is a commit.
 */
export interface FramedContentAuthData {
  readonly signature: Uint8Array;
  readonly confirmationTag?: Uint8Array;
}

/** Writes a FramedContentAuthData for content of `contentType`. */
export function encodeFramedContentAuthData(w: Writer, contentType: ContentTypeId, auth: FramedContentAuthData): void {
  w.opaque(auth.signature);
  if (contentType === ContentType.commit) {
    // RFC 9420 §6.1: the auth data of a commit carries its confirmation tag.
    if (auth.confirmationTag === undefined) {
      throw new UsageError("framing/missing-confirmation-tag", "a commit's FramedContentAuthData needs a confirmation_tag");
    }
    w.opaque(auth.confirmationTag);
  } else if (auth.confirmationTag !== undefined) {
    throw new UsageError("framing/unexpected-confirmation-tag", "only a commit's FramedContentAuthData has a confirmation_tag");
  }
}

/** Reads a FramedContentAuthData for content of `contentType`. */
export function decodeFramedContentAuthData(r: Reader, contentType: ContentTypeId): FramedContentAuthData {
  const signature = r.field("signature", () => opaque.decode(r));
  if (contentType !== ContentType.commit) return { signature };
  const confirmationTag = r.field("confirmation_tag", () => opaque.decode(r));
  return { signature, confirmationTag };
}

/** A codec for the FramedContentAuthData of content of `contentType`. */
export function framedContentAuthDataCodec(contentType: ContentTypeId): Codec<FramedContentAuthData> {
  return {
    encode: (w, v) => encodeFramedContentAuthData(w, contentType, v),
    decode: (r) => r.field("auth", () => decodeFramedContentAuthData(r, contentType)),
  };
}
