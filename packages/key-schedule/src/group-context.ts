/** `GroupContext` (RFC 9420 §8.1): the summary of group state every member agrees on. */
import { type Codec, decode, encode, opaque, struct, uint16, uint64 } from "@mlskit/codec";
import { type CipherSuiteId, type Extension, type ProtocolVersionId, extensionsCodec } from "@mlskit/core";

/**
 * ```tls
 * struct {
 *     ProtocolVersion version = mls10;
 *     CipherSuite cipher_suite;
 *     opaque group_id<V>;
 *     uint64 epoch;
 *     opaque tree_hash<V>;
 *     opaque confirmed_transcript_hash<V>;
 *     Extension extensions<V>;
 * } GroupContext;
 * ```
 * The decoder accepts any `version`; checking it is `mls10` is the caller's
 * validation step (it owns the context in which the struct arrived).
 */
export interface GroupContext {
  readonly version: ProtocolVersionId;
  readonly cipherSuite: CipherSuiteId;
  readonly groupId: Uint8Array;
  readonly epoch: bigint;
  readonly treeHash: Uint8Array;
  readonly confirmedTranscriptHash: Uint8Array;
  readonly extensions: readonly Extension[];
}

/** Codec for {@link GroupContext}. */
export const groupContextCodec: Codec<GroupContext> = struct<GroupContext>({
  version: uint16,
  cipherSuite: uint16,
  groupId: opaque,
  epoch: uint64,
  treeHash: opaque,
  confirmedTranscriptHash: opaque,
  extensions: extensionsCodec as Codec<readonly Extension[]>,
});

/** The TLS encoding of a GroupContext, the form the key schedule takes (RFC 9420 §8). */
export function encodeGroupContext(groupContext: GroupContext): Uint8Array {
  return encode(groupContextCodec, groupContext);
}

/** Decodes a whole GroupContext; throws `CodecError` on malformed or trailing bytes. */
export function decodeGroupContext(bytes: Uint8Array): GroupContext {
  return decode(groupContextCodec, bytes, "GroupContext");
}
