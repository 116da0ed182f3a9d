/**
 * How a {@link Group} reaches storage (docs/ARCHITECTURE.md "Storage"): the state of
 * each transition encoded and written in one atomic `writeGroup`, with the
 * records of the past epochs it kept or changed (RFC 9420 §15.3) and the
 * KeyPackage a join consumed. Secret trees change in place as messages are
 * sent and read; their change counters tell which epochs must be written,
 * so every consumed key reaches storage before its message leaves the
 * facade. Internal to the facade.
 */
import type { ClientStore } from "@mlskit/core";
import {
  type GroupPolicy,
  type GroupServices,
  type GroupState,
  type PastEpoch,
  decodeGroupState,
  decodePastEpoch,
  encodeGroupState,
  encodePastEpoch,
  peekStateHeader,
} from "@mlskit/group";
import type { CipherSuiteProvider } from "@mlskit/core";
import type { SecretTree } from "@mlskit/key-schedule";
import { type RetainedEpoch, RetainedStates, unwrapRecord, wrapRecord } from "./forks/retained-states.js";
import { expectDefined } from "@mlskit/core";

/** The run-time context a stored state is decoded with. @internal */
export interface GroupEnv {
  readonly cs: CipherSuiteProvider;
  readonly policy: GroupPolicy;
  readonly services: GroupServices;
}

/** Reads a group's state and past epochs from `store`; `undefined` when the group is not stored. @internal */
export async function loadGroup(
  store: ClientStore,
  groupId: Uint8Array,
  env: (cipherSuite: number) => Promise<GroupEnv>,
): Promise<{ state: GroupState; persistence: GroupPersistence } | undefined> {
  const stored = await store.readGroup(groupId);
  if (stored === undefined) return undefined;
  const e = await env(peekStateHeader(stored.state).cipherSuite);
  // Newest first, as GroupState.pastEpochs lists them.
  const pastEpochs: PastEpoch[] = [];
  const retained: RetainedEpoch[] = [];
  for (const r of [...stored.pastEpochs].reverse()) {
    // Records of epochs at or after the state's are left over from a branch a fork settlement undid (forks/).
    if (r.epoch >= stored.epoch) continue;
    const { past, retained: kept } = unwrapRecord(r.epoch, r.data);
    if (kept !== undefined) retained.push(kept);
    if (past !== undefined) pastEpochs.push(await decodePastEpoch(past, e.cs, e.policy));
  }
  const state = await decodeGroupState(stored.state, e, pastEpochs);
  const persistence = new GroupPersistence(store, stored.version, new RetainedStates(retained));
  persistence.markWritten(state);
  return { state, persistence };
}

/** Extra effects written with a state, in its transaction. @internal */
export interface WriteExtras {
  /** KeyPackageRefs a join from a Welcome used (deleted with the state, §16.8). */
  readonly consumedKeyPackages?: readonly Uint8Array[];
}

/** One group's link to storage: its stored version and what was last written. @internal */
export class GroupPersistence {
  readonly #store: ClientStore;
  #version: number;
  #lastState: GroupState | undefined;
  #lastCurrentChanges = -1;
  /** The change count of each past epoch's secret tree when its record was last written. */
  readonly #writtenPast = new WeakMap<SecretTree, number>();

  /** The full states of the last epochs kept for fork settlement (forks/retained-states.ts), written with the state. */
  readonly retained: RetainedStates;

  constructor(store: ClientStore, version: number, retained: RetainedStates = new RetainedStates()) {
    this.#store = store;
    this.#version = version;
    this.retained = retained;
  }

  /** The stored version this handle will replace. */
  get version(): number {
    return this.#version;
  }

  /** True when `state` differs from what was last written (a new snapshot, or keys consumed in place). */
  needsWrite(state: GroupState): boolean {
    if (state !== this.#lastState || state.secretTree.changeCount !== this.#lastCurrentChanges || this.retained.dirty.size > 0) return true;
    return state.pastEpochs.some((p) => this.#writtenPast.get(p.secretTree) !== p.secretTree.changeCount);
  }

  /**
   * Writes `state` in one transaction with the past-epoch records that are
   * new or changed, dropping those it no longer keeps.
   * @throws StorageError `storage/conflict` when another writer changed the group since.
   */
  async write(state: GroupState, extras: WriteExtras = {}): Promise<void> {
    const putEpochs = [];
    const retained = this.retained;
    for (const p of state.pastEpochs) {
      if (this.#writtenPast.get(p.secretTree) !== p.secretTree.changeCount || retained.dirty.has(p.epoch)) {
        putEpochs.push({ epoch: p.epoch, data: expectDefined(wrapRecord(encodePastEpoch(p), retained.get(p.epoch)), "wrapRecord(encodePastEpoch(p), retained.get(p.epoch))") });
      }
    }
    // Retained states of epochs the ring of past epochs no longer holds ride alone in their record.
    for (const epoch of retained.dirty) {
      if (state.pastEpochs.some((p) => p.epoch === epoch)) continue;
      const data = wrapRecord(undefined, retained.get(epoch));
      if (data !== undefined) putEpochs.push({ epoch, data });
    }
    let oldestKept =
      state.pastEpochs.length > 0 ? expectDefined(state.pastEpochs[state.pastEpochs.length - 1], "state.pastEpochs[state.pastEpochs.length - 1]").epoch : state.groupContext.epoch;
    const oldestRetained = retained.oldest;
    if (oldestRetained !== undefined && oldestRetained < oldestKept) oldestKept = oldestRetained;
    this.#version = await this.#store.writeGroup({
      groupId: state.groupContext.groupId,
      epoch: state.groupContext.epoch,
      state: encodeGroupState(state),
      expectedVersion: this.#version,
      putEpochs,
      dropEpochsBefore: oldestKept,
      ...(extras.consumedKeyPackages !== undefined ? { consumedKeyPackages: extras.consumedKeyPackages } : {}),
    });
    this.markWritten(state);
    retained.dirty.clear();
  }

  /** Records `state` as what storage holds. */
  markWritten(state: GroupState): void {
    this.#lastState = state;
    this.#lastCurrentChanges = state.secretTree.changeCount;
    for (const p of state.pastEpochs) this.#writtenPast.set(p.secretTree, p.secretTree.changeCount);
  }
}
