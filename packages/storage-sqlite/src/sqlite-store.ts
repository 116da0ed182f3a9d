/** A {@link ClientStore} in one SQLite file, through better-sqlite3. */
import Sqlite from "better-sqlite3";
import { type ClientStore, type EpochRecord, type GroupWrite, type StoredGroup, type StoredKeyPackage, MlsError, StorageError, checkGroupWrite } from "@mlskit/core";
import { blobOf, epochOf, epochToBlob, flagOf, storageErrorOf, versionOf } from "./rows.js";
import { migrate } from "./schema.js";

/** Options of {@link sqliteStore}. */
export interface SqliteStoreOptions {
  /**
   * The database file, created when missing. Other handles (in this process
   * or others) may open the same file. `":memory:"` gives a private database
   * that lives as long as the handle.
   */
  readonly path: string;
  /**
   * How long a call waits for another connection's lock before it fails with
   * `storage/failed` (SQLITE_BUSY), in milliseconds. Default 5000.
   */
  readonly busyTimeoutMs?: number;
  /**
   * Called between the steps of every `writeGroup` (`"state"`, `"epochs"`,
   * `"key-packages"`), inside its transaction: an exception it throws rolls
   * the transaction back and fails the write with `storage/failed`. For
   * fault-injection tests such as the conformance suite of
   * `@mlskit/core/conformance`.
   */
  readonly faults?: (step: string) => void;
}

const SQL = {
  readClient: "SELECT data FROM client WHERE id = 1",
  writeClient: "INSERT INTO client (id, data) VALUES (1, ?) ON CONFLICT (id) DO UPDATE SET data = excluded.data",
  readGroup: "SELECT epoch, state, version FROM groups WHERE group_id = ?",
  readEpochs: "SELECT epoch, data FROM epochs WHERE group_id = ? ORDER BY epoch",
  groupVersion: "SELECT version FROM groups WHERE group_id = ?",
  upsertGroup:
    "INSERT INTO groups (group_id, epoch, state, version) VALUES (?, ?, ?, ?) ON CONFLICT (group_id) DO UPDATE SET epoch = excluded.epoch, state = excluded.state, version = excluded.version",
  upsertEpoch: "INSERT INTO epochs (group_id, epoch, data) VALUES (?, ?, ?) ON CONFLICT (group_id, epoch) DO UPDATE SET data = excluded.data",
  dropEpochs: "DELETE FROM epochs WHERE group_id = ? AND epoch < ?",
  consumeKeyPackage: "DELETE FROM key_packages WHERE ref = ? AND last_resort = 0",
  deleteGroup: "DELETE FROM groups WHERE group_id = ?",
  deleteEpochs: "DELETE FROM epochs WHERE group_id = ?",
  groupIds: "SELECT group_id FROM groups",
  putKeyPackage: "INSERT INTO key_packages (ref, data, last_resort) VALUES (?, ?, ?) ON CONFLICT (ref) DO UPDATE SET data = excluded.data, last_resort = excluded.last_resort",
  getKeyPackage: "SELECT data, last_resort FROM key_packages WHERE ref = ?",
  deleteKeyPackage: "DELETE FROM key_packages WHERE ref = ?",
  keyPackageRefs: "SELECT ref FROM key_packages",
  getPsk: "SELECT psk FROM psks WHERE psk_id = ?",
  putPsk: "INSERT INTO psks (psk_id, psk) VALUES (?, ?) ON CONFLICT (psk_id) DO UPDATE SET psk = excluded.psk",
  deletePsk: "DELETE FROM psks WHERE psk_id = ?",
  pskIds: "SELECT psk_id FROM psks",
} as const;

type Statements = { readonly [K in keyof typeof SQL]: Sqlite.Statement };
type Row = Record<string, unknown>;

/**
 * A {@link ClientStore} on SQLite. Each call is one statement or one
 * transaction; `writeGroup` is one IMMEDIATE transaction (the version check,
 * the state, the past epochs, the consumed KeyPackages), so a second handle
 * on the same file (another process) is serialised by SQLite's write lock
 * and a stale writer gets `storage/conflict`. Node-only (a native module).
 *
 * better-sqlite3 is synchronous: each call blocks the event loop for the
 * duration of its statements (and of the fsync of a write, see
 * {@link sqliteStore}).
 */
export class SqliteClientStore implements ClientStore {
  #db: Sqlite.Database | undefined;
  readonly #sql: Statements;
  readonly #faults: ((step: string) => void) | undefined;
  readonly #writeGroup: Sqlite.Transaction<(w: GroupWrite) => number>;
  readonly #readGroup: Sqlite.Transaction<(id: Uint8Array) => StoredGroup | undefined>;
  readonly #deleteGroup: Sqlite.Transaction<(id: Uint8Array) => void>;

