import { hpkePqVectorChecks } from "@mlskit/hpke/conformance";
import { vectorReport, vectors } from "@mlskit/test-vectors";
import { afterAll, describe, expect, it } from "vitest";
import { noblePrimitives } from "./provider.js";

describe("draft-ietf-hpke-pq-05 Appendix A (ML-KEM, X-Wing) × noble", () => {
  const all = vectors.hpkePq();
  const checks = hpkePqVectorChecks(noblePrimitives(), all);
  const report = vectorReport("hpke-pq-draft05.json", "noble");
  afterAll(() => report.print());

  it("covers every vector in the file", () => {
    expect(all.length).toBe(2);
    expect(checks.filter((c) => c.skip)).toEqual([]);
  });
  for (const c of checks) {
    it(c.name, async () => {
      await c.run();
      report.ran();
    });
  }
});
