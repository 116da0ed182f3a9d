/**
 * Joining a group from a Welcome (RFC 9420 §12.4.3.1): every step of the
 * section, in order — find our EncryptedGroupSecrets, decrypt the
 * GroupSecrets, look up the PSKs, decrypt the GroupInfo, verify its
 * signature by the signer's leaf, validate the tree (from the `ratchet_tree`
 * extension or supplied out of band), find our leaf, derive our path keys,
 * run the key schedule and verify the confirmation tag.
 */
import { bytesEqual, decode, encode } from "@mlskit/codec";
import { type CipherSuiteProvider, ExtensionType, ValidationError, WireFormat, decryptWithLabel, expectDefined } from "@mlskit/core";
import { type EpochSecrets, deriveEpochSecrets, deriveInterimTranscriptHash, deriveWelcomeSecret, encodeGroupContext, verifyConfirmationTag } from "@mlskit/key-schedule";
import { type LeafIndex, type NodeIndex, type RatchetTree, TreePrivateKeys, deriveNodeKeyPair, isAncestorOrSelf, leafToNode, nextPathSecret } from "@mlskit/ratchet-tree";
import { startJoinerTree } from "./joiner-tree.js";
import { type PskSource, pskSourceOf, resolvePskSecret, welcomeKeyNonce } from "../commit/commit-common.js";
import { type ResumedGroupSource, type ResumptionKind, checkResumedGroup, findResumedGroup } from "../creation/resumption-join.js";
import { findExtension } from "../extensions/extensions.js";
import { type GroupInfo, groupInfoCodec, verifyGroupInfoSignature } from "./group-info.js";
import { DEFAULT_GROUP_POLICY, type GroupPolicy, checkAcceptedExtensions } from "../policy/group-policy.js";
import { type GroupServices, type GroupState, enterEpoch } from "../state/group-state.js";
import { type KeyPackage, keyPackageRef } from "../key-packages/key-package.js";
import { decodeMlsMessage } from "../framing/mls-message.js";
import { setMemberSummary } from "../proposals/proposal-list.js";
import { checkExternalSenderKeys } from "../proposals/proposal-list-checks.js";
import { type GroupSecrets, type Welcome, groupSecretsCodec, welcomeCodec } from "./welcome.js";
import { checkMessageSize } from "../policy/input-limits.js";
import { leafNodeCodec } from "@mlskit/ratchet-tree";
import { CredentialTypeSummary } from "../leaf-nodes/capabilities.js";
import { fail } from "../error-codes.js";

/** A Welcome's decrypted contents (§12.4.3.1, up to the GroupInfo). */
export interface DecryptedWelcome {
  readonly groupSecrets: GroupSecrets;
  readonly groupInfo: GroupInfo;
  /** psk_secret of the GroupSecrets' PSKs (undefined: none). */
  readonly pskSecret: Uint8Array | undefined;
}

/** §12.4.3.1 first steps: our EncryptedGroupSecrets by KeyPackageRef, decrypted with `init_key_priv`. */
async function openGroupSecrets(cs: CipherSuiteProvider, welcome: Welcome, keyPackage: KeyPackage, initPrivateKey: Uint8Array): Promise<GroupSecrets> {
  // §12.4.3.1: "if the cipher suite indicated in the KeyPackage does not match the one in the Welcome message, return an error".
  if (welcome.cipherSuite !== keyPackage.cipherSuite || welcome.cipherSuite !== cs.suite.id) {
    fail("welcome/cipher-suite-mismatch", "12.4.3.1", `Welcome cipher suite ${welcome.cipherSuite}, KeyPackage ${keyPackage.cipherSuite}`);
  }
  const ref = await keyPackageRef(cs, keyPackage);
  // §12.4.3.1: "Identify an entry in the secrets array where the new_member value corresponds to one of this client's KeyPackages".
  const entry = welcome.secrets.find((s) => bytesEqual(s.newMember, ref));
  if (entry === undefined) fail("welcome/no-matching-key-package", "12.4.3.1", "the Welcome has no secrets for our KeyPackage");
  try {
    const plain = await decryptWithLabel(cs, initPrivateKey, "Welcome", welcome.encryptedGroupInfo, entry.encryptedGroupSecrets, keyPackage.initKey);
    return decode(groupSecretsCodec, plain, "GroupSecrets");
  } catch (e) {
    fail("welcome/group-secrets-decryption", "12.4.3.1", "encrypted_group_secrets does not decrypt to GroupSecrets", e);
  }
}

