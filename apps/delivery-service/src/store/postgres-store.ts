/**
 * The Delivery Service's store on PostgreSQL (node-postgres): several DS
 * nodes behind one address share one database.
 *
 * Ordering is a transaction (READ COMMITTED): `appendMessage` locks the
 * group's row (`SELECT … FOR UPDATE`), checks the epoch, takes each
 * recipient's next queue seq from its counter row — locked in one fixed
 * (byte-wise sorted) order by every node, so two appends never deadlock —
 * writes the entries and the Commit's effects, and announces the recipients
 * with `pg_notify`, delivered to the other nodes at commit.
 *
 * Why per-client counters and not a BIGSERIAL: a sequence hands out numbers
 * at insert, but transactions commit in another order, so a reader could
 * see seq 11 and only later seq 10. Under the counter row's lock the next
 * writer for that client waits for the commit of the previous one.
 */
import { randomUUID } from "node:crypto";
import pg from "pg";
import { type PlannedEntry, checkEpoch, epochRefusal, planAppend } from "./append-plan.js";
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
import { NotificationListener, checkChannel, notificationPayloads } from "./postgres-notify.js";
import { migratePostgres } from "./postgres-schema.js";
import { bytesOf, checkCount, countOf, epochOfDecimal, kindOf, optionalBytesOf, textOf } from "./rows.js";
import { DsStoreError, storeErrorOf } from "./store-error.js";

export type PostgresDsStoreOptions = ({ readonly connectionString: string } | { readonly pool: pg.PoolConfig }) & {
  /** The LISTEN/NOTIFY channel every node of one deployment shares. Default `mlskit_ds_enqueued`. */
  readonly channel?: string;
  /**
   * Called between the steps of `appendMessage` (`"handshake"`, `"queue"`,
   * `"members"`, `"group"`, `"welcome"`) inside its transaction: a throw
   * rolls it back and fails the call with `store/failed`. For tests.
   */
  readonly faults?: (step: string) => void;
};

