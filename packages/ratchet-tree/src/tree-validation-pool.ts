/**
 * A small tree's leaf signatures (§7.3) shared between the provider's thread
 * pool (`verifyBatch`, node:crypto) and this thread: a share of them issued
 * to the pool at once, one job each, while the joiner goes on with its own
 * work; when it needs the result, this thread verifies what the pool has not
 * answered, from the last leaf down (the pool takes jobs first in, first
 * out), looking for answers between two. It never waits for the pool, so a
 * pool that other processes keep from running costs it little.
 *
 * The share follows what the pool did in the previous joins of this process
 * (each job the pool did not answer in time is verified twice, the pool's
 * copy wasted): on a quiet machine it answers most and gets all; on one
 * whose other core is taken, it answers few, and gets fewer jobs (down to
 * {@link MIN_SHARE}). And when issuing a job takes as long as a
 * verification, the pool's thread has taken this thread's core: no more jobs
 * are issued in that join, and the next starts from the smallest share. Measured at N = 16 (16 leaves to verify): see
 * docs/performance/small-group-profile.md, "Join at N = 16".
 */
import { type SignatureCheck, expectDefined } from "@mlskit/core";
import { yieldToEventLoop } from "./concurrency.js";
import type { LeafIndex } from "./tree-math.js";

/**
 * The fewest leaves to verify worth the pool (each job costs this thread ~10 µs to issue and collect, a
 * verification ~60). At N = 2 (2 leaves to verify) the pool saved ~40 µs of 0.63 ms on a quiet machine and
 * cost 0.1-0.2 ms under load (medians, 0.97-0.99 ms here against 1.08-1.22 ms): such trees stay here.
 */
export const RACE_MIN_LEAVES = 4;
const MIN_SHARE = 1 / 8;
/** Issuing one job this long (ms; ~0.01 normally, a verification ~0.06) means the pool displaced this thread. */
const DISPLACED_MS = 0.04;

/** Share of the leaves issued to the pool in the next join (process-wide; only speed depends on it). */
let share = 1;

/**
 * Issues `share` of `leaves` to the pool now; the returned function completes
 * them (see the file comment). `answered(l, ok)` takes each leaf's outcome
 * once, from the pool or from `verifyHere`, never both.
 */
export function raceThreadPool(
  leaves: readonly LeafIndex[],
  verifyBatch: (items: readonly SignatureCheck[]) => Promise<boolean[]>,
  signatureCheck: (l: LeafIndex) => SignatureCheck,
  verifyHere: (l: LeafIndex) => Promise<void>,
  answered: (l: LeafIndex, ok: boolean) => Promise<void> | void,
  stopped: () => boolean,
): () => Promise<void> {
  const pending = new Set(leaves);
  const settled: (Promise<void> | void)[] = [];
  const toIssue = Math.max(1, Math.round(leaves.length * share));
  let issued = 0;
  let slow = 0;
  let byPool = 0;
  // The first leaves to the pool; this thread starts from the other end. A job takes this thread ~10 µs to issue; if
  // one took far longer, the pool's thread ran on this thread's core (the other one busy): no more jobs then.
  let at = performance.now();
  for (const l of leaves.slice(0, toIssue)) {
    issued++;
    verifyBatch([signatureCheck(l)]).then(
      (r) => {
        if (!pending.delete(l)) return;
        byPool++;
        settled.push(answered(l, r[0] === true));
      },
      () => {}, // the leaf stays pending: verified here
    );
    const now = performance.now();
    // The first job also wakes a pool thread (tens of µs even on a quiet machine): judged from the second on. One slow
    // issue happens on a quiet machine too (a woken pool thread preempts this one once); a second means a busy core.
    if (issued > 1 && now - at > DISPLACED_MS && ++slow >= 2) break;
    at = now;
  }
  return async () => {
    for (let next = leaves.length - 1; pending.size > 0 && !stopped();) {
      // Collect the answers that came in (the pool's completions run before a macrotask).
      await yieldToEventLoop();
      while (next >= 0 && !pending.has(expectDefined(leaves[next], "leaves[next]"))) next--;
      const l = leaves[next];
      if (l === undefined) break;
      pending.delete(l);
      settled.push(verifyHere(l));
    }
    // The pool's share next time, halfway to what it covered this time: one leaf more than it answered, or, when it
    // answered all it was given, twice that (it may keep up with more; back from MIN_SHARE to all in a few joins).
    const covered = issued < toIssue ? 0 : byPool === issued ? (2 * issued) / leaves.length : (byPool + 1) / leaves.length;
    share = Math.min(1, Math.max(MIN_SHARE, (share + covered) / 2));
    // eslint-disable-next-line @typescript-eslint/await-thenable
    await Promise.all(settled);
  };
}
