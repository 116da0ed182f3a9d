import { CodecError, toHex } from "@mlskit/codec";
import { describe, expect, it } from "vitest";
import { type GroupContext, decodeGroupContext, encodeGroupContext } from "./group-context.js";

const context: GroupContext = {
  version: 1,
  cipherSuite: 3,
  groupId: new Uint8Array([0xaa, 0xbb]),
  epoch: 0x0102030405060708n,
  treeHash: new Uint8Array([1, 2, 3]),
  confirmedTranscriptHash: new Uint8Array([4]),
  extensions: [
    { extensionType: 0x0001, extensionData: new Uint8Array([0x61]) },
    { extensionType: 0xff00, extensionData: new Uint8Array(0) },
  ],
};

const expected =
  "0001" + // version mls10
  "0003" + // cipher_suite
  "02aabb" + // group_id<V>
  "0102030405060708" + // epoch
  "03010203" + // tree_hash<V>
  "0104" + // confirmed_transcript_hash<V>
  "07" +
  "0001" +
  "0161" +
  "ff00" +
  "00"; // extensions<V>

describe("GroupContext (RFC 9420 §8.1)", () => {
  it("encodes field by field", () => {
    expect(toHex(encodeGroupContext(context))).toBe(expected);
  });

  it("round-trips", () => {
    const bytes = encodeGroupContext(context);
    const decoded = decodeGroupContext(bytes);
    expect(decoded).toEqual(context);
    expect(encodeGroupContext(decoded)).toEqual(bytes);
  });

  it("does not alias the input", () => {
    const bytes = encodeGroupContext(context);
    const decoded = decodeGroupContext(bytes);
    bytes.fill(0);
    expect(decoded.groupId).toEqual(new Uint8Array([0xaa, 0xbb]));
  });

  it("reports truncation at every length with the offset and field path", () => {
    const bytes = encodeGroupContext(context);
    for (let n = 0; n < bytes.length; n++) {
      let error: unknown;
      try {
        decodeGroupContext(bytes.subarray(0, n));
      } catch (e) {
        error = e;
      }
      expect(CodecError.isInstance(error), `length ${n}`).toBe(true);
      expect((error as CodecError).code).toBe("codec/truncated");
      expect((error as CodecError).path.startsWith("GroupContext.")).toBe(true);
    }
    try {
      decodeGroupContext(bytes.subarray(0, 12));
      expect.unreachable();
    } catch (e) {
      expect((e as CodecError).path).toBe("GroupContext.epoch");
      expect((e as CodecError).offset).toBe(7);
    }
  });

  it("rejects trailing bytes", () => {
    const bytes = new Uint8Array([...encodeGroupContext(context), 0]);
    expect(() => decodeGroupContext(bytes)).toThrow(expect.objectContaining({ code: "codec/trailing-bytes" }));
  });
});
