/**
 * What an accepted {@link DsStore.appendMessage} writes, worked out apart
 * from any database so both stores write exactly the same rows: the epoch
 * check, the recipients, the membership after a Commit, the Welcome's
 * recipients. The stores run this inside their transaction, after locking
 * the group and reading its epoch and members.
 */
import type { AppendInput, AppendResult } from "./ds-store.js";
import { DsStoreError } from "./store-error.js";

const MAX_EPOCH = (1n << 64n) - 1n;

/** One queue entry to write: `seq` is taken from the recipient's counter when written. */
interface PlannedEntry {
  readonly clientId: string;
  readonly kind: "welcome" | "handshake" | "application";
  readonly epoch: bigint;
  readonly message: Uint8Array;
  readonly ratchetTree: Uint8Array | undefined;
}

export interface AppendPlan {
  /** The group's epoch after the message. */
  readonly epoch: bigint;
  /** Whether the message joins the handshake history. */
  readonly handshake: boolean;
  /** Every entry, grouped by recipient in sorted client-id order (the PostgreSQL store locks counters in this order). */
  readonly entries: readonly PlannedEntry[];
  /** For a Commit: the members after it (sorted); undefined leaves them. */
  readonly membersAfter: readonly string[] | undefined;
  /** Sorted, distinct: who the onEnqueued listeners are told about. */
  readonly notify: readonly string[];
}

/** Checks an epoch the caller gives (uint64). */
export function checkEpoch(epoch: bigint, what: string): bigint {
  if (epoch < 0n || epoch > MAX_EPOCH) throw new DsStoreError("store/invalid-input", `${what} ${epoch} is not a uint64`);
  return epoch;
}

/** The refusal for a message whose epoch is not the group's current one, or undefined when it may be appended. */
export function epochRefusal(current: bigint | undefined, epoch: bigint): AppendResult | undefined {
  if (current === undefined) return { accepted: false, reason: "unknown-group", currentEpoch: 0n };
  if (epoch < current) return { accepted: false, reason: "stale-epoch", currentEpoch: current };
  if (epoch > current) return { accepted: false, reason: "future-epoch", currentEpoch: current };
  return undefined;
}

/**
 * The plan of an accepted message. The message goes to every member but the
 * sender — for a Commit the members before it, so a removed member learns of
 * its removal; the Welcome goes to the added clients with the new epoch.
 */
export function planAppend(input: AppendInput, members: readonly string[]): AppendPlan {
  checkEpoch(input.epoch, "the message's epoch");
  const commit = input.commit;
  if (commit !== undefined && input.epoch === MAX_EPOCH) {
    throw new DsStoreError("store/invalid-input", "a Commit in the last uint64 epoch has no next epoch");
  }
  const epoch = commit === undefined ? input.epoch : input.epoch + 1n;
  const entries: PlannedEntry[] = [];
  for (const clientId of sortedDistinct(members)) {
    if (clientId === input.sender) continue;
    entries.push({ clientId, kind: input.kind, epoch: input.epoch, message: input.message, ratchetTree: undefined });
  }
  let membersAfter: string[] | undefined;
  if (commit !== undefined) {
    const removed = new Set(commit.removed);
    membersAfter = sortedDistinct([...members.filter((m) => !removed.has(m)), ...commit.added]);
    if (commit.welcome !== undefined) {
      for (const clientId of sortedDistinct(commit.added)) {
        entries.push({ clientId, kind: "welcome", epoch, message: commit.welcome, ratchetTree: commit.ratchetTree });
      }
    }
  }
  // A stable sort keeps a client's own entries in the order above (the message, then its Welcome).
  entries.sort((a, b) => compareIds(a.clientId, b.clientId));
  return {
    epoch,
    handshake: input.kind === "handshake",
    entries,
    membersAfter,
    notify: sortedDistinct(entries.map((e) => e.clientId)),
  };
}

/** Client ids in one fixed order (UTF-16 code units, the same on every node). */
export function sortedDistinct(ids: Iterable<string>): string[] {
  return [...new Set(ids)].sort(compareIds);
}

function compareIds(a: string, b: string): number {
  return a < b ? -1 : a > b ? 1 : 0;
}
