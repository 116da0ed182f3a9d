import { CryptoError } from "@mlskit/core";
import { noblePrimitives } from "@mlskit/crypto-noble";
import { describe, expect, it } from "vitest";
import { webCryptoPrimitives, webCryptoProvider } from "./index.js";

const real = globalThis.crypto;

/** Names of the algorithm argument of a subtle call (a string or `{ name }`). */
function algorithmName(args: unknown[], method: string): string | undefined {
  const index = method === "importKey" || method === "unwrapKey" ? 2 : 0;
  const a = args[index];
  return typeof a === "string" ? a : (a as { name?: string } | undefined)?.name;
}

interface Counting {
  readonly crypto: Crypto;
  /** Calls per "method" and per "method:algorithm". */
  readonly calls: Map<string, number>;
  count(key: string): number;
  reset(): void;
}

/**
 * A `Crypto` whose `subtle` is a Proxy that counts every call and forwards it
 * to the real one; `refuse` makes it throw NotSupportedError for some algorithms.
 */
function countingCrypto(refuse: (algorithm: string | undefined) => boolean = () => false): Counting {
  const calls = new Map<string, number>();
  const bump = (k: string): void => void calls.set(k, (calls.get(k) ?? 0) + 1);
  const subtle = new Proxy(real.subtle, {
    get(target, property) {
      const value: unknown = Reflect.get(target, property, target);
      if (typeof value !== "function") return value;
      return (...args: unknown[]) => {
        const method = String(property);
        const alg = algorithmName(args, method);
        bump(method);
        bump(`${method}:${alg}`);
        if (refuse(alg)) return Promise.reject(new DOMException(`Unrecognized algorithm name`, "NotSupportedError"));
        return (value as (...a: unknown[]) => unknown).apply(target, args);
      };
    },
  });
  const crypto = {
    subtle,
    getRandomValues<T extends ArrayBufferView>(array: T): T {
      bump("getRandomValues");
      return real.getRandomValues(array);
    },
    randomUUID: () => real.randomUUID(),
  } as Crypto;
  return { crypto, calls, count: (k) => calls.get(k) ?? 0, reset: () => calls.clear() };
}

