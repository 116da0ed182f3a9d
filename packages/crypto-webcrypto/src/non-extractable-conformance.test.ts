/**
 * The provider conformance suite in the `nonExtractableKeys` mode, for every
 * suite whose DH and signature `crypto.subtle` offers in this runtime (all
 * seven on Node 20 with noble for ChaCha20-Poly1305).
 *
 * One check of `cipherSuiteConformance` cannot hold in this mode and is
 * replaced: "sizes match the suite" asserts that a generated private key is
 * Nsk bytes, and here it is a key handle (longer than any real key by design);
 * the replacement checks every other size and the handle's. In
 * `crossProviderChecks` against noble, the direction that hands a key made
 * here to noble is expected to fail (a handle is no key outside this provider),
 * and is checked to fail with `crypto/invalid-key`.
 */
import { CIPHER_SUITES, CryptoError, type CipherSuiteProvider } from "@mlskit/core";
import { cipherSuiteConformance, crossProviderChecks } from "@mlskit/core/conformance";
import { nobleCryptoProvider, noblePrimitives } from "@mlskit/crypto-noble";
import { describe, expect, it } from "vitest";
import { isKeyHandle, memoryKeyObjectStore, webCryptoProvider } from "./index.js";
import { KEY_HANDLE_PREFIX } from "./key-handle.js";

const keyStore = memoryKeyObjectStore();
const native = webCryptoProvider({ nonExtractableKeys: { keyStore } });
const hybrid = webCryptoProvider({ fallback: noblePrimitives(), nonExtractableKeys: { keyStore } });
const noble = nobleCryptoProvider();
const nativeSuites = await native.supportedCipherSuites();
const hybridSuites = await hybrid.supportedCipherSuites();
const capabilities = await native.capabilities();

/** The sizes check, with the private keys checked to be handles carrying the public key. */
async function sizesWithHandles(cs: CipherSuiteProvider, plain: CipherSuiteProvider): Promise<void> {
  expect(cs.hashLength).toBe(plain.hashLength);
  expect(cs.aeadKeyLength).toBe(plain.aeadKeyLength);
  expect(cs.aeadNonceLength).toBe(plain.aeadNonceLength);
  const [hpke, sig, hpkePlain, sigPlain] = await Promise.all([
    cs.hpkeGenerateKeyPair(),
    cs.signatureGenerateKeyPair(),
    plain.hpkeGenerateKeyPair(),
    plain.signatureGenerateKeyPair(),
  ]);
  expect(hpke.publicKey.length).toBe(hpkePlain.publicKey.length);
  expect(sig.publicKey.length).toBe(sigPlain.publicKey.length);
  for (const [kp, realLength] of [
    [hpke, hpkePlain.privateKey.length],
    [sig, sigPlain.privateKey.length],
  ] as const) {
    expect(isKeyHandle(kp.privateKey)).toBe(true);
    expect(kp.privateKey.length).toBe(KEY_HANDLE_PREFIX.length + 32 + kp.publicKey.length);
    expect(kp.privateKey.length).toBeGreaterThan(66); // longer than any suite's real private key
    expect(kp.privateKey.length).not.toBe(realLength);
    expect(kp.privateKey.subarray(kp.privateKey.length - kp.publicKey.length)).toEqual(kp.publicKey);
  }
}

describe("nonExtractableKeys: what it serves", () => {
  it("serves, without a fallback, the suites crypto.subtle serves alone", async () => {
    expect(nativeSuites).toEqual(await webCryptoProvider().supportedCipherSuites());
    expect(native.nonExtractableKeys).toBe(true);
    expect(webCryptoProvider().nonExtractableKeys).toBe(false);
  });

  it("serves with the noble fallback every suite whose DH and signature are native", () => {
    const nativeAsymmetric = [...CIPHER_SUITES.values()].filter((s) => {
      const dh = ({ 0x10: "ECDH-P-256", 0x11: "ECDH-P-384", 0x12: "ECDH-P-521", 0x20: "X25519", 0x21: "X448" } as Record<number, string>)[s.kem] as keyof typeof capabilities;
      const sig = ({ 0x403: "ECDSA-P-256", 0x503: "ECDSA-P-384", 0x603: "ECDSA-P-521", 0x807: "Ed25519", 0x808: "Ed448" } as Record<number, string>)[
        s.signature
      ] as keyof typeof capabilities;
      return capabilities[dh] && capabilities[sig];
    });
    expect(hybridSuites).toEqual(nativeAsymmetric.map((s) => s.id));
  });
});

for (const suite of CIPHER_SUITES.values()) {
  const providers = [...(nativeSuites.includes(suite.id) ? [native] : []), ...(hybridSuites.includes(suite.id) ? [hybrid] : [])];
  for (const provider of providers) {
    const label = `${provider.name}, nonExtractableKeys${provider === hybrid ? " (hybrid)" : ""}`;
    describe(`cipherSuiteConformance × ${label}: ${suite.name}`, async () => {
      const cs = await provider.cipherSuite(suite.id);
      const plain = await noble.cipherSuite(suite.id);
      const checks = cipherSuiteConformance(cs, provider === native ? { decodesEdDsaKeys: false } : {});
      const replaced = checks.filter((c) => c.name.endsWith(": sizes match the suite"));
      expect(replaced).toHaveLength(1);
      for (const c of checks) if (!replaced.includes(c)) it(c.name, c.run);
      it(`${suite.name}: sizes match the suite (private keys are key handles)`, () => sizesWithHandles(cs, plain));
    });
    describe(`crossProviderChecks ${label} × noble: ${suite.name}`, async () => {
      const [a, b] = await Promise.all([provider.cipherSuite(suite.id), noble.cipherSuite(suite.id)]);
      const checks = crossProviderChecks(a, b);
      const handsKeyToNoble = (name: string): boolean => / a→b: keys/.test(name);
      expect(checks.filter((c) => handsKeyToNoble(c.name))).toHaveLength(2);
      for (const c of checks) {
        if (!handsKeyToNoble(c.name)) it(c.name, c.run);
        else {
          it(`${c.name} — fails: noble refuses a key handle as a private key`, async () => {
            const error = await c.run().then(
              () => undefined,
              (e: unknown) => e,
            );
            expect(CryptoError.isInstance(error) && error.code).toBe("crypto/invalid-key");
          });
        }
      }
    });
  }
}
