/**
 * Sending to a room under the Delivery Service's ordering (RFC 9750 §5.2):
 * the first Commit of an epoch wins. A Commit of ours is confirmed
 * (`confirmPendingCommit`) only once the DS accepted it; refused for a
 * stale epoch it is discarded, the client catches up (its queue, then the
 * group's handshake history if still behind), the plan is made again
 * against the new epoch, and it is sent again — a bounded number of times.
 * When a Commit's fate is unknown (the network failed mid-request) the
 * group's history tells: our Commit there is ours confirmed, another one
 * supersedes ours, none means it did not land.
 *
 * Application messages and proposals refused for a stale epoch are made
 * again in the new epoch and resent.
 */
import { fromHex } from "@mlskit/codec";
import { DsError } from "@mlskit/ds-protocol";
import type { Group, ProposalSpec } from "@mlskit/mls";
import type { DsConnection } from "./connection.js";
import { DsClientError } from "./errors.js";
import { isLeaving, memberIdsOf, membershipChange } from "./members.js";
import { type OutcomeHost, reportError, reportIncoming, reportMerge } from "./outcomes.js";

/** What sending needs from the Messenger (whose lock the caller holds). */
export interface SubmissionHost extends OutcomeHost {
  readonly conn: DsConnection;
  /** Attempts of a Commit or message refused for a stale epoch. */
  readonly maxAttempts: number;
  /** Processes the client's queue until it is empty. */
  drain(): Promise<void>;
}

/** What a Commit should do, made against the group's current epoch. */
export interface CommitPlan<R> {
  /** Proposals by value (the proposals cached this epoch are committed too). */
  readonly proposals: readonly ProposalSpec[];
  /** False when there is nothing to commit: `report` is returned as it is. */
  readonly commit: boolean;
  /** What the operation returns. */
  readonly report: R;
}

/** The active group of a room. @throws DsClientError `ds-client/unknown-room`. */
export async function activeGroup(host: OutcomeHost, groupIdHex: string): Promise<Group> {
  const group = await host.client.getGroup(fromHex(groupIdHex));
  if (group === undefined) throw new DsClientError("ds-client/unknown-room", `this client holds no room ${groupIdHex}`);
  if (!group.active) throw new DsClientError("ds-client/unknown-room", `this client is no longer in room ${groupIdHex}`);
  return group;
}

/**
 * Processes the group's accepted handshake messages of its current epoch
 * onward (GET messages?fromEpoch), for a client behind the DS whose queue
 * does not bring it there. Messages seen again later in the queue are
 * skipped by their epoch.
 */
async function catchUpFromHistory(host: SubmissionHost, groupIdHex: string): Promise<void> {
  const group = await activeGroup(host, groupIdHex);
  const history = await host.conn.handshakes(groupIdHex, group.epoch);
  for (const h of history) {
    if (!group.active) return;
    if (h.epoch < group.epoch) continue;
    if (h.epoch > group.epoch) return;
    const before = await memberIdsOf(group.state, host.client.identityProvider);
    try {
      await reportIncoming(host, groupIdHex, group, await group.processIncoming(h.message), before, h.sender);
    } catch (e) {
      reportError(host, groupIdHex, e);
    }
  }
}

/** Brings a room to the DS's epoch `target` (or as far as the queue goes). */
async function catchUp(host: SubmissionHost, groupIdHex: string, target: bigint | undefined): Promise<void> {
  await host.drain();
  const group = await host.client.getGroup(fromHex(groupIdHex));
  if (group === undefined || !group.active) return;
  if (target !== undefined && group.epoch < target) await catchUpFromHistory(host, groupIdHex);
}

/**
 * Settles a Commit of ours whose fate is unknown (after a network failure
 * or a restart): from the group's history, our Commit → merged; another
 * member's → merged (ours is discarded by it); none → ours is discarded.
 */
export async function resolvePendingCommit(host: SubmissionHost, groupIdHex: string): Promise<"confirmed" | "superseded" | "not-landed"> {
  const group = await activeGroup(host, groupIdHex);
  if (!group.hasPendingCommit) return "not-landed";
  const epoch = group.epoch;
  const pending = group.state.pendingCommit?.message;
  const history = await host.conn.handshakes(groupIdHex, epoch);
  const ours = pending !== undefined && history.some((h) => h.epoch === epoch && bytesEqualTo(h.message, pending));
  await catchUpFromHistory(host, groupIdHex);
  if (group.hasPendingCommit && group.active) {
    await group.discardPendingCommit();
    return "not-landed";
  }
  return ours ? "confirmed" : "superseded";
}

function bytesEqualTo(a: Uint8Array, b: Uint8Array): boolean {
  if (a.length !== b.length) return false;
  for (let i = 0; i < a.length; i++) if (a[i] !== b[i]) return false;
  return true;
}

