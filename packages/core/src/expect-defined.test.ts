import { describe, expect, it } from "vitest";
import { InternalError, ValidationError, expectDefined } from "./errors.js";

describe("expectDefined", () => {
  it("returns a defined value, and throws InternalError internal/invariant naming what was missing", () => {
    expect(expectDefined(0, "zero")).toBe(0);
    expect(expectDefined(null, "null is defined")).toBe(null);
    const err = (() => {
      try {
        return expectDefined(undefined, "leaf 3");
      } catch (e) {
        return e;
      }
    })();
    expect(InternalError.isInstance(err) && err.code).toBe("internal/invariant");
    expect(ValidationError.isInstance(err)).toBe(false);
    expect((err as Error).message).toContain("leaf 3");
  });
});