const NAME = "postgres ds store";
const NONCE_PRUNE_EVERY = 256;
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
    const [row] = await this.#query("reading a client", "SELECT client_id, cipher_suite, signature_public_key, credential FROM ds_clients WHERE client_id = $1", [clientId]);
    if (row === undefined) return undefined;
    return {
      clientId: textOf(row["client_id"], "a client id"),
      cipherSuite: countOf(row["cipher_suite"], "a client's cipher suite"),
      signaturePublicKey: bytesOf(row["signature_public_key"], "a client's key"),
      credential: bytesOf(row["credential"], "a client's credential"),
    };
  }

  async rememberNonce(clientId: string, nonce: string, expiresAt: number): Promise<boolean> {
    const now = Date.now();
    if (++this.#noncesSincePrune >= NONCE_PRUNE_EVERY) {
      this.#noncesSincePrune = 0;
      await this.#query("pruning nonces", "DELETE FROM ds_nonces WHERE expires_at <= $1", [now]);
    }
    // An expired nonce may be taken again: the request's own timestamp window refuses a replay that old.
    const rows = await this.#query(
      "remembering a nonce",
      "INSERT INTO ds_nonces (client_id, nonce, expires_at) VALUES ($1, $2, $3) ON CONFLICT (client_id, nonce) DO UPDATE SET expires_at = EXCLUDED.expires_at WHERE ds_nonces.expires_at <= $4 RETURNING 1",
      [clientId, nonce, expiresAt, now],
    );
    return rows.length === 1;
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
    const { result, notify } = await this.#transaction("appending a message", (c) => this.#appendRows(c, input));
    // Committed: this node's listeners hear now; the other nodes through the NOTIFY sent inside the transaction.
    this.#listeners.emit(notify);
    return result;
  }

  async #appendRows(c: pg.PoolClient, input: AppendInput): Promise<{ result: AppendResult; notify: readonly string[] }> {
    const groupId = buf(input.groupId);
    // The ordering point: the group's row stays locked until commit, so a second Commit for this epoch waits and then finds it stale.
    const locked = await c.query<Row>("SELECT epoch::text AS epoch FROM ds_groups WHERE group_id = $1 FOR UPDATE", [groupId]);
    const current = locked.rows[0] === undefined ? undefined : epochOfDecimal(locked.rows[0]["epoch"], "a group's epoch");
    const refusal = epochRefusal(current, input.epoch);
    if (refusal !== undefined) return { result: refusal, notify: [] };
    const members = await c.query<Row>("SELECT client_id FROM ds_group_members WHERE group_id = $1", [groupId]);
    const plan = planAppend(
      input,
      members.rows.map((r) => textOf(r["client_id"], "a member id")),
    );

    if (plan.handshake) {
      await c.query("INSERT INTO ds_handshakes (group_id, epoch, sender, message) VALUES ($1, $2, $3, $4)", [groupId, input.epoch.toString(), input.sender, buf(input.message)]);
    }
    this.#step("handshake");
    const seqs = await this.#takeSeqs(c, plan.entries);
    await this.#enqueue(c, input, plan.entries.filter((e) => e.kind !== "welcome"), seqs);
    this.#step("queue");
    const commit = input.commit;
    if (commit !== undefined) {
      if (commit.removed.length > 0) await c.query("DELETE FROM ds_group_members WHERE group_id = $1 AND client_id = ANY($2::text[])", [groupId, [...commit.removed]]);
      if (commit.added.length > 0) await c.query("INSERT INTO ds_group_members (group_id, client_id) SELECT $1, unnest($2::text[]) ON CONFLICT DO NOTHING", [groupId, [...commit.added]]);
      this.#step("members");
      // Every field of the new epoch comes from the Commit: an old epoch's GroupInfo or tree would mislead a joiner.
      await c.query("UPDATE ds_groups SET epoch = $2, view = $3, group_info = $4, ratchet_tree = $5 WHERE group_id = $1", [
        groupId,
        plan.epoch.toString(),
        optionalBuf(commit.view),
        optionalBuf(commit.groupInfo),
        optionalBuf(commit.ratchetTree),
      ]);
      this.#step("group");
      await this.#enqueue(c, input, plan.entries.filter((e) => e.kind === "welcome"), seqs);
      this.#step("welcome");
    }
    for (const payload of notificationPayloads(this.#node, plan.notify)) {
      await c.query("SELECT pg_notify($1, $2)", [this.#channel, payload]);
    }
    return { result: { accepted: true, epoch: plan.epoch }, notify: plan.notify };
  }

  /**
   * Takes the next seqs of every recipient in one statement: an upsert of
   * the counters in byte-wise client-id order, so each row is locked in the
   * same order by every transaction on every node (no deadlock), and held
   * until commit (no later reader sees a smaller seq commit after a larger).
   * @returns each entry's seq.
   */
  async #takeSeqs(c: pg.PoolClient, entries: readonly PlannedEntry[]): Promise<Map<PlannedEntry, number>> {
    const perClient = new Map<string, number>();
    for (const e of entries) perClient.set(e.clientId, (perClient.get(e.clientId) ?? 0) + 1);
    if (perClient.size === 0) return new Map();
    const { rows } = await c.query<Row>(
      `INSERT INTO ds_queue_counters (client_id, seq)
       SELECT v.client_id, v.n FROM unnest($1::text[], $2::bigint[]) AS v(client_id, n) ORDER BY v.client_id ${BY_ID}
       ON CONFLICT (client_id) DO UPDATE SET seq = ds_queue_counters.seq + EXCLUDED.seq
       RETURNING client_id, seq`,
      [[...perClient.keys()], [...perClient.values()]],
    );
    // The counter now holds each client's last new seq; its entries take the ones up to it, in plan order.
    const next = new Map<string, number>();
    for (const r of rows) {
      const id = textOf(r["client_id"], "a counter's client");
      next.set(id, countOf(r["seq"], "a queue counter") - perClient.get(id)! + 1);
    }
    return new Map(
      entries.map((e) => {
        const seq = next.get(e.clientId);
        if (seq === undefined) throw new DsStoreError("store/corrupt", `${NAME}: no queue counter came back for ${e.clientId}`);
        next.set(e.clientId, seq + 1);
        return [e, seq];
      }),
    );
  }

  /** Inserts `subset` (entries sharing kind, epoch and message), each with its seq taken by {@link #takeSeqs}. */
  async #enqueue(c: pg.PoolClient, input: AppendInput, subset: readonly PlannedEntry[], seqs: ReadonlyMap<PlannedEntry, number>): Promise<void> {
    const first = subset[0];
    if (first === undefined) return;
    await c.query(
      `INSERT INTO ds_queue (client_id, seq, kind, group_id, epoch, sender, message, ratchet_tree, enqueued_at)
       SELECT v.client_id, v.seq, $3, $4, $5, $6, $7, $8, $9 FROM unnest($1::text[], $2::bigint[]) AS v(client_id, seq)`,
      [
        subset.map((e) => e.clientId),
        subset.map((e) => seqs.get(e)),
        first.kind,
        buf(input.groupId),
        first.epoch.toString(),
        input.sender,
        buf(first.message),
        optionalBuf(first.ratchetTree),
        input.now,
      ],
    );
  }

  #step(step: string): void {
    this.#faults?.(step);
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
    // One statement, one snapshot: the entries and the pruned mark agree (a prune in between cannot make a false "truncated").
    const rows = await this.#query(
      "fetching a queue",
      `SELECT p.through, q.seq, q.kind, q.group_id, q.epoch::text AS epoch, q.sender, q.message, q.ratchet_tree
       FROM (SELECT (SELECT through FROM ds_queue_pruned WHERE client_id = $1) AS through) p
       LEFT JOIN LATERAL (
         SELECT seq, kind, group_id, epoch, sender, message, ratchet_tree FROM ds_queue WHERE client_id = $1 AND seq > $2 ORDER BY seq LIMIT $3
       ) q ON true
       ORDER BY q.seq`,
      [clientId, checkCount(after, "after"), checkCount(limit, "limit")],
    );
    const through = rows[0]?.["through"];
    const prunedThrough = through === null || through === undefined ? 0 : countOf(through, "a queue's pruned mark");
    const items = rows
      .filter((r) => r["seq"] !== null)
      .map((r): StoredQueueItem => ({
        seq: countOf(r["seq"], "a queue seq"),
        kind: kindOf(r["kind"], "a queue entry's kind"),
        groupId: bytesOf(r["group_id"], "a queue entry's group"),
        epoch: epochOfDecimal(r["epoch"], "a queue entry's epoch"),
        sender: textOf(r["sender"], "a queue entry's sender"),
        message: bytesOf(r["message"], "a queued message"),
        ratchetTree: optionalBytesOf(r["ratchet_tree"], "a queued ratchet tree"),
      }));
    return { items, truncated: prunedThrough > after };
  }

  async ackQueue(clientId: string, upTo: number): Promise<void> {
    await this.#query("acknowledging a queue", "DELETE FROM ds_queue WHERE client_id = $1 AND seq <= $2", [clientId, checkCount(upTo, "upTo")]);
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
    await this.#listener.stop();
    await this.#pool.end();
  }
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
