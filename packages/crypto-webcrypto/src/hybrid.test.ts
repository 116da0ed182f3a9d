import { CryptoError, type CipherSuiteProvider } from "@mlskit/core";
import { nobleCryptoProvider, noblePrimitives } from "@mlskit/crypto-noble";
import { describe, expect, it } from "vitest";
import { HYBRID_AEAD_MAX_INPUT, HYBRID_HASH_MAX_INPUT, HYBRID_KDF_MAX_INPUT } from "./hybrid.js";
import { DEFAULT_PREFER_FALLBACK_FOR, webCryptoPrimitives, webCryptoProvider } from "./index.js";

const real = globalThis.crypto;

/** A `Crypto` whose subtle counts calls per "method:algorithm". */
function countingCrypto() {
  const calls = new Map<string, number>();
  const subtle = new Proxy(real.subtle, {
    get(target, property) {
      const value: unknown = Reflect.get(target, property, target);
      if (typeof value !== "function") return value;
      return (...args: unknown[]) => {
        const a = args[property === "importKey" ? 2 : 0];
        const alg = typeof a === "string" ? a : (a as { name?: string } | undefined)?.name;
        const k = `${String(property)}:${alg}`;
        calls.set(k, (calls.get(k) ?? 0) + 1);
        return (value as (...a: unknown[]) => unknown).apply(target, args);
      };
    },
  });
  const crypto = { subtle, getRandomValues: <T extends ArrayBufferView>(x: T): T => real.getRandomValues(x) } as Crypto;
  return { crypto, count: (k: string) => calls.get(k) ?? 0, reset: () => calls.clear() };
}

const symmetricCalls = (c: ReturnType<typeof countingCrypto>) =>
  ["importKey:HMAC", "sign:HMAC", "digest:SHA-256", "importKey:AES-GCM", "encrypt:AES-GCM", "decrypt:AES-GCM"].map((k) => c.count(k));

const seq = (n: number, start = 0) => Uint8Array.from({ length: n }, (_, i) => (start + i * 7) & 0xff);