  /** Use {@link sqliteStore}, which opens, configures and migrates the database. @internal */
  constructor(db: Sqlite.Database, faults?: (step: string) => void) {
    this.#db = db;
    this.#faults = faults;
    this.#sql = Object.fromEntries(Object.entries(SQL).map(([k, q]) => [k, db.prepare(q)])) as unknown as Statements;
    this.#writeGroup = db.transaction((w: GroupWrite) => this.#applyWrite(w));
    // Two statements read in one transaction: one snapshot of the group and its epochs.
    this.#readGroup = db.transaction((id: Uint8Array) => this.#readGroupRows(id));
    this.#deleteGroup = db.transaction((id: Uint8Array) => {
      this.#sql.deleteEpochs.run(id);
      this.#sql.deleteGroup.run(id);
    });
  }

  /** Runs `fn` on the open database, every failure as a {@link StorageError}. */
  async #run<T>(doing: string, fn: (sql: Statements) => T): Promise<T> {
    if (this.#db === undefined) throw new StorageError("storage/closed", "sqlite store: closed");
    try {
      return fn(this.#sql);
    } catch (e) {
      // Our own errors (a conflict, a UsageError for a malformed write) pass as they are.
      throw MlsError.isInstance(e) ? e : storageErrorOf(e, doing);
    }
  }

  readClient(): Promise<Uint8Array | undefined> {
    return this.#run("reading the client record", (sql) => {
      const row = sql.readClient.get() as Row | undefined;
      return row === undefined ? undefined : blobOf(row["data"], "the client record");
    });
  }

  writeClient(data: Uint8Array): Promise<void> {
    return this.#run("writing the client record", (sql) => void sql.writeClient.run(data));
  }

  readGroup(groupId: Uint8Array): Promise<StoredGroup | undefined> {
    return this.#run("reading a group", () => this.#readGroup(groupId));
  }

  #readGroupRows(groupId: Uint8Array): StoredGroup | undefined {
    const row = this.#sql.readGroup.get(groupId) as Row | undefined;
    if (row === undefined) return undefined;
    const pastEpochs: EpochRecord[] = (this.#sql.readEpochs.all(groupId) as Row[]).map((r) => {
      const epoch = epochOf(r["epoch"], "a past epoch number");
      return { epoch, data: blobOf(r["data"], `past epoch ${epoch}`) };
    });
    return {
      groupId: groupId.slice(),
      epoch: epochOf(row["epoch"], "the group's epoch"),
      state: blobOf(row["state"], "the group's state"),
      version: versionOf(row["version"], "the group's version"),
      pastEpochs,
    };
  }

  writeGroup(write: GroupWrite): Promise<number> {
    return this.#run("writing a group", () => {
      checkGroupWrite(write);
      // IMMEDIATE takes the write lock before the version is read, so no other connection can write in between.
      return this.#writeGroup.immediate(write);
    });
  }

  #applyWrite(w: GroupWrite): number {
    const sql = this.#sql;
    const row = sql.groupVersion.get(w.groupId) as Row | undefined;
    const stored = row === undefined ? 0 : versionOf(row["version"], "the group's version");
    if (stored !== w.expectedVersion) {
      throw new StorageError("storage/conflict", `sqlite store: the group is at version ${stored}, the write expected ${w.expectedVersion}`);
    }
    sql.upsertGroup.run(w.groupId, epochToBlob(w.epoch), w.state, stored + 1);
    this.#step("state");
    for (const e of w.putEpochs ?? []) sql.upsertEpoch.run(w.groupId, epochToBlob(e.epoch), e.data);
    if (w.dropEpochsBefore !== undefined) sql.dropEpochs.run(w.groupId, epochToBlob(w.dropEpochsBefore));
    this.#step("epochs");
    for (const ref of w.consumedKeyPackages ?? []) sql.consumeKeyPackage.run(ref);
    this.#step("key-packages");
    return stored + 1;
  }

  #step(step: string): void {
    try {
      this.#faults?.(step);
    } catch (cause) {
      throw new StorageError("storage/failed", `sqlite store: write failed at step "${step}"`, { cause });
    }
  }

  deleteGroup(groupId: Uint8Array): Promise<void> {
    return this.#run("deleting a group", () => this.#deleteGroup(groupId));
  }

  groupIds(): Promise<Uint8Array[]> {
    return this.#run("listing groups", (sql) => (sql.groupIds.all() as Row[]).map((r) => blobOf(r["group_id"], "a group id")));
  }

  putKeyPackage(ref: Uint8Array, data: Uint8Array, lastResort: boolean): Promise<void> {
    return this.#run("storing a KeyPackage", (sql) => void sql.putKeyPackage.run(ref, data, lastResort ? 1 : 0));
  }

  getKeyPackage(ref: Uint8Array): Promise<StoredKeyPackage | undefined> {
    return this.#run("reading a KeyPackage", (sql) => {
      const row = sql.getKeyPackage.get(ref) as Row | undefined;
      if (row === undefined) return undefined;
      return { ref: ref.slice(), data: blobOf(row["data"], "a KeyPackage"), lastResort: flagOf(row["last_resort"], "a KeyPackage's last-resort flag") };
    });
  }

  deleteKeyPackage(ref: Uint8Array): Promise<boolean> {
    return this.#run("deleting a KeyPackage", (sql) => sql.deleteKeyPackage.run(ref).changes > 0);
  }

  keyPackageRefs(): Promise<Uint8Array[]> {
    return this.#run("listing KeyPackages", (sql) => (sql.keyPackageRefs.all() as Row[]).map((r) => blobOf(r["ref"], "a KeyPackageRef")));
  }

  getPsk(pskId: Uint8Array): Promise<Uint8Array | undefined> {
    return this.#run("reading a PSK", (sql) => {
      const row = sql.getPsk.get(pskId) as Row | undefined;
      return row === undefined ? undefined : blobOf(row["psk"], "a PSK");
    });
  }

  putPsk(pskId: Uint8Array, psk: Uint8Array): Promise<void> {
    return this.#run("storing a PSK", (sql) => void sql.putPsk.run(pskId, psk));
  }

  deletePsk(pskId: Uint8Array): Promise<boolean> {
    return this.#run("deleting a PSK", (sql) => sql.deletePsk.run(pskId).changes > 0);
  }

  pskIds(): Promise<Uint8Array[]> {
    return this.#run("listing PSKs", (sql) => (sql.pskIds.all() as Row[]).map((r) => blobOf(r["psk_id"], "a PSK id")));
  }

  /** Closes the database handle (idempotent); other handles on the file stay open. */
  async close(): Promise<void> {
    const db = this.#db;
    this.#db = undefined;
    try {
      db?.close();
    } catch (e) {
      throw storageErrorOf(e, "closing");
    }
  }
}

