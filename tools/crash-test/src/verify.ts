/**
 * The check after every restart, before the worker carries on:
 *
 * 1. Every member's group loads and is at the old or the new epoch, never
 *    between: its epoch is the one its acknowledged log implies (old), or
 *    one more when the next Commit of the log was handed to the library
 *    before the crash (new: an intent exists); the stored epoch equals the
 *    decoded one, a Commit of the log leads to it, and its past-epoch
 *    records are epochs it was a member in, at most the policy's three.
 * 2. Members agree on the epoch authenticator: each compares with the one
 *    the first member to reach that epoch recorded.
 * 3. Every acknowledged message is in the inbox as sent; every unacknowledged
 *    one is read now, except those the library had stored as consumed just
 *    before the crash (counted as lost: the library keeps a message consumed
 *    before it hands over the plaintext, so a crash between its write and
 *    the app's acknowledgement loses it for the app).
 * 4. Replays of read messages and of the last merged Commit are refused.
 */
import type { Group } from "@mlskit/mls";
import { CLIENT_NAMES } from "./config.js";
import type { Membership } from "./delivery-service.js";
import { authenticatorOf, catchUp, errorCode, groupIdBytes } from "./member.js";
import { type ReplayTally, emptyTally, replayTo } from "./replay.js";
import { type ViolationCategory, type World, clientOf } from "./world.js";

/** The results line of one restart. */
export interface VerifyResult {
  readonly type: "verify";
  readonly run: number;
  /** Member states checked, and how many were at the old (acknowledged) or the new epoch. */
  readonly statesChecked: number;
  readonly atOldEpoch: number;
  readonly atNewEpoch: number;
  /** Joins stored before the crash but not acknowledged. */
  readonly joinedUnacknowledged: number;
  /** Pending Commits the crash kept from the DS, discarded. */
  readonly pendingDiscarded: number;
  /** Unacknowledged messages read after the restart, and those lost between the library's write and the acknowledgement. */
  readonly readAfterRestart: number;
  readonly lostBeforeAck: number;
  /** Commits merged before the crash, acknowledged after it. */
  readonly mergedBeforeCrash: number;
  readonly replays: ReplayTally;
  readonly authenticatorsCompared: number;
  readonly violations: Partial<Record<ViolationCategory, number>>;
  readonly ms: number;
}

/** Runs the checks and the recovery; violations are reported to `w` as they are found. */
export async function verifyAfterRestart(w: World, started: number): Promise<VerifyResult> {
  const before = w.ds.stats();
  const tally = { statesChecked: 0, atOldEpoch: 0, atNewEpoch: 0, pendingDiscarded: 0, authenticatorsCompared: 0 };
  for (const { gid } of w.ds.groups()) {
    for (const m of w.ds.latestMemberships(gid)) {
      if (m.broken) continue;
      const state = await checkState(w, m);
      tally.statesChecked++;
      if (state === "old") tally.atOldEpoch++;
      if (state === "new") tally.atNewEpoch++;
      if (state === "old" || state === "new") tally.authenticatorsCompared++;
    }
    checkInboxes(w, gid);
  }
  for (const name of CLIENT_NAMES) {
    const wrong = w.ds.inboxMismatches(name);
    if (wrong.length > 0) w.violation("inbox", `${name}: inbox rows differ from what was sent: ${wrong.slice(0, 5).join()}`);
  }
  tally.pendingDiscarded = await discardUnsentCommits(w);
  // Recovery: every client reads all it has not acknowledged, classifying each outcome.
  for (const { gid } of w.ds.groups()) {
    for (const m of w.ds.latestMemberships(gid)) await catchUp(w, gid, m.name, { batch: true, afterRestart: true });
  }
  const replays = emptyTally();
  for (const { gid, epoch } of w.ds.groups()) {
    for (const m of w.ds.members(gid)) {
      if (m.broken) continue;
      await replayTo(w, m, 3, replays);
      // Up to date now: every member is in the DS's epoch, with the recorded authenticator.
      const g = await clientOf(w, m.name).getGroup(groupIdBytes(gid));
      if (g === undefined || !g.active || Number(g.epoch) !== epoch) {
        w.violation("epoch", `${m.name} in ${gid}: after catching up, in epoch ${g?.epoch} (active ${g?.active}), the DS is in epoch ${epoch}`);
      } else {
        tally.authenticatorsCompared++;
        if (!w.ds.agree(gid, m.name, epoch, authenticatorOf(g))) w.violation("authenticator", `${m.name} in ${gid}: epoch ${epoch} authenticator differs after catching up`);
      }
    }
  }
  const after = w.ds.stats();
  const delta = (k: string): number => (after[k] ?? 0) - (before[k] ?? 0);
  const violations: Partial<Record<ViolationCategory, number>> = {};
  for (const v of w.violations) violations[v.category] = (violations[v.category] ?? 0) + 1;
  return {
    type: "verify",
    run: w.run,
    ...tally,
    joinedUnacknowledged: delta("welcomesJoinedBeforeCrash"),
    readAfterRestart: delta("appReadAfterRestart"),
    lostBeforeAck: delta("appLost"),
    mergedBeforeCrash: delta("commitsMergedBeforeCrash"),
    replays,
    violations,
    ms: Date.now() - started,
  };
}

