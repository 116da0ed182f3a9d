/**
 * Proposal-list validation (RFC 9420 §12.2, with the per-type rules of
 * §12.1.x) and application (§12.3) to a copy-on-write {@link TreeDiff}. Used
 * by both the committer and the receivers of a Commit, so both reach the
 * same verdict. The input state is never modified: the diff is dropped when
 * a rule fails. A validation pass returns the first rule broken (a
 * {@link RuleBroken} with its verdict) instead of throwing: a receiver
 * throws that verdict's ValidationError; the committer may instead leave out
 * an invalid proposal it received by reference (§12.2,
 * `omitInvalidReferences`) and validate the rest again.
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
import type { AddProposal } from "./proposal.js";
import { appDataUpdateOf, applyAppDataUpdates } from "../extensions/app-data.js";
import { checkDistinctKeys, memberSummaryOf, validateGroupContextExtensions } from "./proposal-list-checks.js";
import { type AddEntry, type ByReferenceEntry, type ProposalListEntry, type UpdateEntry, isByReference, proposalListEntry } from "./proposal-list-entries.js";
import { partitionProposalList } from "./proposal-list-partition.js";
import { type PassResult, type ProposalInvalid, type RuleBroken, broken, check, invalid, invalidFrom } from "./proposal-verdict.js";
import type { AppliedProposals, ApplyProposalListOptions, ProposalListState, ProposalWithSender } from "./proposal-list-types.js";

export { setMemberSummary } from "./proposal-list-checks.js";
export type { AppliedProposals, ProposalListState, ProposalWithSender } from "./proposal-list-types.js";
export type { ProposalListEntry } from "./proposal-list-entries.js";
export type { ProposalVerdict, ProposalInvalid, ProposalValid } from "./proposal-verdict.js";

/** What one validation pass applied (the omissions are the caller's). */
type Pass = Omit<AppliedProposals, "omitted">;

/**
 * Validates a Commit's proposal list (§12.2) and applies it (§12.3) to a
 * fresh diff of the state's tree: GroupContextExtensions first, then
 * Updates, Removes, Adds in list order, PSKs in list order, ExternalInit and
 * ReInit noted. Each enforced rule cites its section.
 * @throws ValidationError naming the first rule broken (with
 *   `omitInvalidReferences`, the first one no by-reference proposal can be left out for).
 */
export async function applyProposalList(state: ProposalListState, list: readonly ProposalWithSender[], options: ApplyProposalListOptions): Promise<AppliedProposals> {
  const omitting = options.omitInvalidReferences === true;
  // KeyPackage validations are shared across the committer's passes (each pass leaves out at most one entry).
  const kpCache = omitting ? new Map<object, Promise<ValidatedKeyPackage>>() : undefined;
  let entries = list.map(proposalListEntry);
  const omitted: { proposal: ByReferenceEntry; verdict: ProposalInvalid; error: ValidationError }[] = [];
  for (;;) {
    const pass = await applyOnce(state, entries, options, kpCache);
    if (pass.ok) return { ...pass.value, omitted };
    const victim = omitting ? omissionFor(pass) : undefined;
    // A receiver (or a rule no by-reference proposal can be blamed for): the Commit is invalid (§12.2).
    if (victim === undefined) throw pass.verdict.error;
    omitted.push({ proposal: victim, verdict: pass.verdict, error: pass.verdict.error });
    entries = entries.filter((e) => e !== victim);
  }
}

/** §12.2: the committer "MAY omit" an invalid proposal received by reference: the first such one blamed for the rule. */
function omissionFor(b: RuleBroken): ByReferenceEntry | undefined {
  return b.blame.find(isByReference);
}

