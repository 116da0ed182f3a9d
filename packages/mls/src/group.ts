/**
 * The facade's {@link Group}: one member's view of one MLS group (RFC 9420),
 * over the readonly snapshots of `@mlskit/group`. Every operation runs
 * through the group's {@link SerialQueue}, so interleaved awaits can never
 * derive two states from the same snapshot (DESIGN.md "Sync vs async").
 */
import { bytesEqual, toHex, utf8 } from "@mlskit/codec";
import { type CipherSuiteProvider, type Extension, ExtensionType, type IdentityProvider, ProtocolVersion, UsageError, WireFormat } from "@mlskit/core";
import {
  type CachedProposal,
  type ExternalSender,
  type GroupState,
  type ProposalInput,
  type StagedCommit as GroupStagedCommit,
  type ValidatedKeyPackage,
  type ProcessedMessage,
  clearPendingCommit,
  createApplicationMessage,
  createCommit,
  createProposal,
  decodeMlsMessage,
  encodeMlsMessage,
  epochAuthenticator,
  exportSecret,
  externalKeyPair,
  externalPubCodec,
  leafNodeGroupOf,
  makeExtension,
  mergePendingCommit,
  mergeStagedCommit,
  processEarlyMessages,
  processMessage,
  signGroupInfo,
  validateKeyPackage,
} from "@mlskit/group";
import { ResumptionPSKUsage } from "@mlskit/key-schedule";
import type { LeafIndex } from "@mlskit/ratchet-tree";
import {
  type CommitOutput,
  type IncomingMessage,
  type MemberInfo,
  type MergeResult,
  type ProposalOutput,
  StagedCommit,
} from "./results.js";
import { SerialQueue } from "./serial-queue.js";
import { decodeKeyPackageInput } from "./key-package-input.js";
import { withExternalSender } from "./external.js";

/** A member to remove: a leaf index, or an identity (bytes, or a string taken as UTF-8). */
export type MemberRef = number | string | Uint8Array;

/** A proposal, as the facade takes it (committed by value, or sent with `propose`). */
export type ProposalSpec =
  /** Add the client of this KeyPackage (an MLSMessage or a bare `KeyPackage` encoding). */
  | { readonly add: Uint8Array }
  /** Remove a member: a leaf index, or an identity. */
  | { readonly remove: MemberRef }
  /** Inject the external PSK with this `psk_id` (§8.4); every member must hold it. */
  | { readonly psk: Uint8Array }
  /** Inject a resumption PSK of this group (or another) of a past epoch (§8.6). */
  | { readonly resumptionPsk: { readonly epoch: bigint; readonly groupId?: Uint8Array } }
  | { readonly groupContextExtensions: readonly Extension[] }
  /** Reinitialise the group with new parameters (§11.2). */
  | { readonly reinit: { readonly groupId?: Uint8Array; readonly cipherSuite?: number; readonly version?: number; readonly extensions?: readonly Extension[] } }
  /** An application-defined proposal (§13.2). */
  | { readonly custom: { readonly proposalType: number; readonly body: Uint8Array } };

/** Options of {@link Group.commit}. */
export interface CommitOptions {
  /** Proposals committed by value, besides those received this epoch. */
  readonly proposals?: readonly ProposalSpec[];
  /** Include the proposals received (and sent) this epoch by reference (default true; ignored with `byReference`). */
  readonly includePending?: boolean;
  /**
   * Commit exactly these cached proposals by reference (and no other cached
   * one): each a ProposalRef, or the proposal's MLSMessage as sent or
   * received (one not yet processed is processed first, like
   * {@link Group.processIncoming}). Proposals left out stay cached until the
   * epoch ends.
   * @throws UsageError `usage/unknown-proposal` for a reference not cached this epoch.
   */
  readonly byReference?: readonly Uint8Array[];
  /** Send an UpdatePath even when no proposal requires one (a self-update). */
  readonly forcePath?: boolean;
  /**
   * Put the ratchet tree in the Welcome (default true); otherwise the new
   * epoch's tree is returned as {@link CommitOutput.ratchetTree}, to send
   * beside the Welcome.
   */
  readonly ratchetTreeInWelcome?: boolean;
  /** Also return a signed GroupInfo of the new epoch (default: with `external_pub` and the tree). */
  readonly groupInfo?: boolean | GroupInfoOptions;
  readonly authenticatedData?: Uint8Array;
}

