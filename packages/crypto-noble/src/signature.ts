/**
 * Signature schemes of the MLS suites (RFC 9420 §5.1.2) on @noble/curves:
 * Ed25519 and Ed448 (RFC 8032) with raw seed / public key; ECDSA over P-256,
 * P-384, P-521 with SHA-256/384/512, big-endian scalar private keys,
 * uncompressed public keys and DER signatures.
 */
import { SignatureScheme, type KeyPair } from "@mlskit/core";
import type { SignaturePrimitive } from "@mlskit/hpke";
import { ed25519 } from "@noble/curves/ed25519.js";
import { ed448 } from "@noble/curves/ed448.js";
import { p256, p384, p521 } from "@noble/curves/nist.js";
import { randomBytes } from "@noble/hashes/utils.js";

type EdCurve = typeof ed25519;
type EcdsaCurve = typeof p256;

function checkLength(what: string, bytes: Uint8Array, length: number): void {
  if (bytes.length !== length) throw new RangeError(`${what} must be ${length} bytes, got ${bytes.length}`);
}

function eddsa(scheme: number, curve: EdCurve, keyLength: number): SignaturePrimitive {
  const sigLength = 2 * keyLength;
  return Object.freeze({
    scheme,
    generateKeyPair: async (): Promise<KeyPair> => {
      const privateKey = randomBytes(keyLength);
      return { privateKey, publicKey: curve.getPublicKey(privateKey) };
    },
    publicKey: async (privateKey: Uint8Array): Promise<Uint8Array> => {
      checkLength("private key", privateKey, keyLength);
      return curve.getPublicKey(privateKey);
    },
    sign: async (privateKey: Uint8Array, message: Uint8Array): Promise<Uint8Array> => {
      checkLength("private key", privateKey, keyLength);
      return curve.sign(message, privateKey);
    },
    // RFC 8032 §5.1.3 / §5.2.3 strict decoding (canonical y, x recoverable), and not of small order.
    publicKeyProblem: (publicKey: Uint8Array): string | undefined => {
      if (publicKey.length !== keyLength) return `public key must be ${keyLength} bytes, got ${publicKey.length}`;
      let point: ReturnType<EdCurve["Point"]["fromBytes"]>;
      try {
        point = curve.Point.fromBytes(publicKey, false);
      } catch (e) {
        return `not the encoding of a point (RFC 8032 §5.1.3, §5.2.3: ${e instanceof Error ? e.message : String(e)})`;
      }
      return point.isSmallOrder() ? "a point of small order" : undefined;
    },
    verify: async (publicKey: Uint8Array, message: Uint8Array, signature: Uint8Array): Promise<boolean> => {
      if (publicKey.length !== keyLength || signature.length !== sigLength) return false;
      try {
        // RFC 8032 §5.1.7 / §5.2.7 strict decoding (not ZIP-215), as OpenSSL and WebCrypto do.
        return curve.verify(signature, message, publicKey, { zip215: false });
      } catch {
        return false;
      }
    },
  });
}

/**
 * The private scalar at the curve's size: `privateKey` itself, or a
 * left-padded copy of a shorter one (a minimal big-endian integer whose
 * leading zero bytes were dropped, as in some RFC 9420 test vectors). A
 * longer key is refused; the range [1, n) is noble's check.
 */
function fullScalar(privateKey: Uint8Array, scalarLength: number): Uint8Array {
  if (privateKey.length === scalarLength) return privateKey;
  if (privateKey.length > scalarLength) throw new RangeError(`private key must be at most ${scalarLength} bytes, got ${privateKey.length}`);
  const out = new Uint8Array(scalarLength);
  out.set(privateKey, scalarLength - privateKey.length);
  return out;
}

/** Runs `f` on the full-size scalar, wiping a padded copy afterwards. */
function withScalar<T>(privateKey: Uint8Array, scalarLength: number, f: (d: Uint8Array) => T): T {
  const d = fullScalar(privateKey, scalarLength);
  try {
    return f(d);
  } finally {
    if (d !== privateKey) d.fill(0);
  }
}

function ecdsa(scheme: number, curve: EcdsaCurve, scalarLength: number): SignaturePrimitive {
  const pkLength = 1 + 2 * scalarLength;
  return Object.freeze({
    scheme,
    generateKeyPair: async (): Promise<KeyPair> => {
      const privateKey = curve.utils.randomSecretKey();
      return { privateKey, publicKey: curve.getPublicKey(privateKey, false) };
    },
    publicKey: async (privateKey: Uint8Array): Promise<Uint8Array> => withScalar(privateKey, scalarLength, (d) => curve.getPublicKey(d, false)),
    sign: async (privateKey: Uint8Array, message: Uint8Array): Promise<Uint8Array> =>
      // RFC 9420 §5.1.2: DER-encoded ECDSA; the message is hashed with the curve's SHA-2.
      withScalar(privateKey, scalarLength, (d) => curve.sign(message, d, { prehash: true, format: "der" })),
    // RFC 9420 §5.1.1: an UncompressedPointRepresentation; SEC 1 §3.2.2.1: on the curve, not the identity.
    publicKeyProblem: (publicKey: Uint8Array): string | undefined => {
      if (publicKey.length !== pkLength || publicKey[0] !== 0x04) return "not an uncompressed point (RFC 9420 §5.1.1)";
      try {
        curve.Point.fromBytes(publicKey).assertValidity();
        return undefined;
      } catch (e) {
        return `not a point of the curve (${e instanceof Error ? e.message : String(e)})`;
      }
    },
    verify: async (publicKey: Uint8Array, message: Uint8Array, signature: Uint8Array): Promise<boolean> => {
      // RFC 9420 §5.1.1: the public key is an UncompressedPointRepresentation.
      if (publicKey.length !== pkLength || publicKey[0] !== 0x04) return false;
      try {
        // Any valid DER signature is accepted, high S included (other stacks do not normalise S).
        return curve.verify(signature, message, publicKey, { prehash: true, format: "der", lowS: false });
      } catch {
        return false;
      }
    },
  });
}

/** The five signature schemes by TLS SignatureScheme value. */
export const nobleSignatures: ReadonlyMap<number, SignaturePrimitive> = new Map([
  [SignatureScheme.ed25519, eddsa(SignatureScheme.ed25519, ed25519, 32)],
  [SignatureScheme.ed448, eddsa(SignatureScheme.ed448, ed448, 57)],
  [SignatureScheme.ecdsa_secp256r1_sha256, ecdsa(SignatureScheme.ecdsa_secp256r1_sha256, p256, 32)],
  [SignatureScheme.ecdsa_secp384r1_sha384, ecdsa(SignatureScheme.ecdsa_secp384r1_sha384, p384, 48)],
  [SignatureScheme.ecdsa_secp521r1_sha512, ecdsa(SignatureScheme.ecdsa_secp521r1_sha512, p521, 66)],
]);
