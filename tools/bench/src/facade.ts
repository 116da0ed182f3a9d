/**
 * 1 KiB application messages through the `@mlskit/mls` facade, two members
 * (message cost does not depend on N): one `encrypt`/`processIncoming` at a
 * time, then bursts through `encryptMany`/`processIncomingMany`. The
 * facade serialises each group's operations, so these are the rates an
 * application gets from one group.
 */
import { BasicIdentityProvider, type CryptoProvider, acceptAll } from "@mlskit/core";
import { Client } from "@mlskit/mls";
import { fmt, printTable } from "./measure.js";

const PAYLOAD = new Uint8Array(1024).fill(0x61);
const BURST = 256;

async function ratePerSecond(budgetMs: number, count: number, step: () => Promise<void>): Promise<number> {
  let n = 0;
  const t = performance.now();
  do {
    await step();
    n += count;
  } while (performance.now() - t < budgetMs);
  return (n * 1000) / (performance.now() - t);
}

/** Encrypt and decrypt rates through the facade, per provider. */
export async function benchFacade(providers: readonly { readonly name: string; readonly make: () => CryptoProvider }[], budgetMs: number): Promise<void> {
  const rows: string[][] = [];
  for (const spec of providers) {
    const identityProvider = new BasicIdentityProvider({ policy: acceptAll });
    const [alice, bob] = await Promise.all(["alice", "bob"].map((identity) => Client.create({ identity, identityProvider, crypto: spec.make() })));
    const a = await alice!.createGroup();
    const add = await a.addMembers([(await bob!.createKeyPackage()).keyPackage]);
    await a.confirmPendingCommit();
    const b = await bob!.joinFromWelcome(add.welcome!);
    // Warm-up, then one at a time: messages are read back in the order they were sent.
    for (let i = 0; i < 300; i++) await b.processIncoming(await a.encrypt(PAYLOAD));
    const sent: Uint8Array[] = [];
    const encrypt = await ratePerSecond(budgetMs, 1, async () => void sent.push(await a.encrypt(PAYLOAD)));
    let next = 0;
    const decrypt = await ratePerSecond(budgetMs, 1, async () => {
      if (next === sent.length) sent.push(await a.encrypt(PAYLOAD)); // only if the budget outlasts what was sent
      await b.processIncoming(sent[next++]!);
    });
    // Messages the decrypt budget did not reach are read untimed: a receiver left more than the
    // ratchet's forward distance behind would refuse the bursts below as too far ahead (RFC 9420 §15.3).
    while (next < sent.length) await b.processIncoming(sent[next++]!);
    sent.length = 0;
    const bursts: Uint8Array[][] = [];
    const burst = Array.from({ length: BURST }, () => PAYLOAD);
    const encryptMany = await ratePerSecond(budgetMs, BURST, async () => void bursts.push(await a.encryptMany(burst)));
    let nextBurst = 0;
    const decryptMany = await ratePerSecond(budgetMs, BURST, async () => {
      if (nextBurst === bursts.length) bursts.push(await a.encryptMany(burst));
      const results = await b.processIncomingMany(bursts[nextBurst++]!);
      if (results.some((r) => r.status !== "fulfilled")) throw new Error("a message of the burst was not read");
    });
    rows.push([spec.name, fmt(encrypt), fmt(decrypt), fmt(encryptMany), fmt(decryptMany)]);
  }
  printTable(
    `Facade (@mlskit/mls), 1 KiB application messages, two members (messages/s)`,
    ["provider", "encrypt", "processIncoming", `encryptMany (${BURST})`, `processIncomingMany (${BURST})`],
    rows,
  );
}
