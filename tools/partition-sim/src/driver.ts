/**
 * The partition simulation's client driver: C clients (the `@mlskit/mls`
 * facade, in process, with `forks` on), each reading and posting through
 * one server; the counts of what they send, read, roll back and lose along
 * the way; and, with history sharing on, the sharing of losing branches
 * after a heal (see sim.ts).
 */
import { toHex } from "@mlskit/codec";
import { BasicIdentityProvider, acceptAll } from "@mlskit/core";
import { nobleCryptoProvider } from "@mlskit/crypto-noble";
import { Client, type Group, type IncomingMessage, type LostChange, UsageError, shareHistoryBetween } from "@mlskit/mls";
import { rng } from "./rng.js";
import { type Msg, Server } from "./servers.js";
import type { SimConfig } from "./sim.js";

/** Retention of history copies with sharing on: K of forks plus the rounds a partition lasts, so a losing branch's epochs are still held at the heal. */
const HISTORY_RETAIN = 12;

const identityProvider = new BasicIdentityProvider({ policy: acceptAll });
const text = new TextDecoder();

export class ClientDriver {
  readonly trace: ((line: string) => void) | undefined;
  readonly C: number;
  readonly S: number;
  readonly guests: number;
  readonly names: string[];
  readonly servers: Server[];
  readonly cursor: number[];
  nextId = 0;
  readonly stats = { forks: 0, rolledBack: 0, maxRollback: 0, commits: 0, sent: 0, expected: 0, read: 0, readAcross: 0, readOnRetry: 0, readViaHistory: 0, bundles: 0 };
  /** Per application message: who should read it, who did. */
  readonly expect = new Map<number, { readers: Set<string>; read: Set<string>; msg: Msg; epoch: bigint }>();
  /** Per client, the lowest fork point it rolled back to since the last heal (it holds that losing branch's epochs). */
  readonly lostBranchFrom = new Map<number, bigint>();
  /** Per client, every (fork point, rolled-back-from epoch) it settled away from: a message it sent in (fork point, from] was on a losing branch. */
  readonly rolledBackRanges = new Map<number, { from: bigint; to: bigint; at: number }[]>();
  /** Lost changes (removes) by "epoch:key". */
  readonly lostChanges = new Map<string, { change: LostChange; reported: boolean }>();
  /** Per client, its view of the one group (set once everyone joined). */
  #groups: Group[] = [];
  #groupId: Uint8Array = new Uint8Array();

  private constructor(
    readonly config: SimConfig,
    readonly rand: () => number,
    readonly clients: Client[],
    names: string[],
  ) {
    this.trace = config.trace;
    this.S = config.servers;
    this.C = config.clients;
    this.guests = config.guests ?? 1;
    this.names = names;
    this.servers = Array.from({ length: this.S }, () => new Server());
    this.cursor = new Array<number>(this.C).fill(0);
  }

  get groups(): readonly Group[] {
    return this.#groups;
  }

  /** The clients, created; every one joined while connected. */
  static async create(config: SimConfig): Promise<ClientDriver> {
    const rand = rng(config.seed);
    const crypto = nobleCryptoProvider();
    const names = Array.from({ length: config.clients }, (_, i) => `c${i}`);
    const sharing = config.historySharing === true;
    const clients = await Promise.all(
      names.map((identity) =>
        Client.create({
          identity,
          identityProvider,
          crypto,
          forks: config.forks ?? {},
          // The application's consent: share with any member of the group (the library refuses non-members before asking).
          ...(sharing ? { historySharing: { retainEpochs: HISTORY_RETAIN, approve: (r: { relation: string }) => r.relation === "member" } } : {}),
        }),
      ),
    );
    const sim = new ClientDriver(config, rand, clients, names);

    // Everyone joins while connected.
    const g0 = await clients[0]!.createGroup();
    const kps = await Promise.all(clients.slice(1).map((c) => c.createKeyPackage()));
    const add = await g0.addMembers(kps.map((k) => k.keyPackage));
    await g0.confirmPendingCommit();
    sim.#groups = [g0, ...(await Promise.all(clients.slice(1).map((c) => c.joinFromWelcome(add.welcome!))))];
    sim.#groupId = g0.groupId;
    return sim;
  }

  readonly pick = <T>(xs: readonly T[]): T => xs[Math.floor(this.rand() * xs.length)]!;

  readonly serverOf = (c: number): number => c % this.S;

  post(c: number, bytes: Uint8Array): Msg {
    const m = { id: this.nextId++, from: c, bytes };
    this.servers[this.serverOf(c)]!.append(m);
    return m;
  }

  record(c: number, msgId: number, r: IncomingMessage): void {
    const { names, stats, expect, lostBranchFrom, rolledBackRanges, lostChanges } = this;
    if (r.kind === "application") expect.get(msgId)?.read.add(names[c]!);
    if (r.kind === "fork" && r.event === "branch-message" && r.application !== undefined) {
      const e = expect.get(msgId);
      if (e !== undefined && !e.read.has(names[c]!)) {
        e.read.add(names[c]!);
        stats.readAcross++;
      }
    }
    if (r.kind === "fork" && r.event === "commit") {
      stats.forks++;
      const prev = lostBranchFrom.get(c);
      if (r.winner === "theirs" && (prev === undefined || r.forkEpoch < prev)) lostBranchFrom.set(c, r.forkEpoch);
      if (r.winner === "theirs") rolledBackRanges.set(c, [...(rolledBackRanges.get(c) ?? []), { from: r.forkEpoch + 1n, to: r.forkEpoch + BigInt(r.rolledBack), at: msgId }]);
      stats.rolledBack += r.rolledBack;
      stats.maxRollback = Math.max(stats.maxRollback, r.rolledBack);
      for (const l of r.lost) {
        if (l.change.kind !== "remove" && l.change.kind !== "add" && l.change.kind !== "extensions") continue;
        const key = `${l.change.kind}:${"signatureKey" in l.change ? toHex(l.change.signatureKey) : "ext"}`;
        const seen = lostChanges.get(key);
        const reported = l.status === "needs-application" || (seen?.reported ?? false);
        lostChanges.set(key, { change: l, reported });
      }
      for (const p of r.reproposed) this.post(c, p.message);
    }
  }

