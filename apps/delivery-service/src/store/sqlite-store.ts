/**
 * The Delivery Service's store in one SQLite file (better-sqlite3): the
 * embedded default for a single DS node. WAL with synchronous=FULL, so an
 * accepted message survives a power cut; every write is one transaction,
 * `appendMessage` an IMMEDIATE one (the write lock is taken before the epoch
 * is read, so another handle on the file — another process — cannot accept
 * a second Commit for the same epoch in between).
 *
 * better-sqlite3 is synchronous: each call blocks the event loop for its
 * statements and fsync. The writes of the hot path (appends, nonces, acks)
 * are therefore committed in groups (write-batch.ts): those issued in one
 * turn of the event loop share one IMMEDIATE transaction and one fsync, each
 * in its own savepoint so that one failing leaves the others committed.
 */
import Sqlite from "better-sqlite3";
import { type AppendPlan, checkEpoch, epochRefusal, planAppend } from "./append-plan.js";
import type { AppendInput, AppendResult, DirectoryKeyPackage, DsStore, GroupRecord, RegisteredClient, RetentionPolicy, StoredQueueItem } from "./ds-store.js";
import { EnqueuedListeners } from "./listeners.js";
import { WriteBatch } from "./write-batch.js";
import { bytesOf, checkCount, countOf, epochOfBlob, epochToBlob, kindOf, optionalBytesOf, textOf } from "./rows.js";
import { migrateSqlite } from "./sqlite-schema.js";
import { DsStoreError, storeErrorOf } from "./store-error.js";

export interface SqliteDsStoreOptions {
  /** The database file, created when missing. `":memory:"` gives a private database living as long as the handle. */
  readonly path: string;
  /** How long a call waits for another connection's write lock before failing with `store/failed`, in ms. Default 5000. */
  readonly busyTimeoutMs?: number;
  /**
   * Called between the steps of `appendMessage` (`"handshake"`, `"queue"`,
   * `"members"`, `"group"`, `"welcome"`) inside its transaction: a throw rolls
   * the transaction back and fails the call with `store/failed`. For the
   * conformance tests' all-or-nothing check.
   */
  readonly faults?: (step: string) => void;
}

/** Remembered nonces are pruned of expired ones every this many inserts, keeping the insert itself one statement. */
const NONCE_PRUNE_EVERY = 256;

