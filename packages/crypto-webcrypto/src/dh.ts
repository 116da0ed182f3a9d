/**
 * The DHKEM groups (RFC 9180 §4.1, §7.1) on `crypto.subtle`: X25519 and X448
 * (RFC 7748) and ECDH on P-256, P-384, P-521. Keys use the RFC 9180
 * Serialize/Deserialize encodings; private keys are imported once (PKCS#8)
 * and public keys cached by value. GenerateKeyPair uses `generateKey` and
 * keeps the generated `CryptoKey`, so the DH that follows imports nothing.
 */
import { CryptoError, type KeyPair } from "@mlskit/core";
import type { DhGroup } from "@mlskit/hpke";
import { NIST_CURVES, OKP_CURVES } from "./curves.js";
import type { HandleKeys } from "./handle-keys.js";
import { isKeyHandle } from "./key-handle.js";
import { PrivateKeys, PublicKeys } from "./keys.js";
import type { NistCurve } from "./pkcs8.js";
import { bigIntToBytes, isAllZero, isScalarInRange, type WebCryptoContext } from "./util.js";

/** The DH groups this package can run on `crypto.subtle`. */
export type DhName = "X25519" | "X448" | NistCurve;

const XDH_KEM_ID = { X25519: 0x0020, X448: 0x0021 } as const;

