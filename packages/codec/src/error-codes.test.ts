import { codesInSources } from "@mlskit/test-vectors/error-codes";
import { describe, expect, it } from "vitest";
import { CODEC_ERROR_CODES } from "./error-codes.js";

describe("@mlskit/codec error codes", () => {
  it("CODEC_ERROR_CODES lists exactly the codes the sources use, once each", () => {
    expect(new Set(CODEC_ERROR_CODES).size).toBe(CODEC_ERROR_CODES.length);
    expect([...codesInSources(new URL(".", import.meta.url).pathname)].sort()).toEqual([...CODEC_ERROR_CODES].sort());
  });
});
