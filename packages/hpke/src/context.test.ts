import { CryptoError, HpkeKemId, HpkeKdfId, HpkeAeadId, UsageError } from "@mlskit/core";
import { noblePrimitives } from "@mlskit/crypto-noble";
import { describe, expect, it } from "vitest";
import { HpkeContext, computeNonce } from "./context.js";
import { EXPORT_ONLY_AEAD, HpkeSuite, keyScheduleBase } from "./key-schedule.js";
import type { Aead } from "./primitives.js";
import { openBase, receiveExport, sealBase, sendExport, setupBaseR, setupBaseS } from "./single-shot.js";

const src = noblePrimitives();
const x25519 = src.dh(HpkeKemId.DHKEM_X25519_HKDF_SHA256)!;
const sha256 = src.kdf(HpkeKdfId.HKDF_SHA256)!;
const aes128 = src.aead(HpkeAeadId.AES_128_GCM)!;
const randomBytes = (n: number) => src.randomBytes(n);
const suiteWith = (aead: Aead) => new HpkeSuite({ dh: x25519, kemKdf: sha256, kdf: sha256, aead, randomBytes });
const bytes = (...b: number[]) => Uint8Array.from(b);
const text = (s: string) => new TextEncoder().encode(s);

/** An AEAD that records the keys and nonces it is called with, around a real one. */
function recordingAead(inner: Aead, overrides: Partial<Aead> = {}) {
  const calls: { op: "seal" | "open"; key: Uint8Array; nonce: Uint8Array }[] = [];
  const aead: Aead = {
    ...inner,
    seal: (key, nonce, aad, pt) => (calls.push({ op: "seal", key, nonce: nonce.slice() }), inner.seal(key, nonce, aad, pt)),
    open: (key, nonce, aad, ct) => (calls.push({ op: "open", key, nonce: nonce.slice() }), inner.open(key, nonce, aad, ct)),
    ...overrides,
  };
  return { aead, calls };
}

describe("computeNonce (RFC 9180 §5.2)", () => {
  it("XORs the big-endian sequence number into the low bytes of base_nonce", () => {
    const base = bytes(0x56, 0xd8, 0x90, 0xe5, 0xac, 0xca, 0xaf, 0x01, 0x1c, 0xff, 0x4b, 0x7d);
    expect(computeNonce(base, 0)).toEqual(base);
    expect(computeNonce(base, 1).at(-1)).toBe(0x7c);
    expect(computeNonce(base, 256).subarray(-2)).toEqual(bytes(0x4a, 0x7d));
    const big = computeNonce(new Uint8Array(12), Number.MAX_SAFE_INTEGER - 1);
    expect(Array.from(big)).toEqual([0, 0, 0, 0, 0, 0x1f, 0xff, 0xff, 0xff, 0xff, 0xff, 0xfe]);
  });

  it("does not modify base_nonce", () => {
    const base = new Uint8Array(12).fill(7);
    computeNonce(base, 12345);
    expect(base).toEqual(new Uint8Array(12).fill(7));
  });
});

