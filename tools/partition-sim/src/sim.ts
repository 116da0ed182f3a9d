/**
 * Partition simulation of forks (issue 16). S servers are simple
 * replicating logs (append-only, eventually consistent: connected servers
 * exchange what they miss, each in the other's order, so every log stays
 * causally ordered); C clients (the `@mlskit/mls` facade, in process, with
 * `forks` on) each read and post through one server. A seed drives
 * partitions of the servers and heals, and on every side concurrent
 * Commits (self-updates, removals of "guest" members) and application
 * messages. Commits are optimistic: the committer merges its own at once,
 * as in a decentralised setting where no Delivery Service orders them.
 *
 * After each heal: every client reads everything, then one round of
 * messages (each active member sends one and reads the others'); then every
 * active member must be on one epoch authenticator. Counted: application
 * messages read vs lost (per recipient that was a member when it was
 * sent), forks detected and settled, epochs rolled back, and the
 * membership changes of losing branches: applied in the end or reported to
 * the application, none dropped.
 *
 * History sharing (`historySharing: true`): every client retains copies of
 * its epochs (`historySharing.retainEpochs`) and approves sharing with any
 * member of the group. After each heal, each client that rolled back in a
 * fork (a losing-branch member: it holds the losing epochs' keys, kept per
 * branch) shares the epochs from its first fork point on with every other
 * active member (`shareHistoryBetween`); the members import, and every
 * member retries the messages it could not read. Off, `lost` is what a
 * member cannot read without it; the `onLost` hook of {@link SimConfig} is
 * told of each message still lost in the end.
 */
import { toHex } from "@mlskit/codec";
import { BasicIdentityProvider, acceptAll } from "@mlskit/core";
import { nobleCryptoProvider } from "@mlskit/crypto-noble";
import { withSeededRandomness } from "./seeded.js";
import { Client, type ForkOptions, type Group, type IncomingMessage, type LostChange, UsageError, shareHistoryBetween } from "@mlskit/mls";

export interface SimConfig {
  readonly seed: number;
  readonly servers: number;
  readonly clients: number;
  /** Partition/heal cycles. */
  readonly phases: number;
  /** Rounds of activity per partition (1..this, drawn per phase). */
  readonly maxRoundsApart?: number;
  /** Guests: the last clients, which committers may remove. */
  readonly guests?: number;
  readonly forks?: ForkOptions;
  /** History sharing on: after each heal, losing-branch members share their epochs with the others (see the module comment). */
  readonly historySharing?: boolean;
  /** Told of each application message a member could not read in the end (with history sharing on: what sharing did not recover). */
  readonly onLost?: (lost: LostMessage) => void;
  /** Debugging: told of every Commit sent, fork settled, message refused and heal, one line each. */
  readonly trace?: (line: string) => void;
}

/** A (message, recipient) pair not read in the end, and why it may be so. */
export interface LostMessage {
  readonly messageId: number;
  readonly recipient: string;
  readonly sender: string;
  /** The message's epoch on the sender's branch. */
  readonly epoch: bigint;
  /** The recipient was still a member at the end of the run. */
  readonly recipientActive: boolean;
  /** When it was not: the epoch its client was removed in (on the branch that removed it). */
  readonly recipientRemovedIn?: bigint;
  /** The message's epoch was on a branch that lost (its sender later rolled back past it), as far as the sender's fork results tell. */
  readonly onLosingBranch: boolean;
}

