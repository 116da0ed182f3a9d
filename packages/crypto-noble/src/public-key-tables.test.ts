/**
 * The byte tables of `@mlskit/hpke`'s public-key checks against the curves
 * themselves: every X25519/X448 u-coordinate listed gives the all-zero DH
 * output, every small-order Ed25519/Ed448 point (both signs of x) is
 * refused, and noble's own key checks agree with the tables' verdicts.
 */
import { HpkeKemId, SignatureScheme } from "@mlskit/core";
import { dhPublicKeyShapeProblem, signaturePublicKeyShapeProblem } from "@mlskit/hpke";
import { ed25519, x25519 } from "@noble/curves/ed25519.js";
import { ed448, x448 } from "@noble/curves/ed448.js";
import { describe, expect, it } from "vitest";
import { nobleDhGroups } from "./dh.js";
import { nobleSignatures } from "./signature.js";

/** `n` as `length` little-endian bytes (mod 2^(8·length)). */
function le(n: bigint, length: number): Uint8Array {
  const out = new Uint8Array(length);
  for (let i = 0; i < length; i++, n >>= 8n) out[i] = Number(n & 0xffn);
  return out;
}

/** The eight Ed25519 torsion points: multiples of a point of order 8, found as [order]·(B + a torsion component). */
function ed25519Torsion() {
  const P = ed25519.Point;
  // Any point's [ℓ]-multiple lies in the torsion subgroup; a point decoded from y = 3 has one of order 8 or not: search.
  for (let y = 3n; ; y++) {
    let point;
    try {
      point = P.fromBytes(le(y, 32));
    } catch {
      continue;
    }
    const t = point.multiplyUnsafe(P.Fn.ORDER - 1n).add(point); // [ℓ]·point
    const all = [P.ZERO];
    for (let i = 1; i < 8; i++) all.push(all[i - 1]!.add(t));
    if (new Set(all.map((q) => q.toHex())).size === 8) return all;
  }
}

describe("X25519 / X448 low-order tables (RFC 7748 §6)", () => {
  const p25519 = ed25519.Point.Fp.ORDER;
  const p448 = ed448.Point.Fp.ORDER;
  const torsionU = ed25519Torsion()
    .filter((t) => !t.is0())
    .map((t) => ed25519.utils.toMontgomery(t.toBytes()));

  it("lists every X25519 u whose DH output is all zeros: the torsion points' u, 0, ±1, and p, p + 1", () => {
    const keys = [...torsionU, le(0n, 32), le(1n, 32), le(p25519 - 1n, 32), le(p25519, 32), le(p25519 + 1n, 32)];
    const sk = x25519.utils.randomSecretKey();
    for (const u of keys) {
      expect(() => x25519.getSharedSecret(sk, u)).toThrow();
      expect(dhPublicKeyShapeProblem(HpkeKemId.DHKEM_X25519_HKDF_SHA256, u)).toMatch(/low-order/);
      const high = u.slice();
      high[31]! |= 0x80; // X25519 ignores the top bit (RFC 7748 §5)
      expect(dhPublicKeyShapeProblem(HpkeKemId.DHKEM_X25519_HKDF_SHA256, high)).toMatch(/low-order/);
    }
  });

  it("lists X448's: 0, ±1 and p, p + 1", () => {
    const sk = x448.utils.randomSecretKey();
    for (const u of [0n, 1n, p448 - 1n, p448, p448 + 1n].map((n) => le(n, 56))) {
      expect(() => x448.getSharedSecret(sk, u)).toThrow();
      expect(dhPublicKeyShapeProblem(HpkeKemId.DHKEM_X448_HKDF_SHA512, u)).toMatch(/low-order/);
    }
  });

  it("passes random keys and keys near the listed ones", async () => {
    for (let i = 0; i < 50; i++) {
      expect(dhPublicKeyShapeProblem(HpkeKemId.DHKEM_X25519_HKDF_SHA256, x25519.getPublicKey(x25519.utils.randomSecretKey()))).toBeUndefined();
      expect(dhPublicKeyShapeProblem(HpkeKemId.DHKEM_X448_HKDF_SHA512, x448.getPublicKey(x448.utils.randomSecretKey()))).toBeUndefined();
    }
    for (const n of [2n, p25519 - 2n, p25519 + 2n]) expect(dhPublicKeyShapeProblem(HpkeKemId.DHKEM_X25519_HKDF_SHA256, le(n, 32))).toBeUndefined();
    for (const n of [2n, p448 - 2n, p448 + 2n]) expect(dhPublicKeyShapeProblem(HpkeKemId.DHKEM_X448_HKDF_SHA512, le(n, 56))).toBeUndefined();
  });
});

describe("Ed25519 / Ed448 small-order tables", () => {
  it("refuses the eight Ed25519 torsion points, with either sign bit, as noble's check does", () => {
    const check = nobleSignatures.get(SignatureScheme.ed25519)!;
    for (const t of ed25519Torsion()) {
      for (const sign of [0, 0x80]) {
        const enc = t.toBytes();
        enc[31]! ^= sign;
        expect(signaturePublicKeyShapeProblem(SignatureScheme.ed25519, enc)).toMatch(/small order/);
        expect(check.publicKeyProblem(enc)).toBeDefined();
      }
    }
  });

  it("refuses Ed448's four small-order points and agrees with noble on random keys", () => {
    const p = ed448.Point.Fp.ORDER;
    for (const [y, sign] of [
      [1n, 0],
      [p - 1n, 0],
      [0n, 0],
      [0n, 0x80],
    ] as const) {
      const enc = le(y, 57);
      enc[56] = sign;
      expect(ed448.Point.fromBytes(enc).isSmallOrder()).toBe(true);
      expect(signaturePublicKeyShapeProblem(SignatureScheme.ed448, enc)).toMatch(/small order/);
    }
    for (let i = 0; i < 20; i++) {
      expect(signaturePublicKeyShapeProblem(SignatureScheme.ed448, ed448.getPublicKey(ed448.utils.randomSecretKey()))).toBeUndefined();
      expect(signaturePublicKeyShapeProblem(SignatureScheme.ed25519, ed25519.getPublicKey(ed25519.utils.randomSecretKey()))).toBeUndefined();
    }
  });

  it("noble's checks: not a point, off the curve", async () => {
    const ed = nobleSignatures.get(SignatureScheme.ed25519)!;
    expect(ed.publicKeyProblem(le(2n, 32))).toMatch(/not the encoding of a point/);
    const p256 = nobleDhGroups.get(HpkeKemId.DHKEM_P256_HKDF_SHA256)!;
    const off = new Uint8Array(65);
    off[0] = 4;
    expect(await p256.publicKeyProblem(off)).toMatch(/not a point of the curve/);
  });
});
