import { codesInSources } from "@mlskit/test-vectors/error-codes";
import { describe, expect, it } from "vitest";
import { GROUP_ERROR_CODES } from "./error-codes.js";

describe("@mlskit/group error codes", () => {
  it("GROUP_ERROR_CODES lists exactly the codes the sources use, once each", () => {
    expect(new Set(GROUP_ERROR_CODES).size).toBe(GROUP_ERROR_CODES.length);
    expect([...codesInSources(new URL(".", import.meta.url).pathname)].sort()).toEqual([...GROUP_ERROR_CODES].sort());
  });
});
