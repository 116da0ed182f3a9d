/**
 * Ephemeral keys: X25519/X448 key pairs generated ahead on node:crypto's
 * thread pool (key-pool.ts), each handed out once, and Encap's ephemeral key
 * made and dropped inside the DH group (never cached, never serialised).
 */
import { createPrivateKey, createPublicKey, diffieHellman, generateKeyPairSync } from "node:crypto";
import { describe, expect, it } from "vitest";
import type { CipherSuiteProvider } from "@mlskit/core";
import { createCryptoProvider } from "@mlskit/hpke";
import { nodePrimitives } from "./index.js";
import { type MontgomeryCurve, type PooledKeyPair, keyPairPoolSizes, takePooledKeyPair } from "./key-pool.js";

const info = Uint8Array.of(1, 2);
const aad = new Uint8Array(0);
const pause = (ms: number) => new Promise((resolve) => setTimeout(resolve, ms));
/** One turn of the event loop (the check phase, where a scheduled refill starts). */
const turn = () => new Promise((resolve) => setImmediate(resolve));
/** Ref'd immediates: what would keep the process alive. */
const refImmediates = () => process.getActiveResourcesInfo().filter((r) => r === "Immediate").length;

/** Waits (bounded) until the pool of `crv` holds its capacity, ready and with nothing in flight. */
async function filled(crv: MontgomeryCurve): Promise<void> {
  takePooledKeyPair(crv); // starts the pool if it was not yet
  for (let i = 0; i < 500; i++) {
    const s = keyPairPoolSizes(crv);
    if (s.ready === s.capacity && s.inFlight === 0 && !s.refillScheduled) return;
    await pause(2);
  }
  throw new Error(`the ${crv} pool did not fill`);
}
/** Waits (bounded) until the pool of `crv` holds key pairs ready. */
async function someReady(crv: MontgomeryCurve): Promise<void> {
  takePooledKeyPair(crv); // starts the pool if it was not yet
  for (let i = 0; i < 500 && keyPairPoolSizes(crv).ready === 0; i++) await pause(2);
  if (keyPairPoolSizes(crv).ready === 0) throw new Error(`the ${crv} pool did not fill`);
}

/** Takes every ready key pair in this turn. */
function drain(crv: MontgomeryCurve): PooledKeyPair[] {
  const out: PooledKeyPair[] = [];
  while (keyPairPoolSizes(crv).ready > 0) {
    const pair = takePooledKeyPair(crv);
    if (pair === undefined) throw new Error("a ready pair was not handed out");
    out.push(pair);
  }
  return out;
}

/**
 * The raw public key of a private KeyObject, computed apart from the pool: through a fresh import of its PKCS #8
 * encoding (no JWK export of a generated key: on Node 20 that can hang, see dh.ts's generatedHere).
 */
const publicOf = (pair: PooledKeyPair) => {
  const imported = createPrivateKey({ key: pair.privateKey.export({ format: "der", type: "pkcs8" }), format: "der", type: "pkcs8" });
  return new Uint8Array(Buffer.from(createPublicKey(imported).export({ format: "jwk" }).x ?? "", "base64url"));
};

function suite(id: number): { cs: Promise<CipherSuiteProvider>; source: ReturnType<typeof nodePrimitives> } {
  const source = nodePrimitives();
  return { cs: createCryptoProvider("node", source).cipherSuite(id), source };
}

