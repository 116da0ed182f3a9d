/**
 * The adapter's checks under vitest, on fake-indexeddb (a JavaScript
 * IndexedDB in memory): the storage conformance suite and the checks of what
 * is specific to IndexedDB. `npm run test:browser` runs the same checks in
 * Chromium's own IndexedDB.
 */
import { IDBFactory, IDBKeyRange } from "fake-indexeddb";
import { storageConformance } from "@mlskit/core/conformance";
import { indexedDbChecks, indexedDbConformanceTarget } from "@mlskit/storage-indexeddb/checks";
import { StorageError } from "@mlskit/core";
import { indexedDbStore } from "@mlskit/storage-indexeddb";
import { describe, expect, it } from "vitest";

// fake-indexeddb's IDBKeyRange for the key ranges the store builds (a browser has its own); no global indexedDB.
(globalThis as { IDBKeyRange?: unknown }).IDBKeyRange = IDBKeyRange;

const factory = new IDBFactory();

describe("IndexedDbClientStore conformance (fake-indexeddb)", () => {
  for (const c of storageConformance(indexedDbConformanceTarget(factory, "fake-indexeddb"))) it(c.name, c.run);
});

describe("IndexedDbClientStore (fake-indexeddb)", () => {
  for (const c of indexedDbChecks(factory, { name: "fake-indexeddb" })) it(c.name, c.run);

  it("fails with storage/failed where there is no IndexedDB", async () => {
    const e = await indexedDbStore({ name: "x" }).catch((x: unknown) => x);
    expect(StorageError.isInstance(e) && e.code).toBe("storage/failed");
  });
});
