/**
 * Proposal-list validation (RFC 9420 §12.2, with the per-type rules of
 * §12.1.x) and application (§12.3) to a copy-on-write {@link TreeDiff}. Used
 * by both the committer and the receivers of a Commit, so both reach the
 * same verdict. The input state is never modified: the diff is dropped when
 * a rule fails. The committer may instead leave out invalid proposals it
 * received by reference (§12.2, `omitInvalidReferences`).
 */
import { bytesEqual, toHex } from "@mlskit/codec";
import { type Extension, ValidationError, expectDefined } from "@mlskit/core";
import { type LeafIndex, type LeafNode, LeafNodeSource } from "@mlskit/ratchet-tree";
import { isDefaultProposalType, supportsProposal } from "../leaf-nodes/capabilities.js";
import type { CustomProposalContext } from "../policy/group-policy.js";
import { identityIndexOf } from "./identity-index.js";
import { keyPackageRef } from "../key-packages/key-package.js";
import { type ValidatedKeyPackage, validateKeyPackage } from "../key-packages/key-package-validation.js";
import { type LeafNodeGroup, validateLeafNode } from "../leaf-nodes/leaf-node-validation.js";
import type { AddProposal, CustomProposal } from "./proposal.js";
import { appDataUpdateOf, applyAppDataUpdates } from "../extensions/app-data.js";
import { checkDistinctKeys, memberSummaryOf, validateGroupContextExtensions } from "./proposal-list-checks.js";
import { type Attempt, type Entry, type Fail, Omit, ruleBreaking, senderLeaf } from "./proposal-list-entries.js";
import { partitionProposalList } from "./proposal-list-partition.js";
import type { AppliedProposals, ApplyProposalListOptions, ProposalListState, ProposalWithSender } from "./proposal-list-types.js";

export { memberSummaryOf, setMemberSummary } from "./proposal-list-checks.js";
export type { AppliedProposals, ProposalListState, ProposalWithSender } from "./proposal-list-types.js";

/**
 * Validates a Commit's proposal list (§12.2) and applies it (§12.3) to a
 * fresh diff of the state's tree: GroupContextExtensions first, then
 * Updates, Removes, Adds in list order, PSKs in list order, ExternalInit and
 * ReInit noted. Each enforced rule cites its section.
 * @throws ValidationError naming the first rule broken.
 */
export async function applyProposalList(
  state: ProposalListState,
  list: readonly ProposalWithSender[],
  options: ApplyProposalListOptions,
): Promise<AppliedProposals> {
  if (options.omitInvalidReferences !== true) return applyOnce(state, list, options, undefined);
  // Each pass leaves out at most one entry; KeyPackage validations are shared across passes.
  const kpCache = new Map<object, Promise<ValidatedKeyPackage>>();
  let current = list;
  const omitted: { proposal: ProposalWithSender; error: ValidationError }[] = [];
  for (;;) {
    try {
      return { ...(await applyOnce(state, current, options, kpCache)), omitted };
    } catch (e) {
      if (!(e instanceof Omit)) throw e;
      omitted.push({ proposal: current[e.index]!, error: e.error });
      current = current.filter((_, i) => i !== e.index);
    }
  }
}

