/**
 * Byte-level mutants of one live message: bit flips, byte changes at field
 * boundaries and in length prefixes (including non-minimal varints),
 * truncations, extensions, and the envelope fields (version, wire format,
 * content type) set to other values. Each returns the bytes and a short
 * description of what was done (printed with any failure, to reproduce it).
 */
import { toHex } from "@mlskit/codec";
import type { Prng } from "./prng.fixture.js";
import { type WireField, fieldOf, layoutOf } from "./wire-layout.fixture.js";

export interface Mutant {
  readonly bytes: Uint8Array;
  readonly detail: string;
}

function splice(bytes: Uint8Array, at: number, remove: number, insert: Uint8Array): Uint8Array {
  const out = new Uint8Array(bytes.length - remove + insert.length);
  out.set(bytes.subarray(0, at), 0);
  out.set(insert, at);
  out.set(bytes.subarray(at + remove), at + insert.length);
  return out;
}

/** 1 to 8 distinct random bits flipped (distinct, so the flips never cancel out). */
export function bitFlip(rng: Prng, bytes: Uint8Array): Mutant {
  const out = bytes.slice();
  const n = Math.min(rng.range(1, 8), out.length * 8);
  const bits = new Set<number>();
  while (bits.size < n) bits.add(rng.int(out.length * 8));
  for (const bit of bits) out[bit >> 3]! ^= 1 << (bit & 7);
  return { bytes: out, detail: `bits ${[...bits].join(",")}` };
}

/** A byte at the first or last position of a field, or of its length prefix, set to another value. */
export function boundaryByte(rng: Prng, bytes: Uint8Array): Mutant | undefined {
  const layout = layoutOf(bytes);
  const offsets: { at: number; name: string }[] = [];
  for (const f of layout.fields) {
    if (f.end > f.start) offsets.push({ at: f.start, name: `${f.name}[0]` }, { at: f.end - 1, name: `${f.name}[-1]` });
    if (f.prefix !== undefined) offsets.push({ at: f.prefix.start, name: `${f.name}.length` });
  }
  if (offsets.length === 0) return undefined;
  const { at, name } = rng.pick(offsets);
  const old = bytes[at]!;
  const values = [0x00, 0xff, (old + 1) & 0xff, (old - 1) & 0xff, old ^ 0x80, old ^ 0x40, 0x3f, 0x7f];
  let v = rng.pick(values);
  if (v === old) v = old ^ 0x01;
  const out = bytes.slice();
  out[at] = v;
  return { bytes: out, detail: `${name} @${at}: ${old} -> ${v}` };
}

/** A length prefix rewritten: off by one, non-minimal (RFC 9420 §2.1.2), the 4-byte form, or the invalid 0b11 prefix. */
export function lengthPrefix(rng: Prng, bytes: Uint8Array): Mutant | undefined {
  const fields = layoutOf(bytes).fields.filter((f): f is WireField & { prefix: { start: number; end: number } } => f.prefix !== undefined);
  if (fields.length === 0) return undefined;
  const f = rng.pick(fields);
  const len = f.end - f.start;
  const kind = rng.pick(["plus", "minus", "non-minimal-2", "non-minimal-4", "invalid-prefix", "huge"] as const);
  let prefix: Uint8Array;
  switch (kind) {
    case "plus":
    case "minus":
      prefix = varintBytes(Math.max(0, len + (kind === "plus" ? 1 : -1)));
      break;
    case "non-minimal-2":
      prefix = new Uint8Array([0x40 | (len >> 8), len & 0xff]);
      break;
    case "non-minimal-4":
      prefix = new Uint8Array([0x80, (len >> 16) & 0xff, (len >> 8) & 0xff, len & 0xff]);
      break;
    case "invalid-prefix":
      prefix = new Uint8Array([0xc0 | (len & 0x3f)]);
      break;
    case "huge":
      prefix = new Uint8Array([0xbf, 0xff, 0xff, 0xff]);
      break;
  }
  return { bytes: splice(bytes, f.prefix.start, f.prefix.end - f.prefix.start, prefix), detail: `${f.name}.length ${kind}: ${toHex(prefix)}` };
}

