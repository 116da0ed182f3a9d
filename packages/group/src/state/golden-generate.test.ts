/**
 * The golden cases' generator: builds a fresh case per suite and checks it
 * as the committed ones are checked (so the generator cannot rot). With
 * `MLSKIT_WRITE_GOLDEN=1` it also (re)writes `golden/suite-XXXX.bin`; do
 * that only with a format change, and bump STATE_FORMAT_VERSION first when
 * the change is not backward compatible (see golden/README.md).
 */
import { writeFileSync } from "node:fs";
import { describe, expect, it } from "vitest";
import { noblecs } from "../group-test-suite.fixture.js";
import { GOLDEN_SUITES, buildGoldenCase, checkGoldenCase, decodeGoldenCase, encodeGoldenCase, goldenFile } from "./golden.fixture.js";

const write = process.env.MLSKIT_WRITE_GOLDEN === "1";

describe("golden stored states: generator", () => {
  it.each(GOLDEN_SUITES)(`builds a case of suite %i that checks${write ? " and writes it" : ""}`, async (suite) => {
    const cs = await noblecs(suite);
    const bytes = encodeGoldenCase(await buildGoldenCase(cs));
    const c = decodeGoldenCase(bytes);
    expect(encodeGoldenCase(c)).toEqual(bytes);
    await checkGoldenCase(c, cs, true);
    if (write) writeFileSync(goldenFile(suite), bytes);
  });
});
