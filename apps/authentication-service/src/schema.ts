/**
 * The Authentication Service's SQLite schema. The version is SQLite's
 * `user_version`; opening applies, in one IMMEDIATE transaction, every
 * migration above it, and refuses a file written by a newer schema.
 */
import type { Database } from "better-sqlite3";

/** The migrations, in order. Never edit a released one: add the next. */
const MIGRATIONS: readonly ((db: Database) => void)[] = [
  // Version 1: the CA (one row) and the issued certificates.
  (db) =>
    db.exec(`
      CREATE TABLE ca (
        id INTEGER PRIMARY KEY CHECK (id = 1),
        root_certificate BLOB NOT NULL,
        root_private_key BLOB NOT NULL,
        intermediate_certificate BLOB NOT NULL,
        intermediate_private_key BLOB NOT NULL,
        created_at INTEGER NOT NULL
      ) STRICT;
      CREATE TABLE issued_certificates (
        serial TEXT PRIMARY KEY,
        client_id TEXT NOT NULL,
        signature_scheme INTEGER NOT NULL,
        signature_public_key BLOB NOT NULL,
        not_after INTEGER NOT NULL,
        certificate BLOB NOT NULL,
        issued_at INTEGER NOT NULL
      ) STRICT, WITHOUT ROWID;
      CREATE INDEX issued_certificates_client ON issued_certificates (client_id, issued_at);
    `),
];

/** Brings the database to the current schema. */
export function migrate(db: Database): void {
  db.transaction(() => {
    const version = db.pragma("user_version", { simple: true }) as number;
    if (version > MIGRATIONS.length) {
      throw new Error(`the database has schema version ${version}, this service knows up to ${MIGRATIONS.length}`);
    }
    for (let v = version; v < MIGRATIONS.length; v++) MIGRATIONS[v]!(db);
    if (version !== MIGRATIONS.length) db.pragma(`user_version = ${MIGRATIONS.length}`);
  }).immediate();
}
