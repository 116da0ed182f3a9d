/**
 * The conformance checks of a {@link ClientStore} adapter: every promise of
 * the storage contract (`storage/client-store.ts`: atomicity, ordering,
 * concurrency, integrity, ids by value, copies in and out) as a framework-free
 * {@link ConformanceCheck}. An adapter's tests run them:
 * `for (const c of storageConformance(target)) it(c.name, c.run)`.
 */
import type { ClientStore } from "../storage/client-store.js";
import type { AddCheck, ConformanceCheck } from "./helpers.js";
import { groupChecks } from "./storage-groups.js";
import { recordChecks } from "./storage-records.js";
import { transactionChecks } from "./storage-transactions.js";

/**
 * The hook an adapter calls between the steps of {@link ClientStore.writeGroup}
 * (see {@link StorageConformanceTarget.open}). When it throws, the write must
 * fail as a whole: nothing of it may be visible afterwards.
 */
export type StorageFaultHook = (step: StorageWriteStep | (string & {})) => void;

/**
 * The steps every adapter reports to its fault hook during a `writeGroup`
 * that carries all of them, each after that part of the write is staged
 * (inside the transaction, before it commits): `"state"` after the group
 * state, `"epochs"` after the past-epoch inserts and drops, `"key-packages"`
 * after the consumed KeyPackages. An adapter may report more steps (a last
 * `"commit"`, say); the suite fails the write at every step it reports.
 */
export type StorageWriteStep = "state" | "epochs" | "key-packages";

/** How the suite reaches one adapter. */
export interface StorageConformanceTarget {
  /** Names the checks (`"memory: group round trip"`). */
  readonly name: string;
  /**
   * A fresh, empty store. `faults`, when given, must be called by the store
   * between the steps of every `writeGroup` (see {@link StorageWriteStep});
   * an exception it throws must make the write fail with `StorageError`
   * `storage/failed` (the exception as `cause`) and roll it back whole.
   */
  open(options?: { readonly faults?: StorageFaultHook }): Promise<ClientStore>;
  /**
   * Another handle on the same data as `store` (another process, or the same
   * one after a restart), with the same fault hook. It must work even after
   * `store` was closed. Omitted by adapters without such a notion: the checks
   * of persistence and of two handles are then left out.
   */
  reopen?(store: ClientStore): Promise<ClientStore>;
  /**
   * Damages what `store` holds for this group (its state or epoch, as a
   * failing disk or a foreign writer would) so that it can no longer be read
   * back as written.
   */
  corruptGroup(store: ClientStore, groupId: Uint8Array): Promise<void>;
}

/**
 * The checks a {@link ClientStore} adapter must pass. Each opens its own
 * fresh store through `target` and closes it. A failed check throws an
 * `Error` naming what differed.
 */
export function storageConformance(target: StorageConformanceTarget): ConformanceCheck[] {
  const checks: ConformanceCheck[] = [];
  const add: AddCheck = (name, run) => void checks.push({ name: `${target.name}: ${name}`, run });
  groupChecks(target, add);
  transactionChecks(target, add);
  recordChecks(target, add);
  return checks;
}
