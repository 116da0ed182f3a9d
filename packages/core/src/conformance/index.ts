/**
 * `@mlskit/core/conformance`: checks every {@link CipherSuiteProvider} must
 * pass, written without a test framework (a failed check throws an `Error`),
 * so each provider's tests can run them:
 * `for (const c of cipherSuiteConformance(cs)) it(c.name, c.run)`.
 * @packageDocumentation
 */
import { bytesEqual, fromHex, toHex, utf8 } from "@mlskit/codec";
import type { CipherSuiteProvider, HpkeCiphertext, KeyPair } from "../crypto-provider.js";
import { CryptoError } from "../errors.js";
import { HpkeAeadId, HpkeKemId, SignatureScheme } from "../ids.js";

/** One named check; `run` throws on failure. */
export interface ConformanceCheck {
  readonly name: string;
  run(): Promise<void>;
}

// ---------------------------------------------------------------- helpers

function fail(message: string): never {
  throw new Error(message);
}

function assert(condition: boolean, message: string): asserts condition {
  if (!condition) fail(message);
}

function assertBytes(got: Uint8Array, want: Uint8Array | string, what: string): void {
  const w = typeof want === "string" ? fromHex(want) : want;
  if (!bytesEqual(got, w)) fail(`${what}: expected ${toHex(w)}, got ${toHex(got)}`);
}

async function assertCryptoError(p: Promise<unknown>, code: string, what: string): Promise<void> {
  let result: unknown;
  try {
    result = await p;
  } catch (e) {
    if (!CryptoError.isInstance(e)) fail(`${what}: expected CryptoError ${code}, got ${String(e)}`);
    if (e.code !== code) fail(`${what}: expected CryptoError code ${code}, got ${e.code} (${e.message})`);
    return;
  }
  fail(`${what}: expected CryptoError ${code}, but it succeeded (${result instanceof Uint8Array ? toHex(result) : String(result)})`);
}

async function assertVerifyFalse(p: Promise<boolean>, what: string): Promise<void> {
  let ok: boolean;
  try {
    ok = await p;
  } catch (e) {
    fail(`${what}: verify threw (${String(e)}) instead of returning false`);
  }
  assert(ok === false, `${what}: verify returned ${String(ok)}, expected false`);
}

/** A copy with one bit flipped at `index` (negative counts from the end). */
function flip(bytes: Uint8Array, index: number, bit = 0x01): Uint8Array {
  const out = bytes.slice();
  const i = index < 0 ? out.length + index : index;
  out[i]! ^= bit;
  return out;
}

const seq = (n: number, offset = 0): Uint8Array => Uint8Array.from({ length: n }, (_, i) => (i + offset) & 0xff);

/** Snapshot of inputs, to assert that an operation did not mutate them. */
function snapshot(...inputs: Uint8Array[]): () => void {
  const copies = inputs.map((x) => x.slice());
  return () => {
    inputs.forEach((x, i) => assertBytes(x, copies[i]!, `input #${i} was mutated`));
  };
}

// ---------------------------------------------------------------- expected sizes and known answers

const HASH_LENGTH = { "SHA-256": 32, "SHA-384": 48, "SHA-512": 64 } as const;

/** Npk, Nsk of each DHKEM (RFC 9180 §7.1). */
const KEM_SIZES: Record<number, { pk: number; sk: number; nist: boolean }> = {
  [HpkeKemId.DHKEM_P256_HKDF_SHA256]: { pk: 65, sk: 32, nist: true },
  [HpkeKemId.DHKEM_P384_HKDF_SHA384]: { pk: 97, sk: 48, nist: true },
  [HpkeKemId.DHKEM_P521_HKDF_SHA512]: { pk: 133, sk: 66, nist: true },
  [HpkeKemId.DHKEM_X25519_HKDF_SHA256]: { pk: 32, sk: 32, nist: false },
  [HpkeKemId.DHKEM_X448_HKDF_SHA512]: { pk: 56, sk: 56, nist: false },
};

