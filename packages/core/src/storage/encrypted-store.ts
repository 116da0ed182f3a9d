/**
 * Encryption at rest as a {@link ClientStore} wrapper: every blob is sealed
 * with the suite's AEAD before the inner store (SQLite, IndexedDB, ...) sees
 * it, so a copy of the database without the key reveals no secret.
 */
import { StorageError, expectDefined } from "../errors.js";
import type { CipherSuiteProvider } from "../crypto-provider.js";
import { checkGroupWrite } from "./check-write.js";
import type { ClientStore, EpochRecord, GroupWrite, StoredGroup, StoredKeyPackage } from "./client-store.js";
import { type AtRestKey, type KeyCipher, keyCiphers } from "./at-rest-cipher.js";
import { type BlobPlace, BlobKind, openBlob, sealBlob, sealedKeyId } from "./sealed-blob.js";

export type { AtRestKey } from "./at-rest-cipher.js";

/** Options of {@link encryptedStore}. */
export interface EncryptedStoreOptions {
  /**
   * The suite: its AEAD seals the blobs under keys given as bytes
   * (`aeadSeal`/`aeadOpen`, keys of `aeadKeyLength` bytes); its
   * `randomBytes` draws every nonce, for both kinds of key.
   */
  readonly cs: CipherSuiteProvider;
  /**
   * The keys, the current one first: new blobs are sealed under it; blobs
   * sealed under any key of the list open. Keys given as bytes and keys
   * held by an `AtRestCipher` mix freely. Drop an old key only after
   * {@link EncryptedClientStore.rotate} has finished with the new one first.
   */
  readonly keys: readonly AtRestKey[];
}

/** What {@link EncryptedClientStore.rotate} did. */
export interface RotationReport {
  /** Records (client record, groups, KeyPackages, PSKs) rewritten under the current key. */
  readonly rewritten: number;
  /** Records already wholly under the current key, left as they were. */
  readonly current: number;
}

const place = (kind: BlobKind, id: Uint8Array, epoch = 0n, lastResort?: boolean): BlobPlace => ({ kind, id, epoch, ...(lastResort === undefined ? {} : { lastResort }) });
const CLIENT = place(BlobKind.Client, new Uint8Array(0));
/** Attempts of {@link EncryptedClientStore.rotate} at one group that other writers keep changing. */
const ROTATE_ATTEMPTS = 5;

/**
 * A {@link ClientStore} that seals every blob it hands to `inner` (client
 * record, group states, past-epoch records, KeyPackage material, PSKs) with
 * the suite's AEAD, under a fresh random nonce, the key's id in a small
 * header, and associated data binding the blob to its place (kind, id,
 * epoch): a blob moved to another row, or tampered with, reads as
 * `StorageError` `storage/corrupt`.
 *
 * What it does not hide or prevent, by design:
 * - **Ids and metadata stay in the clear**: group ids, KeyPackageRefs, PSK
 *   ids, epochs, versions, the last-resort flag, the number and sizes of
 *   records are visible to whoever reads the database (the inner store must
 *   look rows up by them).
 * - **Rollback**: whoever can write the database can put back an older
 *   sealed value of the same row, or delete rows; the AEAD authenticates a
 *   blob and its place, not its freshness.
 *
 * Nonces are random (AEAD.Nn bytes; 12 for an `AtRestCipher`), drawn afresh
 * for every seal: with 96-bit nonces, keep a key for fewer than 2^32 seals
 * (rotate before), as NIST SP 800-38D asks of AES-GCM.
 */
export class EncryptedClientStore implements ClientStore {
  readonly #inner: ClientStore;
  readonly #cs: CipherSuiteProvider;
  readonly #keys: ReadonlyMap<number, KeyCipher>;
  readonly #currentId: number;
  readonly #currentKey: KeyCipher;
  #closed = false;

  constructor(inner: ClientStore, options: EncryptedStoreOptions) {
    const { cs, keys } = options;
    this.#keys = keyCiphers(cs, keys);
    this.#inner = inner;
    this.#cs = cs;
    this.#currentId = expectDefined(keys[0], "keys[0]").id;
    this.#currentKey = expectDefined(this.#keys.get(this.#currentId), "this.#keys.get(this.#currentId)");
  }