describe("HpkeContext sequence numbers", () => {
  it("seals each message with the next nonce and the recipient follows", async () => {
    const { aead, calls } = recordingAead(aes128);
    const suite = suiteWith(aead);
    const r = await suite.kem.generateKeyPair();
    const { enc, context: sender } = await setupBaseS(suite, r.publicKey, text("info"));
    const recipient = await setupBaseR(suite, enc, r.privateKey, text("info"));
    const cts: Uint8Array[] = [];
    for (let i = 0; i < 5; i++) {
      expect(sender.sequence).toBe(i);
      cts.push(await sender.seal(text(`aad${i}`), text(`message ${i}`)));
    }
    const nonces = calls.filter((c) => c.op === "seal").map((c) => c.nonce);
    for (let i = 1; i < nonces.length; i++) {
      // base_nonce XOR i: consecutive nonces differ only in the low byte, by i ^ (i-1).
      expect(nonces[i]!.at(-1)! ^ nonces[0]!.at(-1)!).toBe(i);
    }
    for (let i = 0; i < 5; i++) expect(await recipient.open(text(`aad${i}`), cts[i]!)).toEqual(text(`message ${i}`));
    expect(recipient.sequence).toBe(5);
  });

  it("never reuses a nonce when seals overlap in time", async () => {
    const { aead, calls } = recordingAead(aes128);
    const suite = suiteWith(aead);
    const r = await suite.kem.generateKeyPair();
    const { context } = await setupBaseS(suite, r.publicKey, new Uint8Array(0));
    await Promise.all(Array.from({ length: 20 }, (_, i) => context.seal(new Uint8Array(0), bytes(i))));
    const distinct = new Set(calls.map((c) => c.nonce.join(",")));
    expect(distinct.size).toBe(20);
    expect(context.sequence).toBe(20);
  });

  it("a failed open does not advance the sequence number", async () => {
    const suite = suiteWith(aes128);
    const r = await suite.kem.generateKeyPair();
    const { enc, context: sender } = await setupBaseS(suite, r.publicKey, new Uint8Array(0));
    const recipient = await setupBaseR(suite, enc, r.privateKey, new Uint8Array(0), r.publicKey);
    const ct = await sender.seal(new Uint8Array(0), text("hi"));
    const bad = ct.slice();
    bad[0]! ^= 1;
    const err = await recipient.open(new Uint8Array(0), bad).catch((e: unknown) => e);
    expect(CryptoError.isInstance(err) && err.code).toBe("crypto/hpke-open");
    expect(recipient.sequence).toBe(0);
    expect(await recipient.open(new Uint8Array(0), ct)).toEqual(text("hi"));
    expect(recipient.sequence).toBe(1);
  });

  it("throws crypto/hpke-message-limit when the sequence number would overflow (Nn = 1)", async () => {
    // A one-byte nonce allows sequence numbers 0..254 (RFC 9180 §5.2: seq >= 2^(8·Nn) - 1 is refused).
    const tiny: Aead = { id: HpkeAeadId.AES_128_GCM, keyLength: 16, nonceLength: 1, tagLength: 0, seal: async (_k, n) => n.slice(), open: async (_k, n) => n.slice() };
    const suite = suiteWith(tiny);
    const r = await suite.kem.generateKeyPair();
    const { context } = await setupBaseS(suite, r.publicKey, new Uint8Array(0));
    const seen = new Set<number>();
    for (let i = 0; i < 255; i++) seen.add((await context.seal(new Uint8Array(0), new Uint8Array(0)))[0]!);
    expect(seen.size).toBe(255);
    const err = await context.seal(new Uint8Array(0), new Uint8Array(0)).catch((e: unknown) => e);
    expect(CryptoError.isInstance(err) && err.code).toBe("crypto/hpke-message-limit");
    expect(context.sequence).toBe(255);
  });

  it("a sender cannot open and a recipient cannot seal", async () => {
    const suite = suiteWith(aes128);
    const r = await suite.kem.generateKeyPair();
    const { enc, context: sender } = await setupBaseS(suite, r.publicKey, new Uint8Array(0));
    const recipient = await setupBaseR(suite, enc, r.privateKey, new Uint8Array(0));
    await expect(sender.open(new Uint8Array(0), new Uint8Array(32))).rejects.toMatchObject({ code: "hpke/wrong-role" });
    await expect(recipient.seal(new Uint8Array(0), new Uint8Array(0))).rejects.toMatchObject({ code: "hpke/wrong-role" });
  });

  it("dispose wipes the secrets and JSON never shows them", async () => {
    const suite = suiteWith(aes128);
    const ss = new Uint8Array(32).fill(1);
    const secrets = await keyScheduleBase(suite, ss, new Uint8Array(0));
    const ctx = new HpkeContext(suite, "sender", secrets);
    expect(JSON.stringify(ctx)).toBe('{"role":"sender","sequence":0}');
    ctx.dispose();
    expect(secrets.key.every((b) => b === 0)).toBe(true);
    expect(secrets.baseNonce.every((b) => b === 0)).toBe(true);
    expect(secrets.exporterSecret.every((b) => b === 0)).toBe(true);
    await expect(ctx.seal(new Uint8Array(0), new Uint8Array(0))).rejects.toMatchObject({ code: "crypto/hpke-message-limit" });
  });
});

