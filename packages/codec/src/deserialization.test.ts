import { describe, expect, it, afterAll } from "vitest";
import { hex, vectorReport, vectors } from "@mlskit/test-vectors";
import { Reader, Writer } from "./index.js";

// deserialization.json: variable-length vector headers (RFC 9420 §2.1.2). Provider-independent.
describe("deserialization.json", () => {
  const cases = vectors.deserialization();
  const report = vectorReport("deserialization.json", "codec");
  afterAll(() => report.print());

  it.each(cases.map((c, i) => [i, c] as const))("case %i", (_i, c) => {
    const header = hex(c.vlbytes_header);
    const r = new Reader(header);
    expect(r.varint()).toBe(c.length);
    r.assertEnd();
    const w = new Writer();
    w.varint(c.length);
    expect(w.finish()).toEqual(header);
    report.ran();
  });

  it("covers every case in the file", () => {
    expect(cases.length).toBeGreaterThan(0);
  });
});