/** Nk, Nn, Nt (RFC 9180 §7.3). */
const AEAD_SIZES: Record<number, { nk: number; nn: number; nt: number; kat: string }> = {
  // KAT: key = 00 01 .. (Nk-1), nonce = 64 65 .. 6f, aad "mlskit aad", pt "mlskit plaintext".
  [HpkeAeadId.AES_128_GCM]: { nk: 16, nn: 12, nt: 16, kat: "770e3dceb276988af75f3e7ef2af53986073908d7b76beba0f3f750e694beb8e" },
  [HpkeAeadId.AES_256_GCM]: { nk: 32, nn: 12, nt: 16, kat: "2577ad0d109d76ee52033686ae0012896309c1a0eeb4e14c86ca6dc8759d8a00" },
  [HpkeAeadId.CHACHA20_POLY1305]: { nk: 32, nn: 12, nt: 16, kat: "597dc8a1f1d1562297bf7c1186eca0e76bc3ec587292abb1d26a634b6ea5a8a9" },
};

/** Hash("abc") (FIPS 180-4 examples), HMAC RFC 4231 test case 2, HKDF with salt/ikm/info "mlskit salt"/"mlskit ikm"/"mlskit info". */
const HASH_KAT: Record<"SHA-256" | "SHA-384" | "SHA-512", { abc: string; hmac: string; prk: string; okm100: string }> = {
  "SHA-256": {
    abc: "ba7816bf8f01cfea414140de5dae2223b00361a396177a9cb410ff61f20015ad",
    hmac: "5bdcc146bf60754e6a042426089575c75a003f089d2739839dec58b964ec3843",
    prk: "2df84435ee4c1b9e9d003ca6f92f18a0b1674ef26b03879ff0143632d6bde043",
    okm100:
      "743ecc24b20458d5d9221c333341f5029873e6958d09bbe2f1e308d3d0825914f33170c872145f5f4241b94507ed015220601c4493729c298df6abe590dce7f9cf93fda8eb09b844e6009ac8a12aecbd412aaf36c36a826bddf03825eb8bef078f90eb6d",
  },
  "SHA-384": {
    abc: "cb00753f45a35e8bb5a03d699ac65007272c32ab0eded1631a8b605a43ff5bed8086072ba1e7cc2358baeca134c825a7",
    hmac: "af45d2e376484031617f78d2b58a6b1b9c7ef464f5a01b47e42ec3736322445e8e2240ca5e69e2c78b3239ecfab21649",
    prk: "24524ea07e47fd08b9319046a7cb6aa0b21174f86aa0985a6d2a025eb18e0dc042fbe33cc9a045ba1306114d185b61c5",
    okm100:
      "a55e3a7a5622cdff6fc1131ba56ea3eff732aaedffa66131ad8352f80ae11fa617f3f4ba1a6abdd2292b4f510869b88da60d30e7779e4969213fd6b89058adb7c41a3947fff8f84bfc105da20ed648f1e87b029994721bf58c4a0abb0dfdd1288a646f08",
  },
  "SHA-512": {
    abc: "ddaf35a193617abacc417349ae20413112e6fa4e89a97ea20a9eeee64b55d39a2192992a274fc1a836ba3c23a3feebbd454d4423643ce80e2a9ac94fa54ca49f",
    hmac: "164b7a7bfcf819e2e395fbe73b56e0a387bd64222e831fd610270cd7ea2505549758bf75c05a994a6d034f65f8f0e6fdcaeab1a34d4a6b4b636e070a38bce737",
    prk: "d77a56ac40678f9422692500ac51c66028c120986745c2093408975501c0b5ae57b632c625dc5be2f69d53c41b0c19659522e5d293334c173499a77b5d5efbc8",
    okm100:
      "9a7ce9da279388315d846145900334b803a3d587b3c6d755646b0ae713b690e4dfd35a6d028e4bb4365f7f55b37d35ceb4d72ebb8d84658f2b47b022494dd754367d40d3a094b72f525763b9ae85ce6d683ba5178bdfe36d9e781edf0afbb684b8a33635",
  },
};

/**
 * Signature sizes and a known answer per scheme (made with OpenSSL): the
 * message is "mlskit signature KAT". Ed25519/Ed448 signatures are
 * deterministic (RFC 8032); ECDSA ones are DER, given with low and high S.
 */