  /** Client `c` reads everything new on its server, in the log's order. */
  async readAll(c: number): Promise<void> {
    const { names, cursor, trace } = this;
    const log = this.servers[this.serverOf(c)]!.log;
    const g = this.#groups[c]!;
    while (cursor[c]! < log.length) {
      const m = log[cursor[c]!++]!;
      if (m.from === c || !g.active) continue;
      try {
        const r = await g.processIncoming(m.bytes);
        if (r.kind === "commit") await r.staged.merge();
        if (r.kind === "commit" || r.kind === "fork")
          trace?.(
            `${names[c]} #${m.id} from ${names[m.from]}: ${r.kind === "fork" ? `${r.event}${r.event === "commit" ? ` at ${r.forkEpoch} winner ${r.winner} rolled back ${r.rolledBack}${r.removed ? " removed" : ""}` : ""}` : "commit"} -> epoch ${g.epoch}`,
          );
        this.record(c, m.id, r);
      } catch (e) {
        trace?.(`${names[c]} #${m.id} from ${names[m.from]} refused at epoch ${g.epoch}: ${(e as { code?: string }).code ?? String(e)}`);
        // Refused (a losing branch's message, a stale proposal): dropped, as an application would.
      }
    }
  }

  active(): number[] {
    return this.#groups.map((g, i) => (g.active ? i : -1)).filter((i) => i >= 0);
  }

  async send(c: number, label: string): Promise<void> {
    const { names, stats } = this;
    const g = this.#groups[c]!;
    try {
      const readers = new Set((await g.members()).map((m) => text.decode(m.identity)).filter((n) => n !== names[c]));
      const epoch = g.epoch;
      const bytes = await g.encrypt(label);
      const msg = this.post(c, bytes);
      this.trace?.(`${names[c]} sends #${msg.id} at epoch ${epoch}`);
      this.expect.set(msg.id, { readers, read: new Set(), msg, epoch });
      stats.sent++;
      stats.expected += readers.size;
    } catch (e) {
      if (!UsageError.isInstance(e)) throw e; // proposals pending: commit first
      await this.commit(c, false);
    }
  }

  /** A Commit by `c` (false when it may not commit: a Remove of itself is proposed, RFC 9420 §12.2; another member commits it). */
  async commit(c: number, mayRemove: boolean): Promise<boolean> {
    const { names, C, guests } = this;
    const g = this.#groups[c]!;
    const members = (await g.members()).map((m) => ({ leaf: m.leafIndex, name: text.decode(m.identity) }));
    const removable = members.filter((m) => names.indexOf(m.name) >= C - guests && m.name !== names[c]);
    let out;
    try {
      out = mayRemove && removable.length > 0 && this.rand() < 0.4 ? await g.removeMembers([this.pick(removable).leaf]) : await g.update();
    } catch (e) {
      if (UsageError.isInstance(e) && (e.code as string) === "usage/leaving") return false;
      throw e;
    }
    await g.confirmPendingCommit();
    const m = this.post(c, out.commit);
    this.trace?.(`${names[c]} commits #${m.id} -> epoch ${g.epoch} (${toHex(g.epochAuthenticator).slice(0, 8)})`);
    this.stats.commits++;
    return true;
  }

  /** Servers of one component exchange logs; its clients read. */
  async settleComponent(component: readonly number[]): Promise<void> {
    const servers = this.servers;
    for (let pass = 0; pass < 2; pass++) {
      for (const a of component) for (const b of component) if (a !== b) servers[a]!.pullFrom(servers[b]!);
    }
    for (const c of this.active()) if (component.includes(this.serverOf(c))) await this.readAll(c);
  }

  /**
   * History sharing after a heal: each active member that rolled back shares
   * every epoch it holds from its fork point on (both branches: the
   * recipients keep what their own keys do not read) with every other
   * active member; then each member retries what it has not read.
   */
  async shareLostBranches(): Promise<void> {
    const { stats, clients } = this;
    stats.readOnRetry += await this.retryUnread();
    const here = this.active();
    for (const [l, forkEpoch] of this.lostBranchFrom) {
      if (!here.includes(l)) continue;
      for (const m of here) {
        if (m === l) continue;
        try {
          await shareHistoryBetween(clients[l]!, clients[m]!, this.#groupId, { epochs: { from: forkEpoch + 1n } });
          stats.bundles++;
        } catch (e) {
          if (!UsageError.isInstance(e) || e.code !== "history/nothing-to-share") throw e;
        }
      }
    }
    this.lostBranchFrom.clear();
    stats.readViaHistory += await this.retryUnread();
  }

  /** Every client (a removed one too: it reads late messages of its epochs) retries the messages due to it it has not read; returns how many it read. */
  async retryUnread(): Promise<number> {
    let n = 0;
    for (let c = 0; c < this.C; c++) {
      const name = this.names[c]!;
      for (const e of this.expect.values()) {
        if (!e.readers.has(name) || e.read.has(name) || !this.servers[this.serverOf(c)]!.has.has(e.msg.id)) continue;
        try {
          const r = await this.#groups[c]!.processIncoming(e.msg.bytes);
          if (r.kind === "application") {
            e.read.add(name);
            n++;
          }
        } catch {
          // Still unreadable: counted as lost in the end.
        }
      }
    }
    return n;
  }
}