/**
 * Opens (creating it when missing) the SQLite database at `options.path` as
 * a {@link SqliteClientStore}, and brings its schema to the current version.
 *
 * The connection is set up for a store of secrets that must not roll back:
 * - `journal_mode = WAL`: readers do not block the writer, and a second
 *   handle (another process) can read while one writes.
 * - `synchronous = FULL`: every commit is on disk (the WAL fsynced) before
 *   the call returns. NORMAL, the usual choice with WAL, survives a killed
 *   process (SIGKILL, a crash) but may lose the last commits at a power loss
 *   or an OS crash. For MLS that is not a lost update but a rollback: the
 *   state that comes back may reuse a secret-tree generation already used to
 *   encrypt a message (AEAD key and nonce reuse), bring back keys deleted for
 *   forward secrecy, or a KeyPackage already consumed. An fsync per group
 *   write is the price.
 * - `secure_delete = ON`: deleted rows (old group states, dropped epochs,
 *   consumed KeyPackages, PSKs) are overwritten in the file, not left in free
 *   pages; forward secrecy asks that they be gone.
 * - a busy timeout ({@link SqliteStoreOptions.busyTimeoutMs}) so that two
 *   handles wait for each other's lock instead of failing at once.
 *
 * @throws StorageError `storage/unsupported-version` for a database written
 *   by a newer schema; `storage/corrupt` for a file that is not a database of
 *   this store; `storage/failed` when the file cannot be opened or set up.
 */
export function sqliteStore(options: SqliteStoreOptions): SqliteClientStore {
  let db: Sqlite.Database | undefined;
  try {
    db = new Sqlite(options.path, { timeout: options.busyTimeoutMs ?? 5000 });
    const mode: unknown = db.pragma("journal_mode = WAL", { simple: true });
    if (mode !== "wal" && options.path !== ":memory:") throw new StorageError("storage/failed", `sqlite store: the database refused WAL mode (${String(mode)})`);
    db.pragma("synchronous = FULL");
    db.pragma("secure_delete = ON");
    migrate(db);
    return new SqliteClientStore(db, options.faults);
  } catch (e) {
    db?.close();
    throw storageErrorOf(e, `opening ${options.path}`);
  }
}
