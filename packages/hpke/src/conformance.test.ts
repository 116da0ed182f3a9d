import { HpkeKdfId } from "@mlskit/core";
import { noblePrimitives } from "@mlskit/crypto-noble";
import { vectors } from "@mlskit/test-vectors";
import { describe, expect, it } from "vitest";
import { hpkeVectorChecks, type HpkeTestVector } from "./conformance.js";
import type { PrimitiveSource } from "./primitives.js";

const noble = noblePrimitives();
const all: HpkeTestVector[] = vectors.hpke();

describe("hpkeVectorChecks", () => {
  it("names every vector and skips nothing for a complete source", () => {
    const checks = hpkeVectorChecks(noble, all);
    expect(checks.map((c) => c.name)).toContain("mode 0: DHKEM(X25519, HKDF-SHA256), HKDF-SHA256, Export-only");
    expect(checks.every((c) => c.skip === undefined)).toBe(true);
  });

  it("skips, with a reason, what the source lacks", () => {
    const noSha512: PrimitiveSource = { ...noble, name: "partial", kdf: (id) => (id === HpkeKdfId.HKDF_SHA512 ? undefined : noble.kdf(id)) };
    const skipped = hpkeVectorChecks(noSha512, all).filter((c) => c.skip);
    expect(skipped.map((c) => c.skip)).toEqual(["partial lacks HKDF-SHA512", "partial lacks HKDF-SHA512"]);
  });

  it("refuses vectors of modes other than Base (only Base mode is implemented)", () => {
    expect(() => hpkeVectorChecks(noble, [{ ...all[0]!, mode: 1 }])).toThrow(/only Base-mode \(mode 0\) vectors/);
  });

  it("fails on a wrong expected value", async () => {
    const v = all[0]!;
    const bad = { ...v, exports: v.exports.map((x, i) => (i === 1 ? { ...x, exported_value: "00" + x.exported_value.slice(2) } : x)) };
    await expect(hpkeVectorChecks(noble, [bad])[0]!.run()).rejects.toThrow(/export "00" \(sender\) mismatch/);
    const badCt = { ...v, encryptions: v.encryptions.map((x) => (x.seq === 255 ? { ...x, ct: "ff" + x.ct.slice(2) } : x)) };
    await expect(hpkeVectorChecks(noble, [badCt])[0]!.run()).rejects.toThrow(/ct \(seq 255\) mismatch/);
  });

  it("fails on a broken primitive", async () => {
    const brokenAead: PrimitiveSource = {
      ...noble,
      aead: (id) => {
        const a = noble.aead(id);
        // Ignores the nonce: every sequence number would reuse base_nonce.
        return a && { ...a, seal: (k, _n, aad, pt) => a.seal(k, new Uint8Array(12), aad, pt) };
      },
    };
    await expect(hpkeVectorChecks(brokenAead, [all[0]!])[0]!.run()).rejects.toThrow(/ct \(seq 0\) mismatch/);
  });
});