/** The DH group `name` on `ctx.subtle`. */
export function webCryptoDh(ctx: WebCryptoContext, name: DhName): DhGroup {
  const nist = name === "X25519" || name === "X448" ? undefined : NIST_CURVES[name];
  const algorithm: AlgorithmIdentifier | EcKeyImportParams = nist === undefined ? { name } : { name: "ECDH", namedCurve: name };
  const kemId = nist === undefined ? XDH_KEM_ID[name as "X25519" | "X448"] : nist.kemId;
  const privateKeyLength = nist === undefined ? OKP_CURVES[name as "X25519" | "X448"].privateKeyLength : nist.scalarLength;
  const publicKeyLength = nist === undefined ? OKP_CURVES[name as "X25519" | "X448"].publicKeyLength : nist.pointLength;
  const dhLength = privateKeyLength; // X25519 32, X448 56, NIST: the x-coordinate (RFC 9180 §7.1.1)
  const privateKeys = new PrivateKeys(ctx, name, algorithm, ["deriveBits"]);
  const publicKeys = new PublicKeys(ctx, name, algorithm, []);
  const order = nist === undefined ? undefined : bigIntToBytes(nist.order, nist.scalarLength);
  const handles = ctx.handles;
  const handleAlgorithm = nist === undefined ? { name } : { name: "ECDH", namedCurve: name };
  /** The handle keys when `sk` is a key handle (in the `nonExtractableKeys` mode only). */
  const handleKeys = (sk: Uint8Array): HandleKeys | undefined => (handles !== undefined && isKeyHandle(sk) ? handles : undefined);

  /** Nsk bytes and, for NIST curves, 0 < scalar < n (RFC 9180 §7.1.3). */
  const isValidPrivateKey = (sk: Uint8Array): boolean => {
    if (sk.length !== privateKeyLength) return false;
    // Any 32/56 bytes are an X25519/X448 key (RFC 7748 §5).
    return order === undefined || isScalarInRange(sk, order);
  };
  const checkPrivateKey = (sk: Uint8Array): void => {
    if (!isValidPrivateKey(sk)) {
      throw new CryptoError(
        "crypto/invalid-key",
        sk.length !== privateKeyLength ? `${name} private key must be ${privateKeyLength} bytes, got ${sk.length}` : `${name} private key is not a scalar in [1, n)`,
      );
    }
  };

  return {
    kemId,
    publicKeyLength,
    privateKeyLength,
    dhLength,
    bitmask: nist?.bitmask,
    isValidPrivateKey,
    ...(handles === undefined ? {} : { isPrivateKeyHandle: isKeyHandle }),
    /**
     * GenerateKeyPair (RFC 9180 §4) by `crypto.subtle.generateKey` and one
     * JWK export of the private key, which carries both the private key
     * (`d`: the X25519/X448 key or the NIST scalar, left-padded to Nsk) and
     * the public key (RFC 8037 §2, RFC 7518 §6.2): one call, and in Node the
     * cheapest (a JWK export completes without a trip through the crypto
     * thread pool; PKCS#8 plus a raw public export measured at half the
     * rate). Over DeriveKeyPair(random) — HMACs, a PKCS#8 import, a JWK
     * export — this is 3–5× faster. The `CryptoKey` is kept
     * for as long as the returned private-key array lives, so the DH that
     * follows (Encap's) imports nothing; it does not enter the by-value LRU.
     */
    async generateKeyPair(): Promise<KeyPair> {
      const pair = (await ctx.subtle.generateKey(algorithm as EcKeyGenParams, true, ["deriveBits"])) as CryptoKeyPair;
      const out = await privateKeys.exportKeyPair(pair.privateKey, privateKeyLength);
      if (!isValidPrivateKey(out.privateKey)) {
        out.privateKey.fill(0);
        throw new CryptoError("crypto/invalid-key", `${name}: crypto.subtle generated a key outside the RFC 9180 encoding`);
      }
      privateKeys.adopt(out.privateKey, pair.privateKey, out.publicKey, false);
      return out;
    },
    /** pk(sk); for a key handle, the public key it carries (once its key is found in the store). */
    async publicKey(sk) {
      const h = handleKeys(sk);
      if (h !== undefined) return h.publicKey(sk, handleAlgorithm, "deriveBits", publicKeyLength);
      checkPrivateKey(sk);
      return privateKeys.publicKey(sk);
    },
    /**
     * RFC 9180 §7.1.4: a NIST point is on the curve exactly when `crypto.subtle`
     * imports it (the imported key stays cached for the DH that follows).
     * X25519/X448 need nothing more than `@mlskit/hpke`'s low-order table:
     * every other string of Npk bytes is a u-coordinate RFC 7748 accepts.
     */
    async publicKeyProblem(pk) {
      if (pk.length !== publicKeyLength) return `${name} public key must be ${publicKeyLength} bytes, got ${pk.length}`;
      if (nist === undefined) return undefined;
      if (pk[0] !== 0x04) return `${name} public key is not an uncompressed point`;
      try {
        await publicKeys.import(pk);
        return undefined;
      } catch {
        return `not a point of ${name} (crypto.subtle refused to import it)`;
      }
    },
    /**
     * A bad private key throws {@link CryptoError} `crypto/invalid-key`; a bad
     * peer public key or an all-zero output throws a plain `Error`, which the
     * HPKE layer maps to `crypto/invalid-key` (Encap) or `crypto/hpke-open` (Decap).
     * `sk` may be a key handle: its stored non-extractable `CryptoKey` is used
     * (`crypto/key-not-found` when the store has none).
     */
    async dh(sk, pk) {
      const h = handleKeys(sk);
      if (h === undefined) checkPrivateKey(sk);
      // RFC 9180 §7.1.4: Npk bytes; NIST points uncompressed (the import checks the point is on the curve).
      if (pk.length !== publicKeyLength || (nist !== undefined && pk[0] !== 0x04)) {
        throw new Error(`${name} public key must be ${publicKeyLength} bytes${nist ? ", uncompressed" : ""}`);
      }
      const ownKey = h !== undefined ? h.privateKey(sk, handleAlgorithm, "deriveBits", publicKeyLength) : privateKeys.import(sk);
      const [privateKey, publicKey] = await Promise.all([ownKey, publicKeys.import(pk)]);
      let bits: ArrayBuffer;
      try {
        bits = await ctx.subtle.deriveBits({ name: algorithm.name, public: publicKey } as EcdhKeyDeriveParams, privateKey, 8 * dhLength);
      } catch (e) {
        // OpenSSL-based runtimes refuse an all-zero X25519/X448 output here.
        throw new Error(`${name} DH failed (invalid public key or all-zero shared secret)`, { cause: e });
      }
      const out = new Uint8Array(bits);
      // RFC 9180 §7.1.4 (and RFC 7748 §6.1): an all-zero shared secret must be rejected.
      if (isAllZero(out)) throw new Error(`${name} DH produced the all-zero shared secret (RFC 9180 §7.1.4)`);
      return out;
    },
  };
}
