/**
 * The `MLSClient` service of the MLS WG interop runner, on the `@mlskit/mls`
 * facade. One object serves every RPC and keeps, by id:
 *
 * - states: one member's view of one group (a facade `Group`), handed out by
 *   CreateGroup, JoinGroup, ExternalJoin, ReInitWelcome, HandleReInitWelcome,
 *   CreateBranch and HandleBranch; the id stays the same across epochs;
 * - transactions: a KeyPackage waiting for its Welcome (CreateKeyPackage,
 *   NewMemberAddProposal);
 * - reinits: a member's part of a reinitialization, between the Commit
 *   covering the ReInit and the new group's Welcome;
 * - signers: external senders (CreateExternalSigner).
 *
 * All ids come from one counter starting at 1, so a StorePSK id is never
 * ambiguous. Clients are kept per identity: one facade `Client` holds a
 * member's KeyPackages and groups of every cipher suite, with one signature
 * key per signature scheme (ReInit and branch joins find the resumed group
 * there, or are given it).
 */
import { decode, toHex } from "@mlskit/codec";
import {
  BasicIdentityProvider,
  type ClientStore,
  type CryptoProvider,
  type Extension,
  type IdentityProvider,
  UsageError,
  WireFormat,
  acceptAll,
} from "@mlskit/core";
import { type GroupInfo, type GroupPolicyInput, decodeKeyPackageMaterial, decodeMlsMessage, externalSenderCodec } from "@mlskit/group";
import { Client, ExternalSigner, type Group, type ProposalSpec, type PublishedKeyPackage } from "@mlskit/mls";
import { memoryStore } from "@mlskit/storage-memory";
import { InteropError, invalidRequest, notFound } from "./errors.js";
import * as grpc from "@grpc/grpc-js";

/** Bytes as they arrive from proto-loader (Buffer) or anything array-like. */
type Bytes = Uint8Array;
type Msg = Record<string, unknown>;

/** A `mls_client.Extension` message. */
interface ExtensionMsg {
  extension_type: number;
  extension_data: Bytes;
}

/** A `mls_client.ProposalDescription` message. */
interface ProposalDescriptionMsg {
  proposal_type: Bytes;
  key_package: Bytes;
  removed_id: Bytes;
  psk_id: Bytes;
  epoch_id: string | number;
  extensions: ExtensionMsg[];
  group_id: Bytes;
  cipher_suite: number;
}

const EMPTY = new Uint8Array(0);
const ALL_SUITES = [1, 2, 3, 4, 5, 6, 7] as const;

/** A copy as a plain Uint8Array (proto-loader hands out Buffers, whose `slice` shares memory). */
function b(x: unknown): Uint8Array {
  if (x instanceof Uint8Array) return new Uint8Array(x);
  if (x === undefined || x === null) return new Uint8Array(0);
  throw invalidRequest("expected bytes");
}
const text = (x: Uint8Array) => new TextDecoder().decode(x);
const nonEmpty = (x: unknown): Uint8Array | undefined => {
  const v = b(x);
  return v.length > 0 ? v : undefined;
};
const extensionsOf = (list: readonly ExtensionMsg[] | undefined): Extension[] =>
  (list ?? []).map((e) => ({ extensionType: e.extension_type, extensionData: b(e.extension_data) }));
const u64 = (v: string | number | bigint | undefined): bigint => BigInt(v ?? 0);

/**
 * A proposal description of the runner, as the facade takes it: a by-value
 * proposal of a Commit, or an external sender's proposal. A ReInit with
 * cipher_suite 0 gets `defaultSuite` (none: the facade's default).
 */