export interface SimResult {
  readonly seed: number;
  readonly heals: number;
  /** Heals after which every active member was on one epoch authenticator (within one round of messages). */
  readonly converged: number;
  readonly forks: number;
  readonly rolledBackEpochs: number;
  readonly maxRollback: number;
  readonly commits: number;
  readonly sent: number;
  /** (message, recipient) pairs that should be read: the recipient was a member of the sender's epoch. */
  readonly expected: number;
  readonly read: number;
  /** Read with a losing branch's keys (`readAcrossFork`). */
  readonly readAcross: number;
  /** With history sharing on, read when retried before any import (own keys: e.g. a removed member's late messages). */
  readonly readOnRetry: number;
  /** Read after a history import (history sharing on). */
  readonly readViaHistory: number;
  /** History bundles shared and imported. */
  readonly bundles: number;
  readonly lost: number;
  /** Membership changes (removes) made on losing branches. */
  readonly lostChanges: number;
  /** ... in the end applied on the winning branch (re-proposed and committed, or already there). */
  readonly lostApplied: number;
  /** ... reported to the application (needs-application). */
  readonly lostReported: number;
  /** ... neither: should be 0. */
  readonly lostDropped: number;
  readonly finalEpoch: bigint;
}

interface Msg {
  readonly id: number;
  readonly from: number;
  readonly bytes: Uint8Array;
}

/** Retention of history copies with sharing on: K of forks plus the rounds a partition lasts, so a losing branch's epochs are still held at the heal. */
const HISTORY_RETAIN = 12;

/** mulberry32. */
function rng(seed: number): () => number {
  let a = seed >>> 0;
  return () => {
    a = (a + 0x6d2b79f5) >>> 0;
    let t = a;
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  };
}

class Server {
  readonly log: Msg[] = [];
  readonly has = new Set<number>();
  append(m: Msg): void {
    if (this.has.has(m.id)) return;
    this.has.add(m.id);
    this.log.push(m);
  }
  pullFrom(other: Server): void {
    for (const m of other.log) this.append(m);
  }
}

const identityProvider = new BasicIdentityProvider({ policy: acceptAll });
const text = new TextDecoder();

/**
 * One run. Deterministic: the seed drives the partitions and choices, and
 * (test-only, {@link withSeededRandomness}) every random byte of the
 * crypto provider and the clock, so a seed reproduces a run exactly.
 */
export async function simulate(config: SimConfig): Promise<SimResult> {
  return withSeededRandomness(config.seed, () => run(config));
}

