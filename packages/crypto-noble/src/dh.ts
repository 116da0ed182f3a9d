/** DH groups for DHKEM (RFC 9180 §7.1) on @noble/curves: X25519, X448, P-256, P-384, P-521. */
import { HpkeKemId, type KeyPair } from "@mlskit/core";
import type { DhGroup } from "@mlskit/hpke";
import { x25519 } from "@noble/curves/ed25519.js";
import { x448 } from "@noble/curves/ed448.js";
import { p256, p384, p521 } from "@noble/curves/nist.js";

type Montgomery = typeof x25519;
type Weierstrass = typeof p256;

function checkLength(what: string, bytes: Uint8Array, length: number): void {
  if (bytes.length !== length) throw new RangeError(`${what} must be ${length} bytes, got ${bytes.length}`);
}

/**
 * X25519 / X448 (RFC 7748). Keys are the raw 32/56-byte strings
 * (RFC 9180 §7.1.1); DeriveKeyPair uses the expanded bytes directly.
 */
function montgomeryGroup(kemId: number, curve: Montgomery, length: number): DhGroup {
  return Object.freeze({
    kemId,
    publicKeyLength: length,
    privateKeyLength: length,
    dhLength: length,
    bitmask: undefined,
    isValidPrivateKey: (sk: Uint8Array): boolean => sk.length === length,
    // GenerateKeyPair (RFC 9180 §4): any random string is a key (RFC 7748 §5); no HKDF needed.
    generateKeyPair: async (): Promise<KeyPair> => {
      const privateKey = curve.utils.randomSecretKey();
      return { privateKey, publicKey: curve.getPublicKey(privateKey) };
    },
    publicKey: async (sk: Uint8Array): Promise<Uint8Array> => {
      checkLength("private key", sk, length);
      return curve.getPublicKey(sk);
    },
    // @mlskit/hpke refuses the low-order points by table before asking (RFC 7748 §6): every other
    // 32/56-byte string is a u-coordinate on the curve or its twist, and X25519/X448 take both.
    publicKeyProblem: (pk: Uint8Array): string | undefined => (pk.length === length ? undefined : `public key must be ${length} bytes, got ${pk.length}`),
    dh: async (sk: Uint8Array, pk: Uint8Array): Promise<Uint8Array> => {
      checkLength("private key", sk, length);
      checkLength("public key", pk, length);
      // RFC 9180 §7.1.4: noble rejects an all-zero output (a low-order point) by throwing.
      return curve.getSharedSecret(sk, pk);
    },
  });
}

/**
 * NIST P-256/P-384/P-521 (RFC 9180 §7.1.1): public keys are uncompressed
 * SEC1 points, private keys big-endian scalars of Nsk bytes, the DH output
 * the x-coordinate of the shared point.
 */
function weierstrassGroup(kemId: number, curve: Weierstrass, scalarLength: number, bitmask: number): DhGroup {
  const pkLength = 1 + 2 * scalarLength;
  const checkPublic = (pk: Uint8Array): void => {
    // RFC 9180 §7.1.1: SerializePublicKey is the uncompressed encoding; a
    // compressed or otherwise tagged point is not a valid DHKEM public key.
    checkLength("public key", pk, pkLength);
    if (pk[0] !== 0x04) throw new RangeError("public key must be an uncompressed point");
  };
  return Object.freeze({
    kemId,
    publicKeyLength: pkLength,
    privateKeyLength: scalarLength,
    dhLength: scalarLength,
    bitmask,
    // RFC 9180 §7.1.3: a candidate is valid when 0 < sk < order.
    isValidPrivateKey: (sk: Uint8Array): boolean => sk.length === scalarLength && curve.utils.isValidSecretKey(sk),
    // GenerateKeyPair (RFC 9180 §4): a uniformly random scalar in [1, n), at Nsk bytes.
    generateKeyPair: async (): Promise<KeyPair> => {
      const privateKey = curve.utils.randomSecretKey();
      return { privateKey, publicKey: curve.getPublicKey(privateKey, false) };
    },
    publicKey: async (sk: Uint8Array): Promise<Uint8Array> => {
      checkLength("private key", sk, scalarLength);
      return curve.getPublicKey(sk, false);
    },
    // RFC 9180 §7.1.4 / SEC 1 §3.2.2.1: the point decodes, lies on the curve and is not the identity.
    publicKeyProblem: (pk: Uint8Array): string | undefined => {
      try {
        checkPublic(pk);
        curve.Point.fromBytes(pk).assertValidity();
        return undefined;
      } catch (e) {
        return `not a point of the curve (${e instanceof Error ? e.message : String(e)})`;
      }
    },
    dh: async (sk: Uint8Array, pk: Uint8Array): Promise<Uint8Array> => {
      checkLength("private key", sk, scalarLength);
      checkPublic(pk);
      // RFC 9180 §7.1.4: noble decodes pk with full validation (on the curve,
      // not the identity). The prime-order group cannot give a zero output.
      const shared = curve.getSharedSecret(sk, pk, true);
      const x = shared.slice(1);
      shared.fill(0);
      return x;
    },
  });
}

/** The five DHKEM groups by RFC 9180 KEM id. */
export const nobleDhGroups: ReadonlyMap<number, DhGroup> = new Map([
  [HpkeKemId.DHKEM_X25519_HKDF_SHA256, montgomeryGroup(HpkeKemId.DHKEM_X25519_HKDF_SHA256, x25519, 32)],
  [HpkeKemId.DHKEM_X448_HKDF_SHA512, montgomeryGroup(HpkeKemId.DHKEM_X448_HKDF_SHA512, x448, 56)],
  [HpkeKemId.DHKEM_P256_HKDF_SHA256, weierstrassGroup(HpkeKemId.DHKEM_P256_HKDF_SHA256, p256, 32, 0xff)],
  [HpkeKemId.DHKEM_P384_HKDF_SHA384, weierstrassGroup(HpkeKemId.DHKEM_P384_HKDF_SHA384, p384, 48, 0xff)],
  [HpkeKemId.DHKEM_P521_HKDF_SHA512, weierstrassGroup(HpkeKemId.DHKEM_P521_HKDF_SHA512, p521, 66, 0x01)],
]);
