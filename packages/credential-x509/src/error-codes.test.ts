import { codesInSources } from "@mlskit/test-vectors/error-codes";
import { describe, expect, it } from "vitest";
import { CREDENTIAL_X509_ERROR_CODES } from "./error-codes.js";

describe("@mlskit/credential-x509 error codes", () => {
  it("CREDENTIAL_X509_ERROR_CODES lists exactly the codes the sources use, once each", () => {
    expect(new Set(CREDENTIAL_X509_ERROR_CODES).size).toBe(CREDENTIAL_X509_ERROR_CODES.length);
    expect([...codesInSources(new URL(".", import.meta.url).pathname)].sort()).toEqual([...CREDENTIAL_X509_ERROR_CODES].sort());
  });
});
