/**
 * Creating a Commit (RFC 9420 §12.4.1) with its Welcome (§12.4.3.1) and
 * GroupInfo (§12.4.3). The Commit stays pending until the Delivery Service
 * confirms it (docs/ARCHITECTURE.md "Staged changes"): {@link mergePendingCommit} when
 * it comes back, {@link clearPendingCommit} when it was rejected.
 */
import { type Extension, ExtensionType, ProposalType, ProtocolVersion, UsageError, type ValidationError, WireFormat, expectDefined } from "@mlskit/core";
import { type PreSharedKeyID, deriveExternalKeyPair } from "@mlskit/key-schedule";
import { type CreatedUpdatePath, type LeafNode, type TreePrivateKeys, createUpdatePath } from "@mlskit/ratchet-tree";
import { ProposalOrRefType, type ProposalOrRef, type Commit } from "./commit.js";
import { type PskSource, lookupPsk, dropBlankKeys, provisionalGroupContext, pskSourceOf, resolvePskSecret } from "./commit-common.js";
import { type NextEpoch, createEpochConfirmationTag, deriveNextEpoch, enterNextEpoch } from "./epoch-transition.js";
import { ContentType } from "../framing/content-type.js";
import { externalPubCodec, makeExtension } from "../extensions/extensions.js";
import { type GroupInfo, signGroupInfo } from "../welcome/group-info.js";
import type { GroupState, PendingCommit } from "../state/group-state.js";
import { encodeMlsMessage } from "../framing/mls-message.js";
import { type ProposalInput, buildProposal, frameHandshake } from "../proposals/proposal-create.js";
import { type ProposalWithSender, applyProposalList } from "../proposals/proposal-list.js";
import type { Proposal } from "../proposals/proposal.js";
import { memberSender } from "../framing/sender.js";
import { createWelcome } from "../welcome/welcome-create.js";

/** Options of {@link createCommit}. */
export interface CreateCommitOptions {
  /** Proposals committed by value (from this member). */
  readonly proposals?: readonly (ProposalInput | Proposal)[];
  /** Include the proposals cached this epoch by reference (default true). */
  readonly includePending?: boolean;
  /** Send a path even when no proposal requires one (§12.4). Default false (an empty Commit always has one). */
  readonly forcePath?: boolean;
  /** Put the `ratchet_tree` extension in the Welcome's GroupInfo (default true); otherwise send the tree out of band. */
  readonly ratchetTreeInWelcome?: boolean;
  /** Also return a signed GroupInfo of the new epoch (for external joins). */
  readonly groupInfo?: { readonly externalPub?: boolean; readonly ratchetTree?: boolean };
  readonly authenticatedData?: Uint8Array;
  /** Changes to our path leaf (credential rotation etc.). */
  readonly leafNode?: Parameters<typeof createUpdatePath>[1]["leafNode"];
}

/** What {@link createCommit} returns. */
export interface CreatedCommit {
  /** The Commit as an MLSMessage. */
  readonly commit: Uint8Array;
  /** The Welcome for the members it adds, as an MLSMessage. */
  readonly welcome: Uint8Array | undefined;
  /** The signed GroupInfo of the new epoch as an MLSMessage, when asked for. */
  readonly groupInfo: Uint8Array | undefined;
  readonly pending: PendingCommit;
  /** The current state with the commit pending. */
  readonly state: GroupState;
  /** Proposals received by reference that were left out as invalid (§12.2), with the rule each broke. */
  readonly omitted: readonly { readonly ref: Uint8Array; readonly error: ValidationError }[];
}

function isProposal(p: ProposalInput | Proposal): p is Proposal {
  return "proposalType" in p;
}

/**
 * Creates a Commit (§12.4.1): validates the proposal list as receivers will
 * (§12.2), applies it (§12.3), creates the UpdatePath when required or asked
 * (§12.4, TreeKEM excluding the joiners, §7.6), runs the key schedule with
 * the PSKs (§8.4), signs and frames the Commit per policy with its
 * confirmation tag, and builds the GroupInfo and Welcome for new members.
 * @throws UsageError when the group was reinitialized or a commit is pending;
 *   ValidationError when the proposal list is invalid.
 */
