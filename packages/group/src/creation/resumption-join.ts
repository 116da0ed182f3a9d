/**
 * The joiner's checks of a Welcome that resumes another group (RFC 9420
 * §12.4.3.1 last step, §11.2, §11.3): a resumption PSK with usage `reinit`
 * or `branch` links the new group to the old one, whose state the joiner
 * supplies, and the new group must be what the old one allows.
 */
import { bytesEqual, encode, toHex } from "@mlskit/codec";
import { extensionsCodec, expectDefined } from "@mlskit/core";
import { type GroupContext, PSKType, type PreSharedKeyID, ResumptionPSKUsage } from "@mlskit/key-schedule";
import type { RatchetTree } from "@mlskit/ratchet-tree";
import type { GroupServices, GroupState } from "../state/group-state.js";
import { fail } from "../error-codes.js";

/** The group a reinit/branch Welcome resumes: its state, or a lookup by group id. */
export type ResumedGroupSource = GroupState | ((groupId: Uint8Array) => GroupState | undefined | Promise<GroupState | undefined>);

/** Which kind of resumption a join requires: `reinit` (§11.2) or `branch` (§11.3). */
export type ResumptionKind = "reinit" | "branch";

type ResumptionPsk = Extract<PreSharedKeyID, { psktype: typeof PSKType.resumption }>;

/** The resumption PSKs with usage `reinit` or `branch` of a GroupSecrets. */
export function resumptionPsksOf(psks: readonly PreSharedKeyID[]): ResumptionPsk[] {
  return psks.filter((p): p is ResumptionPsk => p.psktype === PSKType.resumption && p.usage !== ResumptionPSKUsage.application);
}

/**
 * Checks the GroupSecrets' reinit/branch PSK against what the join
 * requires, and finds the resumed group's state (undefined when the
 * Welcome resumes nothing).
 * @throws ValidationError `welcome/multiple-reinit-branch-psks`,
 *   `welcome/resumption-psk-missing`, `welcome/resumption-psk-usage`, `welcome/resumed-group-unknown`
 */
export async function findResumedGroup(
  psks: readonly PreSharedKeyID[],
  source: ResumedGroupSource | undefined,
  expect: ResumptionKind | undefined,
): Promise<{ psk: ResumptionPsk; group: GroupState | undefined } | undefined> {
  const special = resumptionPsksOf(psks);
  // §12.4.3.1: "if a PreSharedKeyID has type resumption with usage reinit or branch, verify that it is the only such PSK."
  if (special.length > 1) fail("welcome/multiple-reinit-branch-psks", "12.4.3.1", "more than one resumption PSK with usage reinit or branch");
  const psk = special[0];
  if (expect !== undefined) {
    const usage = expect === "reinit" ? ResumptionPSKUsage.reinit : ResumptionPSKUsage.branch;
    const section = expect === "reinit" ? "11.2" : "11.3";
    // §11.2: the Welcome "MUST specify a PreSharedKeyID of type resumption with usage reinit"; §11.3 likewise with branch.
    if (psk === undefined) fail("welcome/resumption-psk-missing", section, `the Welcome has no resumption PSK with usage ${expect}`);
    if (psk.usage !== usage) fail("welcome/resumption-psk-usage", section, `the Welcome's resumption PSK has usage ${psk.usage}, expected ${expect}`);
  }
  if (psk === undefined) return undefined;
  let group: GroupState | undefined;
  if (typeof source === "function") group = await source(psk.pskGroupId);
  else if (source !== undefined && bytesEqual(source.groupContext.groupId, psk.pskGroupId)) group = source;
  else if (source !== undefined || expect !== undefined) {
    fail("welcome/resumed-group-unknown", "12.4.3.1", `the Welcome resumes group ${toHex(psk.pskGroupId)}, which is not the given group`);
  }
  if (group === undefined && (source !== undefined || expect !== undefined)) {
    fail("welcome/resumed-group-unknown", "12.4.3.1", `the Welcome resumes group ${toHex(psk.pskGroupId)}, which this client does not know`);
  }
  return { psk, group };
}

