import { CIPHER_SUITES, DEFAULT_CIPHER_SUITE_MAP, TS_MLS_CIPHER_SUITE_MAP } from "@mlskit/core";
import { cipherSuiteConformance } from "@mlskit/core/conformance";
import { describe, expect, it } from "vitest";
import { nobleCryptoProvider } from "./provider.js";

const provider = nobleCryptoProvider();

describe("noble provider", () => {
  it("supports every suite of the default code-point map (RFC 9420's seven, the draft PQ suites at 0xF101-0xF10B)", async () => {
    expect(await provider.supportedCipherSuites()).toEqual([...DEFAULT_CIPHER_SUITE_MAP.keys()]);
  });

  it("caches one CipherSuiteProvider per suite", async () => {
    expect(await provider.cipherSuite(1)).toBe(await provider.cipherSuite(1));
  });

  it("refuses a suite id its code-point map does not know with crypto/unknown-cipher-suite", async () => {
    await expect(provider.cipherSuite(0x0a0a)).rejects.toMatchObject({ code: "crypto/unknown-cipher-suite" });
    // 0xF009 is ts-mls's ML-KEM-768 suite: unknown under the default map, served under ts-mls's.
    await expect(provider.cipherSuite(0xf009)).rejects.toMatchObject({ code: "crypto/unknown-cipher-suite" });
    const tsMls = nobleCryptoProvider({ cipherSuites: TS_MLS_CIPHER_SUITE_MAP });
    expect((await tsMls.cipherSuite(0xf009)).suite.name).toBe("MLS_256_MLKEM768_AES256GCM_SHA384_Ed25519");
    await expect(tsMls.cipherSuite(0xf101)).rejects.toMatchObject({ code: "crypto/unknown-cipher-suite" });
  });
});

const tsMlsProvider = nobleCryptoProvider({ cipherSuites: TS_MLS_CIPHER_SUITE_MAP });
for (const [p, suite] of [
  ...[...DEFAULT_CIPHER_SUITE_MAP.values()].map((s) => [provider, s] as const),
  ...[...TS_MLS_CIPHER_SUITE_MAP.values()].filter((s) => !CIPHER_SUITES.has(s.id)).map((s) => [tsMlsProvider, s] as const),
]) {
  describe(`cipherSuiteConformance × noble: 0x${suite.id.toString(16).padStart(4, "0")} ${suite.name}`, async () => {
    const cs = await p.cipherSuite(suite.id);
    for (const c of cipherSuiteConformance(cs)) it(c.name, c.run);
  });
}
