/**
 * Processing a received Commit (RFC 9420 §12.4.2) into a {@link StagedCommit}
 * the application inspects before {@link mergeStagedCommit} (docs/ARCHITECTURE.md
 * "Staged changes"). Every step works on a copy-on-write diff of the tree:
 * a rejected Commit throws and leaves the state exactly as it was.
 */
import { toHex } from "@mlskit/codec";
import { ProposalType, UsageError, makeProposalRef, expectDefined } from "@mlskit/core";
import { deriveExternalKeyPair, processExternalInit } from "@mlskit/key-schedule";
import { type LeafIndex, leafToNode, type TreePrivateKeys } from "@mlskit/ratchet-tree";
import { type VerifiedContent, confirmedTranscriptHashInputOf, encodeAuthenticatedContent } from "../framing/authenticated-content.js";
import { dropBlankKeys, pskSourceOf, resolvePskSecret } from "./commit-common.js";
import { deriveNextEpoch, enterNextEpoch, verifyEpochConfirmationTag } from "./epoch-transition.js";
import { ContentType } from "../framing/content-type.js";
import type { GroupState } from "../state/group-state.js";
import type { AppliedProposals, ProposalWithSender } from "../proposals/proposal-list.js";
import type { ReInitProposal } from "../proposals/proposal.js";
import { type Sender, SenderType, memberSender } from "../framing/sender.js";
import { applyCommitPath, applyCommitProposals } from "../observer/public-commit.js";
import { fail } from "../error-codes.js";

/** A processed Commit, not yet merged: what it would change (§12.4.2). */
export interface StagedCommit {
  readonly sender: Sender;
  /** The committer's leaf in the new epoch (for an external commit, the joiner's new leaf). */
  readonly committer: LeafIndex;
  /** The proposals the Commit applied, with their senders. */
  readonly proposals: readonly ProposalWithSender[];
  readonly added: AppliedProposals["added"];
  readonly removed: AppliedProposals["removed"];
  readonly updated: AppliedProposals["updated"];
  /** The new GroupContext extensions, when a GroupContextExtensions proposal (or custom proposal) changed them. */
  readonly newExtensions: AppliedProposals["extensions"] | undefined;
  readonly psks: AppliedProposals["psks"];
  readonly reinit: ReInitProposal | undefined;
  readonly externalCommit: boolean;
  /** The epoch the Commit starts. */
  readonly epoch: bigint;
  /** True when the Commit removes this member: there is no next state. */
  readonly removedSelf: boolean;
  /** The state of the new epoch (undefined when `removedSelf`). */
  readonly state: GroupState | undefined;
  /**
   * Consumes the ratchet generation of a Commit received as PrivateMessage
   * (RFC 9420 §9.2); {@link mergeStagedCommit} calls it, so a Commit staged
   * and then dropped can be processed again.
   */
  readonly consumeKey?: () => void;
}

/**
 * Processes a verified Commit of the current epoch (§12.4.2): resolves and
 * validates the proposals (§12.2), applies them (§12.3), checks the path
 * is present when required (§12.4), validates and merges the UpdatePath
 * (§7.3, §7.5, §12.4.2), decrypts our path secret, runs the key schedule
 * with PSKs (§8, §8.4) and verifies the confirmation tag (§6.1).
 * @throws ValidationError naming the first rule broken; the state is untouched.
 */