function proposalSpecOf(d: ProposalDescriptionMsg, defaultSuite: number | undefined): ProposalSpec {
  const type = text(b(d.proposal_type));
  switch (type) {
    case "add":
      return { add: b(d.key_package) };
    case "remove":
      return { remove: b(d.removed_id) };
    case "externalPSK":
      return { psk: b(d.psk_id) };
    case "resumptionPSK":
      return { resumptionPsk: { epoch: u64(d.epoch_id) } };
    case "groupContextExtensions":
      return { groupContextExtensions: extensionsOf(d.extensions) };
    case "reinit": {
      const groupId = nonEmpty(d.group_id);
      const cipherSuite = d.cipher_suite ? d.cipher_suite : defaultSuite;
      return {
        reinit: {
          ...(groupId !== undefined ? { groupId } : {}),
          ...(cipherSuite !== undefined ? { cipherSuite } : {}),
          extensions: extensionsOf(d.extensions),
        },
      };
    }
    default:
      throw invalidRequest(`unknown proposal_type "${type}"`);
  }
}

/** One client of the server: a credential for `identity`, for every cipher suite. */
interface ClientEntry {
  readonly client: Client;
  readonly identity: Uint8Array;
  readonly storage: ClientStore;
}

/** One member's state of one group. */
interface StateEntry {
  readonly id: number;
  readonly owner: ClientEntry;
  readonly group: Group;
  readonly encrypt: boolean;
}

interface TransactionEntry {
  readonly owner: ClientEntry;
  readonly keyPackage: PublishedKeyPackage;
}

interface ReinitEntry {
  readonly old: StateEntry;
  readonly owner: ClientEntry;
  /** This member's KeyPackage for the new group's cipher suite. */
  readonly keyPackage: PublishedKeyPackage;
}

/** Options of {@link MlsInteropClient}. */
export interface InteropClientOptions {
  readonly crypto: CryptoProvider;
  /** Reported by the Name RPC. */
  readonly name?: string;
  /** Default: basic credentials, any identity accepted (the runner uses basic credentials). */
  readonly identityProvider?: IdentityProvider;
  /**
   * Credential types the clients list in their capabilities besides basic
   * (e.g. x509 = 2): groups created by other stacks may require them in
   * `required_capabilities` although every member uses basic credentials.
   */
  readonly advertisedCredentialTypes?: readonly number[];
}

/**
 * The implementation of every `MLSClient` RPC. Each method takes the
 * request message (proto-loader's plain object, snake_case fields) and
 * returns the response message; errors are thrown and mapped to gRPC
 * statuses by the server.
 */
export class MlsInteropClient {
  readonly #crypto: CryptoProvider;
  readonly #name: string;
  readonly #identityProvider: IdentityProvider;
  readonly #advertisedCredentialTypes: readonly number[];
  #nextId = 1;
  readonly #clients = new Map<string, Promise<ClientEntry>>();
  readonly #states = new Map<number, StateEntry>();
  readonly #transactions = new Map<number, TransactionEntry>();
  readonly #reinits = new Map<number, ReinitEntry>();
  readonly #signers = new Map<number, ExternalSigner>();
  /** PSKs stored for id 0 (a client that holds no state nor transaction yet): every client of this server sees them. */
  readonly #sharedPsks = memoryStore();

  constructor(options: InteropClientOptions) {
    this.#crypto = options.crypto;
    this.#name = options.name ?? "mlskit";
    this.#identityProvider = options.identityProvider ?? new BasicIdentityProvider({ policy: acceptAll });
    this.#advertisedCredentialTypes = options.advertisedCredentialTypes ?? [];
  }

  // ---------------------------------------------------------------- registry

