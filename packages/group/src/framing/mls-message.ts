/** `MLSMessage` (RFC 9420 §6): the envelope of every wire format. */
import { type Codec, Reader, type Writer, decode, encode, opaqueSize } from "@mlskit/codec";
import { ProtocolVersion, type ProtocolVersionId, ValidationError, WireFormat } from "@mlskit/core";
import { type GroupInfo, groupInfoCodec } from "../welcome/group-info.js";
import { type KeyPackage, keyPackageCodec } from "../key-packages/key-package.js";
import { type PrivateMessage, type PrivateMessageIn, privateMessageCodec } from "./private-message.js";
import { type PublicMessage, type PublicMessageIn, publicMessageCodec } from "./public-message.js";
import { type Welcome, welcomeCodec } from "../welcome/welcome.js";

interface Envelope {
  /** Always `mls10`; decoding rejects any other version. */
  readonly version: ProtocolVersionId;
}

/** An MLSMessage carrying a PublicMessage. */
export interface MLSPublicMessage extends Envelope {
  readonly wireFormat: typeof WireFormat.mls_public_message;
  readonly publicMessage: PublicMessage;
}

/** An MLSMessage carrying a PrivateMessage. */
export interface MLSPrivateMessage extends Envelope {
  readonly wireFormat: typeof WireFormat.mls_private_message;
  readonly privateMessage: PrivateMessage;
}

/** An MLSMessage carrying a Welcome. */
export interface MLSWelcome extends Envelope {
  readonly wireFormat: typeof WireFormat.mls_welcome;
  readonly welcome: Welcome;
}

/** An MLSMessage carrying a GroupInfo. */
export interface MLSGroupInfo extends Envelope {
  readonly wireFormat: typeof WireFormat.mls_group_info;
  readonly groupInfo: GroupInfo;
}

/** An MLSMessage carrying a KeyPackage. */
export interface MLSKeyPackage extends Envelope {
  readonly wireFormat: typeof WireFormat.mls_key_package;
  readonly keyPackage: KeyPackage;
}

/**
 * ```tls
 * struct {
 *     ProtocolVersion version = mls10;
 *     WireFormat wire_format;
 *     select (MLSMessage.wire_format) {
 *         case mls_public_message:  PublicMessage public_message;
 *         case mls_private_message: PrivateMessage private_message;
 *         case mls_welcome:         Welcome welcome;
 *         case mls_group_info:      GroupInfo group_info;
 *         case mls_key_package:     KeyPackage key_package;
 *     };
 * } MLSMessage;
 * ```
 */
export type MLSMessage = MLSPublicMessage | MLSPrivateMessage | MLSWelcome | MLSGroupInfo | MLSKeyPackage;

/**
 * An MLSMessage as decoded from the network: nothing but its syntax has been
 * checked. PublicMessages and PrivateMessages become trusted content only
 * through `unprotectPublicMessage` / `unprotectPrivateMessage`.
 */
export type MLSMessageIn =
  | (Omit<MLSPublicMessage, "publicMessage"> & { readonly publicMessage: PublicMessageIn })
  | (Omit<MLSPrivateMessage, "privateMessage"> & { readonly privateMessage: PrivateMessageIn })
  | MLSWelcome
  | MLSGroupInfo
  | MLSKeyPackage;

/**
 * Codec for {@link MLSMessage}. A version other than `mls10` or a wire
 * format other than the five of RFC 9420 is malformed: the body's format is
 * defined only for those.
 */
