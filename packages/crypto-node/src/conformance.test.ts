import { CIPHER_SUITES, CryptoError } from "@mlskit/core";
import { cipherSuiteConformance, crossProviderChecks } from "@mlskit/core/conformance";
import { nobleCryptoProvider, noblePrimitives } from "@mlskit/crypto-noble";
import { describe, expect, it } from "vitest";
import { nodeCryptoProvider } from "./index.js";

const provider = nodeCryptoProvider();
const noble = nobleCryptoProvider();
const SEVEN = [...CIPHER_SUITES.keys()];

describe("node provider: what it serves", () => {
  it("is named node, or node+<fallback>", () => {
    expect(provider.name).toBe("node");
    expect(nodeCryptoProvider({ fallback: noblePrimitives() }).name).toBe("node+noble");
  });

  it("serves the seven RFC 9420 suites (ChaCha20-Poly1305 and X448/Ed448 included) on its own", async () => {
    expect(await provider.supportedCipherSuites()).toEqual(SEVEN);
  });

  it("serves what the fallback adds beyond the seven (the draft PQ suites, where noble has them)", async () => {
    const withNoble = nodeCryptoProvider({ fallback: noblePrimitives() });
    const nobleSuites = await noble.supportedCipherSuites();
    expect(await withNoble.supportedCipherSuites()).toEqual(nobleSuites);
  });

  it("caches one CipherSuiteProvider per suite, with the synchronous hash and HKDF-Expand", async () => {
    const cs = await provider.cipherSuite(1);
    expect(await provider.cipherSuite(1)).toBe(cs);
    expect(typeof cs.hashSync).toBe("function");
    expect(typeof cs.kdfExpandSync).toBe("function");
    const data = new Uint8Array(100).fill(7);
    expect(cs.hashSync!(data)).toEqual(await cs.hash(data));
    expect(cs.kdfExpandSync!(data.subarray(0, 32), data, 80)).toEqual(await cs.kdfExpand(data.subarray(0, 32), data, 80));
  });

  it("returns plain Uint8Arrays, not Buffers", async () => {
    const cs = await provider.cipherSuite(1);
    const kp = await cs.signatureGenerateKeyPair();
    for (const out of [await cs.hash(new Uint8Array(3)), await cs.sign(kp.privateKey, new Uint8Array(3)), kp.publicKey, cs.randomBytes(8)]) {
      expect(Object.getPrototypeOf(out)).toBe(Uint8Array.prototype);
    }
  });

  it("refuses a suite id it does not know", async () => {
    const error = await provider.cipherSuite(0x0a0a).then(
      () => undefined,
      (e: unknown) => e,
    );
    expect(CryptoError.isInstance(error)).toBe(true);
  });
});

for (const id of SEVEN) {
  const name = CIPHER_SUITES.get(id)!.name;
  describe(`cipherSuiteConformance × node: ${name}`, async () => {
    const cs = await provider.cipherSuite(id);
    for (const c of cipherSuiteConformance(cs)) it(c.name, c.run);
  });
  describe(`crossProviderChecks node × noble: ${name}`, async () => {
    const a = await nodeCryptoProvider().cipherSuite(id);
    const b = await noble.cipherSuite(id);
    for (const c of crossProviderChecks(a, b)) it(c.name, c.run);
  });
}
