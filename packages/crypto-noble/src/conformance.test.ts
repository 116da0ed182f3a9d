import { CIPHER_SUITES } from "@mlskit/core";
import { cipherSuiteConformance } from "@mlskit/core/conformance";
import { describe, expect, it } from "vitest";
import { nobleCryptoProvider } from "./provider.js";

const provider = nobleCryptoProvider();

describe("noble provider", () => {
  it("supports all seven suites", async () => {
    expect(await provider.supportedCipherSuites()).toEqual([...CIPHER_SUITES.keys()]);
  });

  it("caches one CipherSuiteProvider per suite", async () => {
    expect(await provider.cipherSuite(1)).toBe(await provider.cipherSuite(1));
  });

  it("refuses an unknown suite with crypto/unsupported", async () => {
    await expect(provider.cipherSuite(0x0a0a)).rejects.toMatchObject({ code: "crypto/unsupported" });
  });
});

for (const suite of CIPHER_SUITES.values()) {
  describe(`cipherSuiteConformance × noble: ${suite.name}`, async () => {
    const cs = await provider.cipherSuite(suite.id);
    for (const c of cipherSuiteConformance(cs)) it(c.name, c.run);
  });
}
