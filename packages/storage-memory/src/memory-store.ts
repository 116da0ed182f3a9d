/** An in-memory {@link ClientStore}: encoded blobs in `Map`s, copied in and out. */
import { type ClientStore, type GroupWrite, type StoredGroup, type StoredKeyPackage, StorageError, checkGroupWrite } from "@mlskit/core";
import { bytesOf, keyOf } from "./hex.js";
import { type GroupRow, MemoryData, blobOut, epochsOut, versionOf } from "./rows.js";

/** Options of {@link memoryStore}. */
export interface MemoryStoreOptions {
  /**
   * Called between the steps of every `writeGroup` (`"state"`, `"epochs"`,
   * `"key-packages"`), before anything is applied: an exception it throws
   * fails the write (`StorageError` `storage/failed`, with the exception as
   * `cause`) and nothing of it is stored. For fault-injection tests such as
   * the conformance suite of `@mlskit/core/conformance`.
   */
  readonly faults?: (step: string) => void;
}

let dataOfStore: (store: MemoryClientStore) => MemoryData;

/**
 * A {@link ClientStore} held in memory: it lives as long as the process, for
 * tests, demos and clients that keep nothing across restarts. It holds only
 * its own copies of the blobs it is given and hands out copies, so callers
 * may reuse or wipe their arrays. Replaced or deleted blobs (old group
 * states, dropped past epochs, consumed KeyPackages, deleted PSKs) are
 * zeroed, best effort, as their secrets are meant to be forgotten.
 *
 * Every method does all its work synchronously within the call, so calls
 * never interleave: `writeGroup` builds the new rows first and swaps them in
 * at the end, all or nothing.
 */
export class MemoryClientStore implements ClientStore {
  #data = new MemoryData();
  #closed = false;
  readonly #options: MemoryStoreOptions;

  static {
    dataOfStore = (store) => store.#data;
  }

  constructor(options: MemoryStoreOptions = {}) {
    this.#options = options;
  }

  /**
   * Another handle on this store's data, with the same options, as a second
   * connection to a database would be: it sees every write, closes on its
   * own, and works even when this handle is closed (the data outlives its
   * handles).
   */
  newHandle(): MemoryClientStore {
    const other = new MemoryClientStore(this.#options);
    other.#data = this.#data;
    return other;
  }

  #open(): MemoryData {
    if (this.#closed) throw new StorageError("storage/closed", "memory store: closed");
    return this.#data;
  }

  async readClient(): Promise<Uint8Array | undefined> {
    const { client } = this.#open();
    return client === undefined ? undefined : blobOut(client, "the client record");
  }

  async writeClient(data: Uint8Array): Promise<void> {
    const d = this.#open();
    const old = d.client;
    d.client = data.slice();
    old?.fill(0);
  }

  async readGroup(groupId: Uint8Array): Promise<StoredGroup | undefined> {
    const row = this.#open().groups.get(keyOf(groupId));
    if (row === undefined) return undefined;
    const what = `group ${keyOf(groupId)}`;
    const version = versionOf(row, what);
    if (typeof row.epoch !== "bigint") throw new StorageError("storage/corrupt", `memory store: ${what} (epoch) cannot be read back`);
    return { groupId: groupId.slice(), epoch: row.epoch, state: blobOut(row.state, `${what} (state)`), version, pastEpochs: epochsOut(row, what) };
  }

  async writeGroup(write: GroupWrite): Promise<number> {
    const d = this.#open();
    checkGroupWrite(write);
    const key = keyOf(write.groupId);
    const old = d.groups.get(key);
    const stored = old === undefined ? 0 : versionOf(old, `group ${key}`);
    if (stored !== write.expectedVersion) {
      throw new StorageError("storage/conflict", `memory store: group ${key} is at version ${stored}, the write expected ${write.expectedVersion}`);
    }
    // Stage everything; nothing below touches `d` until the swap.
    const state = write.state.slice();
    this.#step("state");
    if (old !== undefined && !(old.epochs instanceof Map)) throw new StorageError("storage/corrupt", `memory store: group ${key} (past epochs) cannot be read back`);
    const epochs = new Map(old?.epochs ?? []);
    for (const e of write.putEpochs ?? []) epochs.set(e.epoch, e.data.slice());
    const drop = write.dropEpochsBefore;
    if (drop !== undefined) for (const epoch of epochs.keys()) if (epoch < drop) epochs.delete(epoch);
    this.#step("epochs");
    const consumed = (write.consumedKeyPackages ?? []).map(keyOf).filter((ref) => d.keyPackages.get(ref)?.lastResort === false);
    this.#step("key-packages");
    // The swap: plain Map operations, nothing that can throw.
    const row: GroupRow = { epoch: write.epoch, state, version: stored + 1, epochs };
    d.groups.set(key, row);
    for (const ref of consumed) {
      d.keyPackages.get(ref)?.data.fill(0);
      d.keyPackages.delete(ref);
    }
    if (old !== undefined) forget(old, row);
    return row.version;
  }

  #step(step: string): void {
    try {
      this.#options.faults?.(step);
    } catch (cause) {
      throw new StorageError("storage/failed", `memory store: write failed at step "${step}"`, { cause });
    }
  }

