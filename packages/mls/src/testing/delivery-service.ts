/**
 * An in-process, simulated Delivery Service (RFC 9750 §6) for tests and
 * demos (`@mlskit/mls/testing`). It orders each group's handshake messages
 * per epoch — the first Commit of an epoch wins, later Commits and Proposals
 * for a past epoch are rejected back to their sender (who discards its
 * pending Commit) — and fans every accepted message out to the group's
 * subscribers. Application messages may be held back and delivered late
 * (after later handshake messages) or out of order, driven by an injected
 * random source so a run is reproducible.
 *
 * The DS sees only what a real one sees: the clear MLSMessage header
 * (group id, epoch, content type). Membership is what the application tells
 * it (`subscribe`, `unsubscribe`), plus Welcome recipients and external joiners.
 */
import { toHex } from "@mlskit/codec";
import { UsageError, WireFormat, expectDefined } from "@mlskit/core";
import { ContentType, decodeMlsMessage } from "@mlskit/group";

/** What a client finds in its inbox. */
export interface Envelope {
  readonly kind: "welcome" | "handshake" | "application";
  /** The group's id as hex. */
  readonly group: string;
  readonly from: string;
  readonly bytes: Uint8Array;
  /** The epoch in the message header (for a Welcome, the epoch it starts). */
  readonly epoch: bigint;
  /** Global send order: a delivered `seq` lower than an earlier delivery's means out of order. */
  readonly seq: number;
  /** True when the DS held the message back. */
  readonly delayed: boolean;
}

/** The outcome of a handshake submission. */
export type SubmitResult =
  { readonly accepted: true; readonly epoch: bigint } | { readonly accepted: false; readonly reason: "stale-epoch" | "future-epoch" | "unknown-group"; readonly epoch: bigint };

/** Options of {@link DeliveryService}. */
export interface DeliveryServiceOptions {
  /** Uniform random numbers in [0, 1) (seed it for reproducible runs); default `Math.random`. */
  readonly random?: () => number;
  /** Probability that an application message is held back (default 0: in order). */
  readonly delayProbability?: number;
  /** A held message is released after at most this many later submissions (default 4). */
  readonly maxDelay?: number;
}

/** Counters of what the DS did. */
export interface DeliveryStats {
  handshakesAccepted: number;
  commitsAccepted: number;
  commitsRejected: number;
  proposalsRejected: number;
  applicationMessages: number;
  delayed: number;
  welcomes: number;
  delivered: number;
}

interface GroupRecord {
  epoch: bigint;
  readonly subscribers: Set<string>;
  groupInfo: Uint8Array | undefined;
}

interface Held {
  readonly envelope: Envelope;
  readonly to: readonly string[];
  remaining: number;
}

/** Options of {@link DeliveryService.submitHandshake}. */
export interface SubmitOptions {
  /** The Welcome of a Commit, delivered to `newMembers` if the Commit is accepted. */
  readonly welcome?: Uint8Array;
  readonly newMembers?: readonly string[];
  /** A GroupInfo of the Commit's new epoch, kept for external joiners. */
  readonly groupInfo?: Uint8Array;
}

function header(bytes: Uint8Array): { group: string; epoch: bigint; contentType: number } {
  const m = decodeMlsMessage(bytes);
  if (m.wireFormat === WireFormat.mls_public_message) {
    const c = m.publicMessage.content;
    return { group: toHex(c.groupId), epoch: c.epoch, contentType: c.contentType };
  }
  if (m.wireFormat === WireFormat.mls_private_message) {
    const p = m.privateMessage;
    return { group: toHex(p.groupId), epoch: p.epoch, contentType: p.contentType };
  }
  throw new UsageError("usage/not-a-group-message", "the DS routes PublicMessage and PrivateMessage only");
}

/** The simulated Delivery Service. */
export class DeliveryService {
  readonly #groups = new Map<string, GroupRecord>();
  readonly #inboxes = new Map<string, Envelope[]>();
  readonly #held: Held[] = [];
  readonly #random: () => number;
  readonly #delayProbability: number;
  readonly #maxDelay: number;
  #seq = 0;
  /** What the DS did so far. */
  readonly stats: DeliveryStats = {
    handshakesAccepted: 0,
    commitsAccepted: 0,
    commitsRejected: 0,
    proposalsRejected: 0,
    applicationMessages: 0,
    delayed: 0,
    welcomes: 0,
    delivered: 0,
  };

  constructor(options: DeliveryServiceOptions = {}) {
    this.#random = options.random ?? Math.random;
    this.#delayProbability = options.delayProbability ?? 0;
    this.#maxDelay = options.maxDelay ?? 4;
  }

  /** Registers a group in `epoch` with its creator (or first members) subscribed. */
  createGroup(groupId: Uint8Array, members: readonly string[], epoch = 0n): void {
    this.#groups.set(toHex(groupId), { epoch, subscribers: new Set(members), groupInfo: undefined });
  }

  /** The epoch the DS considers current for the group. */
  epoch(groupId: Uint8Array): bigint {
    return this.#group(toHex(groupId)).epoch;
  }

