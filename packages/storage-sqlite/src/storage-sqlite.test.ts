import { mkdtempSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import Sqlite from "better-sqlite3";
import { type ClientStore, StorageError, encryptedStore } from "@mlskit/core";
import { nobleCryptoProvider } from "@mlskit/crypto-noble";
import { storageConformance } from "@mlskit/core/conformance";
import { SCHEMA_VERSION, sqliteStore } from "@mlskit/storage-sqlite";
import { afterAll, describe, expect, it } from "vitest";
import { type Migration, MIGRATIONS, migrate } from "./schema.js";

const dir = mkdtempSync(join(tmpdir(), "mlskit-sqlite-"));
afterAll(() => rmSync(dir, { recursive: true, force: true }));
let files = 0;
const newPath = () => join(dir, `store-${++files}.db`);
const b = (...x: number[]) => Uint8Array.from(x);

/** The StorageError a promise rejected with (fails the test when it resolved or threw something else). */
async function storageError(p: Promise<unknown>): Promise<StorageError> {
  const e = await p.then(
    (v) => new Error(`resolved with ${String(v)}`),
    (x: unknown) => x,
  );
  if (!StorageError.isInstance(e)) throw new Error(`expected a StorageError, got ${String(e)}`);
  return e;
}

/** A raw connection on the same file, to damage rows behind the store's back (the CHECKs would refuse them otherwise). */
function raw(path: string): Sqlite.Database {
  const db = new Sqlite(path);
  db.pragma("ignore_check_constraints = ON");
  return db;
}

describe("SqliteClientStore conformance", () => {
  const opened = new WeakMap<ClientStore, { path: string; faults?: (step: string) => void }>();
  const open = (path: string, faults?: (step: string) => void) => {
    const store = sqliteStore({ path, ...(faults ? { faults } : {}) });
    opened.set(store, { path, ...(faults ? { faults } : {}) });
    return store;
  };
  const checks = storageConformance({
    name: "sqlite",
    open: async (options) => open(newPath(), options?.faults),
    reopen: async (store) => {
      const o = opened.get(store)!;
      return open(o.path, o.faults);
    },
    corruptGroup: async (store, groupId) => {
      const db = raw(opened.get(store)!.path);
      db.prepare("UPDATE groups SET epoch = ? WHERE group_id = ?").run(b(1, 2, 3), groupId);
      db.close();
    },
  });
  for (const c of checks) it(c.name, c.run);
});

describe("encryptedStore over SqliteClientStore conformance", async () => {
  const cs = await nobleCryptoProvider().cipherSuite(3);
  const keys = [{ id: 7, key: new Uint8Array(cs.aeadKeyLength).fill(7) }];
  const inners = new WeakMap<ClientStore, { inner: ClientStore; path: string; faults?: (step: string) => void }>();
  const open = (path: string, faults?: (step: string) => void) => {
    const inner = sqliteStore({ path, ...(faults ? { faults } : {}) });
    const store = encryptedStore(inner, { cs, keys });
    inners.set(store, { inner, path, ...(faults ? { faults } : {}) });
    return store;
  };
  const checks = storageConformance({
    name: "encrypted sqlite",
    open: async (options) => open(newPath(), options?.faults),
    reopen: async (store) => {
      const o = inners.get(store)!;
      return open(o.path, o.faults);
    },
    corruptGroup: async (store, groupId) => {
      const db = raw(inners.get(store)!.path);
      // One bit of the sealed state flipped, as a failing disk would.
      const { state } = db.prepare("SELECT state FROM groups WHERE group_id = ?").get(groupId) as { state: Uint8Array };
      state[state.length - 1]! ^= 1;
      db.prepare("UPDATE groups SET state = ? WHERE group_id = ?").run(state, groupId);
      db.close();
    },
  });
  for (const c of checks) it(c.name, c.run);
});

describe("SqliteClientStore", () => {
  it("stores epochs as 8-byte big-endian BLOBs, in WAL mode", async () => {
    const path = newPath();
    const s = sqliteStore({ path });
    await s.writeGroup({ groupId: b(1), epoch: 2n ** 64n - 1n, state: b(), expectedVersion: 0, putEpochs: [{ epoch: 2n ** 63n, data: b(9) }] });
    await s.close();
    const db = new Sqlite(path, { readonly: true });
    expect(db.prepare("SELECT hex(epoch) AS e FROM groups").get()).toEqual({ e: "FFFFFFFFFFFFFFFF" });
    expect(db.prepare("SELECT hex(epoch) AS e FROM epochs").get()).toEqual({ e: "8000000000000000" });
    expect(db.pragma("journal_mode", { simple: true })).toBe("wal");
    db.close();
  });

  it("reads damaged rows of every kind as storage/corrupt", async () => {
    const path = newPath();
    const s = sqliteStore({ path });
    await s.writeGroup({ groupId: b(1), epoch: 1n, state: b(1), expectedVersion: 0, putEpochs: [{ epoch: 0n, data: b(0) }] });
    await s.writeGroup({ groupId: b(2), epoch: 1n, state: b(1), expectedVersion: 0 });
    await s.putKeyPackage(b(3), b(3), false);
    const db = raw(path);
    db.prepare("UPDATE epochs SET epoch = x'00' WHERE group_id = ?").run(b(1));
    db.prepare("UPDATE groups SET version = 0 WHERE group_id = ?").run(b(2));
    db.prepare("UPDATE key_packages SET last_resort = 7").run();
    db.close();
    expect((await storageError(s.readGroup(b(1)))).code).toBe("storage/corrupt");
    expect((await storageError(s.readGroup(b(2)))).code).toBe("storage/corrupt");
    // A write over a row whose version is damaged cannot check it: refused, not overwritten.
    expect((await storageError(s.writeGroup({ groupId: b(2), epoch: 2n, state: b(2), expectedVersion: 1 }))).code).toBe("storage/corrupt");
    expect((await storageError(s.getKeyPackage(b(3)))).code).toBe("storage/corrupt");
    await s.close();
  });

  it("a file that is not a database is storage/corrupt; an unopenable path is storage/failed", () => {
    const path = newPath();
    writeFileSync(path, "this is not a database, but it is long enough to have a header of sorts ".repeat(20));
    expect(() => sqliteStore({ path })).toThrow(expect.objectContaining({ code: "storage/corrupt" }));
    expect(() => sqliteStore({ path: join(dir, "missing-dir", "x.db") })).toThrow(expect.objectContaining({ code: "storage/failed" }));
  });

  it("waits for another connection's write lock, then fails with storage/failed (SQLITE_BUSY) as the cause", async () => {
    const path = newPath();
    const s = sqliteStore({ path, busyTimeoutMs: 50 });
    const other = new Sqlite(path);
    other.exec("BEGIN IMMEDIATE");
    const e = await storageError(s.writeGroup({ groupId: b(1), epoch: 0n, state: b(), expectedVersion: 0 }));
    expect([e.code, (e.cause as { code?: string }).code]).toEqual(["storage/failed", "SQLITE_BUSY"]);
    other.exec("ROLLBACK");
    expect(await s.writeGroup({ groupId: b(1), epoch: 0n, state: b(), expectedVersion: 0 })).toBe(1);
    other.close();
    await s.close();
  });

  it("checks the version inside the transaction: a write by another connection since the read is a conflict", async () => {
    const path = newPath();
    const s = sqliteStore({ path });
    await s.writeGroup({ groupId: b(1), epoch: 0n, state: b(0), expectedVersion: 0 });
    const other = new Sqlite(path);
    other.prepare("UPDATE groups SET version = 2, state = x'02'").run();
    other.close();
    expect((await storageError(s.writeGroup({ groupId: b(1), epoch: 1n, state: b(1), expectedVersion: 1 }))).code).toBe("storage/conflict");
    expect((await s.readGroup(b(1)))?.state).toEqual(b(2));
    await s.close();
  });
});

describe("schema migrations", () => {
  it("a new database is at the current schema version, and opening it again changes nothing", async () => {
    const path = newPath();
    await sqliteStore({ path }).close();
    await sqliteStore({ path }).close();
    const db = new Sqlite(path);
    expect(db.prepare("SELECT version FROM schema_version").all()).toEqual([{ version: SCHEMA_VERSION }]);
    expect(SCHEMA_VERSION).toBe(MIGRATIONS.at(-1)!.version);
    db.close();
  });

  it("refuses a database written by a newer schema with storage/unsupported-version, leaving it as it was", async () => {
    const path = newPath();
    await sqliteStore({ path }).close();
    let db = new Sqlite(path);
    db.prepare("UPDATE schema_version SET version = ?").run(SCHEMA_VERSION + 1);
    db.exec("CREATE TABLE future (x INTEGER)");
    db.close();
    expect(() => sqliteStore({ path })).toThrow(expect.objectContaining({ code: "storage/unsupported-version" }));
    db = new Sqlite(path);
    expect(db.prepare("SELECT version FROM schema_version").get()).toEqual({ version: SCHEMA_VERSION + 1 });
    db.close();
  });

  it("upgrades a database at version 1 to a later version in one transaction, keeping its data", async () => {
    const path = newPath();
    const s = sqliteStore({ path });
    await s.writeGroup({ groupId: b(1), epoch: 5n, state: b(5), expectedVersion: 0 });
    await s.close();
    const v2: Migration = { version: 2, up: (db) => db.exec("ALTER TABLE groups ADD COLUMN note TEXT") };
    const db = new Sqlite(path);
    expect(migrate(db, [...MIGRATIONS.slice(0, 1), v2])).toBe(1);
    expect(db.prepare("SELECT version FROM schema_version").get()).toEqual({ version: 2 });
    expect(db.prepare("SELECT hex(state) AS s, note FROM groups").get()).toEqual({ s: "05", note: null });
    expect(migrate(db, [...MIGRATIONS.slice(0, 1), v2])).toBe(2);
    db.close();
  });

  it("a migration that fails half way leaves the database at its old version", () => {
    const path = newPath();
    const db = new Sqlite(path);
    migrate(db, MIGRATIONS.slice(0, 1));
    const broken: Migration = {
      version: 2,
      up: (d) => {
        d.exec("CREATE TABLE half (x INTEGER)");
        throw new Error("migration failed");
      },
    };
    expect(() => migrate(db, [...MIGRATIONS.slice(0, 1), broken])).toThrow("migration failed");
    expect(db.prepare("SELECT version FROM schema_version").get()).toEqual({ version: 1 });
    expect(db.prepare("SELECT name FROM sqlite_master WHERE name = 'half'").all()).toEqual([]);
    db.close();
  });
});
