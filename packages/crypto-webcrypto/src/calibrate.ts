/**
 * The hybrid mode's per-primitive choice, by measurement in the running
 * runtime: for each symmetric primitive MLS calls in small pieces (digest,
 * HMAC, HKDF, AEAD), a few awaited calls on `crypto.subtle` against the
 * same calls on the synchronous fallback, once per runtime (per `Crypto`
 * and fallback name), lazily, on the first `cipherSuite` call.
 *
 * Why measure rather than assume: an awaited `crypto.subtle` call costs very
 * different amounts in different runtimes. On Node it is a round trip to the
 * thread pool (~30–120 µs), so the fallback (noble) wins every family but
 * AES-GCM, a near tie (see `hybrid.ts`). In Chromium the picture differs
 * per primitive. What this calibration measured on this project's loaded
 * 2-core VM (calls/s over its windows: one 64 B and one 1 KiB call per round,
 * fresh key each; ranges over 20+ runs, the lower ends under heavy load):
 *
 * | primitive          | Chromium 156 subtle | noble          | Node 20 subtle | noble          |
 * |--------------------|---------------------|----------------|----------------|----------------|
 * | AES-128-GCM seal   | 46,000–150,000      | 5,000–30,000   | 9,000–30,000   | 12,000–19,000  |
 * | SHA-256            | 134,000–400,000     | 75,000–129,000 | 65,000–69,000  | 186,000–246,000|
 * | HMAC-SHA256        | 57,000–141,000      | 42,000–85,000  | 19,000–32,000  | 78,000–151,000 |
 * | HKDF-SHA256 Expand | 54,000–129,000      | 69,000–150,000 | 23,000–32,000  | 95,000–214,000 |
 *
 * Chosen in Chromium: AEAD and digest on subtle in every run, HMAC on subtle
 * in 15 of 20 (the fallback when the machine was loaded: a near tie), HKDF on
 * noble in 19 of 20. On Node: noble for all but AES-GCM, which goes either
 * way (a tie in the protocol bench too). With the old fixed table (noble for
 * all, chosen on Node) Chromium's hybrid ran 1 KiB messages at about half
 * the rate of pure WebCrypto.
 *
 * The calibration is bounded: per primitive, each side is warmed up
 * ({@link WARM_UP_CALLS} calls: a cold fallback runs 5–30× slower for its
 * first dozen calls, which would bias the choice), then runs one small
 * (64 B) and one 1 KiB call, awaited, per round, over {@link WINDOWS}
 * short windows interleaved with the other side's; the best window of each
 * side counts (on a loaded machine a preempted window only loses). No
 * primitive is started after {@link CALIBRATION_BUDGET_MS}. Keys are
 * fresh for every call, as MLS uses a new key for nearly every message (a
 * `crypto.subtle` call then includes an `importKey`). `crypto.subtle` is
 * chosen only when it is at least {@link SUBTLE_MARGIN} times as fast: near a
 * tie the fallback, whose cost does not depend on a pool thread being
 * awake, is kept. It takes 7–32 ms (mostly warming the fallback's code up,
 * which its first use would pay anyway). Outputs are the same bytes either
 * way.
 */
import type { Aead, HashPrimitive, Kdf } from "@mlskit/hpke";

/**
 * A symmetric primitive the hybrid mode chooses a side for: "digest" (a
 * hash), "hmac", "kdf" (HKDF Extract and Expand), "aead" (seal and open).
 */
export type HybridPrimitive = "digest" | "hmac" | "kdf" | "aead";

/** Where a {@link HybridPrimitive}'s small inputs run: `crypto.subtle`, or the fallback source. */
export type HybridSide = "webcrypto" | "fallback";

/** The side chosen for each {@link HybridPrimitive}. */
export type HybridChoice = Readonly<Record<HybridPrimitive, HybridSide>>;

/** All hybrid primitives, in the order they are calibrated. */
export const HYBRID_PRIMITIVES: readonly HybridPrimitive[] = Object.freeze(["digest", "hmac", "kdf", "aead"] as const);

/** What a calibration measured for one primitive: calls per second on each side. */
export interface HybridMeasurement {
  readonly webcrypto: number;
  readonly fallback: number;
}

