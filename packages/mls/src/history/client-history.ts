/**
 * History and key sharing (issue 16): a member gives another device of the
 * same user — or, when the application approves, another member — the keys
 * to read past epochs of a group, scoped to an epoch range and to senders.
 *
 * What is shared, per epoch in range: the epoch's GroupContext and ratchet
 * tree (public: to verify the senders' signatures), its `sender_data_secret`
 * (§6.3.2: only locates the sender and generation) and, for each sender in
 * scope, that leaf's *application* ratchet as the sharer holds it (§9.1:
 * the ratchet secret at its next generation, and the unused keys of skipped
 * generations). Never the epoch's `encryption_secret`, a node of the secret
 * tree, a handshake ratchet, the membership key or any other epoch secret:
 * every leaf out of scope is handed over as an exhausted ratchet, which
 * reads nothing. See README "History sharing" for what can be shared when.
 *
 * Branch-aware: after a fork (forks/), two branches hold epochs of the same
 * number. An epoch is identified by (epoch, branch), the branch being its
 * confirmed transcript hash (`branchOf`), bound in the bundle's signed
 * header. A message of an epoch this member holds, which its own keys do
 * not read (sent on a losing branch), is tried against the imported epochs
 * of that number on other branches; a message of an epoch it does not hold
 * against every imported branch of that number. Retention keeps the copies
 * of a branch this member left by a rollback, so it can share them.
 */
import { toHex } from "@mlskit/codec";
import { type ClientStore, type IdentityProvider, UsageError } from "@mlskit/core";
import type { GroupState, PastEpoch } from "@mlskit/group";
import { SecretTree } from "@mlskit/key-schedule";
import type { ClientInternals } from "../client-internals.js";
import type { Group } from "../group.js";
import type { IncomingMessage } from "../results.js";
import { importHistoryBundle } from "./history-import.js";
import { readImported, readOtherBranch } from "./history-read.js";
import type { HistoryStores } from "./history-scope.js";
import { buildHistoryBundle } from "./history-share.js";
import { type HistoryKind, HistoryStore, historyRowId } from "./history-store.js";
import type { GroupHistoryHooks, HistorySharingOptions, ImportHistoryOptions, ImportedHistory, ShareHistoryOptions } from "./history-types.js";

export type {
  HistoryRecipientRelation,
  HistoryShareRequest,
  HistorySharingOptions,
  ShareHistoryOptions,
  ImportHistoryOptions,
  ImportedHistory,
  GroupHistoryHooks,
} from "./history-types.js";
export { scopedSecretTree } from "./history-scope.js";

/** The client side of history sharing: its stores, the retention of epochs, sharing and importing. @internal */
export class ClientHistory {
  readonly #storage: ClientStore;
  readonly #identityProvider: IdentityProvider;
  readonly #options: HistorySharingOptions;
  readonly #stores = new Map<string, Promise<HistoryStore>>();
  /** Retention writes in flight (awaited before sharing). */
  #pending: Promise<void> = Promise.resolve();
  #retentionError: unknown;
  /** {@link #store}, as the sharing, importing and reading sides take it. */
  readonly #storeOf: HistoryStores = (kind, state) => this.#store(kind, state);

  constructor(storage: ClientStore, identityProvider: IdentityProvider, options: HistorySharingOptions = {}) {
    this.#storage = storage;
    this.#identityProvider = identityProvider;
    this.#options = options;
    const keep = options.retainEpochs ?? 0;
    if (!Number.isSafeInteger(keep) || keep < 0) throw new UsageError("usage/invalid-argument", "historySharing.retainEpochs must be a non-negative integer");
  }

  /** The hooks a {@link Group} calls. */
  get hooks(): GroupHistoryHooks {
    return { epochStarted: (s) => this.#epochStarted(s), read: (s, b) => this.#read(s, b), readOtherBranch: (s, b) => this.#readOtherBranch(s, b) };
  }

  #store(kind: HistoryKind, state: Pick<GroupState, "cs" | "policy" | "groupContext">): Promise<HistoryStore> {
    const key = `${kind}:${toHex(state.groupContext.groupId)}`;
    let p = this.#stores.get(key);
    if (p === undefined) {
      p = HistoryStore.load(this.#storage, kind, state.groupContext.groupId, state.cs, state.policy);
      p.catch(() => this.#stores.delete(key));
      this.#stores.set(key, p);
    }
    return p;
  }

  /**
   * Retention: a copy of the new epoch's secret tree, taken now, written in
   * the background (awaited by the next share). Copies are kept per branch:
   * after a rollback (forks/) the copies of the branch left stay beside the
   * winning branch's, until the current epoch is `retainEpochs` past them.
   */
  #epochStarted(state: GroupState): void {
    const keep = this.#options.retainEpochs ?? 0;
    if (keep === 0) return;
    const epoch = state.groupContext.epoch;
    const copy: PastEpoch = {
      epoch,
      framing: state.framing,
      tree: state.tree,
      senderDataSecret: state.keys.senderDataSecret.slice(),
      membershipKey: new Uint8Array(state.cs.hashLength),
      secretTree: SecretTree.fromState(state.cs, state.secretTree.exportState(), { policy: state.policy.ratchet }),
    };
    const write = async () => {
      const store = await this.#store("retained", state);
      await store.queue.run(async () => {
        store.put(copy);
        if (epoch >= BigInt(keep)) store.dropBefore(epoch - BigInt(keep) + 1n);
        await store.write();
      });
    };
    this.#pending = this.#pending.then(write).catch((e: unknown) => void (this.#retentionError = e));
  }

  /** Waits for retention writes; throws the first that failed. */
  async #settled(): Promise<void> {
    await this.#pending;
    if (this.#retentionError !== undefined) {
      const e = this.#retentionError;
      this.#retentionError = undefined;
      // eslint-disable-next-line @typescript-eslint/only-throw-error -- rethrows the error a check already raised (unknown, narrowed to {})
      throw e;
    }
  }

  /** Reads a message of an epoch the live state does not hold, from the imported history (every branch of that epoch number). */
  #read(state: GroupState, bytes: Uint8Array): Promise<IncomingMessage | undefined> {
    return readImported(this.#identityProvider, this.#storeOf, state, bytes);
  }

  /** Reads a message the group refused from an imported epoch of that number on another branch. */
  #readOtherBranch(state: GroupState, bytes: Uint8Array): Promise<IncomingMessage | undefined> {
    return readOtherBranch(this.#identityProvider, this.#storeOf, state, bytes);
  }

  /** Builds a history bundle for the recipient KeyPackage (see {@link Client.shareHistory}). */
  async share(group: Group, options: ShareHistoryOptions): Promise<Uint8Array> {
    await this.#settled();
    return buildHistoryBundle(this.#identityProvider, this.#options, this.#storeOf, group.state, options);
  }

  /** Verifies, decrypts and imports a bundle (see {@link Client.importHistory}). */
  import(client: ClientInternals, bytes: Uint8Array, options: ImportHistoryOptions = {}): Promise<ImportedHistory> {
    return importHistoryBundle(this.#identityProvider, this.#storeOf, client, bytes, options);
  }

  /** Forgets a group's history (with the group). */
  async deleteGroup(groupId: Uint8Array): Promise<void> {
    await this.#pending;
    for (const kind of ["imported", "retained"] as const) {
      this.#stores.delete(`${kind}:${toHex(groupId)}`);
      await this.#storage.deleteGroup(historyRowId(kind, groupId));
    }
  }
}
