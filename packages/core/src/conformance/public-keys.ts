/**
 * Conformance checks of public-key validation: `hpkePublicKeyProblem` (RFC
 * 9180 §7.1.1 DeserializePublicKey, §7.1.4) and `signaturePublicKeyProblem`
 * (RFC 9420 §5.1.1, RFC 8032 §5.1.3/§5.2.3). Valid keys pass; each class of
 * bad key is refused with a reason; a refused HPKE key cannot be encrypted
 * to, and a refused signature key verifies nothing — not even the signature
 * anyone can make for a small-order EdDSA key.
 */
import { fromHex, toHex, utf8 } from "@mlskit/codec";
import type { CipherSuiteProvider } from "../crypto-provider.js";
import { CryptoError, expectDefined } from "../errors.js";
import { HpkeKemId, SignatureScheme } from "../ids.js";
import { type AddCheck, assert, assertVerifyFalse, fail, flip } from "./helpers.js";
import type { Expected } from "./known-answers.js";

/** Options of the public-key checks (see `cipherSuiteConformance`). */
export interface PublicKeyCheckOptions {
  /**
   * Whether the provider tells an EdDSA encoding that is not a point from a
   * valid key (default true). `crypto.subtle` alone cannot (decoding takes a
   * square root in the field, which it does not expose); with false, such a
   * key must still verify nothing.
   */
  readonly decodesEdDsaKeys?: boolean;
}

const r = (byte: string, n: number): string => byte.repeat(n);

/** Low-order X25519 u-coordinates (RFC 7748 §6.1), with variants whose top bit (ignored by X25519) is set. */
const X25519_BAD: readonly [string, string][] = [
  ["all-zero key (u = 0)", r("00", 32)],
  ["u = 1", "01" + r("00", 31)],
  ["u = 1, top bit set", "01" + r("00", 30) + "80"],
  ["point of order 8", "e0eb7a7c3b41b8ae1656e3faf19fc46ada098deb9c32b1fd866205165f49b800"],
  ["point of order 8", "5f9c95bca3508c24b1d0b1559c83ef5b04445cc4581c8e86d8224eddd09f1157"],
  ["point of order 8, top bit set", "5f9c95bca3508c24b1d0b1559c83ef5b04445cc4581c8e86d8224eddd09f11d7"],
  ["u = p − 1", "ec" + r("ff", 30) + "7f"],
  ["u = p (non-canonical 0)", "ed" + r("ff", 30) + "7f"],
  ["u = p + 1 (non-canonical 1)", "ee" + r("ff", 30) + "7f"],
  ["u = p + 1, top bit set", "ee" + r("ff", 31)],
];
/** Low-order X448 u-coordinates (RFC 7748 §6.2): 0, 1, p − 1, p, p + 1 with p = 2^448 − 2^224 − 1. */
const X448_BAD: readonly [string, string][] = [
  ["all-zero key (u = 0)", r("00", 56)],
  ["u = 1", "01" + r("00", 55)],
  ["u = p − 1", "fe" + r("ff", 27) + "fe" + r("ff", 27)],
  ["u = p (non-canonical 0)", r("ff", 28) + "fe" + r("ff", 27)],
  ["u = p + 1 (non-canonical 1)", r("00", 28) + r("ff", 28)],
];
/** Ed25519 keys that are not acceptable: small order (both signs), non-canonical, not a point. */
const ED25519_BAD: readonly [string, string, "small" | "encoding"][] = [
  ["the neutral point", "01" + r("00", 31), "small"],
  ["the point of order 2", "ec" + r("ff", 30) + "7f", "small"],
  ["a point of order 4", r("00", 32), "small"],
  ["a point of order 4, other sign", r("00", 31) + "80", "small"],
  ["a point of order 8", "26e8958fc2b227b045c3f489f2ef98f0d5dfac05d3c63339b13802886d53fc05", "small"],
  ["a point of order 8, other sign", "26e8958fc2b227b045c3f489f2ef98f0d5dfac05d3c63339b13802886d53fc85", "small"],
  ["a point of order 8", "c7176a703d4dd84fba3c0b760d10670f2a2053fa2c39ccc64ec7fd7792ac037a", "small"],
  ["a point of order 8, other sign", "c7176a703d4dd84fba3c0b760d10670f2a2053fa2c39ccc64ec7fd7792ac03fa", "small"],
  ["x = 0 with the sign bit set", "01" + r("00", 30) + "80", "small"],
  ["y = p (non-canonical)", "ed" + r("ff", 30) + "7f", "encoding"],
  ["y = p + 1 (non-canonical neutral point)", "ee" + r("ff", 30) + "7f", "encoding"],
  ["y = 2^255 − 1", r("ff", 31) + "7f", "encoding"],
];
const ED448_BAD: readonly [string, string, "small" | "encoding"][] = [
  ["the neutral point", "01" + r("00", 56), "small"],
  ["the point of order 2", "fe" + r("ff", 27) + "fe" + r("ff", 27) + "00", "small"],
  ["a point of order 4", r("00", 57), "small"],
  ["a point of order 4, other sign", r("00", 56) + "80", "small"],
  ["y = p (non-canonical)", r("ff", 28) + "fe" + r("ff", 27) + "00", "encoding"],
  ["low bits of the last byte set", "01" + r("00", 55) + "01", "encoding"],
];
/** An encoding whose x cannot be recovered (y = 2 is on neither Edwards curve). */
const NOT_A_POINT: Readonly<Record<number, string>> = {
  [SignatureScheme.ed25519]: "02" + r("00", 31),
  [SignatureScheme.ed448]: "02" + r("00", 56),
};

