/** An in-memory {@link GroupStateStore} that can keep a bounded history of past epochs. */
import { type GroupStateStore, UsageError } from "@mlskit/core";
import { bytesOf, keyOf } from "./hex.js";

/** Options of {@link MemoryGroupStateStore}. */
export interface MemoryGroupStateStoreOptions {
  /** Past epochs kept per group besides the current one (default 0). */
  readonly history?: number;
}

/** A stored state and its epoch. */
export interface StoredEpoch<S> {
  readonly epoch: bigint;
  readonly state: S;
}

/**
 * Keeps each group's latest state in a `Map`, and optionally the states of
 * its last few epochs ({@link MemoryGroupStateStoreOptions.history}).
 * States are stored by reference: a store of immutable snapshots.
 */
export class MemoryGroupStateStore<S> implements GroupStateStore<S> {
  readonly #groups = new Map<string, StoredEpoch<S>[]>();
  readonly #history: number;

  constructor(options: MemoryGroupStateStoreOptions = {}) {
    const history = options.history ?? 0;
    if (!Number.isInteger(history) || history < 0) throw new UsageError("usage/invalid-argument", "history must be a non-negative integer");
    this.#history = history;
  }

  async get(groupId: Uint8Array): Promise<S | undefined> {
    return this.#groups.get(keyOf(groupId))?.[0]?.state;
  }

  async put(groupId: Uint8Array, epoch: bigint, state: S): Promise<void> {
    const key = keyOf(groupId);
    const list = this.#groups.get(key) ?? [];
    // A state of the same epoch (a proposal received, a commit pending) replaces the current one.
    const rest = list[0]?.epoch === epoch ? list.slice(1) : list;
    this.#groups.set(key, [{ epoch, state }, ...rest.filter((e) => e.epoch < epoch)].slice(0, this.#history + 1));
  }

  async delete(groupId: Uint8Array): Promise<void> {
    this.#groups.delete(keyOf(groupId));
  }

  async groupIds(): Promise<Uint8Array[]> {
    return [...this.#groups.keys()].map(bytesOf);
  }

  /** The stored epochs of a group, newest first (the current one and the history kept). */
  async history(groupId: Uint8Array): Promise<readonly StoredEpoch<S>[]> {
    return [...(this.#groups.get(keyOf(groupId)) ?? [])];
  }
}
