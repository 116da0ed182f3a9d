/**
 * How a client follows a group as an application would: join from its
 * Welcome, then read the log after its cursor in order, acknowledging each
 * message in the DS only once the library returned it. Before each library
 * call an intent is written, so that after a crash a state that moved
 * without an acknowledgement can be told from one that moved by itself.
 *
 * The same code runs in normal operation and in the recovery after a
 * restart: what was interrupted is finished here, and every way it can go
 * is classified (read, merged before the crash, lost between the library's
 * write and the acknowledgement) or reported as a violation.
 */
import { toHex } from "@mlskit/codec";
import { type Group, type IncomingMessage, MlsError } from "@mlskit/mls";
import type { LogEntry, Membership, InboxItem } from "./delivery-service.js";
import { type World, clientOf } from "./world.js";

/** A group id of the DS (a string) as the library's bytes. */
export const groupIdBytes = (gid: string): Uint8Array => new TextEncoder().encode(gid);

/** The `code` of a library error, or a description of anything else. */
export function errorCode(e: unknown): string {
  return MlsError.isInstance(e) ? e.code : `untyped ${e instanceof Error ? `${e.name}: ${e.message}` : String(e)}`;
}

/** The epoch authenticator as hex. */
export const authenticatorOf = (g: Group): string => toHex(g.epochAuthenticator);

/** Options of {@link catchUp}. */
export interface CatchUpOptions {
  /** Read at most this many log messages. */
  readonly limit?: number;
  /** Read runs of application messages with `processIncomingMany`. */
  readonly batch?: boolean;
  /** The recovery after a restart: messages read count as read after a restart. */
  readonly afterRestart?: boolean;
}

/** Brings client `name` up to date in group `gid` (join, then read the backlog). */
export async function catchUp(w: World, gid: string, name: string, o: CatchUpOptions = {}): Promise<void> {
  let m = w.ds.membership(gid, name);
  if (m === undefined || m.broken || m.removalAcked) return;
  if (!m.welcomeAcked && !(await join(w, m))) return;
  m = w.ds.membership(gid, name)!;
  const backlog = w.ds.backlog(m, o.limit);
  for (let i = 0; i < backlog.length;) {
    m = w.ds.membership(gid, name)!;
    if (m.broken || m.removalAcked) return;
    const e = backlog[i]!;
    if (e.kind === "commit") {
      if (!(await readCommit(w, m, e))) return;
      i++;
      continue;
    }
    let j = i;
    while (j < backlog.length && backlog[j]!.kind === "application") j++;
    const run = backlog.slice(i, j);
    if (o.batch === true && run.length > 1) {
      if (!(await readApplications(w, m, run, true, o.afterRestart === true))) return;
    } else {
      for (const one of run) if (!(await readApplications(w, w.ds.membership(gid, name)!, [one], false, o.afterRestart === true))) return;
    }
    i = j;
  }
}

/** The member's group, or undefined after reporting why it cannot be had. */
async function groupFor(w: World, m: Membership): Promise<Group | undefined> {
  try {
    const g = await clientOf(w, m.name).getGroup(groupIdBytes(m.gid));
    if (g === undefined) {
      w.violation("epoch", `${m.name} in ${m.gid}: a member (cursor ${m.cursor}) with no stored group`);
      w.ds.markBroken(m.id);
    }
    return g;
  } catch (e) {
    w.violation("epoch", `${m.name} in ${m.gid}: the stored group does not load: ${errorCode(e)}`);
    w.ds.markBroken(m.id);
    return undefined;
  }
}

