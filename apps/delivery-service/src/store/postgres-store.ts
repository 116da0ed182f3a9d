/**
 * The Delivery Service's store on PostgreSQL (node-postgres): several DS
 * nodes behind one address share one database.
 *
 * Ordering is a transaction (READ COMMITTED): `appendMessage` locks the
 * group's row (`SELECT … FOR UPDATE`), checks the epoch, takes each
 * recipient's next queue seq from its counter row — locked in one fixed
 * (byte-wise sorted) order by every node, so two appends never deadlock —
 * writes the entries and the Commit's effects, and announces the recipients
 * with `pg_notify`, delivered to the other nodes at commit. All of it is the
 * function `ds_append` (pg-functions.ts): one round trip, one statement.
 *
 * The hot path's other calls: `rememberNonce`, `ackQueue` and `fetchQueue`
 * made in one turn of the event loop share one statement (pg-batch.ts);
 * nonces and acks commit without waiting for the WAL flush (the trade-off
 * is in pg-functions.ts); `getClient` answers from a bounded cache once a
 * client was found (a registered client's key never changes: a conflicting
 * registration never replaces it, and clients are never deleted).
 *
 * Why per-client counters and not a BIGSERIAL: a sequence hands out numbers
 * at insert, but transactions commit in another order, so a reader could
 * see seq 11 and only later seq 10. Under the counter row's lock the next
 * writer for that client waits for the commit of the previous one.
 *
 * This file holds the store's connection, lifecycle, clients and nonces;
 * the append's call is in postgres-append.ts, the other queries in
 * postgres-key-packages.ts, postgres-groups.ts and postgres-queue.ts, the
 * row mappers in postgres-rows.ts.
 */
import { randomUUID } from "node:crypto";
import pg from "pg";
import type { AppendInput, AppendResult, DirectoryKeyPackage, DsStore, GroupRecord, RegisteredClient, RetentionPolicy, StoredQueueItem } from "./ds-store.js";
import { EnqueuedListeners } from "./listeners.js";
import { LruCache, TurnBatch } from "./pg-batch.js";
import { createGroup, getGroup, handshakesSince } from "./postgres-groups.js";
import { claimKeyPackage, countKeyPackages, publishKeyPackages } from "./postgres-key-packages.js";
import { dsAppend, failingStep } from "./postgres-append.js";
import { NotificationListener, checkChannel } from "./postgres-notify.js";
import { ackQueues, fetchQueues, pruneQueues } from "./postgres-queue.js";
import { NAME, type PgQueries, type Row, buf, clientOfRow, copyClient, sameBytes } from "./postgres-rows.js";
import { migratePostgres } from "./postgres-schema.js";
import { checkCount, textOf } from "./rows.js";
import { DsStoreError, storeErrorOf } from "./store-error.js";

export type PostgresDsStoreOptions = ({ readonly connectionString: string } | { readonly pool: pg.PoolConfig }) & {
  /** The LISTEN/NOTIFY channel every node of one deployment shares. Default `mlskit_ds_enqueued`. */
  readonly channel?: string;
  /**
   * Asked, before each `appendMessage`, about each of its steps
   * (`"handshake"`, `"queue"`, `"members"`, `"group"`, `"welcome"`) in
   * order: the first that throws is where the append's transaction raises
   * (after the steps before it wrote their rows), rolling it back and failing
   * the call with `store/failed`. For tests.
   */
  readonly faults?: (step: string) => void;
};

const NONCE_PRUNE_EVERY = 256;
/** Clients whose keys `getClient` keeps in memory (a few hundred bytes each). */
const CLIENT_CACHE_SIZE = 10_000;