  /** The clients the group's messages go to. */
  subscribers(groupId: Uint8Array): string[] {
    return [...this.#group(toHex(groupId)).subscribers];
  }

  /** Adds a client to the group's fan-out. */
  subscribe(groupId: Uint8Array, client: string): void {
    this.#group(toHex(groupId)).subscribers.add(client);
  }

  /** Removes a client from the group's fan-out (e.g. after its removal). */
  unsubscribe(groupId: Uint8Array, client: string): void {
    this.#group(toHex(groupId)).subscribers.delete(client);
  }

  /** The latest GroupInfo a committer published, for external joins. */
  groupInfo(groupId: Uint8Array): Uint8Array | undefined {
    return this.#group(toHex(groupId)).groupInfo;
  }

  /** Publishes a GroupInfo of the current epoch. */
  publishGroupInfo(groupId: Uint8Array, groupInfo: Uint8Array): void {
    this.#group(toHex(groupId)).groupInfo = groupInfo;
  }

  /**
   * Submits a Proposal or Commit. A handshake message for the current epoch
   * is accepted and fanned out (a Commit also to its sender, as confirmation,
   * and it starts the next epoch; its Welcome goes to `newMembers`, who are
   * then subscribed, and an external committer is subscribed). A message for
   * another epoch is rejected: the sender discards its pending Commit.
   */
  submitHandshake(from: string, bytes: Uint8Array, options: SubmitOptions = {}): SubmitResult {
    const h = header(bytes);
    const g = this.#groups.get(h.group);
    if (g === undefined) return { accepted: false, reason: "unknown-group", epoch: -1n };
    const isCommit = h.contentType === ContentType.commit;
    if (h.contentType === ContentType.application) throw new UsageError("usage/not-a-handshake", "use submitApplication for application messages");
    if (h.epoch !== g.epoch) {
      if (isCommit) this.stats.commitsRejected++;
      else this.stats.proposalsRejected++;
      this.#tick();
      return { accepted: false, reason: h.epoch < g.epoch ? "stale-epoch" : "future-epoch", epoch: g.epoch };
    }
    this.stats.handshakesAccepted++;
    const envelope = this.#envelope("handshake", h.group, from, bytes, h.epoch, false);
    const to = [...g.subscribers].filter((c) => isCommit || c !== from);
    if (isCommit && !to.includes(from)) to.push(from);
    this.#deliver(envelope, to);
    if (isCommit) {
      this.stats.commitsAccepted++;
      g.epoch++;
      g.groupInfo = options.groupInfo;
      g.subscribers.add(from);
      if (options.welcome !== undefined) {
        const welcome = this.#envelope("welcome", h.group, from, options.welcome, g.epoch, false);
        for (const m of options.newMembers ?? []) {
          this.stats.welcomes++;
          this.#deliver(welcome, [m]);
          g.subscribers.add(m);
        }
      }
    }
    this.#tick();
    return { accepted: true, epoch: g.epoch };
  }

  /** Submits an application message: fanned out to the other subscribers, maybe held back to arrive late. */
  submitApplication(from: string, bytes: Uint8Array): void {
    const h = header(bytes);
    const g = this.#group(h.group);
    this.stats.applicationMessages++;
    const to = [...g.subscribers].filter((c) => c !== from);
    this.#tick();
    if (this.#delayProbability > 0 && this.#random() < this.#delayProbability) {
      this.stats.delayed++;
      const remaining = 1 + Math.floor(this.#random() * this.#maxDelay);
      this.#held.push({ envelope: this.#envelope("application", h.group, from, bytes, h.epoch, true), to, remaining });
    } else {
      this.#deliver(this.#envelope("application", h.group, from, bytes, h.epoch, false), to);
    }
  }

  /** Takes everything in a client's inbox, in delivery order. */
  receive(client: string): Envelope[] {
    const box = this.#inboxes.get(client) ?? [];
    this.#inboxes.set(client, []);
    this.stats.delivered += box.length;
    return box;
  }

  /** Messages waiting in a client's inbox. */
  pending(client: string): number {
    return this.#inboxes.get(client)?.length ?? 0;
  }

  /** Application messages still held back. */
  get held(): number {
    return this.#held.length;
  }

  /** Releases every held application message now. */
  releaseAll(): void {
    const held = this.#held.splice(0);
    // In random order: late and out of order.
    for (let i = held.length - 1; i > 0; i--) {
      const j = Math.floor(this.#random() * (i + 1));
      [held[i], held[j]] = [expectDefined(held[j], "held[j]"), expectDefined(held[i], "held[i]")];
    }
    for (const h of held) this.#deliver(h.envelope, h.to);
  }

  #tick(): void {
    for (let i = this.#held.length - 1; i >= 0; i--) {
      const h = expectDefined(this.#held[i], "this.#held[i]");
      if (--h.remaining <= 0) {
        this.#held.splice(i, 1);
        this.#deliver(h.envelope, h.to);
      }
    }
  }

  #envelope(kind: Envelope["kind"], group: string, from: string, bytes: Uint8Array, epoch: bigint, delayed: boolean): Envelope {
    return { kind, group, from, bytes, epoch, seq: this.#seq++, delayed };
  }

  #deliver(envelope: Envelope, to: readonly string[]): void {
    for (const c of to) {
      let box = this.#inboxes.get(c);
      if (box === undefined) this.#inboxes.set(c, (box = []));
      box.push(envelope);
    }
  }

  #group(key: string): GroupRecord {
    const g = this.#groups.get(key);
    if (g === undefined) throw new UsageError("usage/unknown-group", `the DS knows no group ${key}`);
    return g;
  }
}
