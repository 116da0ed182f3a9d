/**
 * Proposals from outside a group (RFC 9420 §12.1.8) through the facade:
 * {@link ExternalSigner}, an `external_senders` entry (§12.1.8.1) that
 * signs proposals against a group's GroupInfo, and the options and result
 * of `Client.proposeAsNewMember` (a `new_member_proposal`).
 */
import { bytesEqual, decode, encode, toHex, utf8 } from "@mlskit/codec";
import {
  type CipherSuiteId,
  type CipherSuiteProvider,
  type Credential,
  type CryptoProvider,
  type Extension,
  ExtensionType,
  type IdentityProvider,
  type KeyPair,
  UsageError,
  ValidationError,
  WireFormat,
  expectDefined,
} from "@mlskit/core";
import {
  DEFAULT_MAX_TREE_LEAVES,
  type ExternalProposalInput,
  type ExternalSender,
  type GroupInfo,
  type Proposal,
  createExternalProposal,
  decodeMlsMessage,
  externalSenderCodec,
  externalSendersCodec,
  externalSendersOf,
  findExtension,
  makeExtension,
  validateKeyPackage,
  verifyGroupInfoSignature,
} from "@mlskit/group";
import { ResumptionPSKUsage } from "@mlskit/key-schedule";
import { type LeafIndex, RatchetTree } from "@mlskit/ratchet-tree";
import { resolveSigner } from "./defaults.js";
import type { ProposalSpec } from "./group.js";
import { decodeKeyPackageInput } from "./key-package-input.js";
import type { PublishedKeyPackage } from "./client-options.js";

/** Options of `Client.proposeAsNewMember`. */
export interface NewMemberProposalOptions {
  /** The group's ratchet tree when the GroupInfo does not carry it: the GroupInfo's signature is then verified. */
  readonly ratchetTree?: Uint8Array;
  readonly authenticatedData?: Uint8Array;
}

/** A proposal made from outside the group (an MLSMessage PublicMessage). */
export interface ExternalProposalOutput {
  /** The proposal as an MLSMessage: send it to the group. */
  readonly message: Uint8Array;
  /** Its ProposalRef (§5.2), as members will compute it. */
  readonly ref: Uint8Array;
  readonly proposal: Proposal;
}

/** What `Client.proposeAsNewMember` returns. */
export interface NewMemberProposalOutput extends ExternalProposalOutput {
  /** The KeyPackage the proposal adds (kept by the client: its Welcome joins with `joinFromWelcome`). */
  readonly keyPackage: PublishedKeyPackage;
}

/**
 * GroupContext extensions with `sender` appended to `external_senders`
 * (§12.1.8.1; the extension is created when absent, kept as is when it
 * already lists the signature key). Other extensions are kept in place.
 */
export function withExternalSender(extensions: readonly Extension[], sender: ExternalSender | Uint8Array): Extension[] {
  const entry = sender instanceof Uint8Array ? decode(externalSenderCodec, sender, "ExternalSender") : sender;
  const senders = externalSendersOf(extensions);
  if (senders.some((s) => bytesEqual(s.signatureKey, entry.signatureKey))) return [...extensions];
  const ext = makeExtension(ExtensionType.external_senders, externalSendersCodec, [...senders, entry]);
  const i = extensions.findIndex((e) => e.extensionType === ExtensionType.external_senders);
  return i < 0 ? [...extensions, ext] : extensions.map((e, j) => (j === i ? ext : e));
}

/** A GroupInfo MLSMessage, decoded. */
function groupInfoOf(bytes: Uint8Array): GroupInfo {
  const m = decodeMlsMessage(bytes);
  if (m.wireFormat !== WireFormat.mls_group_info) throw new ValidationError("message/not-a-group-info", "12.4.3", "the message is not a GroupInfo");
  return m.groupInfo;
}

/** The group's tree, from `ratchetTree` or the GroupInfo's `ratchet_tree` extension, checked against the GroupContext's tree hash. */
async function treeOf(cs: CipherSuiteProvider, gi: GroupInfo, ratchetTree: Uint8Array | undefined, maxLeaves: number): Promise<RatchetTree | undefined> {
  const bytes = ratchetTree ?? findExtension(gi.extensions, ExtensionType.ratchet_tree);
  if (bytes === undefined) return undefined;
  // Refused before it is parsed whole or hashed when it lists more leaves than the policy takes (limits/tree-too-large).
  const tree = await RatchetTree.decode(cs, bytes, { maxLeaves });
  // §12.4.3.1 (as for a joiner): the tree is the one the GroupContext's tree_hash commits to.
  if (!bytesEqual(await tree.treeHash(), gi.groupContext.treeHash)) {
    throw new ValidationError("group-info/tree-hash-mismatch", "12.4.3.1", "the ratchet tree does not match the GroupInfo's tree_hash");
  }
  return tree;
}

/**
 * Verifies a GroupInfo's signature by its signer's leaf (§12.4.3) when the
 * tree is known (given, or in the GroupInfo); without a tree it cannot be
 * verified and is taken as is. Returns the tree, if any.
 * @throws ValidationError when the tree hash or the signature does not verify.
 * @internal
 */
