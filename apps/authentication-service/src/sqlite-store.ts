/**
 * {@link AsStore} on SQLite through better-sqlite3: a file in the service's
 * data directory, or `:memory:` for tests.
 */
import Sqlite from "better-sqlite3";
import { bytesEqual } from "@mlskit/codec";
import { migrate } from "./schema.js";
import type { AsStore, IssuedCertificate, StoredCa } from "./store.js";

interface CaRow {
  root_certificate: Uint8Array;
  root_private_key: Uint8Array;
  intermediate_certificate: Uint8Array;
  intermediate_private_key: Uint8Array;
}

interface IssuedRow {
  serial: string;
  client_id: string;
  signature_scheme: number;
  signature_public_key: Uint8Array;
  not_after: number;
  certificate: Uint8Array;
  issued_at: number;
}

const bytes = (b: Uint8Array): Uint8Array => new Uint8Array(b);

function caOf(row: CaRow): StoredCa {
  return {
    rootCertificate: bytes(row.root_certificate),
    rootPrivateKey: bytes(row.root_private_key),
    intermediateCertificate: bytes(row.intermediate_certificate),
    intermediatePrivateKey: bytes(row.intermediate_private_key),
  };
}

function issuedOf(row: IssuedRow): IssuedCertificate {
  return {
    clientId: row.client_id,
    signatureScheme: row.signature_scheme,
    signaturePublicKey: bytes(row.signature_public_key),
    serial: row.serial,
    notAfter: new Date(row.not_after),
    certificate: bytes(row.certificate),
    issuedAt: new Date(row.issued_at),
  };
}

/**
 * Opens (creating if needed) the store at `path`; `":memory:"` gives a
 * store that lives as long as the handle. Pragmas as `@mlskit/storage-sqlite`:
 * WAL, `synchronous = FULL` (an issued certificate is on disk before it is
 * answered), `secure_delete = ON`, a busy timeout.
 */
export function sqliteAsStore(path: string): AsStore {
  const db = new Sqlite(path, { timeout: 5000 });
  try {
    const mode: unknown = db.pragma("journal_mode = WAL", { simple: true });
    if (mode !== "wal" && path !== ":memory:") throw new Error(`the database refused WAL mode (${String(mode)})`);
    db.pragma("synchronous = FULL");
    db.pragma("secure_delete = ON");
    migrate(db);
  } catch (e) {
    db.close();
    throw e;
  }

  const selectCa = db.prepare<[], CaRow>("SELECT * FROM ca WHERE id = 1");
  const insertCa = db.prepare(
    `INSERT OR IGNORE INTO ca (id, root_certificate, root_private_key, intermediate_certificate, intermediate_private_key, created_at)
     VALUES (1, ?, ?, ?, ?, ?)`,
  );
  const selectKey = db.prepare<[string], Pick<IssuedRow, "signature_scheme" | "signature_public_key">>(
    "SELECT signature_scheme, signature_public_key FROM issued_certificates WHERE client_id = ? ORDER BY issued_at LIMIT 1",
  );
  const insertIssued = db.prepare(
    `INSERT INTO issued_certificates (serial, client_id, signature_scheme, signature_public_key, not_after, certificate, issued_at)
     VALUES (?, ?, ?, ?, ?, ?, ?)`,
  );
  const selectIssued = db.prepare<[], IssuedRow>("SELECT * FROM issued_certificates ORDER BY issued_at, serial");

  const clientKey: AsStore["clientKey"] = (clientId) => {
    const row = selectKey.get(clientId);
    return row === undefined ? undefined : { signatureScheme: row.signature_scheme, signaturePublicKey: bytes(row.signature_public_key) };
  };

  const record = db.transaction((i: IssuedCertificate): boolean => {
    const bound = clientKey(i.clientId);
    if (bound !== undefined && (bound.signatureScheme !== i.signatureScheme || !bytesEqual(bound.signaturePublicKey, i.signaturePublicKey))) {
      return false;
    }
    insertIssued.run(i.serial, i.clientId, i.signatureScheme, i.signaturePublicKey, i.notAfter.getTime(), i.certificate, i.issuedAt.getTime());
    return true;
  });

  return {
    loadCa: () => {
      const row = selectCa.get();
      return row === undefined ? undefined : caOf(row);
    },
    saveCa: (ca) =>
      db
        .transaction((): StoredCa => {
          insertCa.run(ca.rootCertificate, ca.rootPrivateKey, ca.intermediateCertificate, ca.intermediatePrivateKey, Date.now());
          return caOf(selectCa.get()!);
        })
        .immediate(),
    clientKey,
    recordIssued: (issued) => record.immediate(issued),
    listIssued: () => selectIssued.all().map(issuedOf),
    close: () => db.close(),
  };
}

/** A store in memory, gone when closed (tests). */
export function memoryAsStore(): AsStore {
  return sqliteAsStore(":memory:");
}