/** True for an answer that says the group moved on (or we are not in it any more) before our message. */
function isEpochConflict(e: unknown): e is DsError {
  return e instanceof DsError && (e.code === "group/stale-epoch" || e.code === "group/not-member");
}

/**
 * Makes and submits a Commit of `plan` (made again after each conflict),
 * confirming it once the DS accepted it.
 * @throws DsClientError `ds-client/attempts-exhausted`, `ds-client/unknown-room`,
 *   `ds-client/leaving`; a DsError the DS answered (the Commit is discarded).
 */
export async function commitWithRetry<R>(host: SubmissionHost, groupIdHex: string, plan: (group: Group) => Promise<CommitPlan<R>>): Promise<R> {
  for (let attempt = 0; attempt < host.maxAttempts; attempt++) {
    let group = await activeGroup(host, groupIdHex);
    if (group.hasPendingCommit) {
      await resolvePendingCommit(host, groupIdHex);
      group = await activeGroup(host, groupIdHex);
    }
    if (isLeaving(group)) throw new DsClientError("ds-client/leaving", `this client is leaving room ${groupIdHex}: it commits nothing there`);
    const p = await plan(group);
    if (!p.commit) return p.report;
    const before = await memberIdsOf(group.state, host.client.identityProvider);
    const out = await group.commit({ proposals: p.proposals, groupInfo: true });
    const next = group.state.pendingCommit?.state;
    const after = next === undefined ? before : await memberIdsOf(next, host.client.identityProvider);
    const change = membershipChange(before, after);
    try {
      await host.conn.submitMessage(
        groupIdHex,
        {
          message: out.commit,
          ...(out.welcome !== undefined ? { welcome: out.welcome, welcomeRecipients: change.added } : {}),
          ...(change.removed.length > 0 ? { removed: change.removed } : {}),
          ...(out.groupInfo !== undefined ? { groupInfo: out.groupInfo } : {}),
          ...(out.ratchetTree !== undefined ? { ratchetTree: out.ratchetTree } : {}),
        },
        false,
      );
    } catch (e) {
      if (isEpochConflict(e)) {
        await group.discardPendingCommit();
        await catchUp(host, groupIdHex, e.currentEpoch);
        continue;
      }
      if (e instanceof DsError && e.status < 500) {
        await group.discardPendingCommit();
        throw e;
      }
      // Its fate is unknown: the group's history tells (or, if that fails too, the next operation will).
      const fate = await resolvePendingCommit(host, groupIdHex).catch(() => undefined);
      if (fate === undefined) throw e;
      if (fate === "confirmed") return p.report;
      continue;
    }
    await reportMerge(host, groupIdHex, group, await group.confirmPendingCommit(), before);
    return p.report;
  }
  throw new DsClientError("ds-client/attempts-exhausted", `room ${groupIdHex}: the Commit was refused for a stale epoch ${host.maxAttempts} times`);
}

/** Commits the proposals cached this epoch, if any. */
export function commitPendingProposals(host: SubmissionHost, groupIdHex: string): Promise<boolean> {
  return commitWithRetry(host, groupIdHex, async (group) => ({ proposals: [], commit: group.pendingProposals > 0, report: group.pendingProposals > 0 }));
}

/**
 * Makes a message for the group's current epoch (`make`) and submits it;
 * refused for a stale epoch, the client catches up and makes it again.
 * Proposals cached this epoch are committed first (MLS refuses application
 * messages while they are pending, RFC 9420 §12.4).
 */
export async function sendWithRetry(host: SubmissionHost, groupIdHex: string, kind: "application" | "proposal", make: (group: Group) => Promise<Uint8Array>): Promise<bigint> {
  for (let attempt = 0; attempt < host.maxAttempts; attempt++) {
    let group = await activeGroup(host, groupIdHex);
    if (group.hasPendingCommit) await resolvePendingCommit(host, groupIdHex);
    if (kind === "application") {
      if (isLeaving(group)) throw new DsClientError("ds-client/leaving", `this client is leaving room ${groupIdHex}: it sends nothing there`);
      if (group.pendingProposals > 0) await commitPendingProposals(host, groupIdHex);
      group = await activeGroup(host, groupIdHex);
    }
    const message = await make(group);
    try {
      return await host.conn.submitMessage(groupIdHex, { message }, true);
    } catch (e) {
      if (!isEpochConflict(e)) throw e;
      await catchUp(host, groupIdHex, e.currentEpoch);
    }
  }
  throw new DsClientError("ds-client/attempts-exhausted", `room ${groupIdHex}: the ${kind} was refused for a stale epoch ${host.maxAttempts} times`);
}
