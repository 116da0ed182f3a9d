/**
 * The settlement rule of a fork (issue 16; the Distributed MLS draft's idea):
 * two valid Commits start from the same epoch (the fork point) and each
 * side carried on with its own. Every member that sees both Commits must
 * pick the same one, without talking to anyone: a {@link ForkRule} is a
 * pure function of what both Commits are, the same on every member.
 *
 * **The hash.** The default rule compares the *fork hash* of each Commit:
 * the `confirmed_transcript_hash` of the epoch the Commit starts (RFC 9420
 * §8.2),
 *
 * ```
 * fork_hash(C) = Hash(interim_transcript_hash_[E] ||
 *                     ConfirmedTranscriptHashInput(wire_format, FramedContent, signature))
 * ```
 *
 * with the group's cipher suite hash, `E` the fork point. It covers the
 * Commit's whole signed content and signature (so a different Commit has a
 * different hash, and nobody but the signer can choose it), does not depend
 * on the PrivateMessage encryption or on who received it, and every member
 * of the new epoch already holds it in its GroupContext. The Commit with the
 * bytewise (unsigned, lexicographic) lower fork hash wins.
 */
import type { LeafIndex } from "@mlskit/ratchet-tree";
import { expectDefined } from "@mlskit/core";

/** Which Commit wins: the one this member took, or the other branch's. */
export type ForkWinner = "ours" | "theirs";

/** One of the two Commits of a fork, as a rule sees it. */
export interface ForkBranchCommit {
  /** The epoch the Commit starts (the fork point + 1). */
  readonly epoch: bigint;
  /** Its fork hash (see the module doc): the new epoch's confirmed transcript hash. */
  readonly hash: Uint8Array;
  /** The committer's leaf in the fork point's tree (undefined for an external Commit). */
  readonly committer: LeafIndex | undefined;
}

/** What a {@link ForkRule} decides on. */
export interface ForkRuleInput {
  readonly groupId: Uint8Array;
  /** The fork point: the epoch both Commits start from. */
  readonly forkEpoch: bigint;
  readonly ours: ForkBranchCommit;
  readonly theirs: ForkBranchCommit;
}

/**
 * A settlement rule. It must be deterministic and antisymmetric (swapping
 * `ours` and `theirs` swaps the answer), and depend only on the input, so
 * that every member settles alike; an application may order by its own
 * event DAG (e.g. look the Commits up by hash). It is never called with
 * two equal hashes (that is one Commit, not a fork).
 */
export type ForkRule = (input: ForkRuleInput) => ForkWinner;

/** Unsigned lexicographic order of two byte strings (shorter first when one is a prefix of the other). */
export function compareBytes(a: Uint8Array, b: Uint8Array): number {
  const n = Math.min(a.length, b.length);
  for (let i = 0; i < n; i++) if (a[i] !== b[i]) return expectDefined(a[i], "a[i]") - expectDefined(b[i], "b[i]");
  return a.length - b.length;
}

/** The default rule: the first differing Commit with the lower fork hash wins. */
export const lowerHashWins: ForkRule = ({ ours, theirs }) => (compareBytes(theirs.hash, ours.hash) < 0 ? "theirs" : "ours");

/**
 * Applies `rule` and checks it answered a {@link ForkWinner}; equal hashes
 * (one Commit seen twice) keep ours without asking the rule.
 */
export function settleFork(rule: ForkRule, input: ForkRuleInput): ForkWinner {
  if (compareBytes(input.ours.hash, input.theirs.hash) === 0) return "ours";
  const w = rule(input);
  return w === "theirs" ? "theirs" : "ours";
}