/** Joins from the membership's Welcome (or acknowledges a join the crash left unacknowledged); false when it cannot. */
async function join(w: World, m: Membership): Promise<boolean> {
  const client = clientOf(w, m.name);
  const hadIntent = w.ds.hasIntent(m.name, m.fromSeq, "welcome");
  let existing: Group | undefined;
  try {
    existing = await client.getGroup(groupIdBytes(m.gid));
  } catch (e) {
    w.violation("epoch", `${m.name} in ${m.gid}: a stored group does not load before its Welcome: ${errorCode(e)}`);
  }
  if (existing?.active === true) {
    if (Number(existing.epoch) === m.joinEpoch && hadIntent) {
      // Joined before the crash, not acknowledged: the join was stored whole (group and consumed KeyPackage).
      if (!w.ds.ackWelcome(m, authenticatorOf(existing), true)) w.violation("authenticator", `${m.name} in ${m.gid}: joined epoch ${m.joinEpoch} with another authenticator`);
      return true;
    }
    w.violation("epoch", `${m.name} in ${m.gid}: an active group in epoch ${existing.epoch} before its Welcome to epoch ${m.joinEpoch} was processed (intent: ${hadIntent})`);
  }
  w.ds.putIntents(m.name, [m.fromSeq], "welcome");
  w.journal.phase("library");
  let g: Group;
  try {
    g = await client.joinFromWelcome(m.welcome!);
  } catch (e) {
    w.violation("epoch", `${m.name} in ${m.gid}: the Welcome to epoch ${m.joinEpoch} fails (intent before: ${hadIntent}): ${errorCode(e)}`);
    w.ds.markBroken(m.id);
    return false;
  }
  w.journal.phase("ack");
  if (Number(g.epoch) !== m.joinEpoch) w.violation("epoch", `${m.name} in ${m.gid}: joined epoch ${g.epoch}, the Welcome is for ${m.joinEpoch}`);
  if (!w.ds.ackWelcome(m, authenticatorOf(g), false)) w.violation("authenticator", `${m.name} in ${m.gid}: joined epoch ${m.joinEpoch} with another authenticator`);
  return true;
}

/** Reads one Commit of the log and acknowledges it; false when the member cannot follow the log any more. */
async function readCommit(w: World, m: Membership, e: LogEntry): Promise<boolean> {
  const client = clientOf(w, m.name);
  const g = await groupFor(w, m);
  if (g === undefined) return false;
  const hadIntent = w.ds.hasIntent(m.name, e.seq, "commit");
  const removesMe = e.seq === m.untilSeq;
  const epoch = Number(g.epoch);
  const mergedBeforeCrash = g.active ? epoch === e.epoch + 1 : removesMe && g.removedInEpoch === BigInt(e.epoch + 1);
  if (mergedBeforeCrash) {
    // The library stored the merge; the crash came before the acknowledgement.
    if (!hadIntent) w.violation("epoch", `${m.name} in ${m.gid}: in epoch ${epoch} past the Commit of epoch ${e.epoch} it never started to process`);
    const ok = w.ds.ackCommit(m, e.seq, "commitsMergedBeforeCrash", g.active ? { epoch, authenticator: authenticatorOf(g) } : undefined);
    if (!ok) w.violation("authenticator", `${m.name} in ${m.gid}: epoch ${epoch} authenticator differs from the recorded one`);
    if (!g.active) await client.deleteGroup(groupIdBytes(m.gid));
    return true;
  }
  if (!g.active || epoch !== e.epoch) {
    w.violation("epoch", `${m.name} in ${m.gid}: the next Commit is for epoch ${e.epoch}, the group is in epoch ${epoch} (active: ${g.active}, intent: ${hadIntent})`);
    w.ds.markBroken(m.id);
    return false;
  }
  w.ds.putIntents(m.name, [e.seq], "commit");
  w.journal.phase("library");
  let how: "commitsMerged" | "ownCommitsMerged" | "removalsProcessed";
  try {
    const r = await g.processIncoming(e.bytes);
    if (r.kind === "own-commit") how = "ownCommitsMerged";
    else if (r.kind === "commit") how = (await r.staged.merge()).removed ? "removalsProcessed" : "commitsMerged";
    else throw new Error(`a Commit processed as ${r.kind}`);
  } catch (err) {
    w.violation(
      "epoch",
      `${m.name} in ${m.gid}: the Commit of epoch ${e.epoch} (seq ${e.seq}, by ${e.sender}) cannot be processed (intent before: ${hadIntent}): ${errorCode(err)}`,
    );
    w.ds.markBroken(m.id);
    return false;
  }
  w.journal.phase("ack");
  if ((how === "removalsProcessed") !== removesMe)
    w.violation("runtime", `${m.name} in ${m.gid}: Commit seq ${e.seq} removed us: ${how === "removalsProcessed"}, the DS says ${removesMe}`);
  const reached = g.active ? { epoch: Number(g.epoch), authenticator: authenticatorOf(g) } : undefined;
  if (!w.ds.ackCommit(m, e.seq, how, reached)) w.violation("authenticator", `${m.name} in ${m.gid}: epoch ${g.epoch} authenticator differs from the recorded one`);
  if (!g.active) await client.deleteGroup(groupIdBytes(m.gid));
  return true;
}

