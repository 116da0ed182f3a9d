/**
 * The first step of proposal-list validation: sorting a Commit's proposals by
 * type while enforcing the §12.2 rules on the list as a whole (which
 * proposals may appear together, in an external Commit or with a ReInit;
 * duplicate PSKs; the leaves touched by Updates and Removes) and the
 * per-proposal rules that need no tree change (§12.1.2–§12.1.5). Nothing is
 * applied yet; the first rule broken is returned, not thrown.
 */
import { type Extension, ProposalType, ValidationError, expectDefined } from "@mlskit/core";
import { PSKType, type PreSharedKeyID, ResumptionPSKUsage, assertPskNonceLength } from "@mlskit/key-schedule";
import type { LeafIndex } from "@mlskit/ratchet-tree";
import { type CustomProposalHandler, assertAuthorized } from "../policy/group-policy.js";
import { proposalTypeOf } from "./proposal.js";
import type {
  AddEntry,
  AppDataUpdateEntry,
  CustomEntry,
  ExternalInitEntry,
  GroupContextExtensionsEntry,
  ProposalListEntry,
  PskEntry,
  ReInitEntry,
  RemoveEntry,
  SelfRemoveEntry,
  UpdateEntry,
} from "./proposal-list-entries.js";
import { type PassResult, broken, invalid, invalidFrom } from "./proposal-verdict.js";
import { pskKey } from "./proposal-list-checks.js";
import type { ApplyProposalListOptions, ProposalListState } from "./proposal-list-types.js";
import { SenderType } from "../framing/sender.js";
import { groupSupportsSelfRemove } from "../extensions/self-remove.js";
import { APP_DATA_DICTIONARY_EXTENSION_TYPE, APP_DATA_UPDATE_PROPOSAL_TYPE } from "../extensions/app-data.js";
import { requiredCapabilitiesOf, supportsProposal } from "../leaf-nodes/capabilities.js";
import { bytesEqual } from "@mlskit/codec";

/** Path-required proposal types (§12.4 pseudocode `pathRequiredTypes`). */
const PATH_REQUIRED: ReadonlySet<number> = new Set([ProposalType.update, ProposalType.remove, ProposalType.external_init, ProposalType.group_context_extensions]);

/** An Update or SelfRemove with the leaf of its member sender (§12.1.2: a member's own leaf). */
interface FromLeaf<E> {
  readonly e: E;
  readonly leaf: LeafIndex;
}

/** A proposal list sorted by type, its list-level rules checked (§12.2). */
export interface PartitionedProposals {
  readonly adds: readonly AddEntry[];
  readonly updates: readonly FromLeaf<UpdateEntry>[];
  readonly removes: readonly RemoveEntry[];
  /** SelfRemoves (draft-ietf-mls-extensions), each removing its sender's leaf like a Remove. */
  readonly selfRemoves: readonly FromLeaf<SelfRemoveEntry>[];
  /** AppDataUpdates (draft-ietf-mls-extensions), applied after the other proposals. */
  readonly appDataUpdates: readonly AppDataUpdateEntry[];
  /** Custom proposals with the policy's hooks for their type (§13.2). */
  readonly custom: readonly { readonly e: CustomEntry; readonly handler: CustomProposalHandler }[];
  readonly gce: { readonly e: GroupContextExtensionsEntry; readonly extensions: Extension[] } | undefined;
  readonly externalInit: ExternalInitEntry | undefined;
  readonly reinit: ReInitEntry | undefined;
  /** §12.4: the Commit must carry a path. */
  readonly pathRequired: boolean;
  /** PreSharedKeyIDs in list order (§8.4: the psk_secret chain follows it). */
  readonly psks: readonly PreSharedKeyID[];
}

/**
 * Sorts `entries` by proposal type and checks the rules of §12.2 on the list
 * as a whole, with the PSK (§12.1.4), ReInit version (§12.1.5) and Remove
 * target (§12.1.3) rules. Returns the first rule broken, with the proposals
 * to blame (the committer may leave out a by-reference one).
 */
