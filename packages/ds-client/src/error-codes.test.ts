import { codesInSources } from "@mlskit/test-vectors/error-codes";
import { describe, expect, it } from "vitest";
import { DS_CLIENT_ERROR_CODES } from "./error-codes.js";

describe("@mlskit/ds-client error codes", () => {
  it("DS_CLIENT_ERROR_CODES lists exactly the ds-client/ codes the sources use, once each", () => {
    expect(new Set(DS_CLIENT_ERROR_CODES).size).toBe(DS_CLIENT_ERROR_CODES.length);
    const used = [...codesInSources(new URL(".", import.meta.url).pathname)].filter((c) => c.startsWith("ds-client/"));
    expect(used.sort()).toEqual([...DS_CLIENT_ERROR_CODES].sort());
  });
});
