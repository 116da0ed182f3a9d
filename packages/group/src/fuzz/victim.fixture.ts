/**
 * The member under attack. Each mutant is processed in the victim's current
 * state and judged:
 * - refused: the error must be an MlsError (counted by class and code), and
 *   the victim's whole state (current state and past-epoch records, as
 *   storage would write them) must be byte-for-byte what it was;
 * - accepted: it must mean what a genuine message means (see
 *   genuine-message.fixture.ts), and a PrivateMessage must not use a
 *   (sender, generation) the victim already consumed (a replay); the victim
 *   then goes on from its state before the mutant, so genuine traffic stays
 *   readable;
 * - held for the next epoch: replayed on a copy once the Commit is merged,
 *   where it must be refused or mean what a genuine message means.
 * Genuine messages are delivered in between and must be read as sent.
 */
import { bytesEqual, toHex } from "@mlskit/codec";
import { MlsError } from "@mlskit/core";
import { ContentType } from "../framing/content-type.js";
import { mergeStagedCommit } from "../commit/commit-process.js";
import type { GroupState } from "../state/group-state.js";
import { type ProcessedMessage, processEarlyMessages, processMessage } from "../receive/message-process.js";
import { SenderType } from "../framing/sender.js";
import { type StoredState, load, store } from "../state/stored-state.fixture.js";
import type { FuzzTally } from "./fuzz-tally.fixture.js";
import { type Genuine, applicationMeaning, commitMeaning, proposalMeaning } from "./genuine-message.fixture.js";
import type { GroupWorld } from "./group-world.fixture.js";

export interface FedMutant {
  readonly category: string;
  readonly bytes: Uint8Array;
  readonly detail: string;
  readonly source: Genuine;
}

/** Held mutants replayed after each Commit, at most. */
const MAX_HELD_REPLAYED = 64;

function sameStored(a: StoredState, b: StoredState): boolean {
  return bytesEqual(a.state, b.state) && a.pastEpochs.length === b.pastEpochs.length && a.pastEpochs.every((p, i) => bytesEqual(p, b.pastEpochs[i]!));
}

function describe(e: unknown): string {
  if (e instanceof Error) return `${e.constructor.name}: ${e.message} @ ${(e.stack ?? "").split("\n").slice(1, 4).join(" | ")}`;
  return `non-Error thrown: ${String(e)}`;
}

/** The meaning of what processMessage returned to the member at `ownLeaf`, in its epoch `epoch`. */
function meaningOf(r: ProcessedMessage, epoch: bigint, ownLeaf: number): string {
  switch (r.kind) {
    case "application":
      return applicationMeaning(r.epoch, r.sender, r.data, r.authenticatedData);
    case "proposal":
      return proposalMeaning(epoch, r.sender.senderType === SenderType.member ? r.sender.leafIndex : -1, r.ref);
    case "commit": {
      const s = r.staged;
      if (s.state === undefined) return `commit|${epoch}|removes the victim`;
      return commitMeaning(epoch, s.sender.senderType === SenderType.member ? s.sender.leafIndex : -1, s.state.keys.epochAuthenticator);
    }
    case "own-commit":
      return commitMeaning(epoch, ownLeaf, r.state.keys.epochAuthenticator);
    case "buffered":
      return `buffered|${epoch}`;
  }
}

export class Victim {
  index = 0;
  readonly #meanings = new Map<string, Genuine>();
  readonly #genuineBytes = new Map<string, Genuine>();
  #indexed = 0;
  /** (epoch, leaf, ratchet, generation) of every PrivateMessage the victim read. */
  readonly #consumed = new Set<string>();
  #held: FedMutant[] = [];
  #heldGenuine: Genuine[] = [];

  constructor(
    public state: GroupState,
    readonly world: GroupWorld,
    readonly tally: FuzzTally,
    /** The function under test (replaced only by the harness's own self-test). */
    readonly process: (state: GroupState, bytes: Uint8Array) => Promise<ProcessedMessage> = processMessage,
  ) {}

  /** Indexes the world's new genuine messages (meanings, bytes). */
  sync(): void {
    for (; this.#indexed < this.world.archive.length; this.#indexed++) {
      const g = this.world.archive[this.#indexed]!;
      if (g.meaning !== "") this.#meanings.set(g.meaning, g);
      this.#genuineBytes.set(toHex(g.bytes), g);
    }
  }

  /** The genuine message with exactly these bytes, if any. */
  genuineOf(bytes: Uint8Array): Genuine | undefined {
    this.sync();
    return this.#genuineBytes.get(toHex(bytes));
  }

  /** Records a message the victim sent: its generation is consumed (sending uses it up). */
  async sent(g: Genuine): Promise<void> {
    await this.#markRead(g);
  }

  async #consumedKey(bytes: Uint8Array, epoch: bigint): Promise<string | undefined> {
    const sd = await this.world.insiderKeys.get(epoch)?.senderData(bytes);
    if (sd === undefined) return undefined;
    return `${epoch}|${sd.leaf}|${sd.contentType === ContentType.application ? "application" : "handshake"}|${sd.generation}`;
  }

