/**
 * Stateful fuzz of message processing (issue 13 "Hardening"): Alice, Bob,
 * Carol, Dave and spare members come and go through epochs of genuine
 * traffic (application messages, Update/Add/Remove proposals, Commits by
 * reference and by value); Bob, the victim, processes it in order and, in
 * between, mutated and forged live messages: bit flips, byte changes at
 * field boundaries and length prefixes, truncations, extensions, field
 * swaps and splices between messages, forged sender data, insider
 * re-encryptions and re-framings, replays, other epochs and groups, wrong
 * wire formats, versions and content types. Handshakes as PublicMessage in
 * one campaign, as PrivateMessage in the other.
 *
 * Required: 0 untyped exceptions, 0 state changes after a rejection, 0
 * mutants accepted with a changed meaning, 0 replays accepted, every
 * genuine message still read. The counts are printed.
 *
 * FUZZ_SEED (default 0x13f022) seeds the campaign, FUZZ_MESSAGES (default
 * 20000) is the number of mutants of each campaign; FUZZ_VERBOSE=1 prints
 * every error code, not the 15 most frequent.
 */
import { describe, expect, it } from "vitest";
import { noblecs } from "../group-test-suite.fixture.js";
import { runCampaign } from "./campaign.fixture.js";
import type { FuzzFailure } from "./fuzz-tally.fixture.js";

const SEED = Number(process.env.FUZZ_SEED ?? 0x13f022);
const MUTANTS = Number(process.env.FUZZ_MESSAGES ?? 20_000);
/** Generous: a campaign of 20,000 takes well under a minute alone on a 2-core machine; the whole suite runs beside it in CI. */
const TIMEOUT_MS = Math.max(600_000, MUTANTS * 60);

const show = (f: FuzzFailure) => `#${f.index} [${f.category}] from ${f.source}: ${f.detail}: ${f.problem} | mutant ${f.hex.slice(0, 400)}`;

for (const [i, handshakes] of (["public", "private"] as const).entries()) {
  describe(`stateful fuzz, handshakes as ${handshakes === "public" ? "PublicMessage" : "PrivateMessage"}`, () => {
    it(
      `a member fed ${MUTANTS} mutated and forged live messages: typed rejections, no state change, no changed meaning`,
      async () => {
        const cs = await noblecs();
        const seed = SEED + i;
        const { tally, seconds } = await runCampaign({ cs, handshakes, seed, mutants: MUTANTS });
        console.log(tally.summary(`${handshakes} handshakes`, seed, seconds, process.env.FUZZ_VERBOSE !== undefined ? Infinity : 15));
        expect(tally.mutants).toBeGreaterThanOrEqual(MUTANTS);
        expect(tally.genuineProcessed).toBeGreaterThan(0);
        for (const kind of ["untyped-exception", "state-changed-after-rejection", "changed-meaning", "replay-accepted", "genuine-refused", "held-mutant"] as const) {
          expect(tally.failures.filter((f) => f.kind === kind).map(show), kind).toEqual([]);
        }
      },
      TIMEOUT_MS,
    );
  });
}