/** One validation pass over `list`: what it applied, or the first rule broken. */
async function applyOnce(
  state: ProposalListState,
  list: readonly ProposalListEntry[],
  options: ApplyProposalListOptions,
  kpCache: Map<object, Promise<ValidatedKeyPackage>> | undefined,
): Promise<PassResult<Pass>> {
  const { cs, policy } = state;
  const identityProvider = state.services.identityProvider;
  const committer = options.committer;
  const gc = state.groupContext;

  // §12.2 rules on the list as a whole (and per-proposal rules needing no tree change), before anything is applied.
  const partitioned = await partitionProposalList(state, list, options);
  if (!partitioned.ok) return partitioned;
  const { adds, updates, removes, selfRemoves, appDataUpdates, custom, gce, externalInit, reinit, pathRequired, psks } = partitioned.value;

  const diff = state.tree.stage();
  const extensions: readonly Extension[] = gce?.extensions ?? gc.extensions;
  let summary = memberSummaryOf(state);
  const group = (): LeafNodeGroup => ({ groupId: gc.groupId, version: gc.version, extensions, members: summary });
  // SelfRemoves (draft-ietf-mls-extensions) remove their sender's leaf, like a Remove of it.
  const removals = [...selfRemoves.map(({ leaf }) => leaf), ...removes.map((e) => e.proposal.removed)];
  const removedLeaves = new Set<number>(removals);

  // GroupContextExtensions (§12.3 first), validated against the members after the Commit (§12.1.7).
  if (gce !== undefined) {
    const addProposals = adds.map((e) => e.proposal);
    const v = await check(() => validateGroupContextExtensions(state, gce.extensions, addProposals, removedLeaves));
    if (!v.ok) return broken([gce.e], v);
  }

  // Updates (§12.1.2): the LeafNode is valid for an Update (§7.3), replacing the sender's leaf.
  const updated: { leafIndex: LeafIndex; leafNode: LeafNode; previous: LeafNode }[] = [];
  const withPrevious: { e: UpdateEntry; leafIndex: LeafIndex; leafNode: LeafNode; previous: LeafNode }[] = [];
  for (const { e, leaf } of updates) {
    const previous = state.tree.leafNode(leaf);
    if (previous === undefined) return broken([e], invalid("proposal/update-blank-leaf", "12.1.2", `Update from blank leaf ${leaf}`));
    withPrevious.push({ e, leafIndex: leaf, leafNode: e.proposal.leafNode, previous });
  }
  const updateVerdicts = await Promise.all(
    withPrevious.map(async (u): Promise<ProposalInvalid | undefined> => {
      try {
        await validateLeafNode(cs, u.leafNode, {
          source: LeafNodeSource.update,
          identityProvider,
          group: { ...group(), keys: state.tree },
          leafIndex: u.leafIndex,
          replaces: u.previous,
          lifetime: policy.lifetime,
        });
        return undefined;
      } catch (err) {
        // §12.1.2: "An Update proposal is invalid if the LeafNode is invalid for an Update proposal according to Section 7.3."
        if (ValidationError.isInstance(err)) return invalidFrom(err);
        return invalid("proposal/update-invalid-leaf", "12.1.2", "the Update's LeafNode is invalid", err);
      }
    }),
  );
  for (const [k, u] of withPrevious.entries()) {
    const v = updateVerdicts[k];
    if (v !== undefined) return broken([u.e], v);
    updated.push({ leafIndex: u.leafIndex, leafNode: u.leafNode, previous: u.previous });
  }
  updated.sort((a, b) => a.leafIndex - b.leafIndex);
  for (const u of updated) {
    diff.updateLeaf(u.leafIndex, u.leafNode);
    summary = summary.without(u.previous).with(u.leafNode);
  }
  // §7.3 across the Updates themselves: their keys must be distinct from one another.
  const distinct = await check(() =>
    checkDistinctKeys(
      updated.map((u) => u.leafNode),
      "7.3",
    ),
  );
  if (!distinct.ok) return broken(updates.map(({ e }) => e).reverse(), distinct);

  // Removes (§12.1.3).
  const removed: { leafIndex: LeafIndex; leafNode: LeafNode }[] = [];
  for (const r of removals) {
    const leafNode = expectDefined(diff.leafNode(r), `removed leaf ${r} (a Remove of a blank leaf was refused before)`);
    diff.removeLeaf(r);
    summary = summary.without(leafNode);
    removed.push({ leafIndex: r, leafNode });
  }

  // Adds (§12.1.1): each KeyPackage valid (§10.1) for this group; no duplicates, no current members (§12.2).
  const added = await applyAdds(state, adds, kpCache, group, {
    diff,
    updated,
    removedLeaves,
    withLeaf: (leaf) => void (summary = summary.with(leaf)),
  });
  if (!added.ok) return added;

  // Custom proposals (§13.2): supported by every member that processes the Commit (§12.2), then their hooks.
  let finalExtensions = extensions;
  if (custom.length > 0) {
    const exclude = new Set<number>([...removed.map((r) => r.leafIndex), ...added.value.map((a) => a.leafIndex)]);
    for (const { e, handler } of custom) {
      const type = e.proposal.customProposalType;
      for (const l of diff.leaves()) {
        if (exclude.has(l)) continue;
        if (!isDefaultProposalType(type) && !supportsProposal(expectDefined(diff.leafNode(l), `leaf ${l}, listed by diff.leaves()`).capabilities, type)) {
          return broken([e], invalid("proposal-list/unsupported-proposal-type", "12.2", `member at leaf ${l} does not support proposal type ${type}`));
        }
      }
      const ctx: CustomProposalContext = { groupId: gc.groupId, epoch: gc.epoch, extensions: finalExtensions, sender: options.commitSender, committer };
      const v = await check(() => handler.validate?.(e.proposal, ctx));
      if (!v.ok) return broken([e], v);
      const next = handler.apply?.(e.proposal, ctx);
      if (next) finalExtensions = next;
    }
  }

  // AppDataUpdates (draft-ietf-mls-extensions) after every other proposal, through the application's hook.
  if (appDataUpdates.length > 0) {
    const before = finalExtensions;
    // Decoding the bodies is not part of the check: a malformed one fails the list whoever sent it, as before.
    const changes = appDataUpdates.map((e) => ({ update: appDataUpdateOf(e.proposal), sender: e.sender }));
    const appData = await check(() => applyAppDataUpdates(before, changes, policy.appData, { groupId: gc.groupId, epoch: gc.epoch, committer }));
    if (!appData.ok) return broken([...appDataUpdates].reverse(), appData);
    finalExtensions = appData.value;
  }

  return {
    ok: true,
    value: {
      diff,
      extensions: finalExtensions,
      extensionsChanged: gce !== undefined || finalExtensions !== extensions,
      added: added.value,
      removed,
      updated,
      psks,
      externalInit: externalInit?.proposal,
      reinit: reinit?.proposal,
      custom: custom.map(({ e }) => e.proposal),
      pathRequired,
      memberSummary: summary,
      applied: list,
    },
  };
}

