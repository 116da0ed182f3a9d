/**
 * The shapes of proposal-list validation and application (§12.2, §12.3): a
 * proposal with its sender, the options of {@link applyProposalList}, and
 * what applying a valid list did.
 */
import type { Extension, ValidationError } from "@mlskit/core";
import type { PreSharedKeyID } from "@mlskit/key-schedule";
import type { LeafIndex, LeafNode, TreeDiff } from "@mlskit/ratchet-tree";
import type { CredentialTypeSummary } from "../leaf-nodes/capabilities.js";
import type { GroupState } from "../state/group-state.js";
import type { ValidatedKeyPackage } from "../key-packages/key-package-validation.js";
import type { CustomProposal, ExternalInitProposal, Proposal, ReInitProposal } from "./proposal.js";
import type { Sender } from "../framing/sender.js";
import type { ByReferenceEntry, ProposalListEntry } from "./proposal-list-entries.js";
import type { ProposalInvalid } from "./proposal-verdict.js";

/**
 * What proposal-list validation reads of a group: a member's
 * {@link GroupState}, or the public view of an observer (no secrets).
 */
export type ProposalListState = Pick<GroupState, "cs" | "policy" | "services" | "groupContext" | "tree">;

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
  /** The proposals applied, in list order (without those omitted), typed by kind. */
  readonly applied: readonly ProposalListEntry[];
  /**
   * By-reference proposals left out because they were invalid (only with
   * `omitInvalidReferences`, §12.2), each with its verdict (`error` is the
   * verdict's error, what a receiver of a Commit carrying it would throw).
   */
  readonly omitted: readonly { readonly proposal: ByReferenceEntry; readonly verdict: ProposalInvalid; readonly error: ValidationError }[];
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
  /** Whether this client is making the Commit ("committing") or received it ("commit", the default), for `authorizeProposal`. */
  readonly stage?: "commit" | "committing";
  /** With `omitInvalidReferences`: whether this client holds a PSK (§12.4.1); unavailable ones are left out. */
  readonly pskAvailable?: (id: PreSharedKeyID) => Promise<boolean>;
}
