// The consumer project's program: a short conversation through the facade, with every
// package's entry points imported (entries.ts is written by the consumer test from the
// packed package.json "exports"). Type-checked in strict mode, then run by Node (and by
// Bun and Deno when their npm packages installed).
import { BasicIdentityProvider, CipherSuite, Client, directoryPolicy, MlsError, type Group } from "@mlskit/mls";
import { nobleCryptoProvider } from "@mlskit/crypto-noble";
import { memoryStore } from "@mlskit/storage-memory";
import { entryPoints } from "./entries.js";

const g = globalThis as { Bun?: { version: string }; Deno?: { version: { deno: string } }; process?: { versions: { node: string } } };
const runtime = g.Bun ? `bun ${g.Bun.version}` : g.Deno ? `deno ${g.Deno.version.deno}` : `node ${g.process?.versions.node ?? "?"}`;
const text = (b: Uint8Array): string => new TextDecoder().decode(b);

async function main(): Promise<void> {
  const loaded = Object.entries(entryPoints).map(([name, m]) => `${name} (${Object.keys(m).length})`);
  console.log(`[${runtime}] ${loaded.length} entry points loaded: ${loaded.join(", ")}`);

  // The Authentication Service: a directory of users' signature keys.
  const directory = new Map<string, Uint8Array>();
  const identityProvider = new BasicIdentityProvider({ policy: directoryPolicy((id) => directory.get(text(id))) });
  const client = async (identity: string, pure: boolean): Promise<Client> => {
    const c = await Client.create({
      identity,
      identityProvider,
      storage: memoryStore(),
      // Carol uses the pure-JS provider; the others the default (WebCrypto, noble where it lacks an algorithm).
      ...(pure ? { crypto: nobleCryptoProvider() } : {}),
    });
    directory.set(identity, c.signaturePublicKey);
    return c;
  };
  const alice = await client("alice", false);
  const bob = await client("bob", false);
  const carol = await client("carol", true);

  const a: Group = await alice.createGroup({ cipherSuite: CipherSuite.MLS_128_DHKEMX25519_AES128GCM_SHA256_Ed25519 });
  const add = await a.addMembers([(await bob.createKeyPackage()).keyPackage, (await carol.createKeyPackage()).keyPackage]);
  await a.confirmPendingCommit(); // the Delivery Service accepted the Commit
  if (add.welcome === undefined) throw new Error("no Welcome");
  const b = await bob.joinFromWelcome(add.welcome);
  const c = await carol.joinFromWelcome(add.welcome);

  const received: string[] = [];
  for (const [from, to] of [
    [a, [b, c]],
    [c, [a, b]],
  ] as const) {
    const ciphertext = await from.encrypt(`hello from ${from === a ? "alice" : "carol"}`);
    for (const r of to) {
      const m = await r.processIncoming(ciphertext);
      if (m.kind === "application") received.push(`${text(m.senderIdentity ?? new Uint8Array())}: ${text(m.data)}`);
    }
  }
  const members = (await c.members()).map((m) => text(m.identity));
  const agree = [b, c].every((x) => x.epochAuthenticator.join() === a.epochAuthenticator.join());
  try {
    await b.processIncoming(new Uint8Array([1, 2, 3]));
  } catch (e) {
    if (!MlsError.isInstance(e)) throw e;
    received.push(`garbage refused: ${e.code}`);
  }
  console.log(`[${runtime}] epoch ${a.epoch}, members ${members.join(", ")}, epoch authenticators agree: ${agree}`);
  console.log(`[${runtime}] ${received.join(" | ")}`);
  if (received.length !== 5 || !agree) throw new Error("conversation failed");
  console.log(`[${runtime}] conversation ok`);
}

await main();
