/**
 * Conformance checks of the hash, MAC and HKDF functions (and the suite sizes).
 */
import { bytesEqual, fromHex, utf8 } from "@mlskit/codec";
import type { CipherSuiteProvider } from "../crypto-provider.js";
import { type AddCheck, assert, assertBytes, seq } from "./helpers.js";
import type { Expected } from "./known-answers.js";

/** Registers the sizes, hash, HMAC and HKDF checks of `cs`. @internal */
export function hashKdfChecks(cs: CipherSuiteProvider, x: Expected, add: AddCheck): void {
  add("hashSync, when offered, agrees with hash", async () => {
    if (cs.hashSync === undefined) return;
    for (const n of [0, 1, 55, 64, 1024, 5000]) {
      const data = new Uint8Array(n).map((_, i) => (i * 31 + n) & 0xff);
      const sync = cs.hashSync(data);
      assert(bytesEqual(sync, await cs.hash(data)), `hashSync and hash differ on ${n} bytes`);
    }
  });

  add("kdfExpandSync, when offered, agrees with kdfExpand", async () => {
    const expandSync = cs.kdfExpandSync;
    if (expandSync === undefined) return;
    const prk = await cs.kdfExtract(utf8("salt"), utf8("ikm"));
    for (const key of [prk, prk.subarray(0, 16)]) {
      for (const n of [0, 1, 12, 16, x.nh, x.nh + 1, 3 * x.nh]) {
        const info = seq(n + 5, n);
        const sync = expandSync.call(cs, key, info, n);
        assertBytes(sync, await cs.kdfExpand(key, info, n), `kdfExpandSync(${key.length}-byte PRK, ${n})`);
      }
    }
  });

  add("sizes match the suite", async () => {
    assert(cs.hashLength === x.nh, `hashLength ${cs.hashLength}, expected ${x.nh}`);
    assert(cs.aeadKeyLength === x.aead.nk, `aeadKeyLength ${cs.aeadKeyLength}, expected ${x.aead.nk}`);
    assert(cs.aeadNonceLength === x.aead.nn, `aeadNonceLength ${cs.aeadNonceLength}, expected ${x.aead.nn}`);
    const hpke = await cs.hpkeGenerateKeyPair();
    assert(hpke.publicKey.length === x.kem.pk, `HPKE public key ${hpke.publicKey.length} bytes, expected ${x.kem.pk}`);
    assert(hpke.privateKey.length === x.kem.sk, `HPKE private key ${hpke.privateKey.length} bytes, expected ${x.kem.sk}`);
    const sig = await cs.signatureGenerateKeyPair();
    assert(sig.publicKey.length === x.sig.pk, `signature public key ${sig.publicKey.length} bytes, expected ${x.sig.pk}`);
    assert(sig.privateKey.length === x.sig.sk, `signature private key ${sig.privateKey.length} bytes, expected ${x.sig.sk}`);
  });

  add("hash: known answer and length", async () => {
    assertBytes(await cs.hash(utf8("abc")), x.kat.abc, `${cs.suite.hash}("abc")`);
    assert((await cs.hash(new Uint8Array(0))).length === x.hashNh, "hash of empty input has the wrong length");
    const big = seq(100_000);
    assert((await cs.hash(big)).length === x.hashNh, "hash of 100 kB has the wrong length");
  });

  add("mac: HMAC known answer (RFC 4231 case 2), key sensitivity", async () => {
    const key = utf8("Jefe");
    const data = utf8("what do ya want for nothing?");
    const tag = await cs.mac(key, data);
    assertBytes(tag, x.kat.hmac, "HMAC");
    assert(!bytesEqual(await cs.mac(utf8("Jeff"), data), tag), "HMAC ignores the key");
    assert((await cs.mac(seq(200), data)).length === x.hashNh, "HMAC with a long key has the wrong length");
  });

  add("kdf: HKDF known answers, lengths, extract = HMAC(salt, ikm)", async () => {
    const salt = utf8("mlskit salt");
    const ikm = utf8("mlskit ikm");
    const info = utf8("mlskit info");
    const prk = await cs.kdfExtract(salt, ikm);
    assertBytes(prk, x.kdfKat.prk, "HKDF-Extract");
    if (x.kdfIsHash) assertBytes(prk, await cs.mac(salt, ikm), "HKDF-Extract vs HMAC(salt, ikm)");
    assertBytes(await cs.kdfExpand(prk, info, 100), x.kdfKat.okm100, "HKDF-Expand (100 bytes)");
    for (const n of [1, 16, x.nh, x.nh + 1, 3 * x.nh]) {
      const okm = await cs.kdfExpand(prk, info, n);
      assert(okm.length === n, `HKDF-Expand(${n}) gave ${okm.length} bytes`);
      // HKDF-Expand output is a prefix of any longer output (RFC 5869 §2.3).
      if (n <= 100) assertBytes(okm, fromHex(x.kdfKat.okm100).subarray(0, n), `HKDF-Expand(${n})`);
    }
    // RFC 5869 §2.2: an absent salt is HashLen zero bytes; HMAC pads an empty key with zeros.
    assertBytes(await cs.kdfExtract(new Uint8Array(0), ikm), await cs.kdfExtract(new Uint8Array(x.nh), ikm), "HKDF-Extract with empty salt");
  });
}