async function applyOnce(
  state: ProposalListState,
  list: readonly ProposalWithSender[],
  options: ApplyProposalListOptions,
  kpCache: Map<object, Promise<ValidatedKeyPackage>> | undefined,
): Promise<Omit_<AppliedProposals, "omitted"> & { omitted: [] }> {
  const { cs, policy } = state;
  const identityProvider = state.services.identityProvider;
  const committer = options.committer;
  const gc = state.groupContext;
  const omitting = kpCache !== undefined;
  const rules = ruleBreaking(omitting);
  const fail: Fail = rules.fail;
  const attempt: Attempt = rules.attempt;

  // §12.2 rules on the list as a whole (and per-proposal rules needing no tree change), before anything is applied.
  const { adds, updates, removes, selfRemoves, appDataUpdates, custom, gce, externalInit, reinit, pathRequired, psks } = await partitionProposalList(state, list, options, omitting, fail);

  const diff = state.tree.stage();
  const extensions: readonly Extension[] = gce?.extensions ?? gc.extensions;
  let summary = memberSummaryOf(state);
  const group = (): LeafNodeGroup => ({ groupId: gc.groupId, version: gc.version, extensions, members: summary });
  // SelfRemoves (draft-ietf-mls-extensions) remove their sender's leaf, like a Remove of it.
  const removals = [...selfRemoves.map((e) => ({ e, r: senderLeaf(e) })), ...removes.map((e) => ({ e, r: (e.p as { removed: LeafIndex }).removed }))];
  const removedLeaves = new Set(removals.map(({ r }) => r as number));

  // GroupContextExtensions (§12.3 first), validated against the members after the Commit (§12.1.7).
  if (gce !== undefined) {
    const addProposals = adds.map((e) => e.p as AddProposal);
    await attempt([gce.e], () => validateGroupContextExtensions(state, gce!.extensions, addProposals, removedLeaves));
  }

  // Updates (§12.1.2): the LeafNode is valid for an Update (§7.3), replacing the sender's leaf.
  const updated: { leafIndex: LeafIndex; leafNode: LeafNode; previous: LeafNode }[] = [];
  await Promise.all(
    updates.map(async (e) => {
      const l = senderLeaf(e);
      const leafNode = (e.p as { leafNode: LeafNode }).leafNode;
      const previous = state.tree.leafNode(l);
      if (previous === undefined) fail([e], "proposal/update-blank-leaf", "12.1.2", `Update from blank leaf ${l}`);
      try {
        await validateLeafNode(cs, leafNode, {
          source: LeafNodeSource.update,
          identityProvider,
          group: { ...group(), keys: state.tree },
          leafIndex: l,
          replaces: previous,
          lifetime: policy.lifetime,
        });
      } catch (err) {
        // §12.1.2: "An Update proposal is invalid if the LeafNode is invalid for an Update proposal according to Section 7.3."
        if (ValidationError.isInstance(err)) {
          if (omitting && e.byRef) throw new Omit(e.i, err);
          throw err;
        }
        fail([e], "proposal/update-invalid-leaf", "12.1.2", "the Update's LeafNode is invalid", err);
      }
      updated.push({ leafIndex: l, leafNode, previous });
    }),
  );
  updated.sort((a, b) => a.leafIndex - b.leafIndex);
  for (const u of updated) {
    diff.updateLeaf(u.leafIndex, u.leafNode);
    summary = summary.without(u.previous).with(u.leafNode);
  }
  // §7.3 across the Updates themselves: their keys must be distinct from one another.
  await attempt([...updates].reverse(), () => checkDistinctKeys(updated.map((u) => u.leafNode), "7.3"));

  // Removes (§12.1.3).
  const removed: { leafIndex: LeafIndex; leafNode: LeafNode }[] = [];
  for (const { r } of removals) {
    const leafNode = expectDefined(diff.leafNode(r), `removed leaf ${r} (a Remove of a blank leaf was refused before)`);
    diff.removeLeaf(r);
    summary = summary.without(leafNode);
    removed.push({ leafIndex: r, leafNode });
  }

  // Adds (§12.1.1): each KeyPackage valid (§10.1) for this group; no duplicates, no current members (§12.2).
  const validateKp = (kp: AddProposal["keyPackage"]): Promise<ValidatedKeyPackage> =>
    validateKeyPackage(cs, kp, { identityProvider, version: gc.version, group: group(), lifetime: policy.lifetime }).then((r) => r.keyPackage);
  const validated = await Promise.all(
    adds.map((e) =>
      attempt([e], async () => {
        const kp = (e.p as AddProposal).keyPackage;
        let v = kpCache?.get(kp);
        if (v === undefined) {
          v = validateKp(kp);
          kpCache?.set(kp, v);
        }
        const keyPackage = await v;
        return { keyPackage, ref: await keyPackageRef(cs, keyPackage) };
      }),
    ),
  );
  const added: { leafIndex: LeafIndex; keyPackage: ValidatedKeyPackage; keyPackageRef: Uint8Array }[] = [];
  if (adds.length > 0) {
    // §12.2 "represents the same client according to the application": signature keys and the IdentityProvider's identities,
    // looked up in the per-tree identity index (O(1) each; built once, then derived per Commit).
    const [index, identities, updatedIds] = await Promise.all([
      identityIndexOf(state.tree, identityProvider),
      Promise.all(validated.map(({ keyPackage }) => identityProvider.identity(keyPackage.leafNode.credential))),
      Promise.all(updated.map((u) => identityProvider.identity(u.leafNode.credential))),
    ]);
    const updatedLeaves = new Set(updated.map((u) => u.leafIndex as number));
    const newIds = new Set(updatedIds.map(toHex));
    // Keys introduced by this Commit, so each lookup is O(1) plus the base tree's key index (no O(k²) for k Adds).
    const newSig = new Set(updated.map((u) => toHex(u.leafNode.signatureKey)));
    const newEnc = new Set(updated.map((u) => toHex(u.leafNode.encryptionKey)));
    const addIds = new Map<string, Entry>();
    const addSigs = new Map<string, Entry>();
    validated.forEach(({ keyPackage, ref }, k) => {
      const e = adds[k]!;
      const leaf = keyPackage.leafNode;
      const sig = toHex(leaf.signatureKey);
      const enc = toHex(leaf.encryptionKey);
      const id = toHex(identities[k]!);
      // §12.2: "multiple Add proposals that contain KeyPackages that represent the same client" (same signature key or identity).
      const twin = addIds.get(id) ?? addSigs.get(sig);
      if (twin !== undefined) fail([e, twin], "proposal-list/duplicate-add", "12.2", "two Add proposals represent the same client");
      // §12.2: "an Add proposal with a KeyPackage that represents a client already in the group ... unless there is a
      // Remove proposal in the list removing the matching client": same signature key or identity as a remaining member.
      const baseSig = state.tree.findSignatureKey(leaf.signatureKey).filter((l) => !diff.isLeafBlank(l) && bytesEqual(diff.signatureKey(l)!, leaf.signatureKey));
      const baseId = index.leaves(id).some((l) => !removedLeaves.has(l) && !updatedLeaves.has(l));
      if (baseSig.length > 0 || newSig.has(sig) || baseId || newIds.has(id)) {
        fail([e], "proposal-list/add-existing-member", "12.2", "an Add's KeyPackage represents a client already in the group");
      }
      // §7.3: encryption keys unique in the tree.
      const baseEnc = state.tree.findEncryptionKey(leaf.encryptionKey).filter((n) => {
        const key = diff.encryptionKey(n);
        return key !== undefined && bytesEqual(key, leaf.encryptionKey);
      });
      if (baseEnc.length > 0 || newEnc.has(enc)) fail([e], "leaf-node/duplicate-encryption-key", "7.3", "an Add's encryption_key is already used in the tree");
      addIds.set(id, e);
      addSigs.set(sig, e);
      newEnc.add(enc);
      const leafIndex = diff.addLeaf(leaf);
      summary = summary.with(leaf);
      added.push({ leafIndex, keyPackage, keyPackageRef: ref });
    });
  }

  // Custom proposals (§13.2): supported by every member that processes the Commit (§12.2), then their hooks.
  let finalExtensions = extensions;
  if (custom.length > 0) {
    const exclude = new Set<number>([...removed.map((r) => r.leafIndex), ...added.map((a) => a.leafIndex)]);
    for (const { e, p } of custom) {
      for (const l of diff.leaves()) {
        if (exclude.has(l)) continue;
        if (!isDefaultProposalType(p.customProposalType) && !supportsProposal(expectDefined(diff.leafNode(l), `leaf ${l}, listed by diff.leaves()`).capabilities, p.customProposalType)) {
          fail([e], "proposal-list/unsupported-proposal-type", "12.2", `member at leaf ${l} does not support proposal type ${p.customProposalType}`);
        }
      }
      const h = policy.customProposals.get(p.customProposalType)!;
      const ctx: CustomProposalContext = { groupId: gc.groupId, epoch: gc.epoch, extensions: finalExtensions, sender: options.commitSender, committer };
      await attempt([e], () => h.validate?.(p, ctx));
      const next = h.apply?.(p, ctx);
      if (next) finalExtensions = next;
    }
  }

  // AppDataUpdates (draft-ietf-mls-extensions) after every other proposal, through the application's hook.
  if (appDataUpdates.length > 0) {
    const before = finalExtensions;
    const updates = appDataUpdates.map((e) => ({ update: appDataUpdateOf(e.p as CustomProposal), sender: e.s }));
    finalExtensions = await attempt([...appDataUpdates].reverse(), () => applyAppDataUpdates(before, updates, policy.appData, { groupId: gc.groupId, epoch: gc.epoch, committer }));
  }

  return {
    diff,
    extensions: finalExtensions,
    extensionsChanged: gce !== undefined || finalExtensions !== extensions,
    added,
    removed,
    updated,
    psks,
    externalInit: externalInit?.p,
    reinit: reinit?.p,
    custom: custom.map((c) => c.p),
    pathRequired,
    memberSummary: summary,
    applied: list,
    omitted: [],
  };
}

type Omit_<T, K extends keyof T> = Pick<T, Exclude<keyof T, K>>;
