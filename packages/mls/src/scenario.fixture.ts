/**
 * A seeded multi-party scenario through the facade and the simulated
 * Delivery Service (test fixture, excluded from the build): members add,
 * remove, update, join externally and resync, send PSK and by-reference
 * proposals from several members, race Commits, and exchange application
 * messages that the DS delivers late and out of order. After every
 * operation all members must agree on epoch, epoch authenticator and
 * membership; removed members must fail on every later message.
 */
import { expect } from "vitest";
import { bytesEqual, toHex, utf8 } from "@mlskit/codec";
import { BasicIdentityProvider, type CryptoProvider, MlsError, ValidationError, acceptAll } from "@mlskit/core";
import { processMessage } from "@mlskit/group";
import { Client, type CommitOutput, type Group, type IncomingMessage } from "@mlskit/mls";
import { DeliveryService, type Envelope } from "@mlskit/mls/testing";
import { seededRandom } from "@mlskit/test-vectors/random";

/** Options of {@link runScenario}. */
export interface ScenarioOptions {
  readonly crypto: CryptoProvider;
  readonly seed: number;
  readonly operations: number;
  /** Clients in the pool (members and candidates). */
  readonly clients?: number;
  readonly initialMembers?: number;
  readonly handshakeWireFormat?: "public" | "private";
}

/** What a run did. */
export interface ScenarioStats {
  operations: number;
  epochs: number;
  maxMembers: number;
  finalMembers: number;
  ops: Record<string, number>;
  applicationSent: number;
  applicationReceived: number;
  lateReceived: number;
  outOfOrder: number;
  tooOld: number;
  commitsRejected: number;
  proposalsByReference: number;
  removedChecks: number;
  agreementChecks: number;
}

const PAST_EPOCHS = 3;
const PSK_IDS = [utf8("psk-0"), utf8("psk-1"), utf8("psk-2")];

interface Removed {
  readonly name: string;
  readonly group: Group;
  readonly epoch: bigint;
}