const SIGNATURE_KAT: Record<number, { pk: number; sk: number; priv: string; pub: string; sig: string; sigHighS?: string }> = {
  [SignatureScheme.ed25519]: {
    pk: 32,
    sk: 32,
    priv: "0102030405060708090a0b0c0d0e0f101112131415161718191a1b1c1d1e1f20",
    pub: "79b5562e8fe654f94078b112e8a98ba7901f853ae695bed7e0e3910bad049664",
    sig: "49fb640f26e1749d359c6b32a944df017b6180ceec1e08f47f8d87aa4a115a77655d8d1e01a2a5a19db1a42be025ea961506ea5a7b0f84e5a17b897779187706",
  },
  [SignatureScheme.ed448]: {
    pk: 57,
    sk: 57,
    priv: "0102030405060708090a0b0c0d0e0f101112131415161718191a1b1c1d1e1f202122232425262728292a2b2c2d2e2f30313233343536373839",
    pub: "da918ba3e57fdca0326f46c7ec843ba8fcb0d57fa15f2588a57bae9df558210351e7e15581b24459c0a7cde1e835582d717c0699ea72e8c900",
    sig: "c321a9fec9734c12e6095578bd05547596dda75abed71c4daaab5b03d85b1b3b8088c4d5f68f2636ee7855b109d2e43d31dba494886138bd80296f53a6c26cf67427c7381e1985541e3b54a218d6060ac73a6f69ab8d5e290864ebb37e8d4fe7d41974b265517d1daf6e04b6b2b4993f3e00",
  },
  [SignatureScheme.ecdsa_secp256r1_sha256]: {
    pk: 65,
    sk: 32,
    priv: "0708090a0b0c0d0e0f101112131415161718191a1b1c1d1e1f20212223242526",
    pub: "04a28e38dcab1689b9c2f413141939416fea9dcc8e6ad76a8a13422bb4c11e6e32695b1a0d140033e7e0eaa5634fb5e6d36beedcbc67ad3eeb5a8b7f477a59bfda",
    sig: "304402205e66aacb42b3d35f4311f7c4f67090d3f140d151807c2fc231dc0c629c4796b302206a58da938e1446305137dda7a00eb2b73a44eac4cf25189e7838b4cf823c61ce",
    sigHighS:
      "304502205e66aacb42b3d35f4311f7c4f67090d3f140d151807c2fc231dc0c629c4796b302210095a7256b71ebb9d0aec822585ff14d4882a20fe8d7f285e67b8115f37a26c383",
  },
  [SignatureScheme.ecdsa_secp384r1_sha384]: {
    pk: 97,
    sk: 48,
    priv: "0708090a0b0c0d0e0f101112131415161718191a1b1c1d1e1f202122232425262728292a2b2c2d2e2f30313233343536",
    pub: "04da85c5111cfeb6ddc5650033019f0581bcc3a2c0f3da14422f39eec1dd8ba7c8a9869afdde06193847435ef235efa75e781f524d68872a9e68a76bbf38e4b779ad0deb08130e6ce95a917277586f283915f1053789b2741b04e621f0292c9e85",
    sig: "306402300a9b40eb8a53d311eaae5654f491009d524c44a4f2e973df13d438a4a507fc6a1574daa424a286d8e104f5190c9e3cd9023002a26125f92fb90527c10236c45d25c2755dc0dceeb8764ad791a8662d60227e964be00c94fb35bc64d02a519719ecb3",
    sigHighS:
      "306502300a9b40eb8a53d311eaae5654f491009d524c44a4f2e973df13d438a4a507fc6a1574daa424a286d8e104f5190c9e3cd9023100fd5d9eda06d046fad83efdc93ba2da3d8aa23f23114789b4efd1a51bc6d70b60c1ce2da5b3b571be881bef1935ab3cc0",
  },
  [SignatureScheme.ecdsa_secp521r1_sha512]: {
    pk: 133,
    sk: 66,
    priv: "0108090a0b0c0d0e0f101112131415161718191a1b1c1d1e1f202122232425262728292a2b2c2d2e2f303132333435363738393a3b3c3d3e3f404142434445464748",
    pub: "0401d6b0e7a90a65237bcfc2eca4bdd227446d7470b56369aafdf725e6ee0da842a92d0324913bc5041728bae3651679419d70bd19e4094da86d61711aef6b1e7f9470015cd2c87b63376ed923bb16541db809ff9809ee6a042efa44d3be388fca6040d3d657ed4bac353cbfb051c7557b9fd3bc6e4c9be7dbc488f4aee5b22a7e517b9c3e",
    sig: "30818602412f78613f6eb375a18b4937560d86a7eb6a1ef956c32a2feb8350c70df383ba494e7fc663bdbe30d643299eeb57df0c59da69e88f7da75a40877c8ac3c94c68deb402410dc80969a5ab80f7f240c8baa4c823afafefbaa5f3c3c562d177d920ada610d9fcb3d603b1193a8f0bab6107a24016596b72b4b073b43d95a2e72ece12bd4269c0",
    sigHighS:
      "30818702412f78613f6eb375a18b4937560d86a7eb6a1ef956c32a2feb8350c70df383ba494e7fc663bdbe30d643299eeb57df0c59da69e88f7da75a40877c8ac3c94c68deb4024201f237f6965a547f080dbf37455b37dc505010455a0c3c3a9d2e8826df5259ef25fd9db083d2a5f5075fd46af9a6b6f34c64c9011944d55eb20bd440e90bd3f5fa49",
  },
};
const SIGNATURE_KAT_MESSAGE = "mlskit signature KAT";