/** §12.4.3.1: the PSKs looked up, then the GroupInfo decrypted with welcome_key/welcome_nonce. */
async function openGroupInfo(cs: CipherSuiteProvider, welcome: Welcome, groupSecrets: GroupSecrets, source: PskSource): Promise<DecryptedWelcome> {
  // §12.4.3.1: "If a PreSharedKeyID is part of the GroupSecrets and the client is not in possession of the corresponding PSK, return an error."
  const pskSecret = await resolvePskSecret(cs, groupSecrets.psks, source, "12.4.3.1");
  const welcomeSecret = await deriveWelcomeSecret(cs, groupSecrets.joinerSecret, pskSecret);
  const { key, nonce } = await welcomeKeyNonce(cs, welcomeSecret);
  welcomeSecret.fill(0);
  let groupInfo: GroupInfo;
  try {
    const plain = await cs.aeadOpen(key, nonce, new Uint8Array(0), welcome.encryptedGroupInfo);
    groupInfo = decode(groupInfoCodec, plain, "GroupInfo");
  } catch (e) {
    fail("welcome/group-info-decryption", "12.4.3.1", "encrypted_group_info does not decrypt to a GroupInfo", e);
  } finally {
    key.fill(0);
    nonce.fill(0);
  }
  return { groupSecrets, groupInfo, pskSecret };
}

/**
 * The first steps of §12.4.3.1: our EncryptedGroupSecrets by KeyPackageRef,
 * the GroupSecrets decrypted with `init_key_priv`, the PSKs looked up, the
 * GroupInfo decrypted with welcome_key/welcome_nonce.
 * @throws ValidationError `welcome/…`, `psk/unknown`.
 */
export async function decryptWelcome(
  cs: CipherSuiteProvider,
  welcome: Welcome,
  keyPackage: KeyPackage,
  initPrivateKey: Uint8Array,
  psks: PskSource | undefined,
): Promise<DecryptedWelcome> {
  const groupSecrets = await openGroupSecrets(cs, welcome, keyPackage, initPrivateKey);
  // §12.4.3.1: a resumption PSK with usage reinit or branch must be the only such PSK.
  await findResumedGroup(groupSecrets.psks, undefined, undefined);
  const source: PskSource = psks ?? { groupId: new Uint8Array(0), resumption: new Map(), services: { identityProvider: undefined as never } };
  return openGroupInfo(cs, welcome, groupSecrets, source);
}

/**
 * §12.4.3.1: "Verify the signature on the GroupInfo ... The public key is
 * taken from the LeafNode ... with leaf index signer. If the node is blank or
 * if signature verification fails, return an error."
 */
async function checkGroupInfoSignature(cs: CipherSuiteProvider, tree: RatchetTree, groupInfo: GroupInfo): Promise<void> {
  const signerKey = tree.signatureKey(groupInfo.signer);
  if (signerKey === undefined) fail("welcome/signer-blank", "12.4.3.1", `GroupInfo signer leaf ${groupInfo.signer} is blank`);
  if (!(await verifyGroupInfoSignature(cs, signerKey, groupInfo))) fail("welcome/invalid-group-info-signature", "12.4.3.1", "invalid GroupInfo signature");
}

/** §12.4.3.1: our own leaf, and the private keys of our path from the GroupSecrets' path_secret. */
async function ownLeafAndPathKeys(
  cs: CipherSuiteProvider,
  tree: RatchetTree,
  groupInfo: GroupInfo,
  groupSecrets: GroupSecrets,
  keyPackage: KeyPackage,
  ownLeafBytes: Uint8Array,
  encryptionPrivateKey: Uint8Array,
): Promise<{ ownLeaf: LeafIndex; keys: [NodeIndex, Uint8Array][] }> {
  // §12.4.3.1: "Identify a leaf whose LeafNode is identical to the one in the KeyPackage."
  const candidates = tree.findEncryptionKey(keyPackage.leafNode.encryptionKey).filter((n) => (n & 1) === 0);
  const myNode = candidates.find((n) => bytesEqual(expectDefined(tree.nodeBytes(n), "tree.nodeBytes(n)"), ownLeafBytes));
  if (myNode === undefined) fail("welcome/own-leaf-not-found", "12.4.3.1", "no leaf of the tree is our KeyPackage's LeafNode");
  const ownLeaf = (myNode >>> 1) as LeafIndex;

  const keys: [NodeIndex, Uint8Array][] = [[leafToNode(ownLeaf), encryptionPrivateKey]];
  if (groupSecrets.pathSecret !== undefined) {
    // §12.4.3.1: the lowest common ancestor of my_leaf and the signer gets the path secret's key; each parent up to the root the next.
    if (groupInfo.signer === ownLeaf) fail("welcome/signer-is-joiner", "12.4.3.1", "the GroupInfo signer is the joiner's own leaf");
    const path = tree.filteredDirectPath(groupInfo.signer);
    const start = path.findIndex((n) => isAncestorOrSelf(n, myNode));
    if (start < 0) fail("welcome/path-secret-node", "12.4.3.1", "no node of the signer's path covers our leaf");
    let secret = groupSecrets.pathSecret.pathSecret;
    for (let i = start; i < path.length; i++) {
      const n = expectDefined(path[i], "path[i]");
      const kp = await deriveNodeKeyPair(cs, secret);
      // §12.4.3.1: "The private key MUST be the private key that corresponds to the public key in the node."
      const pub = tree.encryptionKey(n);
      if (pub === undefined || !bytesEqual(pub, kp.publicKey)) fail("welcome/path-key-mismatch", "12.4.3.1", `the key derived for node ${n} is not the node's`);
      keys.push([n, kp.privateKey]);
      if (i + 1 < path.length) secret = await nextPathSecret(cs, secret);
    }
  }
  return { ownLeaf, keys };
}

