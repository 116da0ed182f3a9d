import { codesInSources } from "@mlskit/test-vectors/error-codes";
import { describe, expect, it } from "vitest";
import { HPKE_ERROR_CODES } from "./error-codes.js";

describe("@mlskit/hpke error codes", () => {
  it("HPKE_ERROR_CODES lists exactly the codes the sources use, once each", () => {
    expect(new Set(HPKE_ERROR_CODES).size).toBe(HPKE_ERROR_CODES.length);
    expect([...codesInSources(new URL(".", import.meta.url).pathname)].sort()).toEqual([...HPKE_ERROR_CODES].sort());
  });
});
