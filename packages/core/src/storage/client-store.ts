/**
 * The storage interface (docs/ARCHITECTURE.md "Storage"): the one narrow, async seam
 * through which a client keeps everything that must survive a restart. It
 * holds opaque blobs only: the client record, each group's state, the
 * records of past epochs kept for late messages (RFC 9420 §15.3), the
 * private material of KeyPackages (§10) and external PSKs (§8.4). Encoding,
 * validation and meaning stay in `@mlskit/group` and the facade, so an
 * adapter (memory, SQLite, IndexedDB, a remote service) is a few tables and
 * one transaction.
 *
 * Ids (group ids, KeyPackageRefs, PSK ids) are opaque bytes an adapter
 * compares by value.
 *
 * What every adapter promises (the conformance suite in
 * `@mlskit/core/conformance` checks each point):
 * - **Atomicity.** {@link ClientStore.writeGroup} applies all of a
 *   {@link GroupWrite} (state, past-epoch inserts and drops, consumed
 *   KeyPackages) or none of it, even when it fails half way.
 * - **Ordering.** A KeyPackage named in `consumedKeyPackages` is deleted in
 *   the same transaction as the group state that used it, never before; a
 *   crash leaves either the KeyPackage and no group, or the group and no
 *   KeyPackage (last-resort KeyPackages are kept).
 * - **Concurrency.** Every write names the version it replaces; a write whose
 *   `expectedVersion` is not the stored one is rejected with
 *   `StorageError` `storage/conflict` and changes nothing. Two writers of one
 *   group are thus serialised or rejected, never interleaved.
 * - **Integrity.** A row that cannot be read back as written is a
 *   `StorageError` `storage/corrupt`, never a silently empty answer.
 */

/** A past epoch's record (kept to read that epoch's late messages, RFC 9420 §15.3): opaque bytes by epoch. */
export interface EpochRecord {
  readonly epoch: bigint;
  readonly data: Uint8Array;
}

/** What a store holds of one group. */
export interface StoredGroup {
  readonly groupId: Uint8Array;
  /** The current epoch of the stored state. */
  readonly epoch: bigint;
  /** The group state blob. */
  readonly state: Uint8Array;
  /** 1 after the first write, incremented by every write since. */
  readonly version: number;
  /** The past-epoch records kept, ascending by epoch. */
  readonly pastEpochs: readonly EpochRecord[];
}

/** One transition of one group, written atomically by {@link ClientStore.writeGroup}. */
export interface GroupWrite {
  readonly groupId: Uint8Array;
  /** The epoch of `state`. */
  readonly epoch: bigint;
  /** The new group state blob, replacing the stored one. */
  readonly state: Uint8Array;
  /** The version this write replaces: 0 for a group that must not exist yet. */
  readonly expectedVersion: number;
  /** Past-epoch records to insert or replace. */
  readonly putEpochs?: readonly EpochRecord[];
  /** Past-epoch records with an epoch below this one are deleted (after `putEpochs` is applied, so it bounds those too). */
  readonly dropEpochsBefore?: bigint;
  /**
   * KeyPackageRefs whose private keys this transition used (a join from a
   * Welcome): deleted in the same transaction, except last-resort ones.
   */
  readonly consumedKeyPackages?: readonly Uint8Array[];
}

/** A KeyPackage's private material as stored (the blob is encoded by the facade). */
export interface StoredKeyPackage {
  readonly ref: Uint8Array;
  readonly data: Uint8Array;
  /** A last-resort KeyPackage (RFC 9420 §10, §16.8) survives being consumed. */
  readonly lastResort: boolean;
}

/**
 * Where one client keeps its state. Every method is async; a store is used
 * by one client (a second handle on the same data, e.g. another process,
 * is safe: {@link writeGroup} rejects the stale writer).
 */
export interface ClientStore {
  /** The client record (identity, credential, signature keys), or `undefined` before the first write. */
  readClient(): Promise<Uint8Array | undefined>;
  /** Stores (replaces) the client record. */
  writeClient(data: Uint8Array): Promise<void>;

  /** The group with this id, with its past-epoch records; `undefined` when unknown. */
  readGroup(groupId: Uint8Array): Promise<StoredGroup | undefined>;
  /**
   * Applies one transition atomically (see {@link GroupWrite}).
   * @returns the new version, `expectedVersion + 1`.
   * @throws StorageError `storage/conflict` when the stored version (0 when
   *   the group is unknown) is not `expectedVersion`; nothing is written then.
   */
  writeGroup(write: GroupWrite): Promise<number>;
  /** Forgets the group and its past-epoch records. */
  deleteGroup(groupId: Uint8Array): Promise<void>;
  /** The ids of the stored groups. */
  groupIds(): Promise<Uint8Array[]>;

  /** Stores the private material of a KeyPackage under its KeyPackageRef. */
  putKeyPackage(ref: Uint8Array, data: Uint8Array, lastResort: boolean): Promise<void>;
  /** The material, without consuming it; `undefined` when unknown. */
  getKeyPackage(ref: Uint8Array): Promise<StoredKeyPackage | undefined>;
  /** Removes the material (last-resort or not); true when it was there. */
  deleteKeyPackage(ref: Uint8Array): Promise<boolean>;
  /** The refs of the stored KeyPackages. */
  keyPackageRefs(): Promise<Uint8Array[]>;

  /** The external PSK with this `psk_id` (RFC 9420 §8.4), or `undefined`. */
  getPsk(pskId: Uint8Array): Promise<Uint8Array | undefined>;
  /** Stores (or replaces) an external PSK. */
  putPsk(pskId: Uint8Array, psk: Uint8Array): Promise<void>;
  /** Forgets a PSK; true when it was there. */
  deletePsk(pskId: Uint8Array): Promise<boolean>;
  /** The ids of the stored PSKs (so a store can be enumerated whole: key rotation at rest, export, moving adapters). */
  pskIds(): Promise<Uint8Array[]>;

  /** Releases the store's resources (a database handle); later calls fail with `storage/closed`. */
  close(): Promise<void>;
}

/**
 * External PSKs by `psk_id` (RFC 9420 §8.4), as the application sees them on
 * a client. Structurally a `@mlskit/group` `PskStore`, so one object serves both.
 */
export interface PskStore {
  /** The PSK with this `psk_id`, or `undefined` when unknown. */
  get(pskId: Uint8Array): Promise<Uint8Array | undefined>;
  /** Stores (or replaces) a PSK. */
  put(pskId: Uint8Array, psk: Uint8Array): Promise<void>;
  /** Forgets a PSK; true when it was there. */
  delete(pskId: Uint8Array): Promise<boolean>;
}

/** The {@link PskStore} view of a {@link ClientStore}'s PSKs. */
export function pskStoreOf(store: ClientStore): PskStore {
  return {
    get: (id) => store.getPsk(id),
    put: (id, psk) => store.putPsk(id, psk),
    delete: (id) => store.deletePsk(id),
  };
}
