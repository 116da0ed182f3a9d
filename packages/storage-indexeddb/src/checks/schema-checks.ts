/** Checks of the schema: creation, migration of a version 1 database, failed migrations, newer databases, stepping aside. */
import { IndexedDbClientStore } from "../indexeddb-store.js";
import { deleteIndexedDbStore, indexedDbStore } from "../open.js";
import { MIGRATIONS, type Migration, SCHEMA_VERSION, STORES, openDatabase } from "../schema.js";
import { b, check, rejectsWith, same } from "./assert.js";
import { keyOf } from "../keys.js";
import { freshName, openRaw } from "./raw.js";
import type { AddCheck } from "./index.js";
import { expectDefined } from "@mlskit/core";

const V1 = MIGRATIONS.slice(0, 1);

/** A version 2 for the tests: a new store, and every group row rewritten through a cursor (a data migration). */
const V2: Migration = {
  version: 2,
  up: (db, tx) => {
    db.createObjectStore("notes");
    const req = tx.objectStore(STORES.groups).openCursor();
    req.onsuccess = () => {
      const c = req.result;
      if (c === null) return;
      c.update({ ...(c.value as object), migrated: true });
      c.continue();
    };
  },
};

/** Registers the schema checks. @internal */
export function schemaChecks(factory: IDBFactory, add: AddCheck): void {
  add("schema: a new database is at the current version with every object store; opening it again changes nothing", async () => {
    const name = freshName("mlskit-schema");
    await (await indexedDbStore({ name, indexedDB: factory })).close();
    await (await indexedDbStore({ name, indexedDB: factory })).close();
    const db = await openRaw(factory, name);
    same([db.version, Array.from(db.objectStoreNames).sort()], [SCHEMA_VERSION, Object.values(STORES).sort()], "version and object stores");
    db.close();
    same(SCHEMA_VERSION, expectDefined(MIGRATIONS.at(-1), "MIGRATIONS.at(-1)").version, "SCHEMA_VERSION is the last migration's");
    await deleteIndexedDbStore(name, { indexedDB: factory });
  });

  add("schema: a version 1 database is migrated to a later version in one upgrade, keeping its data", async () => {
    const name = freshName("mlskit-schema");
    const v1 = new IndexedDbClientStore(await openDatabase(factory, name, V1));
    await v1.writeGroup({ groupId: b(1), epoch: 5n, state: b(5), expectedVersion: 0, putEpochs: [{ epoch: 4n, data: b(4) }] });
    await v1.putKeyPackage(b(9), b(9, 9), true);
    await v1.close();
    const db = await openDatabase(factory, name, [...V1, V2]);
    same([db.version, db.objectStoreNames.contains("notes")], [2, true], "version and the new store after the upgrade");
    const v2 = new IndexedDbClientStore(db);
    const g = await v2.readGroup(b(1));
    same(g && [g.epoch, g.state, g.version, g.pastEpochs], [5n, b(5), 1, [{ epoch: 4n, data: b(4) }]], "the group after the upgrade");
    same(await v2.getKeyPackage(b(9)), { ref: b(9), data: b(9, 9), lastResort: true }, "the KeyPackage after the upgrade");
    const raw = await new Promise<unknown>((resolve, reject) => {
      const req = db
        .transaction(STORES.groups)
        .objectStore(STORES.groups)
        .get(keyOf(b(1)));
      req.onsuccess = () => resolve(req.result);
      req.onerror = () => reject(req.error);
    });
    same((raw as { migrated?: boolean }).migrated, true, "the group row rewritten by the migration");
    await v2.close();
    const again = await openDatabase(factory, name, [...V1, V2]);
    same(again.version, 2, "opening at the same version again");
    again.close();
    await deleteIndexedDbStore(name, { indexedDB: factory });
  });

  add("schema: a migration that fails half way leaves the database at its old version", async () => {
    const name = freshName("mlskit-schema");
    const v1 = new IndexedDbClientStore(await openDatabase(factory, name, V1));
    await v1.writeClient(b(1, 2));
    await v1.close();
    const failure = new Error("migration failed");
    const broken: Migration = {
      version: 2,
      up: (db) => {
        db.createObjectStore("half");
        throw failure;
      },
    };
    const e = await rejectsWith(openDatabase(factory, name, [...V1, broken]), "storage/failed", "opening with a failing migration");
    check(e.cause === failure, "the StorageError's cause is the migration's error");
    const db = await openRaw(factory, name);
    same([db.version, db.objectStoreNames.contains("half")], [1, false], "version and stores after the failed upgrade");
    db.close();
    const store = await indexedDbStore({ name, indexedDB: factory });
    same(await store.readClient(), b(1, 2), "the data after the failed upgrade");
    await store.close();
    await deleteIndexedDbStore(name, { indexedDB: factory });
  });

  add("schema: a database written by a newer schema is refused with storage/unsupported-version and left untouched", async () => {
    const name = freshName("mlskit-schema");
    const future: Migration = { version: SCHEMA_VERSION + 1, up: (db) => void db.createObjectStore("future") };
    const db = await openDatabase(factory, name, [...MIGRATIONS, future]);
    db.close();
    await rejectsWith(indexedDbStore({ name, indexedDB: factory }), "storage/unsupported-version", "opening a newer database");
    const raw = await openRaw(factory, name);
    same([raw.version, raw.objectStoreNames.contains("future")], [SCHEMA_VERSION + 1, true], "the newer database after the refusal");
    raw.close();
    await deleteIndexedDbStore(name, { indexedDB: factory });
  });

  add("schema: an open handle steps aside when the database is deleted, then rejects with storage/closed", async () => {
    const name = freshName("mlskit-schema");
    const store = await indexedDbStore({ name, indexedDB: factory });
    await store.writeClient(b(1));
    await deleteIndexedDbStore(name, { indexedDB: factory });
    await rejectsWith(store.readClient(), "storage/closed", "a handle on a deleted database");
    const fresh = await indexedDbStore({ name, indexedDB: factory });
    same(await fresh.readClient(), undefined, "the client record of the recreated database");
    await fresh.close();
    await deleteIndexedDbStore(name, { indexedDB: factory });
  });
}
