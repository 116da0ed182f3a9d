/**
 * Conformance checks across two providers of the same suite: identical
 * deterministic outputs, and keys and ciphertexts that interoperate.
 */
import type { CipherSuiteProvider } from "../crypto-provider.js";
import { SignatureScheme } from "../ids.js";
import { type ConformanceCheck, assert, assertBytes, assertCryptoError, assertVerifyFalse, flip, seq } from "./helpers.js";
import { expected } from "./known-answers.js";

/**
 * Checks that two providers of the same suite interoperate: identical outputs
 * for deterministic operations (hash, MAC, HKDF, AEAD, HPKE DeriveKeyPair,
 * public-key derivation, EdDSA signatures), and keys, signatures, HPKE
 * ciphertexts and exports made by one accepted by the other, both ways.
 */
export function crossProviderChecks(a: CipherSuiteProvider, b: CipherSuiteProvider): ConformanceCheck[] {
  if (a.suite.id !== b.suite.id) throw new Error(`crossProviderChecks: suites differ (${a.suite.name} vs ${b.suite.name})`);
  const x = expected(a);
  const checks: ConformanceCheck[] = [];
  const add = (name: string, run: () => Promise<void>): void => void checks.push({ name: `${a.suite.name}: ${name}`, run });
  const both: [string, CipherSuiteProvider, CipherSuiteProvider][] = [
    ["a→b", a, b],
    ["b→a", b, a],
  ];

  add("identical hash, mac and kdf outputs", async () => {
    const data = seq(1500, 1);
    assertBytes(await b.hash(data), await a.hash(data), "hash");
    assertBytes(await b.mac(seq(13), data), await a.mac(seq(13), data), "mac");
    const prk = await a.kdfExtract(seq(5), data);
    assertBytes(await b.kdfExtract(seq(5), data), prk, "kdfExtract");
    assertBytes(await b.kdfExpand(prk, seq(20), 3 * x.nh + 5), await a.kdfExpand(prk, seq(20), 3 * x.nh + 5), "kdfExpand");
  });

  add("identical AEAD ciphertexts, each opens the other's", async () => {
    const key = a.randomBytes(x.aead.nk);
    const nonce = a.randomBytes(x.aead.nn);
    const aad = seq(17);
    const pt = seq(1000, 9);
    const ca = await a.aeadSeal(key, nonce, aad, pt);
    assertBytes(await b.aeadSeal(key, nonce, aad, pt), ca, "aeadSeal");
    assertBytes(await b.aeadOpen(key, nonce, aad, ca), pt, "b opens a's ciphertext");
    await assertCryptoError(b.aeadOpen(key, nonce, aad, flip(ca, 5)), "crypto/aead-open", "b opens a tampered ciphertext");
  });

  add("identical HPKE DeriveKeyPair", async () => {
    for (let i = 0; i < 4; i++) {
      const ikm = a.randomBytes(x.kem.sk);
      const ka = await a.hpkeDeriveKeyPair(ikm);
      const kb = await b.hpkeDeriveKeyPair(ikm);
      assertBytes(kb.privateKey, ka.privateKey, "derived private key");
      assertBytes(kb.publicKey, ka.publicKey, "derived public key");
    }
  });

  for (const [dir, p, q] of both) {
    add(`HPKE ${dir}: keys, ciphertexts and exports interoperate`, async () => {
      const kp = await p.hpkeGenerateKeyPair();
      const info = seq(8);
      const aad = seq(4, 50);
      const pt = seq(200, 7);
      // q seals to p's key; p opens. p seals; q opens with p's private key.
      const c1 = await q.hpkeSeal(kp.publicKey, info, aad, pt);
      assertBytes(await p.hpkeOpen(c1, kp.privateKey, info, aad), pt, "open of the other's ciphertext");
      const c2 = await p.hpkeSeal(kp.publicKey, info, aad, pt);
      assertBytes(await q.hpkeOpen(c2, kp.privateKey, info, aad), pt, "open with the other's private key");
      assertBytes(await q.hpkeOpen(c2, kp.privateKey, info, aad, kp.publicKey), pt, "open with the other's key pair");
      await assertCryptoError(q.hpkeOpen({ kemOutput: c2.kemOutput, ciphertext: flip(c2.ciphertext, 0) }, kp.privateKey, info, aad), "crypto/hpke-open", "tampered");
      const s = await p.hpkeExportSender(kp.publicKey, info, aad, 48);
      assertBytes(await q.hpkeExportReceiver(s.kemOutput, kp.privateKey, info, aad, 48), s.exportedSecret, "export");
    });

    add(`signature ${dir}: keys and signatures interoperate`, async () => {
      const kp = await p.signatureGenerateKeyPair();
      assertBytes(await q.signaturePublicKey(kp.privateKey), kp.publicKey, "public key of the other's private key");
      const msg = seq(300, 2);
      const sp = await p.sign(kp.privateKey, msg);
      assert(await q.verify(kp.publicKey, msg, sp), "other provider's signature does not verify");
      await assertVerifyFalse(q.verify(kp.publicKey, flip(msg, 0), sp), "other provider's signature on a tampered message");
      const sq = await q.sign(kp.privateKey, msg);
      assert(await p.verify(kp.publicKey, msg, sq), "signature with the other's private key does not verify");
      if (a.suite.signature === SignatureScheme.ed25519 || a.suite.signature === SignatureScheme.ed448) {
        assertBytes(sq, sp, "EdDSA signatures (deterministic)");
      }
    });
  }

  return checks;
}