export async function stageCommit(state: GroupState, content: VerifiedContent): Promise<StagedCommit> {
  const { cs } = state;
  const fc = content.content;
  if (fc.contentType !== ContentType.commit) throw new UsageError("usage/not-a-commit", "the content is not a commit");
  if (state.reinit !== undefined) throw new UsageError("usage/group-reinitialized", "the group was reinitialized (RFC 9420 §11.2)");
  const commit = fc.commit;
  const sender = fc.sender;
  const external = sender.senderType === SenderType.new_member_commit;
  const committerBefore = external ? undefined : (sender as { leafIndex: LeafIndex }).leafIndex;
  if (committerBefore === state.ownLeaf) {
    throw new UsageError("usage/own-commit", "this is our own Commit: merge the pending commit instead (mergePendingCommit)");
  }

  // §12.2, §12.3, §12.4: the proposals resolved, validated and applied; the path present when required.
  const proposals = await applyCommitProposals(state, fc);
  const { list, applied } = proposals;
  const { diff } = applied;
  const gc = state.groupContext;

  const removedSelf = applied.removed.some((r) => r.leafIndex === state.ownLeaf);
  let privateKeys: TreePrivateKeys = state.privateKeys;
  // Our own Update committed by another member: our leaf key is the one we kept (§12.1.2).
  const ownUpdate = applied.updated.find((u) => u.leafIndex === state.ownLeaf);
  if (ownUpdate !== undefined) {
    const priv = state.ownUpdates.get(toHex(ownUpdate.leafNode.encryptionKey));
    if (priv === undefined) throw new UsageError("usage/unknown-own-update", "the Commit applies an Update of our leaf whose key we do not hold");
    privateKeys = privateKeys.with([[leafToNode(state.ownLeaf), priv]]);
  }
  privateKeys = dropBlankKeys(privateKeys, diff);

  let commitSecret: Uint8Array = new Uint8Array(cs.hashLength);
  // §7.3, §7.5, §12.4.2: the path's LeafNode validated, the UpdatePath merged, and decrypted unless the Commit removes us.
  const { committer, replaced, memberSummary: summary, decrypted } = await applyCommitPath(state, fc, proposals, removedSelf ? undefined : privateKeys);
  if (decrypted !== undefined) {
    commitSecret = decrypted.commitSecret;
    privateKeys = decrypted.privateKeys;
  }

  // The key schedule (§8) with the init_secret of the epoch or of external init (§8.3).
  let initSecret = state.keys.initSecret;
  if (external) {
    const { privateKey, publicKey } = await deriveExternalKeyPair(cs, state.keys.externalSecret);
    try {
      initSecret = await processExternalInit(cs, expectDefined(applied.externalInit, "applied.externalInit").kemOutput, privateKey, publicKey);
    } catch (e) {
      fail("commit/external-init", "8.3", "the ExternalInit kem_output does not decapsulate", e);
    }
  }
  const treeHash = await diff.treeHash();
  if (removedSelf) {
    return staged(state, fc.sender, committer, list, applied, undefined, true);
  }
  // pskSourceOf copies the kept resumption PSKs: only for a Commit that has PSK proposals (§8.4).
  const pskSecret = applied.psks.length === 0 ? undefined : await resolvePskSecret(cs, applied.psks, pskSourceOf(state));
  const next = await deriveNextEpoch(cs, {
    groupContext: gc,
    interimTranscriptHash: state.interimTranscriptHash,
    confirmedTranscriptHashInput: confirmedTranscriptHashInputOf(content),
    treeHash,
    extensions: applied.extensions,
    initSecret,
    commitSecret,
    pskSecret,
  });
  next.joinerSecret.fill(0);
  const tag = expectDefined(content.auth.confirmationTag, "content.auth.confirmationTag");
  await verifyEpochConfirmationTag(cs, next, tag);
  const newState = await enterNextEpoch(state, next, {
    applied,
    confirmationTag: tag,
    privateKeys,
    memberSummary: summary,
    pathLeaf: commit.path === undefined ? undefined : { leafIndex: committer, previous: external ? undefined : replaced, leafNode: commit.path.leafNode },
    ownLeaf: state.ownLeaf,
  });
  next.secrets.wipe();
  return staged(state, fc.sender, committer, list, applied, newState, false);
}

function staged(
  state: GroupState,
  sender: Sender,
  committer: LeafIndex,
  list: ProposalWithSender[],
  applied: AppliedProposals,
  next: GroupState | undefined,
  removedSelf: boolean,
): StagedCommit {
  return {
    sender,
    committer,
    proposals: list,
    added: applied.added,
    removed: applied.removed,
    updated: applied.updated,
    newExtensions: applied.extensionsChanged ? applied.extensions : undefined,
    psks: applied.psks,
    reinit: applied.reinit,
    externalCommit: sender.senderType === SenderType.new_member_commit,
    epoch: state.groupContext.epoch + 1n,
    removedSelf,
    state: next,
  };
}

/**
 * Merges a staged Commit: the new epoch's state (the old one's secrets stay
 * only in the bounded ring of past epochs).
 * @throws UsageError `usage/removed` when the Commit removed this member.
 */
export function mergeStagedCommit(staged: StagedCommit): GroupState {
  if (staged.state === undefined) throw new UsageError("usage/removed", "the Commit removed this member from the group (RFC 9420 §12.4.2)");
  staged.consumeKey?.();
  return staged.state;
}

/** The ProposalRef of a verified proposal (§5.2). */
export function proposalRefOf(state: GroupState, content: VerifiedContent): Promise<Uint8Array> {
  return makeProposalRef(state.cs, encodeAuthenticatedContent(content));
}

void ProposalType;
void memberSender;
