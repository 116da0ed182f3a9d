/**
 * The public part of processing a Commit (RFC 9420 §12.4.2): every step a
 * receiver takes without secrets. Members ({@link stageCommit}) and an
 * observer without secrets (a Delivery Service, RFC 9750 §5) share it, so
 * both reach the same verdict and the same tree:
 *
 * 1. resolve the proposals, inline or by reference to ones received this epoch (§12.4.2);
 * 2. validate the proposal list (§12.2) and apply it to a diff of the tree (§12.3);
 * 3. check the path is present when required (§12.4, §12.4.3.2);
 * 4. validate the path's LeafNode (§7.3, source `commit`) and merge the
 *    UpdatePath (§7.5: signature, parent hashes, key uniqueness), decrypting
 *    it only when the caller holds private keys.
 *
 * What stays with members: the path secrets, PSKs, the key schedule and the
 * confirmation tag (§8, §6.1).
 */
import { isSelfRemove } from "../extensions/self-remove.js";
import { toHex } from "@mlskit/codec";
import { ProposalType, UsageError, expectDefined } from "@mlskit/core";
import { type AppliedUpdatePath, type LeafIndex, type LeafNode, LeafNodeSource, type TreePrivateKeys, applyUpdatePath } from "@mlskit/ratchet-tree";
import type { CredentialTypeSummary } from "../leaf-nodes/capabilities.js";
import { ProposalOrRefType } from "../commit/commit.js";
import { provisionalGroupContext } from "../commit/commit-common.js";
import { ContentType } from "../framing/content-type.js";
import { fail } from "../error-codes.js";
import type { FramedContent } from "../framing/framed-content.js";
import { type GroupState, refKey } from "../state/group-state.js";
import { checkProposalCount } from "../policy/input-limits.js";
import { checkLeafNodeContents, checkLeafNodeEncryptionKey, validateLeafNodeCredential } from "../leaf-nodes/leaf-node-validation.js";
import { type AppliedProposals, type ProposalListState, type ProposalWithSender, applyProposalList } from "../proposals/proposal-list.js";
import { SenderType } from "../framing/sender.js";

/** What the public steps of a Commit read: the group's public state and the proposals received this epoch. */
export type PublicCommitState = ProposalListState & Pick<GroupState, "proposals">;

/** Resolves a Commit's ProposalOrRefs against the epoch's cache (§12.4.2). */
function resolveProposals(state: Pick<GroupState, "proposals">, content: FramedContent): ProposalWithSender[] {
  if (content.contentType !== ContentType.commit) throw new UsageError("usage/not-a-commit", "the content is not a commit");
  const sender = content.sender;
  return content.commit.proposals.map((por) => {
    if (por.type === ProposalOrRefType.proposal) {
      // §12.4: by-value proposals come from the committer; an external commit's must be ExternalInit/Remove/PSK (§12.2).
      return { proposal: por.proposal, sender };
    }
    const cached = state.proposals.get(refKey(por.reference));
    // §12.4.2: a proposal by reference must be one received in this epoch.
    if (cached === undefined) fail("commit/unknown-proposal-ref", "12.4.2", `the Commit references unknown proposal ${toHex(por.reference)}`);
    // §12.4.3.2: an external Commit "MUST NOT include any proposals by reference" other than... it has no access to them.
    // draft-ietf-mls-extensions: except SelfRemoves, which an external joiner fetches with the GroupInfo (their rules: proposal-list-partition.ts).
    if (sender.senderType === SenderType.new_member_commit && !isSelfRemove(cached.proposal)) {
      fail("commit/external-commit-by-reference", "12.4.3.2", "an external Commit references a proposal");
    }
    return { proposal: cached.proposal, sender: cached.sender, ref: cached.ref };
  });
}

/** The proposals of a Commit, validated and applied to a diff of the tree (steps 1–3). */
export interface CommitProposals {
  /** The resolved proposals, in list order, with their senders. */
  readonly list: ProposalWithSender[];
  readonly applied: AppliedProposals;
  /** The Commit's sender is `new_member_commit` (§12.4.3.2). */
  readonly external: boolean;
  /** The committer's leaf before the Commit; undefined for an external Commit. */
  readonly committerBefore: LeafIndex | undefined;
}

/**
 * Steps 1–3 of a received Commit: the sender is a member or a new member
 * (§6.1), the policy's cap on proposals, the proposals resolved (§12.4.2),
 * validated and applied (§12.2, §12.3), and the path present when required
 * (§12.4; external Commits always, §12.4.3.2).
 * @throws ValidationError naming the first rule broken; `state` is untouched.
 */
