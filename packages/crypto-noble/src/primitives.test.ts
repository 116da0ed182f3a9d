import { HpkeAeadId, HpkeKdfId, HpkeKemId, SignatureScheme } from "@mlskit/core";
import { hmac } from "@noble/hashes/hmac.js";
import { sha256 } from "@noble/hashes/sha2.js";
import { p256 } from "@noble/curves/nist.js";
import { describe, expect, it } from "vitest";
import { nobleCryptoProvider, noblePrimitives } from "./provider.js";

const src = noblePrimitives();

describe("noble primitive source", () => {
  it("offers every algorithm of the seven suites and nothing unknown", () => {
    for (const h of ["SHA-256", "SHA-384", "SHA-512"] as const) expect(src.hash(h)?.name).toBe(h);
    for (const id of Object.values(HpkeKdfId)) expect(src.kdf(id)?.id).toBe(id);
    for (const id of [HpkeAeadId.AES_128_GCM, HpkeAeadId.AES_256_GCM, HpkeAeadId.CHACHA20_POLY1305]) expect(src.aead(id)?.id).toBe(id);
    for (const id of Object.values(HpkeKemId)) {
      if (id < 0x0040) expect(src.dh(id)?.kemId).toBe(id);
      else expect(src.kem?.(id)?.kemId).toBe(id); // ML-KEM and the PQ/T hybrids
    }
    for (const s of Object.values(SignatureScheme)) expect(src.signature(s)?.scheme).toBe(s);
    expect(src.aead(HpkeAeadId.EXPORT_ONLY)).toBeUndefined();
    expect(src.kdf(7)).toBeUndefined();
    expect(noblePrimitives()).toBe(src);
  });

  it("HKDF-Expand accepts a PRK shorter than HashLen, as HMAC does", async () => {
    const kdf = src.kdf(HpkeKdfId.HKDF_SHA256)!;
    const prk = Uint8Array.of(1, 2, 3);
    const info = Uint8Array.of(9);
    const t1 = hmac(sha256, prk, Uint8Array.of(9, 1));
    const t2 = hmac(sha256, prk, Uint8Array.of(...t1, 9, 2));
    expect(await kdf.expand(prk, info, 40)).toEqual(Uint8Array.of(...t1, ...t2.subarray(0, 8)));
    expect(await kdf.expand(prk, info, 0)).toEqual(new Uint8Array(0));
  });

  it("AEADs insist on exactly Nk and Nn bytes", async () => {
    const aes128 = src.aead(HpkeAeadId.AES_128_GCM)!;
    await expect(aes128.seal(new Uint8Array(32), new Uint8Array(12), new Uint8Array(0), new Uint8Array(0))).rejects.toThrow(/16 bytes/);
    await expect(aes128.seal(new Uint8Array(16), new Uint8Array(16), new Uint8Array(0), new Uint8Array(0))).rejects.toThrow(/12 bytes/);
  });

  it("NIST DH accepts only uncompressed points (RFC 9180 §7.1.1)", async () => {
    const g = src.dh(HpkeKemId.DHKEM_P256_HKDF_SHA256)!;
    const sk = p256.utils.randomSecretKey();
    const peer = p256.utils.randomSecretKey();
    const shared = await g.dh(sk, p256.getPublicKey(peer, false));
    expect(shared).toHaveLength(32);
    expect(shared).toEqual(p256.getSharedSecret(peer, p256.getPublicKey(sk, false)).subarray(1));
    const compressed = p256.getPublicKey(peer, true);
    await expect(g.dh(sk, compressed)).rejects.toThrow();
    const hybrid = p256.getPublicKey(peer, false);
    hybrid[0] = 0x06;
    await expect(g.dh(sk, hybrid)).rejects.toThrow();
  });

  it("NIST isValidPrivateKey rejects zero and the group order", () => {
    const g = src.dh(HpkeKemId.DHKEM_P256_HKDF_SHA256)!;
    const n = p256.Point.Fn.ORDER;
    const be = (x: bigint) =>
      Uint8Array.from(
        x
          .toString(16)
          .padStart(64, "0")
          .match(/../g)!
          .map((h) => parseInt(h, 16)),
      );
    expect(g.isValidPrivateKey(new Uint8Array(32))).toBe(false);
    expect(g.isValidPrivateKey(be(n))).toBe(false);
    expect(g.isValidPrivateKey(be(n - 1n))).toBe(true);
    expect(g.isValidPrivateKey(be(1n))).toBe(true);
    expect(g.isValidPrivateKey(new Uint8Array(31).fill(1))).toBe(false);
  });
});

