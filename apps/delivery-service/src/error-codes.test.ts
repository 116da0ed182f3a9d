import { fileURLToPath } from "node:url";
import { DS_ERROR_CODES, DS_ERROR_STATUS } from "@mlskit/ds-protocol";
import { codesInSources } from "@mlskit/test-vectors/error-codes";
import { describe, expect, it } from "vitest";

const dir = (rel: string) => fileURLToPath(new URL(rel, import.meta.url));
/** The code families of the DS protocol (other families in these sources are the store's, core's or the group package's). */
const FAMILIES = new Set(DS_ERROR_CODES.map((c) => c.split("/")[0]!));

describe("the Delivery Service protocol's error codes", () => {
  const used = new Set<string>();
  for (const d of [".", "../../authentication-service/src", "../../../packages/ds-protocol/src", "../../../packages/ds-client/src"]) {
    for (const c of codesInSources(dir(d))) used.add(c);
  }

  it("every code the servers and the client use in a DS family is in DS_ERROR_CODES, with a status", () => {
    const ours = [...used].filter((c) => FAMILIES.has(c.split("/")[0]!));
    expect(ours.filter((c) => !(DS_ERROR_CODES as readonly string[]).includes(c))).toEqual([]);
    for (const c of DS_ERROR_CODES) expect(DS_ERROR_STATUS[c]).toBeGreaterThanOrEqual(400);
  });

  it("every listed code is answered somewhere (no dead codes)", () => {
    expect(DS_ERROR_CODES.filter((c) => !used.has(c))).toEqual([]);
    expect(new Set(DS_ERROR_CODES).size).toBe(DS_ERROR_CODES.length);
  });
});
