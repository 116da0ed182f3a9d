/**
 * What runs on node:crypto's thread pool: `verifyBatch` (each result as
 * `verify` gives it, in order, for every signature scheme of the seven
 * suites), X25519/X448 key generations beyond a burst's first few, and
 * hpkeSealBatch (half of a batch on the seal worker).
 */
import { CIPHER_SUITES } from "@mlskit/core";
import { describe, expect, it } from "vitest";
import { nodeCryptoProvider } from "./index.js";
import { sealWorkerBatches } from "./seal-pool.js";

const provider = nodeCryptoProvider();

describe("node provider: verifyBatch", () => {
  for (const id of CIPHER_SUITES.keys()) {
    it(`suite 0x${id.toString(16).padStart(4, "0")}: agrees with verify, item by item`, async () => {
      const cs = await provider.cipherSuite(id);
      expect(typeof cs.verifyBatch).toBe("function");
      const pairs = await Promise.all(Array.from({ length: 6 }, () => cs.signatureGenerateKeyPair()));
      const message = (i: number) => Uint8Array.of(1, 2, 3, i);
      const sigs = await Promise.all(pairs.map((p, i) => cs.sign(p.privateKey, message(i))));
      const flipped = sigs[1]!.slice();
      flipped[flipped.length - 1]! ^= 1;
      const items = [
        { publicKey: pairs[0]!.publicKey, message: message(0), signature: sigs[0]! },
        { publicKey: pairs[1]!.publicKey, message: message(1), signature: flipped },
        { publicKey: pairs[2]!.publicKey, message: message(99), signature: sigs[2]! },
        { publicKey: pairs[4]!.publicKey, message: message(3), signature: sigs[3]! },
        { publicKey: pairs[4]!.publicKey.subarray(1), message: message(4), signature: sigs[4]! },
        { publicKey: new Uint8Array(pairs[5]!.publicKey.length), message: message(5), signature: sigs[5]! },
        { publicKey: pairs[5]!.publicKey, message: message(5), signature: sigs[5]! },
      ];
      const results = await cs.verifyBatch!(items);
      expect(results).toEqual([true, false, false, false, false, false, true]);
      expect(results).toEqual(await Promise.all(items.map((x) => cs.verify(x.publicKey, x.message, x.signature))));
    });
  }

  it("refuses the small-order Ed25519 key under which (R = neutral, S = 0) verifies everything", async () => {
    const cs = await provider.cipherSuite(1);
    const neutral = new Uint8Array(32);
    neutral[0] = 1;
    const signature = new Uint8Array(64);
    signature[0] = 1;
    expect(await cs.verifyBatch!([{ publicKey: neutral, message: Uint8Array.of(7), signature }])).toEqual([false]);
  });

  it("an empty batch is an empty result", async () => {
    const cs = await provider.cipherSuite(1);
    expect(await cs.verifyBatch!([])).toEqual([]);
  });
});

describe("node provider: X25519/X448 key generation in bursts (the rest on the thread pool)", () => {
  for (const id of [1, 4]) {
    it(`suite ${id}: a burst of 64 generations gives 64 distinct working key pairs`, async () => {
      const cs = await provider.cipherSuite(id);
      const pairs = await Promise.all(Array.from({ length: 64 }, () => cs.hpkeGenerateKeyPair()));
      expect(new Set(pairs.map((p) => Buffer.from(p.privateKey).toString("hex"))).size).toBe(64);
      for (const p of [pairs[0]!, pairs[40]!, pairs[63]!]) {
        // The public key is the private key's (recomputed from scratch by a fresh provider).
        const fresh = await nodeCryptoProvider().cipherSuite(id);
        const derived = await fresh.hpkeSeal(p.publicKey, new Uint8Array(0), new Uint8Array(0), Uint8Array.of(9));
        expect(await fresh.hpkeOpen(derived, p.privateKey, new Uint8Array(0), new Uint8Array(0))).toEqual(Uint8Array.of(9));
      }
    });
  }
});

describe("node provider: hpkeSealBatch (half on a worker thread, half here)", () => {
  for (const id of [1, 2, 4, 5]) {
    it(`suite ${id}: 80 seals, each opened by its recipient, some sealed on the worker`, async () => {
      const cs = await provider.cipherSuite(id);
      expect(typeof cs.hpkeSealBatch).toBe("function");
      const before = sealWorkerBatches();
      const recipients = await Promise.all(Array.from({ length: 80 }, () => cs.hpkeGenerateKeyPair()));
      const info = Uint8Array.of(1, 2, 3);
      const aad = Uint8Array.of(4);
      const items = recipients.map((r, i) => ({ publicKey: r.publicKey, info, aad, plaintext: Uint8Array.of(i, 7, 7) }));
      const out = await cs.hpkeSealBatch!(items);
      expect(out).toHaveLength(80);
      for (const [i, ct] of out.entries()) expect(await cs.hpkeOpen(ct, recipients[i]!.privateKey, info, aad)).toEqual(Uint8Array.of(i, 7, 7));
      // The caller's plaintexts are its own: not wiped by the worker's copy being wiped.
      expect(items[0]!.plaintext).toEqual(Uint8Array.of(0, 7, 7));
      expect(sealWorkerBatches()).toBeGreaterThan(before);
    });
  }

  it("a bad key in a batch fails the batch as hpkeSeal fails (crypto/invalid-key)", async () => {
    const cs = await provider.cipherSuite(1);
    const good = await cs.hpkeGenerateKeyPair();
    const items = Array.from({ length: 40 }, (_, i) => ({
      publicKey: i === 3 ? new Uint8Array(32) : good.publicKey,
      info: new Uint8Array(0),
      aad: new Uint8Array(0),
      plaintext: Uint8Array.of(i),
    }));
    await expect(cs.hpkeSealBatch!(items)).rejects.toMatchObject({ code: "crypto/invalid-key" });
  });
});