/** Options of {@link Group.groupInfo}. */
export interface GroupInfoOptions {
  /** Include the `external_pub` extension, which external joins need (default true). */
  readonly withExternalPub?: boolean;
  /** Include the `ratchet_tree` extension (default true). */
  readonly withRatchetTree?: boolean;
}

/** What a {@link Group} needs from its client. @internal */
export interface GroupHost {
  readonly cs: CipherSuiteProvider;
  readonly identityProvider: IdentityProvider;
  /** Stores the state (called after every change). */
  persist(state: GroupState): Promise<void>;
  /** The group is over for this client (removed, or an external join rejected). */
  closed(groupId: Uint8Array): Promise<void>;
}

type Status = { readonly kind: "active" } | { readonly kind: "removed"; readonly epoch: bigint } | { readonly kind: "closed"; readonly reason: string };

function epochOfMessage(bytes: Uint8Array): bigint {
  const m = decodeMlsMessage(bytes);
  if (m.wireFormat === WireFormat.mls_public_message) return m.publicMessage.content.epoch;
  if (m.wireFormat === WireFormat.mls_private_message) return m.privateMessage.epoch;
  throw new UsageError("usage/not-a-group-message", "only PublicMessage and PrivateMessage belong to a group");
}

/**
 * One MLS group as this member sees it. Obtain one from a `Client`
 * (`createGroup`, `joinFromWelcome`, `joinExternal`, `getGroup`).
 *
 * Commits are pending until the Delivery Service confirms them (DESIGN.md
 * "Staged changes"): send {@link CommitOutput.commit}; when it comes back
 * through {@link processIncoming} (or you call {@link confirmPendingCommit})
 * the group moves to the new epoch; when the DS rejects it,
 * {@link discardPendingCommit}.
 */
export class Group {
  readonly #host: GroupHost;
  readonly #queue = new SerialQueue();
  #state: GroupState;
  #status: Status = { kind: "active" };
  /** Our external Commit, until the Delivery Service confirms or rejects it. */
  #externalCommit: Uint8Array | undefined;
  /** Proposal MLSMessages of the current epoch (hex) sent or processed here, with their refs. */
  #proposalMessages = new Map<string, Uint8Array>();
  #proposalEpoch = -1n;

  /** @internal Use a `Client` to create or join groups. */
  constructor(host: GroupHost, state: GroupState, externalCommit?: Uint8Array) {
    this.#host = host;
    this.#state = state;
    this.#externalCommit = externalCommit;
  }