export async function partitionProposalList(
  state: ProposalListState,
  entries: readonly ProposalListEntry[],
  options: ApplyProposalListOptions,
): Promise<PassResult<PartitionedProposals>> {
  const { cs, policy } = state;
  const external = options.committer === undefined;
  const committer = options.committer;
  const omitting = options.omitInvalidReferences === true;
  const gc = state.groupContext;

  const adds: AddEntry[] = [];
  const updates: FromLeaf<UpdateEntry>[] = [];
  const removes: RemoveEntry[] = [];
  const selfRemoves: FromLeaf<SelfRemoveEntry>[] = [];
  const appDataUpdates: AppDataUpdateEntry[] = [];
  const pskEntries: PskEntry[] = [];
  const custom: { e: CustomEntry; handler: CustomProposalHandler }[] = [];
  let gce: { e: GroupContextExtensionsEntry; extensions: Extension[] } | undefined;
  let externalInit: ExternalInitEntry | undefined;
  let reinit: ReInitEntry | undefined;
  let pathRequired = entries.length === 0;
  for (const e of entries) {
    // §12.1.8, §12.4: proposals the application does not authorize are invalid.
    if (policy.authorizeProposal !== undefined) {
      const context = {
        groupId: gc.groupId,
        epoch: gc.epoch,
        extensions: gc.extensions,
        sender: e.sender,
        stage: options.stage ?? "commit",
        byReference: e.ref !== undefined,
        committer,
      } as const;
      try {
        await assertAuthorized(policy, e.proposal, context);
      } catch (err) {
        if (!ValidationError.isInstance(err)) throw err;
        // proposal/unauthorized from assertAuthorized (a ValidationError the application's callback threw keeps its code).
        // A verdict of its own with the callback's code, section and message (as the receiver always reported it).
        const error = new ValidationError(err.code, err.rfcSection, err.message);
        return broken([e], { ...invalidFrom(error), reason: err.message });
      }
    }
    if (PATH_REQUIRED.has(proposalTypeOf(e.proposal))) pathRequired = true;
    switch (e.kind) {
      case "add":
        adds.push(e);
        break;
      case "update":
        // §12.1.2: an Update is sent by a member about its own leaf.
        if (e.sender.senderType !== SenderType.member) return broken([e], invalid("proposal/update-not-from-member", "12.1.2", "an Update proposal must come from a member"));
        updates.push({ e, leaf: e.sender.leafIndex });
        break;
      case "remove":
        removes.push(e);
        break;
      case "psk":
        pskEntries.push(e);
        break;
      case "reinit":
        if (reinit !== undefined) return broken([e, reinit], invalid("proposal-list/reinit-with-others", "12.2", "a Commit contains more than one ReInit"));
        reinit = e;
        break;
      case "external-init":
        // §12.2: a regular Commit is invalid if "It contains an ExternalInit proposal"; an external one has exactly one.
        if (!external) return broken([e], invalid("proposal-list/external-init-in-regular-commit", "12.2", "a regular Commit contains an ExternalInit proposal"));
        if (externalInit !== undefined) return broken([e], invalid("proposal-list/external-init-count", "12.2", "an external Commit contains more than one ExternalInit"));
        externalInit = e;
        break;
      case "group-context-extensions":
        // §12.2: "It contains multiple GroupContextExtensions proposals."
        if (gce !== undefined)
          return broken([e, gce.e], invalid("proposal-list/multiple-group-context-extensions", "12.2", "a Commit contains more than one GroupContextExtensions proposal"));
        gce = { e, extensions: [...e.proposal.extensions] };
        break;
      case "app-data-update":
        // draft-ietf-mls-extensions AppDataUpdate: every member supports the type; no path required.
        for (const l of state.tree.leaves()) {
          if (!supportsProposal(expectDefined(state.tree.leafNode(l), `leaf ${l}, listed by tree.leaves()`).capabilities, APP_DATA_UPDATE_PROPOSAL_TYPE)) {
            return broken([e], invalid("proposal-list/unsupported-proposal-type", "12.2", "AppDataUpdate in a group whose members do not all support it"));
          }
        }
        appDataUpdates.push(e);
        break;
      case "self-remove":
        // draft-ietf-mls-extensions SelfRemove: only in a self-remove-capable group (every member supports the type).
        if (!groupSupportsSelfRemove(state.tree))
          return broken([e], invalid("proposal-list/unsupported-proposal-type", "12.2", "SelfRemove in a group whose members do not all support it"));
        // Not an external proposal type: the sender is a member, whose leaf it removes.
        if (e.sender.senderType !== SenderType.member)
          return broken([e], invalid("proposal/self-remove-not-from-member", "12.1.8", "a SelfRemove proposal must come from a member"));
        // "SelfRemove proposals are only allowed in a Commit by reference" (by value, it would remove the committer).
        if (e.ref === undefined) return broken([e], invalid("proposal/self-remove-by-value", "12.2", "a SelfRemove proposal is only allowed in a Commit by reference"));
        pathRequired = true;
        selfRemoves.push({ e, leaf: e.sender.leafIndex });
        break;
      case "custom": {
        const handler = policy.customProposals.get(e.proposal.customProposalType);
        // §12.2: a proposal of a non-default type not supported by the members that process the Commit (us included).
        if (handler === undefined)
          return broken([e], invalid("proposal-list/unsupported-proposal-type", "12.2", `proposal type ${e.proposal.customProposalType} is not supported`));
        if (handler.requiresPath !== false) pathRequired = true;
        custom.push({ e, handler });
        break;
      }
    }
  }

  if (external) {
    // §12.2 external Commit: exactly one ExternalInit, at most one Remove, PSKs, nothing else.
    if (externalInit === undefined) return broken([], invalid("proposal-list/external-init-count", "12.2", "an external Commit must contain exactly one ExternalInit"));
    if (removes.length > 1) return broken([], invalid("proposal-list/external-commit-removes", "12.2", "an external Commit may contain at most one Remove"));
    if (adds.length + updates.length + custom.length > 0 || reinit !== undefined || gce !== undefined) {
      return broken([], invalid("proposal-list/external-commit-proposals", "12.2", "an external Commit may only contain ExternalInit, one Remove and PreSharedKey proposals"));
    }
  } else if (reinit !== undefined && entries.length > 1) {
    // §12.2: "It contains a ReInit proposal together with any other proposal" (the committer SHOULD prefer the others).
    const r = reinit;
    return broken([r, ...entries.filter((e) => e !== r)], invalid("proposal-list/reinit-with-others", "12.2", "a Commit contains a ReInit together with other proposals"));
  }

  // §12.2: "multiple PreSharedKey proposals that reference the same PreSharedKeyID".
  const seenPsk = new Map<string, ProposalListEntry>();
  const psks: PreSharedKeyID[] = [];
  for (const e of pskEntries) {
    const id = e.proposal.psk;
    const k = pskKey(id);
    const twin = seenPsk.get(k);
    if (twin !== undefined) return broken([e, twin], invalid("proposal-list/duplicate-psk", "12.2", "two PreSharedKey proposals reference the same PreSharedKeyID"));
    seenPsk.set(k, e);
    // §12.1.4: "The psk_nonce is not of length KDF.Nh."
    try {
      assertPskNonceLength(cs, id);
    } catch (err) {
      return broken([e], invalid("proposal/psk-nonce-length", "12.1.4", `psk_nonce has ${id.pskNonce.length} bytes, expected ${cs.hashLength}`, err));
    }
    if (id.psktype === PSKType.resumption && id.usage !== ResumptionPSKUsage.application && gc.epoch !== 0n) {
      // §12.1.4, §11.2, §11.3: resumption PSKs with usage reinit/branch only in the first Commit of a reinitialized or branched group.
      return broken([e], invalid("proposal/psk-usage", "12.1.4", `a resumption PSK with usage ${id.usage} outside a reinitialization or branch`));
    }
    // §12.4.1: the committer holds every PSK it commits (a receiver checks this with the key schedule, §12.4.2).
    if (omitting && e.ref !== undefined && options.pskAvailable !== undefined && !(await options.pskAvailable(id))) {
      return broken([e], invalid("psk/unknown", "12.4.1", "a PreSharedKey proposal's PSK is not available"));
    }
    psks.push(id);
  }

  // draft-ietf-mls-extensions: where AppDataUpdate is required, a GroupContextExtensions proposal leaves app_data_dictionary as it is.
  if (gce !== undefined && requiredCapabilitiesOf(gc.extensions)?.proposalTypes.includes(APP_DATA_UPDATE_PROPOSAL_TYPE) === true) {
    const dict = (xs: readonly Extension[]) => xs.find((x) => x.extensionType === APP_DATA_DICTIONARY_EXTENSION_TYPE)?.extensionData;
    const before = dict(gc.extensions);
    const after = dict(gce.extensions);
    if (before === undefined ? after !== undefined : after === undefined || !bytesEqual(before, after)) {
      return broken([gce.e], invalid("app-data/group-context-extensions", "12.2", "a GroupContextExtensions proposal changes app_data_dictionary where AppDataUpdate is required"));
    }
  }

  if (reinit !== undefined && reinit.proposal.version < gc.version) {
    // §12.1.5: "A ReInit proposal is invalid if the version field is less than the version for the current group."
    return broken([reinit], invalid("proposal/reinit-version", "12.1.5", `ReInit version ${reinit.proposal.version} is lower than the group's ${gc.version}`));
  }

  // §12.2: the same leaf at most once among Updates, SelfRemoves and Removes; never the committer's own leaf.
  const touched = new Map<number, ProposalListEntry>();
  for (const { e, leaf: l } of updates) {
    // §12.2: "It contains an Update proposal generated by the committer."
    if (l === committer) return broken([e], invalid("proposal-list/committer-update", "12.2", "the Commit contains an Update proposal by the committer"));
    // §12.2: the committer "SHOULD prefer ... the most recent Update": the earlier one goes.
    const prior = touched.get(l);
    if (prior !== undefined) return broken([prior, e], invalid("proposal-list/duplicate-leaf", "12.2", `leaf ${l} is updated or removed more than once`));
    touched.set(l, e);
  }
  // SelfRemoves after Updates, before Removes (draft-ietf-mls-extensions): the §12.2 rules as for a Remove of the sender's leaf.
  for (const { e, leaf: l } of selfRemoves) {
    if (l === committer) return broken([e], invalid("proposal-list/committer-removed", "12.2", "the Commit removes the committer (its own SelfRemove)"));
    const prior = touched.get(l);
    // An Update of the same leaf goes first (as for a Remove); a second SelfRemove of one leaf is itself invalid.
    if (prior !== undefined)
      return broken(prior.kind === "update" ? [prior, e] : [e, prior], invalid("proposal-list/duplicate-leaf", "12.2", `leaf ${l} is updated or removed more than once`));
    touched.set(l, e);
    if (state.tree.isLeafBlank(l)) return broken([e], invalid("proposal/remove-blank-leaf", "12.1.3", `SelfRemove of leaf ${l}, which is blank`));
  }
  for (const e of removes) {
    const r = e.proposal.removed;
    // §12.2: "It contains a Remove proposal that removes the committer."
    if (r === committer) return broken([e], invalid("proposal-list/committer-removed", "12.2", "the Commit removes the committer"));
    // §12.2: the committer "SHOULD prefer any Remove received": an Update of the same leaf goes first; a Remove of a leaf
    // with a SelfRemove is the invalid one (draft-ietf-mls-extensions).
    const prior = touched.get(r);
    if (prior !== undefined) {
      const order = prior.kind === "update" ? [prior, e] : [e, prior];
      return broken(order, invalid("proposal-list/duplicate-leaf", "12.2", `leaf ${r} is updated or removed more than once`));
    }
    touched.set(r, e);
    // §12.1.3: "A Remove proposal is invalid if the removed field does not identify a non-blank leaf node."
    if (state.tree.isLeafBlank(r)) return broken([e], invalid("proposal/remove-blank-leaf", "12.1.3", `Remove of leaf ${r}, which is blank or outside the tree`));
  }

  return { ok: true, value: { adds, updates, removes, selfRemoves, appDataUpdates, custom, gce, externalInit, reinit, pathRequired, psks } };
}
