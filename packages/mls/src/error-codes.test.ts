import { codesInSources } from "@mlskit/test-vectors/error-codes";
import { describe, expect, it } from "vitest";
import { FACADE_ERROR_CODES } from "./error-codes.js";

describe("@mlskit/mls error codes", () => {
  it("FACADE_ERROR_CODES lists exactly the codes the sources use, once each", () => {
    expect(new Set(FACADE_ERROR_CODES).size).toBe(FACADE_ERROR_CODES.length);
    expect([...codesInSources(new URL(".", import.meta.url).pathname)].sort()).toEqual([...FACADE_ERROR_CODES].sort());
  });
});
