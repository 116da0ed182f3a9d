/**
 * A PublicMessage Commit processed by an observer (RFC 9420 §12.4.2 without
 * secrets; RFC 9750 §5): the public steps members take too
 * ({@link applyCommitProposals}, {@link applyCommitPath}), then the new
 * tree hash, the confirmed transcript hash from the Commit's signed content
 * and the interim one from its confirmation tag (§8.2), and the new epoch.
 *
 * Not verifiable by an observer: the confirmation tag (§6.1, needs the new
 * epoch's confirmation_key), the path's encrypted path secrets, the
 * ExternalInit's kem_output (§8.3, needs external_priv), that the PSKs
 * exist (§8.4). A Commit that passes here can still be rejected by members
 * on those grounds; the GroupInfo of the new epoch signed by a member
 * ({@link groupInfoMatches}) confirms it.
 */
import { type Credential, UsageError, expectDefined } from "@mlskit/core";
import { deriveConfirmedTranscriptHash, deriveInterimTranscriptHash } from "@mlskit/key-schedule";
import type { LeafIndex, LeafNode } from "@mlskit/ratchet-tree";
import { type VerifiedContent, encodeConfirmedTranscriptHashInput } from "../framing/authenticated-content.js";
import { nextGroupContext } from "../commit/commit-common.js";
import { ContentType } from "../framing/content-type.js";
import { fail } from "../error-codes.js";
import { recordCommitIdentities } from "../proposals/identity-index.js";
import type { ProposalWithSender } from "../proposals/proposal-list.js";
import { setMemberSummary } from "../proposals/proposal-list.js";
import type { ReInitProposal } from "../proposals/proposal.js";
import type { Sender } from "../framing/sender.js";
import { applyCommitPath, applyCommitProposals } from "./public-commit.js";
import { type PublicGroupView, makePublicGroupView } from "./public-group-view.js";

/** A member as an observer sees it: its leaf and credential. */
export interface ObservedMember {
  readonly leafIndex: LeafIndex;
  readonly leafNode: LeafNode;
  readonly credential: Credential;
}

/** A Commit an observer followed into the next epoch. */
export interface ObservedCommit {
  readonly kind: "commit";
  /** The view of the new epoch. */
  readonly view: PublicGroupView;
  readonly sender: Sender;
  /** The committer in the new epoch (an external committer at its new leaf), with its leaf after the Commit. */
  readonly committer: ObservedMember;
  /** Members the Commit added (§12.1.1), at their new leaves. */
  readonly added: readonly ObservedMember[];
  /** Members the Commit removed (§12.1.3), with the leaf they had. */
  readonly removed: readonly ObservedMember[];
  /** Members whose Update (§12.1.2) the Commit applied, with their new leaf. */
  readonly updated: readonly ObservedMember[];
  /** The proposals applied, in list order, with their senders. */
  readonly proposals: readonly ProposalWithSender[];
  /** A new-member Commit (§12.4.3.2). */
  readonly externalCommit: boolean;
  /** The ReInit the Commit applied (§11.2): the group takes no more Commits. */
  readonly reinit: ReInitProposal | undefined;
}

function member(leafIndex: LeafIndex, leafNode: LeafNode): ObservedMember {
  return { leafIndex, leafNode, credential: leafNode.credential };
}

/**
 * Follows a Commit authenticated by {@link verifyPublicMessageAsObserver}
 * into the next epoch: the proposals resolved (by value, or by reference to
 * ones observed this epoch), validated (§12.2) and applied (§12.3); the
 * path required when it must be (§12.4); the path's LeafNode validated (§7.3)
 * and the UpdatePath merged (§7.5: signature, parent hashes, keys); the new
 * tree hash, confirmed and interim transcript hashes (§8.2) and epoch.
 * @throws ValidationError naming the first rule broken; `view` is unchanged.
 */
export async function observeCommit(view: PublicGroupView, content: VerifiedContent): Promise<ObservedCommit> {
  const fc = content.content;
  if (fc.contentType !== ContentType.commit) throw new UsageError("usage/not-a-commit", "the content is not a commit");
  // §11.2: after a ReInit Commit "no more Commits" are made in the old group.
  if (view.reinit !== undefined) fail("commit/group-reinitialized", "11.2", "the group was reinitialized: it takes no more Commits");
  const { cs } = view;
  const proposals = await applyCommitProposals(view, fc);
  const { applied } = proposals;
  const path = await applyCommitPath(view, fc, proposals);
  const treeHash = await applied.diff.treeHash();
  // §8.2: confirmed_transcript_hash = Hash(interim_transcript_hash || ConfirmedTranscriptHashInput).
  const confirmed = await deriveConfirmedTranscriptHash(cs, view.interimTranscriptHash, encodeConfirmedTranscriptHashInput(content.wireFormat, fc, content.auth.signature));
  const groupContext = nextGroupContext(view.groupContext, treeHash, confirmed, applied.extensions);
  const tag = expectDefined(content.auth.confirmationTag, "content.auth.confirmationTag");
  const interimTranscriptHash = await deriveInterimTranscriptHash(cs, confirmed, tag);
  const tree = await applied.diff.merge();
  setMemberSummary(tree, path.memberSummary);
  const pathLeaf = fc.commit.path?.leafNode;
  recordCommitIdentities(
    view.tree,
    tree,
    view.services.identityProvider,
    applied,
    pathLeaf === undefined
      ? undefined
      : {
          leafIndex: path.committer,
          previous: proposals.external ? undefined : path.replaced,
          leafNode: pathLeaf,
        },
  );
  const next = makePublicGroupView(view, {
    groupContext,
    tree,
    interimTranscriptHash,
    confirmationTag: tag,
    proposals: new Map(),
    reinit: applied.reinit,
  });
  return {
    kind: "commit",
    view: next,
    sender: fc.sender,
    committer: member(path.committer, expectDefined(tree.leafNode(path.committer), "tree.leafNode(path.committer)")),
    added: applied.added.map((a) => member(a.leafIndex, a.keyPackage.leafNode)),
    removed: applied.removed.map((r) => member(r.leafIndex, r.leafNode)),
    updated: applied.updated.map((u) => member(u.leafIndex, u.leafNode)),
    proposals: proposals.list,
    externalCommit: proposals.external,
    reinit: applied.reinit,
  };
}
