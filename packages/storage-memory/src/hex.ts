/** Map keys for byte strings (lowercase hex). */
export function keyOf(bytes: Uint8Array): string {
  let s = "";
  for (const b of bytes) s += b.toString(16).padStart(2, "0");
  return s;
}

/** The bytes of a {@link keyOf} key. */
export function bytesOf(key: string): Uint8Array {
  const out = new Uint8Array(key.length / 2);
  for (let i = 0; i < out.length; i++) out[i] = parseInt(key.slice(2 * i, 2 * i + 2), 16);
  return out;
}
