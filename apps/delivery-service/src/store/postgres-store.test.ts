import { afterAll, beforeAll, describe } from "vitest";
import { type TestPostgres, startTestPostgres } from "../testing/postgres.js";
import { postgresDsStore } from "./postgres-store.js";
import { describeDsStoreConformance } from "./store-conformance.fixture.js";

// No skipping when PostgreSQL is missing: CI installs it (.ci/run), and a missing server must fail the run.
describe("postgresDsStore conformance (two stores on one database are two DS nodes)", () => {
  let cluster: TestPostgres;
  beforeAll(async () => {
    cluster = await startTestPostgres();
  });
  afterAll(async () => {
    await cluster?.stop();
  });
  describeDsStoreConformance({
    newDatabase: async () => {
      const connectionString = await cluster.createDatabase();
      return { open: (o) => postgresDsStore({ connectionString, ...(o?.faults ? { faults: o.faults } : {}) }) };
    },
    crossHandleNotification: true,
    concurrency: 24,
  });
});
