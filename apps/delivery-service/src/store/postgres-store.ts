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
 */
import { randomUUID } from "node:crypto";
import pg from "pg";
import { checkEpoch, sortedDistinct } from "./append-plan.js";
import type {
  AppendInput,
  AppendResult,
  DirectoryKeyPackage,
  DsStore,
  GroupRecord,
  RegisteredClient,
  RetentionPolicy,
  StoredQueueItem,
} from "./ds-store.js";
import { EnqueuedListeners } from "./listeners.js";
import { LruCache, TurnBatch } from "./pg-batch.js";
import { APPEND_STEPS, NO_NEXT_EPOCH } from "./pg-functions.js";
import { NotificationListener, checkChannel } from "./postgres-notify.js";
import { migratePostgres } from "./postgres-schema.js";
import { bytesOf, checkCount, countOf, epochOfDecimal, kindOf, optionalBytesOf, textOf } from "./rows.js";
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

const NAME = "postgres ds store";
const NONCE_PRUNE_EVERY = 256;
/** Clients whose keys `getClient` keeps in memory (a few hundred bytes each). */
const CLIENT_CACHE_SIZE = 10_000;
/** The advisory lock of pruneQueues: one prune at a time across nodes (any fixed number; "mlsds" + 2). */
const PRUNE_LOCK = "7884803922882199554"; // 0x6d6c736473000002
/** Byte-wise order of client ids, the same on every node whatever the database's collation. */
const BY_ID = `COLLATE "C"`;

type Row = Record<string, unknown>;

/** Node Buffers at the driver boundary: node-postgres sends a Buffer as bytea. */
function buf(bytes: Uint8Array): Buffer {
  return Buffer.from(bytes.buffer, bytes.byteOffset, bytes.byteLength);
}

