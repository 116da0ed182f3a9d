/**
 * Binding the leaf certificate to the MLS signature key (RFC 9420 §5.3): the
 * key in the end-entity certificate's SubjectPublicKeyInfo MUST be identical
 * to the LeafNode's `signature_key`, and its algorithm must be the cipher
 * suite's signature scheme (§5.1). MLS encodes signature keys canonically:
 * Ed25519/Ed448 as the raw 32/57-byte key (RFC 8032), ECDSA as the
 * uncompressed point (SEC 1 §2.3.3) — which is also what SPKI carries.
 */
import { bytesEqual } from "@mlskit/codec";
import { SignatureScheme } from "@mlskit/core";
import type { SubjectPublicKeyInfo } from "./certificate-der.js";

/** SPKI algorithm OIDs (RFC 8410 §3, RFC 5480 §2.1.1). */
export const KeyAlgorithmOid = {
  ed25519: "1.3.101.112",
  ed448: "1.3.101.113",
  ecPublicKey: "1.2.840.10045.2.1",
} as const;

/** Named-curve OIDs (RFC 5480 §2.1.1.1). */
const CurveOid = {
  p256: "1.2.840.10045.3.1.7",
  p384: "1.3.132.0.34",
  p521: "1.3.132.0.35",
} as const;

/** What the leaf's SubjectPublicKeyInfo must look like for a signature scheme. */
export interface SchemeKey {
  readonly name: string;
  readonly algorithm: string;
  readonly namedCurve?: string;
  /** The WebCrypto curve name, for ECDSA keys. */
  readonly webCryptoCurve?: "P-256" | "P-384" | "P-521";
  /** The length of the canonical MLS key. */
  readonly keyLength: number;
}

const S = SignatureScheme;
const SCHEME_KEYS: ReadonlyMap<number, SchemeKey> = new Map<number, SchemeKey>([
  [S.ed25519, { name: "Ed25519", algorithm: KeyAlgorithmOid.ed25519, keyLength: 32 }],
  [S.ed448, { name: "Ed448", algorithm: KeyAlgorithmOid.ed448, keyLength: 57 }],
  [S.ecdsa_secp256r1_sha256, { name: "ECDSA P-256", algorithm: KeyAlgorithmOid.ecPublicKey, namedCurve: CurveOid.p256, webCryptoCurve: "P-256", keyLength: 65 }],
  [S.ecdsa_secp384r1_sha384, { name: "ECDSA P-384", algorithm: KeyAlgorithmOid.ecPublicKey, namedCurve: CurveOid.p384, webCryptoCurve: "P-384", keyLength: 97 }],
  [S.ecdsa_secp521r1_sha512, { name: "ECDSA P-521", algorithm: KeyAlgorithmOid.ecPublicKey, namedCurve: CurveOid.p521, webCryptoCurve: "P-521", keyLength: 133 }],
]);

/** The key shape of a signature scheme, or `undefined` for one this package does not know. */
export function schemeKey(scheme: number): SchemeKey | undefined {
  return SCHEME_KEYS.get(scheme);
}

/** A short name for an SPKI algorithm, for messages. */
export function describeSpki(spki: SubjectPublicKeyInfo): string {
  for (const k of SCHEME_KEYS.values()) {
    if (k.algorithm === spki.algorithm && k.namedCurve === spki.namedCurve) return k.name;
  }
  return spki.namedCurve === undefined ? spki.algorithm : `${spki.algorithm} (${spki.namedCurve})`;
}

/** Whether the SPKI's algorithm (and curve) is the scheme's. */
export function spkiMatchesScheme(spki: SubjectPublicKeyInfo, key: SchemeKey): boolean {
  return spki.algorithm === key.algorithm && spki.namedCurve === key.namedCurve;
}

/**
 * The SPKI key in the MLS canonical encoding. A compressed EC point (legal in
 * X.509, SEC 1 §2.3.3) is decompressed through WebCrypto; an invalid one
 * yields `undefined`.
 */
async function canonicalPublicKey(spki: SubjectPublicKeyInfo, key: SchemeKey, crypto: Crypto): Promise<Uint8Array | undefined> {
  const point = spki.publicKey;
  if (key.webCryptoCurve === undefined || point[0] === 0x04) return point;
  if (point[0] !== 0x02 && point[0] !== 0x03) return undefined;
  try {
    const imported = await crypto.subtle.importKey("spki", new Uint8Array(spki.der), { name: "ECDSA", namedCurve: key.webCryptoCurve }, true, ["verify"]);
    return new Uint8Array(await crypto.subtle.exportKey("raw", imported));
  } catch {
    return undefined;
  }
}

/** Whether the leaf's key equals the MLS signature key. */
export async function spkiKeyEquals(spki: SubjectPublicKeyInfo, key: SchemeKey, signaturePublicKey: Uint8Array, crypto: Crypto): Promise<boolean> {
  if (signaturePublicKey.length !== key.keyLength) return false;
  const canonical = await canonicalPublicKey(spki, key, crypto);
  return canonical !== undefined && bytesEqual(canonical, signaturePublicKey);
}
