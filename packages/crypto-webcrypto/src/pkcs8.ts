/**
 * PKCS#8 `PrivateKeyInfo` (RFC 5208 §5) wrappers around raw private keys, the
 * one private-key import format every WebCrypto implementation accepts for
 * all the curves MLS uses.
 */
import { derTlv } from "./der.js";

const hex = (h: string): Uint8Array => Uint8Array.from(h.match(/../g) ?? [], (b) => parseInt(b, 16));

/** INTEGER 0: the PrivateKeyInfo version (RFC 5208 §5). */
const VERSION_0 = hex("020100");
/** INTEGER 1: the ECPrivateKey version (RFC 5915 §3). */
const VERSION_1 = hex("020101");

/** RFC 8410 §3 algorithm OIDs (encoded OBJECT IDENTIFIER TLVs). */
const OKP_OID = {
  X25519: hex("06032b656e"), // 1.3.101.110
  X448: hex("06032b656f"), // 1.3.101.111
  Ed25519: hex("06032b6570"), // 1.3.101.112
  Ed448: hex("06032b6571"), // 1.3.101.113
} as const;

/** id-ecPublicKey, 1.2.840.10045.2.1 (RFC 5480 §2.1.1). */
const EC_PUBLIC_KEY_OID = hex("06072a8648ce3d0201");
/** Named curve OIDs (RFC 5480 §2.1.1.1). */
const CURVE_OID = {
  "P-256": hex("06082a8648ce3d030107"), // secp256r1, 1.2.840.10045.3.1.7
  "P-384": hex("06052b81040022"), // secp384r1, 1.3.132.0.34
  "P-521": hex("06052b81040023"), // secp521r1, 1.3.132.0.35
} as const;

/** A curve with an RFC 8410 key (Ed25519, Ed448, X25519, X448). */
export type OkpCurve = keyof typeof OKP_OID;
/** A NIST prime curve. */
export type NistCurve = keyof typeof CURVE_OID;

/**
 * In both structures below the key bytes come last, so each wrapper is a
 * fixed, secret-free prefix (built once per curve and key size) followed by
 * the key: the caller gets one buffer it can wipe after the import.
 */
const prefixes = new Map<string, Uint8Array>();
function withPrefix(id: string, build: (placeholder: Uint8Array) => Uint8Array, key: Uint8Array): Uint8Array {
  const cacheId = `${id}/${key.length}`;
  let prefix = prefixes.get(cacheId);
  if (prefix === undefined) {
    const template = build(new Uint8Array(key.length));
    prefix = template.slice(0, template.length - key.length);
    prefixes.set(cacheId, prefix);
  }
  const out = new Uint8Array(prefix.length + key.length);
  out.set(prefix);
  out.set(key, prefix.length);
  return out;
}

/**
 * PKCS#8 for an RFC 8410 key: `SEQUENCE { INTEGER 0, SEQUENCE { OID },
 * OCTET STRING { OCTET STRING key } }` (§7, CurvePrivateKey). The key is the
 * raw seed (EdDSA) or scalar (XDH) exactly as RFC 9420 and RFC 9180 store it.
 * The result holds the secret: wipe it after use.
 */
export function okpPkcs8(curve: OkpCurve, key: Uint8Array): Uint8Array {
  return withPrefix(curve, (k) => derTlv(0x30, VERSION_0, derTlv(0x30, OKP_OID[curve]), derTlv(0x04, derTlv(0x04, k))), key);
}

/**
 * PKCS#8 for an EC key: the algorithm is id-ecPublicKey with the named curve,
 * and the key an `ECPrivateKey` (RFC 5915 §3) holding only the big-endian
 * scalar, at the curve's scalar size. The optional public key is left out:
 * the implementation computes it, and exporting the key as JWK reveals it.
 * The result holds the secret: wipe it after use.
 */
export function ecPkcs8(curve: NistCurve, scalar: Uint8Array): Uint8Array {
  return withPrefix(curve, (k) => derTlv(0x30, VERSION_0, derTlv(0x30, EC_PUBLIC_KEY_OID, CURVE_OID[curve]), derTlv(0x04, derTlv(0x30, VERSION_1, derTlv(0x04, k)))), scalar);
}
