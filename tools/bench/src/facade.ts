/**
 * 1 KiB application messages through the `@mlskit/mls` facade, two members
 * (message cost does not depend on N): one `encrypt`/`processIncoming` at a
 * time, then bursts through `encryptMany`/`processIncomingMany`. The
 * facade serialises each group's operations, so these are the rates an
 * application gets from one group. Each rate is a median over rounds.
 */
import { BasicIdentityProvider, type CryptoProvider, acceptAll } from "@mlskit/core";
import { Client } from "@mlskit/mls";
import { fmt, printTable } from "./measure.js";

const PAYLOAD = new Uint8Array(1024).fill(0x61);
const BURST = 256;

/** Steps of one-at-a-time rounds: a rate is taken per round of this many messages. */
const ROUND = 250;

/**
 * Runs `step` (`count` messages each) for `budgetMs`; the median rate over
 * rounds of at least {@link ROUND} messages, so that a garbage-collection
 * pause or a slow phase of the machine moves it less than it would a total.
 */
async function ratePerSecond(budgetMs: number, count: number, step: () => Promise<void>): Promise<number> {
  const rates: number[] = [];
  const t = performance.now();
  do {
    const t0 = performance.now();
    let n = 0;
    do {
      await step();
      n += count;
    } while (n < ROUND);
    rates.push((n * 1000) / (performance.now() - t0));
  } while (performance.now() - t < budgetMs);
  rates.sort((a, b) => a - b);
  return rates[rates.length >> 1]!;
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
