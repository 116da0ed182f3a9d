/**
 * Joining by external Commit (RFC 9420 §12.4.3.2): from a GroupInfo with an
 * `external_pub` extension, the joiner creates an ExternalInit (§8.3), an
 * optional Remove of its own old leaf (resync), optional PSKs, and a Commit
 * with a path from the leftmost blank leaf, sent as PublicMessage by sender
 * `new_member_commit`. Members process it with `processMessage` like any
 * Commit (§12.2's external-commit rules apply).
 */
import { ExtensionType, ProposalType, ProtocolVersion, ValidationError, WireFormat, makeProposalRef, expectDefined } from "@mlskit/core";
import type { Credential } from "@mlskit/core";
import { type PreSharedKeyID, createConfirmationTag, createExternalInit, deriveInterimTranscriptHash } from "@mlskit/key-schedule";
import { type LeafIndex, LeafNodeSource, type LeafNode, type RatchetTree, type Capabilities as TreeCapabilities, createUpdatePath } from "@mlskit/ratchet-tree";
import { decode, encode } from "@mlskit/codec";
import { checkMessageSize } from "../policy/input-limits.js";
import { CredentialTypeSummary } from "../leaf-nodes/capabilities.js";
import { decodeJoinerTree } from "./joiner-tree.js";
import { ProposalOrRefType, type Commit } from "../commit/commit.js";
import { provisionalGroupContext, resolvePskSecret } from "../commit/commit-common.js";
import { type NextEpoch, deriveNextEpoch } from "../commit/epoch-transition.js";
import { ContentType } from "../framing/content-type.js";
import { externalPubCodec, findExtension } from "../extensions/extensions.js";
import type { FramedContent } from "../framing/framed-content.js";
import { createFramingContext } from "../framing/framing-context.js";
import { type GroupInfo, groupInfoCodec, verifyGroupInfoSignature } from "./group-info.js";
import { DEFAULT_GROUP_POLICY, type GroupPolicy } from "../policy/group-policy.js";
import { type GroupServices, type GroupState, enterEpoch } from "../state/group-state.js";
import { decodeMlsMessage, encodeMlsMessage, publicMessageToMls } from "../framing/mls-message.js";
import { applyProposalList, setMemberSummary } from "../proposals/proposal-list.js";
import { checkExternalSenderKeys } from "../proposals/proposal-list-checks.js";
import { recordCommitIdentities } from "../proposals/identity-index.js";
import type { Proposal } from "../proposals/proposal.js";
import { createPublicMessage } from "../framing/public-message.js";
import { SenderType } from "../framing/sender.js";
import { encodeAuthenticatedContent } from "../framing/authenticated-content.js";
import type { FramingContext } from "../framing/framing-context.js";
import { verifyPublicMessageAsObserver } from "../observer/observer-authentication.js";
import type { PublicGroupView } from "../observer/public-group-view.js";
import { isSelfRemove } from "../extensions/self-remove.js";
import type { ProposalWithSender } from "../proposals/proposal-list-types.js";
import { TreePrivateKeys } from "@mlskit/ratchet-tree";
import type { CipherSuiteProvider } from "@mlskit/core";
import { defaultCapabilities } from "../leaf-nodes/capabilities.js";
import { fail } from "../error-codes.js";

/** Options of {@link joinByExternalCommit}. */
export interface ExternalCommitOptions {
  readonly cs: CipherSuiteProvider;
  /** The GroupInfo (MLSMessage bytes or decoded). */
  readonly groupInfo: Uint8Array | GroupInfo;
  /** The tree when the GroupInfo carries no `ratchet_tree` extension. */
  readonly ratchetTree?: Uint8Array;
  readonly credential: Credential;
  readonly signaturePrivateKey: Uint8Array;
  readonly signaturePublicKey: Uint8Array;
  readonly capabilities?: TreeCapabilities;
  /** Our previous leaf, to remove it in the same Commit (resync, §12.4.3.2). */
  readonly removeOwnLeaf?: LeafIndex;
  /** External PSKs to inject (their values come from `services.psks`). */
  readonly psks?: readonly PreSharedKeyID[];
  /**
   * Pending SelfRemove proposals of the GroupInfo's epoch (draft-ietf-mls-extensions:
   * MLSMessage bytes, PublicMessages, as the Delivery Service attaches them
   * to the GroupInfo): verified (signature, sender; not the membership tag,
   * which needs a member's key) and committed by reference, removing their
   * senders. Only in a group whose members all support SelfRemove.
   */
  readonly selfRemoves?: readonly Uint8Array[];
  readonly authenticatedData?: Uint8Array;
  readonly services: GroupServices;
  readonly policy?: GroupPolicy;
}

/**
 * Creates an external Commit (§12.4.3.2) and the joiner's state in the new
 * epoch. The GroupInfo's signature and tree are verified as a joiner must
 * (§12.4.3.1, §12.4.3.2). Send `commit` to the group; the state is usable at once.
 */
