/**
 * The first step of proposal-list validation: sorting a Commit's proposals by
 * type while enforcing the §12.2 rules on the list as a whole (which
 * proposals may appear together, in an external Commit or with a ReInit;
 * duplicate PSKs; the leaves touched by Updates and Removes) and the
 * per-proposal rules that need no tree change (§12.1.2–§12.1.5). Nothing is
 * applied yet.
 */
import { type Extension, ProposalType, ValidationError } from "@mlskit/core";
import { PSKType, type PreSharedKeyID, ResumptionPSKUsage, assertPskNonceLength } from "@mlskit/key-schedule";
import type { LeafIndex } from "@mlskit/ratchet-tree";
import { assertAuthorized } from "../policy/group-policy.js";
import { type CustomProposal, type ExternalInitProposal, type ReInitProposal, proposalTypeOf } from "./proposal.js";
import { type Entry, type Fail, senderLeaf } from "./proposal-list-entries.js";
import { pskKey } from "./proposal-list-checks.js";
import type { ApplyProposalListOptions, ProposalListState, ProposalWithSender } from "./proposal-list-types.js";
import { SenderType } from "../framing/sender.js";
import type { GroupErrorCode } from "../error-codes.js";
import { groupSupportsSelfRemove, isSelfRemove } from "../extensions/self-remove.js";
import { APP_DATA_DICTIONARY_EXTENSION_TYPE, APP_DATA_UPDATE_PROPOSAL_TYPE, isAppDataUpdate } from "../extensions/app-data.js";
import { requiredCapabilitiesOf, supportsProposal } from "../leaf-nodes/capabilities.js";
import { bytesEqual } from "@mlskit/codec";

/** Path-required proposal types (§12.4 pseudocode `pathRequiredTypes`). */
const PATH_REQUIRED: ReadonlySet<number> = new Set([
  ProposalType.update,
  ProposalType.remove,
  ProposalType.external_init,
  ProposalType.group_context_extensions,
]);

/** A proposal list sorted by type, its list-level rules checked (§12.2). */
export interface PartitionedProposals {
  readonly adds: readonly Entry[];
  readonly updates: readonly Entry[];
  readonly removes: readonly Entry[];
  /** SelfRemoves (draft-ietf-mls-extensions), each removing its sender's leaf like a Remove. */
  readonly selfRemoves: readonly Entry[];
  /** AppDataUpdates (draft-ietf-mls-extensions), applied after the other proposals. */
  readonly appDataUpdates: readonly Entry[];
  readonly custom: readonly { readonly e: Entry; readonly p: CustomProposal }[];
  readonly gce: { readonly e: Entry; readonly extensions: Extension[] } | undefined;
  readonly externalInit: { readonly e: Entry; readonly p: ExternalInitProposal } | undefined;
  readonly reinit: { readonly e: Entry; readonly p: ReInitProposal } | undefined;
  /** §12.4: the Commit must carry a path. */
  readonly pathRequired: boolean;
  /** PreSharedKeyIDs in list order (§8.4: the psk_secret chain follows it). */
  readonly psks: readonly PreSharedKeyID[];
}

/**
 * Sorts `list` by proposal type and checks the rules of §12.2 on the list as
 * a whole, with the PSK (§12.1.4), ReInit version (§12.1.5) and Remove
 * target (§12.1.3) rules; a broken rule goes to `fail` (which may leave out a
 * by-reference proposal when `omitting`).
 */
