/** Group creation (RFC 9420 §11): a one-member group in epoch 0. */
import { type CipherSuiteProvider, type Extension, ProtocolVersion, UsageError } from "@mlskit/core";
import { type GroupContext, createConfirmationTag, deriveEpochSecrets, deriveInterimTranscriptHash, encodeGroupContext } from "@mlskit/key-schedule";
import { type LeafIndex, type LeafNode, RatchetTree, TreePrivateKeys, leafToNode } from "@mlskit/ratchet-tree";
import { CredentialTypeSummary, checkGroupContextExtensionsSupported } from "../leaf-nodes/capabilities.js";
import { DEFAULT_GROUP_POLICY, type GroupPolicy } from "../policy/group-policy.js";
import { type GroupServices, type GroupState, enterEpoch } from "../state/group-state.js";
import { setMemberSummary } from "../proposals/proposal-list.js";

/** Options of {@link createGroup}. */
export interface CreateGroupOptions {
  readonly cs: CipherSuiteProvider;
  /** Default: a fresh random value of KDF.Nh bytes (§11). */
  readonly groupId?: Uint8Array;
  /** The creator's leaf (e.g. the LeafNode of its own KeyPackage) and the private key of its encryption_key. */
  readonly leafNode: LeafNode;
  readonly encryptionPrivateKey: Uint8Array;
  readonly signaturePrivateKey: Uint8Array;
  /** GroupContext extensions; the creator's leaf must support each (§13.4). */
  readonly extensions?: readonly Extension[];
  readonly services: GroupServices;
  readonly policy?: GroupPolicy;
}

/**
 * Creates a one-member group (§11): a tree holding the creator's leaf, epoch
 * 0, an empty confirmed transcript hash, and a fresh random key schedule
 * (a random joiner_secret, so that epoch_secret is a fresh pseudorandom
 * value of size KDF.Nh), then the confirmation tag over the empty confirmed
 * transcript hash and the interim transcript hash from it.
 * @throws UsageError when the leaf does not support the group's extensions.
 */
export async function createGroup(options: CreateGroupOptions): Promise<GroupState> {
  const { cs, leafNode } = options;
  const extensions = options.extensions ?? [];
  try {
    // §13.4: the creator supports every GroupContext extension (and required_capabilities, §11.1).
    checkGroupContextExtensionsSupported(leafNode.capabilities, extensions);
  } catch (e) {
    throw new UsageError("usage/unsupported-extension", "the creator's leaf does not support the group's extensions", { cause: e });
  }
  const tree = await RatchetTree.create(cs, leafNode);
  const groupContext: GroupContext = {
    version: ProtocolVersion.mls10,
    cipherSuite: cs.suite.id,
    groupId: options.groupId ?? cs.randomBytes(cs.hashLength),
    epoch: 0n,
    treeHash: await tree.treeHash(),
    confirmedTranscriptHash: new Uint8Array(0),
    extensions,
  };
  const secrets = await deriveEpochSecrets(cs, { joinerSecret: cs.randomBytes(cs.hashLength), groupContext: encodeGroupContext(groupContext) });
  const confirmationTag = await createConfirmationTag(cs, secrets.confirmationKey, groupContext.confirmedTranscriptHash);
  const interim = await deriveInterimTranscriptHash(cs, groupContext.confirmedTranscriptHash, confirmationTag);
  setMemberSummary(tree, CredentialTypeSummary.of([leafNode]));
  const own = 0 as LeafIndex;
  const state = enterEpoch({ cs, policy: options.policy ?? DEFAULT_GROUP_POLICY, services: options.services, signaturePrivateKey: options.signaturePrivateKey }, undefined, {
    groupContext,
    tree,
    privateKeys: new TreePrivateKeys(own, [[leafToNode(own), options.encryptionPrivateKey]]),
    ownLeaf: own,
    secrets,
    interimTranscriptHash: interim,
    confirmationTag,
  });
  secrets.wipe();
  return state;
}
