import { describe, expect, it } from "vitest";
import { fromHex } from "@mlskit/codec";
import { DerError, Tag, children, decodeOid, readElement, readSingle } from "./der.js";
import { parseCertificateDer } from "./certificate-der.js";

describe("DER reader", () => {
  it("reads short and long lengths, and nested elements", () => {
    const long = new Uint8Array([0x30, 0x81, 0x80, ...new Uint8Array(0x80)]);
    expect(readSingle(long, Tag.sequence)).toEqual({ tag: 0x30, start: 0, contentStart: 3, end: 0x83 });
    const seq = fromHex("3006020101020102");
    expect(children(seq, readSingle(seq, Tag.sequence)).map((e) => e.tag)).toEqual([2, 2]);
  });

  it("rejects truncation, overruns, indefinite lengths, trailing bytes and wrong tags", () => {
    expect(() => readElement(fromHex("30"), 0)).toThrow(DerError);
    expect(() => readElement(fromHex("3005020101"), 0)).toThrow(/overruns/);
    expect(() => readElement(fromHex("3080020101 0000".replace(/ /g, "")), 0)).toThrow(/length form/);
    expect(() => readSingle(fromHex("300000"), Tag.sequence)).toThrow(/trailing/);
    expect(() => readSingle(fromHex("0400"), Tag.sequence)).toThrow(/expected tag 0x30/);
    expect(() => readElement(fromHex("1f0100"), 0)).toThrow(/multi-octet tag/);
  });

  it("decodes object identifiers", () => {
    const oid = (hex: string) => {
      const b = fromHex(hex);
      return decodeOid(b, readSingle(b, Tag.oid));
    };
    expect(oid("06032b6570")).toBe("1.3.101.112");
    expect(oid("06082a8648ce3d030107")).toBe("1.2.840.10045.3.1.7");
    expect(oid("0603551d13")).toBe("2.5.29.19");
    expect(() => oid("06022b86")).toThrow(/truncated/);
    expect(() => oid("0600")).toThrow(/empty/);
  });

  it("rejects a certificate that is not a Certificate SEQUENCE", () => {
    expect(() => parseCertificateDer(fromHex("3003020101"))).toThrow(DerError);
  });
});
