/**
 * TEST-ONLY determinism for the partition simulation: while a run lasts,
 * every random byte and the clock come from its seed, so a seed reproduces
 * a run exactly (the same Commits, fork hashes, winners, table row).
 *
 * - Randomness: `globalThis.crypto.getRandomValues` is replaced by a
 *   mulberry32 stream seeded from the run's seed. The noble provider the
 *   simulation uses draws every random byte through it (its `randomBytes`,
 *   HPKE ephemerals, path secrets, key generation of all curves), so one
 *   hook covers the whole provider; it is the only source the run uses.
 * - Clock: `Date.now` is fixed (KeyPackage and leaf lifetimes are in the
 *   Add Commit, hence in every later transcript hash).
 *
 * Both are restored when the run ends. Never use this outside a test
 * harness: it makes every key predictable. The library's defaults are
 * untouched (nothing here is exported by a package).
 */

/** A fixed "now" for seeded runs: 2025-01-01T00:00:00Z. */
const SEEDED_NOW_MS = Date.UTC(2025, 0, 1);

/** mulberry32, the same stream as `@mlskit/test-vectors/random`'s `seededRandom`, as 32-bit words. */
function words(seed: number): () => number {
  let a = seed >>> 0;
  return () => {
    a = (a + 0x6d2b79f5) >>> 0;
    let t = a;
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return (t ^ (t >>> 14)) >>> 0;
  };
}

let active = false;

/**
 * Runs `f` with seeded randomness and a fixed clock (see the module
 * comment); runs do not nest (a second one at once throws).
 */
export async function withSeededRandomness<T>(seed: number, f: () => Promise<T>): Promise<T> {
  if (active) throw new Error("withSeededRandomness: already inside a seeded run");
  const c = globalThis.crypto;
  const own = Object.getOwnPropertyDescriptor(c, "getRandomValues");
  const nowOwn = Object.getOwnPropertyDescriptor(Date, "now");
  // Another stream than the simulation's own choices (which use mulberry32(seed)).
  const next = words((seed ^ 0x9e3779b9) >>> 0);
  const getRandomValues = <A extends ArrayBufferView | null>(array: A): A => {
    if (array === null) return array;
    const bytes = new Uint8Array(array.buffer, array.byteOffset, array.byteLength);
    for (let i = 0; i < bytes.length; i += 4) {
      const w = next();
      for (let j = 0; j < 4 && i + j < bytes.length; j++) bytes[i + j] = (w >>> (8 * j)) & 0xff;
    }
    return array;
  };
  active = true;
  Object.defineProperty(c, "getRandomValues", { value: getRandomValues, configurable: true, writable: true });
  Object.defineProperty(Date, "now", { value: () => SEEDED_NOW_MS, configurable: true, writable: true });
  try {
    return await f();
  } finally {
    if (own !== undefined) Object.defineProperty(c, "getRandomValues", own);
    else delete (c as { getRandomValues?: unknown }).getRandomValues;
    if (nowOwn !== undefined) Object.defineProperty(Date, "now", nowOwn);
    active = false;
  }
}
