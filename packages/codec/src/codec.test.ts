import fc from "fast-check";
import { describe, expect, it } from "vitest";
import {
  CodecError,
  Reader,
  Writer,
  decode,
  encode,
  enumeration,
  fixedBytes,
  opaque,
  opaqueSize,
  optional,
  struct,
  uint16,
  uint32,
  uint64,
  uint8,
  varint,
  vector,
} from "./index.js";

interface Sample {
  version: number;
  id: Uint8Array;
  epoch: bigint;
  tags: number[];
  note: Uint8Array | undefined;
  blobs: Uint8Array[];
}

const sampleCodec = struct<Sample>({
  version: uint16,
  id: opaque,
  epoch: uint64,
  tags: vector(uint32),
  note: optional(opaque),
  blobs: vector(opaque),
});

const arbSample: fc.Arbitrary<Sample> = fc.record({
  version: fc.integer({ min: 0, max: 0xffff }),
  id: fc.uint8Array({ maxLength: 300 }),
  epoch: fc.bigInt({ min: 0n, max: 0xffffffffffffffffn }),
  tags: fc.array(fc.integer({ min: 0, max: 0xffffffff }), { maxLength: 40 }),
  note: fc.option(fc.uint8Array({ maxLength: 80 }), { nil: undefined }),
  blobs: fc.array(fc.uint8Array({ maxLength: 100 }), { maxLength: 30 }),
});

function codecErrorOf(fn: () => unknown): CodecError {
  try {
    fn();
  } catch (e) {
    expect(CodecError.isInstance(e)).toBe(true);
    return e as CodecError;
  }
  throw new Error("expected a CodecError");
}

describe("round trips (property)", () => {
  it("struct with every combinator decodes to what was encoded", () => {
    fc.assert(
      fc.property(arbSample, (s) => {
        const bytes = encode(sampleCodec, s);
        expect(decode(sampleCodec, bytes)).toEqual(s);
      }),
    );
  });

  it("varint round-trips over the whole 30-bit range with minimal size", () => {
    fc.assert(
      fc.property(fc.integer({ min: 0, max: 0x3fffffff }), (n) => {
        const bytes = encode(varint, n);
        expect(bytes.length).toBe(n < 64 ? 1 : n < 16384 ? 2 : 4);
        expect(decode(varint, bytes)).toBe(n);
      }),
    );
  });

  it("every strict prefix of an encoding is rejected as truncated", () => {
    fc.assert(
      fc.property(arbSample, fc.nat(), (s, cut) => {
        const bytes = encode(sampleCodec, s);
        const at = cut % bytes.length;
        const err = codecErrorOf(() => decode(sampleCodec, bytes.subarray(0, at)));
        expect(["codec/truncated", "codec/length-mismatch"]).toContain(err.code);
        expect(err.offset).toBeLessThanOrEqual(at);
      }),
    );
  });

  it("any trailing byte is rejected", () => {
    fc.assert(
      fc.property(arbSample, fc.uint8Array({ minLength: 1, maxLength: 8 }), (s, extra) => {
        const bytes = encode(sampleCodec, s);
        const err = codecErrorOf(() => decode(sampleCodec, Uint8Array.from([...bytes, ...extra])));
        expect(err.code).toBe("codec/trailing-bytes");
        expect(err.offset).toBe(bytes.length);
      }),
    );
  });

  it("decoded bytes do not alias the input", () => {
    const bytes = encode(opaque, Uint8Array.of(1, 2, 3));
    const out = decode(opaque, bytes);
    bytes[1] = 9;
    expect([...out]).toEqual([1, 2, 3]);
  });
});

describe("varint rules (RFC 9420 §2.1.2)", () => {
  it("rejects non-minimal encodings", () => {
    expect(codecErrorOf(() => decode(varint, Uint8Array.of(0x40, 0x05))).code).toBe("codec/non-minimal-varint");
    expect(codecErrorOf(() => decode(varint, Uint8Array.of(0x80, 0x00, 0x00, 0x3f))).code).toBe("codec/non-minimal-varint");
    expect(codecErrorOf(() => decode(varint, Uint8Array.of(0x80, 0x00, 0x3f, 0xff))).code).toBe("codec/non-minimal-varint");
  });

  it("rejects the reserved 0b11 prefix", () => {
    expect(codecErrorOf(() => decode(varint, Uint8Array.of(0xc0, 0, 0, 0, 0, 0, 0, 1))).code).toBe("codec/invalid-varint");
  });

  it("refuses to encode values above 2^30 - 1", () => {
    expect(() => encode(varint, 0x40000000)).toThrow(/out of range/);
  });
});

