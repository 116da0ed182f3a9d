import { noblePrimitives } from "@mlskit/crypto-noble";
import type { Aead, HashPrimitive, Kdf, PrimitiveSource } from "@mlskit/hpke";
import { describe, expect, it } from "vitest";
import { HYBRID_PRIMITIVES, webCryptoPrimitives, webCryptoProvider, type WebCryptoProviderOptions } from "./index.js";

const real = globalThis.crypto;

/** Spins for `ms` (a synchronous primitive made slow without changing its result). */
const spin = (ms: number): void => {
  const end = performance.now() + ms;
  while (performance.now() < end) {
    // busy
  }
};

/**
 * How long the slow fallback spins per call: far above a crypto.subtle call
 * even on this loaded 2-core machine (where one can take 1–3 ms).
 */
const SLOW_MS = 5;

/** noble, with every digest, HMAC, HKDF and AEAD call spinning `ms` first: far slower than crypto.subtle. */
function slowFallback(ms: number): PrimitiveSource {
  const n = noblePrimitives();
  const slowHash = (h: HashPrimitive): HashPrimitive => ({
    ...h,
    digest: (d) => (spin(ms), h.digest(d)),
    hmac: (k, d) => (spin(ms), h.hmac(k, d)),
  });
  const slowKdf = (k: Kdf): Kdf => ({ ...k, extract: (s, i) => (spin(ms), k.extract(s, i)), expand: (p, i, l) => (spin(ms), k.expand(p, i, l)) });
  const slowAead = (a: Aead): Aead => ({ ...a, seal: (...x) => (spin(ms), a.seal(...x)), open: (...x) => (spin(ms), a.open(...x)) });
  return {
    ...n,
    name: "slow-noble",
    hash: (name) => {
      const h = n.hash(name);
      return h && slowHash(h);
    },
    kdf: (id) => {
      const k = n.kdf(id);
      return k && slowKdf(k);
    },
    aead: (id) => {
      const a = n.aead(id);
      return a && slowAead(a);
    },
  };
}

/** A `Crypto` whose digest, sign (HMAC), encrypt and decrypt wait `ms` on a timer first, and that counts them. */
function slowSubtle(ms: number) {
  const calls = new Map<string, number>();
  const delayed = new Set(["digest", "sign", "encrypt", "decrypt"]);
  const subtle = new Proxy(real.subtle, {
    get(target, property) {
      const value: unknown = Reflect.get(target, property, target);
      if (typeof value !== "function") return value;
      const name = String(property);
      return async (...args: unknown[]) => {
        calls.set(name, (calls.get(name) ?? 0) + 1);
        if (delayed.has(name) && ms > 0) await new Promise((r) => setTimeout(r, ms));
        return (value as (...a: unknown[]) => unknown).apply(target, args);
      };
    },
  });
  const crypto = { subtle, getRandomValues: <T extends ArrayBufferView>(x: T): T => real.getRandomValues(x) } as Crypto;
  return { crypto, count: (k: string) => calls.get(k) ?? 0, reset: () => calls.clear() };
}

/** The digest, encrypt and sign calls a provider without a fallback makes to hand out suite 1 (its probes). */
async function probeCalls(): Promise<number[]> {
  const c = slowSubtle(0);
  await webCryptoProvider({ crypto: c.crypto }).cipherSuite(1);
  return [c.count("encrypt"), c.count("digest"), c.count("sign")];
}

const seq = (n: number) => Uint8Array.from({ length: n }, (_, i) => (i * 7) & 0xff);

