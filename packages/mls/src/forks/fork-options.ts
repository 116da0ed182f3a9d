/**
 * How a client handles forks of its groups (issue 16). Off unless the
 * client is created with `forks`: keeping the full state of past epochs is
 * a forward-secrecy trade (README "Forks").
 */
import { UsageError } from "@mlskit/core";
import { type ForkRule, lowerHashWins } from "@mlskit/group";

/** The `forks` option of a `Client`. */
export interface ForkOptions {
  /**
   * K: the full state of the last K epochs this member left is kept (and
   * stored), so a fork at most K epochs back can be verified and, when the
   * other branch wins, settled by returning there. A fork further back is
   * never settled into. Default 5.
   */
  readonly retainEpochs?: number;
  /** The settlement rule (default: the first differing Commit with the lower fork hash wins, see `@mlskit/group` fork-rule). */
  readonly rule?: ForkRule;
  /**
   * Reading across a fork: the losing branch's epoch secrets are kept for
   * this many epochs past the fork point, in memory only, so messages sent
   * there stay readable (results of kind `fork`, event `branch-message`).
   * Off (0) by default: it keeps keys the group has moved away from, which
   * weakens forward secrecy for that window.
   */
  readonly readAcrossFork?: { readonly epochs: number };
}

/** {@link ForkOptions} with defaults. @internal */
export interface ResolvedForkOptions {
  readonly retainEpochs: number;
  readonly rule: ForkRule;
  readonly readAcrossEpochs: number;
}

/** Default K. */
export const DEFAULT_RETAIN_EPOCHS = 5;

/** @internal @throws UsageError `usage/invalid-fork-options` for a negative or fractional bound. */
export function resolveForkOptions(o: ForkOptions): ResolvedForkOptions {
  const retainEpochs = o.retainEpochs ?? DEFAULT_RETAIN_EPOCHS;
  const readAcrossEpochs = o.readAcrossFork?.epochs ?? 0;
  for (const [name, v] of [
    ["retainEpochs", retainEpochs],
    ["readAcrossFork.epochs", readAcrossEpochs],
  ] as const) {
    if (!Number.isInteger(v) || v < 0 || v > 1000) throw new UsageError("usage/invalid-fork-options", `forks.${name} must be an integer in 0..1000, not ${v}`);
  }
  return { retainEpochs, rule: o.rule ?? lowerHashWins, readAcrossEpochs };
}