const SQL = {
  getClient: "SELECT client_id, cipher_suite, signature_public_key, credential FROM clients WHERE client_id = ?",
  insertClient: "INSERT INTO clients (client_id, cipher_suite, signature_public_key, credential) VALUES (?, ?, ?, ?) ON CONFLICT (client_id) DO NOTHING",
  // An expired nonce may be taken again: the request's own timestamp window refuses a replay that old.
  rememberNonce:
    "INSERT INTO nonces (client_id, nonce, expires_at) VALUES (?, ?, ?) ON CONFLICT (client_id, nonce) DO UPDATE SET expires_at = excluded.expires_at WHERE nonces.expires_at <= ?",
  pruneNonces: "DELETE FROM nonces WHERE expires_at <= ?",
  insertKeyPackage: "INSERT INTO key_packages (client_id, cipher_suite, ref, bytes) VALUES (?, ?, ?, ?) ON CONFLICT (ref) DO NOTHING",
  putLastResort:
    "INSERT INTO last_resort_key_packages (client_id, cipher_suite, ref, bytes) VALUES (?, ?, ?, ?) ON CONFLICT (client_id, cipher_suite) DO UPDATE SET ref = excluded.ref, bytes = excluded.bytes",
  claimKeyPackage: "DELETE FROM key_packages WHERE id = (SELECT id FROM key_packages WHERE client_id = ? AND cipher_suite = ? ORDER BY id LIMIT 1) RETURNING bytes",
  getLastResort: "SELECT bytes FROM last_resort_key_packages WHERE client_id = ? AND cipher_suite = ?",
  countKeyPackages: "SELECT count(*) AS n FROM key_packages WHERE client_id = ? AND cipher_suite = ?",
  insertGroup: "INSERT INTO groups (group_id, epoch, view, group_info, ratchet_tree) VALUES (?, ?, ?, ?, ?) ON CONFLICT (group_id) DO NOTHING",
  getGroup: "SELECT epoch, view, group_info, ratchet_tree FROM groups WHERE group_id = ?",
  getMembers: "SELECT client_id FROM group_members WHERE group_id = ? ORDER BY client_id",
  insertMember: "INSERT INTO group_members (group_id, client_id) VALUES (?, ?) ON CONFLICT DO NOTHING",
  deleteMember: "DELETE FROM group_members WHERE group_id = ? AND client_id = ?",
  updateGroup: "UPDATE groups SET epoch = ?, view = ?, group_info = ?, ratchet_tree = ? WHERE group_id = ?",
  insertHandshake: "INSERT INTO handshakes (group_id, epoch, sender, message) VALUES (?, ?, ?, ?)",
  handshakesSince: "SELECT epoch, sender, message FROM handshakes WHERE group_id = ? AND epoch >= ? ORDER BY id LIMIT ?",
  ensureCounter: "INSERT INTO queue_counters (client_id, seq) VALUES (?, 0) ON CONFLICT (client_id) DO NOTHING",
  nextSeq: "UPDATE queue_counters SET seq = seq + 1 WHERE client_id = ? RETURNING seq",
  insertQueue: "INSERT INTO queue (client_id, seq, kind, group_id, epoch, sender, message, ratchet_tree, enqueued_at) VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?)",
  fetchQueue: "SELECT seq, kind, group_id, epoch, sender, message, ratchet_tree FROM queue WHERE client_id = ? AND seq > ? ORDER BY seq LIMIT ?",
  prunedThrough: "SELECT pruned_through FROM queue_counters WHERE client_id = ?",
  ackQueue: "DELETE FROM queue WHERE client_id = ? AND seq <= ?",
  agedOut: "SELECT client_id, max(seq) AS through, count(*) AS n FROM queue WHERE enqueued_at < ? GROUP BY client_id",
  dropAged: "DELETE FROM queue WHERE enqueued_at < ?",
  overCap:
    "SELECT client_id, max(seq) AS through, count(*) AS n FROM (SELECT client_id, seq, row_number() OVER (PARTITION BY client_id ORDER BY seq DESC) AS rank FROM queue) WHERE rank > ? GROUP BY client_id",
  dropThrough: "DELETE FROM queue WHERE client_id = ? AND seq <= ?",
  markPruned: "UPDATE queue_counters SET pruned_through = max(pruned_through, ?) WHERE client_id = ?",
} as const;

type Statements = { readonly [K in keyof typeof SQL]: Sqlite.Statement };
type Row = Record<string, unknown>;

const NAME = "sqlite ds store";

export class SqliteDsStore implements DsStore {
  #db: Sqlite.Database | undefined;
  readonly #sql: Statements;
  readonly #faults: ((step: string) => void) | undefined;
  readonly #listeners = new EnqueuedListeners();
  #noncesSincePrune = 0;
  readonly #append: Sqlite.Transaction<(input: AppendInput) => { result: AppendResult; notify: readonly string[] }>;
  readonly #batch: WriteBatch;

  /** Use {@link sqliteDsStore}, which opens, configures and migrates the database. @internal */
  constructor(db: Sqlite.Database, faults?: (step: string) => void) {
    this.#db = db;
    this.#faults = faults;
    this.#sql = Object.fromEntries(Object.entries(SQL).map(([k, q]) => [k, db.prepare(q)])) as unknown as Statements;
    this.#append = db.transaction((input: AppendInput) => this.#appendRows(input));
    this.#batch = new WriteBatch(db, (ids) => this.#listeners.emit(ids));
  }

  /** Like {@link #run}, for a write committed with the others of this turn (see write-batch.ts). */
  async #batched<T>(doing: string, fn: (sql: Statements) => T, notify?: (result: T) => readonly string[]): Promise<T> {
    if (this.#db === undefined) throw new DsStoreError("store/closed", `${NAME}: closed`);
    try {
      return await this.#batch.submit(() => fn(this.#sql), notify);
    } catch (e) {
      throw storeErrorOf(e, NAME, doing);
    }
  }