describe("hybrid mode (webcrypto + fallback)", () => {
  it("statically (calibrate: false) puts hash, kdf and aead on the fallback, and only with a fallback", async () => {
    expect(DEFAULT_PREFER_FALLBACK_FOR).toEqual(["hash", "kdf", "aead"]);
    const hybrid = await webCryptoPrimitives({ fallback: noblePrimitives(), calibrate: false });
    expect(hybrid.name).toBe("webcrypto+noble");
    expect(hybrid.preferFallbackFor).toEqual(["hash", "kdf", "aead"]);
    expect((await webCryptoPrimitives()).preferFallbackFor).toEqual([]);
    // Without a fallback the option has nothing to prefer.
    expect((await webCryptoPrimitives({ preferFallbackFor: ["hash"] })).preferFallbackFor).toEqual([]);
    expect((await webCryptoPrimitives({ fallback: noblePrimitives(), preferFallbackFor: [] })).preferFallbackFor).toEqual([]);
    // One hybrid instance per algorithm; signatures and DH stay native.
    expect(hybrid.kdf(1)).toBe(hybrid.kdf(1));
    expect(hybrid.aead(1)).not.toBe(noblePrimitives().aead(1));
    expect(hybrid.signature(0x0807)).not.toBe(noblePrimitives().signature(0x0807));
    expect(hybrid.dh(0x0020)).not.toBe(noblePrimitives().dh(0x0020));
  });

  it("runs small hashes, MACs, HKDF and AEAD without crypto.subtle; large inputs and asymmetric work on it", async () => {
    const c = countingCrypto();
    const cs = await webCryptoProvider({ crypto: c.crypto, fallback: noblePrimitives(), calibrate: false }).cipherSuite(1);
    const sig = await cs.signatureGenerateKeyPair();
    const kem = await cs.hpkeGenerateKeyPair();
    const key = cs.randomBytes(16);
    const nonce = cs.randomBytes(12);
    const small = seq(100);
    c.reset();

    await cs.hash(small);
    await cs.mac(seq(32), small);
    const prk = await cs.kdfExtract(new Uint8Array(0), seq(32));
    await cs.kdfExpand(prk, small, 32);
    await cs.aeadOpen(key, nonce, small, await cs.aeadSeal(key, nonce, small, small));
    const ct = await cs.hpkeSeal(kem.publicKey, small, small, small);
    expect(await cs.hpkeOpen(ct, kem.privateKey, small, small, kem.publicKey)).toEqual(small);
    expect(symmetricCalls(c)).toEqual([0, 0, 0, 0, 0, 0]);
    // HPKE's asymmetric part is native: one generated ephemeral key (no private-key import), DH on both sides.
    expect(c.count("generateKey:X25519")).toBe(1);
    expect(c.count("deriveBits:X25519")).toBe(2);
    expect(c.count("importKey:X25519")).toBe(2); // pkR for Encap, enc for Decap: raw public keys only
    expect(await cs.verify(sig.publicKey, small, await cs.sign(sig.privateKey, small))).toBe(true);
    expect(c.count("sign:Ed25519")).toBe(1);
    expect(c.count("verify:Ed25519")).toBe(1);

    c.reset();
    const big = seq(64 * 1024);
    await cs.hash(big);
    await cs.mac(seq(32), big);
    await cs.aeadOpen(key, nonce, small, await cs.aeadSeal(key, nonce, small, big));
    expect(c.count("digest:SHA-256")).toBe(1);
    expect(c.count("sign:HMAC")).toBe(1);
    expect(c.count("encrypt:AES-GCM")).toBe(1);
    expect(c.count("decrypt:AES-GCM")).toBe(1);
  });

  it("prefers the fallback only for the families asked for", async () => {
    const c = countingCrypto();
    const cs = await webCryptoProvider({ crypto: c.crypto, fallback: noblePrimitives(), preferFallbackFor: ["kdf"] }).cipherSuite(1);
    c.reset();
    await cs.kdfExpand(seq(32), seq(10), 32);
    await cs.kdfExtract(seq(32), seq(10));
    expect(c.count("sign:HMAC")).toBe(0);
    await cs.hash(seq(10));
    await cs.mac(seq(32), seq(10));
    await cs.aeadSeal(seq(16), seq(12), seq(0), seq(10));
    expect(c.count("digest:SHA-256")).toBe(1);
    expect(c.count("sign:HMAC")).toBe(1);
    expect(c.count("encrypt:AES-GCM")).toBe(1);
  });

  describe("gives the same bytes and the same errors as pure WebCrypto and noble, on both sides of each threshold", () => {
    // Every primitive on the fallback below the thresholds, every one on crypto.subtle, and as measured here.
    const hybrids = {
      static: webCryptoProvider({ fallback: noblePrimitives(), calibrate: false }),
      "all webcrypto": webCryptoProvider({
        fallback: noblePrimitives(),
        prefer: { digest: "webcrypto", hmac: "webcrypto", kdf: "webcrypto", aead: "webcrypto" },
      }),
      calibrated: webCryptoProvider({ fallback: noblePrimitives() }),
    };
    const pure = webCryptoProvider();
    const noble = nobleCryptoProvider();
    for (const [choice, hybrid] of Object.entries(hybrids))
      for (const id of [1, 2, 7] as const) {
        it(`suite ${id}, ${choice}`, async () => {
          const [h, w, n] = (await Promise.all([hybrid, pure, noble].map((p) => p.cipherSuite(id)))) as CipherSuiteProvider[];
          const all = [h!, w!, n!];
          const same = async (f: (cs: CipherSuiteProvider) => Promise<Uint8Array>) => {
            const [a, b, c] = await Promise.all(all.map(f));
            expect(a).toEqual(c);
            expect(b).toEqual(c);
          };
          for (const size of [0, 1, HYBRID_HASH_MAX_INPUT, HYBRID_HASH_MAX_INPUT + 1, 5000]) {
            await same((cs) => cs.hash(seq(size)));
            await same((cs) => cs.mac(seq(40), seq(size)));
            await same((cs) => cs.mac(new Uint8Array(0), seq(size)));
          }
          for (const size of [0, 33, HYBRID_KDF_MAX_INPUT, HYBRID_KDF_MAX_INPUT + 1]) {
            await same((cs) => cs.kdfExtract(new Uint8Array(0), seq(size)));
            await same((cs) => cs.kdfExtract(seq(20), seq(size)));
            for (const length of [0, 1, h!.hashLength, 3 * h!.hashLength + 1, 255 * h!.hashLength]) {
              await same((cs) => cs.kdfExpand(seq(h!.hashLength, 3), seq(size), length));
            }
            // A PRK shorter than Nh, which HMAC accepts.
            await same((cs) => cs.kdfExpand(seq(5), seq(size), 40));
          }
          for (const cs of [h!, w!]) {
            await expect(cs.kdfExpand(seq(h!.hashLength), seq(3), 255 * h!.hashLength + 1)).rejects.toThrow(RangeError);
          }
          const key = seq(h!.aeadKeyLength, 11);
          const nonce = seq(h!.aeadNonceLength, 5);
          const aad = seq(20);
          const edge = HYBRID_AEAD_MAX_INPUT - aad.length;
          for (const size of [0, 1, edge - 16, edge - 15, edge, edge + 1, 4096]) {
            const pt = seq(size, 1);
            await same((cs) => cs.aeadSeal(key, nonce, aad, pt));
            const ct = await n!.aeadSeal(key, nonce, aad, pt);
            await same((cs) => cs.aeadOpen(key, nonce, aad, ct));
            const forged = ct.slice();
            forged[forged.length - 1]! ^= 1;
            for (const cs of all) await expect(cs.aeadOpen(key, nonce, aad, forged)).rejects.toMatchObject({ code: "crypto/aead-open" });
          }
          for (const pt of [seq(10), seq(4096)]) {
            for (const cs of [h!, w!]) {
              await expect(cs.aeadSeal(key.subarray(1), nonce, aad, pt)).rejects.toMatchObject({ code: "crypto/invalid-key" });
              await expect(cs.aeadSeal(key, nonce.subarray(1), aad, pt)).rejects.toBeInstanceOf(CryptoError);
            }
          }
        });
      }
  });
});

describe("synchronous hashing", () => {
  it("the hybrid offers hashSync from its fallback; pure WebCrypto does not", async () => {
    const hybrid = await webCryptoProvider({ fallback: noblePrimitives() }).cipherSuite(1);
    const pure = await webCryptoProvider().cipherSuite(1);
    expect(typeof hybrid.hashSync).toBe("function");
    expect(pure.hashSync).toBeUndefined();
    const data = new Uint8Array(3000).fill(9);
    expect(hybrid.hashSync!(data)).toEqual(await pure.hash(data));
  });
});