export async function joinByExternalCommit(options: ExternalCommitOptions): Promise<{ commit: Uint8Array; state: GroupState }> {
  const { cs, services } = options;
  const policy = options.policy ?? DEFAULT_GROUP_POLICY;
  let gi: GroupInfo;
  if (options.groupInfo instanceof Uint8Array) {
    const m = decodeMlsMessage(options.groupInfo);
    if (m.wireFormat !== WireFormat.mls_group_info) throw new ValidationError("message/not-a-group-info", "12.4.3", "the message is not a GroupInfo");
    gi = m.groupInfo;
  } else gi = options.groupInfo;
  // §16.11: the GroupInfo within maxMessageBytes, its ratchet_tree aside (bounded by maxTreeLeaves).
  const giBytes = options.groupInfo instanceof Uint8Array ? options.groupInfo.length : encode(groupInfoCodec, gi).length;
  checkMessageSize(policy, "GroupInfo", giBytes, findExtension(gi.extensions, ExtensionType.ratchet_tree)?.length ?? 0);
  const gc = gi.groupContext;
  if (gc.cipherSuite !== cs.suite.id) fail("external-commit/cipher-suite", "12.4.3.2", "the GroupInfo is for another cipher suite");
  const extPub = findExtension(gi.extensions, ExtensionType.external_pub);
  // §12.4.3.2: external joins need the external_pub extension of the GroupInfo.
  if (extPub === undefined) fail("external-commit/no-external-pub", "12.4.3.2", "the GroupInfo has no external_pub extension");
  const { externalPub } = decode(externalPubCodec, extPub, "ExternalPub");
  // §12.4.3.2 / RFC 9180 §7.1.1, §7.1.4: external_pub is a key of the suite's KEM that the joiner can encrypt to
  // (SetupBaseS would refuse a low-order or off-curve one with a bare crypto error; this names it).
  const externalPubProblem = await cs.hpkePublicKeyProblem(externalPub);
  if (externalPubProblem !== undefined) {
    fail("group-info/invalid-external-pub", "12.4.3.2", `external_pub is not a valid ${cs.suite.name} HPKE public key (RFC 9180 §7.1.1): ${externalPubProblem}`);
  }
  const treeBytes = findExtension(gi.extensions, ExtensionType.ratchet_tree) ?? options.ratchetTree;
  if (treeBytes === undefined) fail("external-commit/missing-ratchet-tree", "12.4.3.2", "the GroupInfo carries no ratchet_tree: supply it out of band");
  // §12.1.8.1 / §5.1.1: the external senders' keys are valid signature keys.
  await checkExternalSenderKeys(cs, gc.extensions);
  const tree: RatchetTree = await decodeJoinerTree(cs, services, policy, gc, treeBytes, "external-commit");
  const signerKey = tree.signatureKey(gi.signer);
  if (signerKey === undefined || !(await verifyGroupInfoSignature(cs, signerKey, gi))) {
    fail("external-commit/invalid-group-info-signature", "12.4.3.1", "the GroupInfo signature does not verify");
  }
  setMemberSummary(tree, CredentialTypeSummary.fromTree(tree));

  const externalInit = await createExternalInit(cs, externalPub);
  const proposals: Proposal[] = [{ proposalType: ProposalType.external_init, kemOutput: externalInit.kemOutput }];
  if (options.removeOwnLeaf !== undefined) proposals.push({ proposalType: ProposalType.remove, removed: options.removeOwnLeaf });
  for (const psk of options.psks ?? []) proposals.push({ proposalType: ProposalType.psk, psk });

  // A provisional state over the GroupInfo's epoch: what proposal-list validation reads.
  const interim = await deriveInterimTranscriptHash(cs, gc.confirmedTranscriptHash, gi.confirmationTag);
  const framing = createFramingContext(cs, gc);
  const sender = { senderType: SenderType.new_member_commit } as const;
  const selfRemoves = await verifiedSelfRemoves(framing, tree, policy, options.selfRemoves ?? []);
  const base = { cs, policy, services, groupContext: gc, framing, tree, proposals: new Map(), resumptionPsks: new Map() } as unknown as GroupState;
  const list: ProposalWithSender[] = [...proposals.map((p) => ({ proposal: p, sender })), ...selfRemoves];
  const applied = await applyProposalList(base, list, { committer: undefined, commitSender: sender, stage: "committing" });
  const { diff } = applied;
  const capabilities = options.capabilities ?? defaultCapabilities({ cipherSuites: [cs.suite.id], credentials: [options.credential.credentialType] });
  const placeholder: LeafNode = {
    encryptionKey: new Uint8Array(0),
    signatureKey: options.signaturePublicKey,
    credential: options.credential,
    capabilities,
    leafNodeSource: LeafNodeSource.update,
    extensions: [],
    signature: new Uint8Array(0),
  };
  // §12.4.1: "assign the sender the leftmost blank leaf node in the new ratchet tree".
  const ownLeaf = diff.addLeaf(placeholder);
  const path = await createUpdatePath(diff, {
    leafIndex: ownLeaf,
    signaturePrivateKey: options.signaturePrivateKey,
    groupId: gc.groupId,
    groupContext: provisionalGroupContext(gc, applied.extensions),
  });
  const commit: Commit = {
    proposals: [
      ...proposals.map((proposal) => ({ type: ProposalOrRefType.proposal, proposal }) as const),
      ...selfRemoves.map((s) => ({ type: ProposalOrRefType.reference, reference: s.ref }) as const),
    ],
    path: path.updatePath,
  };
  const treeHash = await diff.treeHash();
  const pskSecret = await resolvePskSecret(cs, applied.psks, { groupId: gc.groupId, resumption: new Map(), services });
  const content: FramedContent = {
    groupId: gc.groupId,
    epoch: gc.epoch,
    sender,
    authenticatedData: options.authenticatedData ?? new Uint8Array(0),
    contentType: ContentType.commit,
    commit,
  };
  let next: NextEpoch | undefined;
  // §12.4.3.2: an external Commit is a PublicMessage (no membership tag: the joiner has no membership key).
  const pm = await createPublicMessage(framing, {
    content,
    signaturePrivateKey: options.signaturePrivateKey,
    confirmationTag: async (input) => {
      next = await deriveNextEpoch(cs, {
        groupContext: gc,
        interimTranscriptHash: interim,
        confirmedTranscriptHashInput: input,
        treeHash,
        extensions: applied.extensions,
        initSecret: externalInit.initSecret,
        commitSecret: path.commitSecret.slice(),
        pskSecret,
      });
      return createConfirmationTag(cs, next.secrets.confirmationKey, next.groupContext.confirmedTranscriptHash);
    },
  });
  const epoch = expectDefined(next, "next") as NextEpoch;
  const tag = expectDefined(pm.auth.confirmationTag, "pm.auth.confirmationTag");
  const newTree = await diff.merge();
  setMemberSummary(newTree, applied.memberSummary.with(path.updatePath.leafNode));
  recordCommitIdentities(tree, newTree, services.identityProvider, applied, { leafIndex: ownLeaf, previous: undefined, leafNode: path.updatePath.leafNode });
  const state = enterEpoch({ cs, policy, services, signaturePrivateKey: options.signaturePrivateKey }, undefined, {
    groupContext: epoch.groupContext,
    tree: newTree,
    privateKeys: new TreePrivateKeys(
      ownLeaf,
      path.privateKeys.nodes().map((n) => [n, expectDefined(path.privateKeys.get(n), "path.privateKeys.get(n)")] as const),
    ),
    ownLeaf,
    secrets: epoch.secrets,
    interimTranscriptHash: await deriveInterimTranscriptHash(cs, epoch.groupContext.confirmedTranscriptHash, tag),
    confirmationTag: tag,
  });
  epoch.secrets.wipe();
  epoch.joinerSecret.fill(0);
  void ProtocolVersion;
  return { commit: encodeMlsMessage(publicMessageToMls(pm)), state };
}

