/**
 * Conformance checks of the AEAD functions.
 */
import { utf8 } from "@mlskit/codec";
import type { CipherSuiteProvider } from "../crypto-provider.js";
import { type AddCheck, assert, assertBytes, assertCryptoError, flip, seq } from "./helpers.js";
import type { Expected } from "./known-answers.js";

/** Registers the AEAD checks of `cs`. @internal */
export function aeadChecks(cs: CipherSuiteProvider, x: Expected, add: AddCheck): void {
  add("aead: known answer, round trip", async () => {
    const key = seq(x.aead.nk);
    const nonce = seq(x.aead.nn, 100);
    const aad = utf8("mlskit aad");
    const pt = utf8("mlskit plaintext");
    const ct = await cs.aeadSeal(key, nonce, aad, pt);
    assertBytes(ct, x.aead.kat, "AEAD seal");
    assertBytes(await cs.aeadOpen(key, nonce, aad, ct), pt, "AEAD open");
    const empty = await cs.aeadSeal(key, nonce, new Uint8Array(0), new Uint8Array(0));
    assert(empty.length === x.aead.nt, `sealing nothing gave ${empty.length} bytes, expected the tag (${x.aead.nt})`);
    assertBytes(await cs.aeadOpen(key, nonce, new Uint8Array(0), empty), new Uint8Array(0), "AEAD open of an empty plaintext");
    const long = seq(5000, 3);
    assertBytes(await cs.aeadOpen(key, nonce, aad, await cs.aeadSeal(key, nonce, aad, long)), long, "AEAD round trip of 5000 bytes");
  });

  add("aead: tampering throws crypto/aead-open", async () => {
    const key = seq(x.aead.nk, 9);
    const nonce = seq(x.aead.nn, 1);
    const aad = utf8("aad");
    const ct = await cs.aeadSeal(key, nonce, aad, utf8("attack at dawn"));
    await assertCryptoError(cs.aeadOpen(key, nonce, aad, flip(ct, 0)), "crypto/aead-open", "flipped ciphertext bit");
    await assertCryptoError(cs.aeadOpen(key, nonce, aad, flip(ct, -1, 0x80)), "crypto/aead-open", "flipped tag bit");
    await assertCryptoError(cs.aeadOpen(key, nonce, utf8("aae"), ct), "crypto/aead-open", "other aad");
    await assertCryptoError(cs.aeadOpen(key, flip(nonce, 0), aad, ct), "crypto/aead-open", "other nonce");
    await assertCryptoError(cs.aeadOpen(flip(key, 3), nonce, aad, ct), "crypto/aead-open", "other key");
    await assertCryptoError(cs.aeadOpen(key, nonce, aad, ct.subarray(0, x.aead.nt - 1)), "crypto/aead-open", "shorter than a tag");
    await assertCryptoError(cs.aeadOpen(key, nonce, aad, ct.subarray(1)), "crypto/aead-open", "truncated ciphertext");
  });
}
