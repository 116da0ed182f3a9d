/**
 * The public view of a group (RFC 9420 §12.4.2 for an observer; RFC 9750 §5:
 * "the DS validates the Commit as an observer"): what a party without the
 * group's secrets — a Delivery Service — holds to follow the group epoch by
 * epoch and to process its next PublicMessage Commit. Immutable: every
 * observation returns a new view and never modifies the one it was given.
 */
import type { CipherSuiteProvider } from "@mlskit/core";
import type { GroupContext } from "@mlskit/key-schedule";
import type { RatchetTree } from "@mlskit/ratchet-tree";
import { type FramingContext, createFramingContext } from "../framing/framing-context.js";
import type { GroupPolicy } from "../policy/group-policy.js";
import type { CachedProposal, GroupServices, GroupState } from "../state/group-state.js";
import type { ReInitProposal } from "../proposals/proposal.js";

/** An observer's readonly view of a group in one epoch: public data only. */
export interface PublicGroupView {
  /** Environment (not encoded): the group's cipher suite provider. */
  readonly cs: CipherSuiteProvider;
  /** Environment (not encoded): limits, accepted extensions, authorization, custom proposals. */
  readonly policy: GroupPolicy;
  /** Environment (not encoded): the Authentication Service that validates the members' credentials (§5.3.1). */
  readonly services: GroupServices;
  /** The GroupContext (§8.1): group id, epoch, tree hash, confirmed transcript hash, extensions, cipher suite. */
  readonly groupContext: GroupContext;
  /** Derived from `groupContext`: its encoding and external senders, for verifying signatures (§6.1). */
  readonly framing: FramingContext;
  /** The ratchet tree (public), whose tree hash is `groupContext.treeHash` (§7.8). */
  readonly tree: RatchetTree;
  /** interim_transcript_hash of the epoch (§8.2), the input of the next Commit's confirmed transcript hash. */
  readonly interimTranscriptHash: Uint8Array;
  /**
   * The confirmation_tag of the Commit (or GroupInfo) that started the epoch.
   * An observer cannot verify it (it needs confirmation_key, §6.1); it is
   * what the epoch's GroupInfo must carry too.
   */
  readonly confirmationTag: Uint8Array;
  /** PublicMessage proposals observed this epoch, by ProposalRef (§5.2), for Commits that reference them (§12.4). */
  readonly proposals: ReadonlyMap<string, CachedProposal>;
  /** The ReInit a Commit of the group applied (§11.2): the group takes no more Commits. */
  readonly reinit: ReInitProposal | undefined;
}

/** The fields of a {@link PublicGroupView} that are its data (what is encoded, `framing` aside). */
export type PublicGroupViewData = Pick<PublicGroupView, "groupContext" | "tree" | "interimTranscriptHash" | "confirmationTag" | "proposals" | "reinit">;

/** The environment a view is observed or decoded in. */
export interface PublicGroupViewEnvironment {
  readonly cs: CipherSuiteProvider;
  readonly policy: GroupPolicy;
  readonly services: GroupServices;
}

/** Builds a frozen view from its environment and data (the framing context derived once). */
export function makePublicGroupView(env: PublicGroupViewEnvironment, data: PublicGroupViewData): PublicGroupView {
  return Object.freeze({
    cs: env.cs,
    policy: env.policy,
    services: env.services,
    groupContext: data.groupContext,
    framing: createFramingContext(env.cs, data.groupContext),
    tree: data.tree,
    interimTranscriptHash: data.interimTranscriptHash,
    confirmationTag: data.confirmationTag,
    proposals: data.proposals,
    reinit: data.reinit,
  });
}

/**
 * The public view of a member's state (its secrets left out): for an
 * application that is a member and wants to hand the group to an observer,
 * and for comparing an observer's view with a member's.
 */
export function publicGroupViewOf(state: GroupState): PublicGroupView {
  return makePublicGroupView(state, {
    groupContext: state.groupContext,
    tree: state.tree,
    interimTranscriptHash: state.interimTranscriptHash,
    confirmationTag: state.confirmationTag,
    proposals: new Map([...state.proposals].map(([k, p]) => [k, { ref: p.ref, proposal: p.proposal, sender: p.sender }])),
    reinit: state.reinit,
  });
}