  #id(): number {
    return this.#nextId++;
  }

  #state(id: number): StateEntry {
    const s = this.#states.get(id);
    if (s === undefined) throw notFound("state", id);
    return s;
  }

  #transaction(id: number): TransactionEntry {
    const t = this.#transactions.get(id);
    if (t === undefined) throw notFound("transaction", id);
    return t;
  }

  #addState(owner: ClientEntry, group: Group, encrypt: boolean): StateEntry {
    const entry: StateEntry = { id: this.#id(), owner, group, encrypt };
    this.#states.set(entry.id, entry);
    return entry;
  }

  /** The client of `identity` (for every suite; `suite` is its default when it is created), created on first use. */
  #clientFor(identity: Uint8Array, suite: number): Promise<ClientEntry> {
    if (identity.length === 0) throw invalidRequest("identity is empty");
    const key = toHex(identity);
    let entry = this.#clients.get(key);
    if (entry === undefined) {
      entry = this.#newClient(identity, suite);
      this.#clients.set(key, entry);
      entry.catch(() => this.#clients.delete(key));
    }
    return entry;
  }

  async #newClient(identity: Uint8Array, suite: number): Promise<ClientEntry> {
    const own = memoryStore();
    const shared = this.#sharedPsks;
    // The client's own store, whose PSK lookups fall back to the PSKs every client of this server sees.
    const storage = new Proxy(own, {
      get(target, prop) {
        if (prop === "getPsk") return async (id: Uint8Array) => (await target.getPsk(id)) ?? (await shared.getPsk(id));
        const v = Reflect.get(target, prop, target) as unknown;
        return typeof v === "function" ? (v as (...a: unknown[]) => unknown).bind(target) : v;
      },
    });
    const client = await Client.create({
      identity,
      cipherSuite: suite,
      crypto: this.#crypto,
      identityProvider: this.#identityProvider,
      advertisedCredentialTypes: this.#advertisedCredentialTypes,
      storage,
    });
    return { client, identity, storage };
  }

  #policy(encrypt: boolean): GroupPolicyInput {
    return { handshakeWireFormat: encrypt ? "private" : "public" };
  }

  async #keyPackageMaterial(owner: ClientEntry, kp: PublishedKeyPackage) {
    const stored = await owner.storage.getKeyPackage(kp.reference);
    if (stored === undefined) throw new InteropError(grpc.status.FAILED_PRECONDITION, "interop/key-package-used", "the KeyPackage was already used");
    return decodeKeyPackageMaterial(stored.data);
  }

  /** Processes the proposals (MLSMessage bytes) a Commit references (the facade knows those this state sent or saw). */
  async #absorbProposals(st: StateEntry, messages: readonly unknown[] | undefined): Promise<void> {
    for (const raw of messages ?? []) {
      const r = await st.group.processIncoming(b(raw));
      if (r.kind !== "proposal") throw invalidRequest(`a proposal by reference is a ${r.kind} message`);
    }
  }

  async #proposal(create: Promise<{ readonly message: Uint8Array }>): Promise<Msg> {
    return { proposal: (await create).message };
  }

  #groupInfoOf(bytes: Uint8Array): GroupInfo {
    const m = decodeMlsMessage(bytes);
    if (m.wireFormat !== WireFormat.mls_group_info) throw invalidRequest("group_info is not a GroupInfo MLSMessage");
    return m.groupInfo;
  }

  /** The member response of the join RPCs. */
  #joined(st: StateEntry): Msg {
    return { state_id: st.id, epoch_authenticator: st.group.epochAuthenticator };
  }

  // ------------------------------------------------------------ identity RPCs

  async Name(): Promise<Msg> {
    return { name: this.#name };
  }

  async SupportedCiphersuites(): Promise<Msg> {
    const ciphersuites: number[] = [];
    for (const id of ALL_SUITES) {
      try {
        await this.#crypto.cipherSuite(id);
        ciphersuites.push(id);
      } catch {
        // Not served by this provider.
      }
    }
    return { ciphersuites };
  }

  // ----------------------------------------------------------- joining RPCs

  async CreateGroup(req: Msg): Promise<Msg> {
    const suite = req.cipher_suite as number;
    const owner = await this.#clientFor(b(req.identity), suite);
    const encrypt = req.encrypt_handshake === true;
    const groupId = nonEmpty(req.group_id);
    const group = await owner.client.createGroup({ ...(groupId !== undefined ? { groupId } : {}), cipherSuite: suite, policy: this.#policy(encrypt) });
    return { state_id: this.#addState(owner, group, encrypt).id };
  }

  async CreateKeyPackage(req: Msg): Promise<Msg> {
    const suite = req.cipher_suite as number;
    const owner = await this.#clientFor(b(req.identity), suite);
    const keyPackage = await owner.client.createKeyPackage({ cipherSuite: suite });
    const material = await this.#keyPackageMaterial(owner, keyPackage);
    const id = this.#id();
    this.#transactions.set(id, { owner, keyPackage });
    return {
      transaction_id: id,
      key_package: keyPackage.keyPackage,
      init_priv: material.initPrivateKey,
      encryption_priv: material.encryptionPrivateKey,
      signature_priv: (await owner.client.signatureKeyPair(suite)).privateKey,
    };
  }

  async JoinGroup(req: Msg): Promise<Msg> {
    const tx = this.#transaction(req.transaction_id as number);
    const encrypt = req.encrypt_handshake === true;
    const ratchetTree = nonEmpty(req.ratchet_tree);
    const group = await tx.owner.client.joinFromWelcome(b(req.welcome), {
      ...(ratchetTree !== undefined ? { ratchetTree } : {}),
      policy: this.#policy(encrypt),
    });
    this.#transactions.delete(req.transaction_id as number);
    return this.#joined(this.#addState(tx.owner, group, encrypt));
  }

  async ExternalJoin(req: Msg): Promise<Msg> {
    const giBytes = b(req.group_info);
    const gi = this.#groupInfoOf(giBytes);
    const owner = await this.#clientFor(b(req.identity), gi.groupContext.cipherSuite);
    const encrypt = req.encrypt_handshake === true;
    const psks: Uint8Array[] = [];
    for (const p of (req.psks as { psk_id: Bytes; psk_secret: Bytes }[] | undefined) ?? []) {
      const id = b(p.psk_id);
      await owner.client.psks.put(id, b(p.psk_secret));
      psks.push(id);
    }
    const ratchetTree = nonEmpty(req.ratchet_tree);
    const { group, commit } = await owner.client.joinExternal(giBytes, {
      ...(ratchetTree !== undefined ? { ratchetTree } : {}),
      resync: req.remove_prior === true,
      ...(psks.length > 0 ? { psks } : {}),
      policy: this.#policy(encrypt),
    });
    // The runner plays the Delivery Service and never hands the joiner its own Commit back: it is accepted.
    await group.confirmPendingCommit();
    const st = this.#addState(owner, group, encrypt);
    return { state_id: st.id, commit, epoch_authenticator: group.epochAuthenticator };
  }

  // ------------------------------------------------------------- state RPCs

  async GroupInfo(req: Msg): Promise<Msg> {
    const st = this.#state(req.state_id as number);
    const external = req.external_tree === true;
    const groupInfo = await st.group.groupInfo({ withRatchetTree: !external, withExternalPub: true });
    return { group_info: groupInfo, ratchet_tree: external ? st.group.ratchetTree() : EMPTY };
  }

  async StateAuth(req: Msg): Promise<Msg> {
    return { state_auth_secret: this.#state(req.state_id as number).group.epochAuthenticator };
  }

  async Export(req: Msg): Promise<Msg> {
    const st = this.#state(req.state_id as number);
    const secret = await st.group.export(String(req.label ?? ""), b(req.context), req.key_length as number);
    return { exported_secret: secret };
  }

  async Protect(req: Msg): Promise<Msg> {
    const st = this.#state(req.state_id as number);
    const ciphertext = await st.group.encrypt(b(req.plaintext), { authenticatedData: b(req.authenticated_data) });
    return { ciphertext };
  }

  async Unprotect(req: Msg): Promise<Msg> {
    const st = this.#state(req.state_id as number);
    const r = await st.group.processIncoming(b(req.ciphertext));
    if (r.kind !== "application") throw invalidRequest(`the ciphertext is a ${r.kind} message, not application data`);
    return { authenticated_data: r.authenticatedData, plaintext: r.data };
  }

  async StorePSK(req: Msg): Promise<Msg> {
    const id = req.state_or_transaction_id as number;
    const pskId = b(req.psk_id);
    const secret = b(req.psk_secret);
    if (id === 0) {
      await this.#sharedPsks.putPsk(pskId, secret);
      return {};
    }
    const owner = this.#states.get(id)?.owner ?? this.#transactions.get(id)?.owner ?? this.#reinits.get(id)?.owner;
    if (owner === undefined) throw notFound("state or transaction", id);
    await owner.client.psks.put(pskId, secret);
    return {};
  }

  // ---------------------------------------------------------- proposal RPCs

  async AddProposal(req: Msg): Promise<Msg> {
    const st = this.#state(req.state_id as number);
    return this.#proposal(st.group.proposeAdd(b(req.key_package)));
  }

  async UpdateProposal(req: Msg): Promise<Msg> {
    const st = this.#state(req.state_id as number);
    return this.#proposal(st.group.proposeUpdate());
  }

  async RemoveProposal(req: Msg): Promise<Msg> {
    const st = this.#state(req.state_id as number);
    return this.#proposal(st.group.proposeRemove(b(req.removed_id)));
  }

  async ExternalPSKProposal(req: Msg): Promise<Msg> {
    const st = this.#state(req.state_id as number);
    return this.#proposal(st.group.proposePsk(b(req.psk_id)));
  }

  async ResumptionPSKProposal(req: Msg): Promise<Msg> {
    const st = this.#state(req.state_id as number);
    return this.#proposal(st.group.propose({ resumptionPsk: { epoch: u64(req.epoch_id as string) } }));
  }

  async GroupContextExtensionsProposal(req: Msg): Promise<Msg> {
    const st = this.#state(req.state_id as number);
    return this.#proposal(st.group.proposeGroupContextExtensions(extensionsOf(req.extensions as ExtensionMsg[])));
  }

  // ------------------------------------------------------------ commit RPCs

  async Commit(req: Msg): Promise<Msg> {
    const st = this.#state(req.state_id as number);
    const byReference = ((req.by_reference as unknown[] | undefined) ?? []).map(b);
    const proposals = ((req.by_value as ProposalDescriptionMsg[] | undefined) ?? []).map((d) => proposalSpecOf(d, st.group.cipherSuite));
    const external = req.external_tree === true;
    // Exactly the proposals the runner names are committed by reference (new ones are processed first).
    const out = await st.group.commit({ byReference, proposals, forcePath: req.force_path === true, ratchetTreeInWelcome: !external });
    // The tree of the new epoch (what the Welcome's joiners need when it travels beside the Welcome).
    const tree = external ? (out.ratchetTree ?? st.group.pendingRatchetTree() ?? EMPTY) : EMPTY;
    return { commit: out.commit, welcome: out.welcome ?? EMPTY, ratchet_tree: tree };
  }

  async HandleCommit(req: Msg): Promise<Msg> {
    const st = this.#state(req.state_id as number);
    await this.#absorbProposals(st, req.proposal as unknown[]);
    const r = await st.group.processIncoming(b(req.commit));
    if (r.kind === "commit") await r.staged.merge();
    else if (r.kind !== "own-commit") throw invalidRequest(`the message is a ${r.kind} message, not a Commit`);
    return this.#joined(st);
  }

  async HandlePendingCommit(req: Msg): Promise<Msg> {
    const st = this.#state(req.state_id as number);
    await st.group.confirmPendingCommit();
    return this.#joined(st);
  }

  // ------------------------------------------------------------ ReInit RPCs

  async ReInitProposal(req: Msg): Promise<Msg> {
    const st = this.#state(req.state_id as number);
    const groupId = nonEmpty(req.group_id);
    const suite = (req.cipher_suite as number) || st.group.cipherSuite;
    return this.#proposal(
      st.group.proposeReInit({ ...(groupId !== undefined ? { groupId } : {}), cipherSuite: suite, extensions: extensionsOf(req.extensions as ExtensionMsg[]) }),
    );
  }

  ReInitCommit(req: Msg): Promise<Msg> {
    return this.Commit(req);
  }

  async HandlePendingReInitCommit(req: Msg): Promise<Msg> {
    const st = this.#state(req.state_id as number);
    await st.group.confirmPendingCommit();
    return this.#reinitStarted(st);
  }

  async HandleReInitCommit(req: Msg): Promise<Msg> {
    const st = this.#state(req.state_id as number);
    await this.HandleCommit(req);
    return this.#reinitStarted(st);
  }

  /** After the Commit covering a ReInit (§11.2): a KeyPackage for the new group, under a reinit id. */
  async #reinitStarted(st: StateEntry): Promise<Msg> {
    const reinit = st.group.reinit;
    if (reinit === undefined) throw new UsageError("usage/no-reinit", "the Commit carried no ReInit proposal (RFC 9420 §11.2)");
    const owner = st.owner;
    const keyPackage = await owner.client.createKeyPackage({ cipherSuite: reinit.cipherSuite });
    const id = this.#id();
    this.#reinits.set(id, { old: st, owner, keyPackage });
    return { reinit_id: id, key_package: keyPackage.keyPackage, epoch_authenticator: st.group.epochAuthenticator };
  }

  #reinit(id: number): ReinitEntry {
    const r = this.#reinits.get(id);
    if (r === undefined) throw notFound("reinit", id);
    return r;
  }

  /** The new group of a ReInit (§11.2 step 3), created by this member's client for the new suite. */
  async ReInitWelcome(req: Msg): Promise<Msg> {
    const ri = this.#reinit(req.reinit_id as number);
    const external = req.external_tree === true;
    // force_path: the first Commit of a successor group always has a path (§11.2).
    const next = await ri.owner.client.reinitGroup(ri.old.group, ((req.key_package as unknown[] | undefined) ?? []).map(b), {
      policy: this.#policy(ri.old.encrypt),
      ratchetTreeInWelcome: !external,
    });
    // This member's KeyPackage of HandleReInitCommit is not needed: the new group has a fresh leaf.
    await ri.owner.storage.deleteKeyPackage(ri.keyPackage.reference);
    this.#reinits.delete(req.reinit_id as number);
    const st = this.#addState(ri.owner, next.group, ri.old.encrypt);
    return {
      state_id: st.id,
      welcome: next.welcome ?? EMPTY,
      ratchet_tree: external ? st.group.ratchetTree() : EMPTY,
      epoch_authenticator: st.group.epochAuthenticator,
    };
  }

  /** Joins the new group of a ReInit (§11.2), checked against the reinitialized group. */
  async HandleReInitWelcome(req: Msg): Promise<Msg> {
    const ri = this.#reinit(req.reinit_id as number);
    const ratchetTree = nonEmpty(req.ratchet_tree);
    const group = await ri.owner.client.joinFromWelcome(b(req.welcome), {
      ...(ratchetTree !== undefined ? { ratchetTree } : {}),
      policy: this.#policy(ri.old.encrypt),
      // §11.2, §12.4.3.1: the Welcome must resume exactly the reinitialized group.
      resumedGroup: ri.old.group,
      expectResumption: "reinit",
    });
    this.#reinits.delete(req.reinit_id as number);
    return this.#joined(this.#addState(ri.owner, group, ri.old.encrypt));
  }

  // ------------------------------------------------------------ branch RPCs

  async CreateBranch(req: Msg): Promise<Msg> {
    const st = this.#state(req.state_id as number);
    const groupId = nonEmpty(req.group_id);
    const external = req.external_tree === true;
    const branch = await st.owner.client.branchGroup(st.group, ((req.key_packages as unknown[] | undefined) ?? []).map(b), {
      ...(groupId !== undefined ? { groupId } : {}),
      extensions: extensionsOf(req.extensions as ExtensionMsg[]),
      // force_path: the first Commit of a successor group always has a path (§11.3).
      ratchetTreeInWelcome: !external,
      policy: this.#policy(st.encrypt),
    });
    const out = this.#addState(st.owner, branch.group, st.encrypt);
    return {
      state_id: out.id,
      welcome: branch.welcome ?? EMPTY,
      ratchet_tree: external ? branch.group.ratchetTree() : EMPTY,
      epoch_authenticator: branch.group.epochAuthenticator,
    };
  }

  /** Joins a branch (§11.3), checked against the parent state the runner names (§12.4.3.1). */
  async HandleBranch(req: Msg): Promise<Msg> {
    const st = this.#state(req.state_id as number);
    const tx = this.#transaction(req.transaction_id as number);
    const ratchetTree = nonEmpty(req.ratchet_tree);
    const group = await tx.owner.client.joinFromWelcome(b(req.welcome), {
      ...(ratchetTree !== undefined ? { ratchetTree } : {}),
      policy: this.#policy(st.encrypt),
      resumedGroup: st.group,
      expectResumption: "branch",
    });
    this.#transactions.delete(req.transaction_id as number);
    return this.#joined(this.#addState(tx.owner, group, st.encrypt));
  }

  // -------------------------------------------------- external proposal RPCs

  async NewMemberAddProposal(req: Msg): Promise<Msg> {
    const giBytes = b(req.group_info);
    const suite = this.#groupInfoOf(giBytes).groupContext.cipherSuite;
    const owner = await this.#clientFor(b(req.identity), suite);
    const created = await owner.client.proposeAsNewMember(giBytes);
    const material = await this.#keyPackageMaterial(owner, created.keyPackage);
    const id = this.#id();
    this.#transactions.set(id, { owner, keyPackage: created.keyPackage });
    return {
      transaction_id: id,
      proposal: created.message,
      init_priv: material.initPrivateKey,
      encryption_priv: material.encryptionPrivateKey,
      signature_priv: (await owner.client.signatureKeyPair(suite)).privateKey,
    };
  }

  async CreateExternalSigner(req: Msg): Promise<Msg> {
    const signer = await ExternalSigner.create({
      identity: b(req.identity),
      cipherSuite: req.cipher_suite as number,
      crypto: this.#crypto,
      identityProvider: this.#identityProvider,
    });
    const id = this.#id();
    this.#signers.set(id, signer);
    return { signer_id: id, external_sender: signer.externalSenderBytes };
  }

  /** Proposes the group's extensions with `external_sender` appended to `external_senders` (§12.1.8.1). */
  async AddExternalSigner(req: Msg): Promise<Msg> {
    const st = this.#state(req.state_id as number);
    // Validates the entry before it goes into a proposal.
    decode(externalSenderCodec, b(req.external_sender), "ExternalSender");
    return this.#proposal(st.group.proposeExternalSender(b(req.external_sender)));
  }

  async ExternalSignerProposal(req: Msg): Promise<Msg> {
    const signerId = req.signer_id as number;
    const signer = this.#signers.get(signerId);
    if (signer === undefined) throw notFound("signer", signerId);
    const d = req.description as ProposalDescriptionMsg | null | undefined;
    if (d === undefined || d === null) throw invalidRequest("description is missing");
    const ratchetTree = nonEmpty(req.ratchet_tree);
    // The runner leaves signer_index unset: the signer finds its entry in the group's external_senders.
    const created = await signer.propose(b(req.group_info), proposalSpecOf(d, undefined), ratchetTree !== undefined ? { ratchetTree } : {});
    return { proposal: created.message };
  }
}
