import { readFileSync } from "node:fs";
import { CIPHER_SUITES } from "@mlskit/core";
import { describe, expect, it } from "vitest";
import { DEFAULT_CIPHER_SUITE, defaultCryptoProvider } from "./index.js";

describe("defaultCryptoProvider", () => {
  it("is created synchronously, once, as webcrypto+noble", () => {
    const provider = defaultCryptoProvider();
    expect(provider).toBe(defaultCryptoProvider());
    expect(provider.name).toBe("webcrypto+noble");
  });

  it("serves all seven suites (noble loaded on first need), the default suite hybrid", async () => {
    const provider = defaultCryptoProvider();
    expect(await provider.supportedCipherSuites()).toEqual([...CIPHER_SUITES.keys()]);
    for (const id of CIPHER_SUITES.keys()) expect((await provider.cipherSuite(id)).suite.id).toBe(id);
    // Small hashes on noble, synchronously: the hybrid mode, as with an eager fallback.
    expect(typeof (await provider.cipherSuite(DEFAULT_CIPHER_SUITE)).hashSync).toBe("function");
  });

  it("imports noble only dynamically (so bundlers split it off)", () => {
    const source = readFileSync(new URL("./defaults.ts", import.meta.url), "utf8");
    expect(source).not.toMatch(/^import[^;]*from\s+"@mlskit\/crypto-noble"/m);
    expect(source).toContain('import("@mlskit/crypto-noble")');
  });
});