function varintBytes(n: number): Uint8Array {
  if (n < 0x40) return new Uint8Array([n]);
  if (n < 0x4000) return new Uint8Array([0x40 | (n >> 8), n & 0xff]);
  return new Uint8Array([0x80 | ((n >> 24) & 0x3f), (n >> 16) & 0xff, (n >> 8) & 0xff, n & 0xff]);
}

/** Cut anywhere, or at a field boundary. */
export function truncation(rng: Prng, bytes: Uint8Array): Mutant {
  const boundaries = layoutOf(bytes)
    .fields.flatMap((f) => [f.start, f.end, f.prefix?.start ?? f.start])
    .filter((n) => n < bytes.length);
  const at = boundaries.length > 0 && rng.chance(0.4) ? rng.pick(boundaries) : rng.int(bytes.length);
  return { bytes: bytes.slice(0, at), detail: `cut to ${at} of ${bytes.length}` };
}

/** Trailing bytes, or bytes inserted inside a field. */
export function extension(rng: Prng, bytes: Uint8Array): Mutant {
  const n = rng.range(1, 32);
  const extra = rng.chance(0.5) ? new Uint8Array(n) : rng.bytes(n);
  if (rng.chance(0.6)) return { bytes: splice(bytes, bytes.length, 0, extra), detail: `${n} trailing bytes ${toHex(extra.subarray(0, 4))}…` };
  const at = rng.int(bytes.length + 1);
  return { bytes: splice(bytes, at, 0, extra), detail: `${n} bytes inserted at ${at}` };
}

/** The protocol version set to another value (RFC 9420 §6: mls10 only). */
export function version(rng: Prng, bytes: Uint8Array): Mutant {
  const v = rng.pick([0, 2, 0x0100, 0xffff]);
  const out = bytes.slice();
  out[0] = v >> 8;
  out[1] = v & 0xff;
  return { bytes: out, detail: `version ${v}` };
}

/** The wire format set to each other value: the other framing, Welcome, GroupInfo, KeyPackage, reserved, unknown. */
export function wireFormat(rng: Prng, bytes: Uint8Array): Mutant {
  const old = (bytes[2]! << 8) | bytes[3]!;
  const v = rng.pick([0, 1, 2, 3, 4, 5, 6, 0xf000, 0xffff].filter((x) => x !== old));
  const out = bytes.slice();
  out[2] = v >> 8;
  out[3] = v & 0xff;
  return { bytes: out, detail: `wire_format ${old} -> ${v}` };
}

/** The content type set to another value: the other two, reserved 0, unknown 4 and 255. */
export function contentType(rng: Prng, bytes: Uint8Array): Mutant | undefined {
  const f = fieldOf(layoutOf(bytes), "content_type");
  if (f === undefined) return undefined;
  const old = bytes[f.start]!;
  const v = rng.pick([0, 1, 2, 3, 4, 255].filter((x) => x !== old));
  const out = bytes.slice();
  out[f.start] = v;
  return { bytes: out, detail: `content_type ${old} -> ${v}` };
}

/** The uint64 epoch field overwritten in place (no re-encoding needed: it is fixed-size). */
export function withEpoch(bytes: Uint8Array, epoch: bigint): Uint8Array | undefined {
  const f = fieldOf(layoutOf(bytes), "epoch");
  if (f === undefined) return undefined;
  const out = bytes.slice();
  new DataView(out.buffer, out.byteOffset, out.byteLength).setBigUint64(f.start, epoch);
  return out;
}

/** The header of `a` (up to the end of `field`) followed by the rest of `b` (after its `field`). */
export function spliceAt(a: Uint8Array, b: Uint8Array, field: string): Uint8Array | undefined {
  const fa = fieldOf(layoutOf(a), field);
  const fb = fieldOf(layoutOf(b), field);
  if (fa === undefined || fb === undefined) return undefined;
  const out = new Uint8Array(fa.end + b.length - fb.end);
  out.set(a.subarray(0, fa.end), 0);
  out.set(b.subarray(fb.end), fa.end);
  return out;
}