/**
 * The SelfRemove proposals an external joiner commits by reference
 * (draft-ietf-mls-extensions): each a PublicMessage of the GroupInfo's epoch
 * from a member, whose signature verifies (the membership tag cannot be
 * checked without the membership key, as the draft notes), with its ProposalRef.
 * @throws ValidationError `proposal/self-remove-not-public`,
 *   `proposal/self-remove-not-from-member`, `external-commit/not-a-self-remove`,
 *   or the framing code of a failed check.
 */
async function verifiedSelfRemoves(
  framing: FramingContext,
  tree: RatchetTree,
  policy: GroupPolicy,
  messages: readonly Uint8Array[],
): Promise<(ProposalWithSender & { readonly ref: Uint8Array })[]> {
  const view = { framing, tree, policy } as unknown as PublicGroupView;
  const out: (ProposalWithSender & { readonly ref: Uint8Array })[] = [];
  for (const bytes of messages) {
    const m = decodeMlsMessage(bytes);
    if (m.wireFormat !== WireFormat.mls_public_message) fail("proposal/self-remove-not-public", "12.1", "a SelfRemove proposal must be a PublicMessage");
    const verified = await verifyPublicMessageAsObserver(view, m.publicMessage);
    const fc = verified.content;
    if (fc.contentType !== ContentType.proposal || !isSelfRemove(fc.proposal))
      fail("external-commit/not-a-self-remove", "12.4.3.2", "a message given as a SelfRemove is not a SelfRemove proposal");
    if (fc.sender.senderType !== SenderType.member) fail("proposal/self-remove-not-from-member", "12.1.8", "a SelfRemove proposal must come from a member");
    out.push({ proposal: fc.proposal, sender: fc.sender, ref: await makeProposalRef(framing.cs, encodeAuthenticatedContent(verified)) });
  }
  return out;
}