/** The SEC1 compressed form of an uncompressed point (0x02/0x03 by the parity of y). */
function compress(pk: Uint8Array): Uint8Array {
  const n = (pk.length - 1) / 2;
  const out = pk.slice(0, 1 + n);
  out[0] = 0x02 | (expectDefined(pk[pk.length - 1], "pk[pk.length - 1]") & 1);
  return out;
}

/** Asserts that `problem` resolves to a reason (a non-empty string), containing `mention` when given. */
async function assertRefused(problem: Promise<string | undefined>, what: string, mention?: string): Promise<void> {
  let reason: string | undefined;
  try {
    reason = await problem;
  } catch (e) {
    fail(`${what}: the check threw (${String(e)}) instead of returning a reason`);
  }
  assert(typeof reason === "string" && reason.length > 0, `${what}: accepted (expected a reason)`);
  if (mention !== undefined) assert(reason.includes(mention), `${what}: the reason "${reason}" does not mention "${mention}"`);
}

async function assertAccepted(problem: Promise<string | undefined>, what: string): Promise<void> {
  const reason = await problem;
  assert(reason === undefined, `${what}: refused (${String(reason)})`);
}

/** A seal to `pk` fails with crypto/invalid-key. */
async function assertCannotSeal(cs: CipherSuiteProvider, pk: Uint8Array, what: string): Promise<void> {
  try {
    await cs.hpkeSeal(pk, new Uint8Array(0), new Uint8Array(0), utf8("x"));
  } catch (e) {
    if (CryptoError.isInstance(e) && e.code === "crypto/invalid-key") return;
    fail(`${what}: hpkeSeal threw ${String(e)}, expected CryptoError crypto/invalid-key`);
  }
  fail(`${what}: hpkeSeal to a refused key succeeded`);
}