/** Runs the scenario; throws (through `expect`) on any disagreement. */
export async function runScenario(options: ScenarioOptions): Promise<ScenarioStats> {
  const random = seededRandom(options.seed);
  const pick = <T>(xs: readonly T[]): T => xs[Math.floor(random() * xs.length)]!;
  const identityProvider = new BasicIdentityProvider({ policy: acceptAll });
  const ds = new DeliveryService({ random, delayProbability: 0.3, maxDelay: 4 });
  const names = Array.from({ length: options.clients ?? 9 }, (_, i) => `c${i}`);
  const clients = new Map<string, Client>();
  for (const n of names) {
    const c = await Client.create({
      identity: n,
      identityProvider,
      crypto: options.crypto,
      policy: { handshakeWireFormat: options.handshakeWireFormat ?? "public", pastEpochs: PAST_EPOCHS },
    });
    for (const [i, id] of PSK_IDS.entries()) await c.psks.put(id, utf8(`shared external psk ${i} ${options.seed}`));
    clients.set(n, c);
  }
  const groups = new Map<string, Group>(); // the active group of each member
  const joinedAt = new WeakMap<Group, bigint>();
  const removed: Removed[] = [];
  const sent = new Map<Uint8Array, { text: string; epoch: bigint; from: string }>(); // by message (the DS passes the same bytes)
  const lastSeq = new Map<string, number>(); // receiver|sender -> highest seq seen
  const stats: ScenarioStats = {
    operations: 0,
    epochs: 0,
    maxMembers: 0,
    finalMembers: 0,
    ops: {},
    applicationSent: 0,
    applicationReceived: 0,
    lateReceived: 0,
    outOfOrder: 0,
    tooOld: 0,
    commitsRejected: 0,
    proposalsByReference: 0,
    removedChecks: 0,
    agreementChecks: 0,
  };
  let messageCounter = 0;
  // Read by the helpers below, assigned once the group exists.
  // eslint-disable-next-line prefer-const
  let groupId: Uint8Array;

  const members = () => names.filter((n) => groups.has(n));
  const outsiders = () => names.filter((n) => !groups.has(n));
  const adopt = (name: string, g: Group) => {
    groups.set(name, g);
    joinedAt.set(g, g.epoch);
  };

  async function onApplication(name: string, env: Envelope, g: Group | undefined): Promise<void> {
    const expected = sent.get(env.bytes)!;
    if (g === undefined || !g.active) {
      // A removed member: it may read late messages of the epochs it was in, nothing later.
      const rec = [...removed].reverse().find((r) => r.name === name);
      if (rec === undefined) throw new Error(`${name} got a message but has no group`);
      const result = await rec.group.processIncoming(env.bytes).then(
        (r) => r,
        (e: unknown) => e,
      );
      if (env.epoch >= rec.epoch) {
        expect(ValidationError.isInstance(result) && result.code).toBe("message/after-removal");
      } else if (!(MlsError.isInstance(result) && result.code === "message/epoch-too-old")) {
        expect((result as IncomingMessage).kind).toBe("application");
      } else stats.tooOld++;
      return;
    }
    const r = await g.processIncoming(env.bytes).then(
      (x) => x,
      (e: unknown) => e,
    );
    if (MlsError.isInstance(r)) {
      // Only too-old epochs (beyond the kept window, or before we joined) may fail.
      const joined = joinedAt.get(g) ?? 0n;
      expect(r.code, `${name} failed on ${expected.text}: ${r.message}`).toBe("message/epoch-too-old");
      expect(g.epoch - env.epoch > BigInt(PAST_EPOCHS) || env.epoch < joined).toBe(true);
      stats.tooOld++;
      return;
    }
    const got = r as IncomingMessage;
    if (got.kind !== "application") throw new Error(`expected application, got ${got.kind}`);
    expect(new TextDecoder().decode(got.data)).toBe(expected.text);
    expect(new TextDecoder().decode(got.senderIdentity!)).toBe(expected.from);
    expect(got.epoch).toBe(expected.epoch);
    stats.applicationReceived++;
    if (got.epoch < g.epoch) stats.lateReceived++;
    const key = `${name}|${env.from}`;
    if ((lastSeq.get(key) ?? -1) > env.seq) stats.outOfOrder++;
    lastSeq.set(key, Math.max(lastSeq.get(key) ?? -1, env.seq));
  }

  async function handle(name: string, env: Envelope): Promise<void> {
    const client = clients.get(name)!;
    if (env.kind === "welcome") {
      adopt(name, await client.joinFromWelcome(env.bytes));
      return;
    }
    const g = groups.get(name);
    if (env.kind === "application") return onApplication(name, env, g);
    if (g === undefined) throw new Error(`${name} got a handshake message but has no group`);
    const r = await g.processIncoming(env.bytes);
    if (r.kind === "commit") {
      const res = await r.staged.merge();
      if (res.removed) {
        removed.push({ name, group: g, epoch: r.staged.epoch });
        groups.delete(name);
        ds.unsubscribe(groupId, name);
      }
    }
  }

  async function deliverAll(): Promise<void> {
    for (;;) {
      let any = false;
      for (const n of names) {
        for (const env of ds.receive(n)) {
          any = true;
          await handle(n, env);
        }
      }
      if (!any) return;
    }
  }

  /** Every removed member fails on a message of a later epoch, through the facade and the raw state machine. */
  async function checkRemovedCannotRead(bytes: Uint8Array, epoch: bigint): Promise<void> {
    for (const rec of removed.slice(-3)) {
      if (epoch < rec.epoch) continue;
      await expect(rec.group.processIncoming(bytes)).rejects.toMatchObject({ code: "message/after-removal" });
      const raw = await processMessage(rec.group.state, bytes).then(
        (x) => x.kind,
        (e: unknown) => (MlsError.isInstance(e) ? "error" : String(e)),
      );
      expect(["error", "buffered"]).toContain(raw);
      stats.removedChecks++;
    }
  }

  async function checkAgreement(): Promise<void> {
    const ms = members();
    const first = groups.get(ms[0]!)!;
    const roster = (await first.members()).map((m) => `${m.leafIndex}:${new TextDecoder().decode(m.identity)}`);
    expect(roster.map((r) => r.split(":")[1]).sort()).toEqual([...ms].sort());
    expect(first.epoch).toBe(ds.epoch(groupId));
    const exported = toHex(await first.export("scenario", new Uint8Array(0), 16));
    for (const n of ms.slice(1)) {
      const g = groups.get(n)!;
      expect(g.epoch, `${n} epoch`).toBe(first.epoch);
      expect(bytesEqual(g.epochAuthenticator, first.epochAuthenticator), `${n} epoch authenticator`).toBe(true);
      expect((await g.members()).map((m) => `${m.leafIndex}:${new TextDecoder().decode(m.identity)}`)).toEqual(roster);
      expect(toHex(await g.export("scenario", new Uint8Array(0), 16))).toBe(exported);
    }
    stats.agreementChecks++;
    stats.maxMembers = Math.max(stats.maxMembers, ms.length);
  }

  async function submitCommit(name: string, out: CommitOutput, newMembers: readonly string[] = []): Promise<boolean> {
    const r = ds.submitHandshake(name, out.commit, {
      ...(out.welcome !== undefined ? { welcome: out.welcome } : {}),
      newMembers,
      ...(out.groupInfo !== undefined ? { groupInfo: out.groupInfo } : {}),
    });
    if (!r.accepted) {
      stats.commitsRejected++;
      await groups.get(name)!.discardPendingCommit();
      return false;
    }
    await checkRemovedCannotRead(out.commit, out.epoch - 1n);
    return true;
  }

  const keyPackage = async (n: string) => (await clients.get(n)!.createKeyPackage()).keyPackage;

  // Setup: c0 creates the group and adds the first members.
  const creator = clients.get(names[0]!)!;
  const g0 = await creator.createGroup({ groupId: utf8(`scenario-${options.seed}`) });
  groupId = g0.groupId;
  adopt(names[0]!, g0);
  ds.createGroup(groupId, [names[0]!]);
  const firstMembers = names.slice(1, options.initialMembers ?? 5);
  const setup = await g0.addMembers(await Promise.all(firstMembers.map(keyPackage)), { groupInfo: true });
  await submitCommit(names[0]!, setup, firstMembers);
  await deliverAll();
  await checkAgreement();

  const ops: [string, number][] = [
    ["message", 28],
    ["add", 9],
    ["remove", 8],
    ["update", 8],
    ["external", 6],
    ["resync", 2],
    ["psk", 5],
    ["resumption-psk", 2],
    ["by-reference", 16],
    ["race", 6],
    ["external-race", 2],
  ];
  const totalWeight = ops.reduce((s, [, w]) => s + w, 0);
  const choose = (): string => {
    let x = random() * totalWeight;
    for (const [op, w] of ops) if ((x -= w) < 0) return op;
    return "message";
  };

  for (let i = 0; i < options.operations; i++) {
    let op = choose();
    const ms = members();
    if (ms.length < 4 && (op === "remove" || op === "message")) op = outsiders().length > 0 ? "add" : "update";
    if (ms.length >= names.length - 1 && (op === "add" || op === "external" || op === "external-race")) op = "remove";
    stats.ops[op] = (stats.ops[op] ?? 0) + 1;
    const committer = pick(ms);
    const g = groups.get(committer)!;
    switch (op) {
      case "message": {
        // A burst of 1-4 messages, half the time from one sender (so that held-back ones arrive out of order).
        const burst = 1 + Math.floor(random() * 4);
        const oneSender = random() < 0.5 ? pick(members()) : undefined;
        for (let k = 0; k < burst; k++) {
          const sender = oneSender ?? pick(members());
          const sg = groups.get(sender)!;
          const text = `${sender}:${messageCounter++}`;
          const bytes = await sg.encrypt(text, { authenticatedData: utf8(`ad-${k}`) });
          sent.set(bytes, { text, epoch: sg.epoch, from: sender });
          ds.submitApplication(sender, bytes);
          stats.applicationSent++;
          await checkRemovedCannotRead(bytes, sg.epoch);
        }
        break;
      }
      case "add": {
        const n = pick(outsiders());
        await submitCommit(committer, await g.addMembers([await keyPackage(n)], { groupInfo: true }), [n]);
        break;
      }
      case "remove": {
        const target = pick(ms.filter((m) => m !== committer));
        await submitCommit(committer, await g.removeMembers([random() < 0.5 ? target : groups.get(target)!.ownLeafIndex], { groupInfo: true }));
        break;
      }
      case "update":
        await submitCommit(committer, await g.update({ groupInfo: true }));
        break;
      case "psk":
        await submitCommit(committer, await g.commit({ proposals: [{ psk: pick(PSK_IDS) }], groupInfo: true }));
        break;
      case "resumption-psk":
        await submitCommit(committer, await g.commit({ proposals: [{ resumptionPsk: { epoch: g.epoch } }], groupInfo: true }));
        break;
      case "external":
      case "resync": {
        const n = op === "external" ? pick(outsiders()) : committer;
        const joined = await clients.get(n)!.joinExternal(ds.groupInfo(groupId)!, op === "resync" ? { resync: true } : {});
        adopt(n, joined.group);
        const r = ds.submitHandshake(n, joined.commit);
        expect(r.accepted).toBe(true);
        break;
      }
      case "external-race": {
        // A member's Commit wins the epoch; the external joiner built on the same GroupInfo is rejected.
        const n = pick(outsiders());
        const joined = await clients.get(n)!.joinExternal(ds.groupInfo(groupId)!);
        await submitCommit(committer, await g.update({ groupInfo: true }));
        const r = ds.submitHandshake(n, joined.commit);
        expect(r.accepted).toBe(false);
        stats.commitsRejected++;
        await joined.group.discardPendingCommit();
        expect(joined.group.active).toBe(false);
        break;
      }
      case "race": {
        // Two members commit in the same epoch: the DS takes the first, the second discards its pending Commit.
        const other = pick(ms.filter((m) => m !== committer));
        const og = groups.get(other)!;
        const [a, b] = await Promise.all([g.update({ groupInfo: true }), og.update({ groupInfo: true })]);
        expect(await submitCommit(committer, a)).toBe(true);
        expect(await submitCommit(other, b)).toBe(false);
        expect(og.hasPendingCommit).toBe(false);
        break;
      }
      case "by-reference": {
        // Several members propose; another member commits them by reference.
        const proposers = ms
          .filter((m) => m !== committer)
          .sort(() => random() - 0.5)
          .slice(0, 1 + Math.floor(random() * 3));
        const targeted = new Set<string>([committer, ...proposers]);
        const adds: string[] = [];
        const psks = [...PSK_IDS].sort(() => random() - 0.5);
        let removes = 0;
        for (const p of proposers) {
          const pg = groups.get(p)!;
          const kind = pick(["update", "psk", "add", "remove"]);
          let out;
          if (kind === "add" && outsiders().filter((o) => !adds.includes(o)).length > 0) {
            const n = pick(outsiders().filter((o) => !adds.includes(o)));
            adds.push(n);
            out = await pg.proposeAdd(await keyPackage(n));
          } else if (kind === "remove" && ms.length - removes > 4) {
            const candidates = ms.filter((m) => !targeted.has(m));
            if (candidates.length === 0) out = await pg.proposeUpdate();
            else {
              const t = pick(candidates);
              targeted.add(t);
              removes++;
              out = await pg.proposeRemove(t);
            }
          } else if (kind === "psk") out = await pg.proposePsk(psks.pop() ?? PSK_IDS[0]!);
          else out = await pg.proposeUpdate();
          expect(ds.submitHandshake(p, out.message).accepted).toBe(true);
          stats.proposalsByReference++;
        }
        await deliverAll();
        const cg = groups.get(committer)!;
        expect(cg.pendingProposals).toBe(proposers.length);
        await submitCommit(committer, await cg.commit({ groupInfo: true }), adds);
        // Proposers' own pending proposals are dropped with the epoch change.
        break;
      }
    }
    await deliverAll();
    // External Commits publish no GroupInfo: a member publishes one for the next joiner.
    if (ds.groupInfo(groupId) === undefined) ds.publishGroupInfo(groupId, await groups.get(pick(members()))!.groupInfo());
    if (i % 10 === 9) {
      ds.releaseAll();
      await deliverAll();
    }
    await checkAgreement();
    stats.operations++;
  }
  ds.releaseAll();
  await deliverAll();
  await checkAgreement();
  stats.epochs = Number(groups.get(members()[0]!)!.epoch);
  stats.finalMembers = members().length;
  return stats;
}
