import { CIPHER_SUITES, CryptoError } from "@mlskit/core";
import { noblePrimitives } from "@mlskit/crypto-noble";
import type { PrimitiveSource } from "@mlskit/hpke";
import { describe, expect, it } from "vitest";
import { webCryptoPrimitives, webCryptoProvider } from "./index.js";

/** A lazy fallback that counts its loads. */
function counting(load: () => Promise<PrimitiveSource> = () => Promise.resolve(noblePrimitives())): { fallback: () => Promise<PrimitiveSource>; loads: () => number } {
  let n = 0;
  return {
    fallback: () => {
      n++;
      return load();
    },
    loads: () => n,
  };
}

describe("a lazy fallback (a function loading the source)", () => {
  it("is not loaded before a suite is asked for, then once, and serves all seven suites", async () => {
    const lazy = counting();
    const provider = webCryptoProvider({ fallback: lazy.fallback, fallbackName: "noble" });
    expect(provider.name).toBe("webcrypto+noble");
    await provider.capabilities();
    expect(lazy.loads()).toBe(0);
    const [a, b] = await Promise.all([provider.cipherSuite(1), provider.cipherSuite(1)]);
    expect(a).toBe(b);
    expect(await provider.supportedCipherSuites()).toEqual([...CIPHER_SUITES.keys(), ...Array.from({ length: 11 }, (_, i) => 0xf101 + i)]);
    for (const id of CIPHER_SUITES.keys()) await provider.cipherSuite(id);
    expect(lazy.loads()).toBe(1);
  });

  it("gives the same bytes as the eager fallback (hybrid mode included)", async () => {
    const eager = await webCryptoProvider({ fallback: noblePrimitives() }).cipherSuite(3);
    const lazy = await webCryptoProvider({ fallback: () => Promise.resolve(noblePrimitives()) }).cipherSuite(3);
    const key = new Uint8Array(32).fill(7);
    const nonce = new Uint8Array(12).fill(1);
    const pt = new TextEncoder().encode("hello");
    expect(await lazy.aeadSeal(key, nonce, new Uint8Array(), pt)).toEqual(await eager.aeadSeal(key, nonce, new Uint8Array(), pt));
    expect(await lazy.hash(pt)).toEqual(await eager.hash(pt));
    // The hybrid's synchronous paths are there as with the eager fallback.
    expect(typeof lazy.hashSync).toBe(typeof eager.hashSync);
    expect(typeof lazy.kdfExpandSync).toBe(typeof eager.kdfExpandSync);
  });

  it("names itself webcrypto+fallback without fallbackName", () => {
    expect(webCryptoProvider({ fallback: () => Promise.resolve(noblePrimitives()) }).name).toBe("webcrypto+fallback");
  });

  it("rejects with crypto/unsupported when the load fails, and retries on the next call", async () => {
    let fail = true;
    const lazy = counting(() => (fail ? Promise.reject(new Error("chunk failed to load")) : Promise.resolve(noblePrimitives())));
    const provider = webCryptoProvider({ fallback: lazy.fallback, fallbackName: "noble" });
    const error = await provider.cipherSuite(1).then(
      () => undefined,
      (e: unknown) => e,
    );
    expect(CryptoError.isInstance(error)).toBe(true);
    expect((error as CryptoError).code).toBe("crypto/unsupported");
    expect((error as Error).cause).toBeInstanceOf(Error);
    fail = false;
    await expect(provider.cipherSuite(3)).resolves.toBeDefined();
    expect(lazy.loads()).toBe(2);
  });

  it("webCryptoPrimitives loads it before answering", async () => {
    const source = await webCryptoPrimitives({ fallback: () => Promise.resolve(noblePrimitives()), fallbackName: "noble" });
    expect(source.name).toBe("webcrypto+noble");
    expect(source.aead(0x0003)).toBeDefined();
  });
});
