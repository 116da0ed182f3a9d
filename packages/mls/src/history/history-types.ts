/**
 * The public types of history sharing (see `client-history.ts`): the
 * application's consent hook and settings, the options and results of
 * sharing and importing, and the hooks a group calls on its client's history.
 */
import type { GroupState } from "@mlskit/group";
import type { MemberRef } from "../group-proposals.js";
import type { IncomingMessage } from "../results.js";

/** How the recipient relates to the sharing member. */
export type HistoryRecipientRelation = "same-user" | "member";

/** What the application is asked to approve before any key leaves the client. */
export interface HistoryShareRequest {
  readonly groupId: Uint8Array;
  /** The recipient KeyPackage's identity (IdentityProvider.identity of its credential, validated). */
  readonly recipientIdentity: Uint8Array;
  readonly recipientKeyPackageRef: Uint8Array;
  /** `same-user`: another device of our user (`sameUser`); `member`: another user's client that is a member of the group now. */
  readonly relation: HistoryRecipientRelation;
  /** The epoch numbers that would be shared, ascending (an epoch of two branches once). */
  readonly epochs: readonly bigint[];
  /** Each epoch with its branch (the epoch's confirmed transcript hash); `current` when it is on the branch the sharer is on now. */
  readonly branches: readonly { readonly epoch: bigint; readonly branch: Uint8Array; readonly current: boolean }[];
  /** The senders in scope, per epoch (and branch). */
  readonly senders: readonly { readonly epoch: bigint; readonly branch: Uint8Array; readonly leafIndex: number; readonly identity: Uint8Array }[];
}

/** The application's consent hook and settings of history sharing (`ClientOptions.historySharing`). */
export interface HistorySharingOptions {
  /**
   * Asked before anything is exported; true approves. Absent: every request
   * is refused. A recipient that is neither the same user nor a member of
   * the group is refused before this is asked.
   */
  readonly approve?: (request: HistoryShareRequest) => boolean | Promise<boolean>;
  /**
   * Whether two identities (IdentityProvider.identity) are the same user's.
   * Default: equal identities. Identities name clients in MLS (two clients
   * of one identity cannot both be members, §12.2), so an application with
   * several devices per user supplies this (e.g. compare the user part).
   */
  readonly sameUser?: (a: Uint8Array, b: Uint8Array) => boolean | Promise<boolean>;
  /**
   * Keep, for this many most recent epochs, a copy of each epoch's secret
   * tree as it was when the epoch began, so its messages can be shared after
   * this client read or sent them. Default 0: only what the live state still
   * holds can be shared. A forward-secrecy trade-off: see README.
   */
  readonly retainEpochs?: number;
}

/** Options of {@link Client.shareHistory}. */
export interface ShareHistoryOptions {
  /** The recipient's KeyPackage (MLSMessage or bare), of the group's suite: the bundle is encrypted to its init key. */
  readonly keyPackage: Uint8Array;
  /**
   * The epoch range, inclusive; default every epoch held. The current epoch
   * of the branch the sharer is on is never shared; every other held epoch
   * in range is, of every branch held (a branch left by a fork included,
   * even past the current epoch number).
   */
  readonly epochs?: { readonly from?: bigint; readonly to?: bigint };
  /** The senders (leaf indexes, or identities, resolved in each epoch's tree); default every member of each epoch. */
  readonly senders?: readonly MemberRef[];
  /** Overrides the client's `historySharing.approve` for this call. */
  readonly approve?: (request: HistoryShareRequest) => boolean | Promise<boolean>;
}

/** Options of {@link Client.importHistory}. */
export interface ImportHistoryOptions {
  /** Keep the recipient KeyPackage after the import (default: deleted, a KeyPackage is single-use, §16.8). */
  readonly keepKeyPackage?: boolean;
}

/** What {@link Client.importHistory} imported. */
export interface ImportedHistory {
  readonly groupId: Uint8Array;
  readonly epochs: readonly bigint[];
  /** Each epoch imported with its branch (its confirmed transcript hash). */
  readonly branches: readonly { readonly epoch: bigint; readonly branch: Uint8Array }[];
  /** The leaves whose application messages can be read, per epoch (and branch). */
  readonly senders: readonly { readonly epoch: bigint; readonly branch: Uint8Array; readonly leafIndex: number }[];
  /** The member that shared it, as our current tree shows it. */
  readonly sharedBy: { readonly leafIndex: number; readonly identity: Uint8Array };
}

/** What a {@link Group} calls on its client's history. @internal */
export interface GroupHistoryHooks {
  /** A state of a new epoch became current (a commit merged, or the group was created or joined). */
  epochStarted(state: GroupState): void;
  /** Reads a message of an imported epoch; undefined when the message is not one for the history. */
  read(state: GroupState, bytes: Uint8Array): Promise<IncomingMessage | undefined>;
  /**
   * After the group refused a message of an epoch it holds (or buffered
   * none): reads it from an imported epoch of that number on another branch;
   * undefined when none reads it (the group's error stands).
   */
  readOtherBranch(state: GroupState, bytes: Uint8Array): Promise<IncomingMessage | undefined>;
}
