import { hpkeVectorChecks } from "@mlskit/hpke/conformance";
import { vectorReport, vectors } from "@mlskit/test-vectors";
import { afterAll, describe, expect, it } from "vitest";
import { nodePrimitives } from "./provider.js";

describe("RFC 9180 Appendix A (Base mode) × node", () => {
  const all = vectors.hpke();
  const checks = hpkeVectorChecks(nodePrimitives(), all);
  const report = vectorReport("rfc9180-hpke.json", "node");
  afterAll(() => report.print());

  it("covers every vector in the file", () => {
    expect(all.length).toBe(7);
    expect(checks.filter((c) => c.skip)).toEqual([]);
  });

  for (const c of checks) {
    if (c.skip) {
      report.skipped(c.skip);
      it.skip(`${c.name} (${c.skip})`, () => {});
      continue;
    }
    it(c.name, async () => {
      await c.run();
      report.ran();
    });
  }
});
