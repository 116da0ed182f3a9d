/**
 * The {@link Client}'s ways into an existing group: joining from a Welcome
 * (§12.4.3.1, including ReInit and branch Welcomes), proposing itself as a
 * new member (§12.1.8), and joining by external Commit (§12.4.3.2).
 */
import { bytesEqual } from "@mlskit/codec";
import { UsageError, ValidationError, WireFormat } from "@mlskit/core";
import {
  type GroupState,
  type KeyPackageMaterial,
  type ResumedGroupSource,
  decodeKeyPackageMaterial,
  createNewMemberProposal,
  decodeKeyPackage,
  decodeMlsMessage,
  joinByExternalCommit,
  joinFromWelcome as joinGroupFromWelcome,
} from "@mlskit/group";
import type { Client } from "./client.js";
import type { ClientInternals } from "./client-internals.js";
import { storeKeyPackage } from "./client-key-packages.js";
import type { JoinExternalOptions, JoinOptions } from "./client-options.js";
import { type NewMemberProposalOptions, type NewMemberProposalOutput, verifyGroupInfoWithTree } from "./external.js";
import { Group } from "./group.js";

/** {@link Client.joinFromWelcome}. @internal */
export async function joinFromWelcome(client: ClientInternals, welcome: Uint8Array, options: JoinOptions): Promise<Group> {
  const m = decodeMlsMessage(welcome);
  if (m.wireFormat !== WireFormat.mls_welcome) throw new ValidationError("message/not-a-welcome", "12.4.3.1", "the message is not a Welcome");
  let ref: Uint8Array | undefined;
  let material: KeyPackageMaterial | undefined;
  for (const entry of m.welcome.secrets) {
    const stored = await client.storage.getKeyPackage(entry.newMember);
    if (stored !== undefined) {
      material = decodeKeyPackageMaterial(stored.data);
      ref = entry.newMember;
      break;
    }
  }
  if (material === undefined || ref === undefined) {
    throw new ValidationError("welcome/unknown-key-package", "12.4.3.1", "the Welcome is for none of this client's stored KeyPackages (already consumed, deleted, or never ours)");
  }
  const cs = await client.crypto.cipherSuite(m.welcome.cipherSuite);
  const keyPackage = decodeKeyPackage(material.keyPackage);
  const signature = await client.signatureFor(cs);
  if (!bytesEqual(signature.publicKey, keyPackage.leafNode.signatureKey)) {
    throw new UsageError("usage/signature-key-mismatch", "the KeyPackage was signed with a key this client no longer holds");
  }
  // §12.4.3.1: the group id must be new among the groups this client is in. A group frozen by a
  // merged ReInit (§11.2) no longer counts: its successor may keep its id.
  const existingGroupIds = (await client.allGroups()).filter((g) => g.active && g.reinit === undefined).map((g) => g.groupId);
  let resumed: GroupState | undefined;
  const lookup = options.resumedGroup;
  const resumedGroup: ResumedGroupSource = async (groupId: Uint8Array) => {
    let found: Group | GroupState | undefined;
    if (lookup === undefined) found = await client.getGroup(groupId);
    else if (typeof lookup === "function") found = await lookup(groupId);
    else found = lookup;
    const state = found instanceof Group ? found.state : found;
    resumed = state;
    return state;
  };
  const state = await joinGroupFromWelcome({
    cs,
    welcome: m.welcome,
    keyPackage,
    initPrivateKey: material.initPrivateKey,
    encryptionPrivateKey: material.encryptionPrivateKey,
    signaturePrivateKey: signature.privateKey,
    services: client.services,
    policy: client.policy(options.policy),
    existingGroupIds,
    // A reinit/branch Welcome is checked against the group it resumes (§11.2, §11.3, §12.4.3.1).
    resumedGroup,
    ...(options.expectResumption !== undefined ? { expectResumption: options.expectResumption } : {}),
    ...(options.ratchetTree !== undefined ? { ratchetTree: options.ratchetTree } : {}),
  });
  if (resumed?.reinit !== undefined && bytesEqual(resumed.reinit.groupId, state.groupContext.groupId)) await client.retire(resumed);
  // §16.8: the KeyPackage's private keys go in the same transaction as the joined group's state.
  const group = await client.adopt(state, { consumedKeyPackages: [ref] });
  // The init key is consumed (§16.8), now that the store no longer holds it: the provider forgets
  // it too. A last-resort KeyPackage stays (its init key opens later Welcomes). The encryption key
  // lives on as the leaf's key.
  if (!material.lastResort) await client.forgetPrivateKeys([material.initPrivateKey], "key-package-consumed");
  material.initPrivateKey.fill(0);
  return group;
}

/** {@link Client.proposeAsNewMember}. @internal */
export async function proposeAsNewMember(client: ClientInternals, groupInfo: Uint8Array, options: NewMemberProposalOptions): Promise<NewMemberProposalOutput> {
  const m = decodeMlsMessage(groupInfo);
  if (m.wireFormat !== WireFormat.mls_group_info) throw new ValidationError("message/not-a-group-info", "12.4.3", "the message is not a GroupInfo");
  const cs = await client.crypto.cipherSuite(m.groupInfo.groupContext.cipherSuite);
  // Checked before a KeyPackage is stored for it.
  await verifyGroupInfoWithTree(cs, m.groupInfo, options.ratchetTree, client.policy(undefined).maxTreeLeaves);
  const { published, keyPackage } = await storeKeyPackage(client, cs, {});
  const signature = await client.signatureFor(cs);
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

/** {@link Client.joinExternal}. @internal */
export async function joinExternal(client: ClientInternals, groupInfo: Uint8Array, options: JoinExternalOptions): Promise<{ readonly group: Group; readonly commit: Uint8Array }> {
  const m = decodeMlsMessage(groupInfo);
  if (m.wireFormat !== WireFormat.mls_group_info) throw new ValidationError("message/not-a-group-info", "12.4.3", "the message is not a GroupInfo");
  const gc = m.groupInfo.groupContext;
  const cs = await client.crypto.cipherSuite(gc.cipherSuite);
  let removeOwnLeaf;
  const old = await client.getGroup(gc.groupId);
  if (options.resync === true) {
    if (old === undefined) throw new UsageError("usage/unknown-group", "resync needs the group this client was in");
    removeOwnLeaf = old.ownLeafIndex;
  }
  const signature = await client.signatureFor(cs);
  const { commit, state } = await joinByExternalCommit({
    cs,
    groupInfo: m.groupInfo,
    credential: client.credential,
    signaturePrivateKey: signature.privateKey,
    signaturePublicKey: signature.publicKey,
    capabilities: client.capabilitiesFor(cs.suite.id),
    services: client.services,
    policy: client.policy(options.policy),
    ...(options.ratchetTree !== undefined ? { ratchetTree: options.ratchetTree } : {}),
    ...(removeOwnLeaf !== undefined ? { removeOwnLeaf } : {}),
    ...(options.authenticatedData !== undefined ? { authenticatedData: options.authenticatedData } : {}),
    ...(options.psks !== undefined ? { psks: options.psks.map((pskId) => ({ psktype: 1 as const, pskId, pskNonce: cs.randomBytes(cs.hashLength) })) } : {}),
  });
  return { group: await client.adopt({ ...state, status: { kind: "external-join-pending", commit } }), commit };
}