/**
 * The outcome of the hybrid mode's choice: the side per primitive, how it
 * was made for each ("measured", "pinned" by the `prefer` option, or
 * "static" when calibration was off or not possible), and the rates measured.
 */
export interface HybridCalibration {
  readonly choice: HybridChoice;
  readonly how: Readonly<Record<HybridPrimitive, "measured" | "pinned" | "static">>;
  readonly measured: Readonly<Partial<Record<HybridPrimitive, HybridMeasurement>>>;
  /** Wall time the calibration took, in ms (0 when nothing was measured). */
  readonly ms: number;
}

/** Each side is first called this many times, untimed (JIT tier-up of the fallback's code, key-import paths)… */
const WARM_UP_CALLS = 24;
/** …or for at most this long (ms) per side, whichever ends first. */
const WARM_UP_MS = 3;
/** Timed windows per side, interleaved with the other side's; the best one counts (a preempted window only loses). */
const WINDOWS = 3;
/** A window lasts at least this long (ms), and at least 5 steps of the clock (100 µs in a page not cross-origin isolated). */
const WINDOW_MS = 0.15;
/** No primitive is started after this many ms of calibration; those left keep their static side. */
const CALIBRATION_BUDGET_MS = 25;
/** AEAD first: where runtimes differ most (7.8× in Chromium, the other way on Node). */
const CALIBRATION_ORDER: readonly HybridPrimitive[] = ["aead", "digest", "hmac", "kdf"];
/** `crypto.subtle` is chosen when at least this many times as fast as the fallback. */
const SUBTLE_MARGIN = 1.3;

/** The two sides of one primitive, as one awaited call on an input of `size` bytes under a fresh key. */
interface Candidate {
  readonly webcrypto: (size: number, fresh: number) => Promise<unknown>;
  readonly fallback: (size: number, fresh: number) => Promise<unknown>;
}

/** The primitives to calibrate: SHA-256, HMAC- and HKDF-SHA256, AES-128-GCM (the pairs present). */
export interface CalibrationPairs {
  readonly hash?: { readonly native: HashPrimitive; readonly small: HashPrimitive } | undefined;
  readonly kdf?: { readonly native: Kdf; readonly small: Kdf } | undefined;
  readonly aead?: { readonly native: Aead; readonly small: Aead } | undefined;
}

const SIZES = [64, 1024] as const;
const now: () => number = typeof globalThis.performance?.now === "function" ? () => globalThis.performance.now() : () => Date.now();

/** Input bytes of each size (content does not affect timing). */
const inputs = new Map<number, Uint8Array>(SIZES.map((s) => [s, new Uint8Array(s).fill(0x5a)]));
const input = (size: number): Uint8Array => inputs.get(size) ?? new Uint8Array(size);
/** A key of `length` bytes differing from the previous one, so that no key cache hits. */
const freshKey = (length: number, fresh: number): Uint8Array => {
  const k = new Uint8Array(length).fill(0x33);
  k[0] = fresh & 0xff;
  k[1] = (fresh >>> 8) & 0xff;
  return k;
};

function candidates(pairs: CalibrationPairs): Partial<Record<HybridPrimitive, Candidate>> {
  const out: Partial<Record<HybridPrimitive, Candidate>> = {};
  const { hash, kdf, aead } = pairs;
  if (hash !== undefined) {
    out.digest = { webcrypto: (s) => hash.native.digest(input(s)), fallback: (s) => hash.small.digest(input(s)) };
    const n = hash.native.outputLength;
    out.hmac = {
      webcrypto: (s, f) => hash.native.hmac(freshKey(n, f), input(s)),
      fallback: (s, f) => hash.small.hmac(freshKey(n, f), input(s)),
    };
  }
  if (kdf !== undefined) {
    // MLS expands fresh secrets with short labels (ExpandWithLabel): the input size is the info's, capped at 1 KiB.
    const n = kdf.native.hashLength;
    out.kdf = {
      webcrypto: (s, f) => kdf.native.expand(freshKey(n, f), input(Math.min(s, 64)), n),
      fallback: (s, f) => kdf.small.expand(freshKey(n, f), input(Math.min(s, 64)), n),
    };
  }
  if (aead !== undefined) {
    const { keyLength, nonceLength } = aead.native;
    const nonce = new Uint8Array(nonceLength);
    const aad = new Uint8Array(16);
    out.aead = {
      webcrypto: (s, f) => aead.native.seal(freshKey(keyLength, f), nonce, aad, input(s)),
      fallback: (s, f) => aead.small.seal(freshKey(keyLength, f), nonce, aad, input(s)),
    };
  }
  return out;
}

