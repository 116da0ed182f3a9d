/**
 * Ephemeral keys: X25519/X448 key pairs generated ahead on node:crypto's
 * thread pool (key-pool.ts), each handed out once, and Encap's ephemeral key
 * made and dropped inside the DH group (never cached, never serialised).
 */
import { describe, expect, it } from "vitest";
import type { CipherSuiteProvider } from "@mlskit/core";
import { createCryptoProvider } from "@mlskit/hpke";
import { nodePrimitives } from "./index.js";
import { keyPairPoolSizes } from "./key-pool.js";

const info = Uint8Array.of(1, 2);
const aad = new Uint8Array(0);
const pause = (ms: number) => new Promise((resolve) => setTimeout(resolve, ms));

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
