/**
 * Cross-node notification over PostgreSQL LISTEN/NOTIFY. The appending
 * transaction sends `pg_notify(channel, payload)` before it commits;
 * PostgreSQL delivers it to every listening connection only once the
 * transaction commits, and drops it if it rolls back, so a node hears of
 * exactly the committed entries. Each store keeps one dedicated connection
 * that LISTENs and tells that store's onEnqueued listeners.
 *
 * A payload carries the sending node's id: a node tells its own listeners
 * directly after commit (without the round trip), and skips its own echo.
 */
import pg from "pg";
import { ANYONE, type EnqueuedListeners } from "./listeners.js";
import { DsStoreError } from "./store-error.js";

interface Payload {
  /** The sending node. */
  readonly n: string;
  /** Client ids with new entries. */
  readonly c: readonly string[];
}

/** A channel name as an SQL identifier we can quote without surprises. */
export function checkChannel(channel: string): string {
  if (!/^[a-z_][a-z0-9_]{0,62}$/.test(channel))
    throw new DsStoreError("store/invalid-input", `postgres ds store: the channel ${JSON.stringify(channel)} is not a lowercase identifier of at most 63 characters`);
  return channel;
}

function parsePayload(text: string): Payload | undefined {
  try {
    const p = JSON.parse(text) as unknown;
    if (typeof p !== "object" || p === null) return undefined;
    const { n, c } = p as { n?: unknown; c?: unknown };
    if (typeof n !== "string" || !Array.isArray(c) || !c.every((id) => typeof id === "string")) return undefined;
    return { n, c };
  } catch {
    return undefined;
  }
}

/**
 * The listening connection of one store. It reconnects after a lost
 * connection (with backoff); notifications sent while it was down are lost,
 * so a server should not rely on pushes alone (clients also poll their
 * queue with a cursor, which loses nothing).
 */
export class NotificationListener {
  readonly #config: pg.ClientConfig;
  readonly #channel: string;
  readonly #node: string;
  readonly #listeners: EnqueuedListeners;
  #client: pg.Client | undefined;
  #stopped = false;
  #retryMs = 100;
  #retryTimer: ReturnType<typeof setTimeout> | undefined;
  /** Set once the first LISTEN succeeded: a later one follows a gap in which notifications were lost. */
  #listenedBefore = false;

  constructor(config: pg.ClientConfig, channel: string, node: string, listeners: EnqueuedListeners) {
    this.#config = config;
    this.#channel = channel;
    this.#node = node;
    this.#listeners = listeners;
  }

  /** Connects and LISTENs; resolves once notifications committed from now on will be heard. */
  async start(): Promise<void> {
    const client = new pg.Client(this.#config);
    client.on("notification", (msg) => {
      if (msg.channel !== this.#channel || msg.payload === undefined) return;
      const payload = parsePayload(msg.payload);
      if (payload !== undefined && payload.n !== this.#node) this.#listeners.emit(payload.c);
    });
    // A lost connection emits "error" (and "end"): without a handler it would crash the process.
    client.on("error", () => this.#lost(client));
    client.on("end", () => this.#lost(client));
    this.#client = client;
    try {
      await client.connect();
      await client.query(`LISTEN "${this.#channel}"`);
    } catch (e) {
      this.#client = undefined;
      await client.end().catch(() => undefined);
      throw e;
    }
    this.#retryMs = 100;
    // What was committed while the connection was down was announced to nobody here: every stream re-reads.
    if (this.#listenedBefore) this.#listeners.emit(ANYONE);
    this.#listenedBefore = true;
  }

  #lost(client: pg.Client): void {
    if (this.#stopped || this.#client !== client) return;
    this.#client = undefined;
    client.end().catch(() => undefined);
    this.#scheduleRetry();
  }

  #scheduleRetry(): void {
    if (this.#stopped) return;
    const delay = this.#retryMs;
    this.#retryMs = Math.min(this.#retryMs * 2, 5_000);
    this.#retryTimer = setTimeout(() => {
      this.#retryTimer = undefined;
      this.start().catch(() => this.#scheduleRetry());
    }, delay);
    // A retry pending must not keep a process alive that has nothing else to do.
    this.#retryTimer.unref?.();
  }

  async stop(): Promise<void> {
    this.#stopped = true;
    if (this.#retryTimer !== undefined) clearTimeout(this.#retryTimer);
    const client = this.#client;
    this.#client = undefined;
    await client?.end().catch(() => undefined);
  }
}
