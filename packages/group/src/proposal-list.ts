/**
 * Proposal-list validation (RFC 9420 §12.2, with the per-type rules of
 * §12.1.x) and application (§12.3) to a copy-on-write {@link TreeDiff}. Used
 * by both the committer and the receivers of a Commit, so both reach the
 * same verdict. The input state is never modified: the diff is dropped when
 * a rule fails. The committer may instead leave out invalid proposals it
 * received by reference (§12.2, `omitInvalidReferences`).
 */
import { bytesEqual, toHex } from "@mlskit/codec";
import { type Extension, ProposalType, ValidationError } from "@mlskit/core";
import { PSKType, type PreSharedKeyID, ResumptionPSKUsage, assertPskNonceLength } from "@mlskit/key-schedule";
import { type LeafIndex, type LeafNode, LeafNodeSource, type TreeDiff } from "@mlskit/ratchet-tree";
import { type CredentialTypeSummary, isDefaultProposalType, supportsProposal } from "./capabilities.js";
import type { CustomProposalContext } from "./group-policy.js";
import type { GroupState } from "./group-state.js";
import { identityIndexOf } from "./identity-index.js";
import { keyPackageRef } from "./key-package.js";
import { type ValidatedKeyPackage, validateKeyPackage } from "./key-package-validation.js";
import { type LeafNodeGroup, validateLeafNode } from "./leaf-node-validation.js";
import {
  type AddProposal,
  type CustomProposal,
  type ExternalInitProposal,
  type Proposal,
  type ReInitProposal,
  proposalTypeOf,
} from "./proposal.js";
import { checkDistinctKeys, memberSummaryOf, pskKey, validateGroupContextExtensions } from "./proposal-list-checks.js";
import { type Sender, SenderType } from "./sender.js";

export { memberSummaryOf, setMemberSummary } from "./proposal-list-checks.js";

/** A proposal with who sent it (by value: the committer). */
export interface ProposalWithSender {
  readonly proposal: Proposal;
  readonly sender: Sender;
  /** The ProposalRef when it was committed by reference. */
  readonly ref?: Uint8Array;
}

/** What applying a valid proposal list did (§12.3). */
export interface AppliedProposals {
  readonly diff: TreeDiff;
  /** The GroupContext extensions of the new epoch. */
  readonly extensions: readonly Extension[];
  readonly extensionsChanged: boolean;
  readonly added: readonly { readonly leafIndex: LeafIndex; readonly keyPackage: ValidatedKeyPackage; readonly keyPackageRef: Uint8Array }[];
  readonly removed: readonly { readonly leafIndex: LeafIndex; readonly leafNode: LeafNode }[];
  readonly updated: readonly { readonly leafIndex: LeafIndex; readonly leafNode: LeafNode; readonly previous: LeafNode }[];
  /** PreSharedKeyIDs in list order (§8.4: the psk_secret chain follows it). */
  readonly psks: readonly PreSharedKeyID[];
  readonly externalInit: ExternalInitProposal | undefined;
  readonly reinit: ReInitProposal | undefined;
  readonly custom: readonly CustomProposal[];
  /** §12.4: the Commit must carry a path. */
  readonly pathRequired: boolean;
  /** The credential summary of the members after the proposals (for the path leaf's §7.3 checks). */
  readonly memberSummary: CredentialTypeSummary;
  /** The proposals applied, in list order (without those omitted). */
  readonly applied: readonly ProposalWithSender[];
  /** By-reference proposals left out because they were invalid (only with `omitInvalidReferences`, §12.2). */
  readonly omitted: readonly { readonly proposal: ProposalWithSender; readonly error: ValidationError }[];
}

/** Options of {@link applyProposalList}. */
export interface ApplyProposalListOptions {
  /** The committer: a member leaf, or undefined for an external commit (§12.2). */
  readonly committer: LeafIndex | undefined;
  /** The Commit's sender (for custom proposal hooks). */
  readonly commitSender: Sender;
  /**
   * The committer's mode (§12.2): a proposal received by reference that
   * breaks a rule is left out (reported in `omitted`) instead of failing the
   * list; by-value proposals still fail it. Where two proposals conflict,
   * the by-reference one goes, a Remove is preferred over an Update, the
   * most recent Update over older ones, and other proposals over a ReInit.
   */
  readonly omitInvalidReferences?: boolean;
  /** With `omitInvalidReferences`: whether this client holds a PSK (§12.4.1); unavailable ones are left out. */
  readonly pskAvailable?: (id: PreSharedKeyID) => Promise<boolean>;
}

/** Path-required proposal types (§12.4 pseudocode `pathRequiredTypes`). */
const PATH_REQUIRED: ReadonlySet<number> = new Set([
  ProposalType.update,
  ProposalType.remove,
  ProposalType.external_init,
  ProposalType.group_context_extensions,
]);

/** One proposal of the list under validation. */
interface Entry {
  readonly i: number;
  readonly p: Proposal;
  readonly s: Sender;
  readonly byRef: boolean;
}

