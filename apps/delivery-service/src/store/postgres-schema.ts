/**
 * The PostgreSQL store's schema. Several DS nodes may start together on one
 * new database: creation runs in one transaction under an advisory lock, so
 * one node creates and the others find it made; every statement is also
 * idempotent (`IF NOT EXISTS`). The version lives in `ds_schema_version`;
 * a database written by a newer schema is refused.
 */
import type pg from "pg";
import { PG_FUNCTIONS_V2 } from "./pg-functions.js";
import { DsStoreError } from "./store-error.js";

export interface PostgresMigration {
  readonly version: number;
  readonly sql: string;
}

/**
 * The migrations, in order. Never edit a released one: add the next.
 *
 * Version 1. Epochs are NUMERIC(20, 0) (uint64 does not fit BIGINT). A
 * client's queue `seq` comes from its row in `ds_queue_counters`, bumped
 * under that row's lock inside the appending transaction — never from a
 * global sequence, whose values become visible out of order across
 * transactions. What retention dropped is remembered in `ds_queue_pruned`,
 * apart from the counters, so pruning never takes the counters' locks.
 */
const POSTGRES_MIGRATIONS: readonly PostgresMigration[] = [
  {
    version: 1,
    sql: `
      CREATE TABLE IF NOT EXISTS ds_clients (
        client_id TEXT PRIMARY KEY,
        cipher_suite INTEGER NOT NULL,
        signature_public_key BYTEA NOT NULL,
        credential BYTEA NOT NULL
      );
      CREATE TABLE IF NOT EXISTS ds_nonces (
        client_id TEXT NOT NULL,
        nonce TEXT NOT NULL,
        expires_at BIGINT NOT NULL,
        PRIMARY KEY (client_id, nonce)
      );
      CREATE INDEX IF NOT EXISTS ds_nonces_expiry ON ds_nonces (expires_at);
      CREATE TABLE IF NOT EXISTS ds_key_packages (
        id BIGSERIAL PRIMARY KEY,
        client_id TEXT NOT NULL,
        cipher_suite INTEGER NOT NULL,
        ref BYTEA NOT NULL UNIQUE,
        bytes BYTEA NOT NULL
      );
      CREATE INDEX IF NOT EXISTS ds_key_packages_owner ON ds_key_packages (client_id, cipher_suite, id);
      CREATE TABLE IF NOT EXISTS ds_last_resort_key_packages (
        client_id TEXT NOT NULL,
        cipher_suite INTEGER NOT NULL,
        ref BYTEA NOT NULL,
        bytes BYTEA NOT NULL,
        PRIMARY KEY (client_id, cipher_suite)
      );
      CREATE TABLE IF NOT EXISTS ds_groups (
        group_id BYTEA PRIMARY KEY,
        epoch NUMERIC(20, 0) NOT NULL CHECK (epoch >= 0 AND epoch <= 18446744073709551615),
        view BYTEA,
        group_info BYTEA,
        ratchet_tree BYTEA
      );
      CREATE TABLE IF NOT EXISTS ds_group_members (
        group_id BYTEA NOT NULL,
        client_id TEXT NOT NULL,
        PRIMARY KEY (group_id, client_id)
      );
      CREATE TABLE IF NOT EXISTS ds_handshakes (
        id BIGSERIAL PRIMARY KEY,
        group_id BYTEA NOT NULL,
        epoch NUMERIC(20, 0) NOT NULL,
        sender TEXT NOT NULL,
        message BYTEA NOT NULL
      );
      CREATE INDEX IF NOT EXISTS ds_handshakes_group ON ds_handshakes (group_id, epoch, id);
      CREATE TABLE IF NOT EXISTS ds_queue_counters (
        client_id TEXT PRIMARY KEY,
        seq BIGINT NOT NULL CHECK (seq >= 0)
      );
      CREATE TABLE IF NOT EXISTS ds_queue_pruned (
        client_id TEXT PRIMARY KEY,
        through BIGINT NOT NULL
      );
      CREATE TABLE IF NOT EXISTS ds_queue (
        client_id TEXT NOT NULL,
        seq BIGINT NOT NULL CHECK (seq >= 1),
        kind TEXT NOT NULL CHECK (kind IN ('welcome', 'handshake', 'application')),
        group_id BYTEA NOT NULL,
        epoch NUMERIC(20, 0) NOT NULL,
        sender TEXT NOT NULL,
        message BYTEA NOT NULL,
        ratchet_tree BYTEA,
        enqueued_at BIGINT NOT NULL,
        PRIMARY KEY (client_id, seq)
      );
      CREATE INDEX IF NOT EXISTS ds_queue_age ON ds_queue (enqueued_at);
    `,
  },
  {
    version: 2,
    sql: PG_FUNCTIONS_V2,
  },
];

/** The advisory lock key of schema creation (any fixed 64-bit number; this one spells "mlsds" + 1). */
const SCHEMA_LOCK = "7884803922882199553"; // 0x6d6c736473000001

/**
 * Brings the database to the last migration, in one transaction under an advisory lock.
 * @throws DsStoreError `store/unsupported-version` when it is newer than this code, `store/corrupt` when the version is malformed.
 */
export async function migratePostgres(client: pg.ClientBase, migrations: readonly PostgresMigration[] = POSTGRES_MIGRATIONS): Promise<number> {
  const latest = migrations[migrations.length - 1]?.version ?? 0;
  await client.query("BEGIN");
  try {
    await client.query(`SELECT pg_advisory_xact_lock(${SCHEMA_LOCK})`);
    await client.query("CREATE TABLE IF NOT EXISTS ds_schema_version (id INTEGER PRIMARY KEY CHECK (id = 1), version INTEGER NOT NULL)");
    const { rows } = await client.query<{ version: unknown }>("SELECT version FROM ds_schema_version WHERE id = 1");
    const current = rows[0] === undefined ? 0 : rows[0].version;
    if (typeof current !== "number" || !Number.isSafeInteger(current) || current < 0) {
      throw new DsStoreError("store/corrupt", `postgres ds store: ds_schema_version holds ${String(current)}`);
    }
    if (current > latest) {
      throw new DsStoreError("store/unsupported-version", `postgres ds store: the database is at schema version ${current}, this code reads up to ${latest}`);
    }
    for (const m of migrations) if (m.version > current) await client.query(m.sql);
    await client.query("INSERT INTO ds_schema_version (id, version) VALUES (1, $1) ON CONFLICT (id) DO UPDATE SET version = EXCLUDED.version", [latest]);
    await client.query("COMMIT");
    return current;
  } catch (e) {
    await client.query("ROLLBACK").catch(() => undefined);
    throw e;
  }
}
