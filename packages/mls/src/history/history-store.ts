/**
 * Where a client keeps the history of a group beside its live state
 * (issue 16, "History and key sharing"), through the same `ClientStore`:
 * each group has up to two history stores, each written as a pseudo-group
 * of the store (its own row, version-checked and atomic like a group) whose
 * epoch records are past-epoch records of `@mlskit/group`
 * (`past-epoch-codec.ts`):
 *
 * - `imported`: epochs another member shared with us: their secret trees
 *   hold only the application ratchets of the senders in scope (every other
 *   ratchet is exhausted), and are consumed as messages are read, like any
 *   past epoch (the deletion schedule applies to them too).
 * - `retained`: with `historySharing.retainEpochs`, a copy of each epoch's
 *   secret tree as it stood when the epoch began, kept to share later; it
 *   is never used to read messages here.
 *
 * The pseudo-group id is `"mlskit/history/<kind>\0" || group_id`; its state
 * blob is a small header: magic "MLSH", uint16 version = 2, uint16 cipher
 * suite, opaque group_id<V>. `Client.groupIds()` does not list these rows.
 *
 * Branch-aware (version 2): after a fork, two branches have epochs of the
 * same number, so an epoch is identified by (epoch, branch), the branch
 * being the epoch's confirmed transcript hash (RFC 9420 §8.2: every member
 * of that branch computes it alike; it is also the fork hash of
 * `forks/`). Each record's key is `epoch * 2^32 + slot`, the slot the first
 * free one from the branch's first 4 bytes, so the records of an epoch stay
 * together and `dropEpochsBefore(epoch * 2^32)` drops by epoch. Rows
 * written by version 1 keep their keys (the epoch): one branch per epoch.
 */
import { Reader, Writer, bytesEqual, concatBytes, utf8 } from "@mlskit/codec";
import { type ClientStore, StorageError } from "@mlskit/core";
import { type GroupPolicy, type PastEpoch, decodePastEpoch, encodePastEpoch } from "@mlskit/group";
import type { CipherSuiteProvider } from "@mlskit/core";
import type { SecretTree } from "@mlskit/key-schedule";
import { SerialQueue } from "../serial-queue.js";

/** The two kinds of history store. */
export type HistoryKind = "imported" | "retained";

const PREFIXES: Record<HistoryKind, Uint8Array> = {
  imported: utf8("mlskit/history/imported\0"),
  retained: utf8("mlskit/history/retained\0"),
};
const MAGIC = utf8("MLSH");
const STORE_VERSION = 2;
/** Key space of one epoch in a version-2 row. */
const SLOTS = 1n << 32n;

/** The branch of a past epoch: its confirmed transcript hash. */
export function branchOf(past: PastEpoch): Uint8Array {
  return past.framing.groupContext.confirmedTranscriptHash;
}

/** The store row of a group's history store. */
export function historyRowId(kind: HistoryKind, groupId: Uint8Array): Uint8Array {
  return concatBytes(PREFIXES[kind], groupId);
}

/** True for the store row of a history store (hidden from the application's group list). */
export function isHistoryRowId(id: Uint8Array): boolean {
  return Object.values(PREFIXES).some((p) => id.length >= p.length && bytesEqual(id.subarray(0, p.length), p));
}

function encodeHeader(cipherSuite: number, groupId: Uint8Array, version: number): Uint8Array {
  const w = new Writer(64);
  w.bytes(MAGIC);
  w.uint16(version);
  w.uint16(cipherSuite);
  w.opaque(groupId);
  return w.finish();
}

/** @returns the row's version (1 or 2). */
function checkHeader(bytes: Uint8Array, cipherSuite: number, groupId: Uint8Array): number {
  try {
    const r = new Reader(bytes);
    const magic = r.bytes(4);
    const version = r.uint16();
    const suite = r.uint16();
    const id = r.opaque();
    r.assertEnd();
    if (!bytesEqual(magic, MAGIC)) throw new StorageError("storage/corrupt", "a history store row without the MLSH magic");
    if (version !== 1 && version !== STORE_VERSION) throw new StorageError("storage/unsupported-version", `history store version ${version}`);
    if (suite !== cipherSuite || !bytesEqual(id, groupId)) throw new StorageError("storage/corrupt", "a history store row of another group or suite");
    return version;
  } catch (e) {
    if (StorageError.isInstance(e)) throw e;
    throw new StorageError("storage/corrupt", "a damaged history store row", { cause: e });
  }
}

/** One history store of one group, in memory and in the client's store. */
export class HistoryStore {
  readonly kind: HistoryKind;
  readonly groupId: Uint8Array;
  readonly cs: CipherSuiteProvider;
  /** The epochs held, by record key (see the module comment); {@link find} looks one up by epoch and branch. */
  readonly epochs = new Map<bigint, PastEpoch>();
  /** Serialises the writes (each names the version it replaces). */
  readonly queue = new SerialQueue();
  readonly #storage: ClientStore;
  #version = 0;
  /** The row's format: 2 (branch-aware) unless it was written by version 1. */
  #format = STORE_VERSION;
  readonly #written = new WeakMap<SecretTree, number>();
  /** Epochs removed since the last write (rewritten as a lower bound). */
  #dropBefore: bigint | undefined;

