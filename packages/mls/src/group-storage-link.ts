/**
 * How a `Group`'s operations reach storage: each operation ends by writing
 * what it changed, before its result is released, and sends store their
 * ratchet generations before they seal. Internal to the facade.
 */
import { StorageError } from "@mlskit/core";
import { type GroupState, releaseSuperseded } from "@mlskit/group";
import type { GroupHost } from "./group-internals.js";
import type { GroupPersistence, WriteExtras } from "./group-persistence.js";
import { sharedLeafKey, without } from "./key-forgetting.js";

/** Where a group keeps its current state. @internal */
export interface StateCell {
  get(): GroupState;
  set(state: GroupState): void;
}

/** A group's link to its store. @internal */
export class GroupStorageLink {
  #persistence: GroupPersistence;
  readonly #host: GroupHost;
  readonly #cell: StateCell;

  constructor(persistence: GroupPersistence, host: GroupHost, cell: StateCell) {
    this.#persistence = persistence;
    this.#host = host;
    this.#cell = cell;
  }

  /** The full states of past epochs kept for fork settlement (forks/), stored with the group. */
  get retained(): GroupPersistence["retained"] {
    return this.#persistence.retained;
  }

  /**
   * Runs one operation, then writes what it changed before its result is
   * released: a message leaves only once the ratchet generation it used is
   * stored, so a restart can never reuse a key and nonce, and a message read
   * is stored as consumed, so it cannot be replayed (RFC 9420 §9.2). When the
   * write fails, the group goes back to what storage holds and the error is
   * thrown: an output whose state was not stored is never released.
   * Private keys the stored state no longer holds are then wiped and
   * forgotten by the crypto provider (`CryptoProvider.forgetPrivateKey`),
   * only after the write: a crash in between never loses a key still needed.
   */
  async persisting<T>(fn: () => Promise<T>): Promise<T> {
    const before = this.#cell.get();
    let result: T;
    try {
      result = await fn();
    } finally {
      // A failed operation may still have consumed keys (e.g. a message read before a later one failed).
      if (this.#persistence.needsWrite(this.#cell.get())) await this.write();
      // Stored: what the old state held and the new one does not is deleted now (RFC 9420 §9.2),
      // and the provider forgets the private keys among it (a non-extractable key's CryptoKey).
      const after = this.#cell.get();
      if (after !== before) {
        const shared = sharedLeafKey(before);
        const released = releaseSuperseded(before, after);
        await this.#host.forgetPrivateKeys(without(released, shared), "superseded");
        for (const k of released) k.fill(0);
      }
    }
    return result;
  }

  /**
   * Moves our own ratchet past the generations the next `count` messages
   * will use and stores that before they are sealed (see
   * `SecretTree.reserve`): a crash between a seal and the write can then cost
   * a skipped generation, never a key and nonce used twice (RFC 9420 §9.2).
   * Handshakes sent as PublicMessage use no ratchet; messages that will be
   * refused (proposals pending, a frozen group) reserve nothing.
   */
  async reserveSendKeys(type: "application" | "handshake", count: number): Promise<void> {
    const s = this.#cell.get();
    if (count === 0 || s.reinit !== undefined) return;
    if (type === "handshake" && s.policy.handshakeWireFormat !== "private") return;
    if (type === "application" && s.proposals.size > 0) return;
    await s.secretTree.reserve(s.ownLeaf, type, count);
    if (this.#persistence.needsWrite(s)) await this.write();
  }

  /** Writes the state; on failure reloads what storage holds and rethrows. */
  async write(extras?: WriteExtras): Promise<void> {
    const state = this.#cell.get();
    try {
      await this.#persistence.write(state, extras);
    } catch (e) {
      const reloaded = await this.#host.reload(state.groupContext.groupId).catch(() => undefined);
      if (reloaded !== undefined) {
        this.#cell.set(reloaded.state);
        this.#persistence = reloaded.persistence;
      }
      throw StorageError.isInstance(e) ? e : new StorageError("storage/failed", "the group state could not be stored", { cause: e });
    }
  }
}