/** Registers the public-key validation checks of `cs`. @internal */
export function publicKeyChecks(cs: CipherSuiteProvider, x: Expected, add: AddCheck, options: PublicKeyCheckOptions = {}): void {
  const kem = cs.suite.kem;
  const scheme = cs.suite.signature;
  const nistKem = x.kem.nist;
  const mldsa = scheme === SignatureScheme.mldsa44 || scheme === SignatureScheme.mldsa65 || scheme === SignatureScheme.mldsa87;
  const ecdsa = !mldsa && scheme !== SignatureScheme.ed25519 && scheme !== SignatureScheme.ed448;

  add("public keys: valid HPKE keys are accepted", async () => {
    for (let i = 0; i < 4; i++) {
      const kp = await cs.hpkeGenerateKeyPair();
      await assertAccepted(cs.hpkePublicKeyProblem(kp.publicKey), `generated key ${toHex(kp.publicKey)}`);
    }
    const derived = await cs.hpkeDeriveKeyPair(new Uint8Array(x.kem.sk).fill(7));
    await assertAccepted(cs.hpkePublicKeyProblem(derived.publicKey), "derived key");
  });

  add("public keys: malformed HPKE keys are refused and cannot be encrypted to", async () => {
    const { publicKey } = await cs.hpkeGenerateKeyPair();
    const bad: [string, Uint8Array, string?][] = [
      ["empty key", new Uint8Array(0)],
      ["truncated key", publicKey.subarray(0, publicKey.length - 1)],
      ["key with a trailing byte", Uint8Array.of(...publicKey, 0)],
    ];
    if (nistKem) {
      bad.push(
        ["compressed point", compress(publicKey), "compressed"],
        ["point not on the curve (last byte flipped)", flip(publicKey, -1)],
        ["0x04 followed by zeros", Uint8Array.of(4, ...new Uint8Array(publicKey.length - 1))],
        ["all-0xff coordinates", Uint8Array.of(4, ...new Uint8Array(publicKey.length - 1).fill(0xff))],
        ["hybrid SEC1 prefix 0x06", Uint8Array.of(6, ...publicKey.subarray(1))],
        ["the point at infinity (0x00)", Uint8Array.of(0)],
      );
    } else if (x.kem.pq) {
      const overQ = publicKey.slice();
      overQ.fill(0xff, 0, 3);
      bad.push(["ML-KEM coefficients not below q (FIPS 203 §7.2 modulus check)", overQ, "modulus"]);
    } else {
      const table = kem === HpkeKemId.DHKEM_X25519_HKDF_SHA256 ? X25519_BAD : kem === HpkeKemId.DHKEM_X448_HKDF_SHA512 ? X448_BAD : [];
      for (const [what, hex] of table) bad.push([`low-order point: ${what}`, fromHex(hex), "low-order"]);
    }
    for (const [what, pk, mention] of bad) {
      await assertRefused(cs.hpkePublicKeyProblem(pk), what, mention);
      await assertCannotSeal(cs, pk, what);
    }
  });

  add("public keys: valid signature keys are accepted", async () => {
    for (let i = 0; i < 4; i++) {
      const kp = await cs.signatureGenerateKeyPair();
      await assertAccepted(cs.signaturePublicKeyProblem(kp.publicKey), `generated key ${toHex(kp.publicKey)}`);
    }
    await assertAccepted(cs.signaturePublicKeyProblem(fromHex(x.sig.pub)), "the known-answer key");
  });

  add("public keys: malformed signature keys are refused and verify nothing", async () => {
    const kp = await cs.signatureGenerateKeyPair();
    const msg = utf8("message");
    const sig = await cs.sign(kp.privateKey, msg);
    const bad: [string, Uint8Array, string | undefined, Uint8Array][] = [
      ["empty key", new Uint8Array(0), undefined, sig],
      ["truncated key", kp.publicKey.subarray(0, kp.publicKey.length - 1), undefined, sig],
      ["key with a trailing byte", Uint8Array.of(...kp.publicKey, 0), undefined, sig],
    ];
    if (ecdsa) {
      const compressed = compress(kp.publicKey);
      bad.push(
        ["compressed point", compressed, "5.1.1", sig],
        ["point not on the curve (last byte flipped)", flip(kp.publicKey, -1), undefined, sig],
        ["0x04 followed by zeros", Uint8Array.of(4, ...new Uint8Array(kp.publicKey.length - 1)), undefined, sig],
        ["hybrid SEC1 prefix 0x07", Uint8Array.of(7, ...kp.publicKey.subarray(1)), undefined, sig],
      );
      await assertRefused(cs.signaturePublicKeyProblem(compressed), "compressed point", "compressed");
    } else if (mldsa) {
      // ML-DSA (FIPS 204 pkEncode): any bit string of the right length decodes; a changed key verifies nothing.
      await assertVerifyFalse(cs.verify(flip(kp.publicKey, 40), msg, sig), "a key with one bit of t1 flipped");
    } else {
      const table = scheme === SignatureScheme.ed25519 ? ED25519_BAD : ED448_BAD;
      // The signature anyone can make for a small-order key: R = the neutral point, S = 0.
      const n = kp.publicKey.length;
      const forged = new Uint8Array(2 * n);
      forged[0] = 1;
      for (const [what, hex, kind] of table)
        bad.push([`${kind === "small" ? "small-order" : "non-canonical"} key: ${what}`, fromHex(hex), kind === "small" ? "small order" : undefined, forged]);
      const notAPoint = fromHex(expectDefined(NOT_A_POINT[scheme], "NOT_A_POINT[scheme]"));
      if (options.decodesEdDsaKeys !== false) bad.push(["an encoding that is not a point", notAPoint, undefined, sig]);
      else await assertVerifyFalse(cs.verify(notAPoint, msg, sig), "an encoding that is not a point");
      // Whatever the message: under the neutral point, R = neutral, S = 0 satisfies the verification equation.
      await assertVerifyFalse(cs.verify(fromHex(expectDefined(table[0], "table[0]")[1]), utf8("anything at all"), forged), "the forgery under the neutral point");
    }
    for (const [what, pk, mention, s] of bad) {
      await assertRefused(cs.signaturePublicKeyProblem(pk), what, mention);
      await assertVerifyFalse(cs.verify(pk, msg, s), what);
    }
  });
}