  async deleteGroup(groupId: Uint8Array): Promise<void> {
    const d = this.#open();
    const key = keyOf(groupId);
    const old = d.groups.get(key);
    d.groups.delete(key);
    if (old !== undefined) forget(old);
  }

  async groupIds(): Promise<Uint8Array[]> {
    return [...this.#open().groups.keys()].map(bytesOf);
  }

  async putKeyPackage(ref: Uint8Array, data: Uint8Array, lastResort: boolean): Promise<void> {
    const d = this.#open();
    const key = keyOf(ref);
    const old = d.keyPackages.get(key);
    d.keyPackages.set(key, { data: data.slice(), lastResort: lastResort === true });
    old?.data.fill(0);
  }

  async getKeyPackage(ref: Uint8Array): Promise<StoredKeyPackage | undefined> {
    const row = this.#open().keyPackages.get(keyOf(ref));
    if (row === undefined) return undefined;
    const what = `KeyPackage ${keyOf(ref)}`;
    if (typeof row.lastResort !== "boolean") throw new StorageError("storage/corrupt", `memory store: ${what} (last-resort flag) cannot be read back`);
    return { ref: ref.slice(), data: blobOut(row.data, what), lastResort: row.lastResort };
  }

  async deleteKeyPackage(ref: Uint8Array): Promise<boolean> {
    const d = this.#open();
    const key = keyOf(ref);
    d.keyPackages.get(key)?.data.fill(0);
    return d.keyPackages.delete(key);
  }

  async keyPackageRefs(): Promise<Uint8Array[]> {
    return [...this.#open().keyPackages.keys()].map(bytesOf);
  }

  async getPsk(pskId: Uint8Array): Promise<Uint8Array | undefined> {
    const psk = this.#open().psks.get(keyOf(pskId));
    return psk === undefined ? undefined : blobOut(psk, `PSK ${keyOf(pskId)}`);
  }

  async putPsk(pskId: Uint8Array, psk: Uint8Array): Promise<void> {
    const d = this.#open();
    const key = keyOf(pskId);
    const old = d.psks.get(key);
    d.psks.set(key, psk.slice());
    old?.fill(0);
  }

  async deletePsk(pskId: Uint8Array): Promise<boolean> {
    const d = this.#open();
    const key = keyOf(pskId);
    d.psks.get(key)?.fill(0);
    return d.psks.delete(key);
  }

  async pskIds(): Promise<Uint8Array[]> {
    return [...this.#open().psks.keys()].map(bytesOf);
  }

  /** Closes this handle (idempotent); the data stays for the other handles. */
  async close(): Promise<void> {
    this.#closed = true;
  }
}

/** Zeroes the blobs of a replaced or deleted row that its successor (if any) does not share. */
function forget(old: GroupRow, next?: GroupRow): void {
  if (old.state instanceof Uint8Array) old.state.fill(0);
  // A damaged row (the conformance checks write some) may hold anything: look before wiping.
  const epochs: unknown = old.epochs;
  if (!(epochs instanceof Map)) return;
  for (const [epoch, data] of epochs as Map<bigint, unknown>) if (next?.epochs.get(epoch) !== data && data instanceof Uint8Array) data.fill(0);
}

/** The data behind a store, for test fixtures that damage it. @internal */
export function dataOf(store: MemoryClientStore): MemoryData {
  return dataOfStore(store);
}

/** A new, empty {@link MemoryClientStore}. */
export function memoryStore(options: MemoryStoreOptions = {}): MemoryClientStore {
  return new MemoryClientStore(options);
}
