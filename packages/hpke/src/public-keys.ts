/**
 * Public-key validation, written once for every provider: the checks of
 * RFC 9180 §7.1.1 (DeserializePublicKey) and §7.1.4, and of RFC 9420
 * §5.1.1 for signature keys, that need no curve arithmetic — lengths, SEC1
 * prefixes, canonical encodings, and byte tables of the low-order
 * X25519/X448 points and the small-order Ed25519/Ed448 encodings. What needs
 * the curve (a NIST point on its curve, an EdDSA encoding that decodes to a
 * point) is asked of the primitive ({@link DhGroup.publicKeyProblem},
 * {@link SignaturePrimitive.publicKeyProblem}).
 *
 * Each function returns `undefined` for an acceptable key and otherwise the
 * reason, in words; none throws.
 */
import { fromHex } from "@mlskit/codec";
import { HpkeKemId, SignatureScheme, expectDefined } from "@mlskit/core";
import type { DhGroup, SignaturePrimitive } from "./primitives.js";

/** A key that a table lists, with what it is. */
interface Listed {
  readonly bytes: Uint8Array;
  readonly what: string;
}

const listed = (entries: readonly (readonly [string, string])[]): readonly Listed[] => entries.map(([hex, what]) => ({ bytes: fromHex(hex), what }));

const repeat = (byte: string, n: number): string => byte.repeat(n);

/**
 * Every X25519 u-coordinate whose DH output is all zeros for every private
 * key (RFC 7748 §6.1): the points of order 1, 2, 4 and 8 of the curve and its
 * twist, and the non-canonical encodings of 0 and 1 (p, p + 1). Compared
 * with the top bit of the last byte cleared, as RFC 7748 §5 decodes u.
 */
const X25519_LOW_ORDER = listed([
  [repeat("00", 32), "u = 0, the all-zero key"],
  ["01" + repeat("00", 31), "u = 1"],
  ["e0eb7a7c3b41b8ae1656e3faf19fc46ada098deb9c32b1fd866205165f49b800", "a point of order 8"],
  ["5f9c95bca3508c24b1d0b1559c83ef5b04445cc4581c8e86d8224eddd09f1157", "a point of order 8"],
  ["ec" + repeat("ff", 30) + "7f", "u = p − 1"],
  ["ed" + repeat("ff", 30) + "7f", "u = p, a non-canonical 0"],
  ["ee" + repeat("ff", 30) + "7f", "u = p + 1, a non-canonical 1"],
]);

/** X448's (RFC 7748 §6.2): u = 0, 1, p − 1 and the non-canonical p, p + 1. p = 2^448 − 2^224 − 1. */
const X448_LOW_ORDER = listed([
  [repeat("00", 56), "u = 0, the all-zero key"],
  ["01" + repeat("00", 55), "u = 1"],
  ["fe" + repeat("ff", 27) + "fe" + repeat("ff", 27), "u = p − 1"],
  [repeat("ff", 28) + "fe" + repeat("ff", 27), "u = p, a non-canonical 0"],
  [repeat("00", 28) + repeat("ff", 28), "u = p + 1, a non-canonical 1"],
]);

/** p = 2^255 − 19, little-endian. */
const ED25519_P = fromHex("ed" + repeat("ff", 30) + "7f");
/** p = 2^448 − 2^224 − 1, little-endian. */
const ED448_P = fromHex(repeat("ff", 28) + "fe" + repeat("ff", 27));

/**
 * The canonical encodings of the eight Ed25519 points of small order (the
 * torsion subgroup), compared with the sign bit (top bit of the last byte)
 * cleared, so that both signs of x are covered (and x = 0 with the sign bit
 * set, which RFC 8032 §5.1.3 refuses to decode anyway).
 */
const ED25519_SMALL_ORDER = listed([
  ["01" + repeat("00", 31), "the neutral point"],
  ["ec" + repeat("ff", 30) + "7f", "the point of order 2"],
  [repeat("00", 32), "a point of order 4"],
  ["26e8958fc2b227b045c3f489f2ef98f0d5dfac05d3c63339b13802886d53fc05", "a point of order 8"],
  ["c7176a703d4dd84fba3c0b760d10670f2a2053fa2c39ccc64ec7fd7792ac037a", "a point of order 8"],
]);

