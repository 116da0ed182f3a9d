/**
 * The facade's {@link Client}: one MLS client (RFC 9420 §3) — a credential
 * and one signature key pair per signature scheme (its groups and
 * KeyPackages may use any suite the provider serves), a crypto provider, an identity provider (the
 * Authentication Service seam), a default group policy, and storage. It
 * creates KeyPackages, creates and joins groups, and hands out {@link Group}s.
 */
import { toHex } from "@mlskit/codec";
import {
  type CipherSuiteId,
  type CipherSuiteProvider,
  type ClientStore,
  type Credential,
  type PskStore,
  type CryptoProvider,
  type Extension,
  type IdentityProvider,
  type KeyPair,
  type SignatureSchemeId,
  UsageError,
  pskStoreOf,
  guardIdentityProvider,
} from "@mlskit/core";
import type { GroupServices, GroupState, ResumptionPskStore } from "@mlskit/group";
import { memoryStore } from "@mlskit/storage-memory";
import { inspectCustom } from "@mlskit/key-schedule";
import { encodeClientRecord } from "./client-record.js";
import { ClientGroups } from "./client-groups.js";
import { createClientGroup } from "./client-create-group.js";
import { groupResumptionPsk, restoreClient } from "./client-restore.js";
import { ClientSettings } from "./client-settings.js";
import { SignatureKeys } from "./client-signature-keys.js";
import type { GroupEnv } from "./group-persistence.js";
import type { ClientInternals } from "./client-internals.js";
import { joinExternal, joinFromWelcome, proposeAsNewMember } from "./client-join.js";
import { forgetDeletedKeyPackage, storeKeyPackage } from "./client-key-packages.js";
import type {
  ClientOptions,
  CreateGroupOptions,
  JoinExternalOptions,
  JoinOptions,
  KeyPackageOptions,
  PublishedKeyPackage,
  SuccessorGroup,
  SuccessorOptions,
} from "./client-options.js";
import { branchGroup, reinitGroup } from "./client-resumption.js";
import { resolveSigner } from "./defaults.js";
import type { Group } from "./group.js";
import type { NewMemberProposalOptions, NewMemberProposalOutput } from "./external.js";
import { KeyForgetter } from "./key-forgetting.js";
import { ClientHistory, type ImportHistoryOptions, type ImportedHistory, type ShareHistoryOptions } from "./history/client-history.js";
import { isHistoryRowId } from "./history/history-store.js";
import { resolveForkOptions } from "./forks/fork-options.js";

/**
 * One MLS client. Create it with {@link Client.create}.
 *
 * @example
 * ```ts
 * const alice = await Client.create({ identity: "alice", identityProvider });
 * const group = await alice.createGroup();
 * const { commit, welcome } = await group.addMembers([bobKeyPackage]);
 * ```
 */
export class Client {
  readonly #crypto: CryptoProvider;
  readonly #cs: CipherSuiteProvider;
  readonly #credential: Credential;
  /** The default suite's signature key pair. */
  readonly #signature: KeyPair;
  /** One signature key pair per signature scheme (generated lazily). */
  readonly #signatures: SignatureKeys;
  readonly #identityProvider: IdentityProvider;
  /** {@link #identityProvider} as the library calls it: its own exceptions become ProviderError `provider/identity-failed`. */
  readonly #guardedIdentityProvider: IdentityProvider;
  /** Policy and advertised capabilities (ClientOptions.policy, capabilities, draftExtensions…). */
  readonly #settings: ClientSettings;
  readonly #storage: ClientStore;
  readonly #groups: ClientGroups;
  readonly #services: GroupServices;
  /** Tells the provider which private keys are spent. */
  readonly #forgetter: KeyForgetter;
  /** What the module functions (joins, resumption, KeyPackages) see of this client. */
  readonly #internals: ClientInternals;
  /** History sharing: retention, imported epochs, bundles (history/). */
  readonly #history: ClientHistory;

