/**
 * Conformance checks of the HPKE functions (seal/open, DeriveKeyPair, exporter).
 */
import { bytesEqual, utf8 } from "@mlskit/codec";
import type { CipherSuiteProvider, HpkeCiphertext, KeyPair } from "../crypto-provider.js";
import { type AddCheck, assert, assertBytes, assertCryptoError, assertUsageError, flip, seq } from "./helpers.js";
import type { Expected } from "./known-answers.js";

/** Registers the HPKE checks of `cs`. @internal */
export function hpkeChecks(cs: CipherSuiteProvider, x: Expected, add: AddCheck): void {
  add("hpke: seal/open round trip, with and without the recipient public key", async () => {
    const kp = await cs.hpkeGenerateKeyPair();
    const info = utf8("info");
    const aad = utf8("aad");
    for (const pt of [utf8("hello MLS"), new Uint8Array(0), seq(3000)]) {
      const ct = await cs.hpkeSeal(kp.publicKey, info, aad, pt);
      assert(ct.kemOutput.length === x.kem.enc, `kem_output is ${ct.kemOutput.length} bytes, expected ${x.kem.enc}`);
      assert(ct.ciphertext.length === pt.length + x.aead.nt, `ciphertext is ${ct.ciphertext.length} bytes, expected ${pt.length + x.aead.nt}`);
      assertBytes(await cs.hpkeOpen(ct, kp.privateKey, info, aad), pt, "hpkeOpen");
      assertBytes(await cs.hpkeOpen(ct, kp.privateKey, info, aad, kp.publicKey), pt, "hpkeOpen with public key");
    }
    const a = await cs.hpkeSeal(kp.publicKey, info, aad, utf8("x"));
    const b = await cs.hpkeSeal(kp.publicKey, info, aad, utf8("x"));
    assert(!bytesEqual(a.kemOutput, b.kemOutput), "two seals used the same ephemeral key");
  });

  add("hpke: an Encap made ahead seals as SealBase does, once", async () => {
    const kp = await cs.hpkeGenerateKeyPair();
    const info = utf8("info");
    const aad = utf8("aad");
    const pt = utf8("path secret");
    const e = await cs.hpkeEncap(kp.publicKey);
    assert(e.kemOutput.length === x.kem.enc, `kem_output is ${e.kemOutput.length} bytes, expected ${x.kem.enc}`);
    const ct = await e.seal(info, aad, pt);
    assertBytes(ct.kemOutput, e.kemOutput, "the ciphertext's kem_output");
    assertBytes(await cs.hpkeOpen(ct, kp.privateKey, info, aad), pt, "hpkeOpen of a sealed encapsulation");
    await assertUsageError(e.seal(info, aad, pt), "hpke/encapsulation-used", "a second seal");
    const discarded = await cs.hpkeEncap(kp.publicKey);
    assert(!bytesEqual(discarded.kemOutput, e.kemOutput), "two encapsulations used the same ephemeral key");
    discarded.discard();
    await assertUsageError(discarded.seal(info, aad, pt), "hpke/encapsulation-used", "a seal after discard");
    await assertCryptoError(cs.hpkeEncap(new Uint8Array(x.kem.pk - 1)), "crypto/invalid-key", "encap to a short public key");
  });

  add("hpke: tampering and wrong keys throw crypto/hpke-open", async () => {
    const kp = await cs.hpkeGenerateKeyPair();
    const other = await cs.hpkeGenerateKeyPair();
    const info = utf8("info");
    const aad = utf8("aad");
    const ct = await cs.hpkeSeal(kp.publicKey, info, aad, utf8("secret"));
    const variants: [string, HpkeCiphertext, KeyPair, Uint8Array, Uint8Array][] = [
      ["flipped ciphertext bit", { kemOutput: ct.kemOutput, ciphertext: flip(ct.ciphertext, 0) }, kp, info, aad],
      ["flipped tag bit", { kemOutput: ct.kemOutput, ciphertext: flip(ct.ciphertext, -1) }, kp, info, aad],
      ["truncated ciphertext", { kemOutput: ct.kemOutput, ciphertext: ct.ciphertext.subarray(0, 3) }, kp, info, aad],
      ["flipped kem_output bit", { kemOutput: flip(ct.kemOutput, -1), ciphertext: ct.ciphertext }, kp, info, aad],
      ["truncated kem_output", { kemOutput: ct.kemOutput.subarray(1), ciphertext: ct.ciphertext }, kp, info, aad],
      ["wrong private key", ct, other, info, aad],
      ["other info", ct, kp, utf8("inf0"), aad],
      ["other aad", ct, kp, info, utf8("aae")],
    ];
    for (const [what, c, k, i, a] of variants) {
      await assertCryptoError(cs.hpkeOpen(c, k.privateKey, i, a), "crypto/hpke-open", what);
      await assertCryptoError(cs.hpkeOpen(c, k.privateKey, i, a, k.publicKey), "crypto/hpke-open", `${what} (with public key)`);
    }
  });

  add("hpke: invalid recipient public keys throw crypto/invalid-key", async () => {
    const info = utf8("info");
    const pt = utf8("p");
    await assertCryptoError(cs.hpkeSeal(new Uint8Array(x.kem.pk - 1), info, info, pt), "crypto/invalid-key", "short public key");
    await assertCryptoError(cs.hpkeSeal(new Uint8Array(x.kem.pk + 1), info, info, pt), "crypto/invalid-key", "long public key");
    if (x.kem.nist) {
      const offCurve = new Uint8Array(x.kem.pk);
      offCurve[0] = 0x04;
      offCurve[offCurve.length - 1] = 1;
      await assertCryptoError(cs.hpkeSeal(offCurve, info, info, pt), "crypto/invalid-key", "point not on the curve");
      const compressedTag = (await cs.hpkeGenerateKeyPair()).publicKey.slice();
      compressedTag[0] = 0x05;
      await assertCryptoError(cs.hpkeSeal(compressedTag, info, info, pt), "crypto/invalid-key", "bad point encoding tag");
    } else if (x.kem.pq) {
      // FIPS 203 §7.2: an encapsulation key whose coefficients are not all below q is refused.
      const pk = (await cs.hpkeGenerateKeyPair()).publicKey.slice();
      pk.fill(0xff, 0, 3);
      await assertCryptoError(cs.hpkeSeal(pk, info, info, pt), "crypto/invalid-key", "ML-KEM key failing the modulus check");
    } else {
      // RFC 9180 §7.1.4: a low-order point gives an all-zero DH output, which must be rejected.
      await assertCryptoError(cs.hpkeSeal(new Uint8Array(x.kem.pk), info, info, pt), "crypto/invalid-key", "all-zero (low-order) public key");
    }
    await assertCryptoError(cs.hpkeExportSender(new Uint8Array(x.kem.pk - 1), info, info, 32), "crypto/invalid-key", "export to a short public key");
  });

  add("hpke: DeriveKeyPair is deterministic and gives working keys", async () => {
    const ikm = seq(x.kem.sk, 42);
    const a = await cs.hpkeDeriveKeyPair(ikm);
    const b = await cs.hpkeDeriveKeyPair(ikm.slice());
    assertBytes(a.privateKey, b.privateKey, "derived private key");
    assertBytes(a.publicKey, b.publicKey, "derived public key");
    assert(a.publicKey.length === x.kem.pk && a.privateKey.length === x.kem.sk, "derived key sizes");
    const c = await cs.hpkeDeriveKeyPair(flip(ikm, 0));
    assert(!bytesEqual(a.privateKey, c.privateKey), "different ikm gave the same key");
    const ct = await cs.hpkeSeal(a.publicKey, new Uint8Array(0), new Uint8Array(0), utf8("to a derived key"));
    assertBytes(await cs.hpkeOpen(ct, b.privateKey, new Uint8Array(0), new Uint8Array(0)), utf8("to a derived key"), "open with a derived key");
    if (cs.suite.kemDeriveKeyPair === "seed" && x.kem.sk === 64) {
      // ML-KEM under the "seed" convention takes the 64-byte seed itself (ts-mls 2.0's suites).
      await assertCryptoError(cs.hpkeDeriveKeyPair(seq(1)), "crypto/derive-key-pair", "DeriveKeyPair of a 1-byte ikm (seed convention)");
    } else {
      const short = await cs.hpkeDeriveKeyPair(seq(1));
      assert(short.privateKey.length === x.kem.sk, "DeriveKeyPair of a 1-byte ikm");
    }
  });

  add("hpke: exporter sender and receiver agree", async () => {
    const kp = await cs.hpkeGenerateKeyPair();
    const info = utf8("MLS 1.0 external init secret");
    for (const length of [x.nh, 1, 100]) {
      const s = await cs.hpkeExportSender(kp.publicKey, info, utf8("ctx"), length);
      assert(s.exportedSecret.length === length, `exported ${s.exportedSecret.length} bytes, expected ${length}`);
      assert(s.kemOutput.length === x.kem.enc, "export kem_output size");
      assertBytes(await cs.hpkeExportReceiver(s.kemOutput, kp.privateKey, info, utf8("ctx"), length), s.exportedSecret, "receiver export");
      assertBytes(await cs.hpkeExportReceiver(s.kemOutput, kp.privateKey, info, utf8("ctx"), length, kp.publicKey), s.exportedSecret, "receiver export with public key");
      // Another context gives another secret; at 1 byte a collision has odds 1/256, so only from 16 bytes on.
      if (length >= 16) {
        const otherCtx = await cs.hpkeExportReceiver(s.kemOutput, kp.privateKey, info, utf8("ctX"), length);
        assert(!bytesEqual(otherCtx, s.exportedSecret), "other exporter context gave the same secret");
      }
    }
    const other = await cs.hpkeGenerateKeyPair();
    const s = await cs.hpkeExportSender(kp.publicKey, info, new Uint8Array(0), 32);
    const wrong = await cs.hpkeExportReceiver(s.kemOutput, other.privateKey, info, new Uint8Array(0), 32);
    assert(!bytesEqual(wrong, s.exportedSecret), "wrong private key exported the same secret");
  });
}