async function run(config: SimConfig): Promise<SimResult> {
  const rand = rng(config.seed);
  const trace = config.trace;
  const pick = <T>(xs: readonly T[]): T => xs[Math.floor(rand() * xs.length)]!;
  const crypto = nobleCryptoProvider();
  const S = config.servers;
  const C = config.clients;
  const guests = config.guests ?? 1;
  const names = Array.from({ length: C }, (_, i) => `c${i}`);
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
  const servers = Array.from({ length: S }, () => new Server());
  const serverOf = (c: number) => c % S;
  const cursor = new Array<number>(C).fill(0);
  let nextId = 0;

  // Everyone joins while connected.
  const g0 = await clients[0]!.createGroup();
  const kps = await Promise.all(clients.slice(1).map((c) => c.createKeyPackage()));
  const add = await g0.addMembers(kps.map((k) => k.keyPackage));
  await g0.confirmPendingCommit();
  const groups: Group[] = [g0, ...(await Promise.all(clients.slice(1).map((c) => c.joinFromWelcome(add.welcome!))))];

  const stats = { forks: 0, rolledBack: 0, maxRollback: 0, commits: 0, sent: 0, expected: 0, read: 0, readAcross: 0, readOnRetry: 0, readViaHistory: 0, bundles: 0 };
  /** Per application message: who should read it, who did. */
  const expect = new Map<number, { readers: Set<string>; read: Set<string>; msg: Msg; epoch: bigint }>();
  /** Per client, the lowest fork point it rolled back to since the last heal (it holds that losing branch's epochs). */
  const lostBranchFrom = new Map<number, bigint>();
  /** Per client, every (fork point, rolled-back-from epoch) it settled away from: a message it sent in (fork point, from] was on a losing branch. */
  const rolledBackRanges = new Map<number, { from: bigint; to: bigint; at: number }[]>();
  /** Lost changes (removes) by "epoch:key". */
  const lostChanges = new Map<string, { change: LostChange; reported: boolean }>();

  const post = (c: number, bytes: Uint8Array): Msg => {
    const m = { id: nextId++, from: c, bytes };
    servers[serverOf(c)]!.append(m);
    return m;
  };

  const record = (c: number, msgId: number, r: IncomingMessage): void => {
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
      for (const p of r.reproposed) post(c, p.message);
    }
  };

  /** Client `c` reads everything new on its server, in the log's order. */
  const readAll = async (c: number): Promise<void> => {
    const log = servers[serverOf(c)]!.log;
    const g = groups[c]!;
    while (cursor[c]! < log.length) {
      const m = log[cursor[c]!++]!;
      if (m.from === c || !g.active) continue;
      try {
        const r = await g.processIncoming(m.bytes);
        if (r.kind === "commit") await r.staged.merge();
        if (r.kind === "commit" || r.kind === "fork") trace?.(`${names[c]} #${m.id} from ${names[m.from]}: ${r.kind === "fork" ? `${r.event}${r.event === "commit" ? ` at ${r.forkEpoch} winner ${r.winner} rolled back ${r.rolledBack}${r.removed ? " removed" : ""}` : ""}` : "commit"} -> epoch ${g.epoch}`);
        record(c, m.id, r);
      } catch (e) {
        trace?.(`${names[c]} #${m.id} from ${names[m.from]} refused at epoch ${g.epoch}: ${(e as { code?: string }).code ?? String(e)}`);
        // Refused (a losing branch's message, a stale proposal): dropped, as an application would.
      }
    }
  };

  const active = (): number[] => groups.map((g, i) => (g.active ? i : -1)).filter((i) => i >= 0);

  const send = async (c: number, label: string): Promise<void> => {
    const g = groups[c]!;
    try {
      const readers = new Set((await g.members()).map((m) => text.decode(m.identity)).filter((n) => n !== names[c]));
      const epoch = g.epoch;
      const bytes = await g.encrypt(label);
      const msg = post(c, bytes);
      trace?.(`${names[c]} sends #${msg.id} at epoch ${epoch}`);
      expect.set(msg.id, { readers, read: new Set(), msg, epoch });
      stats.sent++;
      stats.expected += readers.size;
    } catch (e) {
      if (!UsageError.isInstance(e)) throw e; // proposals pending: commit first
      await commit(c, false);
    }
  };

  /** A Commit by `c` (false when it may not commit: a Remove of itself is proposed, RFC 9420 §12.2; another member commits it). */
  const commit = async (c: number, mayRemove: boolean): Promise<boolean> => {
    const g = groups[c]!;
    const members = (await g.members()).map((m) => ({ leaf: m.leafIndex, name: text.decode(m.identity) }));
    const removable = members.filter((m) => names.indexOf(m.name) >= C - guests && m.name !== names[c]);
    let out;
    try {
      out = mayRemove && removable.length > 0 && rand() < 0.4 ? await g.removeMembers([pick(removable).leaf]) : await g.update();
    } catch (e) {
      if (UsageError.isInstance(e) && (e.code as string) === "usage/leaving") return false;
      throw e;
    }
    await g.confirmPendingCommit();
    const m = post(c, out.commit);
    trace?.(`${names[c]} commits #${m.id} -> epoch ${g.epoch} (${toHex(g.epochAuthenticator).slice(0, 8)})`);
    stats.commits++;
    return true;
  };

  /** Servers of one component exchange logs; its clients read. */
  const settleComponent = async (component: readonly number[]): Promise<void> => {
    for (let pass = 0; pass < 2; pass++) {
      for (const a of component) for (const b of component) if (a !== b) servers[a]!.pullFrom(servers[b]!);
    }
    for (const c of active()) if (component.includes(serverOf(c))) await readAll(c);
  };

  /**
   * History sharing after a heal: each active member that rolled back shares
   * every epoch it holds from its fork point on (both branches: the
   * recipients keep what their own keys do not read) with every other
   * active member; then each member retries what it has not read.
   */
  const shareLostBranches = async (): Promise<void> => {
    stats.readOnRetry += await retryUnread();
    const here = active();
    for (const [l, forkEpoch] of lostBranchFrom) {
      if (!here.includes(l)) continue;
      for (const m of here) {
        if (m === l) continue;
        try {
          await shareHistoryBetween(clients[l]!, clients[m]!, g0.groupId, { epochs: { from: forkEpoch + 1n } });
          stats.bundles++;
        } catch (e) {
          if (!UsageError.isInstance(e) || e.code !== "history/nothing-to-share") throw e;
        }
      }
    }
    lostBranchFrom.clear();
    stats.readViaHistory += await retryUnread();
  };

  /** Every client (a removed one too: it reads late messages of its epochs) retries the messages due to it it has not read; returns how many it read. */
  const retryUnread = async (): Promise<number> => {
    let n = 0;
    for (let c = 0; c < C; c++) {
      const name = names[c]!;
      for (const e of expect.values()) {
        if (!e.readers.has(name) || e.read.has(name) || !servers[serverOf(c)]!.has.has(e.msg.id)) continue;
        try {
          const r = await groups[c]!.processIncoming(e.msg.bytes);
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
  };

  const all = Array.from({ length: S }, (_, i) => i);
  let heals = 0;
  let converged = 0;
  for (let phase = 0; phase < config.phases; phase++) {
    // Partition the servers into 2 (or, with 3+ servers, sometimes 3) non-empty components.
    const k = S >= 3 && rand() < 0.3 ? 3 : Math.min(2, S);
    const shuffled = [...all].sort(() => rand() - 0.5);
    const components: number[][] = Array.from({ length: k }, (_, i) => [shuffled[i]!]);
    for (const s of shuffled.slice(k)) pick(components).push(s);
    const rounds = 1 + Math.floor(rand() * (config.maxRoundsApart ?? 3));
    trace?.(`phase ${phase}: components ${components.map((x) => `[servers ${x.join(",")}: ${active().filter((c) => x.includes(serverOf(c))).map((c) => names[c]).join(",")}]`).join(" ")}, ${rounds} rounds`);
    for (let round = 0; round < rounds; round++) {
      for (const component of components) {
        const here = active().filter((c) => component.includes(serverOf(c)));
        if (here.length === 0) continue;
        // At most one Commit per component per round (from a random member), messages from others.
        if (rand() < 0.6) await commit(pick(here), true);
        for (const c of here) if (rand() < 0.5) await send(c, `p${phase} r${round} from ${names[c]}`);
        await settleComponent(component);
      }
    }
    // Heal: everything replicates, everybody reads; re-proposals go out; then one round of messages.
    heals++;
    await settleComponent(all);
    for (const c of active()) for (const p of await groups[c]!.forkReproposals()) post(c, p.message);
    await settleComponent(all);
    for (const c of active()) await send(c, `after heal ${phase} from ${names[c]}`);
    await settleComponent(all);
    if (sharing) await shareLostBranches();
    const auths = new Set(active().map((c) => toHex(groups[c]!.epochAuthenticator)));
    if (auths.size === 1) converged++;
    trace?.(`heal ${phase}: ${auths.size === 1 ? "converged" : "NOT converged"}: ${active().map((c) => `${names[c]}@${groups[c]!.epoch}:${toHex(groups[c]!.epochAuthenticator).slice(0, 8)}`).join(" ")}`);
    // Re-proposed changes get committed (by the lowest active member that may commit), while still connected.
    for (const committer of active()) {
      if (groups[committer]!.pendingProposals === 0) break;
      if (await commit(committer, false)) {
        await settleComponent(all);
        break;
      }
    }
  }

  // Final: lost changes applied (the winning tree agrees) or reported.
  const finalGroup = groups[active()[0]!]!;
  const finalKeys = new Set((await finalGroup.members()).map((m) => toHex(m.signatureKey)));
  let lostApplied = 0;
  let lostReported = 0;
  let lostDropped = 0;
  for (const { change, reported } of lostChanges.values()) {
    const c = change.change;
    const applied = c.kind === "remove" ? !finalKeys.has(toHex(c.signatureKey)) : c.kind === "add" ? finalKeys.has(toHex(c.signatureKey)) : true;
    if (applied) lostApplied++;
    else if (reported) lostReported++;
    else lostDropped++;
  }
  let read = 0;
  let lost = 0;
  const activeNames = new Set(active().map((c) => names[c]!));
  for (const [id, e] of expect) {
    for (const r of e.readers) {
      if (e.read.has(r)) read++;
      else {
        lost++;
        const rc = names.indexOf(r);
        const status = groups[rc]!.state.status;
        const onLosingBranch = (rolledBackRanges.get(e.msg.from) ?? []).some((x) => x.at > id && e.epoch >= x.from && e.epoch <= x.to);
        config.onLost?.({
          messageId: id,
          recipient: r,
          sender: names[e.msg.from]!,
          epoch: e.epoch,
          recipientActive: activeNames.has(r),
          ...(status.kind === "removed" ? { recipientRemovedIn: status.epoch } : {}),
          onLosingBranch,
        });
      }
    }
  }
  stats.read = read;
  return {
    seed: config.seed,
    heals,
    converged,
    forks: stats.forks,
    rolledBackEpochs: stats.rolledBack,
    maxRollback: stats.maxRollback,
    commits: stats.commits,
    sent: stats.sent,
    expected: stats.expected,
    read,
    readAcross: stats.readAcross,
    readOnRetry: stats.readOnRetry,
    readViaHistory: stats.readViaHistory,
    bundles: stats.bundles,
    lost,
    lostChanges: lostChanges.size,
    lostApplied,
    lostReported,
    lostDropped,
    finalEpoch: finalGroup.epoch,
  };
}

/** A table of results, one row per seed, with a total. */
export function table(results: readonly SimResult[]): string {
  const cols: [string, (r: SimResult) => string | number | bigint][] = [
    ["seed", (r) => r.seed],
    ["heals", (r) => r.heals],
    ["converged", (r) => r.converged],
    ["forks", (r) => r.forks],
    ["rolled back", (r) => r.rolledBackEpochs],
    ["max K used", (r) => r.maxRollback],
    ["commits", (r) => r.commits],
    ["msgs", (r) => r.sent],
    ["reads due", (r) => r.expected],
    ["read", (r) => r.read],
    ["across", (r) => r.readAcross],
    ["on retry", (r) => r.readOnRetry],
    ["via history", (r) => r.readViaHistory],
    ["bundles", (r) => r.bundles],
    ["lost", (r) => r.lost],
    ["lost changes", (r) => r.lostChanges],
    ["applied", (r) => r.lostApplied],
    ["reported", (r) => r.lostReported],
    ["dropped", (r) => r.lostDropped],
    ["epoch", (r) => r.finalEpoch],
  ];
  const sum = (f: (r: SimResult) => string | number | bigint) => results.reduce((a, r) => a + Number(f(r)), 0);
  const rows = results.map((r) => cols.map(([, f]) => String(f(r))));
  rows.push(cols.map(([name, f]) => (name === "seed" ? "total" : name === "max K used" ? String(Math.max(...results.map((r) => r.maxRollback))) : String(sum(f)))));
  const head = cols.map(([n]) => n);
  return [`| ${head.join(" | ")} |`, `| ${head.map(() => "---").join(" | ")} |`, ...rows.map((r) => `| ${r.join(" | ")} |`)].join("\n");
}
