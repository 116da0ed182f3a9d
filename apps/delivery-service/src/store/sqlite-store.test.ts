import { mkdtempSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { afterAll, describe } from "vitest";
import { sqliteDsStore } from "./sqlite-store.js";
import { describeDsStoreConformance } from "./store-conformance.fixture.js";

describe("sqliteDsStore conformance", () => {
  const dir = mkdtempSync(join(tmpdir(), "mlskit-ds-sqlite-"));
  afterAll(() => rmSync(dir, { recursive: true, force: true }));
  let n = 0;
  describeDsStoreConformance({
    newDatabase: async () => {
      const path = join(dir, `ds-${++n}.db`);
      return { open: async (o) => sqliteDsStore({ path, ...(o?.faults ? { faults: o.faults } : {}) }) };
    },
    crossHandleNotification: false,
    // better-sqlite3 runs each call to completion: concurrency here interleaves calls, it does not overlap them.
    concurrency: 16,
  });
});
