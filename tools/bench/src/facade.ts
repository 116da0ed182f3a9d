/**
 * 1 KiB application messages through the `@mlskit/mls` facade, two members
 * (message cost does not depend on N): one `encrypt`/`processIncoming` at a
 * time, then bursts through `encryptMany`/`processIncomingMany`. The
 * facade serialises each group's operations and writes the group's state
 * to the client's store after each one (a burst: once), so these are the
 * rates an application gets from one group. Each rate is a median over
 * rounds.
 *
 * `benchFacade` compares providers (default store, in memory);
 * `benchFacadeStores` compares stores (in memory and SQLite, one file per
 * client) on one provider, their rounds interleaved so that a slow phase of
 * the machine weighs on both alike, for two members or for the two driven
 * members of a protocol fixture's group adopted by the facade.
 */
import { join as joinPath } from "node:path";
import { BasicIdentityProvider, type ClientStore, type CryptoProvider, acceptAll } from "@mlskit/core";
import { Client, type Group } from "@mlskit/mls";
import { memoryStore } from "@mlskit/storage-memory";
import { sqliteStore } from "@mlskit/storage-sqlite";
import type { GroupState } from "@mlskit/group";
import { fmt, printTable } from "./measure.js";
import { type DrivenMember, type GroupFixture, keyPackageOf } from "./protocol-fixture.js";
import { type ProviderSpec, services, steadyPair } from "./protocol-steps.js";

const PAYLOAD = new Uint8Array(1024).fill(0x61);
const BURST = 256;

/** Steps of one-at-a-time rounds: a rate is taken per round of this many messages (by default; see {@link FacadePair.round}). */
const ROUND = 250;
/** Messages sent and read before the rates are timed (by default). */
const WARMUP = 300;
/** Rounds per rate at least, whatever the budget. */
const MIN_ROUNDS = 3;

/** The four rates of one setup, messages/s. */
export interface FacadeRates {
  readonly encrypt: number;
  readonly decrypt: number;
  readonly encryptMany: number;
  readonly decryptMany: number;
}

/** Two members of a group through the facade, with what they sent and the other has not read yet. */
export interface FacadePair {
  readonly name: string;
  readonly a: Group;
  readonly b: Group;
  readonly sent: Uint8Array[];
  next: number;
  readonly bursts: Uint8Array[][];
  nextBurst: number;
  /** Messages per one-at-a-time round (fewer where each message costs milliseconds). */
  readonly round: number;
}

/** Where each client of a pair keeps its state, by identity (default: a fresh in-memory store). */
export type StoreFor = (identity: string) => ClientStore;

/** Warm-up: messages are read back in the order they were sent. */
async function warm(name: string, a: Group, b: Group, warmup = WARMUP, round = ROUND): Promise<FacadePair> {
  for (let i = 0; i < warmup; i++) await b.processIncoming(await a.encrypt(PAYLOAD));
  return { name, a, b, sent: [], next: 0, bursts: [], nextBurst: 0, round };
}

/** Alice creates a group and adds Bob; each client on its own provider instance and store. */
export async function facadePair(name: string, crypto: () => CryptoProvider, storage?: StoreFor): Promise<FacadePair> {
  const identityProvider = new BasicIdentityProvider({ policy: acceptAll });
  const [alice, bob] = await Promise.all(
    ["alice", "bob"].map((identity) => Client.create({ identity, identityProvider, crypto: crypto(), ...(storage ? { storage: storage(identity) } : {}) })),
  );
  const a = await alice!.createGroup();
  const add = await a.addMembers([(await bob!.createKeyPackage()).keyPackage]);
  await a.confirmPendingCommit();
  const b = await bob!.joinFromWelcome(add.welcome!);
  return warm(name, a, b);
}

/**
 * The protocol fixture's committer and receiver (a group of `fixture.n`
 * members, protocol-steps.ts `steadyPair`) served by the facade: each
 * state adopted (`Client.adoptGroup`, first write included) by a client
 * holding that member's credential and signature key. From N = 10,000,
 * where one message at a time costs milliseconds, warm-up and rounds are of
 * 50 messages.
 */
export async function adoptedPair(name: string, spec: ProviderSpec, fixture: GroupFixture, storage: StoreFor): Promise<FacadePair> {
  const { C, R } = await steadyPair(spec, fixture);
  const adopt = async (member: DrivenMember, state: GroupState, identity: string) => {
    const { leafNode } = keyPackageOf(member.keyPackage);
    const client = await Client.create({
      credential: leafNode.credential,
      signatureKeyPair: { publicKey: leafNode.signatureKey, privateKey: member.signaturePrivateKey },
      identityProvider: services.identityProvider,
      crypto: spec.make(),
      storage: storage(identity),
    });
    return client.adoptGroup(state);
  };
  const [warmup, round] = fixture.n >= 10_000 ? [50, 50] : [WARMUP, ROUND];
  return warm(name, await adopt(fixture.committer, C, "committer"), await adopt(fixture.receiver, R, "receiver"), warmup, round);
}

/**
 * Runs `step(pair)` (`count` messages each) in rounds of at least
 * `pair.round` messages, the pairs taking turns, until `budgetMs` per pair
 * is spent and each has {@link MIN_ROUNDS}; each pair's median rate over
 * its rounds, so that a garbage-collection pause or a slow phase of the
 * machine moves it less than it would a total.
 */