describe("injected crypto", () => {
  it("runs every operation on the injected object", async () => {
    const c = countingCrypto();
    const provider = webCryptoProvider({ crypto: c.crypto });
    const cs = await provider.cipherSuite(1);
    c.reset();
    const kp = await cs.signatureGenerateKeyPair();
    const sig = await cs.sign(kp.privateKey, Uint8Array.of(1, 2, 3));
    expect(await cs.verify(kp.publicKey, Uint8Array.of(1, 2, 3), sig)).toBe(true);
    const hpke = await cs.hpkeGenerateKeyPair();
    const ct = await cs.hpkeSeal(hpke.publicKey, new Uint8Array(0), new Uint8Array(0), Uint8Array.of(9));
    expect(await cs.hpkeOpen(ct, hpke.privateKey, new Uint8Array(0), new Uint8Array(0))).toEqual(Uint8Array.of(9));
    await cs.hash(Uint8Array.of(1));
    cs.randomBytes(8);
    expect(c.count("generateKey:Ed25519")).toBe(1);
    // HPKE key pairs (the recipient's and the ephemeral one) come from generateKey, not from random bytes.
    expect(c.count("generateKey:X25519")).toBe(2);
    expect(c.count("sign:Ed25519")).toBe(1);
    expect(c.count("verify:Ed25519")).toBe(1);
    expect(c.count("deriveBits:X25519")).toBeGreaterThanOrEqual(2);
    expect(c.count("encrypt:AES-GCM")).toBe(1);
    expect(c.count("decrypt:AES-GCM")).toBe(1);
    expect(c.count("digest:SHA-256")).toBe(1);
    expect(c.count("sign:HMAC")).toBeGreaterThan(5);
    expect(c.count("getRandomValues")).toBeGreaterThanOrEqual(1);
  });

  it("probes the injected object: an algorithm it lacks makes its suites unsupported", async () => {
    const c = countingCrypto((alg) => alg === "Ed25519");
    const provider = webCryptoProvider({ crypto: c.crypto });
    expect((await provider.capabilities()).Ed25519).toBe(false);
    expect(await provider.supportedCipherSuites()).not.toContain(1);
    await expect(provider.cipherSuite(1)).rejects.toMatchObject({
      code: "crypto/unsupported",
      message: expect.stringContaining("Ed25519"),
    });
    // The global crypto.subtle does offer Ed25519: the provider did not use it.
    expect((await webCryptoProvider().capabilities()).Ed25519).toBe(true);
  });

  it("takes exactly what subtle lacks from the fallback (preferFallbackFor: [])", async () => {
    const c = countingCrypto((alg) => alg === "Ed25519");
    const provider = webCryptoProvider({ crypto: c.crypto, fallback: noblePrimitives(), preferFallbackFor: [] });
    const cs = await provider.cipherSuite(1);
    c.reset();
    const kp = await cs.signatureGenerateKeyPair();
    const msg = Uint8Array.of(4, 5, 6);
    expect(await cs.verify(kp.publicKey, msg, await cs.sign(kp.privateKey, msg))).toBe(true);
    const hpke = await cs.hpkeGenerateKeyPair();
    await cs.hpkeSeal(hpke.publicKey, msg, msg, msg);
    expect(c.count("sign:Ed25519") + c.count("verify:Ed25519") + c.count("generateKey:Ed25519")).toBe(0); // noble
    expect(c.count("deriveBits:X25519")).toBeGreaterThan(0); // still native
    expect(c.count("encrypt:AES-GCM")).toBe(1);
  });

  it("probes each algorithm once, lazily", async () => {
    const c = countingCrypto();
    const provider = webCryptoProvider({ crypto: c.crypto });
    expect(c.calls.size).toBe(0); // nothing at construction
    await provider.cipherSuite(1);
    expect(c.count("generateKey:Ed448")).toBe(0); // suite 1 needs no Ed448
    expect(c.count("generateKey:Ed25519")).toBe(1);
    await provider.supportedCipherSuites();
    await provider.supportedCipherSuites();
    await provider.cipherSuite(4);
    expect(c.count("generateKey:Ed25519")).toBe(1);
    expect(c.count("generateKey:Ed448")).toBe(1);
  });

  it("reads randomness from the injected getRandomValues, in 64 KiB chunks", async () => {
    const c = countingCrypto();
    const source = await webCryptoPrimitives({ crypto: c.crypto });
    c.reset();
    const bytes = source.randomBytes(200_000);
    expect(bytes.length).toBe(200_000);
    expect(c.count("getRandomValues")).toBe(4);
    // Every chunk was filled (a 4 KiB run of zeros would be astronomically unlikely).
    for (let at = 0; at < bytes.length; at += 4096) expect(bytes.subarray(at, at + 4096).some((b) => b !== 0)).toBe(true);
  });

  it("without crypto.subtle, serves nothing alone and everything with a fallback", async () => {
    const bare = { getRandomValues: real.getRandomValues.bind(real) } as unknown as Crypto;
    const alone = webCryptoProvider({ crypto: bare });
    expect(await alone.supportedCipherSuites()).toEqual([]);
    const error = await alone.cipherSuite(1).catch((e: unknown) => e);
    expect(CryptoError.isInstance(error) && error.code).toBe("crypto/unsupported");
    expect((error as Error).message).toMatch(/no crypto\.subtle/);
    const composed = webCryptoProvider({ crypto: bare, fallback: noblePrimitives() });
    expect(await composed.supportedCipherSuites()).toEqual([1, 2, 3, 4, 5, 6, 7, ...Array.from({ length: 11 }, (_, i) => 0xf101 + i)]);
    const cs = await composed.cipherSuite(2);
    const kp = await cs.signatureGenerateKeyPair();
    expect(await cs.verify(kp.publicKey, Uint8Array.of(1), await cs.sign(kp.privateKey, Uint8Array.of(1)))).toBe(true);
  });
});

describe("all-zero DH output", () => {
  it("is rejected even when subtle itself returns it (RFC 9180 §7.1.4)", async () => {
    let zero = false;
    const subtle = new Proxy(real.subtle, {
      get(target, property) {
        const value: unknown = Reflect.get(target, property, target);
        if (typeof value !== "function") return value;
        if (property === "deriveBits") {
          return async (...args: unknown[]) => {
            const out = (await (value as (...a: unknown[]) => Promise<ArrayBuffer>).apply(target, args)) as ArrayBuffer;
            return zero ? new ArrayBuffer(out.byteLength) : out;
          };
        }
        return (value as (...a: unknown[]) => unknown).bind(target);
      },
    });
    const crypto = { subtle, getRandomValues: real.getRandomValues.bind(real) } as unknown as Crypto;
    const source = await webCryptoPrimitives({ crypto });
    expect(source.native.X25519).toBe(true);
    const dh = source.dh(0x0020)!;
    const sk = new Uint8Array(32).fill(5);
    const pk = await dh.publicKey(new Uint8Array(32).fill(6));
    expect((await dh.dh(sk, pk)).length).toBe(32);
    zero = true;
    await expect(dh.dh(sk, pk)).rejects.toThrow(/all-zero/);
    // And the probe refuses a subtle whose DH gives zeros.
    expect((await webCryptoPrimitives({ crypto })).native.X25519).toBe(false);
  });
});