/** The tree change a pass has made before its Adds, which they are checked against. */
interface BeforeAdds {
  readonly diff: Pass["diff"];
  readonly updated: Pass["updated"];
  readonly removedLeaves: ReadonlySet<number>;
  /** Records an added leaf in the members' credential summary. */
  readonly withLeaf: (leaf: LeafNode) => void;
}

/**
 * Adds (§12.1.1): validates each KeyPackage (§10.1) for this group, refuses
 * duplicates and clients already in the group (§12.2) and reused encryption
 * keys (§7.3), and adds their leaves to the diff in list order.
 */
async function applyAdds(
  state: ProposalListState,
  adds: readonly AddEntry[],
  kpCache: Map<object, Promise<ValidatedKeyPackage>> | undefined,
  group: () => LeafNodeGroup,
  before: BeforeAdds,
): Promise<PassResult<Pass["added"]>> {
  const added: { leafIndex: LeafIndex; keyPackage: ValidatedKeyPackage; keyPackageRef: Uint8Array }[] = [];
  if (adds.length === 0) return { ok: true, value: added };
  const { cs, policy } = state;
  const gc = state.groupContext;
  const identityProvider = state.services.identityProvider;
  const { diff, updated, removedLeaves } = before;
  const validateKp = (kp: AddProposal["keyPackage"]): Promise<ValidatedKeyPackage> =>
    validateKeyPackage(cs, kp, { identityProvider, version: gc.version, group: group(), lifetime: policy.lifetime }).then((r) => r.keyPackage);
  const checked = await Promise.all(
    adds.map((e) =>
      check(async () => {
        const kp = e.proposal.keyPackage;
        let v = kpCache?.get(kp);
        if (v === undefined) {
          v = validateKp(kp);
          kpCache?.set(kp, v);
        }
        const keyPackage = await v;
        return { e, keyPackage, ref: await keyPackageRef(cs, keyPackage) };
      }),
    ),
  );
  const validated: { e: AddEntry; keyPackage: ValidatedKeyPackage; ref: Uint8Array }[] = [];
  for (const [k, c] of checked.entries()) {
    if (!c.ok) return broken([expectDefined(adds[k], `Add ${k}`)], c);
    validated.push(c.value);
  }
  // §12.2 "represents the same client according to the application": signature keys and the IdentityProvider's identities,
  // looked up in the per-tree identity index (O(1) each; built once, then derived per Commit).
  const [index, identified, updatedIds] = await Promise.all([
    identityIndexOf(state.tree, identityProvider),
    Promise.all(validated.map(async (v) => ({ ...v, id: toHex(await identityProvider.identity(v.keyPackage.leafNode.credential)) }))),
    Promise.all(updated.map((u) => identityProvider.identity(u.leafNode.credential))),
  ]);
  const updatedLeaves = new Set(updated.map((u) => u.leafIndex as number));
  const newIds = new Set(updatedIds.map(toHex));
  // Keys introduced by this Commit, so each lookup is O(1) plus the base tree's key index (no O(k²) for k Adds).
  const newSig = new Set(updated.map((u) => toHex(u.leafNode.signatureKey)));
  const newEnc = new Set(updated.map((u) => toHex(u.leafNode.encryptionKey)));
  const addIds = new Map<string, AddEntry>();
  const addSigs = new Map<string, AddEntry>();
  for (const { e, keyPackage, ref, id } of identified) {
    const leaf = keyPackage.leafNode;
    const sig = toHex(leaf.signatureKey);
    const enc = toHex(leaf.encryptionKey);
    // §12.2: "multiple Add proposals that contain KeyPackages that represent the same client" (same signature key or identity).
    const twin = addIds.get(id) ?? addSigs.get(sig);
    if (twin !== undefined) return broken([e, twin], invalid("proposal-list/duplicate-add", "12.2", "two Add proposals represent the same client"));
    // §12.2: "an Add proposal with a KeyPackage that represents a client already in the group ... unless there is a
    // Remove proposal in the list removing the matching client": same signature key or identity as a remaining member.
    const baseSig = state.tree.findSignatureKey(leaf.signatureKey).filter((l) => {
      const key = diff.isLeafBlank(l) ? undefined : diff.signatureKey(l);
      return key !== undefined && bytesEqual(key, leaf.signatureKey);
    });
    const baseId = index.leaves(id).some((l) => !removedLeaves.has(l) && !updatedLeaves.has(l));
    if (baseSig.length > 0 || newSig.has(sig) || baseId || newIds.has(id)) {
      return broken([e], invalid("proposal-list/add-existing-member", "12.2", "an Add's KeyPackage represents a client already in the group"));
    }
    // §7.3: encryption keys unique in the tree.
    const baseEnc = state.tree.findEncryptionKey(leaf.encryptionKey).filter((n) => {
      const key = diff.encryptionKey(n);
      return key !== undefined && bytesEqual(key, leaf.encryptionKey);
    });
    if (baseEnc.length > 0 || newEnc.has(enc)) return broken([e], invalid("leaf-node/duplicate-encryption-key", "7.3", "an Add's encryption_key is already used in the tree"));
    addIds.set(id, e);
    addSigs.set(sig, e);
    newEnc.add(enc);
    const leafIndex = diff.addLeaf(leaf);
    before.withLeaf(leaf);
    added.push({ leafIndex, keyPackage, keyPackageRef: ref });
  }
  return { ok: true, value: added };
}
