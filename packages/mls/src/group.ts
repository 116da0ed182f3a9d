/**
 * The facade's {@link Group}: one member's view of one MLS group (RFC 9420),
 * over the readonly snapshots of `@mlskit/group`. Every operation runs
 * through the group's {@link SerialQueue}, so interleaved awaits can never
 * derive two states from the same snapshot (docs/ARCHITECTURE.md "Sync vs async").
 */
import { utf8 } from "@mlskit/codec";
import { type Extension, UsageError, mapConcurrent } from "@mlskit/core";
import {
  type BranchChange,
  type ExternalSender,
  type GroupState,
  type ProposalInput,
  type StagedCommit as GroupStagedCommit,
  createApplicationMessage,
  createProposal,
  exportSecret,
} from "@mlskit/group";
import { type CommitOptions, type GroupInfoOptions, signedGroupInfo } from "./group-commit.js";
import { isReadOnlyMessage, processMany } from "./group-incoming.js";
import type { GroupHost, GroupInternals } from "./group-internals.js";
import { leaveProposal } from "./group-membership.js";
import { commitNow, confirmPending, discardPending, mergeStaged, processOne } from "./group-operations.js";
import type { GroupPersistence, WriteExtras } from "./group-persistence.js";
import { GroupStorageLink } from "./group-storage-link.js";
import { type MemberRef, type ProposalSpec, type ProposeOptions, membersOf, resolveProposal } from "./group-proposals.js";
import { type CommitOutput, type IncomingMessage, type MemberInfo, type MergeResult, type ProposalOutput, StagedCommit } from "./results.js";
import { SerialQueue } from "./serial-queue.js";
import { withExternalSender } from "./external.js";
import { ForkKeeper } from "./forks/fork-keeper.js";
import { GroupView } from "./group-view.js";

export type { CommitOptions, GroupInfoOptions } from "./group-commit.js";
export type { GroupHost } from "./group-internals.js";
export type { MemberRef, ProposalSpec, ProposeOptions } from "./group-proposals.js";

export type { MembershipStatus } from "./group-membership.js";
export type { GroupView } from "./group-view.js";

/** Messages of `encryptMany` and `processIncomingMany` in flight at once (enough to keep WebCrypto's thread pool busy). */
const BATCH_WINDOW = 256;

/**
 * One MLS group as this member sees it. Obtain one from a `Client`
 * (`createGroup`, `joinFromWelcome`, `joinExternal`, `getGroup`).
 *
 * Commits are pending until the Delivery Service confirms them (docs/ARCHITECTURE.md
 * "Staged changes"): send {@link CommitOutput.commit}; when it comes back
 * through {@link processIncoming} (or you call {@link confirmPendingCommit})
 * the group moves to the new epoch; when the DS rejects it,
 * {@link discardPendingCommit}.
 */
export class Group extends GroupView {
  readonly #host: GroupHost;
  readonly #queue = new SerialQueue();
  /** The whole protocol state: the facade keeps none of its own (docs/ARCHITECTURE.md "State"). */
  #state: GroupState;
  /** The group's link to storage; every queued operation ends by writing what it changed. */
  readonly #storage: GroupStorageLink;
  /** What the module functions (commits, incoming messages) see of this group. */
  readonly #internals: GroupInternals;
  /** Fork handling (forks/), when the client enabled it. */
  readonly #forks: ForkKeeper | undefined;

