import { describe, expect, it } from "vitest";
import type { Capabilities } from "@mlskit/ratchet-tree";
import { GREASE_VALUES, addGreaseExtension, greaseCapabilities, greaseExtension, isGrease, randomGreaseValues, resolveGrease } from "./grease.js";

/** Deterministic "random" bytes for reproducible tests. */
function counter(seed = 7): (n: number) => Uint8Array {
  let x = seed;
  return (n) => Uint8Array.from({ length: n }, () => (x = (x * 73 + 41) & 0xff));
}

describe("GREASE values (RFC 9420 §13.5)", () => {
  it("are the fifteen reserved code points 0x0A0A … 0xEAEA", () => {
    expect(GREASE_VALUES).toEqual([0x0a0a, 0x1a1a, 0x2a2a, 0x3a3a, 0x4a4a, 0x5a5a, 0x6a6a, 0x7a7a, 0x8a8a, 0x9a9a, 0xaaaa, 0xbaba, 0xcaca, 0xdada, 0xeaea]);
    for (const v of GREASE_VALUES) expect(isGrease(v)).toBe(true);
  });

  it("isGrease rejects everything else, including 0xFAFA (private use)", () => {
    let count = 0;
    for (let v = 0; v <= 0xffff; v++) if (isGrease(v)) count++;
    expect(count).toBe(15);
    for (const v of [0xfafa, 0x0a1a, 0x0001, 0x000a, 0x0b0b, 0xa0a0]) expect(isGrease(v)).toBe(false);
  });

  it("randomGreaseValues picks distinct values outside the excluded set", () => {
    const vs = randomGreaseValues(counter(), 5, [0x0a0a, 0x1a1a]);
    expect(new Set(vs).size).toBe(5);
    for (const v of vs) {
      expect(isGrease(v)).toBe(true);
      expect([0x0a0a, 0x1a1a]).not.toContain(v);
    }
    expect(randomGreaseValues(counter(), 20)).toHaveLength(15);
    expect(randomGreaseValues(counter(), 1, GREASE_VALUES)).toEqual([]);
  });

  it("greaseCapabilities adds one new GREASE value per list except versions, leaving the input alone", () => {
    const caps: Capabilities = { versions: [1], cipherSuites: [1, 2], extensions: [0xff00], proposals: [], credentials: [1] };
    const before = structuredClone(caps);
    const out = greaseCapabilities(caps, counter(3));
    expect(caps).toEqual(before);
    expect(out.versions).toEqual([1]);
    for (const [key, orig] of [
      ["cipherSuites", caps.cipherSuites],
      ["extensions", caps.extensions],
      ["proposals", caps.proposals],
      ["credentials", caps.credentials],
    ] as const) {
      const list = out[key];
      expect(list).toHaveLength(orig.length + 1);
      expect(list.filter(isGrease)).toHaveLength(1);
      expect(list.filter((v) => !isGrease(v))).toEqual(orig);
    }
  });

  it("greaseExtension makes a GREASE-typed extension with up to 15 bytes of data", () => {
    for (let seed = 0; seed < 30; seed++) {
      const e = greaseExtension(counter(seed), [0x0a0a])!;
      expect(isGrease(e.extensionType)).toBe(true);
      expect(e.extensionType).not.toBe(0x0a0a);
      expect(e.extensionData.length).toBeLessThan(16);
    }
    expect(greaseExtension(counter(), GREASE_VALUES)).toBeUndefined();
  });

  it("addGreaseExtension inserts one extension of a type not already present", () => {
    const exts = [
      { extensionType: 0x2a2a, extensionData: new Uint8Array(0) },
      { extensionType: 1, extensionData: new Uint8Array(1) },
    ];
    const r = addGreaseExtension(exts, counter(11), [0x3a3a]);
    expect(exts).toHaveLength(2);
    expect(r.extensions).toHaveLength(3);
    expect(r.greaseType).toBeDefined();
    expect([0x2a2a, 0x3a3a]).not.toContain(r.greaseType);
    expect(r.extensions.map((e) => e.extensionType)).toContain(r.greaseType);
  });

  it("resolveGrease: default on, false off, per-field overrides", () => {
    expect(resolveGrease(undefined)).toEqual({ capabilities: true, leafNodeExtensions: true, keyPackageExtensions: true });
    expect(resolveGrease(false)).toEqual({ capabilities: false, leafNodeExtensions: false, keyPackageExtensions: false });
    expect(resolveGrease({ leafNodeExtensions: false })).toEqual({ capabilities: true, leafNodeExtensions: false, keyPackageExtensions: true });
  });
});
