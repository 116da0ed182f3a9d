/**
 * What the {@link Group}'s module functions (commits, incoming messages)
 * need from the group: its live state and bookkeeping. Internal to the facade.
 */
import type { CipherSuiteProvider, IdentityProvider } from "@mlskit/core";
import type { GroupState, StagedCommit as GroupStagedCommit } from "@mlskit/group";
import type { Group } from "./group.js";
import type { IncomingMessage, StagedCommit } from "./results.js";

/** A {@link Group}'s internals, as its module functions see them. @internal */
export interface GroupInternals {
  /** The current state (read live: it changes with `set`). */
  readonly state: GroupState;
  readonly identityProvider: IdentityProvider;
  /** Moves to a state and persists it. */
  set(state: GroupState): Promise<void>;
  /** Remembers a proposal message of the current epoch and its ref. */
  noteProposal(message: Uint8Array, ref: Uint8Array): void;
  /** A proposal message of this epoch that is already cached, as `processIncoming` reports it. */
  knownProposal(bytes: Uint8Array): IncomingMessage | undefined;
  /** Wraps another member's staged Commit for the application. */
  staged(inner: GroupStagedCommit): StagedCommit;
}

/** What a {@link Group} needs from its client. @internal */
export interface GroupHost {
  readonly cs: CipherSuiteProvider;
  readonly identityProvider: IdentityProvider;
  /** Stores the state (called after every change). */
  persist(state: GroupState): Promise<void>;
  /** The group is over for this client (removed, or an external join rejected). */
  closed(groupId: Uint8Array): Promise<void>;
}