/** Options of {@link joinFromWelcome}. */
export interface JoinFromWelcomeOptions {
  readonly cs: CipherSuiteProvider;
  /** The Welcome: an MLSMessage's bytes or the decoded struct. */
  readonly welcome: Uint8Array | Welcome;
  /** Our KeyPackage the Welcome was made for, and its private keys. */
  readonly keyPackage: KeyPackage;
  readonly initPrivateKey: Uint8Array;
  readonly encryptionPrivateKey: Uint8Array;
  readonly signaturePrivateKey: Uint8Array;
  /** The ratchet tree (`ratchet_tree` extension body) when the Welcome does not carry it. */
  readonly ratchetTree?: Uint8Array;
  readonly services: GroupServices;
  readonly policy?: GroupPolicy;
  /** Group IDs of groups this client is in: the new one must differ (§12.4.3.1). */
  readonly existingGroupIds?: readonly Uint8Array[];
  /**
   * The group a reinit/branch Welcome resumes (§11.2, §11.3): its state (for
   * a ReInit, the frozen state after the Commit covering it) or a lookup by
   * group id. With it, the Welcome is checked against that group (§12.4.3.1
   * last step) and its resumption PSKs are read from it. Without it, such a
   * Welcome is only checked for its single reinit/branch PSK (found in
   * `services.resumptionPsks`) and epoch 1.
   */
  readonly resumedGroup?: ResumedGroupSource;
  /** Require a Welcome of this kind (exactly one resumption PSK of this usage, §11.2, §11.3); needs `resumedGroup`. */
  readonly expectResumption?: ResumptionKind;
}

/**
 * Joins a group from a Welcome (§12.4.3.1). Returns the state of the
 * epoch the Welcome describes.
 * @throws ValidationError naming the step that failed.
 */
