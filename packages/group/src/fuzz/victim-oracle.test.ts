/**
 * The fuzz's judge is not vacuous: a victim whose message processing is
 * replaced by a faulty one is caught for each fault the stateful fuzz
 * must find (an untyped exception, a state change on a rejection, a
 * mutant accepted with a changed meaning, a replay accepted), and the real
 * processing of the same mutants passes.
 */
import { describe, expect, it } from "vitest";
import { utf8 } from "@mlskit/codec";
import { ValidationError } from "@mlskit/core";
import type { GroupState } from "../state/group-state.js";
import { noblecs } from "../group-test-suite.fixture.js";
import { type ProcessedMessage, processMessage } from "../receive/message-process.js";
import { load, store } from "../state/stored-state.fixture.js";
import { bitFlip } from "./byte-mutations.fixture.js";
import { FuzzTally } from "./fuzz-tally.fixture.js";
import type { Genuine } from "./genuine-message.fixture.js";
import { GroupWorld } from "./group-world.fixture.js";
import { Prng } from "./prng.fixture.js";
import { Victim } from "./victim.fixture.js";

type Process = (state: GroupState, bytes: Uint8Array) => Promise<ProcessedMessage>;

async function setting() {
  const cs = await noblecs();
  const rng = new Prng(7);
  const { world, victim } = await GroupWorld.create(cs, { handshakeWireFormat: "private" }, rng);
  const batch = await world.epochTraffic();
  const app = batch.applications[0] ?? (await world.commit()).commit;
  return { world, victim, app, batch };
}

async function judged(world: GroupWorld, state: GroupState, process: Process, mutant: { bytes: Uint8Array; source: Genuine; category?: string }) {
  const tally = new FuzzTally();
  const victim = new Victim(state, world, tally, process);
  await victim.feed({ category: mutant.category ?? "bit-flip", detail: "test", ...mutant });
  return tally;
}

describe("the fuzz's judge", () => {
  it("catches each fault, and passes the real processing", async () => {
    const { world, victim, app } = await setting();
    const rng = new Prng(1);
    const flipped = { bytes: bitFlip(rng, app.bytes).bytes, source: app };

    const real = await judged(world, victim, processMessage, flipped);
    expect(real.failures).toEqual([]);
    expect(real.rejected).toBe(1);

    const untyped = await judged(
      world,
      victim,
      async () => {
        throw new TypeError("boom");
      },
      flipped,
    );
    expect(untyped.failures.map((f) => f.kind)).toEqual(["untyped-exception"]);

    const mutating = await judged(
      world,
      victim,
      async (s) => {
        await s.secretTree.reserve(s.ownLeaf, "application", 1);
        throw new ValidationError("framing/invalid-signature", "6.1", "refused after moving a ratchet");
      },
      flipped,
    );
    expect(mutating.failures.map((f) => f.kind)).toEqual(["state-changed-after-rejection"]);

    const lying = await judged(
      world,
      victim,
      async (s) => ({
        kind: "application",
        sender: app.sender as never,
        epoch: s.groupContext.epoch,
        data: utf8("not what was sent"),
        authenticatedData: new Uint8Array(0),
        state: s,
      }),
      flipped,
    );
    expect(lying.failures.map((f) => f.kind)).toEqual(["changed-meaning"]);
  });

  it("catches a replay accepted with the genuine meaning", async () => {
    const { world, victim: state, batch } = await setting();
    const app = batch.applications.find((g) => g.kind === "application");
    if (app === undefined) throw new Error("seed 7 gives the first epoch an application message");
    // What the genuine message reads as, on a copy; then the victim reads it for real.
    const copy = await load(store(state), { cs: state.cs, policy: state.policy, services: state.services });
    const genuineResult = await processMessage(copy, app.bytes);
    const tally = new FuzzTally();
    const victim = new Victim(state, world, tally, async () => genuineResult);
    await victim.deliver(app);
    await victim.feed({ category: "replay", bytes: app.bytes, detail: "exact copy", source: app });
    expect(tally.failures.map((f) => f.kind)).toEqual(["replay-accepted"]);
  });
});
