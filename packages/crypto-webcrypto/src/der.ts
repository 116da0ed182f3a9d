import { expectDefined } from "@mlskit/core";
/**
 * Just enough DER (ITU-T X.690) for two jobs, both encoding rather than
 * cryptography:
 *
 * - ECDSA signatures. RFC 9420 §5.1.2 carries them as the DER
 *   `ECDSA-Sig-Value ::= SEQUENCE { r INTEGER, s INTEGER }` (RFC 3279
 *   §2.2.3), while WebCrypto produces and consumes the fixed-size `r || s`
 *   (IEEE P1363).
 * - Building PKCS#8 wrappers around raw private keys (see `pkcs8.ts`).
 *
 * The parser is strict: definite minimal lengths, minimal non-negative
 * INTEGERs, no trailing bytes. A signature in any other form is malformed,
 * which closes the door on signature malleability through re-encoding.
 */

const TAG_INTEGER = 0x02;
const TAG_SEQUENCE = 0x30;

/** DER definite length octets (short form below 128, long form above). */
function lengthOctets(length: number): number[] {
  if (length < 0x80) return [length];
  const out: number[] = [];
  for (let n = length; n > 0; n = Math.floor(n / 256)) out.unshift(n & 0xff);
  return [0x80 | out.length, ...out];
}

/** One DER TLV: tag, definite length, contents. */
export function derTlv(tag: number, ...contents: Uint8Array[]): Uint8Array {
  let length = 0;
  for (const c of contents) length += c.length;
  const head = [tag, ...lengthOctets(length)];
  const out = new Uint8Array(head.length + length);
  out.set(head);
  let at = head.length;
  for (const c of contents) {
    out.set(c, at);
    at += c.length;
  }
  return out;
}

/** The DER INTEGER contents octets of an unsigned big-endian number. */
function unsignedIntegerContents(bytes: Uint8Array): Uint8Array {
  let start = 0;
  while (start < bytes.length - 1 && bytes[start] === 0) start++;
  const magnitude = bytes.length === 0 ? new Uint8Array(1) : bytes.subarray(start);
  if ((expectDefined(magnitude[0], "magnitude[0]") & 0x80) === 0) return magnitude.slice();
  // High bit set: a leading zero keeps the INTEGER non-negative (X.690 §8.3).
  const out = new Uint8Array(magnitude.length + 1);
  out.set(magnitude, 1);
  return out;
}

/**
 * IEEE P1363 `r || s` (each half the input) → DER `ECDSA-Sig-Value`.
 * @throws RangeError when `raw` has odd length or is empty.
 */
export function ecdsaRawToDer(raw: Uint8Array): Uint8Array {
  if (raw.length === 0 || raw.length % 2 !== 0) throw new RangeError(`ECDSA raw signature has invalid length ${raw.length}`);
  const half = raw.length / 2;
  const r = derTlv(TAG_INTEGER, unsignedIntegerContents(raw.subarray(0, half)));
  const s = derTlv(TAG_INTEGER, unsignedIntegerContents(raw.subarray(half)));
  return derTlv(TAG_SEQUENCE, r, s);
}

/** Reads a definite, minimally encoded DER length at `at`; `undefined` if malformed. */
function readLength(der: Uint8Array, at: number): { length: number; next: number } | undefined {
  const first = der[at];
  if (first === undefined) return undefined;
  if (first < 0x80) return { length: first, next: at + 1 };
  const count = first & 0x7f;
  // 0x80 is BER's indefinite length; more than 2 octets is far beyond any signature.
  if (count === 0 || count > 2 || at + 1 + count > der.length) return undefined;
  let length = 0;
  for (let i = 0; i < count; i++) length = length * 256 + expectDefined(der[at + 1 + i], "der[at + 1 + i]");
  // Minimal: the long form only for lengths >= 128, without leading zero octets.
  if (length < 0x80 || der[at + 1] === 0) return undefined;
  return { length, next: at + 1 + count };
}

/**
 * Reads one non-negative, minimally encoded INTEGER at `at` and writes its
 * magnitude right-aligned into `out` (of the curve's scalar size).
 */
function readInteger(der: Uint8Array, at: number, end: number, out: Uint8Array): number | undefined {
  if (der[at] !== TAG_INTEGER) return undefined;
  const len = readLength(der, at + 1);
  if (len === undefined || len.length === 0 || len.next + len.length > end) return undefined;
  let start = len.next;
  const stop = len.next + len.length;
  const first = expectDefined(der[start], "der[start]");
  if ((first & 0x80) !== 0) return undefined; // negative
  if (first === 0 && len.length > 1) {
    // A leading zero is allowed only to clear the sign bit of the next octet.
    if ((expectDefined(der[start + 1], "der[start + 1]") & 0x80) === 0) return undefined;
    start++;
  }
  const size = stop - start;
  if (size > out.length) return undefined;
  out.set(der.subarray(start, stop), out.length - size);
  return stop;
}

/**
 * DER `ECDSA-Sig-Value` → IEEE P1363 `r || s` with `scalarLength` bytes each
 * (32 for P-256, 48 for P-384, 66 for P-521), or `undefined` when the input is
 * not a strict DER encoding or an integer does not fit.
 */
export function ecdsaDerToRaw(der: Uint8Array, scalarLength: number): Uint8Array | undefined {
  if (der[0] !== TAG_SEQUENCE) return undefined;
  const seq = readLength(der, 1);
  if (seq === undefined || seq.next + seq.length !== der.length) return undefined;
  const out = new Uint8Array(2 * scalarLength);
  const afterR = readInteger(der, seq.next, der.length, out.subarray(0, scalarLength));
  if (afterR === undefined) return undefined;
  const afterS = readInteger(der, afterR, der.length, out.subarray(scalarLength));
  if (afterS !== der.length) return undefined;
  return out;
}