  async #restore(before: StoredState): Promise<void> {
    this.state = await load(before, { cs: this.state.cs, policy: this.state.policy, services: this.state.services });
  }

  /** Feeds one mutant (never a byte copy of a genuine message: those are skipped and counted). */
  async feed(m: FedMutant): Promise<void> {
    // A byte copy of a genuine message is a mutant only if the victim read (or sent) that message: a replay.
    const copyOf = this.genuineOf(m.bytes);
    if (copyOf !== undefined && !copyOf.read) {
      this.tally.identical++;
      return;
    }
    const index = this.index++;
    this.tally.category(m.category);
    const fail = (kind: Parameters<FuzzTally["fail"]>[0]["kind"], problem: string) =>
      this.tally.fail({ kind, index, category: m.category, source: m.source.label, detail: m.detail, problem, bytes: m.bytes });
    const epoch = this.state.groupContext.epoch;
    const before = store(this.state);
    let r: ProcessedMessage;
    try {
      r = await this.process(this.state, m.bytes);
    } catch (e) {
      this.tally.rejected++;
      if (MlsError.isInstance(e)) this.tally.error(e, `${m.category}: ${m.detail}`);
      else fail("untyped-exception", describe(e));
      if (!sameStored(before, store(this.state))) {
        fail("state-changed-after-rejection", `refused with ${describe(e)}, but the victim's encoded state changed`);
        await this.#restore(before);
      }
      return;
    }
    const changed = !sameStored(before, store(this.state));
    switch (r.kind) {
      case "buffered":
        this.tally.held++;
        if (changed) fail("state-changed-after-rejection", "held for the next epoch, but the input state changed");
        if (this.#held.length < MAX_HELD_REPLAYED && r.state !== this.state) this.#held.push(m);
        break;
      case "own-commit":
        fail("changed-meaning", "a mutant was taken for our own pending Commit");
        break;
      default: {
        const meaning = meaningOf(r, epoch, this.state.ownLeaf);
        if (!this.#meanings.has(meaning)) {
          fail("changed-meaning", `accepted as ${r.kind} with a meaning no genuine message has: ${meaning.slice(0, 200)}`);
          break;
        }
        const consumed = await this.#consumedKey(m.bytes, r.kind === "application" ? r.epoch : epoch);
        if (consumed !== undefined && this.#consumed.has(consumed)) {
          fail("replay-accepted", `accepted as ${r.kind} with (epoch|leaf|ratchet|generation) ${consumed}, which the victim had already consumed`);
          break;
        }
        if (r.kind === "proposal" && consumed === undefined && this.state.proposals.has(toHex(r.ref)) && bytesEqual(store(r.state).state, before.state)) {
          this.tally.idempotentReplays++;
          break;
        }
        this.tally.sameMeaning(
          r.kind === "application" && r.sender === this.state.ownLeaf ? `${m.category} (the victim's own leaf)` : m.category,
          `${m.detail} (${m.source.label}, read as ${r.kind})`,
        );
      }
    }
    if (changed) await this.#restore(before);
  }

  async #deliverChecked(g: Genuine, expected: ProcessedMessage["kind"]): Promise<ProcessedMessage | undefined> {
    const fail = (problem: string) =>
      this.tally.fail({ kind: "genuine-refused", index: this.index, category: "genuine", source: g.label, detail: "genuine", problem, bytes: g.bytes });
    let r: ProcessedMessage;
    try {
      r = await processMessage(this.state, g.bytes);
    } catch (e) {
      fail(`refused: ${describe(e)}`);
      return undefined;
    }
    this.tally.genuineProcessed++;
    if (r.kind !== expected) {
      fail(`processed as ${r.kind}, expected ${expected}`);
      return undefined;
    }
    if (expected !== "buffered" && meaningOf(r, this.state.groupContext.epoch, this.state.ownLeaf) !== g.meaning) {
      fail(`read with another meaning: ${meaningOf(r, this.state.groupContext.epoch, this.state.ownLeaf).slice(0, 200)}`);
      return undefined;
    }
    return r;
  }

  async #markRead(g: Genuine): Promise<void> {
    g.read = true;
    const key = await this.#consumedKey(g.bytes, g.epoch);
    if (key !== undefined) this.#consumed.add(key);
  }

  /** Delivers a genuine application message or proposal of the current (or, `late`, a past) epoch. */
  async deliver(g: Genuine): Promise<void> {
    const r = await this.#deliverChecked(g, g.kind === "proposal" ? "proposal" : "application");
    if (r === undefined) return;
    this.state = r.state;
    await this.#markRead(g);
  }

  /** Delivers a genuine message of the next epoch before its Commit: it must be held. */
  async deliverEarly(g: Genuine): Promise<void> {
    const r = await this.#deliverChecked(g, "buffered");
    if (r === undefined) return;
    this.state = r.state;
    this.#heldGenuine.push(g);
  }

  /** Delivers the epoch's Commit (the victim's own, `g.own`, comes back to it): the held mutants are replayed on a copy, the Commit merged, the held genuine messages read. */
  async deliverCommit(g: Genuine): Promise<void> {
    this.sync();
    await this.#replayHeld(g);
    const r = await this.#deliverChecked(g, g.own ? "own-commit" : "commit");
    if (r === undefined || (r.kind !== "commit" && r.kind !== "own-commit"))
      throw new Error(`the victim could not process the genuine Commit ${g.label}: ${this.tally.failures.at(-1)?.problem}`);
    const merged = r.kind === "commit" ? mergeStagedCommit(r.staged) : r.state;
    await this.#markRead(g);
    const early = await processEarlyMessages(this.state, merged);
    for (const e of early.errors) {
      this.tally.fail({
        kind: "genuine-refused",
        index: this.index,
        category: "genuine",
        source: "a held genuine message",
        detail: "held",
        problem: `refused after the Commit: ${describe(e)}`,
        bytes: new Uint8Array(0),
      });
    }
    const epoch = merged.groupContext.epoch;
    for (const [i, res] of early.results.entries()) {
      const g2 = this.#heldGenuine[i];
      if (g2 === undefined || meaningOf(res, epoch, this.state.ownLeaf) !== g2.meaning) {
        this.tally.fail({
          kind: "genuine-refused",
          index: this.index,
          category: "genuine",
          source: g2?.label ?? "?",
          detail: "held",
          problem: `read after the Commit as ${meaningOf(res, epoch, this.state.ownLeaf).slice(0, 200)}`,
          bytes: g2?.bytes ?? new Uint8Array(0),
        });
        continue;
      }
      this.tally.genuineProcessed++;
      await this.#markRead(g2);
    }
    this.#heldGenuine = [];
    this.state = early.state;
    this.tally.epochs++;
  }

  /** Replays the held mutants of the next epoch on an independent staging of the Commit `g` (processEarlyMessages does the same on the real one). */
  async #replayHeld(g: Genuine): Promise<void> {
    const held = this.#held;
    this.#held = [];
    if (held.length === 0) return;
    const staged = await processMessage(this.state, g.bytes);
    let state: GroupState;
    if (staged.kind === "own-commit") {
      // The pending Commit's state is shared with the victim's: replay on a copy.
      state = await load(store(staged.state), { cs: this.state.cs, policy: this.state.policy, services: this.state.services });
    } else if (staged.kind === "commit" && staged.staged.state !== undefined) {
      state = { ...staged.staged.state, earlyMessages: [] };
    } else {
      return; // reported when the Commit itself is delivered
    }
    const epoch = state.groupContext.epoch;
    for (const m of held) {
      this.tally.heldReplayed++;
      const fail = (problem: string) =>
        this.tally.fail({ kind: "held-mutant", index: -1, category: m.category, source: m.source.label, detail: m.detail, problem, bytes: m.bytes });
      let r: ProcessedMessage;
      try {
        r = await this.process(state, m.bytes);
      } catch (e) {
        this.tally.heldRejectedOnReplay++;
        if (MlsError.isInstance(e)) this.tally.error(e, `held ${m.category}: ${m.detail}`);
        else fail(`untyped exception on replay after the Commit: ${describe(e)}`);
        continue;
      }
      if (r.kind === "buffered" || r.kind === "own-commit" || !this.#meanings.has(meaningOf(r, epoch, this.state.ownLeaf))) {
        fail(`read after the Commit as ${r.kind} with a changed meaning: ${meaningOf(r, epoch, this.state.ownLeaf).slice(0, 200)}`);
        continue;
      }
      this.tally.heldAcceptedSameMeaning++;
      const key = `held, then ${m.category}`;
      if (!this.tally.acceptedExamples.has(key)) this.tally.acceptedExamples.set(key, `${m.detail} (${m.source.label}, read after the Commit as ${r.kind})`);
      if (r.kind !== "commit") state = r.state;
    }
  }
}
