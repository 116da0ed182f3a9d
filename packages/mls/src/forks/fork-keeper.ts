/**
 * Fork detection, settlement and healing for one group (issue 16): the
 * facade's side of `@mlskit/group`'s fork evidence and rule.
 *
 * - **Kept**: the full state of the last K epochs this member left
 *   ({@link RetainedStates}, stored with the group); with
 *   `readAcrossFork`, the losing branch's newest state for a bounded
 *   window (memory only).
 * - **Detected**: a Commit of a retained epoch E that differs from the one
 *   we left E through is verified against E's full state
 *   (`verifyForkCommit`). A Commit that does not verify is not evidence:
 *   the ordinary error of a past-epoch Commit is thrown.
 * - **Settled**: the rule picks a Commit. When theirs wins, the member
 *   returns to E (never more than K epochs back) and merges it; the
 *   winning branch's next Commits then arrive as ordinary Commits.
 * - **Healed**: what the losing branch did is diffed (`branchChanges`);
 *   the member that committed a lost change proposes it again while it
 *   still applies ({@link ForkKeeper.reproposals}); everything is listed in
 *   the result, so no membership change is dropped unseen.
 */
import { bytesEqual } from "@mlskit/codec";
import { ValidationError, WireFormat, expectDefined } from "@mlskit/core";
import {
  type BranchChange,
  type GroupState,
  ContentType,
  branchChanges,
  changeStillApplies,
  decodeGroupState,
  decodeMlsMessage,
  encodeGroupState,
  mergeStagedCommit,
  processMessage,
  settleFork,
  verifyForkCommit,
  type VerifiedForkCommit,
} from "@mlskit/group";
import type { LeafIndex } from "@mlskit/ratchet-tree";
import { applicationReceived, enterMerged } from "../group-incoming.js";
import type { GroupInternals } from "../group-internals.js";
import type { ApplicationReceived, ProposalOutput } from "../results.js";
import type { ForkBranchMessage, ForkCommitSummary, ForkDetected, LostChange } from "./fork-results.js";
import type { ResolvedForkOptions } from "./fork-options.js";
import type { RetainedEpoch, RetainedStates } from "./retained-states.js";

/** A losing branch's newest state, kept to read its messages (`readAcrossFork`). */
interface BranchTip {
  readonly forkEpoch: bigint;
  readonly branch: Uint8Array;
  state: GroupState;
}

/** A lost change of ours to propose again while it applies. */
interface Queued {
  readonly change: BranchChange;
  readonly epoch: bigint;
  /** The epoch it was last proposed in, by its confirmed transcript hash: a rollback to another branch's epoch of the same number proposes it again. */
  proposedIn: Uint8Array | undefined;
}

/** One group's fork handling. @internal */
export class ForkKeeper {
  readonly options: ResolvedForkOptions;
  readonly #tips: BranchTip[] = [];
  #queue: Queued[] = [];

  constructor(options: ResolvedForkOptions) {
    this.options = options;
  }

  /** Called as the group leaves `previous` for `merged`: retains `previous` (bounded by K). */
  onMerged(retained: RetainedStates, previous: GroupState, merged: GroupState, committer: LeafIndex | undefined): void {
    const k = this.options.retainEpochs;
    if (k === 0 || previous.status.kind !== "active") return;
    if (merged.groupContext.epoch !== previous.groupContext.epoch + 1n) return;
    const own = previous.pendingCommit !== undefined && previous.pendingCommit.state === merged;
    retained.retain(previous, { own, committer: own ? previous.ownLeaf : committer });
    retained.trim(k, merged.groupContext.epoch);
  }

  /** The lost changes of ours still queued for re-proposal. */
  get queued(): readonly { readonly change: BranchChange; readonly epoch: bigint }[] {
    return this.#queue.map(({ change, epoch }) => ({ change, epoch }));
  }

