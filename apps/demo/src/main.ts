/**
 * `npm run demo`: the system of RFC 9750 end to end — the Authentication
 * Service and the Delivery Service on SQLite in a temporary folder,
 * listening on loopback, and five people talking through them over HTTP and
 * WebSocket (system/system-demo.ts). With `--library`, instead, a scripted
 * group conversation through the `@mlskit/mls` facade alone (create, add, messages, update, add by reference, remove, and the
 * removed member failing to read), with each member's state in its own
 * SQLite file in a temporary directory. The process then stops and a new
 * one starts (`--resume DIR`): the members come back from their files and
 * carry the conversation on. With `--foundation`, the foundation
 * walkthrough follows: labeled operations, HPKE and the key schedule on
 * suite 0x0001 with both providers, then suite 0x0003 (ChaCha20-Poly1305)
 * with WebCrypto composed with noble for what `crypto.subtle` lacks.
 */
import { spawnSync } from "node:child_process";
import { randomBytes } from "node:crypto";
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { fileURLToPath } from "node:url";
import { CipherSuite } from "@mlskit/core";
import { nobleCryptoProvider, noblePrimitives } from "@mlskit/crypto-noble";
import { webCryptoProvider } from "@mlskit/crypto-webcrypto";
import { type SqliteClientStore, sqliteStore } from "@mlskit/storage-sqlite";
import { conversation } from "./conversation.js";
import { carryOn } from "./restart.js";
import { startServers } from "./system/servers.js";
import { systemDemo } from "./system/system-demo.js";
import { walkthrough } from "./walkthrough.js";

const print = (line: string) => console.log(line);
const MEMBERS = ["alice", "bob", "carol", "dave"];

/** Opens (or creates) each member's SQLite file in `dir`. */
function storesIn(dir: string): Map<string, SqliteClientStore> {
  return new Map(MEMBERS.map((n) => [n, sqliteStore({ path: join(dir, `${n}.db`) })]));
}

const resume = process.argv.indexOf("--resume");
if (resume >= 0) {
  const dir = process.argv[resume + 1]!;
  console.log(`\n== A new process (pid ${process.pid}) opens the same SQLite files`);
  const stores = storesIn(dir);
  const result = await carryOn(print, MEMBERS, (n) => stores.get(n)!, readFileSync(join(dir, "undelivered.bin")));
  for (const s of stores.values()) await s.close();
  process.exit(result.agree ? 0 : 1);
}

if (!process.argv.includes("--library")) {
  console.log("mlskit demo: clients, an Authentication Service and a Delivery Service (RFC 9750) on loopback");
  const dir = mkdtempSync(join(tmpdir(), "mlskit-demo-"));
  const servers = await startServers(dir, randomBytes(16).toString("hex"));
  console.log(`AS at ${servers.asUrl}, DS at ${servers.dsUrl} (SQLite files in ${dir})`);
  try {
    const result = await systemDemo(print, servers, dir);
    const ok = result.agree && result.readAfterRemoval.length === 0;
    console.log(ok ? `\ndemo finished: epoch ${result.finalEpoch}, members ${result.members.join(", ")}` : "\ndemo FAILED");
    if (!ok) process.exitCode = 1;
  } finally {
    await servers.close();
    rmSync(dir, { recursive: true, force: true });
  }
  console.log("(`node apps/demo/dist/main.js --library` runs the library-only conversation with a process restart)");
  process.exit();
}

console.log("mlskit demo: an MLS (RFC 9420) group conversation");
const dir = mkdtempSync(join(tmpdir(), "mlskit-demo-"));
try {
  const stores = storesIn(dir);
  console.log(`(each member keeps its state in ${dir}/<name>.db)`);
  const result = await conversation(print, undefined, (n) => stores.get(n));
  writeFileSync(join(dir, "undelivered.bin"), result.undelivered);
  for (const s of stores.values()) await s.close();
  console.log(`\n== The members stop (process ${process.pid} closes its SQLite files) and a new process starts`);
  const child = spawnSync(process.execPath, [fileURLToPath(import.meta.url), "--library", "--resume", dir], { stdio: "inherit" });
  if (child.status !== 0) {
    console.error(`the restarted members failed (exit ${child.status})`);
    process.exitCode = 1;
  }
} finally {
  rmSync(dir, { recursive: true, force: true });
}

if (process.argv.includes("--foundation")) {
  console.log("\nPart 2, the foundation walkthrough: labeled operations, HPKE and the RFC 9420 key schedule");
  await walkthrough(webCryptoProvider(), CipherSuite.MLS_128_DHKEMX25519_AES128GCM_SHA256_Ed25519, print);
  await walkthrough(nobleCryptoProvider(), CipherSuite.MLS_128_DHKEMX25519_AES128GCM_SHA256_Ed25519, print);
  const chacha = CipherSuite.MLS_128_DHKEMX25519_CHACHA20POLY1305_SHA256_Ed25519;
  try {
    await webCryptoProvider().cipherSuite(chacha);
  } catch (e) {
    console.log(`\nWebCrypto alone, suite 0x0003: ${(e as Error).message}`);
  }
  await walkthrough(webCryptoProvider({ fallback: noblePrimitives() }), chacha, print);
} else {
  console.log("\n(run `node apps/demo/dist/main.js --foundation` for the crypto foundation walkthrough)");
}
