/**
 * Operations of the facade's {@link Group} on its pending Commit: creating
 * one, confirming or discarding it, merging another member's staged Commit,
 * and reading one incoming message (from imported history when it is of an
 * epoch only that holds). Each runs inside the group's queue.
 */
import { UsageError } from "@mlskit/core";
import { type ProposalInput, type StagedCommit as GroupStagedCommit, ACTIVE, clearPendingCommit, createCommit, mergePendingCommit, mergeStagedCommit } from "@mlskit/group";
import { type CommitOptions, chooseByReference, commitOutput, commitParams } from "./group-commit.js";
import { enterMerged, processByStatus } from "./group-incoming.js";
import type { GroupInternals } from "./group-internals.js";
import { isLeaving } from "./group-membership.js";
import { resolveProposal } from "./group-proposals.js";
import type { GroupHistoryHooks } from "./history/client-history.js";
import type { CommitOutput, IncomingMessage, MergeResult } from "./results.js";
import type { Group } from "./group.js";

/** {@link Group.commit}'s body; `reserveSendKeys` reserves our handshake generation. @internal */
export async function commitNow(g: GroupInternals, options: CommitOptions, reserveSendKeys: () => Promise<void>): Promise<CommitOutput> {
  if (g.state.status.kind === "external-join-pending") throw new UsageError("usage/commit-pending", "our external Commit is not confirmed yet");
  if (g.state.pendingCommit !== undefined) {
    throw new UsageError(
      "usage/commit-pending",
      "a Commit of ours is pending: confirmPendingCommit() once the Delivery Service accepted it, or discardPendingCommit() if it rejected it",
    );
  }
  if (isLeaving(g.state)) throw new UsageError("usage/leaving", "a Remove of this member is proposed this epoch: another member commits it (RFC 9420 §12.2), this one cannot");
  const proposals: ProposalInput[] = [];
  for (const p of options.proposals ?? []) proposals.push(await resolveProposal(g.state, g.identityProvider, p));
  await reserveSendKeys();
  const current = g.state;
  const base = options.byReference !== undefined ? await chooseByReference(g, options.byReference) : current;
  const created = await createCommit(base, commitParams(options, proposals));
  // The proposals left out stay cached (processing a message may have cached more meanwhile).
  g.set(base === current ? created.state : { ...created.state, proposals: g.state.proposals });
  return commitOutput(created, options, g.state.groupContext.epoch + 1n);
}

/** {@link Group.confirmPendingCommit}'s body. @internal */
export async function confirmPending(g: GroupInternals): Promise<MergeResult> {
  if (g.state.status.kind === "external-join-pending") {
    g.set({ ...g.state, status: ACTIVE });
    return { epoch: g.state.groupContext.epoch, removed: false, replayed: [], replayErrors: [] };
  }
  const previous = g.state;
  return enterMerged(g, previous, mergePendingCommit(previous));
}

/** {@link Group.discardPendingCommit}'s body. @internal */
export function discardPending(g: GroupInternals): void {
  if (g.state.status.kind === "external-join-pending") {
    g.set({ ...g.state, status: { kind: "closed", reason: "the external Commit that joined this group was rejected" } });
    return;
  }
  if (g.state.pendingCommit === undefined) throw new UsageError("usage/no-pending-commit", "no commit is pending");
  g.set(clearPendingCommit(g.state));
}

/** Merges another member's staged Commit (its `merge()`). @internal */
export async function mergeStaged(g: GroupInternals, inner: GroupStagedCommit): Promise<MergeResult> {
  // The Commit was staged against epoch `inner.epoch - 1`; anything merged since makes it stale.
  if (g.state.groupContext.epoch !== inner.epoch - 1n) {
    throw new UsageError("usage/stale-staged-commit", `the group moved to epoch ${g.state.groupContext.epoch} since this Commit was staged`);
  }
  if (inner.removedSelf) {
    inner.consumeKey?.();
    g.set({ ...g.state, status: { kind: "removed", epoch: inner.epoch } });
    return { epoch: g.state.groupContext.epoch, removed: true, replayed: [], replayErrors: [] };
  }
  return enterMerged(g, g.state, mergeStagedCommit(inner), inner.committer);
}

/**
 * One message: from imported history when it is of an epoch only that
 * holds (history/), else by status; a message of an epoch we hold that we
 * refuse may be of another branch of a fork, read from imported history. @internal
 */
export async function processOne(g: GroupInternals, history: GroupHistoryHooks | undefined, bytes: Uint8Array): Promise<IncomingMessage> {
  if (history === undefined || g.state.status.kind === "closed") return processByStatus(g, bytes);
  const read = await history.read(g.state, bytes);
  if (read !== undefined) return read;
  try {
    return await processByStatus(g, bytes);
  } catch (e) {
    const other = await history.readOtherBranch(g.state, bytes);
    if (other !== undefined) return other;
    throw e;
  }
}