async function identities(services: GroupServices, tree: RatchetTree): Promise<string[]> {
  const leaves = [...tree.leaves()];
  const ids = await Promise.all(leaves.map((l) => services.identityProvider.identity(expectDefined(tree.leafNode(l), `leaf ${l}, listed by tree.leaves()`).credential)));
  return ids.map(toHex);
}

/**
 * The last step of §12.4.3.1 for a reinit/branch Welcome, once the new
 * group's GroupContext and tree are verified. `old` is the resumed group's
 * state (for `reinit`: the frozen state after the Commit covering the
 * ReInit; for `branch`: the parent group, in the PSK's epoch or later).
 */
export async function checkResumedGroup(psk: ResumptionPsk, old: GroupState, gc: GroupContext, tree: RatchetTree, services: GroupServices): Promise<void> {
  // §12.4.3.1: "verify that the epoch field in the GroupInfo is equal to 1" (§11.2, §11.3: "The epoch in the Welcome message MUST be 1").
  if (gc.epoch !== 1n) fail("welcome/reinit-branch-epoch", "12.4.3.1", "a reinit/branch Welcome must start epoch 1");
  const newIds = await identities(services, tree);
  if (psk.usage === ResumptionPSKUsage.reinit) {
    const reinit = old.reinit;
    // §12.4.3.1: "verify that the last Commit to the referenced group contains a ReInit proposal".
    if (reinit === undefined) fail("welcome/reinit-not-committed", "12.4.3.1", "the resumed group's last Commit has no ReInit");
    // §11.2: the PSK's "epoch field indicates the epoch after the Commit covering the ReInit".
    if (psk.pskEpoch !== old.groupContext.epoch) {
      fail("welcome/reinit-psk-epoch", "11.2", `the reinit PSK is for epoch ${psk.pskEpoch}, the old group's last epoch is ${old.groupContext.epoch}`);
    }
    // §11.2, §12.4.3.1: group_id, version, cipher_suite and extensions match the ReInit proposal.
    if (!bytesEqual(gc.groupId, reinit.groupId)) fail("welcome/reinit-group-id", "11.2", "the new group_id is not the ReInit's");
    if (gc.version !== reinit.version) fail("welcome/reinit-version", "11.2", "the new group's version is not the ReInit's");
    if (gc.cipherSuite !== reinit.cipherSuite) fail("welcome/reinit-cipher-suite", "11.2", "the new group's cipher suite is not the ReInit's");
    if (!bytesEqual(encode(extensionsCodec, gc.extensions), encode(extensionsCodec, reinit.extensions))) {
      fail("welcome/reinit-extensions", "11.2", "the new group's extensions are not the ReInit's");
    }
    // §12.4.3.1: "verify that all the members of the old group are also members of the new group, according to the application".
    const present = new Set(newIds);
    for (const id of await identities(old.services, old.tree)) {
      if (!present.has(id)) fail("welcome/reinit-members", "12.4.3.1", "a member of the old group is not a member of the new group");
    }
    return;
  }
  // §11.3: "The version and cipher_suite values in the Welcome message are the same as those used by the old group."
  if (gc.version !== old.groupContext.version || gc.cipherSuite !== old.groupContext.cipherSuite) {
    fail("welcome/branch-parameters", "11.3", "a branch must keep the parent group's version and cipher suite");
  }
  // §11.3: "Each LeafNode in a new subgroup MUST match some LeafNode in the original group" (identities, per the application),
  // in the epoch the PSK refers to when it is still kept.
  const parentTree = psk.pskEpoch === old.groupContext.epoch ? old.tree : (old.pastEpochs.find((p) => p.epoch === psk.pskEpoch)?.tree ?? old.tree);
  const parentIds = new Set(await identities(old.services, parentTree));
  for (const id of newIds) {
    if (!parentIds.has(id)) fail("welcome/branch-members", "11.3", "a member of the subgroup is not a member of the parent group");
  }
}
