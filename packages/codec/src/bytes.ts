/** Small byte helpers shared by every package (no Node `Buffer`). */

const HEX = Array.from({ length: 256 }, (_, i) => i.toString(16).padStart(2, "0"));

export function toHex(b: Uint8Array): string {
  let s = "";
  for (const x of b) {
    const pair = HEX[x];
    // A byte is 0..255 and HEX has 256 entries: unreachable (codec sits below core's InternalError).
    if (pair === undefined) throw new RangeError(`no hex digits for byte ${x}`);
    s += pair;
  }
  return s;
}

export function fromHex(hex: string): Uint8Array {
  if (hex.length % 2 !== 0 || !/^[0-9a-fA-F]*$/.test(hex)) throw new TypeError("invalid hex string");
  const out = new Uint8Array(hex.length / 2);
  for (let i = 0; i < out.length; i++) out[i] = parseInt(hex.slice(2 * i, 2 * i + 2), 16);
  return out;
}

export function concatBytes(...parts: Uint8Array[]): Uint8Array {
  let n = 0;
  for (const p of parts) n += p.length;
  const out = new Uint8Array(n);
  let at = 0;
  for (const p of parts) {
    out.set(p, at);
    at += p.length;
  }
  return out;
}

/** Equality that does not stop at the first difference (for MACs and tags). */
export function constantTimeEqual(a: Uint8Array, b: Uint8Array): boolean {
  if (a.length !== b.length) return false;
  let d = 0;
  let i = 0;
  // The lengths are equal; were b's byte missing anyway, 0x100 makes the comparison fail.
  for (const x of a) d |= x ^ (b[i++] ?? 0x100);
  return d === 0;
}

/** Plain equality for public values. */
export function bytesEqual(a: Uint8Array, b: Uint8Array): boolean {
  if (a.length !== b.length) return false;
  for (let i = 0; i < a.length; i++) if (a[i] !== b[i]) return false;
  return true;
}

const encoder = new TextEncoder();
/** UTF-8 bytes of a string (labels are ASCII). */
export function utf8(s: string): Uint8Array {
  return encoder.encode(s);
}

/** Overwrites a consumed secret. JavaScript gives no stronger guarantee. */
export function wipe(...secrets: (Uint8Array | undefined)[]): void {
  for (const s of secrets) s?.fill(0);
}
