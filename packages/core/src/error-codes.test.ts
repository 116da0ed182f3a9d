import { codesInSources } from "@mlskit/test-vectors/error-codes";
import { describe, expect, it } from "vitest";
import { CORE_ERROR_CODES } from "./error-codes.js";

describe("@mlskit/core error codes", () => {
  it("CORE_ERROR_CODES lists exactly the codes the sources use, once each", () => {
    expect(new Set(CORE_ERROR_CODES).size).toBe(CORE_ERROR_CODES.length);
    expect([...codesInSources(new URL(".", import.meta.url).pathname)].sort()).toEqual([...CORE_ERROR_CODES].sort());
  });
});