describe("export-only AEAD (0xFFFF, RFC 9180 §5.3)", () => {
  const suite = suiteWith(EXPORT_ONLY_AEAD);

  it("derives no key or nonce", async () => {
    const ks = await keyScheduleBase(suite, new Uint8Array(32), new Uint8Array(0));
    expect(ks.key.length).toBe(0);
    expect(ks.baseNonce.length).toBe(0);
    expect(ks.exporterSecret.length).toBe(32);
  });

  it("refuses Seal and Open with hpke/export-only", async () => {
    const r = await suite.kem.generateKeyPair();
    const { enc, context } = await setupBaseS(suite, r.publicKey, new Uint8Array(0));
    const recipient = await setupBaseR(suite, enc, r.privateKey, new Uint8Array(0));
    for (const p of [
      context.seal(new Uint8Array(0), text("x")),
      recipient.open(new Uint8Array(0), new Uint8Array(16)),
      sealBase(suite, r.publicKey, new Uint8Array(0), new Uint8Array(0), text("x")),
      openBase(suite, enc, r.privateKey, new Uint8Array(0), new Uint8Array(0), new Uint8Array(16)),
    ]) {
      const err = await p.catch((e: unknown) => e);
      expect(UsageError.isInstance(err)).toBe(true);
      expect((err as UsageError).code).toBe("hpke/export-only");
    }
    expect(context.sequence).toBe(0);
  });

  it("still exports, from contexts and single-shot", async () => {
    const r = await suite.kem.generateKeyPair();
    const { enc, context } = await setupBaseS(suite, r.publicKey, text("info"));
    const recipient = await setupBaseR(suite, enc, r.privateKey, text("info"));
    const a = await context.export(text("ctx"), 42);
    expect(a.length).toBe(42);
    expect(await recipient.export(text("ctx"), 42)).toEqual(a);
    expect(await receiveExport(suite, enc, r.privateKey, text("info"), text("ctx"), 42)).toEqual(a);
    const s = await sendExport(suite, r.publicKey, text("info"), text("ctx"), 16);
    expect(await receiveExport(suite, s.enc, r.privateKey, text("info"), text("ctx"), 16, r.publicKey)).toEqual(s.exportedSecret);
  });
});

describe("single-shot wiping", () => {
  it("sealBase and openBase wipe the AEAD key after use", async () => {
    const { aead, calls } = recordingAead(aes128);
    const suite = suiteWith(aead);
    const r = await suite.kem.generateKeyPair();
    const sealed = await sealBase(suite, r.publicKey, text("info"), text("aad"), text("pt"));
    expect(await openBase(suite, sealed.enc, r.privateKey, text("info"), text("aad"), sealed.ciphertext)).toEqual(text("pt"));
    expect(calls).toHaveLength(2);
    for (const c of calls) expect(c.key.every((b) => b === 0)).toBe(true);
  });

  it("openBase wipes the key when decryption fails too", async () => {
    const { aead, calls } = recordingAead(aes128);
    const suite = suiteWith(aead);
    const r = await suite.kem.generateKeyPair();
    const sealed = await sealBase(suite, r.publicKey, new Uint8Array(0), new Uint8Array(0), text("pt"));
    await expect(openBase(suite, sealed.enc, r.privateKey, text("other"), new Uint8Array(0), sealed.ciphertext)).rejects.toMatchObject({
      code: "crypto/hpke-open",
    });
    for (const c of calls) expect(c.key.every((b) => b === 0)).toBe(true);
  });
});

describe("key_schedule_context cache", () => {
  it("computes info_hash once per recent info and never confuses two infos", async () => {
    let extracts = 0;
    const kdf = { ...sha256, extract: (salt: Uint8Array, ikm: Uint8Array) => (extracts++, sha256.extract(salt, ikm)) };
    const cached = new HpkeSuite({ dh: x25519, kemKdf: sha256, kdf, aead: aes128, randomBytes });
    const plain = suiteWith(aes128);
    const ss = new Uint8Array(32).fill(9);
    const infoA = text("UpdatePathNode context A");
    const infoB = text("UpdatePathNode context B");
    const first = await keyScheduleBase(cached, ss, infoA);
    const afterFirst = extracts; // psk_id_hash, info_hash, secret
    expect(afterFirst).toBe(3);
    const again = await keyScheduleBase(cached, ss, infoA.slice());
    expect(extracts - afterFirst).toBe(1); // only secret
    expect(again).toEqual(first);
    // A mutated info array is not mistaken for the cached one.
    const mutable = infoA.slice();
    await keyScheduleBase(cached, ss, mutable);
    mutable.set(infoB);
    expect(await keyScheduleBase(cached, ss, mutable)).toEqual(await keyScheduleBase(plain, ss, infoB));
    for (const info of [infoA, infoB, new Uint8Array(0), new Uint8Array(20000).fill(1)]) {
      expect(await keyScheduleBase(cached, ss, info)).toEqual(await keyScheduleBase(plain, ss, info));
    }
  });
});
