import { DEFAULT_CIPHER_SUITE_MAP, PQ_DRAFT_PROVISIONAL_FIRST, TS_MLS_CIPHER_SUITE_MAP, CIPHER_SUITES } from "@mlskit/core";
import { cipherSuiteConformance, crossProviderChecks } from "@mlskit/core/conformance";
import { nobleCryptoProvider, noblePrimitives } from "@mlskit/crypto-noble";
import { describe, expect, it } from "vitest";
import { webCryptoProvider } from "./provider.js";

// crypto.subtle has no ML-KEM: the PQ suites are served only through the noble fallback
// (its KEM and ML-DSA; hash, HKDF, AES-GCM, X25519/P-256 stay native), and refused otherwise.
const withFallback = webCryptoProvider({ fallback: noblePrimitives() });
const tsMls = webCryptoProvider({ fallback: noblePrimitives(), cipherSuites: TS_MLS_CIPHER_SUITE_MAP });
const pqDraft = [...DEFAULT_CIPHER_SUITE_MAP.values()].filter((s) => !CIPHER_SUITES.has(s.id));
const pqTsMls = [...TS_MLS_CIPHER_SUITE_MAP.values()].filter((s) => !CIPHER_SUITES.has(s.id));

describe("webcrypto and the post-quantum suites", () => {
  it("without a fallback refuses them with crypto/unsupported naming the KEM", async () => {
    const bare = webCryptoProvider();
    const err = await bare.cipherSuite(PQ_DRAFT_PROVISIONAL_FIRST).catch((e: unknown) => e);
    expect(err).toMatchObject({ code: "crypto/unsupported" });
    expect(String((err as Error).message)).toContain("MLKEM768-X25519");
    expect(await bare.supportedCipherSuites()).not.toContain(PQ_DRAFT_PROVISIONAL_FIRST);
  });
  it("an unknown code point is crypto/unknown-cipher-suite", async () => {
    await expect(withFallback.cipherSuite(0xf009)).rejects.toMatchObject({ code: "crypto/unknown-cipher-suite" });
  });
});

for (const [p, suites, name] of [
  [withFallback, pqDraft, "draft"],
  [tsMls, pqTsMls, "ts-mls"],
] as const) {
  for (const suite of suites) {
    const id = `0x${suite.id.toString(16).padStart(4, "0")}`;
    describe(`cipherSuiteConformance × webcrypto+noble (${name}): ${id} ${suite.name}`, async () => {
      const cs = await p.cipherSuite(suite.id);
      for (const c of cipherSuiteConformance(cs)) it(c.name, c.run);
    });
    describe(`byte-identical × webcrypto+noble vs noble (${name}): ${id}`, async () => {
      const a = await p.cipherSuite(suite.id);
      const b = await nobleCryptoProvider({ cipherSuites: name === "draft" ? DEFAULT_CIPHER_SUITE_MAP : TS_MLS_CIPHER_SUITE_MAP }).cipherSuite(suite.id);
      for (const c of crossProviderChecks(a, b)) it(c.name, c.run);
    });
  }
}
