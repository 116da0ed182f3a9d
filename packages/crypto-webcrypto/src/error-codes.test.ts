import { codesInSources } from "@mlskit/test-vectors/error-codes";
import { describe, expect, it } from "vitest";
import { WEBCRYPTO_ERROR_CODES } from "./error-codes.js";

describe("@mlskit/crypto-webcrypto error codes", () => {
  it("WEBCRYPTO_ERROR_CODES lists exactly the codes the sources use, once each", () => {
    expect(new Set(WEBCRYPTO_ERROR_CODES).size).toBe(WEBCRYPTO_ERROR_CODES.length);
    expect([...codesInSources(new URL(".", import.meta.url).pathname)].sort()).toEqual([...WEBCRYPTO_ERROR_CODES].sort());
  });
});
