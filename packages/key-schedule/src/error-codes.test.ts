import { codesInSources } from "@mlskit/test-vectors/error-codes";
import { describe, expect, it } from "vitest";
import { KEY_SCHEDULE_ERROR_CODES } from "./error-codes.js";

describe("@mlskit/key-schedule error codes", () => {
  it("KEY_SCHEDULE_ERROR_CODES lists exactly the codes the sources use, once each", () => {
    expect(new Set(KEY_SCHEDULE_ERROR_CODES).size).toBe(KEY_SCHEDULE_ERROR_CODES.length);
    expect([...codesInSources(new URL(".", import.meta.url).pathname)].sort()).toEqual([...KEY_SCHEDULE_ERROR_CODES].sort());
  });
});
