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
 * there, or are given it). What is held is bounded (registry.ts,
 * handle-table.ts): a long runner session does not keep every script's
 * groups; {@link MlsInteropClient.free} releases a handle as the runner's
 * `Free` RPC would.
 */
import { decode } from "@mlskit/codec";
import { BasicIdentityProvider, type CryptoProvider, type IdentityProvider, WireFormat, acceptAll } from "@mlskit/core";
import { type GroupInfo, type GroupPolicyInput, decodeKeyPackageMaterial, decodeMlsMessage, externalSenderCodec } from "@mlskit/group";
import { ExternalSigner, type PublishedKeyPackage } from "@mlskit/mls";
import { InteropError, invalidRequest } from "./errors.js";
import { ALL_SUITES, type Bytes, EMPTY, type ExtensionMsg, type Msg, type ProposalDescriptionMsg, b, extensionsOf, nonEmpty, proposalSpecOf, u64 } from "./request-fields.js";
import type { HandleLimits } from "./handle-table.js";
import { type ClientEntry, InteropRegistry, type RegistryCounts, type StateEntry, type TransactionEntry } from "./registry.js";
import * as grpc from "@grpc/grpc-js";
import { type SuccessorContext, createBranch, handleBranch, handleReinitWelcome, reinitStarted, reinitWelcome } from "./successor-groups.js";

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
  /**
   * Bounds on what the client holds, per kind of handle (states,
   * transactions, reinits, signers): at most `maxHandles` (the least
   * recently used goes first), none unused for longer than `maxIdleMs`.
   * Defaults 1024 and one hour.
   */
  readonly limits?: Partial<HandleLimits>;
  /** Called when releasing an evicted or freed handle's resources failed. */
  readonly onReleaseError?: (error: unknown) => void;
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
  readonly #registry: InteropRegistry;
  /** What the successor-group RPCs (successor-groups.ts) use of this client. */
  readonly #successors: SuccessorContext;

  constructor(options: InteropClientOptions) {
    this.#crypto = options.crypto;
    this.#name = options.name ?? "mlskit";
    this.#identityProvider = options.identityProvider ?? new BasicIdentityProvider({ policy: acceptAll });
    this.#registry = new InteropRegistry({
      crypto: this.#crypto,
      identityProvider: this.#identityProvider,
      advertisedCredentialTypes: options.advertisedCredentialTypes ?? [],
      ...(options.limits !== undefined ? { limits: options.limits } : {}),
      ...(options.onReleaseError !== undefined ? { onReleaseError: options.onReleaseError } : {}),
    });
    this.#successors = { registry: this.#registry, policy: (encrypt) => this.#policy(encrypt), joined: (st) => this.#joined(st) };
  }

  // ---------------------------------------------------------------- registry

  /**
   * Releases the state, transaction, reinit or signer `id` names and what it
   * holds (a state's group leaves its client's memory and storage, its keys
   * forgotten; an unused KeyPackage is deleted), as the runner's `Free` RPC
   * would (our proto has none yet). Resolves once released; false when `id`
   * was not held.
   */
  free(id: number): Promise<boolean> {
    return this.#registry.free(id);
  }

  /** What the client holds now (states, transactions, reinits, signers, clients) and the evictions so far. */
  held(): RegistryCounts {
    return this.#registry.counts();
  }

  /** Resolves once the release work of evicted or freed handles is done. */
  settled(): Promise<void> {
    return this.#registry.settled();
  }

  #state(id: number): StateEntry {
    return this.#registry.states.get(id);
  }

  #transaction(id: number): TransactionEntry {
    return this.#registry.transactions.get(id);
  }

  #addState(owner: ClientEntry, group: StateEntry["group"], encrypt: boolean): StateEntry {
    return this.#registry.addState(owner, group, encrypt);
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
    const encrypt = req.encrypt_handshake === true;
    const groupId = nonEmpty(req.group_id);
    return this.#registry.withClient(b(req.identity), suite, async (owner) => {
      const group = await owner.client.createGroup({ ...(groupId !== undefined ? { groupId } : {}), cipherSuite: suite, policy: this.#policy(encrypt) });
      return { state_id: this.#addState(owner, group, encrypt).id };
    });
  }

  async CreateKeyPackage(req: Msg): Promise<Msg> {
    const suite = req.cipher_suite as number;
    return this.#registry.withClient(b(req.identity), suite, async (owner) => {
      const keyPackage = await owner.client.createKeyPackage({ cipherSuite: suite });
      const material = await this.#keyPackageMaterial(owner, keyPackage);
      const signaturePrivateKey = (await owner.client.signatureKeyPair(suite)).privateKey;
      return {
        transaction_id: this.#registry.addTransaction(owner, keyPackage),
        key_package: keyPackage.keyPackage,
        init_priv: material.initPrivateKey,
        encryption_priv: material.encryptionPrivateKey,
        signature_priv: signaturePrivateKey,
      };
    });
  }

  async JoinGroup(req: Msg): Promise<Msg> {
    const tx = this.#transaction(req.transaction_id as number);
    const encrypt = req.encrypt_handshake === true;
    const ratchetTree = nonEmpty(req.ratchet_tree);
    const group = await tx.owner.client.joinFromWelcome(b(req.welcome), {
      ...(ratchetTree !== undefined ? { ratchetTree } : {}),
      policy: this.#policy(encrypt),
    });
    const st = this.#addState(tx.owner, group, encrypt);
    this.#registry.consumeTransaction(req.transaction_id as number);
    return this.#joined(st);
  }

  async ExternalJoin(req: Msg): Promise<Msg> {
    const giBytes = b(req.group_info);
    const gi = this.#groupInfoOf(giBytes);
    const encrypt = req.encrypt_handshake === true;
    return this.#registry.withClient(b(req.identity), gi.groupContext.cipherSuite, async (owner) => {
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
    });
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
      await this.#registry.sharedPsks.putPsk(pskId, secret);
      return {};
    }
    const owner = this.#registry.ownerOf(id);
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
    return reinitStarted(this.#successors, st);
  }

  async HandleReInitCommit(req: Msg): Promise<Msg> {
    const st = this.#state(req.state_id as number);
    await this.HandleCommit(req);
    return reinitStarted(this.#successors, st);
  }

  /** The new group of a ReInit (§11.2 step 3), created by this member's client for the new suite. */
  ReInitWelcome(req: Msg): Promise<Msg> {
    return reinitWelcome(this.#successors, req);
  }

  /** Joins the new group of a ReInit (§11.2), checked against the reinitialized group. */
  HandleReInitWelcome(req: Msg): Promise<Msg> {
    return handleReinitWelcome(this.#successors, req);
  }

  // ------------------------------------------------------------ branch RPCs

  /** A branch of the state's group (§11.3) with the members of `key_packages`. */
  CreateBranch(req: Msg): Promise<Msg> {
    return createBranch(this.#successors, req);
  }

  /** Joins a branch (§11.3), checked against the parent state the runner names (§12.4.3.1). */
  HandleBranch(req: Msg): Promise<Msg> {
    return handleBranch(this.#successors, req);
  }

  // -------------------------------------------------- external proposal RPCs

  async NewMemberAddProposal(req: Msg): Promise<Msg> {
    const giBytes = b(req.group_info);
    const suite = this.#groupInfoOf(giBytes).groupContext.cipherSuite;
    return this.#registry.withClient(b(req.identity), suite, async (owner) => {
      const created = await owner.client.proposeAsNewMember(giBytes);
      const material = await this.#keyPackageMaterial(owner, created.keyPackage);
      const signaturePrivateKey = (await owner.client.signatureKeyPair(suite)).privateKey;
      return {
        transaction_id: this.#registry.addTransaction(owner, created.keyPackage),
        proposal: created.message,
        init_priv: material.initPrivateKey,
        encryption_priv: material.encryptionPrivateKey,
        signature_priv: signaturePrivateKey,
      };
    });
  }

  async CreateExternalSigner(req: Msg): Promise<Msg> {
    const signer = await ExternalSigner.create({
      identity: b(req.identity),
      cipherSuite: req.cipher_suite as number,
      crypto: this.#crypto,
      identityProvider: this.#identityProvider,
    });
    return { signer_id: this.#registry.addSigner(signer), external_sender: signer.externalSenderBytes };
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
    const signer = this.#registry.signers.get(signerId);
    const d = req.description as ProposalDescriptionMsg | null | undefined;
    if (d === undefined || d === null) throw invalidRequest("description is missing");
    const ratchetTree = nonEmpty(req.ratchet_tree);
    // The runner leaves signer_index unset: the signer finds its entry in the group's external_senders.
    const created = await signer.propose(b(req.group_info), proposalSpecOf(d, undefined), ratchetTree !== undefined ? { ratchetTree } : {});
    return { proposal: created.message };
  }
}