/** Ed448's (cofactor 4): y = 1, p − 1 and 0, sign bit cleared. */
const ED448_SMALL_ORDER = listed([
  ["01" + repeat("00", 56), "the neutral point"],
  ["fe" + repeat("ff", 27) + "fe" + repeat("ff", 27) + "00", "the point of order 2"],
  [repeat("00", 57), "a point of order 4"],
]);

/** The entry of `table` equal to `key` with the top bit of its last byte cleared. */
function findMasked(table: readonly Listed[], key: Uint8Array): Listed | undefined {
  const last = key.length - 1;
  return table.find(({ bytes }) => {
    if (bytes.length !== key.length) return false;
    for (let i = 0; i < last; i++) if (bytes[i] !== key[i]) return false;
    return bytes[last] === (expectDefined(key[last], "key[last]") & 0x7f);
  });
}

/** Whether the little-endian integer `a` (its first `p.length` bytes) is below `p`. */
function lessThanLe(a: Uint8Array, p: Uint8Array, topMask = 0xff): boolean {
  for (let i = p.length - 1; i >= 0; i--) {
    const x = i === p.length - 1 ? expectDefined(a[i], "a[i]") & topMask : expectDefined(a[i], "a[i]");
    if (x !== p[i]) return x < expectDefined(p[i], "p[i]");
  }
  return false;
}

const NIST_DH: Readonly<Record<number, { name: string; coordinate: number }>> = {
  [HpkeKemId.DHKEM_P256_HKDF_SHA256]: { name: "P-256", coordinate: 32 },
  [HpkeKemId.DHKEM_P384_HKDF_SHA384]: { name: "P-384", coordinate: 48 },
  [HpkeKemId.DHKEM_P521_HKDF_SHA512]: { name: "P-521", coordinate: 66 },
};
const XDH: Readonly<Record<number, { name: string; table: readonly Listed[]; mask: boolean }>> = {
  [HpkeKemId.DHKEM_X25519_HKDF_SHA256]: { name: "X25519", table: X25519_LOW_ORDER, mask: true },
  [HpkeKemId.DHKEM_X448_HKDF_SHA512]: { name: "X448", table: X448_LOW_ORDER, mask: false },
};
const ECDSA: Readonly<Record<number, { name: string; coordinate: number }>> = {
  [SignatureScheme.ecdsa_secp256r1_sha256]: { name: "ECDSA P-256", coordinate: 32 },
  [SignatureScheme.ecdsa_secp384r1_sha384]: { name: "ECDSA P-384", coordinate: 48 },
  [SignatureScheme.ecdsa_secp521r1_sha512]: { name: "ECDSA P-521", coordinate: 66 },
};
const EDDSA: Readonly<Record<number, { name: string; length: number; p: Uint8Array; table: readonly Listed[] }>> = {
  [SignatureScheme.ed25519]: { name: "Ed25519", length: 32, p: ED25519_P, table: ED25519_SMALL_ORDER },
  [SignatureScheme.ed448]: { name: "Ed448", length: 57, p: ED448_P, table: ED448_SMALL_ORDER },
};

const hex2 = (b: number): string => "0x" + b.toString(16).padStart(2, "0");

/** SEC1 point encoding checks shared by ECDH and ECDSA keys: length, compressed form, prefix. */
function sec1Problem(name: string, coordinate: number, pk: Uint8Array, rule: string): string | undefined {
  const first = pk[0];
  if (pk.length === 1 + coordinate && (first === 0x02 || first === 0x03)) {
    return `${name} public key is a compressed point: ${rule} requires the uncompressed encoding 0x04 || X || Y`;
  }
  if (pk.length !== 1 + 2 * coordinate) return `${name} public key has ${pk.length} bytes, not the ${1 + 2 * coordinate} of an uncompressed point`;
  if (first !== 0x04) return `${name} public key starts with ${hex2(expectDefined(first, "first"))}, not 0x04 (an uncompressed SEC1 point, ${rule})`;
  return undefined;
}

/**
 * The checks of an HPKE public key of KEM `kemId` that need no arithmetic
 * (RFC 9180 §7.1.1, §7.1.4): Npk bytes; for NIST curves the uncompressed
 * SEC1 encoding (a compressed point is named as such); for X25519/X448 not
 * one of the low-order points, whose DH output is all zeros.
 * `publicKeyLength` is Npk for a KEM this module does not know.
 */