export class PostgresDsStore implements DsStore {
  readonly #pool: pg.Pool;
  readonly #channel: string;
  readonly #node = randomUUID();
  readonly #listeners = new EnqueuedListeners();
  readonly #listener: NotificationListener;
  readonly #faults: ((step: string) => void) | undefined;
  #closed = false;
  #noncesSincePrune = 0;
  readonly #clients = new LruCache<string, RegisteredClient>(CLIENT_CACHE_SIZE);
  readonly #nonces = new TurnBatch<{ clientId: string; nonce: string; expiresAt: number }, boolean>({ run: (items) => this.#rememberNonces(items) });
  // Serial: two ack batches in flight could lock one client's rows in different orders.
  readonly #acks = new TurnBatch<{ clientId: string; upTo: number }, void>({ run: (items) => ackQueues(this.#db, items), serial: true });
  readonly #fetches = new TurnBatch<{ clientId: string; after: number; limit: number }, { items: StoredQueueItem[]; truncated: boolean }>({
    run: (items) => fetchQueues(this.#db, items),
  });
  /** The query modules' way in: this store's open check and error mapping. */
  readonly #db: PgQueries = {
    query: (doing, text, values) => this.#query(doing, text, values),
    transaction: <T>(doing: string, fn: (c: pg.PoolClient) => Promise<T>) => this.#transaction(doing, fn),
  };

  /** Use {@link postgresDsStore}, which also creates the schema and starts listening. @internal */
  constructor(config: pg.PoolConfig, channel: string, faults?: (step: string) => void) {
    this.#pool = new pg.Pool(config);
    // An idle connection that dies emits "error" on the pool; the next query on a fresh one reports any real outage.
    this.#pool.on("error", () => undefined);
    this.#channel = channel;
    this.#faults = faults;
    this.#listener = new NotificationListener(config, channel, this.#node, this.#listeners);
  }

  /** @internal */
  async start(): Promise<void> {
    const client = await this.#pool.connect();
    try {
      await migratePostgres(client);
    } finally {
      client.release();
    }
    await this.#listener.start();
  }

  #checkOpen(): void {
    if (this.#closed) throw new DsStoreError("store/closed", `${NAME}: closed`);
  }

  /** One statement on any pooled connection. */
  async #query(doing: string, text: string, values: unknown[]): Promise<Row[]> {
    this.#checkOpen();
    try {
      return (await this.#pool.query<Row>(text, values)).rows;
    } catch (e) {
      throw storeErrorOf(e, NAME, doing);
    }
  }

  /** `fn` in one transaction on one connection: committed when it returns, rolled back when it throws. */
  async #transaction<T>(doing: string, fn: (c: pg.PoolClient) => Promise<T>): Promise<T> {
    this.#checkOpen();
    let client: pg.PoolClient;
    try {
      client = await this.#pool.connect();
    } catch (e) {
      throw storeErrorOf(e, NAME, doing);
    }
    let broken: Error | undefined;
    try {
      await client.query("BEGIN");
      const result = await fn(client);
      await client.query("COMMIT");
      return result;
    } catch (e) {
      // A connection whose ROLLBACK fails is in an unknown state: destroyed instead of returned to the pool.
      await client.query("ROLLBACK").catch((r: unknown) => {
        broken = r instanceof Error ? r : new Error(String(r));
      });
      throw storeErrorOf(e, NAME, doing);
    } finally {
      client.release(broken);
    }
  }

  async registerClient(client: RegisteredClient): Promise<"created" | "exists" | "conflict"> {
    const inserted = await this.#query(
      "registering a client",
      "INSERT INTO ds_clients (client_id, cipher_suite, signature_public_key, credential) VALUES ($1, $2, $3, $4) ON CONFLICT (client_id) DO NOTHING RETURNING 1",
      [client.clientId, client.cipherSuite, buf(client.signaturePublicKey), buf(client.credential)],
    );
    if (inserted.length === 1) return "created";
    // Client rows are never deleted: the conflicting row is still there to compare with.
    const stored = await this.getClient(client.clientId);
    return stored !== undefined && sameBytes(stored.signaturePublicKey, client.signaturePublicKey) ? "exists" : "conflict";
  }

  async getClient(clientId: string): Promise<RegisteredClient | undefined> {
    this.#checkOpen();
    const cached = this.#clients.get(clientId);
    if (cached !== undefined) return copyClient(cached);
    const [row] = await this.#query("reading a client", "SELECT client_id, cipher_suite, signature_public_key, credential FROM ds_clients WHERE client_id = $1", [clientId]);
    // Not found is not cached: the client may register (on any node) a moment later.
    if (row === undefined) return undefined;
    const client = clientOfRow(row);
    this.#clients.set(clientId, client);
    // Callers get their own copies of the bytes: the cached ones stay as stored.
    return copyClient(client);
  }

  async rememberNonce(clientId: string, nonce: string, expiresAt: number): Promise<boolean> {
    this.#checkOpen();
    return this.#nonces.submit({ clientId, nonce, expiresAt });
  }

  /** One turn's nonces in one statement; a nonce twice in one batch is new at most once (the first). */
  async #rememberNonces(items: readonly { clientId: string; nonce: string; expiresAt: number }[]): Promise<boolean[]> {
    const now = Date.now();
    this.#noncesSincePrune += items.length;
    const prune = this.#noncesSincePrune >= NONCE_PRUNE_EVERY;
    if (prune) this.#noncesSincePrune = 0;
    const key = (clientId: string, nonce: string): string => JSON.stringify([clientId, nonce]);
    const firsts = new Map<string, number>();
    items.forEach((it, i) => {
      if (!firsts.has(key(it.clientId, it.nonce))) firsts.set(key(it.clientId, it.nonce), i);
    });
    const sent = [...firsts.values()].map((i) => items[i]!);
    const rows = await this.#query("remembering nonces", "SELECT client_id, nonce FROM ds_remember_nonces($1::text[], $2::text[], $3::bigint[], $4, $5)", [
      sent.map((it) => it.clientId),
      sent.map((it) => it.nonce),
      sent.map((it) => it.expiresAt),
      now,
      prune,
    ]);
    const taken = new Set(rows.map((r) => key(textOf(r["client_id"], "a nonce's client"), textOf(r["nonce"], "a nonce"))));
    return items.map((it, i) => firsts.get(key(it.clientId, it.nonce)) === i && taken.has(key(it.clientId, it.nonce)));
  }

  async publishKeyPackages(clientId: string, cipherSuite: number, keyPackages: readonly DirectoryKeyPackage[], lastResort?: DirectoryKeyPackage): Promise<void> {
    return publishKeyPackages(this.#db, clientId, cipherSuite, keyPackages, lastResort);
  }

  async claimKeyPackage(clientId: string, cipherSuite: number): Promise<{ bytes: Uint8Array; lastResort: boolean } | undefined> {
    return claimKeyPackage(this.#db, clientId, cipherSuite);
  }

  async countKeyPackages(clientId: string, cipherSuite: number): Promise<{ available: number; lastResort: boolean }> {
    return countKeyPackages(this.#db, clientId, cipherSuite);
  }

  async createGroup(group: GroupRecord): Promise<boolean> {
    return createGroup(this.#db, group);
  }

  async getGroup(groupId: Uint8Array): Promise<GroupRecord | undefined> {
    return getGroup(this.#db, groupId);
  }

  async appendMessage(input: AppendInput): Promise<AppendResult> {
    this.#checkOpen();
    const { result, notify } = await dsAppend(this.#pool, input, this.#channel, this.#node, failingStep(this.#faults));
    // Committed: this node's listeners hear now; the other nodes through the NOTIFY sent inside the transaction.
    if (notify.length > 0) this.#listeners.emit(notify);
    return result;
  }

  async handshakesSince(groupId: Uint8Array, fromEpoch: bigint, limit: number): Promise<{ epoch: bigint; sender: string; message: Uint8Array }[]> {
    return handshakesSince(this.#db, groupId, fromEpoch, limit);
  }

  async fetchQueue(clientId: string, after: number, limit: number): Promise<{ items: StoredQueueItem[]; truncated: boolean }> {
    this.#checkOpen();
    return this.#fetches.submit({ clientId, after: checkCount(after, "after"), limit: checkCount(limit, "limit") });
  }

  async ackQueue(clientId: string, upTo: number): Promise<void> {
    this.#checkOpen();
    return this.#acks.submit({ clientId, upTo: checkCount(upTo, "upTo") });
  }

  async pruneQueues(policy: RetentionPolicy, now: number): Promise<number> {
    return pruneQueues(this.#db, policy, now);
  }

  onEnqueued(listener: (clientIds: readonly string[] | "anyone") => void): () => void {
    return this.#listeners.add(listener);
  }

  async close(): Promise<void> {
    if (this.#closed) return;
    this.#closed = true;
    this.#listeners.clear();
    this.#clients.clear();
    await this.#listener.stop();
    await this.#pool.end();
  }
}

/**
 * Opens the store: a connection pool, the schema (created or migrated, under
 * an advisory lock so nodes starting together do not race), and the
 * listening connection of cross-node notification.
 * @throws DsStoreError `store/failed` when the database cannot be reached, `store/unsupported-version` for a newer schema.
 */
export async function postgresDsStore(options: PostgresDsStoreOptions): Promise<PostgresDsStore> {
  const config: pg.PoolConfig = "pool" in options ? options.pool : { connectionString: options.connectionString };
  const store = new PostgresDsStore(config, checkChannel(options.channel ?? "mlskit_ds_enqueued"), options.faults);
  try {
    await store.start();
    return store;
  } catch (e) {
    await store.close().catch(() => undefined);
    throw storeErrorOf(e, NAME, "opening the database");
  }
}
