import { codesInSources } from "@mlskit/test-vectors/error-codes";
import { describe, expect, it } from "vitest";
import { INDEXEDDB_STORAGE_ERROR_CODES } from "./error-codes.js";

describe("@mlskit/storage-indexeddb error codes", () => {
  it("INDEXEDDB_STORAGE_ERROR_CODES lists exactly the codes the sources use, once each", () => {
    expect(new Set(INDEXEDDB_STORAGE_ERROR_CODES).size).toBe(INDEXEDDB_STORAGE_ERROR_CODES.length);
    expect([...codesInSources(new URL(".", import.meta.url).pathname)].sort()).toEqual([...INDEXEDDB_STORAGE_ERROR_CODES].sort());
  });
});