  /**
   * Proposes again, in the current epoch, each lost change of ours that
   * still applies and was not proposed in this epoch yet; drops those that
   * no longer apply (done by the winning branch, or committed since).
   */
  async reproposals(g: GroupInternals): Promise<ProposalOutput[]> {
    const s = g.state;
    if (s.status.kind !== "active") return [];
    const out: ProposalOutput[] = [];
    const keep: Queued[] = [];
    for (const q of this.#queue) {
      if (!changeStillApplies(q.change, s)) continue;
      keep.push(q);
      if (q.proposedIn !== undefined && bytesEqual(q.proposedIn, s.groupContext.confirmedTranscriptHash)) continue;
      const p = await this.#propose(g, q.change);
      if (p !== undefined) {
        q.proposedIn = s.groupContext.confirmedTranscriptHash.slice();
        out.push(p);
      }
    }
    this.#queue = keep;
    return out;
  }

  async #propose(g: GroupInternals, change: BranchChange): Promise<ProposalOutput | undefined> {
    const s = g.state;
    if (change.kind === "remove") {
      const leaf = s.tree.findSignatureKey(change.signatureKey)[0];
      if (leaf === undefined || leaf === s.ownLeaf) return undefined;
      return g.propose({ remove: leaf });
    }
    if (change.kind === "extensions") return g.propose({ groupContextExtensions: change.extensions });
    return undefined;
  }

  /** The full state of a retained epoch, with the live past epochs before it (and its own live secret tree, so no key is used twice). */
  async #decode(rec: RetainedEpoch, current: GroupState): Promise<GroupState> {
    const env = { cs: current.cs, policy: current.policy, services: current.services };
    const s = await decodeGroupState(
      rec.state,
      env,
      current.pastEpochs.filter((p) => p.epoch < rec.epoch),
    );
    const live = current.pastEpochs.find((p) => p.epoch === rec.epoch);
    return live !== undefined && live.secretTree.leafCount === s.secretTree.leafCount ? { ...s, secretTree: live.secretTree } : s;
  }

  /**
   * A Commit of an epoch this member left: settles the fork it shows, or
   * returns undefined (not a fork: the ordinary path refuses the message).
   * @throws ValidationError `fork/beyond-retention` for a Commit of an epoch more than K epochs back.
   */
  async intercept(g: GroupInternals, bytes: Uint8Array): Promise<ForkDetected | undefined> {
    const current = g.state;
    let epoch: bigint;
    let isCommit: boolean;
    let groupId: Uint8Array;
    try {
      const m = decodeMlsMessage(bytes);
      if (m.wireFormat === WireFormat.mls_public_message) {
        ({ epoch, groupId } = m.publicMessage.content);
        isCommit = m.publicMessage.content.contentType === ContentType.commit;
      } else if (m.wireFormat === WireFormat.mls_private_message) {
        ({ epoch, groupId } = m.privateMessage);
        isCommit = m.privateMessage.contentType === ContentType.commit;
      } else return undefined;
    } catch {
      return undefined;
    }
    const n = current.groupContext.epoch;
    if (!isCommit || epoch >= n || !bytesEqual(groupId, current.groupContext.groupId)) return undefined;
    const k = BigInt(this.options.retainEpochs);
    const rec = g.retained.get(epoch);
    if (rec === undefined) {
      if (epoch < n - k) {
        throw new ValidationError(
          "fork/beyond-retention",
          "12.4.2",
          `a Commit of epoch ${epoch}, ${n - epoch} epochs back: this member keeps the full state of the last ${k} epochs only, so it neither verifies nor settles a fork there`,
        );
      }
      return undefined;
    }
    const forkPoint = await this.#decode(rec, current);
    let v: VerifiedForkCommit;
    try {
      v = await verifyForkCommit(forkPoint, bytes);
    } catch {
      return undefined; // not evidence of anything: processed as usual, and refused
    }
    const oursHash = epoch + 1n === n ? current.groupContext.confirmedTranscriptHash : g.retained.get(epoch + 1n)?.hash;
    if (oursHash === undefined || bytesEqual(oursHash, v.hash)) return undefined; // the Commit we took, seen again
    const ours: ForkCommitSummary = { epoch: epoch + 1n, hash: oursHash.slice(), committer: rec.leftBy.committer };
    const theirs: ForkCommitSummary = { epoch: epoch + 1n, hash: v.hash.slice(), committer: v.committer };
    const winner = settleFork(this.options.rule, { groupId: current.groupContext.groupId, forkEpoch: epoch, ours, theirs });
    const theirsOut = { ...theirs, verification: v.verification, own: v.own };
    if (winner === "ours") return this.#keepOurs(g, forkPoint, v, ours, theirsOut);
    return this.#rollBack(g, forkPoint, v, ours, theirsOut);
  }

  /** Ours won: nothing moves; what their Commit did is reported (and proposed again when it was ours). */
  async #keepOurs(g: GroupInternals, forkPoint: GroupState, v: VerifiedForkCommit, ours: ForkCommitSummary, theirs: ForkDetected["theirs"]): Promise<ForkDetected> {
    const current = g.state;
    const changes = v.state !== undefined ? branchChanges(forkPoint, v.state) : stagedChanges(v);
    const committerKey = v.committer !== undefined ? forkPoint.tree.leafNode(v.committer)?.signatureKey : undefined;
    const lost = this.#classify(changes, forkPoint.groupContext.epoch, v.own, committerKey, current);
    if (this.options.readAcrossEpochs > 0 && v.state !== undefined) this.#keepTip({ forkEpoch: forkPoint.groupContext.epoch, branch: theirs.hash, state: v.state });
    const reproposed = await this.reproposals(g);
    return {
      kind: "fork",
      event: "commit",
      forkEpoch: forkPoint.groupContext.epoch,
      ours,
      theirs,
      winner: "ours",
      rolledBack: 0,
      epoch: current.groupContext.epoch,
      removed: false,
      lost,
      reproposed,
      replayed: [],
    };
  }

  /** Theirs won: back to the fork point (at most K epochs), their Commit merged, our branch's changes re-proposed or reported. */
  async #rollBack(g: GroupInternals, forkPoint: GroupState, v: VerifiedForkCommit, ours: ForkCommitSummary, theirs: ForkDetected["theirs"]): Promise<ForkDetected> {
    const current = g.state;
    const e = forkPoint.groupContext.epoch;
    const n = current.groupContext.epoch;
    const depth = n - e;
    if (depth > BigInt(this.options.retainEpochs)) {
      throw new ValidationError("fork/beyond-retention", "12.4.2", `settling would undo ${depth} epochs, more than the ${this.options.retainEpochs} kept`);
    }
    // What our branch did, epoch by epoch, before anything moves.
    const ourChanges: { change: BranchChange; epoch: bigint; own: boolean; committerKey: Uint8Array | undefined }[] = [];
    let before = forkPoint;
    for (let t = e; t < n; t++) {
      const left = g.retained.get(t)?.leftBy;
      const nextRec = t + 1n === n ? undefined : g.retained.get(t + 1n);
      if (t + 1n !== n && nextRec === undefined) break;
      const after = nextRec === undefined ? current : await this.#decode(nextRec, current);
      const committerKey = left?.committer !== undefined ? before.tree.leafNode(left.committer)?.signatureKey : undefined;
      for (const change of branchChanges(before, after)) ourChanges.push({ change, epoch: t, own: left?.own ?? false, committerKey });
      before = after;
    }
    if (this.options.readAcrossEpochs > 0) this.#keepTip({ forkEpoch: e, branch: ours.hash, state: await this.#clone(current) });
    let replayed: ForkDetected["replayed"] = [];
    let removed = false;
    if (v.state === undefined) {
      g.retained.dropFrom(e);
      if (v.staged !== undefined) v.staged.consumeKey?.();
      g.set({ ...forkPoint, pendingCommit: undefined, status: { kind: "removed", epoch: e + 1n } });
      removed = true;
    } else {
      const next = v.staged !== undefined ? mergeStagedCommit(v.staged) : v.state;
      replayed = (await enterMerged(g, { ...forkPoint, pendingCommit: v.own ? forkPoint.pendingCommit : undefined }, next, v.committer)).replayed;
    }
    const now = g.state;
    const lost: LostChange[] = [];
    // A committer removed later on our branch is removed locally for good (README "Forks", Limits): it never re-proposes.
    const removedOnBranch = ourChanges.flatMap((c) => (c.change.kind === "remove" ? [c.change.signatureKey] : []));
    for (const c of ourChanges) {
      const gone = c.committerKey !== undefined && removedOnBranch.some((k) => bytesEqual(k, expectDefined(c.committerKey, "c.committerKey")));
      lost.push(...this.#classify([c.change], c.epoch, c.own, gone ? undefined : c.committerKey, now));
    }
    const reproposed = removed ? [] : await this.reproposals(g);
    return {
      kind: "fork",
      event: "commit",
      forkEpoch: e,
      ours,
      theirs,
      winner: "theirs",
      rolledBack: Number(depth),
      epoch: now.groupContext.epoch,
      removed,
      lost,
      reproposed,
      replayed,
    };
  }

  /** What becomes of each lost change in `winning`; ours that still apply are queued for re-proposal. */
  #classify(changes: readonly BranchChange[], epoch: bigint, own: boolean, committerKey: Uint8Array | undefined, winning: GroupState): LostChange[] {
    const out: LostChange[] = [];
    for (const change of changes) {
      let status: LostChange["status"];
      if (change.kind === "update") status = "superseded";
      else if (!changeStillApplies(change, winning)) status = "already-applied";
      else if (change.kind === "add") status = "needs-application";
      else if (own) {
        status = "re-proposed";
        this.#queue.push({ change, epoch, proposedIn: undefined });
      } else if (committerKey !== undefined && winning.tree.findSignatureKey(committerKey).length > 0) status = "committer-re-proposes";
      else status = "needs-application";
      out.push({ change, epoch, status });
    }
    return out;
  }

  async #clone(s: GroupState): Promise<GroupState> {
    return decodeGroupState(encodeGroupState({ ...s, pendingCommit: undefined }), { cs: s.cs, policy: s.policy, services: s.services }, []);
  }

  #keepTip(tip: BranchTip): void {
    this.#tips.push(tip);
    while (this.#tips.length > 4) this.#tips.shift();
  }

  /**
   * A message the group refused, read on a losing branch kept by
   * `readAcrossFork`; undefined when no kept branch reads it.
   */
  async readBranch(g: GroupInternals, bytes: Uint8Array): Promise<ForkBranchMessage | undefined> {
    const w = BigInt(this.options.readAcrossEpochs);
    if (w === 0n) return undefined;
    const n = g.state.groupContext.epoch;
    for (let i = this.#tips.length - 1; i >= 0; i--)
      if (n - expectDefined(this.#tips[i], "this.#tips[i]").forkEpoch > w + BigInt(this.options.retainEpochs)) this.#tips.splice(i, 1);
    for (const tip of this.#tips) {
      let r;
      try {
        r = await processMessage(tip.state, bytes);
      } catch {
        continue;
      }
      const base = { kind: "fork", event: "branch-message", forkEpoch: tip.forkEpoch, branch: tip.branch } as const;
      if (r.kind === "application")
        return { ...base, epoch: r.epoch, application: (await applicationReceived(tip.state, g.identityProvider, r)) as ApplicationReceived, commit: false };
      if (r.kind === "commit") {
        if (r.staged.state !== undefined && r.staged.epoch - tip.forkEpoch <= w) tip.state = mergeStagedCommit(r.staged);
        return { ...base, epoch: r.staged.epoch - 1n, commit: true };
      }
      if (r.kind === "proposal" || r.kind === "buffered") {
        tip.state = r.state;
        return { ...base, epoch: tip.state.groupContext.epoch, commit: false };
      }
    }
    return undefined;
  }
}

/** The changes of a staged Commit that has no next state for us (it removes us). */
function stagedChanges(v: VerifiedForkCommit): BranchChange[] {
  const s = v.staged;
  if (s === undefined) return [];
  const out: BranchChange[] = [];
  for (const a of s.added) out.push({ kind: "add", leafIndex: a.leafIndex, credential: a.keyPackage.leafNode.credential, signatureKey: a.keyPackage.leafNode.signatureKey });
  for (const r of s.removed) out.push({ kind: "remove", leafIndex: r.leafIndex, credential: r.leafNode.credential, signatureKey: r.leafNode.signatureKey });
  if (s.newExtensions !== undefined) out.push({ kind: "extensions", extensions: s.newExtensions });
  return out;
}