/** Reads application messages (one, or a run with `processIncomingMany`) and acknowledges them; false when the group is unusable. */
async function readApplications(w: World, m: Membership, entries: readonly LogEntry[], many: boolean, afterRestart: boolean): Promise<boolean> {
  const g = await groupFor(w, m);
  if (g === undefined) return false;
  const hadIntent = entries.map((e) => w.ds.hasIntent(m.name, e.seq, "application"));
  w.ds.putIntents(
    m.name,
    entries.map((e) => e.seq),
    "application",
  );
  w.journal.phase("library");
  let settled: PromiseSettledResult<IncomingMessage>[];
  try {
    settled = many
      ? await g.processIncomingMany(entries.map((e) => e.bytes))
      : [
          await g.processIncoming(entries[0]!.bytes).then(
            (value): PromiseSettledResult<IncomingMessage> => ({ status: "fulfilled", value }),
            (reason: unknown): PromiseSettledResult<IncomingMessage> => ({ status: "rejected", reason }),
          ),
        ];
  } catch (e) {
    w.violation("runtime", `${m.name} in ${m.gid}: reading ${entries.length} message(s) failed as a whole: ${errorCode(e)}`);
    return false;
  }
  w.journal.phase("ack");
  const items: InboxItem[] = entries.map((e, i) => classify(w, m, e, settled[i]!, hadIntent[i]!));
  w.ds.ackApplication(m, items, afterRestart);
  return true;
}

/** What reading one application message came to; violations are reported here. */
function classify(w: World, m: Membership, e: LogEntry, r: PromiseSettledResult<IncomingMessage>, hadIntent: boolean): InboxItem {
  const where = `${m.name} in ${m.gid}: message seq ${e.seq} (epoch ${e.epoch}, from ${e.sender})`;
  if (r.status === "fulfilled") {
    if (r.value.kind !== "application") {
      w.violation("runtime", `${where} read as ${r.value.kind}`);
      return { seq: e.seq, status: "failed", plaintext: null };
    }
    const text = new TextDecoder().decode(r.value.data);
    if (text !== e.plaintext) w.violation("inbox", `${where} reads "${text}", "${e.plaintext}" was sent`);
    return { seq: e.seq, status: text === e.plaintext ? "read" : "failed", plaintext: text };
  }
  const code = errorCode(r.reason);
  if (code === "secret-tree/generation-consumed" && hadIntent) {
    // The library stored the message as consumed, then the process died before the app acknowledged it.
    return { seq: e.seq, status: "lost", plaintext: null };
  }
  if (code === "secret-tree/generation-consumed") w.violation("replay", `${where} was consumed before the app ever handed it to the library`);
  else w.violation("inbox", `${where} cannot be read (intent before: ${hadIntent}): ${code}`);
  return { seq: e.seq, status: "failed", plaintext: null };
}
