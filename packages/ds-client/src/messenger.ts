/**
 * {@link Messenger}: a facade `Client` connected to the Delivery Service —
 * rooms (MLS groups) to create, invite to, remove from, leave and send to,
 * and the client's queue processed strictly in `seq` order, each item
 * acknowledged only once the client's state after it is stored (the facade
 * writes before it releases a result). After a crash the DS hands back
 * what was not acknowledged and items already processed are skipped
 * without a second event (inbox.ts).
 *
 * One operation at a time: the application's calls, queue processing and
 * Commits after proposals all run in one serial queue, so no two derive
 * states from the same epoch.
 */
import { fromHex } from "@mlskit/codec";
import { StorageError, WireFormat } from "@mlskit/core";
import { type Client, type Group, SerialQueue } from "@mlskit/mls";
import { decodeMlsMessage } from "@mlskit/group";
import type { ReceivedItem } from "./answers.js";
import { type BackoffOptions, backoff } from "./backoff.js";
import { clientIdOfCredential } from "./client-id.js";
import { activeGroup, commitPendingProposals, commitWithRetry, resolvePendingCommit, sendWithRetry, type SubmissionHost } from "./commit-submission.js";
import { DsConnection, type FetchFunction } from "./connection.js";
import { DsClientError } from "./errors.js";
import { EventHub, type MessengerEventName, type MessengerEvents } from "./events.js";
import { type InboxHost, processItem } from "./inbox.js";
import { KeyPackageSupply } from "./key-package-supply.js";
import { isDesignatedCommitter, isLeaving, memberIdsOf } from "./members.js";
import { reportError } from "./outcomes.js";
import { QueueStream, type WebSocketConstructor } from "./stream.js";

/** Options of {@link Messenger.open}. */
export interface MessengerOptions {
  /** The Delivery Service's base URL. */
  readonly serverUrl: string;
  /** The facade client (a restored one continues where it left off). */
  readonly client: Client;
  /** The client id at the DS (default: its credential's identity, UTF-8). */
  readonly clientId?: string;
  /** Default: the runtime's `fetch`. */
  readonly fetch?: FetchFunction;
  /**
   * The WebSocket constructor for push delivery (default: the runtime's
   * `WebSocket`; in Node 20 pass `ws`'s). `null`: no stream, poll over HTTP.
   */
  readonly WebSocket?: WebSocketConstructor | null;
  /** Ordinary KeyPackages kept published (default 10). */
  readonly keyPackageTarget?: number;
  /** Keep a last-resort KeyPackage published (default true). */
  readonly lastResort?: boolean;
  /** Attempts of a Commit or message refused for a stale epoch (default 5). */
  readonly maxAttempts?: number;
  /** Retries of idempotent HTTP calls after network failures. */
  readonly retry?: BackoffOptions;
  /** Stream reconnection backoff (default 250 ms doubling to 30 s). */
  readonly reconnect?: BackoffOptions;
  /** While the stream is down (or absent), poll the queue this often (ms; default 5,000; 0: never, only `sync()`). */
  readonly pollIntervalMs?: number;
  /** Queue items fetched per HTTP request (default 100). */
  readonly pageSize?: number;
}

/** What {@link Messenger.invite} did. */
export interface InviteResult {
  /** Clients added by the Commit. */
  readonly added: readonly string[];
  /** Clients that were members already (nothing to do). */
  readonly alreadyMembers: readonly string[];
  /** Clients that could not be added (no KeyPackage, unknown client, a KeyPackage not theirs). */
  readonly failed: readonly { readonly clientId: string; readonly code: string; readonly message: string }[];
}

/** What {@link Messenger.remove} did. */
export interface RemoveResult {
  /** Clients removed by the Commit. */
  readonly removed: readonly string[];
  /** Clients that were not members (already gone). */
  readonly notMembers: readonly string[];
}

