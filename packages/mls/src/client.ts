/**
 * The facade's {@link Client}: one MLS client (RFC 9420 §3) — a credential
 * and one signature key pair per signature scheme (its groups and
 * KeyPackages may use any suite the provider serves), a crypto provider, an identity provider (the
 * Authentication Service seam), a default group policy, and storage. It
 * creates KeyPackages, creates and joins groups, and hands out {@link Group}s.
 */
import { bytesEqual, toHex } from "@mlskit/codec";
import {
  type CipherSuiteId,
  type CipherSuiteProvider,
  type ClientStorage,
  type Credential,
  type CryptoProvider,
  type Extension,
  type IdentityProvider,
  type KeyPair,
  ProtocolVersion,
  type SignatureSchemeId,
  UsageError,
  WireFormat,
} from "@mlskit/core";
import {
  type GroupPolicy,
  type GroupPolicyInput,
  type GroupServices,
  type GroupState,
  type ResumptionPskStore,
  type SuccessorGroupOptions,
  createBranch,
  createReinitGroup,
  createGroup,
  type KeyPackage,
  createKeyPackage,
  createNewMemberProposal,
  decodeKeyPackage,
  validateKeyPackage,
  decodeMlsMessage,
  defaultCapabilities,
  type ResumedGroupSource,
  type ResumptionKind,
  encodeMlsMessage,
  groupPolicy,
  joinByExternalCommit,
  joinFromWelcome,
} from "@mlskit/group";
import type { Capabilities } from "@mlskit/ratchet-tree";
import { memoryStorage } from "@mlskit/storage-memory";
import { resolveSigner } from "./defaults.js";
import { Group, type GroupHost } from "./group.js";
import { decodeKeyPackageInput } from "./key-package-input.js";
import { type NewMemberProposalOptions, type NewMemberProposalOutput, verifyGroupInfoWithTree } from "./external.js";

/** Options of {@link Client.create}. */
export interface ClientOptions {
  /** A basic credential's identity (a string is taken as UTF-8). Give this or `credential`. */
  readonly identity?: string | Uint8Array;
  /** The client's credential (§5.3), bound to its signature key. */
  readonly credential?: Credential;
  /**
   * The signature key pair of the default suite's signature scheme; a fresh
   * one is generated when absent.
   */
  readonly signatureKeyPair?: KeyPair;
  /**
   * Signature key pairs of other signature schemes, by `SignatureScheme` id
   * (e.g. `{ [SignatureScheme.ecdsa_secp256r1_sha256]: p256KeyPair }`).
   * A scheme with no key pair here gets a fresh one the first time a
   * KeyPackage or group of a suite using it is made. The same credential is
   * used with every key: with credentials that bind a key (X.509), supply
   * key pairs the credential is valid for.
   */
  readonly signatureKeyPairs?: Readonly<Partial<Record<SignatureSchemeId, KeyPair>>>;
  /** The cipher suite of this client's groups and KeyPackages (default 0x0001). */
  readonly cipherSuite?: CipherSuiteId;
  /** Default: `webCryptoProvider({ fallback: noblePrimitives() })`. */
  readonly crypto?: CryptoProvider;
  /** The Authentication Service (§5.3.1): required, there is no permissive default. */
  readonly identityProvider: IdentityProvider;
  /** The default policy of this client's groups. */
  readonly policy?: GroupPolicyInput;
  /** Advertised capabilities (default: this suite, the identity provider's credential types, the policy's custom proposals). */
  readonly capabilities?: Capabilities;
  /** Where groups, KeyPackage private keys and external PSKs are kept (default: in memory). */
  readonly storage?: Partial<ClientStorage<GroupState>>;
}

/** Options of {@link Client.createGroup}. */
export interface CreateGroupOptions {
  /** Default: a fresh random id. */
  readonly groupId?: Uint8Array;
  /** GroupContext extensions (§8.1). */
  readonly extensions?: readonly Extension[];
  /** This group's policy (default: the client's). */
  readonly policy?: GroupPolicyInput;
  /** The group's cipher suite (default: the client's); its signature scheme's key pair signs for this member. */
  readonly cipherSuite?: CipherSuiteId;
}