describe("Encap's ephemeral key (DhGroup.ephemeralDh)", () => {
  for (const id of [1, 4]) {
    it(`suite ${id}: a fresh ephemeral key per Encap, from the pool or not, each opened by its recipient`, async () => {
      const cs = await suite(id).cs;
      const recipients = await Promise.all(Array.from({ length: 24 }, () => cs.hpkeGenerateKeyPair()));
      const kemOutputs = new Set<string>();
      for (let round = 0; round < 4; round++) {
        const encs = await Promise.all(recipients.map((r) => cs.hpkeEncap(r.publicKey)));
        for (const [k, e] of encs.entries()) {
          const ct = await e.seal(info, aad, Uint8Array.of(k, round));
          expect(await cs.hpkeOpen(ct, recipients[k]!.privateKey, info, aad)).toEqual(Uint8Array.of(k, round));
          kemOutputs.add(Buffer.from(ct.kemOutput).toString("hex"));
        }
        await pause(5); // the pool refills
      }
      // RFC 9180 §4.1: a fresh ephemeral key pair per Encap.
      expect(kemOutputs.size).toBe(4 * 24);
    });
  }

  for (const [id, crv] of [
    [1, "X25519"],
    [4, "X448"],
  ] as const) {
    it(`suite ${id}: with the pool drained, Encap's key is made on this thread, fresh each time, and opens`, async () => {
      const cs = await suite(id).cs;
      const r = await cs.hpkeGenerateKeyPair();
      await someReady(crv);
      drain(crv); // this turn: no pooled key left, and the burst threshold not reached
      const cts = await Promise.all(Array.from({ length: 4 }, (_, k) => cs.hpkeSeal(r.publicKey, info, aad, Uint8Array.of(k))));
      expect(keyPairPoolSizes(crv).ready).toBe(0);
      expect(new Set(cts.map((ct) => Buffer.from(ct.kemOutput).toString("hex"))).size).toBe(4);
      for (const [k, ct] of cts.entries()) expect(await cs.hpkeOpen(ct, r.privateKey, info, aad)).toEqual(Uint8Array.of(k));
    });
  }

  it("an all-zero DH output is refused (crypto/invalid-key), and a bad key consumes no pooled key", async () => {
    const cs = await suite(1).cs;
    await cs.hpkeGenerateKeyPair(); // starts the pool
    await pause(5);
    await expect(cs.hpkeEncap(new Uint8Array(32))).rejects.toMatchObject({ code: "crypto/invalid-key" }); // u = 0 (RFC 7748 §6.1)
    await expect(cs.hpkeSeal(new Uint8Array(32), info, aad, Uint8Array.of(1))).rejects.toMatchObject({ code: "crypto/invalid-key" });
    await expect(cs.hpkeEncap(new Uint8Array(31))).rejects.toMatchObject({ code: "crypto/invalid-key" });
  });

  it("ephemeral private keys are not kept in the key cache", async () => {
    const { cs: pending, source } = suite(1);
    const cs = await pending;
    const r = await cs.hpkeGenerateKeyPair();
    const cached = source.keyCacheSizes.privateKeys;
    const encs = await Promise.all(Array.from({ length: 10 }, () => cs.hpkeEncap(r.publicKey)));
    for (const e of encs) await e.seal(info, aad, Uint8Array.of(1));
    for (let i = 0; i < 10; i++) await cs.hpkeSeal(r.publicKey, info, aad, Uint8Array.of(2));
    // Only the recipient's key (imported to open) may be added; no ephemeral one.
    await cs.hpkeOpen(await cs.hpkeSeal(r.publicKey, info, aad, Uint8Array.of(3)), r.privateKey, info, aad);
    expect(source.keyCacheSizes.privateKeys).toBeLessThanOrEqual(cached + 1);
  });
});

describe("key pairs generated ahead on the thread pool (key-pool.ts)", () => {
  it("hands out distinct working key pairs, and stays within its capacity", async () => {
    const cs = await suite(1).cs;
    const pairs = [];
    for (let i = 0; i < 80; i++) {
      pairs.push(await cs.hpkeGenerateKeyPair());
      if (i % 8 === 0) await pause(2);
      const sizes = keyPairPoolSizes("X25519");
      expect(sizes.ready + sizes.inFlight).toBeLessThanOrEqual(sizes.capacity);
    }
    expect(keyPairPoolSizes("X25519").ready).toBeGreaterThan(0);
    expect(new Set(pairs.map((p) => Buffer.from(p.privateKey).toString("hex"))).size).toBe(80);
    for (const p of [pairs[0]!, pairs[40]!, pairs[79]!]) {
      // The public key is the private key's (a fresh provider imports the private key and opens).
      const fresh = await suite(1).cs;
      const ct = await fresh.hpkeSeal(p.publicKey, info, aad, Uint8Array.of(9));
      expect(await fresh.hpkeOpen(ct, p.privateKey, info, aad)).toEqual(Uint8Array.of(9));
    }
  });
});

