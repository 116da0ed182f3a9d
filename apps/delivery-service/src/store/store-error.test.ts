import { codesInSources } from "@mlskit/test-vectors/error-codes";
import { MlsError } from "@mlskit/codec";
import { describe, expect, it } from "vitest";
import { DS_STORE_ERROR_CODES, DsStoreError, storeErrorOf } from "./store-error.js";

describe("DsStoreError", () => {
  it("DS_STORE_ERROR_CODES covers every code literal the store sources use, once each", () => {
    expect(new Set(DS_STORE_ERROR_CODES).size).toBe(DS_STORE_ERROR_CODES.length);
    const used = [...codesInSources(new URL(".", import.meta.url).pathname)].filter((c) => c.startsWith("store/"));
    expect(used.sort()).toEqual([...DS_STORE_ERROR_CODES].sort());
  });

  it("is an MlsError; driver errors map to store/failed or store/corrupt with the cause kept", () => {
    const failed = storeErrorOf(Object.assign(new Error("busy"), { code: "SQLITE_BUSY" }), "s", "doing");
    expect(MlsError.isInstance(failed) && DsStoreError.isInstance(failed)).toBe(true);
    expect(failed.code).toBe("store/failed");
    expect(failed.cause).toBeInstanceOf(Error);
    expect(storeErrorOf(Object.assign(new Error("bad"), { code: "SQLITE_CORRUPT_VTAB" }), "s", "d").code).toBe("store/corrupt");
    const ours = new DsStoreError("store/closed", "closed");
    expect(storeErrorOf(ours, "s", "d")).toBe(ours);
  });
});
