/**
 * The SQLite store's schema and migrations (the style of
 * `@mlskit/storage-sqlite`): the version lives in a one-row `schema_version`
 * table; opening applies, in one IMMEDIATE transaction, every migration above
 * it (two processes opening a new file do not both migrate), and refuses a
 * database written by a newer schema.
 */
import type { Database } from "better-sqlite3";
import { DsStoreError } from "./store-error.js";

export interface SqliteMigration {
  readonly version: number;
  up(db: Database): void;
}

/**
 * The migrations, in order. Never edit a released one: add the next.
 *
 * Version 1. STRICT tables (a value of the wrong type is refused on write).
 * Epochs are 8-byte big-endian BLOBs: exact over RFC 9420's uint64 (SQLite's
 * INTEGER is signed) and ordered like the numbers, since BLOBs compare
 * bytewise. A client's queue `seq` comes from its row in `queue_counters`,
 * which also remembers the highest seq retention dropped (`pruned_through`),
 * so a fetch can say `truncated`. Queue entries carry their own copy of the
 * message: an acknowledged or pruned entry is one row to delete.
 */
const SQLITE_MIGRATIONS: readonly SqliteMigration[] = [
  {
    version: 1,
    up: (db) =>
      db.exec(`
        CREATE TABLE clients (
          client_id TEXT PRIMARY KEY,
          cipher_suite INTEGER NOT NULL,
          signature_public_key BLOB NOT NULL,
          credential BLOB NOT NULL
        ) STRICT, WITHOUT ROWID;
        CREATE TABLE nonces (
          client_id TEXT NOT NULL,
          nonce TEXT NOT NULL,
          expires_at INTEGER NOT NULL,
          PRIMARY KEY (client_id, nonce)
        ) STRICT, WITHOUT ROWID;
        CREATE INDEX nonces_expiry ON nonces (expires_at);
        CREATE TABLE key_packages (
          id INTEGER PRIMARY KEY,
          client_id TEXT NOT NULL,
          cipher_suite INTEGER NOT NULL,
          ref BLOB NOT NULL UNIQUE,
          bytes BLOB NOT NULL
        ) STRICT;
        CREATE INDEX key_packages_owner ON key_packages (client_id, cipher_suite, id);
        CREATE TABLE last_resort_key_packages (
          client_id TEXT NOT NULL,
          cipher_suite INTEGER NOT NULL,
          ref BLOB NOT NULL,
          bytes BLOB NOT NULL,
          PRIMARY KEY (client_id, cipher_suite)
        ) STRICT, WITHOUT ROWID;
        CREATE TABLE groups (
          group_id BLOB PRIMARY KEY,
          epoch BLOB NOT NULL CHECK (length(epoch) = 8),
          view BLOB,
          group_info BLOB,
          ratchet_tree BLOB
        ) STRICT, WITHOUT ROWID;
        CREATE TABLE group_members (
          group_id BLOB NOT NULL,
          client_id TEXT NOT NULL,
          PRIMARY KEY (group_id, client_id)
        ) STRICT, WITHOUT ROWID;
        CREATE TABLE handshakes (
          id INTEGER PRIMARY KEY,
          group_id BLOB NOT NULL,
          epoch BLOB NOT NULL CHECK (length(epoch) = 8),
          sender TEXT NOT NULL,
          message BLOB NOT NULL
        ) STRICT;
        CREATE INDEX handshakes_group ON handshakes (group_id, epoch, id);
        CREATE TABLE queue_counters (
          client_id TEXT PRIMARY KEY,
          seq INTEGER NOT NULL CHECK (seq >= 0),
          pruned_through INTEGER NOT NULL DEFAULT 0
        ) STRICT, WITHOUT ROWID;
        CREATE TABLE queue (
          client_id TEXT NOT NULL,
          seq INTEGER NOT NULL CHECK (seq >= 1),
          kind TEXT NOT NULL CHECK (kind IN ('welcome', 'handshake', 'application')),
          group_id BLOB NOT NULL,
          epoch BLOB NOT NULL CHECK (length(epoch) = 8),
          sender TEXT NOT NULL,
          message BLOB NOT NULL,
          ratchet_tree BLOB,
          enqueued_at INTEGER NOT NULL,
          PRIMARY KEY (client_id, seq)
        ) STRICT, WITHOUT ROWID;
        CREATE INDEX queue_age ON queue (enqueued_at);
      `),
  },
];

/**
 * Brings `db` to the last migration in one IMMEDIATE transaction.
 * @throws DsStoreError `store/unsupported-version` for a database written by newer code (nothing changes), `store/corrupt` for a malformed version.
 */
export function migrateSqlite(db: Database, migrations: readonly SqliteMigration[] = SQLITE_MIGRATIONS): number {
  const latest = migrations[migrations.length - 1]?.version ?? 0;
  const run = db.transaction((): number => {
    db.exec("CREATE TABLE IF NOT EXISTS schema_version (id INTEGER PRIMARY KEY CHECK (id = 1), version INTEGER NOT NULL) STRICT");
    const row = db.prepare("SELECT version FROM schema_version WHERE id = 1").get() as { version?: unknown } | undefined;
    const current = row === undefined ? 0 : row.version;
    if (typeof current !== "number" || !Number.isSafeInteger(current) || current < 0) {
      throw new DsStoreError("store/corrupt", `sqlite ds store: schema_version holds ${String(current)}`);
    }
    if (current > latest) {
      throw new DsStoreError("store/unsupported-version", `sqlite ds store: the database is at schema version ${current}, this code reads up to ${latest}`);
    }
    for (const m of migrations) if (m.version > current) m.up(db);
    db.prepare("INSERT INTO schema_version (id, version) VALUES (1, ?) ON CONFLICT (id) DO UPDATE SET version = excluded.version").run(latest);
    return current;
  });
  return run.immediate();
}