describe("hybrid calibration", () => {
  it("takes crypto.subtle for every primitive where the fallback is far slower, and its outputs are the same", async () => {
    const c = slowSubtle(0);
    const provider = webCryptoProvider({ crypto: c.crypto, fallback: slowFallback(SLOW_MS) });
    const cal = await provider.calibration();
    // AEAD is measured first; on a loaded machine the budget may end before the last ones (they stay static).
    expect(cal.how.aead).toBe("measured");
    for (const p of HYBRID_PRIMITIVES) {
      const m = cal.measured[p];
      if (m === undefined) {
        expect([p, cal.how[p], cal.choice[p]]).toEqual([p, "static", "fallback"]);
      } else {
        expect([p, cal.how[p], cal.choice[p]]).toEqual([p, "measured", "webcrypto"]);
        expect(m.webcrypto).toBeGreaterThan(m.fallback);
      }
    }
    expect(cal.choice.aead).toBe("webcrypto");
    // The routing of every primitive on crypto.subtle, pinned so that it does not depend on the budget.
    const pinned = webCryptoProvider({
      crypto: c.crypto,
      fallback: noblePrimitives(),
      prefer: { digest: "webcrypto", hmac: "webcrypto", kdf: "webcrypto", aead: "webcrypto" },
    });
    const cs = await pinned.cipherSuite(1);
    const noble = await webCryptoProvider({ fallback: noblePrimitives(), calibrate: false }).cipherSuite(1);
    c.reset();
    const key = seq(16);
    const nonce = seq(12);
    const ct = await cs.aeadSeal(key, nonce, seq(3), seq(100));
    expect(ct).toEqual(await noble.aeadSeal(key, nonce, seq(3), seq(100)));
    expect(await cs.hash(seq(100))).toEqual(await noble.hash(seq(100)));
    expect(await cs.mac(seq(32), seq(100))).toEqual(await noble.mac(seq(32), seq(100)));
    expect(await cs.kdfExpand(seq(32), seq(10), 32)).toEqual(await noble.kdfExpand(seq(32), seq(10), 32));
    expect([c.count("encrypt"), c.count("digest")]).toEqual([1, 1]);
    expect(c.count("sign")).toBeGreaterThanOrEqual(2); // the MAC, and HKDF-Expand's HMAC
    // The synchronous variants still come from the fallback (crypto.subtle has none).
    expect(cs.hashSync?.(seq(100))).toEqual(await noble.hash(seq(100)));
  });

  it("keeps the fallback where crypto.subtle is far slower, within its time budget", async () => {
    const c = slowSubtle(4);
    const provider = webCryptoProvider({ crypto: c.crypto, fallback: noblePrimitives() });
    const cal = await provider.calibration();
    expect(cal.choice).toEqual({ digest: "fallback", hmac: "fallback", kdf: "fallback", aead: "fallback" });
    // AEAD is measured first; a primitive not started within the budget keeps its static side.
    expect(cal.how.aead).toBe("measured");
    expect(cal.ms).toBeLessThan(1000);
    const cs = await provider.cipherSuite(1);
    c.reset();
    await cs.aeadSeal(seq(16), seq(12), seq(3), seq(100));
    await cs.hash(seq(100));
    expect([c.count("encrypt"), c.count("digest")]).toEqual([0, 0]);
  });

  it("runs once per runtime (crypto and fallback name), before the first suite is handed out", async () => {
    const c = slowSubtle(0);
    const provider = webCryptoProvider({ crypto: c.crypto, fallback: noblePrimitives() });
    const [cal, cs] = await Promise.all([provider.calibration(), provider.cipherSuite(1)]);
    expect(await provider.calibration()).toBe(cal);
    const encrypts = c.count("encrypt");
    expect(encrypts).toBeGreaterThan(0); // the calibration's seals
    await provider.cipherSuite(2);
    expect(c.count("encrypt")).toBe(encrypts);
    // The suite follows the measured choice.
    c.reset();
    await cs.aeadSeal(seq(16), seq(12), seq(3), seq(100));
    expect(c.count("encrypt")).toBe(cal.choice.aead === "webcrypto" ? 1 : 0);
    // A second provider on the same crypto and fallback takes the measurement without measuring again;
    // another fallback (by name), or other pins, measure.
    c.reset();
    const again = await webCryptoProvider({ crypto: c.crypto, fallback: noblePrimitives() }).calibration();
    expect(again.choice).toEqual(cal.choice);
    expect(again.measured).toEqual(cal.measured);
    // Only its own probes of AES-128-GCM and SHA-256 (one call each); a calibration makes dozens.
    expect(c.count("encrypt")).toBeLessThanOrEqual(1);
    expect(c.count("digest")).toBeLessThanOrEqual(1);
    await webCryptoProvider({ crypto: c.crypto, fallback: noblePrimitives(), prefer: { digest: "fallback" } }).calibration();
    expect(c.count("encrypt")).toBeGreaterThan(1);
    c.reset();
    await webCryptoProvider({ crypto: c.crypto, fallback: slowFallback(0) }).calibration();
    expect(c.count("encrypt")).toBeGreaterThan(1);
  });

  it("pins sides with prefer, measuring only the rest", async () => {
    const c = slowSubtle(0);
    const provider = webCryptoProvider({ crypto: c.crypto, fallback: slowFallback(SLOW_MS), prefer: { aead: "fallback", digest: "fallback" } });
    const cal = await provider.calibration();
    // HMAC is the first measured; HKDF may fall after the budget (then static).
    expect(cal.how).toMatchObject({ digest: "pinned", hmac: "measured", aead: "pinned" });
    expect(cal.choice.aead).toBe("fallback");
    expect(cal.choice.hmac).toBe("webcrypto");
    expect(cal.measured.aead).toBeUndefined();
    const cs = await provider.cipherSuite(1);
    c.reset();
    await cs.aeadSeal(seq(16), seq(12), seq(3), seq(100));
    await cs.aeadSeal(seq(16), seq(12), seq(3), seq(4096)); // above the threshold: native
    await cs.hash(seq(100));
    expect([c.count("encrypt"), c.count("digest")]).toEqual([1, 0]);
  });

  it("measures nothing with calibrate: false, with preferFallbackFor, or without a fallback", async () => {
    const cases: [WebCryptoProviderOptions, "webcrypto" | "fallback"][] = [
      [{ calibrate: false }, "fallback"],
      [{ preferFallbackFor: ["hash", "aead"] }, "fallback"],
      [{ prefer: { aead: "webcrypto" }, calibrate: false }, "webcrypto"],
    ];
    for (const [options, aead] of cases) {
      const c = slowSubtle(0);
      const provider = webCryptoProvider({ crypto: c.crypto, fallback: noblePrimitives(), ...options });
      const cal = await provider.cipherSuite(1).then(() => provider.calibration());
      expect(cal.ms).toBe(0);
      expect(cal.measured).toEqual({});
      // Only the probes' calls (those of a provider without a fallback).
      expect([c.count("encrypt"), c.count("digest"), c.count("sign")]).toEqual(await probeCalls());
      expect(cal.choice.aead).toBe(aead);
    }
    const alone = webCryptoProvider({ crypto: slowSubtle(0).crypto });
    expect(await alone.calibration()).toMatchObject({ ms: 0, measured: {}, how: { aead: "static" } });
    // preferFallbackFor leaves its other families pure crypto.subtle (the static table).
    const kdfOnly = await webCryptoPrimitives({ fallback: noblePrimitives(), preferFallbackFor: ["kdf"] });
    expect(kdfOnly.preferFallbackFor).toEqual(["kdf"]);
    expect(kdfOnly.calibration.how).toEqual({ digest: "static", hmac: "static", kdf: "static", aead: "static" });
  });

  it("webCryptoPrimitives reports the calibration it ran", async () => {
    const source = await webCryptoPrimitives({ fallback: slowFallback(SLOW_MS) });
    expect(source.calibration.choice.aead).toBe("webcrypto");
    expect(source.preferFallbackFor).not.toContain("aead");
  });
});