/** Options of {@link Client.createKeyPackage}. */
export interface KeyPackageOptions {
  /** A last-resort KeyPackage may be used more than once (§10, §16.8). */
  readonly lastResort?: boolean;
  /** Validity from now, in seconds. */
  readonly lifetimeSeconds?: number;
  /** A KeyPackage for another suite, e.g. for a ReInit; signed with the key pair of that suite's signature scheme. */
  readonly cipherSuite?: CipherSuiteId;
}

/** A KeyPackage to publish. */
export interface PublishedKeyPackage {
  /** The KeyPackage as an MLSMessage (`mls_key_package`). */
  readonly keyPackage: Uint8Array;
  /** Its KeyPackageRef (§5.2). */
  readonly reference: Uint8Array;
}

/** Where {@link Client.joinFromWelcome} finds the group a ReInit or branch Welcome resumes. */
export type ResumedGroupInput =
  | Group
  | GroupState
  | ((groupId: Uint8Array) => Group | GroupState | undefined | Promise<Group | GroupState | undefined>);

/** Options of {@link Client.joinFromWelcome}. */
export interface JoinOptions {
  /** The ratchet tree when the Welcome does not carry it. */
  readonly ratchetTree?: Uint8Array;
  readonly policy?: GroupPolicyInput;
  /**
   * The group a ReInit (§11.2) or branch (§11.3) Welcome resumes: a group,
   * a state, or a lookup by group id. Default: this client's groups (any
   * suite), looked up by the resumption PSK's group id. The Welcome is
   * checked against it (§12.4.3.1 last step) and the resumption PSK is read
   * from it.
   */
  readonly resumedGroup?: ResumedGroupInput;
  /**
   * Require a Welcome that resumes a group this way: exactly one resumption
   * PSK of usage `reinit` (§11.2) or `branch` (§11.3), whose group is found.
   */
  readonly expectResumption?: ResumptionKind;
}

/** Options of {@link Client.joinExternal}. */
export interface JoinExternalOptions {
  /** The ratchet tree when the GroupInfo does not carry it. */
  readonly ratchetTree?: Uint8Array;
  /** Rejoin a group this client is in, removing its old leaf in the same Commit (§12.4.3.2). */
  readonly resync?: boolean;
  /** External PSK ids to inject. */
  readonly psks?: readonly Uint8Array[];
  readonly authenticatedData?: Uint8Array;
  readonly policy?: GroupPolicyInput;
}

/** Options of {@link Client.reinitGroup} and {@link Client.branchGroup}. */
export interface SuccessorOptions {
  /** The new group's policy (default: the client's). */
  readonly policy?: GroupPolicyInput;
  /** Put the ratchet tree in the Welcome (default true). */
  readonly ratchetTreeInWelcome?: boolean;
}

