#!/usr/bin/env node
/**
 * The standalone Authentication Service: `mlskit-as --data-dir DIR
 * --admin-token TOKEN [--port N]`, listening on 127.0.0.1 (put a TLS
 * reverse proxy in front of it). The CA and the issued certificates live in
 * `DIR/authentication-service.sqlite`.
 */
import { mkdirSync } from "node:fs";
import { join } from "node:path";
import { USAGE, parseCli } from "./cli.js";
import { createAuthenticationService } from "./service.js";
import { sqliteAsStore } from "./sqlite-store.js";

/** The database file's name in the data directory. */
export const DATABASE_FILE = "authentication-service.sqlite";

async function main(): Promise<void> {
  let cli;
  try {
    cli = parseCli(process.argv.slice(2), process.env);
  } catch (e) {
    console.error(`${(e as Error).message}\n${USAGE}`);
    process.exitCode = 2;
    return;
  }
  mkdirSync(cli.dataDir, { recursive: true, mode: 0o700 });
  const store = sqliteAsStore(join(cli.dataDir, DATABASE_FILE));
  const app = await createAuthenticationService({
    store,
    registration: { adminToken: cli.adminToken },
    logger: true,
    ...(cli.caName === undefined ? {} : { caName: cli.caName }),
    ...(cli.certificateLifetimeDays === undefined ? {} : { certificateLifetimeDays: cli.certificateLifetimeDays }),
  });
  app.addHook("onClose", async () => store.close());
  const stop = (): void => {
    void app.close().then(() => process.exit(0));
  };
  process.once("SIGINT", stop);
  process.once("SIGTERM", stop);
  await app.listen({ host: "127.0.0.1", port: cli.port });
}

await main();
