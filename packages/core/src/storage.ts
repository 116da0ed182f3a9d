/**
 * Storage interfaces (DESIGN.md "storage interfaces in core"): the narrow,
 * async seams through which a client keeps its groups, the private keys of
 * its KeyPackages, and external PSKs. Adapters (`@mlskit/storage-*`)
 * implement them; every method is async so an adapter may sit on IndexedDB,
 * a database or a remote service.
 *
 * Group ids, KeyPackageRefs and PSK ids are opaque bytes; an adapter
 * compares them by value.
 */

/**
 * Where a client keeps the state of each of its groups. `S` is whatever the
 * client stores (an in-memory snapshot or an encoded blob); the store does not
 * look inside. `put` receives the epoch so that an adapter may keep a history
 * of past epochs (for recovery or audit) and drop it by policy.
 */
export interface GroupStateStore<S> {
  /** The most recently stored state of the group, or `undefined` when unknown. */
  get(groupId: Uint8Array): Promise<S | undefined>;
  /** Stores the state of the group in `epoch`, replacing the current one. */
  put(groupId: Uint8Array, epoch: bigint, state: S): Promise<void>;
  /** Forgets the group and any history kept for it. */
  delete(groupId: Uint8Array): Promise<void>;
  /** The group ids stored. */
  groupIds(): Promise<Uint8Array[]>;
}

/**
 * The private material behind one of our KeyPackages (RFC 9420 §10): what a
 * Welcome made for that KeyPackage needs to be opened (§12.4.3.1).
 */
export interface KeyPackageMaterial {
  /** The KeyPackage's TLS encoding (the `KeyPackage` struct, no MLSMessage framing). */
  readonly keyPackage: Uint8Array;
  /** HPKE private key of `init_key`. */
  readonly initPrivateKey: Uint8Array;
  /** HPKE private key of `leaf_node.encryption_key`. */
  readonly encryptionPrivateKey: Uint8Array;
  /** A last-resort KeyPackage may be used more than once: {@link KeyPackageStore.take} keeps it. */
  readonly lastResort?: boolean;
}

/**
 * The private material of our published KeyPackages, by KeyPackageRef
 * (§5.2). A KeyPackage is used once (§16.8): {@link take} removes it, except a
 * last-resort one.
 */
export interface KeyPackageStore {
  /** Stores the material of a KeyPackage under its reference. */
  put(ref: Uint8Array, material: KeyPackageMaterial): Promise<void>;
  /** The material, without consuming it; `undefined` when unknown. */
  get(ref: Uint8Array): Promise<KeyPackageMaterial | undefined>;
  /** The material, removed from the store unless it is last-resort; `undefined` when unknown. */
  take(ref: Uint8Array): Promise<KeyPackageMaterial | undefined>;
  /** Removes the material; true when it was there. */
  delete(ref: Uint8Array): Promise<boolean>;
  /** How many KeyPackages are stored (to decide when to publish more). */
  count(): Promise<number>;
}

/**
 * External pre-shared keys by `psk_id` (RFC 9420 §8.4). Structurally a
 * `@mlskit/group` `PskStore` (its `get` may answer synchronously or not), so
 * one object serves both.
 */
export interface PskStore {
  /** The PSK with this `psk_id`, or `undefined` when unknown. */
  get(pskId: Uint8Array): Promise<Uint8Array | undefined>;
  /** Stores (or replaces) a PSK. */
  put(pskId: Uint8Array, psk: Uint8Array): Promise<void>;
  /** Forgets a PSK; true when it was there. */
  delete(pskId: Uint8Array): Promise<boolean>;
}

/** The stores a client uses, one per kind of data. */
export interface ClientStorage<S> {
  readonly groups: GroupStateStore<S>;
  readonly keyPackages: KeyPackageStore;
  readonly psks: PskStore;
}
