/**
 * Commits of the facade's {@link Group}: its options ({@link CommitOptions},
 * {@link GroupInfoOptions}), choosing cached proposals by reference, the
 * mapping to the state machine's commit options and back to a
 * {@link CommitOutput}, and signed GroupInfos.
 */
import { toHex } from "@mlskit/codec";
import { type Extension, ExtensionType, ProtocolVersion, UsageError, WireFormat } from "@mlskit/core";
import {
  type CachedProposal,
  type CreateCommitOptions,
  type CreatedCommit,
  type GroupState,
  type ProposalInput,
  decodeMlsMessage,
  encodeMlsMessage,
  externalKeyPair,
  externalPubCodec,
  makeExtension,
  processMessage,
  signGroupInfo,
} from "@mlskit/group";
import type { Group } from "./group.js";
import { knownProposal } from "./group-incoming.js";
import type { GroupInternals } from "./group-internals.js";
import type { ProposalSpec } from "./group-proposals.js";
import type { CommitOutput } from "./results.js";

/** Options of {@link Group.commit}. */
export interface CommitOptions {
  /** Proposals committed by value, besides those received this epoch. */
  readonly proposals?: readonly ProposalSpec[];
  /** Include the proposals received (and sent) this epoch by reference (default true; ignored with `byReference`). */
  readonly includePending?: boolean;
  /**
   * Commit exactly these cached proposals by reference (and no other cached
   * one): each a ProposalRef, or the proposal's MLSMessage as sent or
   * received (one not yet processed is processed first, like
   * {@link Group.processIncoming}). Proposals left out stay cached until the
   * epoch ends.
   * @throws UsageError `usage/unknown-proposal` for a reference not cached this epoch.
   */
  readonly byReference?: readonly Uint8Array[];
  /** Send an UpdatePath even when no proposal requires one (a self-update). */
  readonly forcePath?: boolean;
  /**
   * Put the ratchet tree in the Welcome (default true); otherwise the new
   * epoch's tree is returned as {@link CommitOutput.ratchetTree}, to send
   * beside the Welcome.
   */
  readonly ratchetTreeInWelcome?: boolean;
  /** Also return a signed GroupInfo of the new epoch (default: with `external_pub` and the tree). */
  readonly groupInfo?: boolean | GroupInfoOptions;
  readonly authenticatedData?: Uint8Array;
}

/** Options of {@link Group.groupInfo}. */
export interface GroupInfoOptions {
  /** Include the `external_pub` extension, which external joins need (default true). */
  readonly withExternalPub?: boolean;
  /** Include the `ratchet_tree` extension (default true). */
  readonly withRatchetTree?: boolean;
}
/**
 * The state to commit from when `byReference` chooses the proposals: the
 * state machine commits all cached proposals or none, so this is a view
 * caching only the chosen ones. @internal
 * @throws UsageError `usage/unknown-proposal` for a reference not cached this epoch.
 */
export async function chooseByReference(g: GroupInternals, byReference: readonly Uint8Array[]): Promise<GroupState> {
  const chosen = new Map<string, CachedProposal>();
  for (const item of byReference) {
    const ref = await refOf(g, item);
    const key = toHex(ref);
    const cached = g.state.proposals.get(key);
    if (cached === undefined) throw new UsageError("usage/unknown-proposal", `proposal ${key} is not cached in epoch ${g.state.groupContext.epoch}`);
    chosen.set(key, cached);
  }
  return { ...g.state, proposals: chosen };
}

/** The ProposalRef of a `byReference` item: a ref, or a proposal message (processed now when new). */
async function refOf(g: GroupInternals, item: Uint8Array): Promise<Uint8Array> {
  if (item.length === g.state.cs.hashLength && g.state.proposals.has(toHex(item))) return item;
  let m;
  try {
    m = decodeMlsMessage(item);
  } catch {
    return item; // Not a message: taken as a ref (reported unknown when not cached).
  }
  if (m.wireFormat !== WireFormat.mls_public_message && m.wireFormat !== WireFormat.mls_private_message) {
    throw new UsageError("usage/not-a-proposal", "a byReference item is neither a ProposalRef nor a proposal message");
  }
  const known = knownProposal(g.state, item);
  if (known?.kind === "proposal") return known.ref;
  const r = await processMessage(g.state, item);
  if (r.kind !== "proposal") throw new UsageError("usage/not-a-proposal", `a byReference message is a ${r.kind} message, not a proposal`);
  g.set(r.state);
  return r.ref;
}

/** The state machine's commit options for the facade's, with the resolved by-value proposals. @internal */
export function commitParams(options: CommitOptions, proposals: ProposalInput[]): CreateCommitOptions {
  const gi = options.groupInfo;
  return {
    proposals,
    ...(options.byReference !== undefined ? {} : options.includePending !== undefined ? { includePending: options.includePending } : {}),
    ...(options.forcePath !== undefined ? { forcePath: options.forcePath } : {}),
    ...(options.ratchetTreeInWelcome !== undefined ? { ratchetTreeInWelcome: options.ratchetTreeInWelcome } : {}),
    ...(options.authenticatedData !== undefined ? { authenticatedData: options.authenticatedData } : {}),
    ...(gi === undefined || gi === false ? {} : { groupInfo: gi === true ? {} : { externalPub: gi.withExternalPub !== false, ratchetTree: gi.withRatchetTree !== false } }),
  };
}

/** What {@link Group.commit} returns for a created Commit; `epoch` is the epoch it starts. @internal */
export function commitOutput(created: CreatedCommit, options: CommitOptions, epoch: bigint): CommitOutput {
  return {
    commit: created.commit,
    ...(created.welcome !== undefined ? { welcome: created.welcome } : {}),
    ...(created.groupInfo !== undefined ? { groupInfo: created.groupInfo } : {}),
    ...(created.welcome !== undefined && options.ratchetTreeInWelcome === false ? { ratchetTree: created.pending.state.tree.encode() } : {}),
    epoch,
  };
}

/** A signed GroupInfo of the state's epoch as an MLSMessage (§12.4.3). @internal */
export async function signedGroupInfo(s: GroupState, options: GroupInfoOptions): Promise<Uint8Array> {
  const extensions: Extension[] = [];
  if (options.withRatchetTree !== false) extensions.push({ extensionType: ExtensionType.ratchet_tree, extensionData: s.tree.encode() });
  if (options.withExternalPub !== false) {
    const { publicKey } = await externalKeyPair(s);
    extensions.push(makeExtension(ExtensionType.external_pub, externalPubCodec, { externalPub: publicKey }));
  }
  const gi = await signGroupInfo(s.cs, s.signaturePrivateKey, {
    groupContext: s.groupContext,
    extensions,
    confirmationTag: s.confirmationTag,
    signer: s.ownLeaf,
  });
  return encodeMlsMessage({ version: ProtocolVersion.mls10, wireFormat: WireFormat.mls_group_info, groupInfo: gi });
}