async function interleavedRates(pairs: readonly FacadePair[], budgetMs: number, count: number, step: (p: FacadePair) => Promise<void>): Promise<number[]> {
  const rates: number[][] = pairs.map(() => []);
  const t = performance.now();
  do {
    // The pairs take turns, in the other order every round (what one round leaves to collect, the next pays).
    const order = rates[0]!.length % 2 === 0 ? [...pairs.entries()] : [...pairs.entries()].reverse();
    for (const [i, p] of order) {
      const t0 = performance.now();
      let n = 0;
      do {
        await step(p);
        n += count;
      } while (n < p.round);
      rates[i]!.push((n * 1000) / (performance.now() - t0));
    }
  } while (performance.now() - t < budgetMs * pairs.length || rates[0]!.length < MIN_ROUNDS);
  return rates.map((r) => [...r].sort((x, y) => x - y)[r.length >> 1]!);
}

/** The four rates of each pair, measured side by side (one phase after another, the pairs' rounds interleaved). */
async function facadeRates(pairs: readonly FacadePair[], budgetMs: number): Promise<FacadeRates[]> {
  const burst = Array.from({ length: BURST }, () => PAYLOAD);
  const encrypt = await interleavedRates(pairs, budgetMs, 1, async (p) => void p.sent.push(await p.a.encrypt(PAYLOAD)));
  const decrypt = await interleavedRates(pairs, budgetMs, 1, async (p) => {
    if (p.next === p.sent.length) p.sent.push(await p.a.encrypt(PAYLOAD)); // only if the budget outlasts what was sent
    await p.b.processIncoming(p.sent[p.next++]!);
  });
  for (const p of pairs) {
    // Messages the decrypt budget did not reach are read untimed: a receiver left more than the
    // ratchet's forward distance behind would refuse the bursts below as too far ahead (RFC 9420 §15.3).
    while (p.next < p.sent.length) await p.b.processIncoming(p.sent[p.next++]!);
    p.sent.length = 0;
    p.next = 0;
  }
  const encryptMany = await interleavedRates(pairs, budgetMs, BURST, async (p) => void p.bursts.push(await p.a.encryptMany(burst)));
  const decryptMany = await interleavedRates(pairs, budgetMs, BURST, async (p) => {
    if (p.nextBurst === p.bursts.length) p.bursts.push(await p.a.encryptMany(burst));
    const results = await p.b.processIncomingMany(p.bursts[p.nextBurst++]!);
    if (results.some((r) => r.status !== "fulfilled")) throw new Error("a message of the burst was not read");
  });
  for (const p of pairs) {
    p.bursts.length = 0;
    p.nextBurst = 0;
  }
  return pairs.map((_, i) => ({ encrypt: encrypt[i]!, decrypt: decrypt[i]!, encryptMany: encryptMany[i]!, decryptMany: decryptMany[i]! }));
}

/** Encrypt and decrypt rates through the facade, per provider (default store, in memory). */
export async function benchFacade(providers: readonly { readonly name: string; readonly make: () => CryptoProvider }[], budgetMs: number): Promise<void> {
  const rows: string[][] = [];
  for (const spec of providers) {
    const [r] = await facadeRates([await facadePair(spec.name, spec.make)], budgetMs);
    rows.push([spec.name, fmt(r!.encrypt), fmt(r!.decrypt), fmt(r!.encryptMany), fmt(r!.decryptMany)]);
  }
  printTable(
    `Facade (@mlskit/mls), 1 KiB application messages, two members, in-memory store (messages/s)`,
    ["provider", "encrypt", "processIncoming", `encryptMany (${BURST})`, `processIncomingMany (${BURST})`],
    rows,
  );
}

/** The rates by the names the tables print them, with whether a target applies (bursts). */
export const RATE_ROWS: readonly { readonly name: string; readonly get: (r: FacadeRates) => number; readonly burst: boolean }[] = [
  { name: "encrypt, one at a time", get: (r) => r.encrypt, burst: false },
  { name: "processIncoming, one at a time", get: (r) => r.decrypt, burst: false },
  { name: `encryptMany (${BURST})`, get: (r) => r.encryptMany, burst: true },
  { name: `processIncomingMany (${BURST})`, get: (r) => r.decryptMany, burst: true },
];

/**
 * The rates with in-memory stores and with SQLite stores (one file per
 * client in `dir`, named with `tag`; closed here, the caller removes `dir`),
 * the pairs made by `makePair`, their rounds interleaved.
 */
export async function benchFacadeStores(
  budgetMs: number,
  dir: string,
  tag: string,
  makePair: (name: string, storage: StoreFor) => Promise<FacadePair>,
): Promise<{ memory: FacadeRates; sqlite: FacadeRates; senderStateBytes: number }> {
  const opened: ClientStore[] = [];
  const open = (s: ClientStore) => (opened.push(s), s);
  try {
    const memory = await makePair("memory", () => open(memoryStore()));
    const sqlite = await makePair("sqlite", (identity) => open(sqliteStore({ path: joinPath(dir, `${tag}-${identity}.db`) })));
    const [m, s] = await facadeRates([memory, sqlite], budgetMs);
    // What each write of the sender carries: its stored state.
    const stored = await opened[0]!.readGroup(memory.a.groupId);
    return { memory: m!, sqlite: s!, senderStateBytes: stored?.state.length ?? NaN };
  } finally {
    for (const s of opened) await s.close();
  }
}
