import { CryptoError, HpkeKdfId, HpkeKemId } from "@mlskit/core";
import { noblePrimitives } from "@mlskit/crypto-noble";
import { describe, expect, it } from "vitest";
import { Dhkem } from "./dhkem.js";
import type { DhGroup } from "./primitives.js";

const src = noblePrimitives();
const p256 = src.dh(HpkeKemId.DHKEM_P256_HKDF_SHA256)!;
const x25519 = src.dh(HpkeKemId.DHKEM_X25519_HKDF_SHA256)!;
const sha256Kdf = src.kdf(HpkeKdfId.HKDF_SHA256)!;
const random = (n: number) => src.randomBytes(n);
const ascii = (s: string) => new TextEncoder().encode(s);
const cat = (...parts: Uint8Array[]) => {
  const out = new Uint8Array(parts.reduce((n, p) => n + p.length, 0));
  let at = 0;
  for (const p of parts) {
    out.set(p, at);
    at += p.length;
  }
  return out;
};

/** RFC 9180 §7.1.3 for DHKEM(P-256), written out independently over bare HKDF. */
async function candidate(ikm: Uint8Array, counter: number): Promise<Uint8Array> {
  const suiteId = cat(ascii("KEM"), Uint8Array.of(0x00, 0x10));
  const prk = await sha256Kdf.extract(new Uint8Array(0), cat(ascii("HPKE-v1"), suiteId, ascii("dkp_prk"), ikm));
  const info = cat(Uint8Array.of(0, 32), ascii("HPKE-v1"), suiteId, ascii("candidate"), Uint8Array.of(counter));
  return sha256Kdf.expand(prk, info, 32);
}

/** P-256 whose isValidPrivateKey also applies `extra`, counting the candidates it sees. */
function strictP256(extra: (sk: Uint8Array, call: number) => boolean, bitmask = 0xff) {
  const seen: Uint8Array[] = [];
  const group: DhGroup = {
    ...p256,
    bitmask,
    isValidPrivateKey: (sk) => {
      seen.push(sk.slice());
      return p256.isValidPrivateKey(sk) && extra(sk, seen.length - 1);
    },
  };
  return { group, seen };
}

describe("DeriveKeyPair rejection sampling (RFC 9180 §7.1.3)", () => {
  const ikm = ascii("some input keying material of 32b");

  it("takes the first candidate when it is a valid scalar", async () => {
    const kem = new Dhkem(p256, sha256Kdf, random);
    const kp = await kem.deriveKeyPair(ikm);
    expect(kp.privateKey).toEqual(await candidate(ikm, 0));
    expect(kp.publicKey).toEqual(await p256.publicKey(kp.privateKey));
  });

  it("moves to the next counter when a candidate is rejected", async () => {
    const { group, seen } = strictP256((_sk, call) => call >= 3);
    const kp = await new Dhkem(group, sha256Kdf, random).deriveKeyPair(ikm);
    expect(seen).toHaveLength(4);
    for (const [i, c] of seen.entries()) expect(c).toEqual(await candidate(ikm, i));
    expect(kp.privateKey).toEqual(await candidate(ikm, 3));
  });

  it("applies the bitmask to the first byte before the range check", async () => {
    const { group, seen } = strictP256(() => true, 0x01);
    const kp = await new Dhkem(group, sha256Kdf, random).deriveKeyPair(ikm);
    const expected = await candidate(ikm, 0);
    expected[0]! &= 0x01;
    expect(seen[0]).toEqual(expected);
    expect(kp.privateKey[0]).toBeLessThanOrEqual(1);
  });

  it("a small 'order' is met by sampling until a candidate fits", async () => {
    // Accept only scalars whose first byte is below 0x20 (probability 1/8 per candidate).
    const { group, seen } = strictP256((sk) => sk[0]! < 0x20);
    const kp = await new Dhkem(group, sha256Kdf, random).deriveKeyPair(ikm);
    const n = seen.length - 1;
    expect(kp.privateKey).toEqual(await candidate(ikm, n));
    for (let i = 0; i < n; i++) expect((await candidate(ikm, i))[0]).toBeGreaterThanOrEqual(0x20);
  });

  it("gives up after 256 candidates with crypto/derive-key-pair", async () => {
    const { group, seen } = strictP256(() => false);
    const err = await new Dhkem(group, sha256Kdf, random).deriveKeyPair(ikm).catch((e: unknown) => e);
    expect(CryptoError.isInstance(err)).toBe(true);
    expect((err as CryptoError).code).toBe("crypto/derive-key-pair");
    expect(seen).toHaveLength(256);
  });

  it("X25519 uses the expanded bytes directly and never calls isValidPrivateKey", async () => {
    let calls = 0;
    const group: DhGroup = { ...x25519, isValidPrivateKey: (sk) => (calls++, x25519.isValidPrivateKey(sk)) };
    const kp = await new Dhkem(group, sha256Kdf, random).deriveKeyPair(ikm);
    expect(kp.privateKey).toHaveLength(32);
    expect(calls).toBe(0);
  });

  it("does not mutate ikm", async () => {
    const copy = ikm.slice();
    await new Dhkem(p256, sha256Kdf, random).deriveKeyPair(ikm);
    expect(ikm).toEqual(copy);
  });
});

