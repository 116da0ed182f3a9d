/**
 * What the facade's operations return: members as the application sees
 * them, created commits and proposals, and the typed results of
 * {@link Group.processIncoming}.
 */
import type { Credential, CredentialTypeId, Extension } from "@mlskit/core";
import type { Proposal, ReInitProposal, Sender, StagedCommit as GroupStagedCommit } from "@mlskit/group";
import type { PreSharedKeyID } from "@mlskit/key-schedule";
import type { LeafIndex } from "@mlskit/ratchet-tree";
import type { Group } from "./group.js";
import type { ForkResult } from "./forks/fork-results.js";

/** A member of the group. */
export interface MemberInfo {
  readonly leafIndex: LeafIndex;
  /** The identity the credential presents, as the identity provider reads it (§5.3.3). */
  readonly identity: Uint8Array;
  readonly credentialType: CredentialTypeId;
  readonly credential: Credential;
  readonly signatureKey: Uint8Array;
}

/** A Commit created by this member, pending until the Delivery Service confirms it. */
export interface CommitOutput {
  /** The Commit as an MLSMessage: send it to the group. */
  readonly commit: Uint8Array;
  /** The Welcome for the members it adds (an MLSMessage), when it adds any. */
  readonly welcome?: Uint8Array;
  /** The signed GroupInfo of the new epoch (an MLSMessage), when asked for. */
  readonly groupInfo?: Uint8Array;
  /**
   * The new epoch's ratchet tree (`ratchet_tree` extension body), when the
   * Commit has a Welcome without the tree (`ratchetTreeInWelcome: false`):
   * send it beside the Welcome.
   */
  readonly ratchetTree?: Uint8Array;
  /** The epoch the Commit starts once confirmed. */
  readonly epoch: bigint;
}

/** A proposal created by this member. */
export interface ProposalOutput {
  /** The proposal as an MLSMessage: send it to the group. */
  readonly message: Uint8Array;
  /** Its ProposalRef (§5.2). */
  readonly ref: Uint8Array;
  readonly proposal: Proposal;
}

/** Application data received (§6.3). */
export interface ApplicationReceived {
  readonly kind: "application";
  /** The sender's leaf in the message's epoch. */
  readonly sender: LeafIndex;
  /** The sender's identity in the message's epoch (undefined if it cannot be read). */
  readonly senderIdentity: Uint8Array | undefined;
  /** The epoch the message was sent in (older than the current one for a late message). */
  readonly epoch: bigint;
  readonly data: Uint8Array;
  readonly authenticatedData: Uint8Array;
}

/** A proposal received and cached for a later Commit (§12.1). */
export interface ProposalReceived {
  readonly kind: "proposal";
  readonly proposal: Proposal;
  readonly sender: Sender;
  readonly ref: Uint8Array;
}

/** Another member's Commit, staged: inspect it, then {@link StagedCommit.merge}. */
export interface CommitReceived {
  readonly kind: "commit";
  readonly staged: StagedCommit;
}

/** Our own pending Commit came back from the Delivery Service and is now merged. */
export interface OwnCommitConfirmed {
  readonly kind: "own-commit";
  /** The epoch now current. */
  readonly epoch: bigint;
  /** Messages that were held for this epoch, processed now. */
  readonly replayed: readonly IncomingMessage[];
}

/** A message of the next epoch, held until that epoch's Commit is merged (then returned by `merge`). */
export interface MessageBuffered {
  readonly kind: "buffered";
  readonly epoch: bigint;
}

/** What {@link Group.processIncoming} found (`fork`: forks/fork-results.ts, when the client handles forks). */
export type IncomingMessage = ApplicationReceived | ProposalReceived | CommitReceived | OwnCommitConfirmed | MessageBuffered | ForkResult;

/** What {@link StagedCommit.merge} did. */
export interface MergeResult {
  /** The epoch now current (unchanged when the Commit removed us). */
  readonly epoch: bigint;
  /** True when the Commit removed this member: the group is closed. */
  readonly removed: boolean;
  /** Messages that were held for this epoch, processed now. */
  readonly replayed: readonly IncomingMessage[];
  /** Held messages that failed (each a typed error). */
  readonly replayErrors: readonly unknown[];
}

/**
 * A received Commit processed but not merged (docs/ARCHITECTURE.md "Staged changes",
 * RFC 9420 §12.4.2): who joins, who leaves, which proposals, before the
 * application decides to {@link merge}. Discarding it is simply not merging.
 */
export class StagedCommit {
  readonly #inner: GroupStagedCommit;
  readonly #merge: () => Promise<MergeResult>;

  /** @internal Created by {@link Group.processIncoming}. */
  constructor(inner: GroupStagedCommit, merge: () => Promise<MergeResult>) {
    this.#inner = inner;
    this.#merge = merge;
  }

  /** The Commit's sender (a member, or a new member for an external Commit). */
  get sender(): Sender {
    return this.#inner.sender;
  }
  /** The committer's leaf in the new epoch. */
  get committer(): LeafIndex {
    return this.#inner.committer;
  }
  /** The epoch the Commit starts. */
  get epoch(): bigint {
    return this.#inner.epoch;
  }
  /** The proposals applied, with their senders. */
  get proposals(): readonly { readonly proposal: Proposal; readonly sender: Sender; readonly ref?: Uint8Array }[] {
    return this.#inner.proposals;
  }
  /** Members added: their new leaves and credentials. */
  get added(): readonly { readonly leafIndex: LeafIndex; readonly credential: Credential; readonly keyPackageRef: Uint8Array }[] {
    return this.#inner.added.map((a) => ({ leafIndex: a.leafIndex, credential: a.keyPackage.leafNode.credential, keyPackageRef: a.keyPackageRef }));
  }
  /** Members removed: their leaves and credentials. */
  get removed(): readonly { readonly leafIndex: LeafIndex; readonly credential: Credential }[] {
    return this.#inner.removed.map((r) => ({ leafIndex: r.leafIndex, credential: r.leafNode.credential }));
  }
  /** Leaves replaced by Update proposals. */
  get updated(): readonly { readonly leafIndex: LeafIndex; readonly credential: Credential }[] {
    return this.#inner.updated.map((u) => ({ leafIndex: u.leafIndex, credential: u.leafNode.credential }));
  }
  /** The PSKs injected (§8.4). */
  get psks(): readonly PreSharedKeyID[] {
    return this.#inner.psks;
  }
  /** The new GroupContext extensions, when they change. */
  get newExtensions(): readonly Extension[] | undefined {
    return this.#inner.newExtensions;
  }
  /** The ReInit committed (§11.2): once merged the group is closed and a new one must be created. */
  get reinit(): ReInitProposal | undefined {
    return this.#inner.reinit;
  }
  /** True for an external Commit (§12.4.3.2). */
  get externalCommit(): boolean {
    return this.#inner.externalCommit;
  }
  /** True when the Commit removes this member. */
  get removedSelf(): boolean {
    return this.#inner.removedSelf;
  }

  /**
   * Merges the Commit: the group moves to the new epoch (or is closed when
   * it removed us), a pending Commit of ours for the old epoch is discarded
   * (the Delivery Service ordered this one first), and messages held for the
   * new epoch are processed.
   * @throws UsageError `usage/stale-staged-commit` when the group changed since
   *   the Commit was staged (process it again).
   */
  merge(): Promise<MergeResult> {
    return this.#merge();
  }
}