  private constructor(storage: ClientStore, kind: HistoryKind, groupId: Uint8Array, cs: CipherSuiteProvider) {
    this.#storage = storage;
    this.kind = kind;
    this.groupId = groupId.slice();
    this.cs = cs;
  }

  /** Reads a store (empty when it was never written). */
  static async load(storage: ClientStore, kind: HistoryKind, groupId: Uint8Array, cs: CipherSuiteProvider, policy: GroupPolicy): Promise<HistoryStore> {
    const store = new HistoryStore(storage, kind, groupId, cs);
    const stored = await storage.readGroup(historyRowId(kind, groupId));
    if (stored === undefined) return store;
    store.#format = checkHeader(stored.state, cs.suite.id, groupId);
    store.#version = stored.version;
    for (const r of stored.pastEpochs) {
      const past = await decodePastEpoch(r.data, cs, policy);
      const epochOfKey = store.#format === 1 ? r.epoch : r.epoch / SLOTS;
      if (past.epoch !== epochOfKey || !bytesEqual(past.framing.groupContext.groupId, groupId)) {
        throw new StorageError("storage/corrupt", `history record ${r.epoch} holds another epoch or group`);
      }
      store.epochs.set(r.epoch, past);
      store.#written.set(past.secretTree, past.secretTree.changeCount);
    }
    return store;
  }

  /** The epochs held (every branch), in key order. */
  all(): PastEpoch[] {
    return [...this.epochs.entries()].sort(([a], [b]) => (a < b ? -1 : a > b ? 1 : 0)).map(([, p]) => p);
  }

  /** The records of epoch `epoch` (one per branch held). */
  ofEpoch(epoch: bigint): PastEpoch[] {
    return this.all().filter((p) => p.epoch === epoch);
  }

  /** The record of `epoch` on `branch` (any branch in a version-1 row). */
  find(epoch: bigint, branch: Uint8Array): PastEpoch | undefined {
    return this.ofEpoch(epoch).find((p) => this.#format === 1 || bytesEqual(branchOf(p), branch));
  }

  #keyOf(past: PastEpoch): bigint {
    if (this.#format === 1) return past.epoch;
    if (past.epoch >= SLOTS) throw new StorageError("storage/unsupported-version", `epoch ${past.epoch} is beyond what a history store keys`);
    const branch = branchOf(past);
    const base = past.epoch * SLOTS;
    let slot = BigInt(((branch[0] ?? 0) << 24) | ((branch[1] ?? 0) << 16) | ((branch[2] ?? 0) << 8) | (branch[3] ?? 0)) & (SLOTS - 1n);
    for (;;) {
      const held = this.epochs.get(base + slot);
      if (held === undefined || bytesEqual(branchOf(held), branch)) return base + slot;
      slot = (slot + 1n) & (SLOTS - 1n);
    }
  }

  /** Adds (or replaces) an epoch of a branch; written by the next {@link write}. */
  put(past: PastEpoch): void {
    this.epochs.set(this.#keyOf(past), past);
  }

  /** Forgets the epochs below `epoch`, every branch (at the next {@link write}). */
  dropBefore(epoch: bigint): void {
    for (const [k, p] of [...this.epochs]) if (p.epoch < epoch) this.epochs.delete(k);
    const key = this.#format === 1 ? epoch : epoch * SLOTS;
    this.#dropBefore = this.#dropBefore === undefined || key > this.#dropBefore ? key : this.#dropBefore;
  }

  /** True when an epoch is new or its secret tree changed since it was written. */
  get dirty(): boolean {
    if (this.#dropBefore !== undefined) return true;
    for (const p of this.epochs.values()) if (this.#written.get(p.secretTree) !== p.secretTree.changeCount) return true;
    return false;
  }

  /** Writes what changed, in one transaction (call inside {@link queue}). */
  async write(): Promise<void> {
    if (!this.dirty) return;
    const putEpochs = [];
    const counts: [SecretTree, number][] = [];
    for (const [key, p] of this.epochs) {
      if (this.#written.get(p.secretTree) === p.secretTree.changeCount) continue;
      counts.push([p.secretTree, p.secretTree.changeCount]);
      putEpochs.push({ epoch: key, data: encodePastEpoch(p) });
    }
    this.#version = await this.#storage.writeGroup({
      groupId: historyRowId(this.kind, this.groupId),
      epoch: 0n,
      state: encodeHeader(this.cs.suite.id, this.groupId, this.#format),
      expectedVersion: this.#version,
      putEpochs,
      ...(this.#dropBefore !== undefined ? { dropEpochsBefore: this.#dropBefore } : {}),
    });
    this.#dropBefore = undefined;
    for (const [tree, count] of counts) this.#written.set(tree, count);
  }
}
