import { codesInSources } from "@mlskit/test-vectors/error-codes";
import { describe, expect, it } from "vitest";
import { RATCHET_TREE_ERROR_CODES } from "./error-codes.js";

describe("@mlskit/ratchet-tree error codes", () => {
  it("RATCHET_TREE_ERROR_CODES lists exactly the codes the sources use, once each", () => {
    expect(new Set(RATCHET_TREE_ERROR_CODES).size).toBe(RATCHET_TREE_ERROR_CODES.length);
    expect([...codesInSources(new URL(".", import.meta.url).pathname)].sort()).toEqual([...RATCHET_TREE_ERROR_CODES].sort());
  });
});