/** The step of `now()`, in ms (spins until it changes twice, at most ~1 ms). */
function clockStep(): number {
  const t0 = now();
  let t1 = t0;
  while (t1 === t0) t1 = now();
  let t2 = t1;
  while (t2 === t1 && t2 - t0 < 1) t2 = now();
  return Math.max(t2 - t1, 0.001);
}

/** Calls per second of `call` over one window of at least `windowMs` (whole rounds of one call per size). */
async function rate(call: Candidate[HybridSide], counter: { n: number }, windowMs: number): Promise<number> {
  const start = now();
  let calls = 0;
  let elapsed = 0;
  while (elapsed < windowMs) {
    for (const size of SIZES) {
      await call(size, counter.n++);
      calls++;
    }
    elapsed = now() - start;
  }
  return (calls * 1000) / elapsed;
}

/** Calls `call` untimed, {@link WARM_UP_CALLS} times or for {@link WARM_UP_MS}. */
async function warmUp(call: Candidate[HybridSide], counter: { n: number }): Promise<void> {
  const start = now();
  for (let i = 0; i < WARM_UP_CALLS && now() - start < WARM_UP_MS; i += SIZES.length) {
    for (const size of SIZES) await call(size, counter.n++);
  }
}

/**
 * Measures each present pair (not `skip`ped), AEAD first, and returns the
 * side to take: "webcrypto" where `crypto.subtle` is at least
 * {@link SUBTLE_MARGIN} times as fast, else "fallback". Each side is warmed
 * up, then timed over {@link WINDOWS} windows interleaved with the other
 * side's (a load spike on a shared machine then hits both); the best window
 * of each counts. After {@link CALIBRATION_BUDGET_MS} no primitive is
 * started: those left keep their static side. A primitive whose calls throw
 * is left out too.
 */
export async function measureHybrid(
  pairs: CalibrationPairs,
  skip: ReadonlySet<HybridPrimitive>,
): Promise<{ choice: Partial<Record<HybridPrimitive, HybridSide>>; measured: Partial<Record<HybridPrimitive, HybridMeasurement>>; ms: number }> {
  const started = now();
  const choice: Partial<Record<HybridPrimitive, HybridSide>> = {};
  const measured: Partial<Record<HybridPrimitive, HybridMeasurement>> = {};
  const counter = { n: 1 };
  const all = candidates(pairs);
  const todo = CALIBRATION_ORDER.filter((p) => all[p] !== undefined && !skip.has(p));
  if (todo.length === 0) return { choice, measured, ms: 0 };
  const windowMs = Math.max(WINDOW_MS, 5 * clockStep());
  for (const primitive of todo) {
    const c = all[primitive];
    if (c === undefined || now() - started > CALIBRATION_BUDGET_MS) break;
    try {
      await warmUp(c.fallback, counter);
      await warmUp(c.webcrypto, counter);
      let f = 0;
      let w = 0;
      for (let i = 0; i < WINDOWS; i++) {
        // Alternating which side goes first.
        if (i % 2 === 0) {
          f = Math.max(f, await rate(c.fallback, counter, windowMs));
          w = Math.max(w, await rate(c.webcrypto, counter, windowMs));
        } else {
          w = Math.max(w, await rate(c.webcrypto, counter, windowMs));
          f = Math.max(f, await rate(c.fallback, counter, windowMs));
        }
      }
      const m = { webcrypto: Math.round(w), fallback: Math.round(f) };
      measured[primitive] = m;
      choice[primitive] = m.webcrypto >= SUBTLE_MARGIN * m.fallback ? "webcrypto" : "fallback";
    } catch {
      // Either side failing here (it should not) leaves the primitive to its static side.
    }
  }
  return { choice, measured, ms: now() - started };
}
