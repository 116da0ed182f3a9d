/**
 * The groups of a {@link Client}: one `Group` object per group id, loaded
 * from the client's store on demand, written before it is served, and
 * retired or forgotten with its stored state. Internal to the facade.
 */
import { toHex } from "@mlskit/codec";
import type { ClientStore, IdentityProvider } from "@mlskit/core";
import type { GroupState } from "@mlskit/group";
import { Group, type GroupHost } from "./group.js";
import { type GroupEnv, GroupPersistence, type WriteExtras, loadGroup } from "./group-persistence.js";
import { type KeyForgetter, statePrivateKeys } from "./key-forgetting.js";
import type { GroupHistoryHooks } from "./history/client-history.js";
import type { ResolvedForkOptions } from "./forks/fork-options.js";
import { isHistoryRowId } from "./history/history-store.js";

/** A client's groups in memory and in its store. @internal */
export class ClientGroups {
  /** The groups in memory, by hex group id. */
  readonly byId = new Map<string, Group>();
  readonly #storage: ClientStore;
  readonly #host: GroupHost;
  readonly #envFor: (suite: number, groupId: Uint8Array) => Promise<GroupEnv>;
  readonly #forgetter: KeyForgetter;

  /**
   * `envFor` gives a stored group of a suite its run-time context (provider,
   * policy, services); `forgetter` tells the provider which keys are spent.
   */
  constructor(
    storage: ClientStore,
    identityProvider: IdentityProvider,
    envFor: (suite: number, groupId: Uint8Array) => Promise<GroupEnv>,
    forgetter: KeyForgetter,
    history?: GroupHistoryHooks,
    forks?: ResolvedForkOptions,
  ) {
    this.#storage = storage;
    this.#envFor = envFor;
    this.#forgetter = forgetter;
    this.#host = {
      identityProvider,
      reload: (groupId) => this.#load(groupId),
      forgetPrivateKeys: (keys, reason) => forgetter.forget(keys, reason),
      ...(history !== undefined ? { history } : {}),
      ...(forks !== undefined ? { forks } : {}),
    };
  }

  /** The group with this id, from memory or from the store. */
  async get(groupId: Uint8Array): Promise<Group | undefined> {
    const key = toHex(groupId);
    const g = this.byId.get(key);
    if (g !== undefined) return g;
    const loaded = await this.#load(groupId);
    if (loaded === undefined) return undefined;
    // Another call may have loaded it meanwhile: one Group object per group.
    const raced = this.byId.get(key);
    if (raced !== undefined) return raced;
    const group = new Group(this.#host, loaded.state, loaded.persistence);
    this.byId.set(key, group);
    return group;
  }

  /**
   * Serves a new state as one of the groups: written first (with the
   * KeyPackage a Welcome consumed, in the same transaction), then served. A
   * stored group of the same id (a resync, a successor keeping the id) is replaced.
   */
  async adopt(state: GroupState, extras?: WriteExtras): Promise<Group> {
    const groupId = state.groupContext.groupId;
    const version = (await this.#storage.readGroup(groupId))?.version ?? 0;
    const group = new Group(this.#host, state, new GroupPersistence(this.#storage, version));
    await group.initialWrite(extras);
    this.byId.set(toHex(groupId), group);
    return group;
  }

  /** Every group kept, loading those not in memory. */
  async all(): Promise<Group[]> {
    const out: Group[] = [];
    for (const id of (await this.#storage.groupIds()).filter((i) => !isHistoryRowId(i))) {
      const g = await this.get(id);
      if (g !== undefined) out.push(g);
    }
    return out;
  }

  /**
   * Retires a group frozen by a merged ReInit once its successor exists
   * (§11.2): it leaves memory and the store. (A successor keeping the group
   * id simply replaces it there.) The `Group` object stays readable.
   */
  async retire(old: GroupState): Promise<void> {
    const key = toHex(old.groupContext.groupId);
    if (this.byId.get(key)?.state !== old) return;
    this.byId.delete(key);
    await this.#storage.deleteGroup(old.groupContext.groupId);
  }

  /**
   * Forgets a group: memory and store, past epochs included; then the
   * provider forgets its HPKE private keys (a group not in memory is loaded
   * for them; one that cannot be loaded is deleted all the same).
   */
  async delete(groupId: Uint8Array): Promise<void> {
    const key = toHex(groupId);
    const state = this.byId.get(key)?.state ?? (await this.#load(groupId).catch(() => undefined))?.state;
    this.byId.delete(key);
    await this.#storage.deleteGroup(groupId);
    if (state !== undefined) await this.#forgetter.forget(statePrivateKeys(state), "group-deleted");
  }

  #load(groupId: Uint8Array): ReturnType<typeof loadGroup> {
    return loadGroup(this.#storage, groupId, (suite) => this.#envFor(suite, groupId));
  }
}