export async function applyCommitProposals(state: PublicCommitState, fc: FramedContent): Promise<CommitProposals> {
  if (fc.contentType !== ContentType.commit) throw new UsageError("usage/not-a-commit", "the content is not a commit");
  const sender = fc.sender;
  const external = sender.senderType === SenderType.new_member_commit;
  if (!external && sender.senderType !== SenderType.member) fail("commit/invalid-sender", "6.1", "only members and new members commit");
  const committerBefore = sender.senderType === SenderType.member ? sender.leafIndex : undefined;
  // The policy's cap on proposals, before any of them is resolved or validated.
  checkProposalCount(state.policy, fc.commit.proposals.length);
  const list = resolveProposals(state, fc);
  const applied = await applyProposalList(state, list, { committer: committerBefore, commitSender: sender });
  // §12.4: "if len(commit.proposals) == 0 || pathRequired: assert(commit.path != null)"; §12.4.3.2: external Commits have a path.
  if ((applied.pathRequired || external) && fc.commit.path === undefined) {
    fail("commit/missing-path", "12.4", "the Commit's proposals require a path, and it has none");
  }
  return { list, applied, external, committerBefore };
}

/** The Commit's path merged into the diff (step 4). */
export interface CommitPath {
  /** The committer's leaf in the new epoch (for an external Commit, the joiner's new leaf). */
  readonly committer: LeafIndex;
  /** The LeafNode the path's leaf replaces: the committer's previous leaf, or the leaf an external Commit removes. */
  readonly replaced: LeafNode | undefined;
  /** The credential summary of the members after the Commit. */
  readonly memberSummary: CredentialTypeSummary;
  /** The path decrypted with the receiver's keys (only when they were given). */
  readonly decrypted: AppliedUpdatePath["decrypted"];
}

/**
 * Step 4 of a received Commit: without a path, the committer stays where it
 * was. With one, an external committer takes the leftmost blank leaf
 * (§12.4.2); the path's LeafNode is validated (§7.3, `leaf_node_source =
 * commit`, credential by the Authentication Service), then the UpdatePath is
 * merged (§7.5: leaf signature, parent hashes, key uniqueness) and, with
 * `privateKeys`, decrypted under the provisional GroupContext (§12.4.2).
 * Works on `proposals.applied.diff`.
 * @throws ValidationError naming the first rule broken.
 */
export async function applyCommitPath(state: PublicCommitState, fc: FramedContent, proposals: CommitProposals, privateKeys?: TreePrivateKeys): Promise<CommitPath> {
  if (fc.contentType !== ContentType.commit) throw new UsageError("usage/not-a-commit", "the content is not a commit");
  const { applied, external } = proposals;
  const path = fc.commit.path;
  const summary = applied.memberSummary;
  if (path === undefined)
    return { committer: expectDefined(proposals.committerBefore, "proposals.committerBefore"), replaced: undefined, memberSummary: summary, decrypted: undefined };
  const { diff } = applied;
  const gc = state.groupContext;
  const leaf = path.leafNode;
  let committer: LeafIndex;
  let replaced: LeafNode | undefined;
  if (external) {
    // §12.4.2: the external committer takes the leftmost blank leaf (extending the tree if none).
    committer = diff.addLeaf({ ...leaf, encryptionKey: new Uint8Array(0) });
    // §12.2: with a Remove, the new leaf must be acceptable as an Update of the removed leaf.
    // (The Remove's leaf: not that of a SelfRemove the joiner also committed, draft-ietf-mls-extensions.)
    const resync = applied.applied.find((p) => p.proposal.proposalType === ProposalType.remove)?.proposal as { removed: LeafIndex } | undefined;
    replaced = resync === undefined ? undefined : applied.removed.find((r) => r.leafIndex === resync.removed)?.leafNode;
  } else {
    committer = expectDefined(proposals.committerBefore, "proposals.committerBefore");
    replaced = diff.leafNode(committer);
  }
  // §12.4.2: "Validate the LeafNode as specified in Section 7.3. The leaf_node_source field MUST be set to commit."
  const leafOptions = {
    source: LeafNodeSource.commit,
    identityProvider: state.services.identityProvider,
    group: { groupId: gc.groupId, version: gc.version, extensions: applied.extensions, members: summary, keys: diff },
    leafIndex: committer,
    ...(replaced !== undefined ? { replaces: replaced } : {}),
    lifetime: state.policy.lifetime,
    ...(external ? { credentialEvent: "external-commit" as const } : {}),
  } as const;
  checkLeafNodeContents(state.cs, leaf, leafOptions);
  // §5.1.1, RFC 9180 §7.1.1: the new leaf's encryption_key is a key members can encrypt to (the path's node keys
  // are checked as it merges, its signature_key by the signature it carries).
  await checkLeafNodeEncryptionKey(state.cs, leaf);
  const credential = validateLeafNodeCredential(state.cs, leaf, leafOptions);
  credential.catch(() => {});
  // §7.5, §12.4.2: merge the path (signature, parent hash, key uniqueness), then decrypt with the provisional GroupContext.
  const result = await applyUpdatePath(diff, {
    sender: committer,
    updatePath: path,
    groupId: gc.groupId,
    excludedLeaves: applied.added.map((a) => a.leafIndex),
    groupContext: provisionalGroupContext(gc, applied.extensions),
    ...(privateKeys !== undefined ? { privateKeys } : {}),
  });
  await credential;
  const memberSummary = (replaced !== undefined && !external ? summary.without(replaced) : summary).with(leaf);
  return { committer, replaced, memberSummary, decrypted: result.decrypted };
}