export async function verifyGroupInfoWithTree(
  cs: CipherSuiteProvider,
  gi: GroupInfo,
  ratchetTree: Uint8Array | undefined,
  maxLeaves: number = DEFAULT_MAX_TREE_LEAVES,
): Promise<RatchetTree | undefined> {
  const tree = await treeOf(cs, gi, ratchetTree, maxLeaves);
  if (tree === undefined) return undefined;
  const signer = tree.leafNode(gi.signer as LeafIndex);
  if (signer === undefined || !(await verifyGroupInfoSignature(cs, signer.signatureKey, gi))) {
    throw new ValidationError("group-info/signature", "12.4.3", "the GroupInfo's signature does not verify with its signer's leaf");
  }
  return tree;
}

/**
 * A proposal an external sender may make (§12.1.8: no Update, no ExternalInit):
 * the same as a member's {@link ProposalSpec}. An `add`'s KeyPackage is
 * validated; a `remove` by identity needs the ratchet tree; a `reinit` defaults
 * to the same group id, suite, version and extensions; a `custom`
 * proposal must be one the group accepts from external senders (§13.2).
 */
export type ExternalProposalSpec = ProposalSpec;

/** Options of {@link ExternalSigner.create}. */
export interface ExternalSignerOptions {
  /** A basic credential's identity (a string is taken as UTF-8). Give this or `credential`. */
  readonly identity?: string | Uint8Array;
  readonly credential?: Credential;
  /** The signature key pair (default: a fresh one of the suite's signature scheme). */
  readonly signatureKeyPair?: KeyPair;
  /** The suite of the groups it sends to (default 0x0001); only its signature scheme matters. */
  readonly cipherSuite?: CipherSuiteId;
  /** Default: the facade's default provider. */
  readonly crypto?: CryptoProvider;
  /** Validates KeyPackages of proposed Adds and reads member identities for Removes by identity. */
  readonly identityProvider?: IdentityProvider;
}

/** Options of {@link ExternalSigner.propose}. */
export interface ExternalProposeOptions {
  /** The group's ratchet tree when the GroupInfo does not carry it (Removes by identity need one). */
  readonly ratchetTree?: Uint8Array;
  readonly authenticatedData?: Uint8Array;
}

/**
 * An external sender (RFC 9420 §12.1.8.1): a server, say, that is not a
 * member yet proposes Adds, Removes, PSKs, ReInits or new extensions. A
 * member first lists it in the group's `external_senders` extension
 * (`group.proposeGroupContextExtensions(signer.addTo(group.extensions))`);
 * it then signs proposals against the group's current GroupInfo, which
 * members commit by reference.
 *
 * @example
 * ```ts
 * const ds = await ExternalSigner.create({ identity: "ds", identityProvider });
 * await group.commit({ proposals: [{ groupContextExtensions: ds.addTo(group.extensions) }] });
 * const { message } = await ds.propose(await group.groupInfo(), { remove: "mallory" });
 * ```
 */
export class ExternalSigner {
  readonly #cs: CipherSuiteProvider;
  readonly #keyPair: KeyPair;
  readonly #sender: ExternalSender;
  readonly #identityProvider: IdentityProvider | undefined;
  readonly #crypto: CryptoProvider;

  private constructor(crypto: CryptoProvider, cs: CipherSuiteProvider, keyPair: KeyPair, credential: Credential, identityProvider: IdentityProvider | undefined) {
    this.#crypto = crypto;
    this.#cs = cs;
    this.#keyPair = keyPair;
    this.#sender = { signatureKey: keyPair.publicKey.slice(), credential };
    this.#identityProvider = identityProvider;
  }

  /**
   * Creates an external sender identity: a credential and a signature key pair.
   * @throws UsageError when neither `identity` nor `credential` is given.
   */
  static async create(options: ExternalSignerOptions): Promise<ExternalSigner> {
    const { crypto, cs, credential } = await resolveSigner(options);
    const keyPair = options.signatureKeyPair ?? (await cs.signatureGenerateKeyPair());
    return new ExternalSigner(crypto, cs, keyPair, credential, options.identityProvider);
  }

