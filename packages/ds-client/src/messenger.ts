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
import { type Client, SerialQueue } from "@mlskit/mls";
import type { BackoffOptions } from "./backoff.js";
import type { SubmissionHost } from "./commit-submission.js";
import { DsConnection, type FetchFunction } from "./connection.js";
import { DsClientError } from "./errors.js";
import { EventHub, type MessengerEventName, type MessengerEvents } from "./events.js";
import type { InboxHost } from "./inbox.js";
import { KeyPackageSupply } from "./key-package-supply.js";
import { QueueProcessor } from "./queue-processing.js";
import { type InviteResult, type RemoveResult, createRoom, inviteToRoom, leaveRoom, listRooms, removeFromRoom, roomMembers, sendToRoom } from "./room-operations.js";
import { QueueReceiver } from "./stream-lifecycle.js";
import type { WebSocketConstructor } from "./stream.js";

export type { InviteResult, RemoveResult } from "./room-operations.js";

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

/**
 * A facade client connected to the Delivery Service. Open one with {@link Messenger.open}.
 * Its room operations are in room-operations.ts, its queue processing in
 * queue-processing.ts, its stream and polling in stream-lifecycle.ts.
 */
export class Messenger {
  readonly #client: Client;
  readonly #clientId: string;
  readonly #conn: DsConnection;
  readonly #events = new EventHub();
  readonly #lock = new SerialQueue();
  readonly #supply: KeyPackageSupply;
  readonly #maxAttempts: number;
  readonly #host: SubmissionHost & InboxHost;
  readonly #queue: QueueProcessor;
  readonly #receiver: QueueReceiver;
  #closed = false;

  private constructor(options: MessengerOptions, conn: DsConnection) {
    this.#client = options.client;
    this.#conn = conn;
    this.#clientId = conn.clientId;
    this.#supply = new KeyPackageSupply(options.client, conn, {
      ...(options.keyPackageTarget !== undefined ? { target: options.keyPackageTarget } : {}),
      ...(options.lastResort !== undefined ? { lastResort: options.lastResort } : {}),
    });
    this.#maxAttempts = Math.max(1, options.maxAttempts ?? 5);
    this.#host = {
      client: options.client,
      events: this.#events,
      conn,
      maxAttempts: this.#maxAttempts,
      proposalCached: (groupIdHex) => void this.#queue.proposalCached(groupIdHex),
      keyPackageConsumed: () => void this.#queue.keyPackageConsumed(),
      drain: () => this.#queue.drain(),
    };
    this.#queue = new QueueProcessor({
      host: this.#host,
      supply: this.#supply,
      pageSize: Math.max(1, options.pageSize ?? 100),
      streamAck: (upTo) => this.#receiver.ack(upTo),
    });
    this.#receiver = new QueueReceiver({
      conn,
      events: this.#events,
      lock: this.#lock,
      queue: this.#queue,
      pollIntervalMs: Math.max(0, options.pollIntervalMs ?? 5_000),
      closed: () => this.#closed,
    });
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
    m.#receiver.startLater(WebSocket, options.reconnect);
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
    return this.#op(() => createRoom(this.#host));
  }

  /**
   * Adds clients to a room in one Commit (each with a KeyPackage claimed
   * from the DS; their Welcome goes with the Commit). After a conflict the
   * Commit is made again: a client that meanwhile became a member is
   * reported in `alreadyMembers`.
   */
  invite(groupIdHex: string, clientIds: readonly string[]): Promise<InviteResult> {
    const wanted = [...new Set(clientIds)];
    return this.#op(() => inviteToRoom(this.#host, groupIdHex, wanted));
  }

  /**
   * Removes clients from a room in one Commit. After a conflict the Commit
   * is made again: a client meanwhile gone is reported in `notMembers`.
   * @throws DsClientError `ds-client/unknown-room`; `ds-client/remove-self` for this client itself (use {@link leave}).
   */
  remove(groupIdHex: string, clientIds: readonly string[]): Promise<RemoveResult> {
    const wanted = [...new Set(clientIds)];
    if (wanted.includes(this.#clientId)) return Promise.reject(new DsClientError("ds-client/remove-self", "a member cannot commit its own removal: use leave()"));
    return this.#op(() => removeFromRoom(this.#host, groupIdHex, wanted));
  }

  /**
   * Asks to leave a room: a Remove proposal for ourselves (RFC 9420
   * §12.1.3), which another member commits; the `removed` event follows
   * then. Until then this client sends nothing there. Alone in the room,
   * the room is simply forgotten.
   */
  leave(groupIdHex: string): Promise<void> {
    return this.#op(() => leaveRoom(this.#host, this.#queue.leaving, groupIdHex));
  }

  /** Sends application data (a string is UTF-8) to a room; made again and resent when refused for a stale epoch. */
  send(groupIdHex: string, data: string | Uint8Array): Promise<void> {
    return this.#op(() => sendToRoom(this.#host, groupIdHex, data));
  }

  /** The members of a room (client ids from their credentials), sorted. */
  members(groupIdHex: string): Promise<string[]> {
    return roomMembers(this.#host, groupIdHex);
  }

  /** The rooms this client is in (group ids, hex). */
  rooms(): Promise<string[]> {
    return listRooms(this.#client);
  }

  /** Fetches and processes the queue until it is empty (then commits proposals and refills KeyPackages as due). */
  sync(): Promise<void> {
    return this.#op(() => this.#queue.sync());
  }

  /** Stops receiving; waits for the operation in progress. The client stays usable. */
  async close(): Promise<void> {
    if (this.#closed) return;
    this.#closed = true;
    this.#receiver.stop();
    await this.#lock.run(() => undefined);
  }

  #op<T>(fn: () => Promise<T>): Promise<T> {
    if (this.#closed) return Promise.reject(new DsClientError("ds-client/closed", "the Messenger is closed"));
    return this.#lock.run(async () => {
      if (this.#closed) throw new DsClientError("ds-client/closed", "the Messenger is closed");
      await this.#queue.recover();
      return fn();
    });
  }
}