export async function joinFromWelcome(options: JoinFromWelcomeOptions): Promise<GroupState> {
  const { cs, keyPackage, services } = options;
  const policy = options.policy ?? DEFAULT_GROUP_POLICY;
  let welcome: Welcome;
  if (options.welcome instanceof Uint8Array) {
    const m = decodeMlsMessage(options.welcome);
    if (m.wireFormat !== WireFormat.mls_welcome) throw new ValidationError("message/not-a-welcome", "12.4.3.1", "the message is not a Welcome");
    welcome = m.welcome;
  } else welcome = options.welcome;
  // §16.11: the Welcome within maxMessageBytes, its GroupInfo's ratchet_tree aside (bounded by maxTreeLeaves):
  // a larger Welcome is measured again once the GroupInfo is open (decrypting it is linear in its size).
  const welcomeBytes = options.welcome instanceof Uint8Array ? options.welcome.length : encode(welcomeCodec, welcome).length;

  const secrets0 = await openGroupSecrets(cs, welcome, keyPackage, options.initPrivateKey);
  const resumed = await findResumedGroup(secrets0.psks, options.resumedGroup, options.expectResumption);
  const psks: PskSource = resumed?.group !== undefined ? { ...pskSourceOf(resumed.group), services } : { groupId: new Uint8Array(0), resumption: new Map(), services };
  const { groupSecrets, groupInfo, pskSecret } = await openGroupInfo(cs, welcome, secrets0, psks);
  const gc = groupInfo.groupContext;
  checkMessageSize(policy, "Welcome", welcomeBytes, findExtension(groupInfo.extensions, ExtensionType.ratchet_tree)?.length ?? 0);
  // §12.4.3.1: "Verify that the cipher_suite in the GroupInfo matches the cipher_suite in the KeyPackage."
  if (gc.cipherSuite !== keyPackage.cipherSuite) fail("welcome/cipher-suite-mismatch", "12.4.3.1", "the GroupInfo's cipher suite differs from the KeyPackage's");
  // §12.4.3.1 (and §10.1): the protocol version of the group matches the KeyPackage's.
  if (gc.version !== keyPackage.version) fail("welcome/version-mismatch", "12.4.3.1", "the GroupInfo's version differs from the KeyPackage's");
  // §12.4.3.1: "Verify that the group_id is unique among the groups that the client is currently participating in."
  if ((options.existingGroupIds ?? []).some((g) => bytesEqual(g, gc.groupId))) {
    fail("welcome/duplicate-group-id", "12.4.3.1", "the client is already in a group with this group_id");
  }

  // §13.4: the group's extensions are ones this client accepts (policy.acceptedExtensionTypes).
  checkAcceptedExtensions(policy, gc.extensions);
  // §12.1.8.1 / §5.1.1: the external senders' keys are valid signature keys.
  await checkExternalSenderKeys(cs, gc.extensions);

  // The tree: from the ratchet_tree extension, else out of band (§12.4.3.1, §12.4.3.3).
  const treeBytes = findExtension(groupInfo.extensions, ExtensionType.ratchet_tree) ?? options.ratchetTree;
  if (treeBytes === undefined) fail("welcome/missing-ratchet-tree", "12.4.3.1", "the Welcome carries no ratchet_tree: supply it out of band");
  // §12.4.3.1 "Verify the integrity of the ratchet tree": tree hash, parent hashes, leaves (§7.3), unmerged leaves, key uniqueness.
  // The leaf signatures are still being verified (partly on the provider's thread pool) when this resolves: the steps below
  // run meanwhile, and the tree is used only once they are done (a bad leaf is reported first, as the earlier step).
  const ownLeafBytes = encode(leafNodeCodec, keyPackage.leafNode);
  const { tree, verifyLeaves } = await startJoinerTree(cs, services, policy, gc, treeBytes, "welcome-tree", ownLeafBytes);
  let secrets: EpochSecrets | undefined;
  try {
    await checkGroupInfoSignature(cs, tree, groupInfo);
    const { ownLeaf, keys } = await ownLeafAndPathKeys(cs, tree, groupInfo, groupSecrets, keyPackage, ownLeafBytes, options.encryptionPrivateKey);
    // Key schedule from joiner_secret (§8), then the confirmation tag (§12.4.3.1).
    secrets = await deriveEpochSecrets(cs, {
      joinerSecret: groupSecrets.joinerSecret,
      pskSecret,
      groupContext: encodeGroupContext(gc),
    });
    // §12.4.3.1: "Verify the confirmation tag in the GroupInfo using the derived confirmation key and the confirmed_transcript_hash."
    if (!(await verifyConfirmationTag(cs, secrets.confirmationKey, gc.confirmedTranscriptHash, groupInfo.confirmationTag))) {
      fail("welcome/invalid-confirmation-tag", "12.4.3.1", "the GroupInfo's confirmation_tag does not verify");
    }
    // §12.4.3.1: with a reinit or branch PSK, the new group is in epoch 1 and matches the resumed group (§11.2, §11.3).
    if (resumed?.group !== undefined) await checkResumedGroup(resumed.psk, resumed.group, gc, tree, services);
    else if (resumed !== undefined && gc.epoch !== 1n) fail("welcome/reinit-branch-epoch", "12.4.3.1", "a reinit/branch Welcome must start epoch 1");
    const interim = await deriveInterimTranscriptHash(cs, gc.confirmedTranscriptHash, groupInfo.confirmationTag);
    await verifyLeaves();
    setMemberSummary(tree, CredentialTypeSummary.fromTree(tree));
    return enterEpoch({ cs, policy, services, signaturePrivateKey: options.signaturePrivateKey }, undefined, {
      groupContext: gc,
      tree,
      privateKeys: new TreePrivateKeys(ownLeaf, keys),
      ownLeaf,
      secrets,
      interimTranscriptHash: interim,
      confirmationTag: groupInfo.confirmationTag,
    });
  } catch (e) {
    // The tree's failure first (its step comes before these, §12.4.3.1), whatever failed after it.
    await verifyLeaves();
    throw e;
  } finally {
    secrets?.wipe();
  }
}