function expected(cs: CipherSuiteProvider) {
  const s = cs.suite;
  const kem = KEM_SIZES[s.kem] ?? fail(`${s.name}: unknown KEM ${s.kem}`);
  const aead = AEAD_SIZES[s.aead] ?? fail(`${s.name}: unknown AEAD ${s.aead}`);
  const sig = SIGNATURE_KAT[s.signature] ?? fail(`${s.name}: unknown signature scheme ${s.signature}`);
  return { nh: HASH_LENGTH[s.hash], kem, aead, sig, kat: HASH_KAT[s.hash] };
}

// ---------------------------------------------------------------- single-provider checks

/**
 * The checks one {@link CipherSuiteProvider} must pass: sizes, known answers
 * for hash/HMAC/HKDF/AEAD/signatures, round trips, every failure mode with
 * its {@link CryptoError} code, `verify` returning false (never throwing) on
 * malformed input, deterministic HPKE DeriveKeyPair, and inputs left unmutated.
 */
export function cipherSuiteConformance(cs: CipherSuiteProvider): ConformanceCheck[] {
  const x = expected(cs);
  const checks: ConformanceCheck[] = [];
  const add = (name: string, run: () => Promise<void>): void => void checks.push({ name: `${cs.suite.name}: ${name}`, run });

  add("hashSync, when offered, agrees with hash", async () => {
    if (cs.hashSync === undefined) return;
    for (const n of [0, 1, 55, 64, 1024, 5000]) {
      const data = new Uint8Array(n).map((_, i) => (i * 31 + n) & 0xff);
      const sync = cs.hashSync(data);
      assert(bytesEqual(sync, await cs.hash(data)), `hashSync and hash differ on ${n} bytes`);
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
    assert((await cs.hash(new Uint8Array(0))).length === x.nh, "hash of empty input has the wrong length");
    const big = seq(100_000);
    assert((await cs.hash(big)).length === x.nh, "hash of 100 kB has the wrong length");
  });

  add("mac: HMAC known answer (RFC 4231 case 2), key sensitivity", async () => {
    const key = utf8("Jefe");
    const data = utf8("what do ya want for nothing?");
    const tag = await cs.mac(key, data);
    assertBytes(tag, x.kat.hmac, "HMAC");
    assert(!bytesEqual(await cs.mac(utf8("Jeff"), data), tag), "HMAC ignores the key");
    assert((await cs.mac(seq(200), data)).length === x.nh, "HMAC with a long key has the wrong length");
  });

  add("kdf: HKDF known answers, lengths, extract = HMAC(salt, ikm)", async () => {
    const salt = utf8("mlskit salt");
    const ikm = utf8("mlskit ikm");
    const info = utf8("mlskit info");
    const prk = await cs.kdfExtract(salt, ikm);
    assertBytes(prk, x.kat.prk, "HKDF-Extract");
    assertBytes(prk, await cs.mac(salt, ikm), "HKDF-Extract vs HMAC(salt, ikm)");
    assertBytes(await cs.kdfExpand(prk, info, 100), x.kat.okm100, "HKDF-Expand (100 bytes)");
    for (const n of [1, 16, x.nh, x.nh + 1, 3 * x.nh]) {
      const okm = await cs.kdfExpand(prk, info, n);
      assert(okm.length === n, `HKDF-Expand(${n}) gave ${okm.length} bytes`);
      // HKDF-Expand output is a prefix of any longer output (RFC 5869 §2.3).
      if (n <= 100) assertBytes(okm, fromHex(x.kat.okm100).subarray(0, n), `HKDF-Expand(${n})`);
    }
    // RFC 5869 §2.2: an absent salt is HashLen zero bytes; HMAC pads an empty key with zeros.
    assertBytes(await cs.kdfExtract(new Uint8Array(0), ikm), await cs.kdfExtract(new Uint8Array(x.nh), ikm), "HKDF-Extract with empty salt");
  });

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

  add("hpke: seal/open round trip, with and without the recipient public key", async () => {
    const kp = await cs.hpkeGenerateKeyPair();
    const info = utf8("info");
    const aad = utf8("aad");
    for (const pt of [utf8("hello MLS"), new Uint8Array(0), seq(3000)]) {
      const ct = await cs.hpkeSeal(kp.publicKey, info, aad, pt);
      assert(ct.kemOutput.length === x.kem.pk, `kem_output is ${ct.kemOutput.length} bytes, expected ${x.kem.pk}`);
      assert(ct.ciphertext.length === pt.length + x.aead.nt, `ciphertext is ${ct.ciphertext.length} bytes, expected ${pt.length + x.aead.nt}`);
      assertBytes(await cs.hpkeOpen(ct, kp.privateKey, info, aad), pt, "hpkeOpen");
      assertBytes(await cs.hpkeOpen(ct, kp.privateKey, info, aad, kp.publicKey), pt, "hpkeOpen with public key");
    }
    const a = await cs.hpkeSeal(kp.publicKey, info, aad, utf8("x"));
    const b = await cs.hpkeSeal(kp.publicKey, info, aad, utf8("x"));
    assert(!bytesEqual(a.kemOutput, b.kemOutput), "two seals used the same ephemeral key");
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
    } else {
      // RFC 9180 §7.1.4: a low-order point gives an all-zero DH output, which must be rejected.
      await assertCryptoError(cs.hpkeSeal(new Uint8Array(x.kem.pk), info, info, pt), "crypto/invalid-key", "all-zero (low-order) public key");
    }
    await assertCryptoError(
      cs.hpkeExportSender(new Uint8Array(x.kem.pk - 1), info, info, 32),
      "crypto/invalid-key",
      "export to a short public key",
    );
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
    const short = await cs.hpkeDeriveKeyPair(seq(1));
    assert(short.privateKey.length === x.kem.sk, "DeriveKeyPair of a 1-byte ikm");
  });

  add("hpke: exporter sender and receiver agree", async () => {
    const kp = await cs.hpkeGenerateKeyPair();
    const info = utf8("MLS 1.0 external init secret");
    for (const length of [x.nh, 1, 100]) {
      const s = await cs.hpkeExportSender(kp.publicKey, info, utf8("ctx"), length);
      assert(s.exportedSecret.length === length, `exported ${s.exportedSecret.length} bytes, expected ${length}`);
      assert(s.kemOutput.length === x.kem.pk, "export kem_output size");
      assertBytes(await cs.hpkeExportReceiver(s.kemOutput, kp.privateKey, info, utf8("ctx"), length), s.exportedSecret, "receiver export");
      assertBytes(
        await cs.hpkeExportReceiver(s.kemOutput, kp.privateKey, info, utf8("ctx"), length, kp.publicKey),
        s.exportedSecret,
        "receiver export with public key",
      );
      const otherCtx = await cs.hpkeExportReceiver(s.kemOutput, kp.privateKey, info, utf8("ctX"), length);
      assert(!bytesEqual(otherCtx, s.exportedSecret), "other exporter context gave the same secret");
    }
    const other = await cs.hpkeGenerateKeyPair();
    const s = await cs.hpkeExportSender(kp.publicKey, info, new Uint8Array(0), 32);
    const wrong = await cs.hpkeExportReceiver(s.kemOutput, other.privateKey, info, new Uint8Array(0), 32);
    assert(!bytesEqual(wrong, s.exportedSecret), "wrong private key exported the same secret");
  });

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

  return checks;
}

// ---------------------------------------------------------------- two-provider checks

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