export async function partitionProposalList(
  state: ProposalListState,
  list: readonly ProposalWithSender[],
  options: ApplyProposalListOptions,
  omitting: boolean,
  fail: Fail,
): Promise<PartitionedProposals> {
  const { cs, policy } = state;
  const external = options.committer === undefined;
  const committer = options.committer;
  const gc = state.groupContext;

  const entries: Entry[] = list.map((x, i) => ({ i, p: x.proposal, s: x.sender, byRef: x.ref !== undefined }));
  const adds: Entry[] = [];
  const updates: Entry[] = [];
  const removes: Entry[] = [];
  const selfRemoves: Entry[] = [];
  const appDataUpdates: Entry[] = [];
  const pskEntries: Entry[] = [];
  const custom: { e: Entry; p: CustomProposal }[] = [];
  let gce: { e: Entry; extensions: Extension[] } | undefined;
  let externalInit: { e: Entry; p: ExternalInitProposal } | undefined;
  let reinit: { e: Entry; p: ReInitProposal } | undefined;
  let pathRequired = list.length === 0;
  for (const e of entries) {
    const p = e.p;
    // §12.1.8, §12.4: proposals the application does not authorize are invalid.
    if (policy.authorizeProposal !== undefined) {
      const context = {
        groupId: gc.groupId,
        epoch: gc.epoch,
        extensions: gc.extensions,
        sender: e.s,
        stage: options.stage ?? "commit",
        byReference: e.byRef,
        committer,
      } as const;
      try {
        await assertAuthorized(policy, p, context);
      } catch (err) {
        if (!ValidationError.isInstance(err)) throw err;
        // proposal/unauthorized from assertAuthorized (a ValidationError the application's callback threw keeps its code).
        fail([e], err.code as GroupErrorCode, err.rfcSection, err.message);
      }
    }
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
        if (isAppDataUpdate(p)) {
          // draft-ietf-mls-extensions AppDataUpdate: every member supports the type; no path required.
          for (const l of state.tree.leaves()) {
            if (!supportsProposal(state.tree.leafNode(l)!.capabilities, APP_DATA_UPDATE_PROPOSAL_TYPE)) {
              fail([e], "proposal-list/unsupported-proposal-type", "12.2", "AppDataUpdate in a group whose members do not all support it");
            }
          }
          appDataUpdates.push(e);
          break;
        }
        if (isSelfRemove(p)) {
          // draft-ietf-mls-extensions SelfRemove: only in a self-remove-capable group (every member supports the type).
          if (!groupSupportsSelfRemove(state.tree)) fail([e], "proposal-list/unsupported-proposal-type", "12.2", "SelfRemove in a group whose members do not all support it");
          // Not an external proposal type: the sender is a member, whose leaf it removes.
          if (e.s.senderType !== SenderType.member) fail([e], "proposal/self-remove-not-from-member", "12.1.8", "a SelfRemove proposal must come from a member");
          // "SelfRemove proposals are only allowed in a Commit by reference" (by value, it would remove the committer).
          if (!e.byRef) fail([e], "proposal/self-remove-by-value", "12.2", "a SelfRemove proposal is only allowed in a Commit by reference");
          pathRequired = true;
          selfRemoves.push(e);
          break;
        }
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

  // draft-ietf-mls-extensions: where AppDataUpdate is required, a GroupContextExtensions proposal leaves app_data_dictionary as it is.
  if (gce !== undefined && requiredCapabilitiesOf(gc.extensions)?.proposalTypes.includes(APP_DATA_UPDATE_PROPOSAL_TYPE) === true) {
    const dict = (xs: readonly Extension[]) => xs.find((x) => x.extensionType === APP_DATA_DICTIONARY_EXTENSION_TYPE)?.extensionData;
    const before = dict(gc.extensions);
    const after = dict(gce.extensions);
    if (before === undefined ? after !== undefined : after === undefined || !bytesEqual(before, after)) {
      fail([gce.e], "app-data/group-context-extensions", "12.2", "a GroupContextExtensions proposal changes app_data_dictionary where AppDataUpdate is required");
    }
  }

  if (reinit !== undefined && reinit.p.version < gc.version) {
    // §12.1.5: "A ReInit proposal is invalid if the version field is less than the version for the current group."
    fail([reinit.e], "proposal/reinit-version", "12.1.5", `ReInit version ${reinit.p.version} is lower than the group's ${gc.version}`);
  }

  // §12.2: the same leaf at most once among Updates, SelfRemoves and Removes; never the committer's own leaf.
  const touched = new Map<number, Entry>();
  for (const e of updates) {
    const l = senderLeaf(e);
    // §12.2: "It contains an Update proposal generated by the committer."
    if (l === committer) fail([e], "proposal-list/committer-update", "12.2", "the Commit contains an Update proposal by the committer");
    // §12.2: the committer "SHOULD prefer ... the most recent Update": the earlier one goes.
    if (touched.has(l)) fail([touched.get(l), e], "proposal-list/duplicate-leaf", "12.2", `leaf ${l} is updated or removed more than once`);
    touched.set(l, e);
  }
  // SelfRemoves after Updates, before Removes (draft-ietf-mls-extensions): the §12.2 rules as for a Remove of the sender's leaf.
  for (const e of selfRemoves) {
    const l = senderLeaf(e);
    if (l === committer) fail([e], "proposal-list/committer-removed", "12.2", "the Commit removes the committer (its own SelfRemove)");
    const prior = touched.get(l);
    // An Update of the same leaf goes first (as for a Remove); a second SelfRemove of one leaf is itself invalid.
    if (prior !== undefined) fail(prior.p.proposalType === ProposalType.update ? [prior, e] : [e, prior], "proposal-list/duplicate-leaf", "12.2", `leaf ${l} is updated or removed more than once`);
    touched.set(l, e);
    if (state.tree.isLeafBlank(l)) fail([e], "proposal/remove-blank-leaf", "12.1.3", `SelfRemove of leaf ${l}, which is blank`);
  }
  for (const e of removes) {
    const r = (e.p as { removed: LeafIndex }).removed;
    // §12.2: "It contains a Remove proposal that removes the committer."
    if (r === committer) fail([e], "proposal-list/committer-removed", "12.2", "the Commit removes the committer");
    // §12.2: the committer "SHOULD prefer any Remove received": an Update of the same leaf goes first; a Remove of a leaf
    // with a SelfRemove is the invalid one (draft-ietf-mls-extensions).
    const prior = touched.get(r);
    if (prior !== undefined) {
      const order = prior.p.proposalType === ProposalType.update ? [prior, e] : [e, prior];
      fail(order, "proposal-list/duplicate-leaf", "12.2", `leaf ${r} is updated or removed more than once`);
    }
    touched.set(r, e);
    // §12.1.3: "A Remove proposal is invalid if the removed field does not identify a non-blank leaf node."
    if (state.tree.isLeafBlank(r)) fail([e], "proposal/remove-blank-leaf", "12.1.3", `Remove of leaf ${r}, which is blank or outside the tree`);
  }

  return { adds, updates, removes, selfRemoves, appDataUpdates, custom, gce, externalInit, reinit, pathRequired, psks };
}
