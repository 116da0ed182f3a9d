/**
 * Fields of stored node encodings (already validated by the tree decoder or a
 * codec), read in place without allocating: varints (RFC 9420 §2.1.2) and
 * `opaque<V>` fields. Internal to the package (not re-exported).
 */
import { expectDefined } from "@mlskit/core";

/** The length (1, 2 or 4) of the varint at `at` in already-validated bytes (§2.1.2). */
export function varintLengthAt(b: Uint8Array, at: number): number {
  const prefix = expectDefined(b[at], "b[at]") >>> 6;
  return prefix === 0 ? 1 : prefix === 1 ? 2 : 4;
}

/** The value of the varint at `at` in already-validated bytes, without the tuple of `readVarintAt`. */
export function varintValueAt(b: Uint8Array, at: number): number {
  const first = expectDefined(b[at], "b[at]");
  const prefix = first >>> 6;
  if (prefix === 0) return first;
  if (prefix === 1) return ((first & 0x3f) << 8) | expectDefined(b[at + 1], "b[at + 1]");
  return (first & 0x3f) * 0x1000000 + (expectDefined(b[at + 1], "b[at + 1]") << 16) + (expectDefined(b[at + 2], "b[at + 2]") << 8) + expectDefined(b[at + 3], "b[at + 3]");
}

/** The offset just past the `opaque<V>` at `at` in already-validated bytes. */
export function skipOpaqueAt(b: Uint8Array, at: number): number {
  return at + varintLengthAt(b, at) + varintValueAt(b, at);
}

/**
 * The contents of the `opaque<V>` at `at` in already-validated
 * bytes, as a view (no copy): a stored node's keys (both a LeafNode's and a
 * ParentNode's encoding start with `encryption_key`, §7.1/§7.2).
 */
export function opaqueViewAt(b: Uint8Array, at: number): Uint8Array {
  const start = at + varintLengthAt(b, at);
  return b.subarray(start, start + varintValueAt(b, at));
}

/** [start, end) of the contents of the `opaque<V>` (or vector) at `at` in already-validated bytes. */
export function opaqueRangeAt(b: Uint8Array, at: number): readonly [number, number] {
  const start = at + varintLengthAt(b, at);
  return [start, start + varintValueAt(b, at)];
}

/** [start, end) of the uint32 entries of `unmerged_leaves` in a validated ParentNode encoding, without the rest of its layout. */
export function unmergedLeavesRange(b: Uint8Array): readonly [number, number] {
  return opaqueRangeAt(b, skipOpaqueAt(b, skipOpaqueAt(b, 0)));
}
