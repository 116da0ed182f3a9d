/** Sizes and constants of the curves, per RFC 9180 §7.1 and SEC 2 / FIPS 186-5. */
import type { NistCurve, OkpCurve } from "./pkcs8.js";

/** A NIST prime curve: scalar/coordinate size and group order n. */
export interface NistCurveParams {
  readonly name: NistCurve;
  /** Nsk = Ndh = coordinate size in bytes (32, 48, 66). */
  readonly scalarLength: number;
  /** Uncompressed point size, 1 + 2 × coordinate size (Npk). */
  readonly pointLength: number;
  /** Order of the base point (SEC 2 §2.4.2, §2.5.1, §2.6.1). */
  readonly order: bigint;
  /** DeriveKeyPair bitmask (RFC 9180 §7.1.3). */
  readonly bitmask: number;
  /** DHKEM id (RFC 9180 §7.1). */
  readonly kemId: number;
  /** TLS SignatureScheme of ECDSA on this curve with its MLS hash (RFC 8446 §4.2.3). */
  readonly signatureScheme: number;
  /** The hash ECDSA uses with this curve in MLS. */
  readonly hash: "SHA-256" | "SHA-384" | "SHA-512";
}

export const NIST_CURVES: Readonly<Record<NistCurve, NistCurveParams>> = {
  "P-256": {
    name: "P-256",
    scalarLength: 32,
    pointLength: 65,
    order: 0xffffffff00000000ffffffffffffffffbce6faada7179e84f3b9cac2fc632551n,
    bitmask: 0xff,
    kemId: 0x0010,
    signatureScheme: 0x0403,
    hash: "SHA-256",
  },
  "P-384": {
    name: "P-384",
    scalarLength: 48,
    pointLength: 97,
    order: 0xffffffffffffffffffffffffffffffffffffffffffffffffc7634d81f4372ddf581a0db248b0a77aecec196accc52973n,
    bitmask: 0xff,
    kemId: 0x0011,
    signatureScheme: 0x0503,
    hash: "SHA-384",
  },
  "P-521": {
    name: "P-521",
    scalarLength: 66,
    pointLength: 133,
    order: 0x01fffffffffffffffffffffffffffffffffffffffffffffffffffffffffffffffffa51868783bf2f966b7fcc0148f709a5d03bb5c9b8899c47aebb6fb71e91386409n,
    bitmask: 0x01,
    kemId: 0x0012,
    signatureScheme: 0x0603,
    hash: "SHA-512",
  },
};

/** An RFC 7748 / RFC 8032 curve: key sizes (and signature size for EdDSA). */
export interface OkpCurveParams {
  readonly name: OkpCurve;
  readonly privateKeyLength: number;
  readonly publicKeyLength: number;
}

export const OKP_CURVES: Readonly<Record<OkpCurve, OkpCurveParams>> = {
  X25519: { name: "X25519", privateKeyLength: 32, publicKeyLength: 32 },
  X448: { name: "X448", privateKeyLength: 56, publicKeyLength: 56 },
  Ed25519: { name: "Ed25519", privateKeyLength: 32, publicKeyLength: 32 },
  Ed448: { name: "Ed448", privateKeyLength: 57, publicKeyLength: 57 },
};
