/**
 * Conformance checks of the signature functions.
 */
import { fromHex, utf8 } from "@mlskit/codec";
import type { CipherSuiteProvider } from "../crypto-provider.js";
import { type AddCheck, assert, assertBytes, assertCryptoError, assertVerifyFalse, flip } from "./helpers.js";
import { type Expected, SIGNATURE_KAT_MESSAGE } from "./known-answers.js";

/** Registers the signature checks of `cs`. @internal */
export function signatureChecks(cs: CipherSuiteProvider, x: Expected, add: AddCheck): void {
  add("signature: known answer", async () => {
    const k = x.sig;
    const msg = utf8(SIGNATURE_KAT_MESSAGE);
    assertBytes(await cs.signaturePublicKey(fromHex(k.priv)), k.pub, "signaturePublicKey(known private key)");
    assert(await cs.verify(fromHex(k.pub), msg, fromHex(k.sig)), "known signature does not verify");
    if (k.sigHighS) {
      // RFC 9420 §5.1.2 asks for a valid signature, not a low-S one: a high-S DER signature verifies.
      assert(await cs.verify(fromHex(k.pub), msg, fromHex(k.sigHighS)), "known high-S ECDSA signature does not verify");
    } else {
      // EdDSA is deterministic (RFC 8032 §5.1.6).
      assertBytes(await cs.sign(fromHex(k.priv), msg), k.sig, "EdDSA signature of the known key");
    }
    const mine = await cs.sign(fromHex(k.priv), msg);
    assert(await cs.verify(fromHex(k.pub), msg, mine), "signature made with the known key does not verify");
  });

  add("signature: sign/verify, tampering and wrong keys give false", async () => {
    const kp = await cs.signatureGenerateKeyPair();
    const other = await cs.signatureGenerateKeyPair();
    const msg = utf8("MLS 1.0 conformance message");
    const sig = await cs.sign(kp.privateKey, msg);
    assert(await cs.verify(kp.publicKey, msg, sig), "signature does not verify");
    assert(await cs.verify(kp.publicKey, new Uint8Array(0), await cs.sign(kp.privateKey, new Uint8Array(0))), "signature over an empty message does not verify");
    await assertVerifyFalse(cs.verify(kp.publicKey, flip(msg, 0), sig), "tampered message");
    await assertVerifyFalse(cs.verify(kp.publicKey, msg.subarray(1), sig), "truncated message");
    await assertVerifyFalse(cs.verify(other.publicKey, msg, sig), "wrong public key");
    for (const i of [sig.length - 1, sig.length >> 1, Math.min(10, sig.length - 1)]) {
      await assertVerifyFalse(cs.verify(kp.publicKey, msg, flip(sig, i)), `signature with byte ${i} flipped`);
    }
  });

  add("signature: malformed signatures and keys give false, never throw", async () => {
    const kp = await cs.signatureGenerateKeyPair();
    const msg = utf8("message");
    const sig = await cs.sign(kp.privateKey, msg);
    const malformedSigs: [string, Uint8Array][] = [
      ["empty signature", new Uint8Array(0)],
      ["one-byte signature", Uint8Array.of(0x30)],
      ["truncated signature", sig.subarray(0, sig.length - 1)],
      ["signature with a trailing byte", Uint8Array.of(...sig, 0)],
      ["all-zero signature", new Uint8Array(sig.length)],
      ["all-0xff signature", new Uint8Array(sig.length).fill(0xff)],
      ["DER SEQUENCE with zero r and s", Uint8Array.of(0x30, 0x06, 0x02, 0x01, 0x00, 0x02, 0x01, 0x00)],
      ["DER with a bad length", Uint8Array.of(0x30, 0x7f, 0x02, 0x01, 0x01, 0x02, 0x01, 0x01)],
    ];
    for (const [what, s] of malformedSigs) await assertVerifyFalse(cs.verify(kp.publicKey, msg, s), what);
    const malformedKeys: [string, Uint8Array][] = [
      ["empty public key", new Uint8Array(0)],
      ["truncated public key", kp.publicKey.subarray(1)],
      ["public key with a trailing byte", Uint8Array.of(...kp.publicKey, 1)],
      ["all-0xff public key", new Uint8Array(kp.publicKey.length).fill(0xff)],
    ];
    for (const [what, k] of malformedKeys) await assertVerifyFalse(cs.verify(k, msg, sig), what);
  });

  add("signature: signaturePublicKey(private) equals the generated public key", async () => {
    for (let i = 0; i < 3; i++) {
      const kp = await cs.signatureGenerateKeyPair();
      assertBytes(await cs.signaturePublicKey(kp.privateKey), kp.publicKey, "signaturePublicKey");
    }
    await assertCryptoError(cs.signaturePublicKey(new Uint8Array(3)), "crypto/invalid-key", "signaturePublicKey of a 3-byte key");
    await assertCryptoError(cs.sign(new Uint8Array(3), utf8("m")), "crypto/invalid-key", "sign with a 3-byte key");
  });
}