describe("noble ECDSA (RFC 9420 §5.1.2)", () => {
  const ecdsa = src.signature(SignatureScheme.ecdsa_secp256r1_sha256)!;
  const msg = new TextEncoder().encode("message");

  it("signs DER and verifies high-S signatures too", async () => {
    const kp = await ecdsa.generateKeyPair();
    const der = await ecdsa.sign(kp.privateKey, msg);
    expect(der[0]).toBe(0x30);
    const sig = p256.Signature.fromBytes(der, "der");
    const highS = new p256.Signature(sig.r, p256.Point.Fn.ORDER - sig.s).toBytes("der");
    expect(await ecdsa.verify(kp.publicKey, msg, highS)).toBe(true);
    // A compact (r || s) signature is not DER: false, not an exception.
    expect(await ecdsa.verify(kp.publicKey, msg, sig.toBytes("compact"))).toBe(false);
  });

  it("rejects compressed public keys for verification (RFC 9420 §5.1.1)", async () => {
    const kp = await ecdsa.generateKeyPair();
    const sig = await ecdsa.sign(kp.privateKey, msg);
    const compressed = p256.Point.fromBytes(kp.publicKey).toBytes(true);
    expect(await ecdsa.verify(compressed, msg, sig)).toBe(false);
  });
});

describe("ECDSA private keys shorter than the field (noble)", () => {
  // A minimal big-endian integer whose leading zero bytes were dropped (message-protection.json's P-521 key).
  for (const [suite, size] of [
    [2, 32],
    [5, 66],
  ] as const) {
    it(`suite ${suite}: a key missing its leading zero byte is the left-padded scalar`, async () => {
      const cs = await nobleCryptoProvider().cipherSuite(suite);
      const full = new Uint8Array(size);
      full.set(cs.randomBytes(size - 1), 1);
      full[1] = Math.max(1, full[1]!);
      const short = full.slice(1);
      const copy = short.slice();
      const pk = await cs.signaturePublicKey(full);
      expect(await cs.signaturePublicKey(short)).toEqual(pk);
      const msg = Uint8Array.of(4, 5);
      expect(await cs.verify(pk, msg, await cs.sign(short, msg))).toBe(true);
      expect(short).toEqual(copy);
      const padded = new Uint8Array(size);
      padded[size - 1] = 7;
      expect(await cs.signaturePublicKey(Uint8Array.of(7))).toEqual(await cs.signaturePublicKey(padded));
    });

    it(`suite ${suite}: a longer key, zero and out-of-range scalars are crypto/invalid-key`, async () => {
      const cs = await nobleCryptoProvider().cipherSuite(suite);
      const valid = (await cs.signatureGenerateKeyPair()).privateKey;
      const longer = new Uint8Array(size + 1);
      longer.set(valid, 1);
      for (const sk of [longer, new Uint8Array(0), new Uint8Array(size - 1), new Uint8Array(size).fill(0xff)]) {
        await expect(cs.sign(sk, Uint8Array.of(1))).rejects.toMatchObject({ code: "crypto/invalid-key" });
        await expect(cs.signaturePublicKey(sk)).rejects.toMatchObject({ code: "crypto/invalid-key" });
      }
    });
  }
});
