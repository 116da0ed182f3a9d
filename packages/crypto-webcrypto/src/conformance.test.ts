import { CIPHER_SUITES, CryptoError } from "@mlskit/core";
import { cipherSuiteConformance, crossProviderChecks } from "@mlskit/core/conformance";
import { nobleCryptoProvider, noblePrimitives } from "@mlskit/crypto-noble";
import { describe, expect, it } from "vitest";
import { webCryptoProvider } from "./index.js";

const native = webCryptoProvider();
const withFallback = webCryptoProvider({ fallback: noblePrimitives() });
// The hybrid's other routing (what its calibration may choose in a browser): every symmetric primitive on crypto.subtle.
const hybridOnSubtle = webCryptoProvider({
  fallback: noblePrimitives(),
  prefer: { digest: "webcrypto", hmac: "webcrypto", kdf: "webcrypto", aead: "webcrypto" },
});
const noble = nobleCryptoProvider();
const capabilities = await native.capabilities();
const chacha = capabilities["ChaCha20-Poly1305"];
/** Suites crypto.subtle serves alone in this runtime (1, 2, 4, 5, 7 in Node 20). */
const nativeSuites = await native.supportedCipherSuites();

describe("webcrypto provider: what it serves", () => {
  it("is named after its sources", () => {
    expect(native.name).toBe("webcrypto");
    expect(withFallback.name).toBe("webcrypto+noble");
  });

  it("serves the suites whose algorithms crypto.subtle offers", () => {
    const expected = chacha ? [1, 2, 3, 4, 5, 6, 7] : [1, 2, 4, 5, 7];
    expect(nativeSuites).toEqual(expected);
  });

  it("serves all seven suites with the noble fallback", async () => {
    // The seven, and the draft PQ suites (0xF101-0xF10B) through the fallback's ML-KEM / X-Wing / ML-DSA.
    expect(await withFallback.supportedCipherSuites()).toEqual([...CIPHER_SUITES.keys(), ...Array.from({ length: 11 }, (_, i) => 0xf101 + i)]);
  });

  it.skipIf(chacha)("refuses suite 3 without a fallback, naming ChaCha20-Poly1305 and the remedy", async () => {
    const error = await native.cipherSuite(0x0003).then(
      () => undefined,
      (e: unknown) => e,
    );
    expect(CryptoError.isInstance(error)).toBe(true);
    const e = error as CryptoError;
    expect(e.code).toBe("crypto/unsupported");
    expect(e.message).toContain("MLS_128_DHKEMX25519_CHACHA20POLY1305_SHA256_Ed25519");
    expect(e.message).toContain("ChaCha20-Poly1305");
    expect(e.message).toContain("crypto.subtle");
    expect(e.message).toContain("fallback: noblePrimitives()");
  });

  it.skipIf(chacha)("refuses suite 6 without a fallback too", async () => {
    await expect(native.cipherSuite(0x0006)).rejects.toMatchObject({
      code: "crypto/unsupported",
      message: expect.stringContaining("ChaCha20-Poly1305"),
    });
  });

  it("refuses an unknown suite with crypto/unknown-cipher-suite", async () => {
    await expect(native.cipherSuite(0x0a0a)).rejects.toMatchObject({ code: "crypto/unknown-cipher-suite" });
  });

  it("returns one cached CipherSuiteProvider per suite", async () => {
    const [a, b] = await Promise.all([native.cipherSuite(1), native.cipherSuite(1)]);
    expect(a).toBe(b);
  });

  it("reports a capability for every algorithm", () => {
    for (const a of ["SHA-256", "AES-128-GCM", "X25519", "ECDH-P-256", "Ed25519", "ECDSA-P-521"] as const) {
      expect(capabilities[a]).toBe(true);
    }
  });
});

for (const suite of CIPHER_SUITES.values()) {
  // Pure crypto.subtle where it serves the suite alone; the hybrid (webcrypto+noble, the default
  // with a fallback: small symmetric work on whichever side its calibration measured faster) for
  // every suite, and the hybrid with all its symmetric work pinned to crypto.subtle.
  const providers = nativeSuites.includes(suite.id) ? [native, withFallback, hybridOnSubtle] : [withFallback, hybridOnSubtle];
  for (const provider of providers) {
    const label = provider === withFallback ? `${provider.name} (hybrid, calibrated)` : provider === hybridOnSubtle ? `${provider.name} (hybrid, all on subtle)` : provider.name;
    describe(`cipherSuiteConformance × ${label}: ${suite.name}`, async () => {
      const cs = await provider.cipherSuite(suite.id);
      // crypto.subtle alone cannot tell an EdDSA encoding that is no point (the hybrid asks noble).
      for (const c of cipherSuiteConformance(cs, provider === native ? { decodesEdDsaKeys: false } : {})) it(c.name, c.run);
    });
    describe(`crossProviderChecks ${label} × noble: ${suite.name}`, async () => {
      const [a, b] = await Promise.all([provider.cipherSuite(suite.id), noble.cipherSuite(suite.id)]);
      for (const c of crossProviderChecks(a, b)) it(c.name, c.run);
    });
  }
}