/** Check 1 and 2 for one member's stored group; "old"/"new" for a state at an epoch of the log, undefined otherwise. */
async function checkState(w: World, m: Membership): Promise<"old" | "new" | "pending-join" | undefined> {
  const client = clientOf(w, m.name);
  const id = groupIdBytes(m.gid);
  const who = `${m.name} in ${m.gid}`;
  let g: Group | undefined;
  let stored;
  try {
    stored = await client.storage.readGroup(id);
    g = await client.getGroup(id);
  } catch (e) {
    w.violation("epoch", `${who}: the stored group does not load: ${errorCode(e)}`);
    w.ds.markBroken(m.id);
    return undefined;
  }
  if (!m.welcomeAcked) {
    // Before its Welcome is acknowledged: no group, an earlier membership's closed one, or the joined one with an intent.
    if (g?.active === true && !(Number(g.epoch) === m.joinEpoch && w.ds.hasIntent(m.name, m.fromSeq, "welcome"))) {
      w.violation("epoch", `${who}: an active group in epoch ${g.epoch} before its Welcome to epoch ${m.joinEpoch} was acknowledged`);
    }
    return "pending-join";
  }
  if (m.removalAcked) {
    if (g?.active === true) w.violation("epoch", `${who}: removed (acknowledged) but its group is active in epoch ${g.epoch}`);
    return undefined;
  }
  if (g === undefined || stored === undefined) {
    w.violation("epoch", `${who}: a member (cursor ${m.cursor}) with no stored group`);
    w.ds.markBroken(m.id);
    return undefined;
  }
  const epoch = Number(g.epoch);
  if (stored.epoch !== g.epoch) w.violation("epoch", `${who}: the store says epoch ${stored.epoch}, the state decodes to epoch ${g.epoch}`);
  const acked = m.joinEpoch + w.ds.commitsBetween(m.gid, m.fromSeq, m.cursor);
  const next = w.ds.backlog(m).find((e) => e.kind === "commit");
  const nextStarted = next !== undefined && next.epoch === acked && w.ds.hasIntent(m.name, next.seq, "commit");
  let state: "old" | "new" | undefined;
  if (g.active && epoch === acked) state = "old";
  else if (g.active && epoch === acked + 1 && nextStarted) state = "new";
  else if (!g.active && next?.seq === m.untilSeq && g.removedInEpoch === BigInt(acked + 1) && nextStarted) state = "new";
  if (state === undefined) {
    w.violation(
      "epoch",
      `${who}: in epoch ${epoch} (active ${g.active}); acknowledged epoch ${acked}, next Commit ${next === undefined ? "none" : `of epoch ${next.epoch}, started ${nextStarted}`}`,
    );
  }
  if (epoch > 0 && epoch > m.joinEpoch && w.ds.commitOf(m.gid, epoch - 1) === undefined) w.violation("epoch", `${who}: in epoch ${epoch}, which no Commit of the log starts`);
  // Past-epoch records: ascending, epochs it was a member in before the current one, at most the policy's 3.
  const past = stored.pastEpochs.map((r) => Number(r.epoch));
  const decoded = g.state.pastEpochs.map((p) => Number(p.epoch)).reverse();
  const ascending = past.every((e, i) => i === 0 || e > past[i - 1]!);
  if (!ascending || past.some((e) => e < m.joinEpoch || e >= epoch) || past.length > 3 || past.join() !== decoded.join()) {
    w.violation("epoch", `${who}: in epoch ${epoch} (joined ${m.joinEpoch}) with past-epoch records [${past.join()}], decoded [${decoded.join()}]`);
  }
  if (g.active && !w.ds.agree(m.gid, m.name, epoch, authenticatorOf(g))) w.violation("authenticator", `${who}: epoch ${epoch} authenticator differs from the recorded one`);
  return state;
}

/** Check 3 on the acknowledged side: every delivered message up to a cursor is in the inbox, as sent. */
function checkInboxes(w: World, gid: string): void {
  for (const m of w.ds.latestMemberships(gid)) {
    const missing = w.ds.unackedBehindCursor(m);
    if (missing.length > 0) w.violation("inbox", `${m.name} in ${gid}: acknowledged messages missing from the inbox: ${missing.slice(0, 5).join()}`);
  }
}

/** Pending Commits that never reached the DS (the crash came between the library's write and the submission): discarded. */
async function discardUnsentCommits(w: World): Promise<number> {
  let discarded = 0;
  for (const { gid } of w.ds.groups()) {
    for (const m of w.ds.members(gid)) {
      if (!m.welcomeAcked || m.broken) continue;
      const g = await clientOf(w, m.name).getGroup(groupIdBytes(gid));
      // With a Commit of its epoch in the log, reading it settles the pending one (ours: merged; another's: discarded by the merge).
      if (g?.hasPendingCommit === true && w.ds.commitOf(gid, Number(g.epoch)) === undefined) {
        await g.discardPendingCommit();
        w.ds.count("pendingCommitsDiscarded");
        discarded++;
      }
    }
  }
  return discarded;
}
