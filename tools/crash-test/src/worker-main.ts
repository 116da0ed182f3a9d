/**
 * The body of the crash-test worker (see worker.ts): the clients of
 * config.ts, each on its own SQLite store, and the durable Delivery Service.
 * It verifies what the previous (killed) process left and finishes what it
 * interrupted (verify.ts), appends the results line, prints "ready", and
 * then runs random operations until it is killed. In `verify` mode it stops
 * after the check and appends the final report (counters, key-log check).
 */
import { appendFileSync } from "node:fs";
import { BasicIdentityProvider, Client, acceptAll } from "@mlskit/mls";
import { sqliteStore } from "@mlskit/storage-sqlite";
import { CLIENT_NAMES, paths } from "./config.js";
import { DeliveryService } from "./delivery-service.js";
import { finalReport } from "./final-report.js";
import { Journal } from "./journal.js";
import { ensureGroups, step } from "./operations.js";
import { recordingCrypto } from "./recording-crypto.js";
import { dice } from "./rng.js";
import { verifyAfterRestart } from "./verify.js";
import { makeWorld } from "./world.js";

/** What the entry point hands over. */
export interface WorkerArgs {
  readonly dir: string;
  readonly seed: number;
  readonly run: number;
  readonly verifyOnly: boolean;
  readonly started: number;
  /**
   * How clients send Commits: all as PublicMessage, all as PrivateMessage,
   * or `mixed` (alice and carol private, bob and dave public; receivers take
   * either), so one campaign covers both the clear and the ratcheted handshakes.
   */
  readonly handshakes: "public" | "private" | "mixed";
}

/** Runs the worker; in loop mode it never returns. */
export async function workerMain(a: WorkerArgs): Promise<void> {
  const p = paths(a.dir);
  const journal = new Journal(p.journal);
  journal.begin("verify");
  const ds = new DeliveryService(p.ds, a.run);
  const crypto = recordingCrypto(p.sealLog);
  const identityProvider = new BasicIdentityProvider({ policy: acceptAll });
  const clients = new Map<string, Client>();
  for (const [i, name] of CLIENT_NAMES.entries()) {
    const handshakeWireFormat = a.handshakes === "mixed" ? (i % 2 === 0 ? "private" : "public") : a.handshakes;
    // A store that holds this client restores it: same credential and signature keys.
    const storage = sqliteStore({ path: p.client(name) });
    clients.set(name, await Client.create({ identity: name, identityProvider, crypto, storage, policy: { handshakeWireFormat } }));
  }
  const world = makeWorld(a.run, ds, clients, journal, p.results);
  const result = await verifyAfterRestart(world, a.started);
  appendFileSync(p.results, JSON.stringify(result) + "\n");
  journal.end();
  if (a.verifyOnly) {
    appendFileSync(p.results, JSON.stringify(finalReport(world, p.sealLog)) + "\n");
    for (const c of clients.values()) await c.storage.close();
    ds.close();
    return;
  }
  await ensureGroups(world);
  console.log("ready");
  const d = dice(a.seed * 100_003 + a.run);
  for (;;) await step(world, d);
}