  /** The `ExternalSender` entry (§12.1.8.1) naming this signer. */
  get externalSender(): ExternalSender {
    return { signatureKey: this.#sender.signatureKey.slice(), credential: this.#sender.credential };
  }
  /** The encoded `ExternalSender` entry. */
  get externalSenderBytes(): Uint8Array {
    return encode(externalSenderCodec, this.#sender);
  }
  /** The signature public key. */
  get signaturePublicKey(): Uint8Array {
    return this.#keyPair.publicKey.slice();
  }
  /** The cipher suite given at creation (its signature scheme is this signer's). */
  get cipherSuite(): CipherSuiteId {
    return this.#cs.suite.id;
  }

  /**
   * GroupContext extensions with this signer appended to `external_senders`
   * (created when absent); the other extensions are kept. Propose or commit
   * them as a GroupContextExtensions proposal.
   */
  addTo(extensions: readonly Extension[]): Extension[] {
    return withExternalSender(extensions, this.#sender);
  }

  /** This signer's index in a group's `external_senders` (undefined when not listed). */
  indexIn(extensions: readonly Extension[]): number | undefined {
    const i = externalSendersOf(extensions).findIndex((s) => bytesEqual(s.signatureKey, this.#sender.signatureKey));
    return i < 0 ? undefined : i;
  }

  /**
   * Signs a proposal for the group and epoch of `groupInfo` (an MLSMessage),
   * as the group's `external_senders` entry of this signer (§12.1.8.1).
   * When the tree is known the GroupInfo's signature is verified first.
   * @throws UsageError `usage/not-an-external-sender` when the group does not
   *   list this signer; `usage/external-proposal-type` for a type external
   *   senders may not send; ValidationError for an invalid GroupInfo or KeyPackage.
   */
  async propose(groupInfo: Uint8Array, spec: ExternalProposalSpec, options: ExternalProposeOptions = {}): Promise<ExternalProposalOutput> {
    const gi = groupInfoOf(groupInfo);
    const gc = gi.groupContext;
    const cs = gc.cipherSuite === this.#cs.suite.id ? this.#cs : await this.#crypto.cipherSuite(gc.cipherSuite);
    if (cs.suite.signature !== this.#cs.suite.signature) {
      throw new UsageError("usage/cipher-suite-mismatch", "the group's signature scheme is not this signer's");
    }
    const senderIndex = this.indexIn(gc.extensions);
    if (senderIndex === undefined) throw new UsageError("usage/not-an-external-sender", "the group's external_senders does not list this signer (RFC 9420 §12.1.8.1)");
    const tree = await verifyGroupInfoWithTree(cs, gi, options.ratchetTree);
    const input = await this.#input(cs, gi, tree, spec);
    const created = await createExternalProposal(
      {
        cs,
        groupId: gc.groupId,
        epoch: gc.epoch,
        senderIndex,
        signaturePrivateKey: this.#keyPair.privateKey,
        ...(options.authenticatedData !== undefined ? { authenticatedData: options.authenticatedData } : {}),
      },
      input,
      "custom" in spec ? [spec.custom.proposalType] : [],
    );
    return { message: created.message, ref: created.ref, proposal: created.proposal };
  }

  async #input(cs: CipherSuiteProvider, gi: GroupInfo, tree: RatchetTree | undefined, spec: ExternalProposalSpec): Promise<ExternalProposalInput> {
    const gc = gi.groupContext;
    if ("add" in spec) {
      const ip = this.#needIdentityProvider("an Add's KeyPackage is validated");
      return { add: (await validateKeyPackage(cs, decodeKeyPackageInput(spec.add), { identityProvider: ip })).keyPackage };
    }
    if ("remove" in spec) {
      if (tree === undefined)
        throw new ValidationError(
          "group-info/missing-ratchet-tree",
          "12.4.3.3",
          "a Remove by an external sender needs the ratchet tree: the GroupInfo carries no ratchet_tree and none was supplied out of band",
        );
      const member = spec.remove;
      if (typeof member === "number") {
        if (tree.leafNode(member as LeafIndex) === undefined) throw new UsageError("usage/unknown-member", `leaf ${member} is blank or outside the tree`);
        return { remove: member as LeafIndex };
      }
      const ip = this.#needIdentityProvider("a Remove by identity reads the members' identities");
      const wanted = typeof member === "string" ? utf8(member) : member;
      for (const l of tree.leaves()) {
        if (bytesEqual(await ip.identity(expectDefined(tree.leafNode(l), "tree.leafNode(l)").credential), wanted)) return { remove: l };
      }
      throw new UsageError("usage/unknown-member", `no member presents identity ${toHex(wanted)}`);
    }
    if ("psk" in spec) return { externalPsk: { pskId: spec.psk } };
    if ("resumptionPsk" in spec) {
      return { resumptionPsk: { epoch: spec.resumptionPsk.epoch, groupId: spec.resumptionPsk.groupId ?? gc.groupId, usage: ResumptionPSKUsage.application } };
    }
    if ("groupContextExtensions" in spec) return { groupContextExtensions: spec.groupContextExtensions };
    if ("reinit" in spec) {
      const r = spec.reinit;
      return {
        reinit: {
          groupId: r.groupId ?? gc.groupId,
          cipherSuite: r.cipherSuite ?? gc.cipherSuite,
          version: r.version ?? gc.version,
          extensions: r.extensions ?? gc.extensions,
        },
      };
    }
    return { custom: spec.custom };
  }

  #needIdentityProvider(why: string): IdentityProvider {
    if (this.#identityProvider === undefined) throw new UsageError("usage/missing-identity-provider", `${why}: give the signer an identityProvider`);
    return this.#identityProvider;
  }

  /** Redacts the private key. */
  toJSON(): unknown {
    return { externalSender: toHex(this.externalSenderBytes), cipherSuite: this.cipherSuite };
  }
}