/** Thrown inside one validation pass: leave out list entry `index` and try again. */
class Omit {
  constructor(
    readonly index: number,
    readonly error: ValidationError,
  ) {}
}

/**
 * Validates a Commit's proposal list (§12.2) and applies it (§12.3) to a
 * fresh diff of the state's tree: GroupContextExtensions first, then
 * Updates, Removes, Adds in list order, PSKs in list order, ExternalInit and
 * ReInit noted. Each enforced rule cites its section.
 * @throws ValidationError naming the first rule broken.
 */
export async function applyProposalList(
  state: GroupState,
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
  state: GroupState,
  list: readonly ProposalWithSender[],
  options: ApplyProposalListOptions,
  kpCache: Map<object, Promise<ValidatedKeyPackage>> | undefined,
): Promise<Omit_<AppliedProposals, "omitted"> & { omitted: [] }> {
  const { cs, policy } = state;
  const identityProvider = state.services.identityProvider;
  const external = options.committer === undefined;
  const committer = options.committer;
  const gc = state.groupContext;
  const omitting = kpCache !== undefined;

  /** Rule broken by `candidates` (in the order they should be left out): omit a by-reference one, or fail. */
  function fail(candidates: readonly (Entry | undefined)[], code: string, section: string, message: string, cause?: unknown): never {
    const error = new ValidationError(code, section, message, cause === undefined ? {} : { cause });
    const victim = omitting ? candidates.find((c) => c?.byRef === true) : undefined;
    if (victim !== undefined) throw new Omit(victim.i, error);
    throw error;
  }
  /** Runs a check whose ValidationError is attributed to `candidates`. */
  async function attempt<T>(candidates: readonly Entry[], f: () => T | Promise<T>): Promise<T> {
    try {
      return await f();
    } catch (e) {
      if (omitting && ValidationError.isInstance(e)) {
        const victim = candidates.find((c) => c.byRef);
        if (victim !== undefined) throw new Omit(victim.i, e);
      }
      throw e;
    }
  }

  const entries: Entry[] = list.map((x, i) => ({ i, p: x.proposal, s: x.sender, byRef: x.ref !== undefined }));
  const adds: Entry[] = [];
  const updates: Entry[] = [];
  const removes: Entry[] = [];
  const pskEntries: Entry[] = [];
  const custom: { e: Entry; p: CustomProposal }[] = [];
  let gce: { e: Entry; extensions: Extension[] } | undefined;
  let externalInit: { e: Entry; p: ExternalInitProposal } | undefined;
  let reinit: { e: Entry; p: ReInitProposal } | undefined;
  let pathRequired = list.length === 0;
  for (const e of entries) {
    const p = e.p;
    if (PATH_REQUIRED.has(proposalTypeOf(p))) pathRequired = true;
    switch (p.proposalType) {
      case ProposalType.add:
        adds.push(e);
        break;
      case ProposalType.update:
        // §12.1.2: an Update is sent by a member about its own leaf.
        if (e.s.senderType !== SenderType.member) fail([e], "proposal/update-not-from-member", "12.1.2", "an Update proposal must come from a member");
        updates.push(e);
        break;
      case ProposalType.remove:
        removes.push(e);
        break;
      case ProposalType.psk:
        pskEntries.push(e);
        break;
      case ProposalType.reinit:
        if (reinit !== undefined) fail([e, reinit.e], "proposal-list/reinit-with-others", "12.2", "a Commit contains more than one ReInit");
        reinit = { e, p };
        break;
      case ProposalType.external_init:
        // §12.2: a regular Commit is invalid if "It contains an ExternalInit proposal"; an external one has exactly one.
        if (!external) fail([e], "proposal-list/external-init-in-regular-commit", "12.2", "a regular Commit contains an ExternalInit proposal");
        if (externalInit !== undefined) fail([e], "proposal-list/external-init-count", "12.2", "an external Commit contains more than one ExternalInit");
        externalInit = { e, p };
        break;
      case ProposalType.group_context_extensions:
        // §12.2: "It contains multiple GroupContextExtensions proposals."
        if (gce !== undefined) fail([e, gce.e], "proposal-list/multiple-group-context-extensions", "12.2", "a Commit contains more than one GroupContextExtensions proposal");
        gce = { e, extensions: [...p.extensions] };
        break;
      case "custom": {
        const h = policy.customProposals.get(p.customProposalType);
        // §12.2: a proposal of a non-default type not supported by the members that process the Commit (us included).
        if (h === undefined) fail([e], "proposal-list/unsupported-proposal-type", "12.2", `proposal type ${p.customProposalType} is not supported`);
        if (h.requiresPath !== false) pathRequired = true;
        custom.push({ e, p });
        break;
      }
    }
  }

  if (external) {
    // §12.2 external Commit: exactly one ExternalInit, at most one Remove, PSKs, nothing else.
    if (externalInit === undefined) fail([], "proposal-list/external-init-count", "12.2", "an external Commit must contain exactly one ExternalInit");
    if (removes.length > 1) fail([], "proposal-list/external-commit-removes", "12.2", "an external Commit may contain at most one Remove");
    if (adds.length + updates.length + custom.length > 0 || reinit !== undefined || gce !== undefined) {
      fail([], "proposal-list/external-commit-proposals", "12.2", "an external Commit may only contain ExternalInit, one Remove and PreSharedKey proposals");
    }
  } else if (reinit !== undefined && list.length > 1) {
    // §12.2: "It contains a ReInit proposal together with any other proposal" (the committer SHOULD prefer the others).
    fail([reinit.e, ...entries.filter((e) => e !== reinit!.e)], "proposal-list/reinit-with-others", "12.2", "a Commit contains a ReInit together with other proposals");
  }

  // §12.2: "multiple PreSharedKey proposals that reference the same PreSharedKeyID".
  const seenPsk = new Map<string, Entry>();
  const psks: PreSharedKeyID[] = [];
  for (const e of pskEntries) {
    const id = (e.p as { psk: PreSharedKeyID }).psk;
    const k = pskKey(id);
    if (seenPsk.has(k)) fail([e, seenPsk.get(k)], "proposal-list/duplicate-psk", "12.2", "two PreSharedKey proposals reference the same PreSharedKeyID");
    seenPsk.set(k, e);
    // §12.1.4: "The psk_nonce is not of length KDF.Nh."
    try {
      assertPskNonceLength(cs, id);
    } catch (err) {
      fail([e], "proposal/psk-nonce-length", "12.1.4", `psk_nonce has ${id.pskNonce.length} bytes, expected ${cs.hashLength}`, err);
    }
    if (id.psktype === PSKType.resumption && id.usage !== ResumptionPSKUsage.application && gc.epoch !== 0n) {
      // §12.1.4, §11.2, §11.3: resumption PSKs with usage reinit/branch only in the first Commit of a reinitialized or branched group.
      fail([e], "proposal/psk-usage", "12.1.4", `a resumption PSK with usage ${id.usage} outside a reinitialization or branch`);
    }
    // §12.4.1: the committer holds every PSK it commits (a receiver checks this with the key schedule, §12.4.2).
    if (omitting && e.byRef && options.pskAvailable !== undefined && !(await options.pskAvailable(id))) {
      fail([e], "psk/unknown", "12.4.1", "a PreSharedKey proposal's PSK is not available");
    }
    psks.push(id);
  }

  if (reinit !== undefined && reinit.p.version < gc.version) {
    // §12.1.5: "A ReInit proposal is invalid if the version field is less than the version for the current group."
    fail([reinit.e], "proposal/reinit-version", "12.1.5", `ReInit version ${reinit.p.version} is lower than the group's ${gc.version}`);
  }

  // §12.2: the same leaf at most once among Updates and Removes; never the committer's own leaf.
  const touched = new Map<number, Entry>();
  const senderLeaf = (e: Entry): LeafIndex => (e.s as { leafIndex: LeafIndex }).leafIndex;
  for (const e of updates) {
    const l = senderLeaf(e);
    // §12.2: "It contains an Update proposal generated by the committer."
    if (l === committer) fail([e], "proposal-list/committer-update", "12.2", "the Commit contains an Update proposal by the committer");
    // §12.2: the committer "SHOULD prefer ... the most recent Update": the earlier one goes.
    if (touched.has(l)) fail([touched.get(l), e], "proposal-list/duplicate-leaf", "12.2", `leaf ${l} is updated or removed more than once`);
    touched.set(l, e);
  }
  for (const e of removes) {
    const r = (e.p as { removed: LeafIndex }).removed;
    // §12.2: "It contains a Remove proposal that removes the committer."
    if (r === committer) fail([e], "proposal-list/committer-removed", "12.2", "the Commit removes the committer");
    // §12.2: the committer "SHOULD prefer any Remove received": an Update of the same leaf goes first.
    const prior = touched.get(r);
    if (prior !== undefined) {
      const order = prior.p.proposalType === ProposalType.update ? [prior, e] : [e, prior];
      fail(order, "proposal-list/duplicate-leaf", "12.2", `leaf ${r} is updated or removed more than once`);
    }
    touched.set(r, e);
    // §12.1.3: "A Remove proposal is invalid if the removed field does not identify a non-blank leaf node."
    if (state.tree.isLeafBlank(r)) fail([e], "proposal/remove-blank-leaf", "12.1.3", `Remove of leaf ${r}, which is blank or outside the tree`);
  }

  const diff = state.tree.stage();
  const extensions: readonly Extension[] = gce?.extensions ?? gc.extensions;
  let summary = memberSummaryOf(state);
  const group = (): LeafNodeGroup => ({ groupId: gc.groupId, version: gc.version, extensions, members: summary });
  const removedLeaves = new Set(removes.map((e) => (e.p as { removed: LeafIndex }).removed as number));

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
  for (const e of removes) {
    const r = (e.p as { removed: LeafIndex }).removed;
    const leafNode = diff.leafNode(r)!;
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
        if (!isDefaultProposalType(p.customProposalType) && !supportsProposal(diff.leafNode(l)!.capabilities, p.customProposalType)) {
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
