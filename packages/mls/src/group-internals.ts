/**
 * What the {@link Group}'s module functions (commits, incoming messages)
 * need from the group: its live state and bookkeeping. Internal to the facade.
 */
import type { IdentityProvider } from "@mlskit/core";
import type { GroupState, StagedCommit as GroupStagedCommit } from "@mlskit/group";
import type { Group } from "./group.js";
import type { GroupPersistence } from "./group-persistence.js";
import type { ProposalOutput, StagedCommit } from "./results.js";
import type { ForkKeeper } from "./forks/fork-keeper.js";
import type { ResolvedForkOptions } from "./forks/fork-options.js";
import type { RetainedStates } from "./forks/retained-states.js";
import type { ProposalSpec } from "./group-proposals.js";
import type { SpentKeyReason } from "./key-forgetting.js";
import type { GroupHistoryHooks } from "./history/client-history.js";

/** A {@link Group}'s internals, as its module functions see them. @internal */
export interface GroupInternals {
  /** The current state (read live: it changes with `set`). */
  readonly state: GroupState;
  readonly identityProvider: IdentityProvider;
  /** Moves to a state (written to storage when the operation ends). */
  set(state: GroupState): void;
  /** Wraps another member's staged Commit for the application. */
  staged(inner: GroupStagedCommit): StagedCommit;
  /** Fork handling (forks/), when the client enabled it. */
  readonly forks?: ForkKeeper | undefined;
  /** The full states of past epochs kept for forks (stored with the group). */
  readonly retained: RetainedStates;
  /** Sends a proposal in the current epoch (already in the group's queue). */
  propose(spec: ProposalSpec): Promise<ProposalOutput>;
}

/** What a {@link Group} needs from its client. @internal */
export interface GroupHost {
  readonly identityProvider: IdentityProvider;
  /** The group as storage holds it (after a failed write). */
  reload(groupId: Uint8Array): Promise<{ state: GroupState; persistence: GroupPersistence } | undefined>;
  /** Tells the crypto provider these private keys are spent (never rejects; see `KeyForgetter`). */
  forgetPrivateKeys(keys: readonly Uint8Array[], reason: SpentKeyReason): Promise<void>;
  /** History sharing (history/client-history.ts): epoch retention and reading imported epochs. */
  readonly history?: GroupHistoryHooks;
  /** Fork handling (forks/): on when the client was created with `forks`. */
  readonly forks?: ResolvedForkOptions;
}
