/**
 * The committed golden cases (`golden/`) load with today's code and behave
 * as when they were written: a state stored by an earlier version must stay
 * readable by every later one.
 */
import { readFileSync } from "node:fs";
import { describe, it } from "vitest";
import { noblecs } from "../group-test-suite.fixture.js";
import { STATE_FORMAT_VERSION, peekStateHeader } from "./blob-header.js";
import { GOLDEN_SUITES, checkGoldenCase, decodeGoldenCase, goldenFile } from "./golden.fixture.js";

describe("golden stored states", () => {
  it.each(GOLDEN_SUITES)("the committed case of suite %i loads and carries on", async (suite) => {
    const c = decodeGoldenCase(new Uint8Array(readFileSync(goldenFile(suite))));
    // Re-encoding gives the same bytes only while the format version is the one that wrote the case.
    await checkGoldenCase(c, await noblecs(suite), peekStateHeader(c.alice.state).formatVersion === STATE_FORMAT_VERSION);
  });
});