  /** The group id. */
  get groupId(): Uint8Array {
    return this.#state.groupContext.groupId.slice();
  }
  /** The current epoch. */
  get epoch(): bigint {
    return this.#state.groupContext.epoch;
  }
  /** The group's cipher suite. */
  get cipherSuite(): number {
    return this.#state.groupContext.cipherSuite;
  }
  /** This member's leaf index. */
  get ownLeafIndex(): LeafIndex {
    return this.#state.ownLeaf;
  }
  /** The epoch authenticator (§8.7): equal for every member in the same epoch; compare it out of band. */
  get epochAuthenticator(): Uint8Array {
    return epochAuthenticator(this.#state);
  }
  /** The GroupContext extensions. */
  get extensions(): readonly Extension[] {
    return this.#state.groupContext.extensions;
  }
  /** True while a Commit of ours awaits the Delivery Service. */
  get hasPendingCommit(): boolean {
    return this.#state.pendingCommit !== undefined || this.#externalCommit !== undefined;
  }
  /** The proposals received or sent this epoch, not yet committed. */
  get pendingProposals(): number {
    return this.#state.proposals.size;
  }
  /** The ReInit a merged Commit carried (§11.2): the group is then frozen, awaiting its successor. */
  get reinit(): GroupState["reinit"] {
    return this.#state.reinit;
  }
  /** False once this member was removed or the group was closed. */
  get active(): boolean {
    return this.#status.kind === "active";
  }
  /** The epoch whose Commit removed this member, if it was removed. */
  get removedInEpoch(): bigint | undefined {
    return this.#status.kind === "removed" ? this.#status.epoch : undefined;
  }

  /** The underlying `@mlskit/group` snapshot (read-only; for advanced use and tests). */
  get state(): GroupState {
    return this.#state;
  }

  /** The members, by leaf (§5.3.3 identities from the identity provider). */
  async members(): Promise<MemberInfo[]> {
    const state = this.#state;
    const out: MemberInfo[] = [];
    for (const l of state.tree.leaves()) {
      const leaf = state.tree.leafNode(l)!;
      out.push({
        leafIndex: l,
        identity: await this.#host.identityProvider.identity(leaf.credential),
        credentialType: leaf.credential.credentialType,
        credential: leaf.credential,
        signatureKey: leaf.signatureKey,
      });
    }
    return out;
  }

  /** The ratchet tree (`ratchet_tree` extension body, §12.4.3.3) for joiners who receive it out of band. */
  ratchetTree(): Uint8Array {
    return this.#state.tree.encode();
  }

  /**
   * The ratchet tree of the epoch our pending Commit starts (what the
   * Welcome's joiners need when it travels beside the Welcome); undefined
   * when no Commit of ours is pending.
   */
  pendingRatchetTree(): Uint8Array | undefined {
    return this.#state.pendingCommit?.state.tree.encode();
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
    return this.#run(async () => {
      const s = this.#state;
      const extensions: Extension[] = [];
      if (options.withRatchetTree !== false) extensions.push({ extensionType: ExtensionType.ratchet_tree, extensionData: s.tree.encode() });
      if (options.withExternalPub !== false) {
        const { publicKey } = await externalKeyPair(s);
        extensions.push(makeExtension(ExtensionType.external_pub, externalPubCodec, { externalPub: publicKey }));
      }
      const gi = await signGroupInfo(s.cs, s.signaturePrivateKey, {
        groupContext: s.groupContext,
        extensions,
        confirmationTag: s.confirmationTag,
        signer: s.ownLeaf,
      });
      return encodeMlsMessage({ version: ProtocolVersion.mls10, wireFormat: WireFormat.mls_group_info, groupInfo: gi });
    });
  }

  /**
   * Encrypts application data as a PrivateMessage (§6.3).
   * @throws UsageError when proposals received this epoch are not yet committed (§12.4), or the group is closed.
   */
  encrypt(plaintext: Uint8Array | string, options: { readonly authenticatedData?: Uint8Array } = {}): Promise<Uint8Array> {
    const data = typeof plaintext === "string" ? utf8(plaintext) : plaintext;
    return this.#run(() => createApplicationMessage(this.#state, data, options));
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
    return this.#run(async () => {
      if (this.#externalCommit !== undefined) throw new UsageError("usage/commit-pending", "our external Commit is not confirmed yet");
      const proposals: ProposalInput[] = [];
      for (const p of options.proposals ?? []) proposals.push(await this.#resolve(p));
      const gi = options.groupInfo;
      const current = this.#state;
      let base = current;
      if (options.byReference !== undefined) {
        // The state machine commits all cached proposals or none: commit from a view caching only the chosen ones.
        const chosen = new Map<string, CachedProposal>();
        for (const item of options.byReference) {
          const ref = await this.#refOf(item);
          const key = toHex(ref);
          const cached = this.#state.proposals.get(key);
          if (cached === undefined) throw new UsageError("usage/unknown-proposal", `proposal ${key} is not cached in epoch ${this.epoch}`);
          chosen.set(key, cached);
        }
        base = { ...this.#state, proposals: chosen };
      }
      const created = await createCommit(base, {
        proposals,
        ...(options.byReference !== undefined ? {} : options.includePending !== undefined ? { includePending: options.includePending } : {}),
        ...(options.forcePath !== undefined ? { forcePath: options.forcePath } : {}),
        ...(options.ratchetTreeInWelcome !== undefined ? { ratchetTreeInWelcome: options.ratchetTreeInWelcome } : {}),
        ...(options.authenticatedData !== undefined ? { authenticatedData: options.authenticatedData } : {}),
        ...(gi === undefined || gi === false
          ? {}
          : { groupInfo: gi === true ? {} : { externalPub: gi.withExternalPub !== false, ratchetTree: gi.withRatchetTree !== false } }),
      });
      // The proposals left out stay cached (processing a message may have cached more meanwhile).
      await this.#set(base === current ? created.state : { ...created.state, proposals: this.#state.proposals });
      return {
        commit: created.commit,
        ...(created.welcome !== undefined ? { welcome: created.welcome } : {}),
        ...(created.groupInfo !== undefined ? { groupInfo: created.groupInfo } : {}),
        ...(created.welcome !== undefined && options.ratchetTreeInWelcome === false ? { ratchetTree: created.pending.state.tree.encode() } : {}),
        epoch: this.#state.groupContext.epoch + 1n,
      };
    });
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
    return this.#run(async () => this.#proposeNow(await this.#resolve({ groupContextExtensions: withExternalSender(this.#state.groupContext.extensions, sender) }), options));
  }
  /** Proposes reinitialising the group (§12.1.5); defaults: a fresh group id, the same suite and version. */
  proposeReInit(reinit: Extract<ProposalSpec, { reinit: unknown }>["reinit"] = {}, options: ProposeOptions = {}): Promise<ProposalOutput> {
    return this.propose({ reinit }, options);
  }
  /** Proposes an application-defined proposal (§13.2; its type must be registered in the policy). */
  proposeCustom(proposalType: number, body: Uint8Array, options: ProposeOptions = {}): Promise<ProposalOutput> {
    return this.propose({ custom: { proposalType, body } }, options);
  }

  /** Sends a proposal (§12.1): it is cached by reference for this epoch's Commit, ours or another member's. */
  propose(spec: ProposalSpec, options: ProposeOptions = {}): Promise<ProposalOutput> {
    return this.#run(async () => this.#proposeNow(await this.#resolve(spec), options));
  }

  #proposeInput(input: ProposalInput, options: ProposeOptions): Promise<ProposalOutput> {
    return this.#run(() => this.#proposeNow(input, options));
  }

  async #proposeNow(input: ProposalInput, options: ProposeOptions): Promise<ProposalOutput> {
    const created = await createProposal(this.#state, input, options);
    await this.#set(created.state);
    this.#noteProposal(created.message, created.ref);
    return { message: created.message, ref: created.ref, proposal: created.proposal };
  }

  /**
   * Our pending Commit was accepted by the Delivery Service: moves to the
   * new epoch. (Receiving the Commit back in {@link processIncoming} does the same.)
   */
  confirmPendingCommit(): Promise<MergeResult> {
    return this.#run(async () => {
      if (this.#externalCommit !== undefined) {
        this.#externalCommit = undefined;
        return { epoch: this.epoch, removed: false, replayed: [], replayErrors: [] };
      }
      const previous = this.#state;
      return this.#enter(previous, mergePendingCommit(previous));
    });
  }

  /**
   * Our pending Commit was rejected by the Delivery Service (another Commit
   * came first): drops it and stays in the current epoch. For an external
   * join the group is closed: join again from a fresh GroupInfo.
   */
  discardPendingCommit(): Promise<void> {
    return this.#run(async () => {
      if (this.#externalCommit !== undefined) {
        this.#externalCommit = undefined;
        this.#status = { kind: "closed", reason: "the external Commit that joined this group was rejected" };
        await this.#host.closed(this.#state.groupContext.groupId);
        return;
      }
      if (this.#state.pendingCommit === undefined) throw new UsageError("usage/no-pending-commit", "no commit is pending");
      await this.#set(clearPendingCommit(this.#state));
    });
  }

  /**
   * Processes a message of the group (PublicMessage or PrivateMessage):
   * application data, a proposal (cached), another member's Commit (staged:
   * inspect, then `merge()`), our own Commit back (merged), or a message of
   * the next epoch (held). After this member was removed, late messages of
   * the epochs it was in can still be read; later ones are refused.
   * @throws ValidationError / CodecError for invalid input (the state is unchanged);
   *   UsageError `usage/removed` for a message of an epoch after our removal.
   */
  processIncoming(bytes: Uint8Array): Promise<IncomingMessage> {
    return this.#queue.run(async () => {
      if (this.#status.kind === "closed") throw new UsageError("usage/group-closed", this.#status.reason);
      if (this.#status.kind === "removed") {
        const epoch = epochOfMessage(bytes);
        if (epoch >= this.#status.epoch) {
          throw new UsageError("usage/removed", `this member was removed in epoch ${this.#status.epoch}: it holds no keys of epoch ${epoch}`);
        }
        const r = await processMessage(this.#state, bytes);
        if (r.kind !== "application") throw new UsageError("usage/removed", "this member was removed: only late application messages are read");
        return this.#application(r);
      }
      if (this.#externalCommit !== undefined && bytesEqual(bytes, this.#externalCommit)) {
        this.#externalCommit = undefined;
        return { kind: "own-commit", epoch: this.epoch, replayed: [] };
      }
      // A proposal already sent or processed this epoch (e.g. our own, handed back by the Delivery Service): already cached.
      const known = this.#knownProposal(bytes);
      if (known !== undefined) return known;
      const previous = this.#state;
      const r = await processMessage(previous, bytes);
      switch (r.kind) {
        case "application":
          return this.#application(r);
        case "proposal":
          await this.#set(r.state);
          this.#noteProposal(bytes, r.ref);
          return { kind: "proposal", proposal: r.proposal, sender: r.sender, ref: r.ref };
        case "buffered":
          await this.#set(r.state);
          return { kind: "buffered", epoch: previous.groupContext.epoch + 1n };
        case "own-commit": {
          const merged = await this.#enter(previous, r.state);
          return { kind: "own-commit", epoch: merged.epoch, replayed: merged.replayed };
        }
        case "commit":
          return { kind: "commit", staged: this.#staged(r.staged) };
      }
    });
  }

  #staged(inner: GroupStagedCommit): StagedCommit {
    return new StagedCommit(inner, () =>
      this.#run(async () => {
        // The Commit was staged against epoch `inner.epoch - 1`; anything merged since makes it stale.
        if (this.#state.groupContext.epoch !== inner.epoch - 1n) {
          throw new UsageError("usage/stale-staged-commit", `the group moved to epoch ${this.epoch} since this Commit was staged`);
        }
        if (inner.removedSelf) {
          this.#status = { kind: "removed", epoch: inner.epoch };
          this.#externalCommit = undefined;
          await this.#host.closed(this.#state.groupContext.groupId);
          return { epoch: this.epoch, removed: true, replayed: [], replayErrors: [] };
        }
        return this.#enter(this.#state, mergeStagedCommit(inner));
      }),
    );
  }

  /** Moves to a merged state and replays the messages held for it. */
  async #enter(previous: GroupState, merged: GroupState): Promise<MergeResult> {
    const replay = await processEarlyMessages(previous, merged);
    await this.#set(replay.state);
    const replayed: IncomingMessage[] = [];
    for (const r of replay.results) {
      if (r.kind === "application") replayed.push(await this.#application(r));
      else if (r.kind === "proposal") replayed.push({ kind: "proposal", proposal: r.proposal, sender: r.sender, ref: r.ref });
      else if (r.kind === "commit") replayed.push({ kind: "commit", staged: this.#staged(r.staged) });
      else if (r.kind === "buffered") replayed.push({ kind: "buffered", epoch: this.epoch + 1n });
    }
    return { epoch: this.epoch, removed: false, replayed, replayErrors: replay.errors };
  }

  async #application(r: Extract<ProcessedMessage, { kind: "application" }>): Promise<IncomingMessage> {
    const s = this.#state;
    const tree = r.epoch === s.groupContext.epoch ? s.tree : s.pastEpochs.find((p) => p.epoch === r.epoch)?.tree;
    const leaf = tree?.leafNode(r.sender);
    let senderIdentity: Uint8Array | undefined;
    if (leaf !== undefined) senderIdentity = await this.#host.identityProvider.identity(leaf.credential).catch(() => undefined);
    return { kind: "application", sender: r.sender, senderIdentity, epoch: r.epoch, data: r.data, authenticatedData: r.authenticatedData };
  }

  /** Turns a facade proposal into the state machine's input (KeyPackages validated, identities resolved). */
  async #resolve(spec: ProposalSpec): Promise<ProposalInput> {
    const s = this.#state;
    if ("add" in spec) return { add: await this.#validateKeyPackage(spec.add) };
    if ("remove" in spec) return { remove: await this.#leafOf(spec.remove) };
    if ("psk" in spec) return { externalPsk: { pskId: spec.psk } };
    if ("resumptionPsk" in spec) {
      const r = spec.resumptionPsk;
      return { resumptionPsk: { epoch: r.epoch, ...(r.groupId !== undefined ? { groupId: r.groupId } : {}), usage: ResumptionPSKUsage.application } };
    }
    if ("groupContextExtensions" in spec) return { groupContextExtensions: spec.groupContextExtensions };
    if ("reinit" in spec) {
      const r = spec.reinit;
      return {
        reinit: {
          groupId: r.groupId ?? s.cs.randomBytes(s.cs.hashLength),
          cipherSuite: r.cipherSuite ?? s.groupContext.cipherSuite,
          version: r.version ?? s.groupContext.version,
          extensions: r.extensions ?? s.groupContext.extensions,
        },
      };
    }
    return { custom: spec.custom };
  }

  async #validateKeyPackage(bytes: Uint8Array): Promise<ValidatedKeyPackage> {
    const kp = decodeKeyPackageInput(bytes);
    const s = this.#state;
    const { keyPackage } = await validateKeyPackage(s.cs, kp, {
      identityProvider: this.#host.identityProvider,
      group: leafNodeGroupOf(s.groupContext, s.tree),
      lifetime: s.policy.lifetime,
    });
    return keyPackage;
  }

  async #leafOf(member: MemberRef): Promise<LeafIndex> {
    const s = this.#state;
    if (typeof member === "number") {
      if (s.tree.leafNode(member as LeafIndex) === undefined) throw new UsageError("usage/unknown-member", `leaf ${member} is blank or outside the tree`);
      return member as LeafIndex;
    }
    const wanted = typeof member === "string" ? utf8(member) : member;
    for (const l of s.tree.leaves()) {
      const id = await this.#host.identityProvider.identity(s.tree.leafNode(l)!.credential);
      if (bytesEqual(id, wanted)) return l;
    }
    throw new UsageError("usage/unknown-member", "no member presents this identity");
  }

  /** Remembers a proposal message of the current epoch and its ref. */
  #noteProposal(message: Uint8Array, ref: Uint8Array): void {
    if (this.#proposalEpoch !== this.epoch) {
      this.#proposalMessages = new Map();
      this.#proposalEpoch = this.epoch;
    }
    this.#proposalMessages.set(toHex(message), ref);
  }

  /** A proposal message of this epoch that is already cached, as {@link processIncoming} reports it. */
  #knownProposal(bytes: Uint8Array): IncomingMessage | undefined {
    if (this.#proposalEpoch !== this.epoch) return undefined;
    const ref = this.#proposalMessages.get(toHex(bytes));
    const cached = ref === undefined ? undefined : this.#state.proposals.get(toHex(ref));
    if (cached === undefined) return undefined;
    return { kind: "proposal", proposal: cached.proposal, sender: cached.sender, ref: cached.ref };
  }

  /** The ProposalRef of a `byReference` item: a ref, or a proposal message (processed now when new). */
  async #refOf(item: Uint8Array): Promise<Uint8Array> {
    if (item.length === this.#state.cs.hashLength && this.#state.proposals.has(toHex(item))) return item;
    let m;
    try {
      m = decodeMlsMessage(item);
    } catch {
      return item; // Not a message: taken as a ref (reported unknown when not cached).
    }
    if (m.wireFormat !== WireFormat.mls_public_message && m.wireFormat !== WireFormat.mls_private_message) {
      throw new UsageError("usage/not-a-proposal", "a byReference item is neither a ProposalRef nor a proposal message");
    }
    const known = this.#knownProposal(item);
    if (known?.kind === "proposal") return known.ref;
    const r = await processMessage(this.#state, item);
    if (r.kind !== "proposal") throw new UsageError("usage/not-a-proposal", `a byReference message is a ${r.kind} message, not a proposal`);
    await this.#set(r.state);
    this.#noteProposal(item, r.ref);
    return r.ref;
  }

  async #set(state: GroupState): Promise<void> {
    this.#state = state;
    await this.#host.persist(state);
  }

  /** Runs an operation in the group's queue, once the group is usable. */
  #run<T>(fn: () => Promise<T>): Promise<T> {
    return this.#queue.run(async () => {
      if (this.#status.kind === "removed") {
        throw new UsageError("usage/removed", `this member was removed from the group in epoch ${this.#status.epoch}`);
      }
      if (this.#status.kind === "closed") throw new UsageError("usage/group-closed", this.#status.reason);
      return fn();
    });
  }
}

/** Options of the `propose*` methods. */
export interface ProposeOptions {
  readonly authenticatedData?: Uint8Array;
}