  /** Runs `fn` on the open database, every failure as a {@link DsStoreError}. */
  async #run<T>(doing: string, fn: (sql: Statements, db: Sqlite.Database) => T): Promise<T> {
    const db = this.#db;
    if (db === undefined) throw new DsStoreError("store/closed", `${NAME}: closed`);
    try {
      return fn(this.#sql, db);
    } catch (e) {
      throw storeErrorOf(e, NAME, doing);
    }
  }

  registerClient(client: RegisteredClient): Promise<"created" | "exists" | "conflict"> {
    return this.#run("registering a client", (sql, db) =>
      db
        .transaction(() => {
          const inserted = sql.insertClient.run(client.clientId, client.cipherSuite, client.signaturePublicKey, client.credential);
          if (inserted.changes === 1) return "created" as const;
          const row = sql.getClient.get(client.clientId) as Row;
          return sameBytes(bytesOf(row["signature_public_key"], "a client's key"), client.signaturePublicKey) ? ("exists" as const) : ("conflict" as const);
        })
        .immediate(),
    );
  }

  getClient(clientId: string): Promise<RegisteredClient | undefined> {
    return this.#run("reading a client", (sql) => {
      const row = sql.getClient.get(clientId) as Row | undefined;
      if (row === undefined) return undefined;
      return {
        clientId: textOf(row["client_id"], "a client id"),
        cipherSuite: countOf(row["cipher_suite"], "a client's cipher suite"),
        signaturePublicKey: bytesOf(row["signature_public_key"], "a client's key"),
        credential: bytesOf(row["credential"], "a client's credential"),
      };
    });
  }

  rememberNonce(clientId: string, nonce: string, expiresAt: number): Promise<boolean> {
    return this.#batched("remembering a nonce", (sql) => {
      const now = Date.now();
      if (++this.#noncesSincePrune >= NONCE_PRUNE_EVERY) {
        this.#noncesSincePrune = 0;
        sql.pruneNonces.run(now);
      }
      return sql.rememberNonce.run(clientId, nonce, expiresAt, now).changes === 1;
    });
  }

  publishKeyPackages(clientId: string, cipherSuite: number, keyPackages: readonly DirectoryKeyPackage[], lastResort?: DirectoryKeyPackage): Promise<void> {
    return this.#run("publishing KeyPackages", (sql, db) =>
      db.transaction(() => {
        for (const kp of keyPackages) sql.insertKeyPackage.run(clientId, cipherSuite, kp.ref, kp.bytes);
        if (lastResort !== undefined) sql.putLastResort.run(clientId, cipherSuite, lastResort.ref, lastResort.bytes);
      })(),
    );
  }

  claimKeyPackage(clientId: string, cipherSuite: number): Promise<{ bytes: Uint8Array; lastResort: boolean } | undefined> {
    return this.#run("claiming a KeyPackage", (sql, db) =>
      db
        .transaction(() => {
          const claimed = sql.claimKeyPackage.get(clientId, cipherSuite) as Row | undefined;
          if (claimed !== undefined) return { bytes: bytesOf(claimed["bytes"], "a KeyPackage"), lastResort: false };
          const kept = sql.getLastResort.get(clientId, cipherSuite) as Row | undefined;
          return kept === undefined ? undefined : { bytes: bytesOf(kept["bytes"], "a last-resort KeyPackage"), lastResort: true };
        })
        .immediate(),
    );
  }

  countKeyPackages(clientId: string, cipherSuite: number): Promise<{ available: number; lastResort: boolean }> {
    return this.#run("counting KeyPackages", (sql, db) =>
      db.transaction(() => ({
        available: countOf((sql.countKeyPackages.get(clientId, cipherSuite) as Row)["n"], "a KeyPackage count"),
        lastResort: sql.getLastResort.get(clientId, cipherSuite) !== undefined,
      }))(),
    );
  }

  createGroup(group: GroupRecord): Promise<boolean> {
    return this.#run("creating a group", (sql, db) => {
      const epoch = epochToBlob(checkEpoch(group.epoch, "the group's epoch"));
      return db
        .transaction(() => {
          const inserted = sql.insertGroup.run(group.groupId, epoch, group.view ?? null, group.groupInfo ?? null, group.ratchetTree ?? null);
          if (inserted.changes !== 1) return false;
          for (const m of group.members) sql.insertMember.run(group.groupId, m);
          return true;
        })
        .immediate();
    });
  }

  getGroup(groupId: Uint8Array): Promise<GroupRecord | undefined> {
    // One read transaction: the group row and its members from one snapshot.
    return this.#run("reading a group", (sql, db) =>
      db.transaction(() => {
        const row = sql.getGroup.get(groupId) as Row | undefined;
        if (row === undefined) return undefined;
        return {
          groupId: groupId.slice(),
          epoch: epochOfBlob(row["epoch"], "a group's epoch"),
          members: this.#members(groupId),
          view: optionalBytesOf(row["view"], "a group's view"),
          groupInfo: optionalBytesOf(row["group_info"], "a group's GroupInfo"),
          ratchetTree: optionalBytesOf(row["ratchet_tree"], "a group's ratchet tree"),
        };
      })(),
    );
  }

  #members(groupId: Uint8Array): string[] {
    return (this.#sql.getMembers.all(groupId) as Row[]).map((r) => textOf(r["client_id"], "a member id"));
  }

  async appendMessage(input: AppendInput): Promise<AppendResult> {
    // In the batch's IMMEDIATE transaction: the write lock is held from before the epoch is read until commit.
    // The listeners hear of the entries after that commit, so they see them when they fetch.
    const { result } = await this.#batched(
      "appending a message",
      () => this.#append(input),
      (r) => r.notify,
    );
    return result;
  }

  #appendRows(input: AppendInput): { result: AppendResult; notify: readonly string[] } {
    const sql = this.#sql;
    const row = sql.getGroup.get(input.groupId) as Row | undefined;
    const current = row === undefined ? undefined : epochOfBlob(row["epoch"], "a group's epoch");
    const refusal = epochRefusal(current, input.epoch);
    if (refusal !== undefined) return { result: refusal, notify: [] };
    const plan = planAppend(input, this.#members(input.groupId));
    if (plan.handshake) sql.insertHandshake.run(input.groupId, epochToBlob(input.epoch), input.sender, input.message);
    this.#step("handshake");
    this.#enqueue(input, plan, "handshake");
    this.#step("queue");
    const commit = input.commit;
    if (commit !== undefined) {
      for (const m of commit.removed) sql.deleteMember.run(input.groupId, m);
      for (const m of commit.added) sql.insertMember.run(input.groupId, m);
      this.#step("members");
      // Every field of the new epoch comes from the Commit: an old epoch's GroupInfo or tree would mislead a joiner.
      sql.updateGroup.run(epochToBlob(plan.epoch), commit.view ?? null, commit.groupInfo ?? null, commit.ratchetTree ?? null, input.groupId);
      this.#step("group");
      this.#enqueue(input, plan, "welcome");
      this.#step("welcome");
    }
    return { result: { accepted: true, epoch: plan.epoch }, notify: plan.notify };
  }

  /** Writes the plan's entries of one sort: the message's (`"handshake"` stands for both message kinds) or the Welcome's. */
  #enqueue(input: AppendInput, plan: AppendPlan, which: "handshake" | "welcome"): void {
    const sql = this.#sql;
    for (const e of plan.entries) {
      if ((e.kind === "welcome") !== (which === "welcome")) continue;
      sql.ensureCounter.run(e.clientId);
      const seq = countOf((sql.nextSeq.get(e.clientId) as Row)["seq"], "a queue counter");
      sql.insertQueue.run(e.clientId, seq, e.kind, input.groupId, epochToBlob(e.epoch), input.sender, e.message, e.ratchetTree ?? null, input.now);
    }
  }

  #step(step: string): void {
    this.#faults?.(step);
  }

  handshakesSince(groupId: Uint8Array, fromEpoch: bigint, limit: number): Promise<{ epoch: bigint; sender: string; message: Uint8Array }[]> {
    return this.#run("reading handshake history", (sql) => {
      const from = epochToBlob(checkEpoch(fromEpoch, "fromEpoch"));
      return (sql.handshakesSince.all(groupId, from, checkCount(limit, "limit")) as Row[]).map((r) => ({
        epoch: epochOfBlob(r["epoch"], "a handshake's epoch"),
        sender: textOf(r["sender"], "a handshake's sender"),
        message: bytesOf(r["message"], "a handshake message"),
      }));
    });
  }

  fetchQueue(clientId: string, after: number, limit: number): Promise<{ items: StoredQueueItem[]; truncated: boolean }> {
    return this.#run("fetching a queue", (sql, db) =>
      db.transaction(() => {
        const rows = sql.fetchQueue.all(clientId, checkCount(after, "after"), checkCount(limit, "limit")) as Row[];
        const items = rows.map((r): StoredQueueItem => ({
          seq: countOf(r["seq"], "a queue seq"),
          kind: kindOf(r["kind"], "a queue entry's kind"),
          groupId: bytesOf(r["group_id"], "a queue entry's group"),
          epoch: epochOfBlob(r["epoch"], "a queue entry's epoch"),
          sender: textOf(r["sender"], "a queue entry's sender"),
          message: bytesOf(r["message"], "a queued message"),
          ratchetTree: optionalBytesOf(r["ratchet_tree"], "a queued ratchet tree"),
        }));
        const mark = sql.prunedThrough.get(clientId) as Row | undefined;
        const prunedThrough = mark === undefined ? 0 : countOf(mark["pruned_through"], "a queue's pruned mark");
        return { items, truncated: prunedThrough > after };
      })(),
    );
  }

  ackQueue(clientId: string, upTo: number): Promise<void> {
    return this.#batched("acknowledging a queue", (sql) => void sql.ackQueue.run(clientId, checkCount(upTo, "upTo")));
  }

  pruneQueues(policy: RetentionPolicy, now: number): Promise<number> {
    return this.#run("pruning queues", (sql, db) =>
      db
        .transaction(() => {
          let dropped = 0;
          for (const r of sql.agedOut.all(now - policy.maxAgeMs) as Row[]) {
            sql.markPruned.run(countOf(r["through"], "a pruned seq"), textOf(r["client_id"], "a client id"));
            dropped += countOf(r["n"], "a pruned count");
          }
          sql.dropAged.run(now - policy.maxAgeMs);
          // The oldest go first: dropping a client's entries through the highest one over the cap drops exactly the ones over it.
          for (const r of sql.overCap.all(checkCount(policy.maxPerClient, "maxPerClient")) as Row[]) {
            const clientId = textOf(r["client_id"], "a client id");
            const through = countOf(r["through"], "a pruned seq");
            sql.dropThrough.run(clientId, through);
            sql.markPruned.run(through, clientId);
            dropped += countOf(r["n"], "a pruned count");
          }
          return dropped;
        })
        .immediate(),
    );
  }

  onEnqueued(listener: (clientIds: readonly string[] | "anyone") => void): () => void {
    return this.#listeners.add(listener);
  }

  async close(): Promise<void> {
    const db = this.#db;
    // What was submitted before close is committed (or fails) first.
    await this.#batch.drain();
    this.#db = undefined;
    this.#listeners.clear();
    db?.close();
  }
}

function sameBytes(a: Uint8Array, b: Uint8Array): boolean {
  return a.length === b.length && a.every((v, i) => v === b[i]);
}

/**
 * Opens (creating and migrating when needed) the SQLite store at `options.path`.
 * @throws DsStoreError `store/failed` when the file cannot be opened or refuses WAL, `store/unsupported-version` for a newer schema.
 */
export function sqliteDsStore(options: SqliteDsStoreOptions): SqliteDsStore {
  let db: Sqlite.Database | undefined;
  try {
    db = new Sqlite(options.path, { timeout: options.busyTimeoutMs ?? 5000 });
    const mode: unknown = db.pragma("journal_mode = WAL", { simple: true });
    if (mode !== "wal" && options.path !== ":memory:") throw new DsStoreError("store/failed", `${NAME}: the database refused WAL mode (${String(mode)})`);
    // FULL: WAL commits are fsynced, so an accepted Commit (already answered to its sender) survives a power cut.
    db.pragma("synchronous = FULL");
    migrateSqlite(db);
    return new SqliteDsStore(db, options.faults);
  } catch (e) {
    db?.close();
    throw storeErrorOf(e, NAME, `opening ${options.path}`);
  }
}
