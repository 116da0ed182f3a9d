/**
 * `@mlskit/codec`: the TLS presentation language of RFC 9420 §2.1 — integers,
 * varint-prefixed `opaque<V>` and vectors, `optional<T>`, structs — with
 * decoders that throw {@link CodecError} naming the offset and field path.
 * @packageDocumentation
 */
export { MlsError, CodecError, type MlsErrorOptions } from "./errors.js";
export { CODEC_ERROR_CODES, type CodecErrorCode } from "./error-codes.js";
export { Reader } from "./reader.js";
export { Writer } from "./writer.js";
export { MAX_VARINT, opaqueSize, varintSize } from "./varint.js";
export { type Codec, type Fields, encode, decode, uint8, uint16, uint32, uint64, varint, opaque, fixedBytes, vector, optional, struct, enumeration, mapped } from "./codec.js";
export { toHex, fromHex, concatBytes, constantTimeEqual, bytesEqual, utf8, wipe } from "./bytes.js";