function optionalBuf(bytes: Uint8Array | undefined): Buffer | null {
  return bytes === undefined ? null : buf(bytes);
}

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
  readonly #acks = new TurnBatch<{ clientId: string; upTo: number }, void>({ run: (items) => this.#ackQueues(items), serial: true });
  readonly #fetches = new TurnBatch<{ clientId: string; after: number; limit: number }, { items: StoredQueueItem[]; truncated: boolean }>({
    run: (items) => this.#fetchQueues(items),
  });

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
    const client: RegisteredClient = {
      clientId: textOf(row["client_id"], "a client id"),
      cipherSuite: countOf(row["cipher_suite"], "a client's cipher suite"),
      signaturePublicKey: bytesOf(row["signature_public_key"], "a client's key"),
      credential: bytesOf(row["credential"], "a client's credential"),
    };
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
    return this.#transaction("publishing KeyPackages", async (c) => {
      if (keyPackages.length > 0) {
        await c.query(
          `INSERT INTO ds_key_packages (client_id, cipher_suite, ref, bytes)
           SELECT $1, $2, k.ref, k.bytes FROM unnest($3::bytea[], $4::bytea[]) WITH ORDINALITY AS k(ref, bytes, i) ORDER BY k.i
           ON CONFLICT (ref) DO NOTHING`,
          [clientId, cipherSuite, keyPackages.map((k) => buf(k.ref)), keyPackages.map((k) => buf(k.bytes))],
        );
      }
      if (lastResort !== undefined) {
        await c.query(
          `INSERT INTO ds_last_resort_key_packages (client_id, cipher_suite, ref, bytes) VALUES ($1, $2, $3, $4)
           ON CONFLICT (client_id, cipher_suite) DO UPDATE SET ref = EXCLUDED.ref, bytes = EXCLUDED.bytes`,
          [clientId, cipherSuite, buf(lastResort.ref), buf(lastResort.bytes)],
        );
      }
    });
  }

  async claimKeyPackage(clientId: string, cipherSuite: number): Promise<{ bytes: Uint8Array; lastResort: boolean } | undefined> {
    // SKIP LOCKED: concurrent claimers each take a different row instead of queueing on the oldest one.
    const [claimed] = await this.#query(
      "claiming a KeyPackage",
      `DELETE FROM ds_key_packages WHERE id = (
         SELECT id FROM ds_key_packages WHERE client_id = $1 AND cipher_suite = $2 ORDER BY id FOR UPDATE SKIP LOCKED LIMIT 1
       ) RETURNING bytes`,
      [clientId, cipherSuite],
    );
    if (claimed !== undefined) return { bytes: bytesOf(claimed["bytes"], "a KeyPackage"), lastResort: false };
    const [kept] = await this.#query("claiming a KeyPackage", "SELECT bytes FROM ds_last_resort_key_packages WHERE client_id = $1 AND cipher_suite = $2", [clientId, cipherSuite]);
    return kept === undefined ? undefined : { bytes: bytesOf(kept["bytes"], "a last-resort KeyPackage"), lastResort: true };
  }

  async countKeyPackages(clientId: string, cipherSuite: number): Promise<{ available: number; lastResort: boolean }> {
    const [row] = await this.#query(
      "counting KeyPackages",
      `SELECT (SELECT count(*) FROM ds_key_packages WHERE client_id = $1 AND cipher_suite = $2) AS n,
              EXISTS (SELECT 1 FROM ds_last_resort_key_packages WHERE client_id = $1 AND cipher_suite = $2) AS last_resort`,
      [clientId, cipherSuite],
    );
    return { available: countOf(row?.["n"], "a KeyPackage count"), lastResort: row?.["last_resort"] === true };
  }

  async createGroup(group: GroupRecord): Promise<boolean> {
    const epoch = checkEpoch(group.epoch, "the group's epoch").toString();
    return this.#transaction("creating a group", async (c) => {
      const inserted = await c.query(
        "INSERT INTO ds_groups (group_id, epoch, view, group_info, ratchet_tree) VALUES ($1, $2, $3, $4, $5) ON CONFLICT (group_id) DO NOTHING RETURNING 1",
        [buf(group.groupId), epoch, optionalBuf(group.view), optionalBuf(group.groupInfo), optionalBuf(group.ratchetTree)],
      );
      if (inserted.rowCount !== 1) return false;
      await c.query("INSERT INTO ds_group_members (group_id, client_id) SELECT $1, unnest($2::text[]) ON CONFLICT DO NOTHING", [buf(group.groupId), [...group.members]]);
      return true;
    });
  }

  async getGroup(groupId: Uint8Array): Promise<GroupRecord | undefined> {
    // One statement, one snapshot: the group and its members as of the same commit.
    const [row] = await this.#query(
      "reading a group",
      `SELECT g.epoch::text AS epoch, g.view, g.group_info, g.ratchet_tree,
              ARRAY(SELECT m.client_id FROM ds_group_members m WHERE m.group_id = g.group_id ORDER BY m.client_id ${BY_ID}) AS members
       FROM ds_groups g WHERE g.group_id = $1`,
      [buf(groupId)],
    );
    if (row === undefined) return undefined;
    const members = row["members"];
    if (!Array.isArray(members)) throw new DsStoreError("store/corrupt", `${NAME}: a group's members are not a list`);
    return {
      groupId: groupId.slice(),
      epoch: epochOfDecimal(row["epoch"], "a group's epoch"),
      members: members.map((m) => textOf(m, "a member id")),
      view: optionalBytesOf(row["view"], "a group's view"),
      groupInfo: optionalBytesOf(row["group_info"], "a group's GroupInfo"),
      ratchetTree: optionalBytesOf(row["ratchet_tree"], "a group's ratchet tree"),
    };
  }

  async appendMessage(input: AppendInput): Promise<AppendResult> {
    this.#checkOpen();
    let failAt: string | null = null;
    for (const step of this.#faults === undefined ? [] : APPEND_STEPS) {
      try {
        this.#faults!(step);
      } catch {
        failAt = step;
        break;
      }
    }
    const commit = input.commit;
    let row: Row | undefined;
    try {
      [row] = (
        await this.#pool.query<Row>(
          `SELECT o_status, o_epoch, o_recipients FROM ds_append($1, $2::numeric, $3, $4, $5, $6, $7, $8::text[], $9::text[], $10, $11, $12, $13, $14, $15, $16)`,
          [
            buf(input.groupId),
            input.epoch.toString(),
            input.kind,
            input.sender,
            buf(input.message),
            input.now,
            commit !== undefined,
            [...(commit?.added ?? [])],
            [...(commit?.removed ?? [])],
            optionalBuf(commit?.view),
            optionalBuf(commit?.groupInfo),
            optionalBuf(commit?.ratchetTree),
            optionalBuf(commit?.welcome),
            this.#channel,
            this.#node,
            failAt,
          ],
        )
      ).rows;
    } catch (e) {
      if (typeof e === "object" && e !== null && (e as { code?: unknown }).code === NO_NEXT_EPOCH) {
        throw new DsStoreError("store/invalid-input", "a Commit in the last uint64 epoch has no next epoch");
      }
      throw storeErrorOf(e, NAME, "appending a message");
    }
    const status = row?.["o_status"];
    const epoch = epochOfDecimal(row?.["o_epoch"], "a group's epoch");
    if (status === "unknown-group" || status === "stale-epoch" || status === "future-epoch") {
      return { accepted: false, reason: status, currentEpoch: status === "unknown-group" ? 0n : epoch };
    }
    if (status !== "accepted") throw new DsStoreError("store/corrupt", `${NAME}: ds_append answered ${String(status)}`);
    const recipients = row?.["o_recipients"];
    if (!Array.isArray(recipients)) throw new DsStoreError("store/corrupt", `${NAME}: ds_append's recipients are not a list`);
    // Committed: this node's listeners hear now; the other nodes through the NOTIFY sent inside the transaction.
    const notify = sortedDistinct(recipients.map((r) => textOf(r, "a recipient id")));
    if (notify.length > 0) this.#listeners.emit(notify);
    return { accepted: true, epoch };
  }

  async handshakesSince(groupId: Uint8Array, fromEpoch: bigint, limit: number): Promise<{ epoch: bigint; sender: string; message: Uint8Array }[]> {
    const rows = await this.#query(
      "reading handshake history",
      "SELECT epoch::text AS epoch, sender, message FROM ds_handshakes WHERE group_id = $1 AND epoch >= $2 ORDER BY id LIMIT $3",
      [buf(groupId), checkEpoch(fromEpoch, "fromEpoch").toString(), checkCount(limit, "limit")],
    );
    return rows.map((r) => ({
      epoch: epochOfDecimal(r["epoch"], "a handshake's epoch"),
      sender: textOf(r["sender"], "a handshake's sender"),
      message: bytesOf(r["message"], "a handshake message"),
    }));
  }

  async fetchQueue(clientId: string, after: number, limit: number): Promise<{ items: StoredQueueItem[]; truncated: boolean }> {
    this.#checkOpen();
    return this.#fetches.submit({ clientId, after: checkCount(after, "after"), limit: checkCount(limit, "limit") });
  }

  /** One turn's fetches in one statement, one snapshot: each one's entries and pruned mark agree (a prune in between cannot make a false "truncated"). */
  async #fetchQueues(
    reads: readonly { clientId: string; after: number; limit: number }[],
  ): Promise<{ items: StoredQueueItem[]; truncated: boolean }[]> {
    const rows = await this.#query(
      "fetching queues",
      `SELECT v.i, p.through, q.seq, q.kind, q.group_id, q.epoch::text AS epoch, q.sender, q.message, q.ratchet_tree
       FROM unnest($1::text[], $2::bigint[], $3::bigint[]) WITH ORDINALITY AS v(client_id, after, lim, i)
       LEFT JOIN ds_queue_pruned p ON p.client_id = v.client_id
       LEFT JOIN LATERAL (
         SELECT seq, kind, group_id, epoch, sender, message, ratchet_tree FROM ds_queue
         WHERE client_id = v.client_id AND seq > v.after ORDER BY seq LIMIT v.lim
       ) q ON true
       ORDER BY v.i, q.seq`,
      [reads.map((r) => r.clientId), reads.map((r) => r.after), reads.map((r) => r.limit)],
    );
    const results = reads.map(() => ({ items: [] as StoredQueueItem[], prunedThrough: 0 }));
    for (const r of rows) {
      const result = results[countOf(r["i"], "a read's index") - 1];
      if (result === undefined) throw new DsStoreError("store/corrupt", `${NAME}: a queue read came back for no request`);
      const through = r["through"];
      if (through !== null && through !== undefined) result.prunedThrough = countOf(through, "a queue's pruned mark");
      if (r["seq"] === null) continue;
      result.items.push({
        seq: countOf(r["seq"], "a queue seq"),
        kind: kindOf(r["kind"], "a queue entry's kind"),
        groupId: bytesOf(r["group_id"], "a queue entry's group"),
        epoch: epochOfDecimal(r["epoch"], "a queue entry's epoch"),
        sender: textOf(r["sender"], "a queue entry's sender"),
        message: bytesOf(r["message"], "a queued message"),
        ratchetTree: optionalBytesOf(r["ratchet_tree"], "a queued ratchet tree"),
      });
    }
    return results.map((r, i) => ({ items: r.items, truncated: r.prunedThrough > reads[i]!.after }));
  }

  async ackQueue(clientId: string, upTo: number): Promise<void> {
    this.#checkOpen();
    return this.#acks.submit({ clientId, upTo: checkCount(upTo, "upTo") });
  }

  /** One batch of acks in one statement: each client's highest cursor. */
  async #ackQueues(acks: readonly { clientId: string; upTo: number }[]): Promise<void[]> {
    const highest = new Map<string, number>();
    for (const a of acks) highest.set(a.clientId, Math.max(a.upTo, highest.get(a.clientId) ?? 0));
    const ids = [...highest.keys()].sort();
    await this.#query("acknowledging queues", "SELECT ds_ack($1::text[], $2::bigint[])", [ids, ids.map((id) => highest.get(id))]);
    return acks.map(() => undefined);
  }

  async pruneQueues(policy: RetentionPolicy, now: number): Promise<number> {
    const cap = checkCount(policy.maxPerClient, "maxPerClient");
    const markPruned = `INSERT INTO ds_queue_pruned (client_id, through) SELECT client_id, max(seq) FROM dropped GROUP BY client_id
       ON CONFLICT (client_id) DO UPDATE SET through = GREATEST(ds_queue_pruned.through, EXCLUDED.through)`;
    return this.#transaction("pruning queues", async (c) => {
      // One prune at a time across nodes; appenders never wait for it (it locks no counter).
      await c.query(`SELECT pg_advisory_xact_lock(${PRUNE_LOCK})`);
      const aged = await c.query<Row>(
        `WITH dropped AS (DELETE FROM ds_queue WHERE enqueued_at < $1 RETURNING client_id, seq),
              marked AS (${markPruned})
         SELECT count(*) AS n FROM dropped`,
        [now - policy.maxAgeMs],
      );
      // The oldest go first: a client's entries through the highest one over the cap are exactly the ones over it.
      const capped = await c.query<Row>(
        `WITH over AS (
                SELECT client_id, max(seq) AS through FROM (
                  SELECT client_id, seq, row_number() OVER (PARTITION BY client_id ORDER BY seq DESC) AS rank FROM ds_queue
                ) r WHERE rank > $1 GROUP BY client_id),
              dropped AS (DELETE FROM ds_queue q USING over o WHERE q.client_id = o.client_id AND q.seq <= o.through RETURNING q.client_id, q.seq),
              marked AS (${markPruned})
         SELECT count(*) AS n FROM dropped`,
        [cap],
      );
      return countOf(aged.rows[0]?.["n"], "a pruned count") + countOf(capped.rows[0]?.["n"], "a pruned count");
    });
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

function copyClient(c: RegisteredClient): RegisteredClient {
  return { clientId: c.clientId, cipherSuite: c.cipherSuite, signaturePublicKey: c.signaturePublicKey.slice(), credential: c.credential.slice() };
}

function sameBytes(a: Uint8Array, b: Uint8Array): boolean {
  return a.length === b.length && a.every((v, i) => v === b[i]);
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