  private constructor(crypto: CryptoProvider, cs: CipherSuiteProvider, credential: Credential, signature: KeyPair, options: ClientOptions, storage: ClientStore) {
    this.#crypto = crypto;
    this.#cs = cs;
    this.#credential = credential;
    this.#signature = signature;
    const given = Object.entries(options.signatureKeyPairs ?? {}).flatMap(([scheme, kp]) => (kp === undefined ? [] : [[Number(scheme) as SignatureSchemeId, kp] as const]));
    this.#signatures = new SignatureKeys([...given, [cs.suite.signature, signature]], () => this.#writeRecord());
    this.#identityProvider = options.identityProvider;
    this.#guardedIdentityProvider = guardIdentityProvider(options.identityProvider);
    this.#settings = new ClientSettings(options, cs.suite.id, credential, options.identityProvider);
    this.#storage = storage;
    const resumptionPsks: ResumptionPskStore = { get: (groupId, epoch) => this.#resumptionPsk(groupId, epoch) };
    this.#services = { identityProvider: this.#guardedIdentityProvider, psks: pskStoreOf(storage), resumptionPsks };
    this.#forgetter = new KeyForgetter(crypto, options.onKeyDeletionFailed);
    this.#history = new ClientHistory(storage, this.#guardedIdentityProvider, options.historySharing);
    this.#groups = new ClientGroups(
      storage,
      this.#guardedIdentityProvider,
      (suite, groupId) => this.#envFor(suite, groupId),
      this.#forgetter,
      this.#history.hooks,
      options.forks !== undefined ? resolveForkOptions(options.forks) : undefined,
    );
    this.#internals = {
      crypto: this.#crypto,
      cs: this.#cs,
      credential: this.#credential,
      identityProvider: this.#guardedIdentityProvider,
      storage: this.#storage,
      services: this.#services,
      groups: this.#groups.byId,
      signatureFor: (suite) => this.#signatures.for(suite),
      capabilitiesFor: (suite) => this.#settings.capabilitiesFor(suite),
      policy: (input) => this.#settings.policy(input),
      adopt: (state, extras) => this.#groups.adopt(state, extras),
      retire: (old) => this.#groups.retire(old),
      getGroup: (groupId) => this.#groups.get(groupId),
      allGroups: () => this.#groups.all(),
      forgetPrivateKeys: (keys, reason) => this.#forgetter.forget(keys, reason),
    };
  }

  /**
   * Creates a client: resolves the cipher suite with the provider, and
   * generates a signature key pair unless one is given.
   * @throws UsageError when neither `identity` nor `credential` is given;
   *   CryptoError `crypto/unsupported` when the provider cannot serve the suite.
   */
  static async create(options: ClientOptions): Promise<Client> {
    const storage = options.storage ?? memoryStore();
    const stored = await storage.readClient();
    if (stored !== undefined) return Client.#restore(options, storage, stored);
    const { crypto, cs, credential } = await resolveSigner(options);
    const signature = options.signatureKeyPair ?? options.signatureKeyPairs?.[cs.suite.signature] ?? (await cs.signatureGenerateKeyPair());
    const client = new Client(crypto, cs, credential, signature, options, storage);
    await client.#writeRecord();
    return client;
  }

  /**
   * A client whose record is in `storage`: its credential and signature keys
   * come back from there (its groups load on demand, {@link getGroup}).
   * @throws UsageError `usage/storage-of-another-client` when `options` names
   *   another identity or credential than the stored one.
   */
  static async #restore(options: ClientOptions, storage: ClientStore, stored: Uint8Array): Promise<Client> {
    const r = await restoreClient(options, stored);
    const client = new Client(r.crypto, r.cs, r.credential, r.signature, { ...options, signatureKeyPairs: r.signatureKeyPairs }, storage);
    if (r.rewrite) await client.#writeRecord();
    return client;
  }

  /** Stores the client record: credential, default suite, the signature key pairs made so far. */
  async #writeRecord(): Promise<void> {
    await this.#storage.writeClient(encodeClientRecord({ cipherSuite: this.#cs.suite.id, credential: this.#credential, signatureKeyPairs: this.#signatures.settled }));
  }

  /** JSON shows the client's suite, never keys. */
  toJSON(): { cipherSuite: number; redacted: string } {
    return { cipherSuite: this.cipherSuite, redacted: "Client" };
  }
  /** `util.inspect` shows the client's suite, never keys. */
  [inspectCustom](): string {
    return `Client { cipherSuite: ${this.cipherSuite} } [secrets redacted]`;
  }

  /** The client's credential. */
  get credential(): Credential {
    return this.#credential;
  }
  /** The client's signature public key for its default suite's signature scheme. */
  get signaturePublicKey(): Uint8Array {
    return this.#signature.publicKey.slice();
  }

  /**
   * The signature key pair this client uses in groups and KeyPackages of a
   * cipher suite: one per signature scheme, generated on first use.
   * Advanced: the private key leaves the client (e.g. for an interop test
   * harness or a backup); most applications never need it.
   */
  async signatureKeyPair(cipherSuite: CipherSuiteId = this.cipherSuite): Promise<KeyPair> {
    const cs = cipherSuite === this.#cs.suite.id ? this.#cs : await this.#crypto.cipherSuite(cipherSuite);
    const kp = await this.#signatures.for(cs);
    return { publicKey: kp.publicKey.slice(), privateKey: kp.privateKey.slice() };
  }

  /** The default cipher suite of this client's groups and KeyPackages. */
  get cipherSuite(): CipherSuiteId {
    return this.#cs.suite.id;
  }
  /** The crypto provider. */
  get crypto(): CryptoProvider {
    return this.#crypto;
  }
  /** The identity provider. */
  get identityProvider(): IdentityProvider {
    return this.#identityProvider;
  }
  /** External PSKs this client holds (§8.4): `put` one before proposing or receiving it. */
  get psks(): PskStore {
    return pskStoreOf(this.#storage);
  }

  /** The ids of the groups this client keeps (in storage, so also those of an earlier run). */
  async groupIds(): Promise<Uint8Array[]> {
    return (await this.#storage.groupIds()).filter((id) => !isHistoryRowId(id));
  }

  /**
   * Forgets a group: it leaves memory and storage with its past epochs (e.g.
   * once a removed member has read the late messages it wanted). Its HPKE
   * private keys are then forgotten by the crypto provider
   * (`CryptoProvider.forgetPrivateKey`); the `Group` object, if kept, can
   * no longer decrypt with them.
   */
  async deleteGroup(groupId: Uint8Array): Promise<void> {
    await this.#groups.delete(groupId);
    await this.#history.deleteGroup(groupId);
  }

  /**
   * Shares the keys to read past epochs of `group` with another device of
   * this user or, when the application approves, another member (README
   * "History sharing"): a bundle encrypted to `options.keyPackage`'s init key
   * and signed with our signature key. Only epochs before the current one,
   * only the senders in scope, only what this client still holds.
   * @throws UsageError `history/recipient-not-allowed` (neither the same user
   *   nor a member), `history/not-approved` (the consent hook refused, or none
   *   is set), `history/nothing-to-share`; ValidationError for an invalid KeyPackage.
   */
  shareHistory(group: Group, options: ShareHistoryOptions): Promise<Uint8Array> {
    return this.#history.share(group, options);
  }

  /**
   * Imports a history bundle made for one of this client's KeyPackages:
   * verified (signed by a member this client knows), decrypted, and kept
   * in the group's read-only history, after which `processIncoming` reads
   * the messages of those epochs from those senders.
   * @throws ValidationError `history/wrong-recipient`, `history/unknown-group`,
   *   `history/signature`, `history/sender-not-member`, `history/invalid-bundle`;
   *   nothing is imported then.
   */
  importHistory(bundle: Uint8Array, options: ImportHistoryOptions = {}): Promise<ImportedHistory> {
    return this.#history.import(this.#internals, bundle, options);
  }

  /** The client's storage (advanced: e.g. to close it when the client is done). */
  get storage(): ClientStore {
    return this.#storage;
  }

  /**
   * Creates a KeyPackage (§10) and keeps its private keys in the KeyPackage
   * store until a Welcome uses it. Publish `keyPackage`.
   */
  async createKeyPackage(options: KeyPackageOptions = {}): Promise<PublishedKeyPackage> {
    const cs = options.cipherSuite === undefined ? this.#cs : await this.#crypto.cipherSuite(options.cipherSuite);
    return (await storeKeyPackage(this.#internals, cs, options)).published;
  }

  /**
   * Deletes a KeyPackage this client created (by its KeyPackageRef), e.g. one
   * that expired or was withdrawn from the Delivery Service: its private
   * keys leave the KeyPackage store, and the crypto provider forgets them
   * (`CryptoProvider.forgetPrivateKey`). A last-resort KeyPackage's
   * encryption key is not forgotten (it may be the leaf key of groups joined
   * with it), only its init key. Prefer this to `storage.deleteKeyPackage`,
   * which leaves a non-extractable key's `CryptoKey` in its key store.
   * @returns whether a KeyPackage was stored under `reference`.
   */
  async deleteKeyPackage(reference: Uint8Array): Promise<boolean> {
    const stored = await this.#storage.getKeyPackage(reference);
    const deleted = await this.#storage.deleteKeyPackage(reference);
    if (stored !== undefined) await forgetDeletedKeyPackage(this.#internals, stored);
    return deleted;
  }

  /**
   * Creates a one-member group (§11) in epoch 0: with a fresh leaf, or the
   * leaf of one of this client's KeyPackages (`options.keyPackage`).
   * @throws UsageError `usage/unknown-key-package` when this client does not
   *   store `options.keyPackage` (not ours, consumed or deleted),
   *   `usage/cipher-suite-mismatch` when `options.cipherSuite` is not its suite,
   *   `usage/signature-key-mismatch` when it was signed with a key this client no longer holds.
   */
  async createGroup(options: CreateGroupOptions = {}): Promise<Group> {
    return createClientGroup(this.#internals, options);
  }

  /**
   * Joins a group from a Welcome (§12.4.3.1) made for one of this client's
   * KeyPackages, whose private keys are then consumed.
   * @throws ValidationError `welcome/unknown-key-package` when no stored
   *   KeyPackage matches (a Welcome replayed after its KeyPackage was consumed,
   *   or not for us), `message/not-a-welcome`, or when the Welcome is invalid;
   *   UsageError `usage/signature-key-mismatch` when the matching KeyPackage was
   *   signed with a key this client no longer holds (local state, not input).
   */
  joinFromWelcome(welcome: Uint8Array, options: JoinOptions = {}): Promise<Group> {
    return joinFromWelcome(this.#internals, welcome, options);
  }

  /**
   * Adopts a group state created outside the facade with `@mlskit/group`
   * (advanced: e.g. a state restored by the application, or made by a flow
   * the facade does not offer). The client then serves it like its own
   * groups (`getGroup`, resumption PSKs, persistence). The state must be
   * this client's member view: its signature key is the state's own.
   * @throws UsageError `usage/duplicate-group` when the client already holds an
   *   active group with this id (not frozen by a ReInit).
   */
  async adoptGroup(state: GroupState): Promise<Group> {
    const existing = this.#groups.byId.get(toHex(state.groupContext.groupId));
    if (existing !== undefined && existing.state !== state && existing.active && existing.reinit === undefined) {
      throw new UsageError("usage/duplicate-group", "the client already holds a group with this id");
    }
    return this.#groups.adopt(state);
  }

  /**
   * Proposes adding this client to a group it is not in (a
   * `new_member_proposal`, §12.1.8), from the group's GroupInfo (an
   * MLSMessage). A fresh KeyPackage of the group's suite is made and kept:
   * once a member commits the proposal, join with the Welcome as usual
   * ({@link joinFromWelcome}). When the ratchet tree is known (in the
   * GroupInfo or `ratchetTree`) the GroupInfo's signature is verified first.
   * @throws ValidationError `message/not-a-group-info`, or when the
   *   GroupInfo's signature or tree hash does not verify.
   */
  proposeAsNewMember(groupInfo: Uint8Array, options: NewMemberProposalOptions = {}): Promise<NewMemberProposalOutput> {
    return proposeAsNewMember(this.#internals, groupInfo, options);
  }

  /**
   * Joins a group by external Commit (§12.4.3.2) from a GroupInfo with
   * `external_pub`. The new group is usable at once; send `commit` to the
   * group, and call `discardPendingCommit()` on the group if the Delivery
   * Service rejects it (then join again from a fresh GroupInfo).
   */
  joinExternal(groupInfo: Uint8Array, options: JoinExternalOptions = {}): Promise<{ readonly group: Group; readonly commit: Uint8Array }> {
    return joinExternal(this.#internals, groupInfo, options);
  }

  /** The group with this id, from memory or from the group store. */
  getGroup(groupId: Uint8Array): Promise<Group | undefined> {
    return this.#groups.get(groupId);
  }

  /**
   * Creates the successor of a group whose ReInit Commit was merged
   * (§11.2): a new group with the ReInit's id, suite, version and
   * extensions, in epoch 1, whose first Commit (already merged: nobody else
   * is in epoch 0) adds `keyPackages` — the other members' KeyPackages for
   * the new suite — with a resumption PSK of usage `reinit`. Send `welcome`
   * to them.
   * @throws UsageError when the group carries no ReInit.
   */
  reinitGroup(old: Group, keyPackages: readonly Uint8Array[], options: SuccessorOptions = {}): Promise<SuccessorGroup> {
    return reinitGroup(this.#internals, old, keyPackages, options);
  }

  /**
   * Branches a group (§11.3): a new group (epoch 1) of this client and the
   * members of `keyPackages`, linked by a resumption PSK of usage `branch`
   * of the group's current epoch. Send `welcome` to them.
   */
  branchGroup(
    parent: Group,
    keyPackages: readonly Uint8Array[],
    options: SuccessorOptions & { readonly groupId?: Uint8Array; readonly extensions?: readonly Extension[] } = {},
  ): Promise<SuccessorGroup> {
    return branchGroup(this.#internals, parent, keyPackages, options);
  }

  /** The run-time context a stored group of `suite` is decoded with. */
  async #envFor(suite: number, groupId: Uint8Array): Promise<GroupEnv> {
    return { cs: await this.#crypto.cipherSuite(suite as CipherSuiteId), policy: this.#settings.policyFor(groupId), services: this.#services };
  }

  /** Resumption PSKs of this client's groups (§8.6), for ReInit and branch joins. */
  async #resumptionPsk(groupId: Uint8Array, epoch: bigint): Promise<Uint8Array | undefined> {
    return groupResumptionPsk(await this.getGroup(groupId), groupId, epoch);
  }
}
