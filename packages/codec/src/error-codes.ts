/**
 * Every error code `@mlskit/codec` throws or names, as a closed union. error-codes.test.ts
 * checks this list against the string literals in the sources, both ways.
 */
export const CODEC_ERROR_CODES = [
  "codec/invalid-value",
  "codec/invalid-varint",
  "codec/length-mismatch",
  "codec/non-minimal-varint",
  "codec/trailing-bytes",
  "codec/truncated",
  "codec/value-out-of-range",
] as const;

/** An error code of `@mlskit/codec`. */
export type CodecErrorCode = (typeof CODEC_ERROR_CODES)[number];
