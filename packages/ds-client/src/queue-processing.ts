/**
 * The queue processing of a {@link Messenger} (messenger.ts): items pushed
 * over the stream or fetched over HTTP are buffered and processed strictly
 * in `seq` order (inbox.ts), acknowledged once processed, and after each
 * batch cached proposals are committed where this client is the designated
 * committer, lost leave proposals sent again and KeyPackages refilled.
 * Runs inside the Messenger's serial queue.
 */
import { fromHex } from "@mlskit/codec";
import { StorageError } from "@mlskit/core";
import type { ReceivedBatch, ReceivedItem } from "./answers.js";
import { commitPendingProposals, resolvePendingCommit, type SubmissionHost } from "./commit-submission.js";
import { type InboxHost, processItem } from "./inbox.js";
import type { KeyPackageSupply } from "./key-package-supply.js";
import { isDesignatedCommitter, isLeaving } from "./members.js";
import { reportError } from "./outcomes.js";
import { hex, proposeLeave } from "./room-operations.js";

/** What the queue processing works with. */
export interface QueueProcessingOptions {
  readonly host: SubmissionHost & InboxHost;
  readonly supply: KeyPackageSupply;
  /** Queue items fetched per HTTP request. */
  readonly pageSize: number;
  /** Acknowledges up to `upTo` over the stream; false when it is not open (then over HTTP). */
  readonly streamAck: (upTo: number) => boolean;
}

/** The client's queue as a Messenger processes it: the buffer, the cursor, and the work due after a batch. */
export class QueueProcessor {
  readonly #host: SubmissionHost & InboxHost;
  readonly #supply: KeyPackageSupply;
  readonly #pageSize: number;
  readonly #streamAck: (upTo: number) => boolean;
  /** Pushed items not yet processed, by seq. */
  readonly #buffer = new Map<number, ReceivedItem>();
  /** Rooms that cached proposals: maybe commit them. */
  readonly #proposalRooms = new Set<string>();
  /** Rooms this client asked to leave, until its removal is committed. */
  readonly leaving = new Set<string>();
  /** The last item processed. */
  #cursor = 0;
  #acked = 0;
  #refillWanted = false;
  #recovered = false;

  constructor(options: QueueProcessingOptions) {
    this.#host = options.host;
    this.#supply = options.supply;
    this.#pageSize = options.pageSize;
    this.#streamAck = options.streamAck;
  }

  /** The last item processed. */
  get cursor(): number {
    return this.#cursor;
  }

  /** A room cached proposals: maybe commit them after the batch. */
  proposalCached(groupIdHex: string): void {
    this.#proposalRooms.add(groupIdHex);
  }

  /** A Welcome consumed one of our KeyPackages: refill after the batch. */
  keyPackageConsumed(): void {
    this.#refillWanted = true;
  }

  /** Buffers the items of a batch not yet processed (a truncated queue is reported). */
  receive(batch: ReceivedBatch): void {
    if (batch.truncated) this.#truncated();
    for (const it of batch.items) if (it.seq > this.#cursor) this.#buffer.set(it.seq, it);
  }

  /** Drains the queue, does the work due after a batch, and refills KeyPackages if that did not. */
  async sync(): Promise<void> {
    await this.drain();
    await this.afterBatch();
    if (this.#refillWanted === false) await this.#supply.refill();
  }

  /** Settles Commits left pending by a crash or a network failure (once, before anything else). */
  async recover(): Promise<void> {
    if (this.#recovered) return;
    const client = this.#host.client;
    for (const id of await client.groupIds()) {
      const g = await client.getGroup(id);
      if (g?.active !== true || !g.hasPendingCommit) continue;
      try {
        await resolvePendingCommit(this.#host, hex(id));
      } catch (e) {
        reportError(this.#host, hex(id), e);
        throw e;
      }
    }
    this.#recovered = true;
  }

  /** Processes buffered items, then fetches the queue over HTTP until it is empty; acknowledges. */
  async drain(): Promise<void> {
    await this.processBuffered();
    for (;;) {
      const before = this.#cursor;
      const batch = await this.#host.conn.queue(this.#cursor, this.#pageSize);
      this.receive(batch);
      await this.processBuffered();
      await this.ack();
      if (batch.items.length === 0 || this.#cursor === before) break;
    }
  }

  /** Processes buffered items in seq order; each failure is an error event, except storage failures, which stop here (the item is not acknowledged). */
  async processBuffered(): Promise<void> {
    for (;;) {
      let next: ReceivedItem | undefined;
      for (const [seq, it] of this.#buffer) {
        if (seq <= this.#cursor) this.#buffer.delete(seq);
        else if (next === undefined || seq < next.seq) next = it;
      }
      if (next === undefined) return;
      this.#buffer.delete(next.seq);
      try {
        await processItem(this.#host, next);
        if (next.kind === "handshake") this.#afterRemovalCheck(next.groupIdHex);
      } catch (e) {
        if (StorageError.isInstance(e)) {
          this.#buffer.set(next.seq, next);
          throw e;
        }
        reportError(this.#host, next.groupIdHex, e);
      }
      this.#cursor = next.seq;
    }
  }

  #afterRemovalCheck(groupIdHex: string): void {
    // Once our removal is merged there is nothing left to leave.
    if (!this.leaving.has(groupIdHex)) return;
    void this.#host.client.getGroup(fromHex(groupIdHex)).then((g) => {
      if (g === undefined || !g.active) this.leaving.delete(groupIdHex);
    });
  }

  /** Acknowledges what was processed (over the stream when it is open). */
  async ack(): Promise<void> {
    if (this.#cursor <= this.#acked) return;
    const upTo = this.#cursor;
    if (this.#streamAck(upTo) !== true) await this.#host.conn.ack(upTo);
    this.#acked = upTo;
  }

  /** After items were processed: commit cached proposals where we are the designated committer, re-ask to leave where a Commit dropped our proposal, refill KeyPackages. */
  async afterBatch(): Promise<void> {
    const client = this.#host.client;
    for (let round = 0; round < 4 && this.#proposalRooms.size > 0; round++) {
      const rooms = [...this.#proposalRooms];
      this.#proposalRooms.clear();
      for (const groupIdHex of rooms) {
        try {
          const g = await client.getGroup(fromHex(groupIdHex));
          if (g === undefined || !g.active || g.pendingProposals === 0 || isLeaving(g) || !isDesignatedCommitter(g)) continue;
          await commitPendingProposals(this.#host, groupIdHex);
        } catch (e) {
          reportError(this.#host, groupIdHex, e);
        }
      }
    }
    for (const groupIdHex of [...this.leaving]) {
      try {
        const g = await client.getGroup(fromHex(groupIdHex));
        if (g === undefined || !g.active) this.leaving.delete(groupIdHex);
        else if (!isLeaving(g)) await proposeLeave(this.#host, groupIdHex);
      } catch (e) {
        reportError(this.#host, groupIdHex, e);
      }
    }
    if (this.#refillWanted) {
      this.#refillWanted = false;
      try {
        await this.#supply.refill();
      } catch (e) {
        this.#refillWanted = true;
        reportError(this.#host, undefined, e);
      }
    }
  }

  #truncated(): void {
    this.#host.events.emit("error", {
      code: "ds-client/queue-truncated",
      message: "the Delivery Service dropped items this client had not acknowledged: rooms may need to be rejoined",
    });
  }
}