export function dhPublicKeyShapeProblem(kemId: number, pk: Uint8Array, publicKeyLength?: number): string | undefined {
  const nist = NIST_DH[kemId];
  if (nist !== undefined) return sec1Problem(nist.name, nist.coordinate, pk, "RFC 9180 §7.1.1 (SerializePublicKey)");
  const x = XDH[kemId];
  if (x !== undefined) {
    const length = expectDefined(x.table[0], "x.table[0]").bytes.length;
    if (pk.length !== length) return `${x.name} public key has ${pk.length} bytes, not ${length}`;
    const low = x.mask ? findMasked(x.table, pk) : x.table.find((e) => e.bytes.every((b, i) => b === pk[i]));
    if (low !== undefined) {
      return `${x.name} public key is a low-order point (${low.what}): its DH output is all zeros, which RFC 9180 §7.1.4 refuses`;
    }
    return undefined;
  }
  if (publicKeyLength !== undefined && pk.length !== publicKeyLength) return `public key has ${pk.length} bytes, not ${publicKeyLength}`;
  return undefined;
}

/**
 * The checks of a signature public key of `scheme` that need no arithmetic:
 * ECDSA keys are uncompressed SEC1 points (RFC 9420 §5.1.1; a compressed
 * point is named as such); EdDSA keys have 32/57 bytes, a canonical y below
 * p (RFC 8032 §5.1.3, §5.2.3; for Ed448 the last byte's low bits zero), and
 * are not of small order. Unknown schemes pass.
 */
export function signaturePublicKeyShapeProblem(scheme: number, pk: Uint8Array): string | undefined {
  const ec = ECDSA[scheme];
  if (ec !== undefined) return sec1Problem(ec.name, ec.coordinate, pk, "RFC 9420 §5.1.1");
  const ed = EDDSA[scheme];
  if (ed === undefined) return undefined;
  if (pk.length !== ed.length) return `${ed.name} public key has ${pk.length} bytes, not ${ed.length}`;
  if (ed.length === 57 && (expectDefined(pk[56], "pk[56]") & 0x7f) !== 0)
    return `${ed.name} public key is not a valid encoding: bits of its last byte other than the sign are set (RFC 8032 §5.2.2)`;
  // The y-coordinate (all bits but the sign bit) must be below p (RFC 8032 §5.1.3 step 1, §5.2.3 step 1).
  if (!lessThanLe(pk, ed.p, ed.length === 32 ? 0x7f : 0xff)) return `${ed.name} public key is not canonical: its y-coordinate is not below p (RFC 8032 §5.1.3, §5.2.3)`;
  const small = findMasked(ed.table, pk);
  if (small !== undefined) {
    return `${ed.name} public key is a point of small order (${small.what}): a signature under it proves nothing, anyone can make one`;
  }
  return undefined;
}

const reasonOf = (e: unknown): string => (e instanceof Error ? e.message : String(e));

/**
 * {@link dhPublicKeyShapeProblem}, then the group's own check (a NIST point
 * on its curve): RFC 9180 §7.1.1 DeserializePublicKey as a yes/no with a reason.
 */
export async function dhPublicKeyProblem(group: DhGroup, pk: Uint8Array): Promise<string | undefined> {
  const shape = dhPublicKeyShapeProblem(group.kemId, pk, group.publicKeyLength);
  if (shape !== undefined) return shape;
  try {
    return (await group.publicKeyProblem(pk)) ?? undefined;
  } catch (e) {
    return `public key refused: ${reasonOf(e)}`;
  }
}

/** {@link signaturePublicKeyShapeProblem}, then the primitive's own check (an ECDSA point on its curve, an EdDSA point that decodes). */
export async function signaturePublicKeyProblem(signature: SignaturePrimitive, pk: Uint8Array): Promise<string | undefined> {
  const shape = signaturePublicKeyShapeProblem(signature.scheme, pk);
  if (shape !== undefined) return shape;
  try {
    return (await signature.publicKeyProblem(pk)) ?? undefined;
  } catch (e) {
    return `public key refused: ${reasonOf(e)}`;
  }
}