describe("pooled key pairs of both curves (key-pool.ts)", () => {
  for (const crv of ["X25519", "X448"] as const) {
    const length = crv === "X25519" ? 32 : 56;
    /** The public key is the private key's: computed apart, and DH agrees both ways with another key pair. */
    const expectMatching = (p: PooledKeyPair) => {
      expect(p.publicKey).toBeInstanceOf(Uint8Array);
      expect(p.publicKey.length).toBe(length);
      expect(p.publicKey).toEqual(publicOf(p));
      const peer = crv === "X25519" ? generateKeyPairSync("x25519") : generateKeyPairSync("x448");
      const pkKey = createPublicKey({ key: { kty: "OKP", crv, x: Buffer.from(p.publicKey).toString("base64url") }, format: "jwk" });
      expect(diffieHellman({ privateKey: p.privateKey, publicKey: peer.publicKey })).toEqual(diffieHellman({ privateKey: peer.privateKey, publicKey: pkKey }));
    };

    it(`${crv}: pooled pairs are handed out once each, within capacity, each with its own public key`, async () => {
      const pairs: PooledKeyPair[] = [];
      for (let round = 0; round < 6; round++) {
        await someReady(crv);
        pairs.push(...drain(crv));
        const s = keyPairPoolSizes(crv);
        expect(s.ready + s.inFlight).toBeLessThanOrEqual(s.capacity);
      }
      expect(pairs.length).toBeGreaterThan(6);
      expect(new Set(pairs.map((p) => p.privateKey)).size).toBe(pairs.length);
      expect(new Set(pairs.map((p) => Buffer.from(p.publicKey).toString("hex"))).size).toBe(pairs.length);
      for (const p of [pairs[0], pairs[pairs.length >> 1], pairs[pairs.length - 1]]) {
        if (p === undefined) throw new Error("no pair");
        expectMatching(p);
      }
    });
  }
});

describe("the pool's refill runs after a burst of takes, not inside it (key-pool.ts)", () => {
  for (const crv of ["X25519", "X448"] as const) {
    it(`${crv}: takes from a ready pool start no generation; one refill to capacity follows once the event loop turns`, async () => {
      await filled(crv);
      const refs = refImmediates();
      const taken = Array.from({ length: 10 }, () => takePooledKeyPair(crv));
      expect(taken.every((p) => p !== undefined)).toBe(true);
      const during = keyPairPoolSizes(crv);
      expect(during).toMatchObject({ ready: during.capacity - 10, inFlight: 0, refillScheduled: true, failed: false });
      // The scheduled refill keeps no process alive (an unref'd immediate).
      expect(refImmediates()).toBe(refs);
      await turn();
      const after = keyPairPoolSizes(crv);
      expect(after.refillScheduled).toBe(false);
      expect(after.ready + after.inFlight).toBe(after.capacity);
      expect(after.inFlight).toBeGreaterThan(0);
      await filled(crv);
    });

    it(`${crv}: a take from an empty pool starts generations to capacity at once, never beyond it`, async () => {
      await filled(crv);
      const pairs = drain(crv);
      expect(pairs.length).toBe(keyPairPoolSizes(crv).capacity);
      expect(keyPairPoolSizes(crv)).toMatchObject({ ready: 0, inFlight: 0 });
      expect(takePooledKeyPair(crv)).toBeUndefined(); // the caller generates its own
      const s = keyPairPoolSizes(crv);
      expect(s).toMatchObject({ ready: 0, inFlight: s.capacity, refillScheduled: true });
      for (let i = 0; i < 40; i++) expect(takePooledKeyPair(crv)).toBeUndefined(); // still this turn: no generation can have landed
      expect(keyPairPoolSizes(crv).inFlight).toBe(s.capacity);
      await turn();
      const after = keyPairPoolSizes(crv);
      expect(after.ready + after.inFlight).toBe(s.capacity);
      await filled(crv);
    });
  }
});