describe("length prefixes", () => {
  it("rejects an over-long length with the offset and field path", () => {
    const c = struct<{ a: number; b: Uint8Array }>({ a: uint8, b: opaque });
    const err = codecErrorOf(() => decode(c, Uint8Array.of(7, 0x05, 1, 2), "Thing"));
    expect(err.code).toBe("codec/truncated");
    expect(err.path).toBe("Thing.b");
    expect(err.offset).toBe(2);
    expect(err.message).toContain("Thing.b");
  });

  it("rejects a vector whose items overrun its byte length", () => {
    // vector<uint32> claiming 6 bytes: one item, then 2 bytes that cannot form another.
    const err = codecErrorOf(() => decode(vector(uint32), Uint8Array.of(6, 0, 0, 0, 1, 0, 0)));
    expect(err.code).toBe("codec/truncated");
    expect(err.path).toBe("[1]");
  });

  it("encodes a vector whose body needs a 2- and 4-byte prefix", () => {
    for (const n of [63, 64, 16383, 16384, 70000]) {
      const items = [new Uint8Array(n)];
      const bytes = encode(vector(opaque), items);
      expect(decode(vector(opaque), bytes)).toEqual(items);
    }
  });
});

describe("optional and enumerations", () => {
  it("rejects a presence flag other than 0 or 1", () => {
    const err = codecErrorOf(() => decode(optional(uint8), Uint8Array.of(2, 0)));
    expect(err.code).toBe("codec/invalid-value");
  });

  it("rejects unknown enumeration values", () => {
    const e = enumeration(uint8, [1, 2] as const, "content type");
    expect(decode(e, Uint8Array.of(2))).toBe(2);
    expect(codecErrorOf(() => decode(e, Uint8Array.of(3))).message).toContain("unknown content type 3");
  });

  it("fixedBytes enforces its size both ways", () => {
    const f = fixedBytes(4);
    expect(() => encode(f, new Uint8Array(3))).toThrow();
    expect(codecErrorOf(() => decode(f, new Uint8Array(3))).code).toBe("codec/truncated");
  });
});

describe("Reader/Writer primitives", () => {
  it("integers are big-endian", () => {
    const w = new Writer(1);
    w.uint16(0x0102);
    w.uint32(0x03040506);
    w.uint64(0x0708090a0b0c0d0en);
    expect([...w.finish()]).toEqual([1, 2, 3, 4, 5, 6, 7, 8, 9, 10, 11, 12, 13, 14]);
    const r = new Reader(w.finish());
    expect(r.uint16()).toBe(0x0102);
    expect(r.uint32()).toBe(0x03040506);
    expect(r.uint64()).toBe(0x0708090a0b0c0d0en);
    r.assertEnd();
  });

  it("rejects out-of-range integers on encode", () => {
    const w = new Writer();
    expect(() => w.uint8(256)).toThrow();
    expect(() => w.uint16(-1)).toThrow();
    expect(() => w.uint32(1.5)).toThrow();
    expect(() => w.uint64(-1n)).toThrow();
  });
});

describe("Writer sizing", () => {
  it("opaqueSize is the encoded size of opaque<V> at every prefix width", () => {
    for (const n of [0, 1, 63, 64, 16383, 16384, 70000]) {
      const w = new Writer();
      w.opaque(new Uint8Array(n));
      expect(opaqueSize(n)).toBe(w.length);
    }
  });

  it("a writer of the exact size hands its buffer over, then starts afresh without aliasing it", () => {
    const w = new Writer(opaqueSize(3));
    w.opaque(Uint8Array.of(1, 2, 3));
    const first = w.finish();
    expect([...first]).toEqual([3, 1, 2, 3]);
    w.uint8(9);
    expect([...w.finish()]).toEqual([9]);
    expect([...first]).toEqual([3, 1, 2, 3]);
  });

  it("a writer with spare room returns a copy of what was written", () => {
    const w = new Writer(100);
    w.uint16(0x0102);
    const out = w.finish();
    expect(out.length).toBe(2);
    expect(out.buffer.byteLength).toBe(2);
  });

  it("zeros writes zero bytes, growing as needed", () => {
    const w = new Writer(2);
    w.uint8(7);
    w.zeros(5);
    w.uint8(8);
    expect([...w.finish()]).toEqual([7, 0, 0, 0, 0, 0, 8]);
  });
});
