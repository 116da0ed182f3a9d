/**
 * Conformance checks that cut across operations: inputs left unmutated, random bytes.
 */
import { bytesEqual } from "@mlskit/codec";
import type { CipherSuiteProvider } from "../crypto-provider.js";
import { type AddCheck, assert, seq, snapshot } from "./helpers.js";
import type { Expected } from "./known-answers.js";

/** Registers the input-mutation and `randomBytes` checks of `cs`. @internal */
export function inputChecks(cs: CipherSuiteProvider, x: Expected, add: AddCheck): void {
  add("inputs are not mutated", async () => {
    const data = seq(77, 5);
    const key = seq(x.aead.nk, 1);
    const nonce = seq(x.aead.nn, 2);
    const aad = seq(9, 3);
    const info = seq(11, 4);
    const ikm = seq(x.kem.sk, 6);
    const prk = seq(x.nh, 7);
    const sigKp = await cs.signatureGenerateKeyPair();
    const hpkeKp = await cs.hpkeGenerateKeyPair();
    const keys = [sigKp.publicKey, sigKp.privateKey, hpkeKp.publicKey, hpkeKp.privateKey];
    const check = snapshot(data, key, nonce, aad, info, ikm, prk, ...keys);
    await cs.hash(data);
    await cs.mac(key, data);
    await cs.kdfExtract(prk, ikm);
    await cs.kdfExpand(prk, info, 2 * x.nh);
    const ct = await cs.aeadSeal(key, nonce, aad, data);
    const ctCopy = snapshot(ct);
    await cs.aeadOpen(key, nonce, aad, ct);
    ctCopy();
    const sig = await cs.sign(sigKp.privateKey, data);
    const sigCopy = snapshot(sig);
    await cs.verify(sigKp.publicKey, data, sig);
    await cs.signaturePublicKey(sigKp.privateKey);
    sigCopy();
    const hct = await cs.hpkeSeal(hpkeKp.publicKey, info, aad, data);
    const hctCopy = snapshot(hct.kemOutput, hct.ciphertext);
    await cs.hpkeOpen(hct, hpkeKp.privateKey, info, aad);
    await cs.hpkeOpen(hct, hpkeKp.privateKey, info, aad, hpkeKp.publicKey);
    hctCopy();
    const exp = await cs.hpkeExportSender(hpkeKp.publicKey, info, aad, 32);
    const expCopy = snapshot(exp.kemOutput);
    await cs.hpkeExportReceiver(exp.kemOutput, hpkeKp.privateKey, info, aad, 32, hpkeKp.publicKey);
    expCopy();
    await cs.hpkeDeriveKeyPair(ikm);
    check();
  });

  add("randomBytes: lengths and freshness", async () => {
    for (const n of [0, 1, 32, 1000]) assert(cs.randomBytes(n).length === n, `randomBytes(${n}) has the wrong length`);
    assert(!bytesEqual(cs.randomBytes(32), cs.randomBytes(32)), "two randomBytes(32) calls returned the same bytes");
  });
}