/** What {@link Client.reinitGroup} and {@link Client.branchGroup} return. */
export interface SuccessorGroup {
  /** The new group, in epoch 1. */
  readonly group: Group;
  /** The Welcome for the other members (absent when nobody else was added). */
  readonly welcome?: Uint8Array;
}

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
  readonly #signatures = new Map<SignatureSchemeId, Promise<KeyPair>>();
  readonly #identityProvider: IdentityProvider;
  readonly #policyInput: GroupPolicyInput;
  readonly #capabilities: Capabilities | undefined;
  readonly #storage: ClientStorage<GroupState>;
  readonly #groups = new Map<string, Group>();
  readonly #services: GroupServices;

  private constructor(
    crypto: CryptoProvider,
    cs: CipherSuiteProvider,
    credential: Credential,
    signature: KeyPair,
    options: ClientOptions,
  ) {
    this.#crypto = crypto;
    this.#cs = cs;
    this.#credential = credential;
    this.#signature = signature;
    for (const [scheme, keyPair] of Object.entries(options.signatureKeyPairs ?? {})) {
      if (keyPair !== undefined) this.#signatures.set(Number(scheme) as SignatureSchemeId, Promise.resolve(keyPair));
    }
    this.#signatures.set(cs.suite.signature, Promise.resolve(signature));
    this.#identityProvider = options.identityProvider;
    this.#policyInput = options.policy ?? {};
    this.#capabilities = options.capabilities;
    const memory = memoryStorage<GroupState>();
    this.#storage = {
      groups: options.storage?.groups ?? memory.groups,
      keyPackages: options.storage?.keyPackages ?? memory.keyPackages,
      psks: options.storage?.psks ?? memory.psks,
    };
    const resumptionPsks: ResumptionPskStore = { get: (groupId, epoch) => this.#resumptionPsk(groupId, epoch) };
    this.#services = { identityProvider: this.#identityProvider, psks: this.#storage.psks, resumptionPsks };
  }

  /**
   * Creates a client: resolves the cipher suite with the provider, and
   * generates a signature key pair unless one is given.
   * @throws UsageError when neither `identity` nor `credential` is given;
   *   CryptoError `crypto/unsupported` when the provider cannot serve the suite.
   */
  static async create(options: ClientOptions): Promise<Client> {
    const { crypto, cs, credential } = await resolveSigner(options);
    const signature = options.signatureKeyPair ?? options.signatureKeyPairs?.[cs.suite.signature] ?? (await cs.signatureGenerateKeyPair());
    return new Client(crypto, cs, credential, signature, options);
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
    const kp = await this.#signatureFor(cs);
    return { publicKey: kp.publicKey.slice(), privateKey: kp.privateKey.slice() };
  }

  #signatureFor(cs: CipherSuiteProvider): Promise<KeyPair> {
    const scheme = cs.suite.signature;
    let kp = this.#signatures.get(scheme);
    if (kp === undefined) {
      kp = cs.signatureGenerateKeyPair();
      this.#signatures.set(scheme, kp);
      kp.catch(() => this.#signatures.delete(scheme));
    }
    return kp;
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
  get psks(): ClientStorage<GroupState>["psks"] {
    return this.#storage.psks;
  }

  /**
   * Creates a KeyPackage (§10) and keeps its private keys in the KeyPackage
   * store until a Welcome uses it. Publish `keyPackage`.
   */
  async createKeyPackage(options: KeyPackageOptions = {}): Promise<PublishedKeyPackage> {
    const cs = options.cipherSuite === undefined ? this.#cs : await this.#crypto.cipherSuite(options.cipherSuite);
    return (await this.#storeKeyPackage(cs, options)).published;
  }

  async #storeKeyPackage(cs: CipherSuiteProvider, options: KeyPackageOptions): Promise<{ published: PublishedKeyPackage; keyPackage: KeyPackage }> {
    const created = await this.#newKeyPackage(cs, options);
    await this.#storage.keyPackages.put(created.reference, {
      keyPackage: created.encoded,
      initPrivateKey: created.privateKeys.initPrivateKey,
      encryptionPrivateKey: created.privateKeys.encryptionPrivateKey,
      ...(options.lastResort === true ? { lastResort: true } : {}),
    });
    created.privateKeys.wipe();
    return {
      published: {
        keyPackage: encodeMlsMessage({ version: ProtocolVersion.mls10, wireFormat: WireFormat.mls_key_package, keyPackage: created.keyPackage }),
        reference: created.reference,
      },
      keyPackage: created.keyPackage,
    };
  }

  /** Creates a one-member group (§11) in epoch 0. */
  async createGroup(options: CreateGroupOptions = {}): Promise<Group> {
    const cs = options.cipherSuite === undefined ? this.#cs : await this.#crypto.cipherSuite(options.cipherSuite);
    return this.#createGroupWith(cs, options);
  }

  /**
   * Joins a group from a Welcome (§12.4.3.1) made for one of this client's
   * KeyPackages, whose private keys are then consumed.
   * @throws UsageError `usage/unknown-key-package` when no stored KeyPackage matches;
   *   ValidationError when the Welcome is invalid.
   */
  async joinFromWelcome(welcome: Uint8Array, options: JoinOptions = {}): Promise<Group> {
    const m = decodeMlsMessage(welcome);
    if (m.wireFormat !== WireFormat.mls_welcome) throw new UsageError("usage/not-a-welcome", "the message is not a Welcome");
    let ref: Uint8Array | undefined;
    let material;
    for (const entry of m.welcome.secrets) {
      material = await this.#storage.keyPackages.get(entry.newMember);
      if (material !== undefined) {
        ref = entry.newMember;
        break;
      }
    }
    if (material === undefined || ref === undefined) {
      throw new UsageError("usage/unknown-key-package", "the Welcome is for none of this client's stored KeyPackages");
    }
    const cs = await this.#crypto.cipherSuite(m.welcome.cipherSuite);
    const keyPackage = decodeKeyPackage(material.keyPackage);
    const signature = await this.#signatureFor(cs);
    if (!bytesEqual(signature.publicKey, keyPackage.leafNode.signatureKey)) {
      throw new UsageError("usage/signature-key-mismatch", "the KeyPackage was signed with a key this client no longer holds");
    }
    // §12.4.3.1: the group id must be new among the groups this client is in. A group frozen by a
    // merged ReInit (§11.2) no longer counts: its successor may keep its id.
    const existingGroupIds = [...this.#groups.values()].filter((g) => g.active && g.reinit === undefined).map((g) => g.groupId);
    let resumed: GroupState | undefined;
    const lookup = options.resumedGroup;
    const resumedGroup: ResumedGroupSource = async (groupId: Uint8Array) => {
      let found: Group | GroupState | undefined;
      if (lookup === undefined) found = await this.getGroup(groupId);
      else if (typeof lookup === "function") found = await lookup(groupId);
      else found = lookup;
      const state = found instanceof Group ? found.state : found;
      resumed = state;
      return state;
    };
    const state = await joinFromWelcome({
      cs,
      welcome: m.welcome,
      keyPackage,
      initPrivateKey: material.initPrivateKey,
      encryptionPrivateKey: material.encryptionPrivateKey,
      signaturePrivateKey: signature.privateKey,
      services: this.#services,
      policy: this.#policy(options.policy),
      existingGroupIds,
      // A reinit/branch Welcome is checked against the group it resumes (§11.2, §11.3, §12.4.3.1).
      resumedGroup,
      ...(options.expectResumption !== undefined ? { expectResumption: options.expectResumption } : {}),
      ...(options.ratchetTree !== undefined ? { ratchetTree: options.ratchetTree } : {}),
    });
    await this.#storage.keyPackages.take(ref);
    if (resumed?.reinit !== undefined && bytesEqual(resumed.reinit.groupId, state.groupContext.groupId)) await this.#retire(resumed);
    return this.#adopt(state);
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
    const existing = this.#groups.get(toHex(state.groupContext.groupId));
    if (existing !== undefined && existing.state !== state && existing.active && existing.reinit === undefined) {
      throw new UsageError("usage/duplicate-group", "the client already holds a group with this id");
    }
    return this.#adopt(state);
  }

  /**
   * Proposes adding this client to a group it is not in (a
   * `new_member_proposal`, §12.1.8), from the group's GroupInfo (an
   * MLSMessage). A fresh KeyPackage of the group's suite is made and kept:
   * once a member commits the proposal, join with the Welcome as usual
   * ({@link joinFromWelcome}). When the ratchet tree is known (in the
   * GroupInfo or `ratchetTree`) the GroupInfo's signature is verified first.
   * @throws UsageError `usage/not-a-group-info`; ValidationError when the
   *   GroupInfo's signature or tree hash does not verify.
   */
  async proposeAsNewMember(groupInfo: Uint8Array, options: NewMemberProposalOptions = {}): Promise<NewMemberProposalOutput> {
    const m = decodeMlsMessage(groupInfo);
    if (m.wireFormat !== WireFormat.mls_group_info) throw new UsageError("usage/not-a-group-info", "the message is not a GroupInfo");
    const cs = await this.#crypto.cipherSuite(m.groupInfo.groupContext.cipherSuite);
    // Checked before a KeyPackage is stored for it.
    await verifyGroupInfoWithTree(cs, m.groupInfo, options.ratchetTree);
    const { published, keyPackage } = await this.#storeKeyPackage(cs, {});
    const signature = await this.#signatureFor(cs);
    const created = await createNewMemberProposal({
      cs,
      groupId: m.groupInfo.groupContext.groupId,
      epoch: m.groupInfo.groupContext.epoch,
      keyPackage,
      signaturePrivateKey: signature.privateKey,
      ...(options.authenticatedData !== undefined ? { authenticatedData: options.authenticatedData } : {}),
    });
    return { message: created.message, ref: created.ref, proposal: created.proposal, keyPackage: published };
  }

  /**
   * Joins a group by external Commit (§12.4.3.2) from a GroupInfo with
   * `external_pub`. The new group is usable at once; send `commit` to the
   * group, and call `discardPendingCommit()` on the group if the Delivery
   * Service rejects it (then join again from a fresh GroupInfo).
   */
  async joinExternal(groupInfo: Uint8Array, options: JoinExternalOptions = {}): Promise<{ readonly group: Group; readonly commit: Uint8Array }> {
    const m = decodeMlsMessage(groupInfo);
    if (m.wireFormat !== WireFormat.mls_group_info) throw new UsageError("usage/not-a-group-info", "the message is not a GroupInfo");
    const gc = m.groupInfo.groupContext;
    const cs = await this.#crypto.cipherSuite(gc.cipherSuite);
    let removeOwnLeaf;
    const old = this.#groups.get(toHex(gc.groupId));
    if (options.resync === true) {
      if (old === undefined) throw new UsageError("usage/unknown-group", "resync needs the group this client was in");
      removeOwnLeaf = old.ownLeafIndex;
    }
    const signature = await this.#signatureFor(cs);
    const { commit, state } = await joinByExternalCommit({
      cs,
      groupInfo: m.groupInfo,
      credential: this.#credential,
      signaturePrivateKey: signature.privateKey,
      signaturePublicKey: signature.publicKey,
      capabilities: this.#capabilitiesFor(cs.suite.id),
      services: this.#services,
      policy: this.#policy(options.policy),
      ...(options.ratchetTree !== undefined ? { ratchetTree: options.ratchetTree } : {}),
      ...(removeOwnLeaf !== undefined ? { removeOwnLeaf } : {}),
      ...(options.authenticatedData !== undefined ? { authenticatedData: options.authenticatedData } : {}),
      ...(options.psks !== undefined
        ? { psks: options.psks.map((pskId) => ({ psktype: 1 as const, pskId, pskNonce: cs.randomBytes(cs.hashLength) })) }
        : {}),
    });
    return { group: await this.#adopt(state, commit), commit };
  }

  /** The group with this id, from memory or from the group store. */
  async getGroup(groupId: Uint8Array): Promise<Group | undefined> {
    const key = toHex(groupId);
    const g = this.#groups.get(key);
    if (g !== undefined) return g;
    const state = await this.#storage.groups.get(groupId);
    if (state === undefined) return undefined;
    const group = new Group(this.#host(state.cs), state);
    this.#groups.set(key, group);
    return group;
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
  async reinitGroup(old: Group, keyPackages: readonly Uint8Array[], options: SuccessorOptions = {}): Promise<SuccessorGroup> {
    const reinit = old.reinit;
    if (reinit === undefined) throw new UsageError("usage/no-reinit", "the group has no merged ReInit (RFC 9420 §11.2)");
    const cs = await this.#crypto.cipherSuite(reinit.cipherSuite);
    const base = await this.#successorBase(cs, keyPackages, options);
    const created = await createReinitGroup(old.state, cs, base);
    if (bytesEqual(old.state.groupContext.groupId, created.state.groupContext.groupId)) await this.#retire(old.state);
    const group = await this.#adopt(created.state);
    if (!bytesEqual(old.state.groupContext.groupId, created.state.groupContext.groupId)) await this.#retire(old.state);
    return { group, ...(created.welcome !== undefined ? { welcome: created.welcome } : {}) };
  }

  /**
   * Branches a group (§11.3): a new group (epoch 1) of this client and the
   * members of `keyPackages`, linked by a resumption PSK of usage `branch`
   * of the group's current epoch. Send `welcome` to them.
   */
  async branchGroup(
    parent: Group,
    keyPackages: readonly Uint8Array[],
    options: SuccessorOptions & { readonly groupId?: Uint8Array; readonly extensions?: readonly Extension[] } = {},
  ): Promise<SuccessorGroup> {
    const cs = parent.state.cs;
    const base = await this.#successorBase(cs, keyPackages, options);
    const created = await createBranch(parent.state, {
      ...base,
      ...(options.groupId !== undefined ? { groupId: options.groupId } : {}),
      ...(options.extensions !== undefined ? { extensions: options.extensions } : {}),
    });
    return { group: await this.#adopt(created.state), ...(created.welcome !== undefined ? { welcome: created.welcome } : {}) };
  }

  async #successorBase(cs: CipherSuiteProvider, keyPackages: readonly Uint8Array[], options: SuccessorOptions): Promise<SuccessorGroupOptions> {
    const own = await this.#newKeyPackage(cs, {});
    const signature = await this.#signatureFor(cs);
    const validated = await Promise.all(
      keyPackages.map(async (bytes) => (await validateKeyPackage(cs, decodeKeyPackageInput(bytes), { identityProvider: this.#identityProvider })).keyPackage),
    );
    return {
      leafNode: own.keyPackage.leafNode,
      encryptionPrivateKey: own.privateKeys.encryptionPrivateKey,
      signaturePrivateKey: signature.privateKey,
      keyPackages: validated,
      services: this.#services,
      policy: this.#policy(options.policy),
      ...(options.ratchetTreeInWelcome !== undefined ? { ratchetTreeInWelcome: options.ratchetTreeInWelcome } : {}),
    };
  }

  async #createGroupWith(cs: CipherSuiteProvider, options: CreateGroupOptions): Promise<Group> {
    const created = await this.#newKeyPackage(cs, {});
    const signature = await this.#signatureFor(cs);
    const state = await createGroup({
      cs,
      leafNode: created.keyPackage.leafNode,
      encryptionPrivateKey: created.privateKeys.encryptionPrivateKey,
      signaturePrivateKey: signature.privateKey,
      services: this.#services,
      policy: this.#policy(options.policy),
      ...(options.groupId !== undefined ? { groupId: options.groupId } : {}),
      ...(options.extensions !== undefined ? { extensions: options.extensions } : {}),
    });
    return this.#adopt(state);
  }

  async #newKeyPackage(cs: CipherSuiteProvider, options: KeyPackageOptions): ReturnType<typeof createKeyPackage> {
    const signature = await this.#signatureFor(cs);
    return createKeyPackage({
      cs,
      credential: this.#credential,
      signaturePrivateKey: signature.privateKey,
      signaturePublicKey: signature.publicKey,
      capabilities: this.#capabilitiesFor(cs.suite.id),
      ...(options.lastResort === true ? { lastResort: true } : {}),
      ...(options.lifetimeSeconds !== undefined ? { lifetimeSeconds: options.lifetimeSeconds } : {}),
    });
  }

  #capabilitiesFor(suite: CipherSuiteId): Capabilities {
    if (this.#capabilities !== undefined) return this.#capabilities;
    const credentials = [...new Set([this.#credential.credentialType, ...this.#identityProvider.supportedCredentialTypes()])];
    const proposals = (this.#policyInput.customProposals ?? []).map((h) => h.proposalType);
    return defaultCapabilities({ cipherSuites: [...new Set([this.#cs.suite.id, suite])], credentials, proposals });
  }

  #policy(input: GroupPolicyInput | undefined): GroupPolicy {
    return groupPolicy({ ...this.#policyInput, ...input });
  }

  async #adopt(state: GroupState, externalCommit?: Uint8Array): Promise<Group> {
    const group = new Group(this.#host(state.cs), state, externalCommit);
    this.#groups.set(toHex(state.groupContext.groupId), group);
    await this.#storage.groups.put(state.groupContext.groupId, state.groupContext.epoch, state);
    return group;
  }

  /**
   * Retires a group frozen by a merged ReInit once its successor exists
   * (§11.2): it leaves the client's map and store. (A successor keeping the
   * group id simply replaces it there.) The `Group` object stays readable.
   */
  async #retire(old: GroupState): Promise<void> {
    const key = toHex(old.groupContext.groupId);
    if (this.#groups.get(key)?.state !== old) return;
    this.#groups.delete(key);
    await this.#storage.groups.delete(old.groupContext.groupId);
  }

  #host(cs: CipherSuiteProvider): GroupHost {
    return {
      cs,
      identityProvider: this.#identityProvider,
      persist: (state) => this.#storage.groups.put(state.groupContext.groupId, state.groupContext.epoch, state),
      closed: async (groupId) => {
        await this.#storage.groups.delete(groupId);
      },
    };
  }

  /** Resumption PSKs of this client's groups (§8.6), for ReInit and branch joins. */
  #resumptionPsk(groupId: Uint8Array, epoch: bigint): Uint8Array | undefined {
    const g = this.#groups.get(toHex(groupId));
    if (g === undefined) return undefined;
    const s = g.state;
    if (!bytesEqual(s.groupContext.groupId, groupId)) return undefined;
    if (s.groupContext.epoch === epoch) return s.keys.resumptionPsk;
    return s.resumptionPsks.get(epoch);
  }
}
