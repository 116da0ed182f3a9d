/**
 * The database schema and its migrations. The version lives in a one-row
 * `schema_version` table; opening a database applies, in one IMMEDIATE
 * transaction, every migration above its version (so two processes opening
 * the same new file do not both migrate it), and refuses a database written
 * by a newer schema than this code knows.
 */
import type { Database } from "better-sqlite3";
import { StorageError, expectDefined } from "@mlskit/core";

/** One numbered step of the schema; `up` runs inside the migration transaction. */
export interface Migration {
  readonly version: number;
  up(db: Database): void;
}

/**
 * The migrations, in order. Never edit a released one: add the next.
 *
 * Version 1. Every table is STRICT (a value of the wrong type is refused on
 * write) and WITHOUT ROWID (ids are the keys, and primary keys are NOT NULL).
 * Epochs are 8-byte big-endian BLOBs: exact over all of RFC 9420's uint64,
 * where SQLite's INTEGER is a signed 64-bit value, and ordered like the
 * numbers because SQLite compares BLOBs bytewise (`ORDER BY`, `epoch < ?`).
 * The CHECKs refuse malformed rows from a foreign writer; reads check again.
 */
export const MIGRATIONS: readonly Migration[] = [
  {
    version: 1,
    up: (db) =>
      db.exec(`
        CREATE TABLE client (
          id INTEGER PRIMARY KEY CHECK (id = 1),
          data BLOB NOT NULL
        ) STRICT;
        CREATE TABLE groups (
          group_id BLOB PRIMARY KEY,
          epoch BLOB NOT NULL CHECK (length(epoch) = 8),
          state BLOB NOT NULL,
          version INTEGER NOT NULL CHECK (version >= 1)
        ) STRICT, WITHOUT ROWID;
        CREATE TABLE epochs (
          group_id BLOB NOT NULL,
          epoch BLOB NOT NULL CHECK (length(epoch) = 8),
          data BLOB NOT NULL,
          PRIMARY KEY (group_id, epoch)
        ) STRICT, WITHOUT ROWID;
        CREATE TABLE key_packages (
          ref BLOB PRIMARY KEY,
          data BLOB NOT NULL,
          last_resort INTEGER NOT NULL CHECK (last_resort IN (0, 1))
        ) STRICT, WITHOUT ROWID;
        CREATE TABLE psks (
          psk_id BLOB PRIMARY KEY,
          psk BLOB NOT NULL
        ) STRICT, WITHOUT ROWID;
      `),
  },
];

/** The schema version this code writes (the last migration's). */
export const SCHEMA_VERSION: number = expectDefined(MIGRATIONS[MIGRATIONS.length - 1], "MIGRATIONS[MIGRATIONS.length - 1]").version;

/**
 * Brings `db` to the last of `migrations` in one IMMEDIATE transaction.
 * @returns the version the database was at before.
 * @throws StorageError `storage/unsupported-version` when the database is at a
 *   version above the last migration (written by newer code); nothing changes.
 * @throws StorageError `storage/corrupt` when the stored version is malformed.
 */
export function migrate(db: Database, migrations: readonly Migration[] = MIGRATIONS): number {
  const latest = migrations[migrations.length - 1]?.version ?? 0;
  const run = db.transaction((): number => {
    db.exec("CREATE TABLE IF NOT EXISTS schema_version (id INTEGER PRIMARY KEY CHECK (id = 1), version INTEGER NOT NULL) STRICT");
    const row = db.prepare("SELECT version FROM schema_version WHERE id = 1").get() as { version?: unknown } | undefined;
    const current = row === undefined ? 0 : row.version;
    if (typeof current !== "number" || !Number.isSafeInteger(current) || current < 0) {
      throw new StorageError("storage/corrupt", `sqlite store: schema_version holds ${String(current)}`);
    }
    if (current > latest) {
      throw new StorageError("storage/unsupported-version", `sqlite store: the database is at schema version ${current}, this code reads up to ${latest}`);
    }
    for (const m of migrations) if (m.version > current) m.up(db);
    db.prepare("INSERT INTO schema_version (id, version) VALUES (1, ?) ON CONFLICT (id) DO UPDATE SET version = excluded.version").run(latest);
    return current;
  });
  return run.immediate();
}
