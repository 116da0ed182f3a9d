/** What `Group.processIncoming` reports about a fork (issue 16). */
import type { BranchChange, ForkVerification, ForkWinner } from "@mlskit/group";
import type { LeafIndex } from "@mlskit/ratchet-tree";
import type { ApplicationReceived, IncomingMessage, ProposalOutput } from "../results.js";

/** One of the two Commits of a fork. */
export interface ForkCommitSummary {
  /** The epoch the Commit starts (the fork point + 1). */
  readonly epoch: bigint;
  /** Its fork hash: the confirmed transcript hash of that epoch (RFC 9420 §8.2; see `@mlskit/group` fork-rule). */
  readonly hash: Uint8Array;
  /** The committer's leaf in the fork point (undefined for an external Commit or when not known). */
  readonly committer: LeafIndex | undefined;
}

/**
 * A change a losing branch made, and what became of it: `re-proposed`
 * (this member committed it and proposed it again: send `reproposed`),
 * `committer-re-proposes` (another member committed it; it proposes it
 * again when it settles), `already-applied` (the winning branch has it),
 * `needs-application` (an Add needs a fresh KeyPackage, or its committer
 * is not a member of the winning branch: the application decides),
 * `superseded` (an Update: the member simply updates again).
 */
export interface LostChange {
  readonly change: BranchChange;
  /** The epoch of the losing branch the change was committed in (the Commit started `epoch + 1`). */
  readonly epoch: bigint;
  readonly status: "re-proposed" | "committer-re-proposes" | "already-applied" | "needs-application" | "superseded";
}

/** A valid Commit for an epoch this member left through another Commit: a fork, settled. */
export interface ForkDetected {
  readonly kind: "fork";
  readonly event: "commit";
  /** The fork point: the epoch both Commits were sent in. */
  readonly forkEpoch: bigint;
  /** The Commit this member took. */
  readonly ours: ForkCommitSummary;
  /** The Commit just received, and what was verified about it. */
  readonly theirs: ForkCommitSummary & { readonly verification: ForkVerification; readonly own: boolean };
  /** Which the rule chose. */
  readonly winner: ForkWinner;
  /** Epochs undone (0 when ours won): never more than `retainEpochs`. */
  readonly rolledBack: number;
  /** The epoch now current. */
  readonly epoch: bigint;
  /** True when the winning Commit removed this member. */
  readonly removed: boolean;
  /** What the losing branch did, and what became of each change. */
  readonly lost: readonly LostChange[];
  /** Proposals this member made again for its own lost changes: send them to the group. */
  readonly reproposed: readonly ProposalOutput[];
  /** Messages held for the new epoch, processed now (after a rollback). */
  readonly replayed: readonly IncomingMessage[];
}

/**
 * A message of a branch this member is not on, read with the losing
 * branch's keys kept by `forks.readAcrossFork` (a Commit there advances that
 * branch's keys; application data is returned).
 */
export interface ForkBranchMessage {
  readonly kind: "fork";
  readonly event: "branch-message";
  readonly forkEpoch: bigint;
  /** The fork hash of the branch's first Commit. */
  readonly branch: Uint8Array;
  /** The message's epoch on that branch. */
  readonly epoch: bigint;
  /** The application message, when it was one. */
  readonly application?: ApplicationReceived;
  /** True when it was a Commit of that branch (its keys advanced). */
  readonly commit: boolean;
}

/** A `fork` result of `processIncoming`. */
export type ForkResult = ForkDetected | ForkBranchMessage;
