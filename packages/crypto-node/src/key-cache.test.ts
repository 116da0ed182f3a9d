import { CipherSuite } from "@mlskit/core";
import { createCipherSuiteProvider, suitePrimitives } from "@mlskit/hpke";
import { describe, expect, it } from "vitest";
import { nodeCryptoProvider, nodePrimitives } from "./index.js";

const X25519 = CipherSuite.MLS_128_DHKEMX25519_AES128GCM_SHA256_Ed25519;
const P256 = CipherSuite.MLS_128_DHKEMP256_AES128GCM_SHA256_P256;

describe("node provider: KeyObject cache", () => {
  it("imports a key once, and follows a caller that changes its array in place", async () => {
    const source = nodePrimitives();
    const cs = createCipherSuiteProvider(suitePrimitives(source, X25519));
    const kp = await cs.signatureGenerateKeyPair();
    const msg = new Uint8Array([1, 2, 3]);
    const first = await cs.sign(kp.privateKey, msg);
    expect(await cs.sign(kp.privateKey, msg)).toEqual(first);
    expect(await cs.sign(kp.privateKey.slice(), msg)).toEqual(first);
    const before = source.keyCacheSizes.privateKeys;
    // The same array with other bytes is another key, not the cached one.
    const other = (await cs.signatureGenerateKeyPair()).privateKey;
    kp.privateKey.set(other);
    expect(await cs.sign(kp.privateKey, msg)).toEqual(await cs.sign(other.slice(), msg));
    expect(await cs.sign(kp.privateKey, msg)).not.toEqual(first);
    expect(source.keyCacheSizes.privateKeys).toBeGreaterThanOrEqual(before);
  });

  it("forgetPrivateKey drops a private key's KeyObjects (HPKE and signature) and wipes the cache's copy", async () => {
    const source = nodePrimitives();
    const cs = createCipherSuiteProvider(suitePrimitives(source, P256));
    const hpke = await cs.hpkeGenerateKeyPair();
    const sig = await cs.signatureGenerateKeyPair();
    await cs.sign(sig.privateKey, new Uint8Array(1));
    const ct = await cs.hpkeSeal(hpke.publicKey, new Uint8Array(0), new Uint8Array(0), new Uint8Array(5));
    await cs.hpkeOpen(ct, hpke.privateKey, new Uint8Array(0), new Uint8Array(0));
    const n = source.keyCacheSizes.privateKeys;
    source.forgetPrivateKey(hpke.privateKey);
    source.forgetPrivateKey(sig.privateKey);
    expect(source.keyCacheSizes.privateKeys).toBe(n - 2);
    // Still usable: imported again on demand.
    expect(await cs.hpkeOpen(ct, hpke.privateKey, new Uint8Array(0), new Uint8Array(0))).toEqual(new Uint8Array(5));
  });

  it("stays within keyCacheSize", async () => {
    const source = nodePrimitives({ keyCacheSize: 8 });
    const cs = createCipherSuiteProvider(suitePrimitives(source, X25519));
    for (let i = 0; i < 20; i++) {
      const kp = await cs.hpkeGenerateKeyPair();
      await cs.hpkeSeal(kp.publicKey, new Uint8Array(0), new Uint8Array(0), new Uint8Array(1));
    }
    expect(source.keyCacheSizes.privateKeys).toBeLessThanOrEqual(8);
    expect(source.keyCacheSizes.publicKeys).toBeLessThanOrEqual(8);
  });

  it("the provider's forgetPrivateKey resolves for any bytes", async () => {
    await expect(nodeCryptoProvider().forgetPrivateKey!(new Uint8Array(32))).resolves.toBeUndefined();
  });

  it("refuses NIST points off the curve and EdDSA encodings that are no point, as noble does", async () => {
    const cs = await nodeCryptoProvider().cipherSuite(P256);
    const kp = await cs.hpkeGenerateKeyPair();
    const bad = kp.publicKey.slice();
    bad[40]! ^= 1;
    expect(await cs.hpkePublicKeyProblem(kp.publicKey)).toBeUndefined();
    expect(await cs.hpkePublicKeyProblem(bad)).toMatch(/not a point/);
    const sig = await cs.signatureGenerateKeyPair();
    const badSig = sig.publicKey.slice();
    badSig[64]! ^= 1;
    expect(await cs.signaturePublicKeyProblem(badSig)).toMatch(/not a point/);
    const ed = await nodeCryptoProvider().cipherSuite(X25519);
    // y = 2 is no Ed25519 point (x² has no root).
    const noPoint = new Uint8Array(32);
    noPoint[0] = 2;
    expect(await ed.signaturePublicKeyProblem(noPoint)).toMatch(/not the encoding of a point/);
  });
});
