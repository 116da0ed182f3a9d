/**
 * Partition simulation of forks (issue 16). S servers are simple
 * replicating logs (append-only, eventually consistent: connected servers
 * exchange what they miss, each in the other's order, so every log stays
 * causally ordered); C clients (the `@mlskit/mls` facade, in process, with
 * `forks` on) each read and post through one server. A seed drives
 * partitions of the servers and heals, and on every side concurrent
 * Commits (self-updates, removals of "guest" members) and application
 * messages. Commits are optimistic: the committer merges its own at once,
 * as in a decentralised setting where no Delivery Service orders them.
 *
 * After each heal: every client reads everything, then one round of
 * messages (each active member sends one and reads the others'); then every
 * active member must be on one epoch authenticator. Counted: application
 * messages read vs lost (per recipient that was a member when it was
 * sent), forks detected and settled, epochs rolled back, and the
 * membership changes of losing branches: applied in the end or reported to
 * the application, none dropped.
 *
 * History sharing (`historySharing: true`): every client retains copies of
 * its epochs (`historySharing.retainEpochs`) and approves sharing with any
 * member of the group. After each heal, each client that rolled back in a
 * fork (a losing-branch member: it holds the losing epochs' keys, kept per
 * branch) shares the epochs from its first fork point on with every other
 * active member (`shareHistoryBetween`); the members import, and every
 * member retries the messages it could not read. Off, `lost` is what a
 * member cannot read without it; the `onLost` hook of {@link SimConfig} is
 * told of each message still lost in the end.
 *
 * The parts: servers.ts (the replicating logs), driver.ts (the clients and
 * their counts), schedule.ts (partitions and heals), report.ts (the tally
 * and the table).
 */
import type { ForkOptions } from "@mlskit/mls";
import { ClientDriver } from "./driver.js";
import { tally } from "./report.js";
import { runPhases } from "./schedule.js";
import { withSeededRandomness } from "./seeded.js";

export { table } from "./report.js";

export interface SimConfig {
  readonly seed: number;
  readonly servers: number;
  readonly clients: number;
  /** Partition/heal cycles. */
  readonly phases: number;
  /** Rounds of activity per partition (1..this, drawn per phase). */
  readonly maxRoundsApart?: number;
  /** Guests: the last clients, which committers may remove. */
  readonly guests?: number;
  readonly forks?: ForkOptions;
  /** History sharing on: after each heal, losing-branch members share their epochs with the others (see the module comment). */
  readonly historySharing?: boolean;
  /** Told of each application message a member could not read in the end (with history sharing on: what sharing did not recover). */
  readonly onLost?: (lost: LostMessage) => void;
  /** Debugging: told of every Commit sent, fork settled, message refused and heal, one line each. */
  readonly trace?: (line: string) => void;
}

/** A (message, recipient) pair not read in the end, and why it may be so. */
export interface LostMessage {
  readonly messageId: number;
  readonly recipient: string;
  readonly sender: string;
  /** The message's epoch on the sender's branch. */
  readonly epoch: bigint;
  /** The recipient was still a member at the end of the run. */
  readonly recipientActive: boolean;
  /** When it was not: the epoch its client was removed in (on the branch that removed it). */
  readonly recipientRemovedIn?: bigint;
  /** The message's epoch was on a branch that lost (its sender later rolled back past it), as far as the sender's fork results tell. */
  readonly onLosingBranch: boolean;
}

export interface SimResult {
  readonly seed: number;
  readonly heals: number;
  /** Heals after which every active member was on one epoch authenticator (within one round of messages). */
  readonly converged: number;
  readonly forks: number;
  readonly rolledBackEpochs: number;
  readonly maxRollback: number;
  readonly commits: number;
  readonly sent: number;
  /** (message, recipient) pairs that should be read: the recipient was a member of the sender's epoch. */
  readonly expected: number;
  readonly read: number;
  /** Read with a losing branch's keys (`readAcrossFork`). */
  readonly readAcross: number;
  /** With history sharing on, read when retried before any import (own keys: e.g. a removed member's late messages). */
  readonly readOnRetry: number;
  /** Read after a history import (history sharing on). */
  readonly readViaHistory: number;
  /** History bundles shared and imported. */
  readonly bundles: number;
  readonly lost: number;
  /** Membership changes (removes) made on losing branches. */
  readonly lostChanges: number;
  /** ... in the end applied on the winning branch (re-proposed and committed, or already there). */
  readonly lostApplied: number;
  /** ... reported to the application (needs-application). */
  readonly lostReported: number;
  /** ... neither: should be 0. */
  readonly lostDropped: number;
  readonly finalEpoch: bigint;
}

/**
 * One run. Deterministic: the seed drives the partitions and choices, and
 * (test-only, {@link withSeededRandomness}) every random byte of the
 * crypto provider and the clock, so a seed reproduces a run exactly.
 */
export async function simulate(config: SimConfig): Promise<SimResult> {
  return withSeededRandomness(config.seed, () => run(config));
}

async function run(config: SimConfig): Promise<SimResult> {
  const sim = await ClientDriver.create(config);
  const { heals, converged } = await runPhases(sim);
  return tally(sim, heals, converged);
}