describe("key caching", () => {
  it("imports a signature private key once, also from a fresh array with the same bytes", async () => {
    const c = countingCrypto();
    const cs = await webCryptoProvider({ crypto: c.crypto }).cipherSuite(1);
    // Generated elsewhere, so this provider has not seen it.
    const sk = (await (await webCryptoProvider().cipherSuite(1)).signatureGenerateKeyPair()).privateKey;
    c.reset();
    for (let i = 0; i < 20; i++) await cs.sign(sk, Uint8Array.of(i));
    await Promise.all(Array.from({ length: 20 }, (_, i) => cs.sign(sk.slice(), Uint8Array.of(i))));
    expect(c.count("importKey:Ed25519")).toBe(1);
    expect(c.count("sign:Ed25519")).toBe(40);
  });

  it("shares one import between concurrent first uses", async () => {
    const c = countingCrypto();
    const cs = await webCryptoProvider({ crypto: c.crypto }).cipherSuite(2);
    const sk = (await (await webCryptoProvider().cipherSuite(2)).signatureGenerateKeyPair()).privateKey;
    c.reset();
    await Promise.all(Array.from({ length: 30 }, () => cs.sign(sk, Uint8Array.of(1))));
    expect(c.count("importKey:ECDSA")).toBe(1);
  });

  it("knows a key pair it generated without importing it", async () => {
    const c = countingCrypto();
    const cs = await webCryptoProvider({ crypto: c.crypto }).cipherSuite(1);
    const kp = await cs.signatureGenerateKeyPair();
    c.reset();
    await cs.sign(kp.privateKey, Uint8Array.of(1));
    await cs.sign(kp.privateKey.slice(), Uint8Array.of(1));
    expect(await cs.signaturePublicKey(kp.privateKey.slice())).toEqual(kp.publicKey);
    expect(c.count("importKey")).toBe(0);
    expect(c.count("exportKey")).toBe(0);
  });

  it("never signs with a stale key after the array was overwritten", async () => {
    const cs = await webCryptoProvider().cipherSuite(1);
    const a = await cs.signatureGenerateKeyPair();
    const b = await cs.signatureGenerateKeyPair();
    const sk = a.privateKey.slice();
    const msg = Uint8Array.of(7);
    expect(await cs.verify(a.publicKey, msg, await cs.sign(sk, msg))).toBe(true);
    sk.set(b.privateKey);
    expect(await cs.verify(b.publicKey, msg, await cs.sign(sk, msg))).toBe(true);
    expect(await cs.signaturePublicKey(sk)).toEqual(b.publicKey);
  });

  it("imports public keys once by value, within the LRU bound", async () => {
    const c = countingCrypto();
    const cs = await webCryptoProvider({ crypto: c.crypto, publicKeyCacheSize: 4 }).cipherSuite(1);
    const pairs = await Promise.all(Array.from({ length: 6 }, () => cs.signatureGenerateKeyPair()));
    const msg = Uint8Array.of(1);
    const sigs = await Promise.all(pairs.map((p) => cs.sign(p.privateKey, msg)));
    c.reset();
    for (let round = 0; round < 5; round++) expect(await cs.verify(pairs[0]!.publicKey.slice(), msg, sigs[0]!)).toBe(true);
    expect(c.count("importKey:Ed25519")).toBe(1);
    for (let i = 1; i < 6; i++) await cs.verify(pairs[i]!.publicKey.slice(), msg, sigs[i]!);
    expect(c.count("importKey:Ed25519")).toBe(6);
    // Five newer keys pushed the first out of the 4-entry LRU.
    await cs.verify(pairs[0]!.publicKey.slice(), msg, sigs[0]!);
    expect(c.count("importKey:Ed25519")).toBe(7);
    // The most recent one is still there.
    await cs.verify(pairs[5]!.publicKey.slice(), msg, sigs[5]!);
    expect(c.count("importKey:Ed25519")).toBe(7);
  });

  it("imports HPKE private keys and HMAC keys once per key", async () => {
    const c = countingCrypto();
    const cs = await webCryptoProvider({ crypto: c.crypto }).cipherSuite(1);
    const kp = await cs.hpkeGenerateKeyPair();
    const cts = await Promise.all(Array.from({ length: 5 }, () => cs.hpkeSeal(kp.publicKey, new Uint8Array(0), new Uint8Array(0), Uint8Array.of(1))));
    const key = Uint8Array.of(1, 2, 3);
    c.reset();
    for (const ct of cts) await cs.hpkeOpen(ct, kp.privateKey, new Uint8Array(0), new Uint8Array(0), kp.publicKey);
    expect(c.count("importKey:X25519")).toBe(5 + 0); // each enc is a new public key; skR imported already
    for (let i = 0; i < 10; i++) await cs.mac(key, Uint8Array.of(i));
    const before = c.count("importKey:HMAC");
    for (let i = 0; i < 10; i++) await cs.mac(key, Uint8Array.of(i));
    expect(c.count("importKey:HMAC")).toBe(before);
  });
});
