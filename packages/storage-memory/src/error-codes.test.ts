import { codesInSources } from "@mlskit/test-vectors/error-codes";
import { describe, expect, it } from "vitest";
import { MEMORY_STORAGE_ERROR_CODES } from "./error-codes.js";

describe("@mlskit/storage-memory error codes", () => {
  it("MEMORY_STORAGE_ERROR_CODES lists exactly the codes the sources use, once each", () => {
    expect(new Set(MEMORY_STORAGE_ERROR_CODES).size).toBe(MEMORY_STORAGE_ERROR_CODES.length);
    expect([...codesInSources(new URL(".", import.meta.url).pathname)].sort()).toEqual([...MEMORY_STORAGE_ERROR_CODES].sort());
  });
});