/** A facade client connected to the Delivery Service. Open one with {@link Messenger.open}. */
export class Messenger {
  readonly #client: Client;
  readonly #clientId: string;
  readonly #conn: DsConnection;
  readonly #events = new EventHub();
  readonly #lock = new SerialQueue();
  readonly #supply: KeyPackageSupply;
  readonly #maxAttempts: number;
  readonly #pageSize: number;
  readonly #pollIntervalMs: number;
  readonly #host: SubmissionHost & InboxHost;
  /** Pushed items not yet processed, by seq. */
  readonly #buffer = new Map<number, ReceivedItem>();
  /** Rooms that cached proposals: maybe commit them. */
  readonly #proposalRooms = new Set<string>();
  /** Rooms this client asked to leave, until its removal is committed. */
  readonly #leaving = new Set<string>();
  #stream: QueueStream | undefined;
  #pollTimer: ReturnType<typeof setInterval> | undefined;
  #startTimer: ReturnType<typeof setTimeout> | undefined;
  /** The last item processed. */
  #cursor = 0;
  #acked = 0;
  #refillWanted = false;
  #recovered = false;
  #pumpQueued = false;
  #closed = false;
  /** The last background failure was reported: do not repeat it until a success. */
  #backgroundFailing = false;

  private constructor(options: MessengerOptions, conn: DsConnection) {
    this.#client = options.client;
    this.#conn = conn;
    this.#clientId = conn.clientId;
    this.#supply = new KeyPackageSupply(options.client, conn, {
      ...(options.keyPackageTarget !== undefined ? { target: options.keyPackageTarget } : {}),
      ...(options.lastResort !== undefined ? { lastResort: options.lastResort } : {}),
    });
    this.#maxAttempts = Math.max(1, options.maxAttempts ?? 5);
    this.#pageSize = Math.max(1, options.pageSize ?? 100);
    this.#pollIntervalMs = Math.max(0, options.pollIntervalMs ?? 5_000);
    const self = this;
    this.#host = {
      client: options.client,
      events: this.#events,
      conn,
      maxAttempts: this.#maxAttempts,
      proposalCached: (groupIdHex) => void self.#proposalRooms.add(groupIdHex),
      keyPackageConsumed: () => void (self.#refillWanted = true),
      drain: () => self.#drain(),
    };
  }

  /**
   * Connects a client: registers it with the DS (idempotent), publishes the
   * KeyPackages it lacks there, and starts receiving (the stream, or
   * polling) once the caller has had a chance to add listeners.
   */
  static async open(options: MessengerOptions): Promise<Messenger> {
    const conn = await DsConnection.forClient(options.client, {
      serverUrl: options.serverUrl,
      ...(options.clientId !== undefined ? { clientId: options.clientId } : {}),
      ...(options.fetch !== undefined ? { fetch: options.fetch } : {}),
      ...(options.retry !== undefined ? { retry: options.retry } : {}),
    });
    await conn.registerClient(options.client);
    const m = new Messenger(options, conn);
    await m.#supply.refill();
    const WebSocket = options.WebSocket === null ? undefined : (options.WebSocket ?? (globalThis as { WebSocket?: WebSocketConstructor }).WebSocket);
    m.#startTimer = setTimeout(() => m.#start(WebSocket, options.reconnect), 0);
    return m;
  }

  /** The client id this client goes by at the DS. */
  get clientId(): string {
    return this.#clientId;
  }
  /** The signed HTTP connection (for routes the Messenger does not wrap). */
  get connection(): DsConnection {
    return this.#conn;
  }
  /** The facade client. */
  get client(): Client {
    return this.#client;
  }

  /** Adds an event listener; returns a function that removes it. */
  on<K extends MessengerEventName>(name: K, listener: (event: MessengerEvents[K]) => void): () => void {
    return this.#events.on(name, listener);
  }

  /** Creates a room with this client as its only member, registered at the DS with its GroupInfo (with the ratchet tree). Returns its id (hex). */
  createRoom(): Promise<string> {
    return this.#op(async () => {
      const group = await this.#client.createGroup();
      const groupIdHex = hex(group.groupId);
      try {
        await this.#conn.createGroup(groupIdHex, await group.groupInfo());
      } catch (e) {
        await this.#client.deleteGroup(group.groupId);
        throw e;
      }
      return groupIdHex;
    });
  }

  /**
   * Adds clients to a room in one Commit (each with a KeyPackage claimed
   * from the DS; their Welcome goes with the Commit). After a conflict the
   * Commit is made again: a client that meanwhile became a member is
   * reported in `alreadyMembers`.
   */
  invite(groupIdHex: string, clientIds: readonly string[]): Promise<InviteResult> {
    const wanted = [...new Set(clientIds)];
    const claimed = new Map<string, Uint8Array>();
    const failed = new Map<string, { readonly code: string; readonly message: string }>();
    return this.#op(() =>
      commitWithRetry(this.#host, groupIdHex, async (group) => {
        const members = new Set(await memberIdsOf(group.state, this.#client.identityProvider));
        const alreadyMembers = wanted.filter((id) => members.has(id));
        const added: string[] = [];
        const proposals: { add: Uint8Array }[] = [];
        for (const id of wanted) {
          if (members.has(id) || failed.has(id)) continue;
          let kp = claimed.get(id);
          if (kp === undefined) {
            try {
              kp = await this.#claim(id, group.cipherSuite);
            } catch (e) {
              failed.set(id, { code: codeOf(e), message: e instanceof Error ? e.message : String(e) });
              continue;
            }
            claimed.set(id, kp);
          }
          added.push(id);
          proposals.push({ add: kp });
        }
        const report: InviteResult = { added, alreadyMembers, failed: [...failed].map(([clientId, f]) => ({ clientId, ...f })) };
        return { proposals, commit: proposals.length > 0, report };
      }),
    );
  }

  /**
   * Removes clients from a room in one Commit. After a conflict the Commit
   * is made again: a client meanwhile gone is reported in `notMembers`.
   * @throws DsClientError `ds-client/unknown-room`; `ds-client/remove-self` for this client itself (use {@link leave}).
   */
  remove(groupIdHex: string, clientIds: readonly string[]): Promise<RemoveResult> {
    const wanted = [...new Set(clientIds)];
    if (wanted.includes(this.#clientId)) return Promise.reject(new DsClientError("ds-client/remove-self", "a member cannot commit its own removal: use leave()"));
    return this.#op(() =>
      commitWithRetry(this.#host, groupIdHex, async (group) => {
        const leaves = await this.#leavesById(group);
        const removed = wanted.filter((id) => leaves.has(id));
        const notMembers = wanted.filter((id) => !leaves.has(id));
        const proposals = removed.flatMap((id) => leaves.get(id)!.map((remove) => ({ remove })));
        return { proposals, commit: proposals.length > 0, report: { removed, notMembers } };
      }),
    );
  }

  /**
   * Asks to leave a room: a Remove proposal for ourselves (RFC 9420
   * §12.1.3), which another member commits; the `removed` event follows
   * then. Until then this client sends nothing there. Alone in the room,
   * the room is simply forgotten.
   */
  leave(groupIdHex: string): Promise<void> {
    return this.#op(async () => {
      const group = await activeGroup(this.#host, groupIdHex);
      if ([...group.state.tree.leaves()].length <= 1) {
        await this.#client.deleteGroup(group.groupId);
        this.#events.emit("removed", { groupId: groupIdHex, epoch: group.epoch });
        return;
      }
      this.#leaving.add(groupIdHex);
      if (isLeaving(group)) return;
      await this.#proposeLeave(groupIdHex);
    });
  }

  /** Sends application data (a string is UTF-8) to a room; made again and resent when refused for a stale epoch. */
  send(groupIdHex: string, data: string | Uint8Array): Promise<void> {
    return this.#op(async () => {
      await sendWithRetry(this.#host, groupIdHex, "application", (group) => group.encrypt(data));
    });
  }

  /** The members of a room (client ids from their credentials), sorted. */
  async members(groupIdHex: string): Promise<string[]> {
    const group = await activeGroup(this.#host, groupIdHex);
    return memberIdsOf(group.state, this.#client.identityProvider);
  }

  /** The rooms this client is in (group ids, hex). */
  async rooms(): Promise<string[]> {
    const out: string[] = [];
    for (const id of await this.#client.groupIds()) {
      const g = await this.#client.getGroup(id);
      if (g?.active === true) out.push(hex(id));
    }
    return out.sort();
  }

  /** Fetches and processes the queue until it is empty (then commits proposals and refills KeyPackages as due). */
  sync(): Promise<void> {
    return this.#op(async () => {
      await this.#drain();
      await this.#afterBatch();
      if (this.#refillWanted === false) await this.#supply.refill();
    });
  }

  /** Stops receiving; waits for the operation in progress. The client stays usable. */
  async close(): Promise<void> {
    if (this.#closed) return;
    this.#closed = true;
    if (this.#startTimer !== undefined) clearTimeout(this.#startTimer);
    this.#stream?.close();
    if (this.#pollTimer !== undefined) clearInterval(this.#pollTimer);
    await this.#lock.run(() => undefined);
  }

  // --- internals ---

  #op<T>(fn: () => Promise<T>): Promise<T> {
    if (this.#closed) return Promise.reject(new DsClientError("ds-client/closed", "the Messenger is closed"));
    return this.#lock.run(async () => {
      if (this.#closed) throw new DsClientError("ds-client/closed", "the Messenger is closed");
      await this.#recover();
      return fn();
    });
  }

  #start(WebSocket: WebSocketConstructor | undefined, reconnect: BackoffOptions | undefined): void {
    this.#startTimer = undefined;
    if (this.#closed) return;
    if (WebSocket !== undefined) {
      this.#stream = new QueueStream(
        WebSocket,
        {
          url: () => this.#conn.streamUrl(),
          cursor: () => this.#cursor,
          items: (batch) => {
            if (batch.truncated) this.#truncated();
            for (const it of batch.items) if (it.seq > this.#cursor) this.#buffer.set(it.seq, it);
            this.#schedule(false);
          },
          connection: (connected) => {
            if (connected) {
              this.#stopPolling();
              this.#backgroundFailing = false;
            } else this.#startPolling();
          },
          error: (code, message, cause) => this.#events.emit("error", { code, message, ...(cause !== undefined ? { cause } : {}) }),
        },
        backoff({ attempts: Number.MAX_SAFE_INTEGER, baseDelayMs: 250, maxDelayMs: 30_000, ...reconnect }),
      );
      this.#stream.start();
    } else {
      this.#startPolling();
    }
    this.#schedule(true);
  }

  #startPolling(): void {
    if (this.#pollTimer !== undefined || this.#pollIntervalMs === 0 || this.#closed) return;
    this.#pollTimer = setInterval(() => this.#schedule(true), this.#pollIntervalMs);
  }

  #stopPolling(): void {
    if (this.#pollTimer !== undefined) clearInterval(this.#pollTimer);
    this.#pollTimer = undefined;
  }

  /** Queues processing in the background: pushed items, or (`fetch`) the queue over HTTP too. */
  #schedule(fetch: boolean): void {
    if (this.#closed || (this.#pumpQueued && !fetch)) return;
    this.#pumpQueued = true;
    void this.#lock
      .run(async () => {
        this.#pumpQueued = false;
        if (this.#closed) return;
        await this.#recover();
        if (fetch) await this.#drain();
        else {
          await this.#processBuffered();
          await this.#ack();
        }
        await this.#afterBatch();
        this.#backgroundFailing = false;
      })
      .catch((e: unknown) => {
        if (this.#backgroundFailing) return;
        this.#backgroundFailing = true;
        reportError(this.#host, undefined, e);
      });
  }

  /** Settles Commits left pending by a crash or a network failure (once, before anything else). */
  async #recover(): Promise<void> {
    if (this.#recovered) return;
    for (const id of await this.#client.groupIds()) {
      const g = await this.#client.getGroup(id);
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
  async #drain(): Promise<void> {
    await this.#processBuffered();
    for (;;) {
      const before = this.#cursor;
      const batch = await this.#conn.queue(this.#cursor, this.#pageSize);
      if (batch.truncated) this.#truncated();
      for (const it of batch.items) if (it.seq > this.#cursor) this.#buffer.set(it.seq, it);
      await this.#processBuffered();
      await this.#ack();
      if (batch.items.length === 0 || this.#cursor === before) break;
    }
  }

  /** Processes buffered items in seq order; each failure is an error event, except storage failures, which stop here (the item is not acknowledged). */
  async #processBuffered(): Promise<void> {
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
    if (!this.#leaving.has(groupIdHex)) return;
    void this.#client.getGroup(fromHex(groupIdHex)).then((g) => {
      if (g === undefined || !g.active) this.#leaving.delete(groupIdHex);
    });
  }

  /** Acknowledges what was processed (over the stream when it is open). */
  async #ack(): Promise<void> {
    if (this.#cursor <= this.#acked) return;
    const upTo = this.#cursor;
    if (this.#stream?.ack(upTo) !== true) await this.#conn.ack(upTo);
    this.#acked = upTo;
  }

  /** After items were processed: commit cached proposals where we are the designated committer, re-ask to leave where a Commit dropped our proposal, refill KeyPackages. */
  async #afterBatch(): Promise<void> {
    for (let round = 0; round < 4 && this.#proposalRooms.size > 0; round++) {
      const rooms = [...this.#proposalRooms];
      this.#proposalRooms.clear();
      for (const groupIdHex of rooms) {
        try {
          const g = await this.#client.getGroup(fromHex(groupIdHex));
          if (g === undefined || !g.active || g.pendingProposals === 0 || isLeaving(g) || !isDesignatedCommitter(g)) continue;
          await commitPendingProposals(this.#host, groupIdHex);
        } catch (e) {
          reportError(this.#host, groupIdHex, e);
        }
      }
    }
    for (const groupIdHex of [...this.#leaving]) {
      try {
        const g = await this.#client.getGroup(fromHex(groupIdHex));
        if (g === undefined || !g.active) this.#leaving.delete(groupIdHex);
        else if (!isLeaving(g)) await this.#proposeLeave(groupIdHex);
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

  async #proposeLeave(groupIdHex: string): Promise<void> {
    await sendWithRetry(this.#host, groupIdHex, "proposal", async (group) => (await group.proposeRemove(group.ownLeafIndex)).message);
  }

  #truncated(): void {
    this.#events.emit("error", {
      code: "ds-client/queue-truncated",
      message: "the Delivery Service dropped items this client had not acknowledged: rooms may need to be rejoined",
    });
  }

  /** A KeyPackage of `clientId` from the DS, checked to be an MLSMessage KeyPackage whose credential names that client. */
  async #claim(clientId: string, cipherSuite: number): Promise<Uint8Array> {
    const { keyPackage } = await this.#conn.claimKeyPackage(clientId, cipherSuite);
    let credential;
    try {
      const m = decodeMlsMessage(keyPackage);
      if (m.wireFormat !== WireFormat.mls_key_package) throw new Error("not a KeyPackage");
      credential = m.keyPackage.leafNode.credential;
    } catch (e) {
      throw new DsClientError("ds-client/bad-answer", `the KeyPackage claimed for ${clientId} is not an MLSMessage KeyPackage`, { cause: e });
    }
    const owner = await clientIdOfCredential(this.#client.identityProvider, credential);
    if (owner !== clientId) throw new DsClientError("ds-client/foreign-key-package", `the KeyPackage claimed for ${clientId} belongs to ${owner ?? "an unknown client"}`);
    return keyPackage;
  }

  /** The leaves of each member, by client id. */
  async #leavesById(group: Group): Promise<Map<string, number[]>> {
    const out = new Map<string, number[]>();
    for (const leaf of group.state.tree.leaves()) {
      const node = group.state.tree.leafNode(leaf);
      if (node === undefined) continue;
      const id = await clientIdOfCredential(this.#client.identityProvider, node.credential);
      if (id === undefined) continue;
      out.set(id, [...(out.get(id) ?? []), leaf]);
    }
    return out;
  }
}

function hex(bytes: Uint8Array): string {
  let s = "";
  for (const b of bytes) s += b.toString(16).padStart(2, "0");
  return s;
}

function codeOf(e: unknown): string {
  return typeof e === "object" && e !== null && typeof (e as { code?: unknown }).code === "string" ? (e as { code: string }).code : "ds-client/item-failed";
}
