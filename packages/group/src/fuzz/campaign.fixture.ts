/**
 * One fuzz campaign: the world makes an epoch of genuine traffic, the
 * victim gets it (application messages shuffled, proposals in order among
 * them, some of the next epoch's messages early, the Commit (now and then
 * his own), some late messages after it), and before each genuine message `perDelivery`
 * mutants of it or of other live messages. Epochs follow until `mutants`
 * mutants were fed.
 *
 * The seed fixes every choice the campaign makes (which mutation, where,
 * which member sends or commits what, delivery order). Key generation,
 * HPKE and reuse guards draw from the provider's own randomness, so the
 * bytes of a run differ from the previous run's; a failure prints the
 * mutant's bytes and how it was derived.
 */
import { utf8 } from "@mlskit/codec";
import type { CipherSuiteProvider } from "@mlskit/core";
import { createApplicationMessage } from "../framing/application-message.js";
import { createCommit } from "../commit/commit-create.js";
import type { GroupPolicyInput } from "../policy/group-policy.js";
import { padToMultipleOf } from "../framing/private-message-content.js";
import { FuzzTally } from "./fuzz-tally.fixture.js";
import type { Genuine } from "./genuine-message.fixture.js";
import { type EpochCommit, GroupWorld } from "./group-world.fixture.js";
import { MutantFactory } from "./mutant-factory.fixture.js";
import { Prng } from "./prng.fixture.js";
import { Victim } from "./victim.fixture.js";

export interface CampaignOptions {
  readonly cs: CipherSuiteProvider;
  readonly handshakes: "public" | "private";
  readonly seed: number;
  readonly mutants: number;
  /** Mutants fed before each genuine message (default 40). */
  readonly perDelivery?: number;
}

/** The ratchet limits of every member: a small window, so "far ahead" generations are cheap to forge. */
const RATCHET = { outOfOrderWindow: 32, maxForwardDistance: 200 };

export async function runCampaign(options: CampaignOptions): Promise<{ tally: FuzzTally; seconds: number }> {
  const started = performance.now();
  const { cs, seed, mutants } = options;
  const perDelivery = options.perDelivery ?? 40;
  const rng = new Prng(seed);
  const policy: GroupPolicyInput = { handshakeWireFormat: options.handshakes, ratchet: RATCHET, padding: padToMultipleOf(32) };
  const tally = new FuzzTally();
  const { world, victim: initial } = await GroupWorld.create(cs, policy, rng);
  const victim = new Victim(initial, world, tally);
  const factory = new MutantFactory(rng, world);
  const farGeneration = RATCHET.maxForwardDistance + 50;

  const mutate = async (current: Genuine) => {
    victim.sync();
    const leafCount = victim.state.tree.leafCount;
    const leaves = [...Array.from({ length: leafCount }, (_, i) => i), leafCount, leafCount + 3, 1000, 2 ** 31 - 1, 2 ** 32 - 1];
    for (let i = 0; i < perDelivery && tally.mutants < mutants; i++) {
      await victim.feed(await factory.make(current, victim.state.groupContext.epoch, leaves, farGeneration));
    }
  };

  let n = 0;
  while (tally.mutants < mutants) {
    const traffic = await world.epochTraffic();
    const epoch = victim.state.groupContext.epoch;
    if (traffic.epoch !== epoch) throw new Error(`the world is in epoch ${traffic.epoch}, the victim in ${epoch}`);
    if (rng.chance(0.5)) {
      // The victim speaks too: its own messages are fed back to it (echoes) and re-encrypted by insiders.
      const data = utf8(`e${epoch} bob #${n++}`);
      const authenticatedData = rng.chance(0.3) ? rng.bytes(4) : new Uint8Array(0);
      const bytes = await createApplicationMessage(victim.state, data, { authenticatedData });
      await victim.sent(world.recordOwn(bytes, epoch, data, authenticatedData));
    }
    const unread = traffic.applications.filter((g) => !g.read);
    const late = unread.filter(() => rng.chance(0.2));
    const now = rng.shuffle(unread.filter((g) => !late.includes(g)));
    const order: Genuine[] = [];
    const proposals = traffic.proposals.slice();
    while (now.length > 0 || proposals.length > 0) {
      const takeProposal = proposals.length > 0 && (now.length === 0 || rng.chance(proposals.length / (now.length + proposals.length)));
      order.push((takeProposal ? proposals : now).shift()!);
    }
    for (const g of order) {
      await mutate(g);
      await victim.deliver(g);
    }
    let closing: EpochCommit;
    if (rng.chance(0.15)) {
      // The victim commits: mutants then meet a state with a pending Commit, and its own Commit comes back to it.
      const c = await createCommit(victim.state, { forcePath: rng.chance(0.5) });
      if (c.omitted.length > 0) throw new Error(`the victim's Commit omitted proposals: ${c.omitted.map((o) => o.error.code).join(", ")}`);
      victim.state = c.state;
      tally.ownCommits++;
      closing = await world.victimCommitted(c);
    } else {
      closing = await world.commit();
    }
    for (const g of closing.nextEarly.filter(() => rng.chance(0.5))) {
      await mutate(g);
      await victim.deliverEarly(g);
    }
    await mutate(closing.commit);
    await victim.deliverCommit(closing.commit);
    for (const g of late) {
      await mutate(g);
      await victim.deliver(g);
    }
  }
  return { tally, seconds: (performance.now() - started) / 1000 };
}
