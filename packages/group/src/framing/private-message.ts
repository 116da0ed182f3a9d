/**
 * `PrivateMessage`, `SenderData`, `SenderDataAAD` and `PrivateContentAAD`
 * (RFC 9420 §6.3, §6.3.1, §6.3.2). Codecs and types only; encryption is in
 * `private-message-protection.ts`.
 */
import { type Codec, Writer, fixedBytes, opaque, struct, uint32, uint64, uint8 } from "@mlskit/codec";
import type { LeafIndex } from "@mlskit/ratchet-tree";
import type { ContentTypeId } from "./content-type.js";

/**
 * ```tls
 * struct {
 *     opaque group_id<V>;
 *     uint64 epoch;
 *     ContentType content_type;
 *     opaque authenticated_data<V>;
 *     opaque encrypted_sender_data<V>;
 *     opaque ciphertext<V>;
 * } PrivateMessage;
 * ```
 */
export interface PrivateMessage {
  readonly groupId: Uint8Array;
  readonly epoch: bigint;
  readonly contentType: ContentTypeId;
  readonly authenticatedData: Uint8Array;
  readonly encryptedSenderData: Uint8Array;
  readonly ciphertext: Uint8Array;
}

/**
 * A PrivateMessage as decoded from the network, nothing checked. Its
 * `content_type` is any uint8: the value only selects how the (encrypted)
 * content is parsed, so an unknown one is reported by
 * `unprotectPrivateMessage` as a `ValidationError` (`framing/unknown-content-type`, §6).
 */
export interface PrivateMessageIn extends Omit<PrivateMessage, "contentType"> {
  readonly contentType: number;
}

/** Codec for {@link PrivateMessage} (decodes any `content_type`, see {@link PrivateMessageIn}). */
export const privateMessageCodec: Codec<PrivateMessageIn> = struct<PrivateMessageIn>({
  groupId: opaque,
  epoch: uint64,
  contentType: uint8,
  authenticatedData: opaque,
  encryptedSenderData: opaque,
  ciphertext: opaque,
});

/**
 * ```tls
 * struct {
 *     uint32 leaf_index;
 *     uint32 generation;
 *     opaque reuse_guard[4];
 * } SenderData;
 * ```
 */
export interface SenderData {
  readonly leafIndex: LeafIndex;
  readonly generation: number;
  readonly reuseGuard: Uint8Array;
}

/** The length of `reuse_guard` (§6.3.1). */
export const REUSE_GUARD_LENGTH = 4;

/** Codec for {@link SenderData}: exactly 12 bytes. */
export const senderDataCodec: Codec<SenderData> = struct<SenderData>({
  leafIndex: uint32 as Codec<LeafIndex>,
  generation: uint32,
  reuseGuard: fixedBytes(REUSE_GUARD_LENGTH),
});

/**
 * ```tls
 * struct {
 *     opaque group_id<V>;
 *     uint64 epoch;
 *     ContentType content_type;
 * } SenderDataAAD;
 * ```
 */
export interface SenderDataAAD {
  readonly groupId: Uint8Array;
  readonly epoch: bigint;
  readonly contentType: number;
}

/** Codec for {@link SenderDataAAD}. */
export const senderDataAadCodec: Codec<SenderDataAAD> = struct<SenderDataAAD>({ groupId: opaque, epoch: uint64, contentType: uint8 });

/**
 * ```tls
 * struct {
 *     opaque group_id<V>;
 *     uint64 epoch;
 *     ContentType content_type;
 *     opaque authenticated_data<V>;
 * } PrivateContentAAD;
 * ```
 */
export interface PrivateContentAAD extends SenderDataAAD {
  readonly authenticatedData: Uint8Array;
}

/** Codec for {@link PrivateContentAAD}. */
export const privateContentAadCodec: Codec<PrivateContentAAD> = struct<PrivateContentAAD>({
  groupId: opaque,
  epoch: uint64,
  contentType: uint8,
  authenticatedData: opaque,
});

/**
 * Both AADs of a PrivateMessage from one encoding: SenderDataAAD is the first
 * three fields of PrivateContentAAD, so `senderDataAad` is a prefix view of
 * `contentAad` (§6.3.1, §6.3.2).
 */
export function encodePrivateMessageAads(m: PrivateContentAAD): { contentAad: Uint8Array; senderDataAad: Uint8Array } {
  const w = new Writer(24 + m.groupId.length + m.authenticatedData.length);
  w.opaque(m.groupId);
  w.uint64(m.epoch);
  w.uint8(m.contentType);
  const senderDataAadLength = w.length;
  w.opaque(m.authenticatedData);
  const contentAad = w.finish();
  return { contentAad, senderDataAad: contentAad.subarray(0, senderDataAadLength) };
}
