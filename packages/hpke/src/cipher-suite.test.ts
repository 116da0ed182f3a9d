import { CipherSuite, CryptoError, HpkeKemId, SignatureScheme } from "@mlskit/core";
import { noblePrimitives } from "@mlskit/crypto-noble";
import { describe, expect, it } from "vitest";
import { createCipherSuiteProvider, createCryptoProvider, missingPrimitives, suitePrimitives } from "./cipher-suite.js";
import type { PrimitiveSource } from "./primitives.js";

const noble = noblePrimitives();
/** noble without X448 and Ed448. */
const noX448: PrimitiveSource = {
  ...noble,
  name: "no-x448",
  dh: (id) => (id === HpkeKemId.DHKEM_X448_HKDF_SHA512 ? undefined : noble.dh(id)),
  signature: (s) => (s === SignatureScheme.ed448 ? undefined : noble.signature(s)),
};
const codeOf = (p: Promise<unknown>) =>
  p.then(
    () => "ok",
    (e: unknown) => (CryptoError.isInstance(e) ? e.code : `not a CryptoError: ${String(e)}`),
  );

describe("createCryptoProvider", () => {
  it("lists only suites whose every primitive is available", async () => {
    const p = createCryptoProvider("partial", noX448);
    // The draft PQ suites at 0xF101.. too: only those without X448 (all of them).
    expect(await p.supportedCipherSuites()).toEqual([1, 2, 3, 5, 7, ...Array.from({ length: 11 }, (_, i) => 0xf101 + i)]);
    expect(p.name).toBe("partial");
  });

  it("throws crypto/unsupported naming every missing algorithm", async () => {
    const p = createCryptoProvider("partial", noX448);
    const err = await p.cipherSuite(CipherSuite.MLS_256_DHKEMX448_AES256GCM_SHA512_Ed448).catch((e: unknown) => e);
    expect(CryptoError.isInstance(err)).toBe(true);
    expect((err as CryptoError).code).toBe("crypto/unsupported");
    expect((err as Error).message).toContain("DHKEM(X448, HKDF-SHA512)");
    expect((err as Error).message).toContain("Ed448");
    expect(missingPrimitives(noX448, (await p.cipherSuite(1)).suite)).toEqual([]);
  });

  it("rejects unknown suite ids", async () => {
    expect(await codeOf(createCryptoProvider("n", noble).cipherSuite(0x1234))).toBe("crypto/unknown-cipher-suite");
    expect(() => suitePrimitives(noble, 0)).toThrow(/unknown cipher suite 0x0000/);
  });

  it("caches the CipherSuiteProvider per suite", async () => {
    const p = createCryptoProvider("n", noble);
    const a = await p.cipherSuite(2);
    expect(await p.cipherSuite(2)).toBe(a);
    expect(await p.cipherSuite(3)).not.toBe(a);
  });

  it("refuses primitives that do not match the suite", () => {
    const p = suitePrimitives(noble, 1);
    expect(() => createCipherSuiteProvider({ ...p, aead: noble.aead(3)! })).toThrow(/AEAD primitive is ChaCha20-Poly1305/);
  });
});

describe("CipherSuiteProvider error mapping", () => {
  it("maps AEAD failures to crypto/aead-open and bad keys to crypto/invalid-key", async () => {
    const cs = await createCryptoProvider("n", noble).cipherSuite(1);
    const key = new Uint8Array(16);
    const nonce = new Uint8Array(12);
    const ct = await cs.aeadSeal(key, nonce, new Uint8Array(0), Uint8Array.of(1, 2, 3));
    ct[0]! ^= 1;
    expect(await codeOf(cs.aeadOpen(key, nonce, new Uint8Array(0), ct))).toBe("crypto/aead-open");
    expect(await codeOf(cs.aeadOpen(new Uint8Array(5), nonce, new Uint8Array(0), ct))).toBe("crypto/aead-open");
    expect(await codeOf(cs.aeadSeal(new Uint8Array(32), nonce, new Uint8Array(0), ct))).toBe("crypto/invalid-key");
  });

  it("maps HPKE failures to crypto/hpke-open and crypto/invalid-key", async () => {
    const cs = await createCryptoProvider("n", noble).cipherSuite(2);
    const kp = await cs.hpkeGenerateKeyPair();
    const e = new Uint8Array(0);
    const ct = await cs.hpkeSeal(kp.publicKey, e, e, Uint8Array.of(9));
    expect(await codeOf(cs.hpkeOpen({ ...ct, ciphertext: ct.ciphertext.slice(1) }, kp.privateKey, e, e))).toBe("crypto/hpke-open");
    expect(await codeOf(cs.hpkeOpen(ct, kp.privateKey.subarray(1), e, e))).toBe("crypto/invalid-key");
    expect(await codeOf(cs.hpkeSeal(kp.publicKey.subarray(1), e, e, e))).toBe("crypto/invalid-key");
    expect(await codeOf(cs.hpkeExportReceiver(ct.kemOutput.subarray(2), kp.privateKey, e, e, 32))).toBe("crypto/hpke-open");
  });

  it("verify returns false when the primitive throws", async () => {
    const throwing: PrimitiveSource = {
      ...noble,
      signature: (s) => {
        const sig = noble.signature(s);
        return sig && { ...sig, verify: () => Promise.reject(new Error("boom")) };
      },
    };
    const cs = await createCryptoProvider("t", throwing).cipherSuite(1);
    expect(await cs.verify(new Uint8Array(32), new Uint8Array(0), new Uint8Array(64))).toBe(false);
  });

  it("hpkeOpen with the public key does not recompute pk(skR)", async () => {
    let calls = 0;
    const counting: PrimitiveSource = {
      ...noble,
      dh: (id) => {
        const g = noble.dh(id);
        return g && { ...g, publicKey: (sk) => (calls++, g.publicKey(sk)) };
      },
    };
    const cs = await createCryptoProvider("c", counting).cipherSuite(1);
    const kp = await cs.hpkeGenerateKeyPair();
    const e = new Uint8Array(0);
    const ct = await cs.hpkeSeal(kp.publicKey, e, e, Uint8Array.of(1));
    calls = 0;
    await cs.hpkeOpen(ct, kp.privateKey, e, e, kp.publicKey);
    await cs.hpkeExportReceiver(ct.kemOutput, kp.privateKey, e, e, 32, kp.publicKey);
    expect(calls).toBe(0);
    await cs.hpkeOpen(ct, kp.privateKey, e, e);
    expect(calls).toBe(1);
  });
});