  #open(): ClientStore {
    if (this.#closed) throw new StorageError("storage/closed", "encrypted store: closed");
    return this.#inner;
  }

  #seal(at: BlobPlace, plaintext: Uint8Array): Promise<Uint8Array> {
    return sealBlob((n) => this.#cs.randomBytes(n), this.#currentId, this.#currentKey, at, plaintext);
  }

  #unseal(at: BlobPlace, sealed: Uint8Array, what: string): Promise<Uint8Array> {
    return openBlob(this.#keys, at, sealed, what);
  }

  async readClient(): Promise<Uint8Array | undefined> {
    const sealed = await this.#open().readClient();
    return sealed === undefined ? undefined : this.#unseal(CLIENT, sealed, "the client record");
  }

  async writeClient(data: Uint8Array): Promise<void> {
    const inner = this.#open();
    await inner.writeClient(await this.#seal(CLIENT, data));
  }

  async readGroup(groupId: Uint8Array): Promise<StoredGroup | undefined> {
    const g = await this.#open().readGroup(groupId);
    return g === undefined ? undefined : this.#openGroup(g);
  }

  async #openGroup(g: StoredGroup): Promise<StoredGroup> {
    const state = await this.#unseal(place(BlobKind.GroupState, g.groupId, g.epoch), g.state, "a group state");
    const pastEpochs: EpochRecord[] = [];
    for (const e of g.pastEpochs) pastEpochs.push({ epoch: e.epoch, data: await this.#unseal(place(BlobKind.PastEpoch, g.groupId, e.epoch), e.data, `past epoch ${e.epoch}`) });
    return { groupId: g.groupId, epoch: g.epoch, state, version: g.version, pastEpochs };
  }

  async writeGroup(write: GroupWrite): Promise<number> {
    const inner = this.#open();
    checkGroupWrite(write); // before sealing: the associated data encodes the epochs
    const { groupId } = write;
    const putEpochs: EpochRecord[] = [];
    for (const e of write.putEpochs ?? []) putEpochs.push({ epoch: e.epoch, data: await this.#seal(place(BlobKind.PastEpoch, groupId, e.epoch), e.data) });
    const state = await this.#seal(place(BlobKind.GroupState, groupId, write.epoch), write.state);
    return inner.writeGroup({ ...write, state, putEpochs });
  }

  deleteGroup(groupId: Uint8Array): Promise<void> {
    return this.#call((s) => s.deleteGroup(groupId));
  }

  groupIds(): Promise<Uint8Array[]> {
    return this.#call((s) => s.groupIds());
  }

  async putKeyPackage(ref: Uint8Array, data: Uint8Array, lastResort: boolean): Promise<void> {
    const inner = this.#open();
    await inner.putKeyPackage(ref, await this.#seal(place(BlobKind.KeyPackage, ref, 0n, lastResort), data), lastResort);
  }

  async getKeyPackage(ref: Uint8Array): Promise<StoredKeyPackage | undefined> {
    const kp = await this.#open().getKeyPackage(ref);
    if (kp === undefined) return undefined;
    return { ref: kp.ref, data: await this.#unseal(place(BlobKind.KeyPackage, ref, 0n, kp.lastResort), kp.data, "a KeyPackage"), lastResort: kp.lastResort };
  }

  deleteKeyPackage(ref: Uint8Array): Promise<boolean> {
    return this.#call((s) => s.deleteKeyPackage(ref));
  }

  keyPackageRefs(): Promise<Uint8Array[]> {
    return this.#call((s) => s.keyPackageRefs());
  }

  async getPsk(pskId: Uint8Array): Promise<Uint8Array | undefined> {
    const sealed = await this.#open().getPsk(pskId);
    return sealed === undefined ? undefined : this.#unseal(place(BlobKind.Psk, pskId), sealed, "a PSK");
  }

  async putPsk(pskId: Uint8Array, psk: Uint8Array): Promise<void> {
    const inner = this.#open();
    await inner.putPsk(pskId, await this.#seal(place(BlobKind.Psk, pskId), psk));
  }

  deletePsk(pskId: Uint8Array): Promise<boolean> {
    return this.#call((s) => s.deletePsk(pskId));
  }

  pskIds(): Promise<Uint8Array[]> {
    return this.#call((s) => s.pskIds());
  }

  /** Closes this wrapper and the inner store. */
  async close(): Promise<void> {
    this.#closed = true;
    await this.#inner.close();
  }

  async #call<T>(fn: (inner: ClientStore) => Promise<T>): Promise<T> {
    return fn(this.#open());
  }

  #isCurrent(sealed: Uint8Array): boolean {
    return sealedKeyId(sealed) === this.#currentId;
  }

  /**
   * Rewrites every record not wholly sealed under the current key (the first
   * of the list) under it; afterwards the older keys can be dropped from the
   * list. Resumable: a rotation cut short is finished by the next call.
   *
   * Run it while the client is idle (at start-up, before groups are loaded):
   * a rewritten group's version goes up, so a `Group` already loaded gets
   * `storage/conflict` at its next write; and a KeyPackage or PSK deleted by
   * another handle while its rewrite is under way would be put back.
   * A group that another writer changes meanwhile is read again and retried.
   * @throws StorageError `storage/corrupt` for a record that does not open
   *   (nothing is rewritten from it).
   */
  async rotate(): Promise<RotationReport> {
    const inner = this.#open();
    let rewritten = 0;
    let current = 0;
    const count = (did: boolean) => (did ? rewritten++ : current++);
    const client = await inner.readClient();
    if (client !== undefined) {
      if (!this.#isCurrent(client)) await inner.writeClient(await this.#seal(CLIENT, await this.#unseal(CLIENT, client, "the client record")));
      count(!this.#isCurrent(client));
    }
    for (const id of await inner.groupIds()) count(await this.#rotateGroup(inner, id));
    for (const ref of await inner.keyPackageRefs()) {
      const kp = await inner.getKeyPackage(ref);
      if (kp === undefined) continue;
      if (!this.#isCurrent(kp.data)) await this.putKeyPackage(ref, await this.#unseal(place(BlobKind.KeyPackage, ref, 0n, kp.lastResort), kp.data, "a KeyPackage"), kp.lastResort);
      count(!this.#isCurrent(kp.data));
    }
    for (const id of await inner.pskIds()) {
      const sealed = await inner.getPsk(id);
      if (sealed === undefined) continue;
      if (!this.#isCurrent(sealed)) await this.putPsk(id, await this.#unseal(place(BlobKind.Psk, id), sealed, "a PSK"));
      count(!this.#isCurrent(sealed));
    }
    return { rewritten, current };
  }

  /** Rewrites one group (state and every past epoch) under the current key; false when it already was, or is gone. */
  async #rotateGroup(inner: ClientStore, groupId: Uint8Array): Promise<boolean> {
    for (let attempt = 1; ; attempt++) {
      const sealed = await inner.readGroup(groupId);
      if (sealed === undefined || [sealed.state, ...sealed.pastEpochs.map((e) => e.data)].every((x) => this.#isCurrent(x))) return false;
      const g = await this.#openGroup(sealed);
      try {
        await this.writeGroup({ groupId, epoch: g.epoch, state: g.state, expectedVersion: g.version, putEpochs: g.pastEpochs });
        return true;
      } catch (e) {
        if (!StorageError.isInstance(e) || e.code !== "storage/conflict" || attempt >= ROTATE_ATTEMPTS) throw e;
      }
    }
  }
}

/**
 * Wraps `inner` so that every blob is sealed at rest (see
 * {@link EncryptedClientStore}). Core-only: any runtime, any inner adapter.
 * @throws UsageError `usage/invalid-argument` for an empty key list, a
 *   repeated or non-uint32 key id, key bytes of the wrong length, a key
 *   with both or neither of `key` and `cipher`, or a cipher without
 *   `seal`/`open`.
 */
export function encryptedStore(inner: ClientStore, options: EncryptedStoreOptions): EncryptedClientStore {
  return new EncryptedClientStore(inner, options);
}
