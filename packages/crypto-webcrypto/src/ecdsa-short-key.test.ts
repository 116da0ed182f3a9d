import { describe, expect, it } from "vitest";
import { nobleCryptoProvider } from "@mlskit/crypto-noble";
import { webCryptoProvider } from "./index.js";

/**
 * ECDSA private keys shorter than the field (a minimal big-endian integer
 * whose leading zero bytes were dropped, as message-protection.json's P-521
 * case gives its key) are the left-padded scalar.
 */
describe("ECDSA private keys shorter than the field (webcrypto)", () => {
  const provider = webCryptoProvider();
  const noble = nobleCryptoProvider();
  for (const [suite, size] of [
    [2, 32],
    [5, 66],
  ] as const) {
    it(`suite ${suite}: a key missing its leading zero byte signs and gives the full key's public key`, async () => {
      const cs = await provider.cipherSuite(suite);
      const other = await noble.cipherSuite(suite);
      const full = new Uint8Array(size);
      full.set(cs.randomBytes(size - 1), 1);
      full[1] = Math.max(1, full[1]!); // a non-zero second byte: a 65-byte (31-byte) minimal encoding
      const short = full.subarray(1).slice();
      const copy = short.slice();
      const pk = await cs.signaturePublicKey(full);
      expect(await cs.signaturePublicKey(short)).toEqual(pk);
      const msg = Uint8Array.of(1, 2, 3);
      const sig = await cs.sign(short, msg);
      expect(await cs.verify(pk, msg, sig)).toBe(true);
      expect(await other.verify(pk, msg, sig)).toBe(true);
      // Twice more (now from the key cache), and from a fresh array.
      expect(await cs.verify(pk, msg, await cs.sign(short, msg))).toBe(true);
      expect(await cs.verify(pk, msg, await cs.sign(short.slice(), msg))).toBe(true);
      expect(short).toEqual(copy); // the caller's array is neither padded nor wiped
      // Several bytes shorter still works.
      const tiny = Uint8Array.of(0x01, 0x02, 0x03);
      const padded = new Uint8Array(size);
      padded.set(tiny, size - 3);
      expect(await cs.signaturePublicKey(tiny)).toEqual(await cs.signaturePublicKey(padded));
    });

    it(`suite ${suite}: a longer key, zero and out-of-range scalars are crypto/invalid-key`, async () => {
      const cs = await provider.cipherSuite(suite);
      const valid = (await cs.signatureGenerateKeyPair()).privateKey;
      const longer = new Uint8Array(size + 1);
      longer.set(valid, 1);
      const bad = [longer, new Uint8Array(0), new Uint8Array(size - 1), new Uint8Array(size).fill(0xff)];
      for (const sk of bad) {
        await expect(cs.sign(sk, Uint8Array.of(1))).rejects.toMatchObject({ code: "crypto/invalid-key" });
        await expect(cs.signaturePublicKey(sk)).rejects.toMatchObject({ code: "crypto/invalid-key" });
      }
    });
  }
});
