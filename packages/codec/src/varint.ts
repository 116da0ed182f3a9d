/**
 * Variable-size length prefixes (RFC 9420 §2.1.2, the QUIC varint of RFC 9000 §16
 * limited to 30 bits). The two high bits of the first byte give the size: 00 → 1
 * byte, 01 → 2, 10 → 4; 11 is invalid in MLS.
 */

/** Largest value a MLS varint can carry (2^30 - 1). */
export const MAX_VARINT = 0x3fffffff;

/** Number of bytes the minimal encoding of `value` takes. */
/** Bytes of `opaque data<V>` holding `length` bytes: its varint prefix and the data. */
export function opaqueSize(length: number): number {
  return varintSize(length) + length;
}

export function varintSize(value: number): 1 | 2 | 4 {
  if (value < 0x40) return 1;
  if (value < 0x4000) return 2;
  return 4;
}
