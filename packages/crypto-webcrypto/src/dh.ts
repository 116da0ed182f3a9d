/**
 * The DHKEM groups (RFC 9180 §4.1, §7.1) on `crypto.subtle`: X25519 and X448
 * (RFC 7748) and ECDH on P-256, P-384, P-521. Keys use the RFC 9180
 * Serialize/Deserialize encodings; private keys are imported once (PKCS#8)
 * and public keys cached by value.
 */
import { CryptoError } from "@mlskit/core";
import type { DhGroup } from "@mlskit/hpke";
import { NIST_CURVES, OKP_CURVES } from "./curves.js";
import { PrivateKeys, PublicKeys } from "./keys.js";
import type { NistCurve } from "./pkcs8.js";
import { bytesToBigInt, isAllZero, type WebCryptoContext } from "./util.js";

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

  /** Nsk bytes and, for NIST curves, 0 < scalar < n (RFC 9180 §7.1.3). */
  const isValidPrivateKey = (sk: Uint8Array): boolean => {
    if (sk.length !== privateKeyLength) return false;
    if (nist === undefined) return true; // any 32/56 bytes are an X25519/X448 key (RFC 7748 §5)
    const d = bytesToBigInt(sk);
    return d > 0n && d < nist.order;
  };
  const checkPrivateKey = (sk: Uint8Array): void => {
    if (!isValidPrivateKey(sk)) {
      throw new CryptoError(
        "crypto/invalid-key",
        sk.length !== privateKeyLength
          ? `${name} private key must be ${privateKeyLength} bytes, got ${sk.length}`
          : `${name} private key is not a scalar in [1, n)`,
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
    async publicKey(sk) {
      checkPrivateKey(sk);
      return privateKeys.publicKey(sk);
    },
    /**
     * A bad private key throws {@link CryptoError} `crypto/invalid-key`; a bad
     * peer public key or an all-zero output throws a plain `Error`, which the
     * HPKE layer maps to `crypto/invalid-key` (Encap) or `crypto/hpke-open` (Decap).
     */
    async dh(sk, pk) {
      checkPrivateKey(sk);
      // RFC 9180 §7.1.4: Npk bytes; NIST points uncompressed (the import checks the point is on the curve).
      if (pk.length !== publicKeyLength || (nist !== undefined && pk[0] !== 0x04)) {
        throw new Error(`${name} public key must be ${publicKeyLength} bytes${nist ? ", uncompressed" : ""}`);
      }
      const [privateKey, publicKey] = await Promise.all([privateKeys.import(sk), publicKeys.import(pk)]);
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
