import { fromHex, toHex } from "@mlskit/codec";
import fc from "fast-check";
import { describe, expect, it } from "vitest";
import { derTlv, ecdsaDerToRaw, ecdsaRawToDer } from "./der.js";

const raw = (r: string, s: string): Uint8Array => fromHex(r + s);

describe("ecdsaRawToDer", () => {
  it("encodes small integers minimally", () => {
    const r = "00".repeat(31) + "01";
    const s = "00".repeat(31) + "7f";
    expect(toHex(ecdsaRawToDer(raw(r, s)))).toBe("3006020101" + "02017f");
  });

  it("strips leading zero bytes", () => {
    const r = "0000" + "12".repeat(30);
    const s = "00" + "34".repeat(31);
    expect(toHex(ecdsaRawToDer(raw(r, s)))).toBe("3041" + "021e" + "12".repeat(30) + "021f" + "34".repeat(31));
  });

  it("prepends a zero byte when the high bit is set", () => {
    const r = "80" + "00".repeat(31);
    const s = "00" + "ff".repeat(31); // stripped to ff.., which then needs the sign byte back
    expect(toHex(ecdsaRawToDer(raw(r, s)))).toBe("3045" + "022100" + r + "022000" + "ff".repeat(31));
  });

  it("encodes zero as one zero byte", () => {
    expect(toHex(ecdsaRawToDer(new Uint8Array(64)))).toBe("3006020100020100");
  });

  it("uses the long length form for P-521 sized signatures", () => {
    const r = "01" + "ff".repeat(65);
    const s = "01" + "ee".repeat(65);
    const der = ecdsaRawToDer(raw(r, s));
    expect(toHex(der.subarray(0, 3))).toBe("308188"); // 2 × (2 + 66) = 136 = 0x88
    expect(der.length).toBe(3 + 136);
    expect(ecdsaDerToRaw(der, 66)).toEqual(raw(r, s));
  });

  it("rejects an odd or empty raw signature", () => {
    expect(() => ecdsaRawToDer(new Uint8Array(63))).toThrow(RangeError);
    expect(() => ecdsaRawToDer(new Uint8Array(0))).toThrow(RangeError);
  });

  it("does not mutate its input", () => {
    const input = raw("80" + "00".repeat(31), "00".repeat(32));
    const copy = input.slice();
    ecdsaRawToDer(input);
    expect(input).toEqual(copy);
  });
});

describe("ecdsaDerToRaw", () => {
  it("left-pads integers to the scalar size", () => {
    expect(ecdsaDerToRaw(fromHex("3006020101020102"), 32)).toEqual(raw("00".repeat(31) + "01", "00".repeat(31) + "02"));
  });

  it("accepts the sign byte before a high bit", () => {
    const r = "80" + "11".repeat(31);
    expect(ecdsaDerToRaw(fromHex("3026" + "022100" + r + "020101"), 32)).toEqual(raw(r, "00".repeat(31) + "01"));
  });

  const malformed: [string, string][] = [
    ["empty", ""],
    ["wrong outer tag", "3106020101020101"],
    ["outer length too long", "3007020101020101"],
    ["outer length too short", "3005020101020101"],
    ["trailing bytes", "300602010102010100"],
    ["indefinite length", "3080020101020101" + "0000"],
    ["non-minimal long-form length", "308106020101020101"],
    ["long form with a leading zero octet", "30820006020101020101"],
    ["wrong integer tag", "3006030101020101"],
    ["zero-length integer", "30050200020101"],
    ["negative integer", "3006020181020101"],
    ["non-minimal integer (needless zero)", "300702020001020101"],
    ["integer longer than the scalar", "3027" + "0222" + "0001" + "00".repeat(32) + "020101"],
    ["33-byte magnitude for P-256", "3026" + "022101" + "00".repeat(32) + "020101"],
    ["one integer only", "3003020101"],
    ["three integers", "3009020101020101020101"],
    ["integer running past the sequence", "3006020101020201"],
  ];
  for (const [what, hex] of malformed) {
    it(`returns undefined for ${what}`, () => {
      expect(ecdsaDerToRaw(fromHex(hex), 32)).toBeUndefined();
    });
  }

  it("round-trips any r || s (property)", () => {
    for (const size of [32, 48, 66]) {
      fc.assert(
        fc.property(fc.uint8Array({ minLength: 2 * size, maxLength: 2 * size }), (rs) => {
          const der = ecdsaRawToDer(rs);
          expect(ecdsaDerToRaw(der, size)).toEqual(rs);
        }),
        { numRuns: 300 },
      );
    }
  });

  it("round-trips scalars with many leading zeros (property)", () => {
    const scalar = fc.tuple(fc.integer({ min: 0, max: 32 }), fc.uint8Array({ minLength: 32, maxLength: 32 })).map(([zeros, b]) => {
      const out = b.slice();
      out.fill(0, 0, zeros);
      return out;
    });
    fc.assert(
      fc.property(scalar, scalar, (r, s) => {
        const rs = new Uint8Array(64);
        rs.set(r);
        rs.set(s, 32);
        expect(ecdsaDerToRaw(ecdsaRawToDer(rs), 32)).toEqual(rs);
      }),
    );
  });

  it("never throws on arbitrary bytes (property)", () => {
    fc.assert(
      fc.property(fc.uint8Array({ maxLength: 160 }), (b) => {
        const out = ecdsaDerToRaw(b, 32);
        // Whatever parses must re-encode to exactly the input (strict DER).
        if (out !== undefined) expect(ecdsaRawToDer(out)).toEqual(b);
      }),
      { numRuns: 2000 },
    );
  });
});

describe("derTlv", () => {
  it("writes short and long lengths", () => {
    expect(toHex(derTlv(0x04, fromHex("aabb")))).toBe("0402aabb");
    expect(toHex(derTlv(0x04, new Uint8Array(200)).subarray(0, 3))).toBe("0481c8");
    expect(toHex(derTlv(0x04, new Uint8Array(300)).subarray(0, 4))).toBe("0482012c");
  });
});
