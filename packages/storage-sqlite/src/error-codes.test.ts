import { codesInSources } from "@mlskit/test-vectors/error-codes";
import { describe, expect, it } from "vitest";
import { SQLITE_STORAGE_ERROR_CODES } from "./error-codes.js";

describe("@mlskit/storage-sqlite error codes", () => {
  it("SQLITE_STORAGE_ERROR_CODES lists exactly the codes the sources use, once each", () => {
    expect(new Set(SQLITE_STORAGE_ERROR_CODES).size).toBe(SQLITE_STORAGE_ERROR_CODES.length);
    expect([...codesInSources(new URL(".", import.meta.url).pathname)].sort()).toEqual([...SQLITE_STORAGE_ERROR_CODES].sort());
  });
});
