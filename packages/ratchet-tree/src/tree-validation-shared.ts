/**
 * A small tree's leaf signatures (§7.3) shared with the provider's helper
 * thread (`CipherSuiteProvider.verifyShared`, crypto-node's worker): the
 * helper starts on them at once, from the first leaf, while the joiner goes
 * on with its own work (tree hashes, structure checks, the GroupInfo, the
 * key schedule); when the joiner needs the result, this thread takes what
 * the helper has not done, from the last leaf down. It never waits for the
 * helper, so one that other processes keep from running costs it only the
 * hand-over. Measured at N = 16: docs/performance/small-group-profile.md,
 * "Join at N = 16".
 */
import { type SharedVerification, expectDefined } from "@mlskit/core";
import { Yielder } from "./concurrency.js";
import type { LeafIndex } from "./tree-math.js";

/**
 * Completes `shared` over `leaves` (item k is leaf `leaves[k]`): each leaf the
 * helper has not done is verified here (`verifyHere`), each it has done is
 * `answered` with its outcome. Stops claiming once `stopped()`.
 */
export async function completeShared(
  leaves: readonly LeafIndex[],
  shared: SharedVerification,
  verifyHere: (l: LeafIndex) => Promise<void>,
  answered: (l: LeafIndex, ok: boolean) => Promise<void> | void,
  stopped: () => boolean,
): Promise<void> {
  const settled: (Promise<void> | void)[] = [];
  // A large tree's share takes this thread seconds: the event loop gets its turns.
  const yielder = new Yielder();
  for (let k = leaves.length - 1; k >= 0; k--) {
    if (yielder.due()) await yielder.yield();
    if (stopped()) {
      shared.cancel();
      break;
    }
    const l = expectDefined(leaves[k], "leaves[k]");
    // A node:crypto verification runs within the call, so the helper moves on meanwhile.
    settled.push(shared.claim(k) ? verifyHere(l) : answered(l, shared.result(k)));
  }
  // eslint-disable-next-line @typescript-eslint/await-thenable
  await Promise.all(settled);
}
