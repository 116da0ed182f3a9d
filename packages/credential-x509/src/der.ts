import { expectDefined } from "@mlskit/core";
/**
 * A small, strict DER (ITU-T X.690) reader: definite lengths only, bounds
 * checked, single-octet tags. Enough to walk the parts of a certificate that
 * MLS credential validation needs at the byte level (the exact TBS bytes, the
 * SubjectPublicKeyInfo, the raw issuer/subject names and the extensions),
 * independently of how a parsing library chooses to re-encode them.
 */

/** Malformed DER. Callers turn it into a `credential/x509-malformed` rejection. */
export class DerError extends Error {
  override readonly name = "DerError";
}

/** One TLV inside a buffer: `bytes.subarray(start, end)` is the whole element. */
export interface DerElement {
  readonly tag: number;
  readonly start: number;
  readonly contentStart: number;
  readonly end: number;
}

export const Tag = {
  boolean: 0x01,
  integer: 0x02,
  bitString: 0x03,
  octetString: 0x04,
  oid: 0x06,
  sequence: 0x30,
} as const;

/** Reads the element at `offset`, which must end at or before `limit`. */
export function readElement(bytes: Uint8Array, offset: number, limit: number = bytes.length): DerElement {
  const tag = bytes[offset];
  if (tag === undefined || offset + 2 > limit) throw new DerError(`truncated element at offset ${offset}`);
  if ((tag & 0x1f) === 0x1f) throw new DerError(`multi-octet tag at offset ${offset}`);
  const first = expectDefined(bytes[offset + 1], "bytes[offset + 1]");
  let length = first;
  let contentStart = offset + 2;
  if (first >= 0x80) {
    const count = first & 0x7f;
    // 0x80 is BER's indefinite length, which DER forbids; 4 octets is far beyond any certificate.
    if (count === 0 || count > 4) throw new DerError(`unsupported length form at offset ${offset}`);
    if (contentStart + count > limit) throw new DerError(`truncated length at offset ${offset}`);
    length = 0;
    for (let i = 0; i < count; i++) length = length * 256 + expectDefined(bytes[contentStart + i], "bytes[contentStart + i]");
    contentStart += count;
  }
  const end = contentStart + length;
  if (end > limit) throw new DerError(`element at offset ${offset} overruns its container`);
  return { tag, start: offset, contentStart, end };
}

/** The elements directly inside a constructed element. */
export function children(bytes: Uint8Array, parent: DerElement): DerElement[] {
  const out: DerElement[] = [];
  for (let at = parent.contentStart; at < parent.end;) {
    const el = readElement(bytes, at, parent.end);
    out.push(el);
    at = el.end;
  }
  return out;
}

/** Reads a whole buffer as exactly one element of the expected tag. */
export function readSingle(bytes: Uint8Array, tag: number): DerElement {
  const el = expectTag(readElement(bytes, 0), tag);
  if (el.end !== bytes.length) throw new DerError("trailing bytes after the top-level element");
  return el;
}

/** Checks an element's tag. */
export function expectTag(el: DerElement | undefined, tag: number): DerElement {
  if (el === undefined) throw new DerError(`missing element with tag 0x${tag.toString(16)}`);
  if (el.tag !== tag) throw new DerError(`expected tag 0x${tag.toString(16)}, found 0x${el.tag.toString(16)} at offset ${el.start}`);
  return el;
}

/** The content octets of an element. */
export function contents(bytes: Uint8Array, el: DerElement): Uint8Array {
  return bytes.subarray(el.contentStart, el.end);
}

/** The whole encoding (tag, length, contents) of an element. */
export function encoding(bytes: Uint8Array, el: DerElement): Uint8Array {
  return bytes.subarray(el.start, el.end);
}

/** An OBJECT IDENTIFIER as dotted decimal. */
export function decodeOid(bytes: Uint8Array, el: DerElement): string {
  const c = contents(bytes, expectTag(el, Tag.oid));
  if (c.length === 0) throw new DerError("empty OBJECT IDENTIFIER");
  const arcs: number[] = [];
  let value = 0;
  for (let i = 0; i < c.length; i++) {
    const b = expectDefined(c[i], "c[i]");
    if (value === 0 && b === 0x80) throw new DerError("non-minimal OBJECT IDENTIFIER arc");
    value = value * 128 + (b & 0x7f);
    if (value > Number.MAX_SAFE_INTEGER / 128) throw new DerError("OBJECT IDENTIFIER arc too large");
    if ((b & 0x80) === 0) {
      if (arcs.length === 0) arcs.push(value < 80 ? Math.floor(value / 40) : 2, value < 80 ? value % 40 : value - 80);
      else arcs.push(value);
      value = 0;
    } else if (i === c.length - 1) throw new DerError("truncated OBJECT IDENTIFIER");
  }
  return arcs.join(".");
}

/** A BIT STRING's bits as bytes, with the count of unused bits in the last octet. */
export function decodeBitString(bytes: Uint8Array, el: DerElement): { bits: Uint8Array; unusedBits: number } {
  const c = contents(bytes, expectTag(el, Tag.bitString));
  const unusedBits = c[0];
  if (unusedBits === undefined || unusedBits > 7 || (c.length === 1 && unusedBits !== 0)) {
    throw new DerError("malformed BIT STRING");
  }
  return { bits: c.subarray(1), unusedBits };
}

/** A DER BOOLEAN. */
export function decodeBoolean(bytes: Uint8Array, el: DerElement): boolean {
  const c = contents(bytes, expectTag(el, Tag.boolean));
  if (c.length !== 1) throw new DerError("malformed BOOLEAN");
  return c[0] !== 0;
}

/** A small non-negative INTEGER (path lengths and the like). */
export function decodeSmallUnsigned(bytes: Uint8Array, el: DerElement): number {
  const c = contents(bytes, expectTag(el, Tag.integer));
  if (c.length === 0 || c.length > 4 || (expectDefined(c[0], "c[0]") & 0x80) !== 0) throw new DerError("INTEGER out of range");
  let n = 0;
  for (const b of c) n = n * 256 + b;
  return n;
}