  /** @internal Use a `Client` to create or join groups. */
  constructor(host: GroupHost, state: GroupState, persistence: GroupPersistence) {
    super();
    this.#host = host;
    this.#state = state;
    this.#storage = new GroupStorageLink(persistence, host, { get: () => this.#state, set: (s) => void (this.#state = s) });
    this.#forks = host.forks !== undefined ? new ForkKeeper(host.forks) : undefined;
    if (host.forks !== undefined) this.#storage.retained.trim(host.forks.retainEpochs, state.groupContext.epoch);
    const group = this;
    this.#internals = {
      get state() {
        return group.#state;
      },
      identityProvider: host.identityProvider,
      set: (s) => this.#set(s),
      staged: (inner) => this.#staged(inner),
      forks: this.#forks,
      get retained() {
        return group.#storage.retained;
      },
      propose: async (spec) => this.#proposeNow(await resolveProposal(this.#state, this.#host.identityProvider, spec), {}),
    };
  }

  /** The underlying `@mlskit/group` snapshot (read-only; for advanced use and tests). */
  override get state(): GroupState {
    return this.#state;
  }

  /** The members, by leaf (§5.3.3 identities from the identity provider). */
  members(): Promise<MemberInfo[]> {
    return membersOf(this.#state, this.#host.identityProvider);
  }

  /** MLS-Exporter(label, context, length) of the current epoch (§8.5). */
  export(label: string | Uint8Array, context: Uint8Array, length: number): Promise<Uint8Array> {
    return this.#run(() => exportSecret(this.#state, label, context, length));
  }

  /**
   * A signed GroupInfo of the current epoch as an MLSMessage (§12.4.3), to
   * let clients join by external Commit.
   */
  groupInfo(options: GroupInfoOptions = {}): Promise<Uint8Array> {
    return this.#run(() => signedGroupInfo(this.#state, options));
  }

  /**
   * Encrypts application data as a PrivateMessage (§6.3).
   * @throws UsageError when proposals received this epoch are not yet committed (§12.4), or the group is closed.
   */
  encrypt(plaintext: Uint8Array | string, options: { readonly authenticatedData?: Uint8Array } = {}): Promise<Uint8Array> {
    const data = typeof plaintext === "string" ? utf8(plaintext) : plaintext;
    return this.#run(async () => {
      await this.#storage.reserveSendKeys("application", 1);
      return createApplicationMessage(this.#state, data, options);
    });
  }

  /**
   * Encrypts several application messages in one turn of the group's queue,
   * their signatures and encryptions overlapping (WebCrypto signs on a
   * thread pool): a burst goes out faster than one {@link encrypt} at a
   * time. Results in the order of `plaintexts`; each has its own generation
   * of our ratchet. Throws as {@link encrypt} does.
   */
  encryptMany(plaintexts: readonly (Uint8Array | string)[], options: { readonly authenticatedData?: Uint8Array } = {}): Promise<Uint8Array[]> {
    const data = plaintexts.map((p) => (typeof p === "string" ? utf8(p) : p));
    return this.#run(async () => {
      await this.#storage.reserveSendKeys("application", data.length);
      return mapConcurrent(data, BATCH_WINDOW, (d) => createApplicationMessage(this.#state, d, options));
    });
  }

  /** Commits Adds of these KeyPackages (each an MLSMessage or a bare `KeyPackage`), with the proposals received this epoch. */
  addMembers(keyPackages: readonly Uint8Array[], options: Omit<CommitOptions, "proposals"> = {}): Promise<CommitOutput> {
    return this.commit({ ...options, proposals: keyPackages.map((add) => ({ add })) });
  }

  /** Commits Removes of these members (leaf indexes or identities). */
  removeMembers(members: readonly MemberRef[], options: Omit<CommitOptions, "proposals"> = {}): Promise<CommitOutput> {
    return this.commit({ ...options, proposals: members.map((remove) => ({ remove })) });
  }

  /** Commits with a fresh UpdatePath (a self-update of our leaf and path keys, §12.4). */
  update(options: Omit<CommitOptions, "forcePath"> = {}): Promise<CommitOutput> {
    return this.commit({ ...options, forcePath: true });
  }

  /**
   * Creates a Commit of the proposals received this epoch and `proposals`
   * (by value). It stays pending until confirmed.
   * @throws UsageError when a Commit is already pending; ValidationError when the proposal list is invalid.
   */
  commit(options: CommitOptions = {}): Promise<CommitOutput> {
    return this.#run(() => commitNow(this.#internals, options, () => this.#storage.reserveSendKeys("handshake", 1)));
  }

  /** Proposes adding the client of a KeyPackage. */
  proposeAdd(keyPackage: Uint8Array, options: ProposeOptions = {}): Promise<ProposalOutput> {
    return this.propose({ add: keyPackage }, options);
  }
  /** Proposes removing a member. */
  proposeRemove(member: MemberRef, options: ProposeOptions = {}): Promise<ProposalOutput> {
    return this.propose({ remove: member }, options);
  }
  /** Proposes an Update of our leaf (a fresh encryption key, §12.1.2); another member commits it. */
  proposeUpdate(options: ProposeOptions = {}): Promise<ProposalOutput> {
    return this.#proposeInput({ update: {} }, options);
  }
  /** Proposes injecting the external PSK `pskId` (§8.4). */
  proposePsk(pskId: Uint8Array, options: ProposeOptions = {}): Promise<ProposalOutput> {
    return this.propose({ psk: pskId }, options);
  }
  /** Proposes new GroupContext extensions (§12.1.7). */
  proposeGroupContextExtensions(extensions: readonly Extension[], options: ProposeOptions = {}): Promise<ProposalOutput> {
    return this.propose({ groupContextExtensions: extensions }, options);
  }
  /**
   * Proposes the group's extensions with an external sender appended to
   * `external_senders` (§12.1.8.1), e.g. an `ExternalSigner`'s
   * `externalSender`, or its encoding.
   */
  proposeExternalSender(sender: ExternalSender | Uint8Array, options: ProposeOptions = {}): Promise<ProposalOutput> {
    return this.#run(async () =>
      this.#proposeNow(
        await resolveProposal(this.#state, this.#host.identityProvider, { groupContextExtensions: withExternalSender(this.#state.groupContext.extensions, sender) }),
        options,
      ),
    );
  }
  /** Proposes reinitialising the group (§12.1.5); defaults: a fresh group id, the same suite and version. */
  proposeReInit(reinit: Extract<ProposalSpec, { reinit: unknown }>["reinit"] = {}, options: ProposeOptions = {}): Promise<ProposalOutput> {
    return this.propose({ reinit }, options);
  }
  /** Proposes an application-defined proposal (§13.2; its type must be registered in the policy). */
  proposeCustom(proposalType: number, body: Uint8Array, options: ProposeOptions = {}): Promise<ProposalOutput> {
    return this.propose({ custom: { proposalType, body } }, options);
  }

  /**
   * Leaves the group in one call: proposes the removal of this member
   * (a Remove of itself, RFC 9420 §12.1.3, or, in a group created with
   * `selfRemove: true`, a SelfRemove of draft-ietf-mls-extensions, which an
   * external committer may also commit), which the next member who
   * commits includes (a member cannot commit its own removal, §12.2). Send
   * `message` to the group. The group is then {@link status} `leaving`: it
   * sends no application data (proposals are pending, §12.4) and cannot
   * commit; when the Commit that removes us arrives (`processIncoming`, then
   * `merge()`), it is `removed`. If a Commit without our Remove comes
   * first (its committer had not seen it), the group is `active` again in
   * the new epoch: call `leave()` again.
   * @throws UsageError `usage/last-member` when this member is alone (nobody
   *   could commit its removal: `client.deleteGroup(groupId)` instead),
   *   `usage/leaving` when a Remove of this member is already proposed this
   *   epoch, `usage/commit-pending` while a Commit of ours is pending
   *   (`confirmPendingCommit()` or `discardPendingCommit()` first).
   */
  leave(options: ProposeOptions = {}): Promise<ProposalOutput> {
    return this.#run(() => this.#proposeNow(leaveProposal(this.#state), options));
  }

  /** Sends a proposal (§12.1): it is cached by reference for this epoch's Commit, ours or another member's. */
  propose(spec: ProposalSpec, options: ProposeOptions = {}): Promise<ProposalOutput> {
    return this.#run(async () => this.#proposeNow(await resolveProposal(this.#state, this.#host.identityProvider, spec), options));
  }

  #proposeInput(input: ProposalInput, options: ProposeOptions): Promise<ProposalOutput> {
    return this.#run(() => this.#proposeNow(input, options));
  }

  async #proposeNow(input: ProposalInput, options: ProposeOptions): Promise<ProposalOutput> {
    await this.#storage.reserveSendKeys("handshake", 1);
    const created = await createProposal(this.#state, input, options);
    this.#set(created.state);
    return { message: created.message, ref: created.ref, proposal: created.proposal };
  }

  /**
   * Our pending Commit was accepted by the Delivery Service: moves to the
   * new epoch. (Receiving the Commit back in {@link processIncoming} does the same.)
   */
  confirmPendingCommit(): Promise<MergeResult> {
    return this.#run(() => confirmPending(this.#internals));
  }

  /**
   * Our pending Commit was rejected by the Delivery Service (another Commit
   * came first): drops it and stays in the current epoch. For an external
   * join the group is closed: join again from a fresh GroupInfo.
   */
  discardPendingCommit(): Promise<void> {
    return this.#run(async () => discardPending(this.#internals));
  }

  /**
   * Processes a message of the group (PublicMessage or PrivateMessage):
   * application data, a proposal (cached), another member's Commit (staged:
   * inspect, then `merge()`), our own Commit back (merged), or a message of
   * the next epoch (held). After this member was removed, late messages of
   * the epochs it was in can still be read; later ones are refused.
   * @throws ValidationError / CodecError for invalid input (the state is unchanged);
   *   ValidationError `message/after-removal` for a message of an epoch after our removal.
   */
  processIncoming(bytes: Uint8Array): Promise<IncomingMessage> {
    return this.#queue.run(() => this.#storage.persisting(() => this.#processOne(bytes)));
  }

  #processOne(bytes: Uint8Array): Promise<IncomingMessage> {
    return processOne(this.#internals, this.#host.history, bytes);
  }

  /**
   * Processes several messages in order, in one turn of the group's queue.
   * Runs of application messages are decrypted and verified side by side
   * (WebCrypto verifies on a thread pool), so a backlog is read faster than
   * with one {@link processIncoming} at a time; handshake messages still go
   * one by one, in order. One result per message: a failure (the same
   * errors as {@link processIncoming}) is that message's result only.
   */
  processIncomingMany(messages: readonly Uint8Array[]): Promise<PromiseSettledResult<IncomingMessage>[]> {
    return this.#queue.run(() =>
      this.#storage.persisting(() =>
        processMany(
          messages,
          (bytes) => this.#state.status.kind !== "closed" && isReadOnlyMessage(this.#state, bytes),
          (bytes) => this.#processOne(bytes),
          BATCH_WINDOW,
        ),
      ),
    );
  }

  /**
   * Forks (client option `forks`): proposes again, in the current epoch,
   * the changes this member committed on a losing branch that still apply
   * and are not proposed in this epoch yet (a `fork` result lists them as
   * `re-proposed`). Call it once caught up with the winning branch; send
   * the proposals. Empty when forks are off or nothing is left.
   */
  forkReproposals(): Promise<ProposalOutput[]> {
    return this.#run(async () => (this.#forks === undefined ? [] : this.#forks.reproposals(this.#internals)));
  }

  /** Forks: this member's lost changes still waiting to be applied on the winning branch. */
  get pendingForkChanges(): readonly { readonly change: BranchChange; readonly epoch: bigint }[] {
    return this.#forks?.queued ?? [];
  }

  /** Forks: the epochs whose full state is kept to settle forks (oldest first). */
  get retainedEpochs(): readonly bigint[] {
    return this.#storage.retained.epochs();
  }

  #staged(inner: GroupStagedCommit): StagedCommit {
    return new StagedCommit(inner, () => this.#run(() => mergeStaged(this.#internals, inner)));
  }

  /** Moves to a state; the operation's end writes it (`GroupStorageLink.persisting`). */
  #set(state: GroupState): void {
    const previous = this.#state;
    this.#state = state;
    if (state.groupContext.epoch !== previous.groupContext.epoch) this.#host.history?.epochStarted(state);
  }

  /** @internal The first write of a new group (with the KeyPackage a Welcome consumed). */
  async initialWrite(extras?: WriteExtras): Promise<void> {
    this.#host.history?.epochStarted(this.#state);
    await this.#queue.run(() => this.#storage.write(extras));
  }

  /** Runs an operation in the group's queue, once the group is usable, and stores what it changed. */
  #run<T>(fn: () => Promise<T>): Promise<T> {
    return this.#queue.run(() =>
      this.#storage.persisting(async () => {
        const status = this.#state.status;
        if (status.kind === "removed") throw new UsageError("usage/removed", `this member was removed from the group in epoch ${status.epoch}`);
        if (status.kind === "closed") throw new UsageError("usage/group-closed", status.reason);
        return fn();
      }),
    );
  }
}