describe("Encap / Decap (RFC 9180 §4.1)", () => {
  it("Decap skips pk(skR) when the caller passes pkR", async () => {
    let publicKeyCalls = 0;
    const group: DhGroup = { ...x25519, publicKey: (sk) => (publicKeyCalls++, x25519.publicKey(sk)) };
    const kem = new Dhkem(group, sha256Kdf, random);
    const r = await kem.generateKeyPair();
    const { sharedSecret, enc } = await kem.encap(r.publicKey);
    publicKeyCalls = 0;
    expect(await kem.decap(enc, r.privateKey, r.publicKey)).toEqual(sharedSecret);
    expect(publicKeyCalls).toBe(0);
    expect(await kem.decap(enc, r.privateKey)).toEqual(sharedSecret);
    expect(publicKeyCalls).toBe(1);
  });

  it("rejects bad keys and encapsulations with stable codes", async () => {
    const kem = new Dhkem(p256, sha256Kdf, random);
    const r = await kem.generateKeyPair();
    const code = (p: Promise<unknown>) =>
      p.then(
        () => "ok",
        (e: unknown) => (CryptoError.isInstance(e) ? e.code : String(e)),
      );
    expect(await code(kem.encap(r.publicKey.subarray(1)))).toBe("crypto/invalid-key");
    const offCurve = new Uint8Array(65);
    offCurve[0] = 4;
    expect(await code(kem.encap(offCurve))).toBe("crypto/invalid-key");
    const { enc } = await kem.encap(r.publicKey);
    expect(await code(kem.decap(enc.subarray(1), r.privateKey))).toBe("crypto/hpke-open");
    expect(await code(kem.decap(offCurve, r.privateKey))).toBe("crypto/hpke-open");
    expect(await code(kem.decap(enc, r.privateKey.subarray(1)))).toBe("crypto/invalid-key");
    const xkem = new Dhkem(x25519, sha256Kdf, random);
    // RFC 9180 §7.1.4: an all-zero DH output (low-order point) is rejected.
    expect(await code(xkem.encap(new Uint8Array(32)))).toBe("crypto/invalid-key");
  });

  it("GenerateKeyPair uses the group's own generator when it has one, else DeriveKeyPair(random)", async () => {
    let generated = 0;
    let randomCalls = 0;
    const countingRandom = (n: number) => (randomCalls++, random(n));
    const withGen: DhGroup = { ...x25519, generateKeyPair: () => (generated++, x25519.generateKeyPair!()) };
    const kem = new Dhkem(withGen, sha256Kdf, countingRandom);
    const r = await kem.generateKeyPair();
    expect(r.publicKey).toEqual(await x25519.publicKey(r.privateKey));
    const { sharedSecret, enc } = await kem.encap(r.publicKey);
    expect(generated).toBe(2); // the recipient's pair and Encap's ephemeral pair
    expect(randomCalls).toBe(0);
    expect(await kem.decap(enc, r.privateKey, r.publicKey)).toEqual(sharedSecret);

    const { generateKeyPair: _unused, ...withoutGen } = x25519;
    const derived = new Dhkem(withoutGen, sha256Kdf, countingRandom);
    const d = await derived.generateKeyPair();
    expect(randomCalls).toBe(1);
    expect(d.publicKey).toEqual(await x25519.publicKey(d.privateKey));
  });

  it("a failing generator surfaces as a CryptoError", async () => {
    const failing: DhGroup = { ...x25519, generateKeyPair: () => Promise.reject(new Error("no entropy")) };
    const kem = new Dhkem(failing, sha256Kdf, random);
    await expect(kem.encap((await x25519.generateKeyPair!()).publicKey)).rejects.toMatchObject({ code: "crypto/invalid-key" });
  });

  it("Decap passes a private key the group calls a handle to the group, whatever its length", async () => {
    // A toy group whose "handle" is the 0xee byte followed by the real key.
    const isHandle = (sk: Uint8Array): boolean => sk.length === 33 && sk[0] === 0xee;
    const unwrap = (sk: Uint8Array): Uint8Array => (isHandle(sk) ? sk.subarray(1) : sk);
    const group: DhGroup = {
      ...x25519,
      isPrivateKeyHandle: isHandle,
      publicKey: (sk) => x25519.publicKey(unwrap(sk)),
      dh: (sk, pk) => x25519.dh(unwrap(sk), pk),
    };
    const kem = new Dhkem(group, sha256Kdf, random);
    const r = await kem.generateKeyPair();
    const handle = new Uint8Array([0xee, ...r.privateKey]);
    const { sharedSecret, enc } = await kem.encap(r.publicKey);
    expect(await kem.decap(enc, handle)).toEqual(sharedSecret);
    expect(await kem.decap(enc, handle, r.publicKey)).toEqual(sharedSecret);
    // Other lengths are still refused, and a group without the method refuses the handle.
    const code = (p: Promise<unknown>) =>
      p.then(
        () => "ok",
        (e: unknown) => (CryptoError.isInstance(e) ? e.code : String(e)),
      );
    expect(await code(kem.decap(enc, new Uint8Array([0xef, ...r.privateKey])))).toBe("crypto/invalid-key");
    expect(await code(new Dhkem(x25519, sha256Kdf, random).decap(enc, handle))).toBe("crypto/invalid-key");
  });

  it("refuses a KDF that does not belong to the KEM", () => {
    expect(() => new Dhkem(p256, src.kdf(HpkeKdfId.HKDF_SHA512)!, random)).toThrow(/needs KDF/);
  });
});