export function createCommit(state: GroupState, options: CreateCommitOptions = {}): Promise<CreatedCommit> {
  return createCommitWith(state, options, {});
}

/** @internal What {@link createCommitWith} takes beyond the public options. */
export interface CommitInternals {
  /** PSK values held for this Commit only (the old group's resumption PSK of a ReInit or branch, §11.2, §11.3). */
  readonly extraPsk?: (id: PreSharedKeyID) => Uint8Array | undefined;
}

/** @internal {@link createCommit} with {@link CommitInternals}. */
export async function createCommitWith(state: GroupState, options: CreateCommitOptions, internals: CommitInternals): Promise<CreatedCommit> {
  const { cs } = state;
  const pskSource: PskSource = { ...pskSourceOf(state), ...(internals.extraPsk !== undefined ? { extra: internals.extraPsk } : {}) };
  if (state.reinit !== undefined) throw new UsageError("usage/group-reinitialized", "the group was reinitialized (RFC 9420 §11.2)");
  if (state.pendingCommit !== undefined) throw new UsageError("usage/commit-pending", "a commit is pending: merge or clear it first");
  const me = memberSender(state.ownLeaf);
  const byValue: Proposal[] = [];
  for (const p of options.proposals ?? []) {
    if (isProposal(p)) byValue.push(p);
    else {
      const built = await buildProposal(state, p);
      if (built.proposal.proposalType === ProposalType.update) throw new UsageError("usage/commit-own-update", "a committer does not commit its own Update (§12.2); use forcePath");
      byValue.push(built.proposal);
    }
  }
  const list: ProposalWithSender[] = [];
  if (options.includePending !== false) {
    for (const c of state.proposals.values()) {
      // §12.2: the committer does not commit its own Update (its path replaces its leaf).
      if (c.proposal.proposalType === ProposalType.update && c.sender.senderType === 1 && c.sender.leafIndex === state.ownLeaf) continue;
      list.push({ proposal: c.proposal, sender: c.sender, ref: c.ref });
    }
  }
  for (const p of byValue) list.push({ proposal: p, sender: me });

  // §12.2: invalid proposals received by reference are left out; invalid ones given by value fail the Commit.
  const applied = await applyProposalList(state, list, {
    committer: state.ownLeaf,
    commitSender: me,
    stage: "committing",
    omitInvalidReferences: true,
    pskAvailable: async (id) => (await lookupPsk(id, pskSource)) !== undefined,
  });
  const refs: ProposalOrRef[] = applied.applied.map((x) =>
    x.ref !== undefined ? { type: ProposalOrRefType.reference, reference: x.ref } : { type: ProposalOrRefType.proposal, proposal: x.proposal },
  );
  const { diff } = applied;
  const gc = state.groupContext;
  let path: CreatedUpdatePath | undefined;
  let commitSecret: Uint8Array = new Uint8Array(cs.hashLength);
  if (applied.pathRequired || options.forcePath === true) {
    path = await createUpdatePath(diff, {
      leafIndex: state.ownLeaf,
      signaturePrivateKey: state.signaturePrivateKey,
      groupId: gc.groupId,
      groupContext: provisionalGroupContext(gc, applied.extensions),
      excludedLeaves: applied.added.map((a) => a.leafIndex),
      ...(options.leafNode !== undefined ? { leafNode: options.leafNode } : {}),
    });
    commitSecret = path.commitSecret.slice();
  }
  // With a path, the committer's keys are the path's (§7.4); without, the old ones minus those of blanked nodes.
  const privateKeys: TreePrivateKeys = path?.privateKeys ?? dropBlankKeys(state.privateKeys, diff);
  const commit: Commit = { proposals: refs, path: path?.updatePath };
  const treeHash = await diff.treeHash();
  const pskSecret = await resolvePskSecret(cs, applied.psks, pskSource, "12.4.1");

  let next: NextEpoch | undefined;
  const framed = await frameHandshake(
    state,
    { contentType: ContentType.commit, commit },
    {
      ...(options.authenticatedData !== undefined ? { authenticatedData: options.authenticatedData } : {}),
      // §12.4.1: the confirmation tag covers the signed Commit through the confirmed transcript hash.
      confirmationTag: async (confirmedTranscriptHashInput) => {
        next = await deriveNextEpoch(cs, {
          groupContext: gc,
          interimTranscriptHash: state.interimTranscriptHash,
          confirmedTranscriptHashInput,
          treeHash,
          extensions: applied.extensions,
          initSecret: state.keys.initSecret,
          commitSecret,
          pskSecret,
        });
        return createEpochConfirmationTag(cs, next);
      },
    },
  );
  const epoch = expectDefined(next, "next") as NextEpoch;
  const confirmationTag = expectDefined(framed.confirmationTag, "framed.confirmationTag");
  let memberSummary = applied.memberSummary;
  // The committer's leaf before the path (decoded once: the summary and the identity index both need it).
  const previousLeaf = path === undefined ? undefined : expectDefined(state.tree.leafNode(state.ownLeaf), "state.tree.leafNode(state.ownLeaf)");
  if (path !== undefined && previousLeaf !== undefined && !sameCredentialTypes(previousLeaf, path.updatePath.leafNode)) {
    memberSummary = memberSummary.without(previousLeaf).with(path.updatePath.leafNode);
  }
  const newState = await enterNextEpoch(state, epoch, {
    applied,
    confirmationTag,
    privateKeys,
    memberSummary,
    pathLeaf: path === undefined ? undefined : { leafIndex: state.ownLeaf, previous: previousLeaf, leafNode: path.updatePath.leafNode },
    ownLeaf: state.ownLeaf,
  });
  const tree = newState.tree;

  const groupInfoFor = async (ratchetTree: boolean, externalPub: boolean): Promise<GroupInfo> => {
    const extensions: Extension[] = [];
    if (ratchetTree) extensions.push({ extensionType: ExtensionType.ratchet_tree, extensionData: tree.encode() });
    if (externalPub) {
      const kp = await deriveExternalKeyPair(cs, epoch.secrets.externalSecret);
      extensions.push(makeExtension(ExtensionType.external_pub, externalPubCodec, { externalPub: kp.publicKey }));
    }
    return signGroupInfo(cs, state.signaturePrivateKey, {
      groupContext: epoch.groupContext,
      extensions,
      confirmationTag,
      signer: state.ownLeaf,
    });
  };

  let welcome: Uint8Array | undefined;
  if (applied.added.length > 0) {
    const gi = await groupInfoFor(options.ratchetTreeInWelcome !== false, false);
    welcome = await createWelcome(state, epoch.secrets, epoch.joinerSecret, gi, applied.added, applied.psks, path, tree.leafCount);
  }
  let groupInfo: Uint8Array | undefined;
  if (options.groupInfo !== undefined) {
    const gi = await groupInfoFor(options.groupInfo.ratchetTree !== false, options.groupInfo.externalPub !== false);
    groupInfo = encodeMlsMessage({ version: ProtocolVersion.mls10, wireFormat: WireFormat.mls_group_info, groupInfo: gi });
  }
  epoch.secrets.wipe();
  epoch.joinerSecret.fill(0);
  const pending: PendingCommit = { message: framed.message, state: newState };
  const omitted = applied.omitted.map((o) => ({ ref: o.proposal.ref, error: o.error }));
  return { commit: framed.message, welcome, groupInfo, pending, state: { ...state, pendingCommit: pending }, omitted };
}

/**
 * Whether two leaves count the same in a {@link CredentialTypeSummary} (its
 * credential type and the credential types its capabilities list): a path
 * that keeps them leaves the summary as it was.
 */
function sameCredentialTypes(a: LeafNode, b: LeafNode): boolean {
  const x = a.capabilities.credentials;
  const y = b.capabilities.credentials;
  return a.credential.credentialType === b.credential.credentialType && x.length === y.length && x.every((t, i) => t === y[i]);
}

/** The state once our pending Commit is confirmed by the Delivery Service. */
export function mergePendingCommit(state: GroupState): GroupState {
  if (state.pendingCommit === undefined) throw new UsageError("usage/no-pending-commit", "no commit is pending");
  return state.pendingCommit.state;
}

/** Drops our pending Commit (the Delivery Service rejected it). */
export function clearPendingCommit(state: GroupState): GroupState {
  return { ...state, pendingCommit: undefined };
}
