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
 * blob is a small header: magic "MLSH", uint16 version = 1, uint16 cipher
 * suite, opaque group_id<V>. `Client.groupIds()` does not list these rows.
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
const STORE_VERSION = 1;

/** The store row of a group's history store. */
export function historyRowId(kind: HistoryKind, groupId: Uint8Array): Uint8Array {
  return concatBytes(PREFIXES[kind], groupId);
}

/** True for the store row of a history store (hidden from the application's group list). */
export function isHistoryRowId(id: Uint8Array): boolean {
  return Object.values(PREFIXES).some((p) => id.length >= p.length && bytesEqual(id.subarray(0, p.length), p));
}

function encodeHeader(cipherSuite: number, groupId: Uint8Array): Uint8Array {
  const w = new Writer(64);
  w.bytes(MAGIC);
  w.uint16(STORE_VERSION);
  w.uint16(cipherSuite);
  w.opaque(groupId);
  return w.finish();
}

function checkHeader(bytes: Uint8Array, cipherSuite: number, groupId: Uint8Array): void {
  try {
    const r = new Reader(bytes);
    const magic = r.bytes(4);
    const version = r.uint16();
    const suite = r.uint16();
    const id = r.opaque();
    r.assertEnd();
    if (!bytesEqual(magic, MAGIC)) throw new StorageError("storage/corrupt", "a history store row without the MLSH magic");
    if (version !== STORE_VERSION) throw new StorageError("storage/unsupported-version", `history store version ${version}`);
    if (suite !== cipherSuite || !bytesEqual(id, groupId)) throw new StorageError("storage/corrupt", "a history store row of another group or suite");
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
  /** The epochs held, by epoch. */
  readonly epochs = new Map<bigint, PastEpoch>();
  /** Serialises the writes (each names the version it replaces). */
  readonly queue = new SerialQueue();
  readonly #storage: ClientStore;
  #version = 0;
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
    checkHeader(stored.state, cs.suite.id, groupId);
    store.#version = stored.version;
    for (const r of stored.pastEpochs) {
      const past = await decodePastEpoch(r.data, cs, policy);
      if (past.epoch !== r.epoch || !bytesEqual(past.framing.groupContext.groupId, groupId)) {
        throw new StorageError("storage/corrupt", `history record of epoch ${r.epoch} holds another epoch or group`);
      }
      store.epochs.set(past.epoch, past);
      store.#written.set(past.secretTree, past.secretTree.changeCount);
    }
    return store;
  }

  /** Adds (or replaces) an epoch; written by the next {@link write}. */
  put(past: PastEpoch): void {
    this.epochs.set(past.epoch, past);
  }

  /** Forgets the epochs below `epoch` (at the next {@link write}). */
  dropBefore(epoch: bigint): void {
    for (const e of [...this.epochs.keys()]) if (e < epoch) this.epochs.delete(e);
    this.#dropBefore = this.#dropBefore === undefined || epoch > this.#dropBefore ? epoch : this.#dropBefore;
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
    for (const p of this.epochs.values()) {
      if (this.#written.get(p.secretTree) === p.secretTree.changeCount) continue;
      counts.push([p.secretTree, p.secretTree.changeCount]);
      putEpochs.push({ epoch: p.epoch, data: encodePastEpoch(p) });
    }
    this.#version = await this.#storage.writeGroup({
      groupId: historyRowId(this.kind, this.groupId),
      epoch: 0n,
      state: encodeHeader(this.cs.suite.id, this.groupId),
      expectedVersion: this.#version,
      putEpochs,
      ...(this.#dropBefore !== undefined ? { dropEpochsBefore: this.#dropBefore } : {}),
    });
    this.#dropBefore = undefined;
    for (const [tree, count] of counts) this.#written.set(tree, count);
  }
}