export const mlsMessageCodec: Codec<MLSMessageIn> = {
  encode(w: Writer, m: MLSMessageIn) {
    w.uint16(m.version);
    w.uint16(m.wireFormat);
    switch (m.wireFormat) {
      case WireFormat.mls_public_message:
        return publicMessageCodec.encode(w, m.publicMessage);
      case WireFormat.mls_private_message:
        return privateMessageCodec.encode(w, m.privateMessage);
      case WireFormat.mls_welcome:
        return welcomeCodec.encode(w, m.welcome);
      case WireFormat.mls_group_info:
        return groupInfoCodec.encode(w, m.groupInfo);
      case WireFormat.mls_key_package:
        return keyPackageCodec.encode(w, m.keyPackage);
    }
  },
  decode(r: Reader): MLSMessageIn {
    const versionAt = r.offset;
    const version = r.field("version", () => r.uint16());
    if (version !== ProtocolVersion.mls10) r.fail("codec/invalid-value", `unsupported protocol version ${version}`, versionAt);
    const at = r.offset;
    const wireFormat = r.field("wire_format", () => r.uint16());
    switch (wireFormat) {
      case WireFormat.mls_public_message:
        return { version, wireFormat, publicMessage: r.field("public_message", () => publicMessageCodec.decode(r)) };
      case WireFormat.mls_private_message:
        return { version, wireFormat, privateMessage: r.field("private_message", () => privateMessageCodec.decode(r)) };
      case WireFormat.mls_welcome:
        return { version, wireFormat, welcome: r.field("welcome", () => welcomeCodec.decode(r)) };
      case WireFormat.mls_group_info:
        return { version, wireFormat, groupInfo: r.field("group_info", () => groupInfoCodec.decode(r)) };
      case WireFormat.mls_key_package:
        return { version, wireFormat, keyPackage: r.field("key_package", () => keyPackageCodec.decode(r)) };
      default:
        return r.fail("codec/invalid-value", `unknown wire_format ${wireFormat}`, at);
    }
  },
};

/** Encodes an MLSMessage. */
export function encodeMlsMessage(m: MLSMessageIn): Uint8Array {
  if (m.wireFormat === WireFormat.mls_private_message) {
    // Exact (no growth, no copy in finish): the common case, an application message.
    const p = m.privateMessage;
    const size = 4 + opaqueSize(p.groupId.length) + 8 + 1 + opaqueSize(p.authenticatedData.length) + opaqueSize(p.encryptedSenderData.length) + opaqueSize(p.ciphertext.length);
    return encode(mlsMessageCodec, m, size);
  }
  return encode(mlsMessageCodec, m, 512);
}

/**
 * Decodes a whole MLSMessage and checks the envelope rule of §10: a
 * KeyPackage's `version` equals the MLSMessage's.
 * @throws CodecError for malformed bytes; ValidationError
 *   `message/key-package-version-mismatch` (§10).
 */
export function decodeMlsMessage(bytes: Uint8Array): MLSMessageIn {
  const m = decode(mlsMessageCodec, bytes, "MLSMessage");
  // RFC 9420 §10: "it MUST verify that the version field of the KeyPackage has the same value as the version field of the MLSMessage".
  if (m.wireFormat === WireFormat.mls_key_package && m.keyPackage.version !== m.version) {
    throw new ValidationError("message/key-package-version-mismatch", "10", `KeyPackage version ${m.keyPackage.version} differs from the MLSMessage version ${m.version}`);
  }
  return m;
}

/** Wraps a PublicMessage in an MLSMessage. */
export function publicMessageToMls(publicMessage: PublicMessage): MLSPublicMessage {
  return { version: ProtocolVersion.mls10, wireFormat: WireFormat.mls_public_message, publicMessage };
}

/** Wraps a PrivateMessage in an MLSMessage. */
export function privateMessageToMls(privateMessage: PrivateMessage): MLSPrivateMessage {
  return { version: ProtocolVersion.mls10, wireFormat: WireFormat.mls_private_message, privateMessage };
}

/** The cleartext header of a PrivateMessage: what a receiver can learn before decrypting. */
export interface PrivateMessageHeader {
  readonly epoch: bigint;
  readonly contentType: number;
}

/**
 * Reads the `epoch` and `content_type` of an MLSMessage carrying a
 * PrivateMessage without decoding (or copying) the rest; undefined for any
 * other wire format or bytes too short to hold them. A scheduling hint only
 * (which messages may be processed concurrently): the message is decoded and
 * checked in full when it is processed.
 */
export function peekPrivateMessageHeader(bytes: Uint8Array): PrivateMessageHeader | undefined {
  try {
    const r = new Reader(bytes);
    if (r.uint16() !== ProtocolVersion.mls10 || r.uint16() !== WireFormat.mls_private_message) return undefined;
    r.opaque(); // group_id
    const epoch = r.uint64();
    return { epoch, contentType: r.uint8() };
  } catch {
    return undefined;
  }
}
