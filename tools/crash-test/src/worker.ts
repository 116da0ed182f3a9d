/**
 * The crash-test worker: `node dist/worker.js <dir> <seed> <run> [verify]`.
 *
 * One process hosting the clients of config.ts, each on its own SQLite
 * store, and the durable Delivery Service. On start it verifies what the
 * previous (killed) process left and finishes what it interrupted
 * (verify.ts), appends the results line, prints "ready", and then runs
 * random operations until it is killed. With `verify` it stops after the
 * check, appends the final report (counters, key-log check) and exits.
 */
import { appendFileSync } from "node:fs";
import { BasicIdentityProvider, Client, acceptAll } from "@mlskit/mls";
import { sqliteStore } from "@mlskit/storage-sqlite";
import { CLIENT_NAMES, paths } from "./config.js";
import { DeliveryService } from "./delivery-service.js";
import { finalReport } from "./final-report.js";
import { Journal, lastKillPoint } from "./journal.js";
import { ensureGroups, step } from "./operations.js";
import { recordingCrypto } from "./recording-crypto.js";
import { dice } from "./rng.js";
import { verifyAfterRestart } from "./verify.js";
import { makeWorld } from "./world.js";

/** Handshake messages as PublicMessage (the default) or PrivateMessage: `CRASH_HANDSHAKES=private`. */
const handshakeWireFormat = process.env["CRASH_HANDSHAKES"] === "private" ? "private" : "public";

async function main(): Promise<void> {
  const [dir, seedArg, runArg, mode] = process.argv.slice(2);
  if (dir === undefined || seedArg === undefined || runArg === undefined) throw new Error("usage: worker.js <dir> <seed> <run> [verify]");
  const run = Number(runArg);
  const p = paths(dir);
  const started = Date.now();
  const kill = lastKillPoint(p.journal);
  const journal = new Journal(p.journal);
  journal.begin("verify");
  const ds = new DeliveryService(p.ds, run);
  const crypto = recordingCrypto(p.sealLog);
  const identityProvider = new BasicIdentityProvider({ policy: acceptAll });
  const clients = new Map<string, Client>();
  for (const name of CLIENT_NAMES) {
    // A store that holds this client restores it: same credential and signature keys.
    const storage = sqliteStore({ path: p.client(name) });
    clients.set(name, await Client.create({ identity: name, identityProvider, crypto, storage, policy: { handshakeWireFormat } }));
  }
  const world = makeWorld(run, ds, clients, journal, p.results);
  const result = await verifyAfterRestart(world, kill, started);
  appendFileSync(p.results, JSON.stringify(result) + "\n");
  journal.end();
  if (mode === "verify") {
    appendFileSync(p.results, JSON.stringify(finalReport(world, p.sealLog)) + "\n");
    for (const c of clients.values()) await c.storage.close();
    ds.close();
    return;
  }
  await ensureGroups(world);
  console.log("ready");
  const d = dice(Number(seedArg) * 100_003 + run);
  for (;;) await step(world, d);
}

main().catch((e: unknown) => {
  // The worker never stops by itself in loop mode: a failure here is a fault of the harness or the library, made visible to the driver.
  console.error(e instanceof Error ? (e.stack ?? e.message) : String(e));
  process.exit(2);
});
