/**
 * Per-group policy (docs/ARCHITECTURE.md "State"): how this client frames handshake
 * messages, which extension and proposal types it accepts, how many past
 * epochs it keeps for late messages, and the limits of its ratchets and of
 * the early-message buffer. Application-defined proposal types are
 * registered here with a validator and an apply hook (RFC 9420 §13.2).
 */
import type { AppDataPolicy } from "../extensions/app-data.js";
import type { ExtensionTypeId, ProposalTypeId } from "@mlskit/core";
import { DEFAULT_RATCHET_POLICY, type RatchetPolicy } from "@mlskit/key-schedule";
import type { LeafIndex } from "@mlskit/ratchet-tree";
import { type Extension, ValidationError } from "@mlskit/core";
import { isDefaultExtensionType } from "../leaf-nodes/capabilities.js";
import type { LifetimePolicy } from "../leaf-nodes/leaf-node-validation.js";
import type { PaddingPolicy } from "../framing/private-message-content.js";
import { NO_PADDING } from "../framing/private-message-content.js";
import { type CustomProposal, type Proposal, proposalTypeOf } from "../proposals/proposal.js";
import { type Sender, SenderType } from "../framing/sender.js";

/** What a custom proposal's hooks see of the group. */
export interface CustomProposalContext {
  readonly groupId: Uint8Array;
  readonly epoch: bigint;
  /** The GroupContext extensions as the Commit leaves them so far. */
  readonly extensions: readonly Extension[];
  readonly sender: Sender;
  /** The committer's leaf (undefined for an external commit). */
  readonly committer: LeafIndex | undefined;
}

/**
 * An application-defined proposal type (RFC 9420 §13.2): its validator runs
 * in the §12.2 list validation of every Commit that carries it; `apply` may
 * return new GroupContext extensions (applied after GroupContextExtensions).
 * `requiresPath` says whether a Commit carrying it needs an UpdatePath
 * (§17.4 "Path Required" column; default true, the safe choice).
 */
export interface CustomProposalHandler {
  readonly proposalType: ProposalTypeId;
  readonly requiresPath?: boolean;
  /** Whether `external` senders may send it (§12.1.8, the "Ext" column of §17.4); default false. */
  readonly external?: boolean;
  /** Throw (a ValidationError) to reject the proposal. */
  validate?(proposal: CustomProposal, context: CustomProposalContext): void | Promise<void>;
  /** Optional change of the GroupContext extensions. */
  apply?(proposal: CustomProposal, context: CustomProposalContext): readonly Extension[] | void;
}

/** Where a proposal is being authorized (see {@link GroupPolicy.authorizeProposal}). */
export type ProposalAuthorizationStage =
  /** A Proposal message received on its own (cached, to be committed by reference). */
  | "received"
  /** A proposal listed in a Commit another client sent. */
  | "commit"
  /** A proposal this client is about to commit. */
  | "committing";

/** What {@link GroupPolicy.authorizeProposal} sees of the group and the proposal. */
export interface ProposalAuthorizationContext {
  readonly groupId: Uint8Array;
  readonly epoch: bigint;
  /** The current GroupContext extensions (for example `external_senders`). */
  readonly extensions: readonly Extension[];
  /** Who proposed it: a member (its leaf), an external sender (its index), or a new member. */
  readonly sender: Sender;
  readonly stage: ProposalAuthorizationStage;
  /** For a proposal in a Commit: whether it came by reference. */
  readonly byReference: boolean;
  /** For a proposal in a Commit: the committer's leaf (undefined for an external Commit). */
  readonly committer: LeafIndex | undefined;
}

/** The policy of one group. All fields optional in {@link GroupPolicyInput}. */
export interface GroupPolicy {
  /** Wire format of this client's Proposals and Commits: "public" (PublicMessage) or "private" (PrivateMessage). */
  readonly handshakeWireFormat: "public" | "private";
  /** Padding of PrivateMessageContent (§6.3.1, §15.1). */
  readonly padding: PaddingPolicy;
  /** Past epochs kept to read late application messages (§15.3 "Delayed and Reordered"); 0 keeps none. */
  readonly pastEpochs: number;
  /** Resumption PSKs of past epochs kept (§8.4, §8.6). */
  readonly resumptionPsks: number;
  /** Out-of-order window and forward limit of the hash ratchets (§15.3). */
  readonly ratchet: RatchetPolicy;
  /** Lifetime checks of KeyPackage leaves received in Adds and trees (§7.3). */
  readonly lifetime: LifetimePolicy;
  /** Extension types accepted beyond the RFC's defaults (undefined: any the leaves support). */
  readonly acceptedExtensionTypes?: readonly ExtensionTypeId[];
  /** Custom proposal types, by type. */
  readonly customProposals: ReadonlyMap<ProposalTypeId, CustomProposalHandler>;
  /** Messages of the next epoch held until its Commit is merged (§15.3): at most this many. */
  readonly maxEarlyMessages: number;
  /** … and at most this many bytes in all. */
  readonly maxEarlyBytes: number;
  /** … and, of PublicMessages, at most this many claiming one member as sender. */
  readonly maxEarlyPerSender: number;
  /**
   * Most leaves of a ratchet tree received by a joiner (Welcome, GroupInfo,
   * or out of band): parsing stops at the first node beyond `2 * maxTreeLeaves - 1`
   * (ValidationError `limits/tree-too-large`, §12.4.3.1). Default 65,536.
   */
  readonly maxTreeLeaves: number;
  /** Most proposals (by value and by reference) in one received Commit (`limits/too-many-proposals`, §12.4.2). Default 1,000. */
  readonly maxProposalsPerCommit: number;
  /**
   * Most bytes of a received MLSMessage (`limits/message-too-large`, §16.11):
   * checked before decoding a group message; a Welcome or GroupInfo may
   * exceed it by its `ratchet_tree` extension, which `maxTreeLeaves` bounds.
   * Default 16 MiB.
   */
  readonly maxMessageBytes: number;
  /**
   * The application's permission check on proposals (RFC 9420 §12.1.8:
   * "External proposals that are not authorized are considered invalid";
   * §12.4: a list is invalid if it holds "an Add when the sender does not
   * have the application-level permission to add new users"). Called for
   * every proposal received, every proposal in a received Commit and every
   * proposal this client commits; `false` makes it invalid: a received one
   * is rejected, a Commit carrying it is rejected, and this client leaves
   * it out of its own Commits when it came by reference. Undefined: every
   * proposal that passes the RFC's checks is authorized.
   */
  readonly authorizeProposal?: (proposal: Proposal, context: ProposalAuthorizationContext) => boolean | Promise<boolean>;
  /**
   * The application's components and update logic for AppDataUpdate
   * proposals (draft-ietf-mls-extensions, extensions/app-data.ts). Undefined:
   * every AppDataUpdate is invalid (no component is known).
   */
  readonly appData?: AppDataPolicy;
}

/** Options to build a {@link GroupPolicy}. */
export type GroupPolicyInput = Partial<Omit<GroupPolicy, "customProposals" | "ratchet">> & {
  readonly ratchet?: Partial<RatchetPolicy>;
  readonly customProposals?: readonly CustomProposalHandler[];
};

/**
 * Default {@link GroupPolicy.maxTreeLeaves}: 2^16 leaves (131,071 nodes), room
 * for groups of the ~50,000 members MLS is designed for with the padding to a
 * power of two; validating a tree at the cap takes seconds, not minutes.
 */
export const DEFAULT_MAX_TREE_LEAVES = 65_536;
/** Default {@link GroupPolicy.maxProposalsPerCommit}: a Commit's validation (two signatures per Add) stays bounded. */
export const DEFAULT_MAX_PROPOSALS_PER_COMMIT = 1_000;
/**
 * Default {@link GroupPolicy.maxMessageBytes}: 16 MiB. A legitimate Commit's
 * UpdatePath grows with the group: with blank parents it encrypts to up to
 * every other leaf (about 80 bytes each with X25519, 220 with P-521), so a
 * Commit in a tree at {@link DEFAULT_MAX_TREE_LEAVES} may reach 14 MB; a
 * smaller cap would leave members of large groups unable to process it.
 */
export const DEFAULT_MAX_MESSAGE_BYTES = 16 * 1024 * 1024;

/** A policy from options, with defaults: public handshakes, no padding, 3 past epochs, 8 resumption PSKs, 32 early messages (256 KiB, 8 per claimed sender), trees of at most 65,536 leaves, 1,000 proposals per Commit, messages of 16 MiB. */
export function groupPolicy(input: GroupPolicyInput = {}): GroupPolicy {
  const custom = new Map<ProposalTypeId, CustomProposalHandler>();
  for (const h of input.customProposals ?? []) custom.set(h.proposalType, h);
  return {
    handshakeWireFormat: input.handshakeWireFormat ?? "public",
    padding: input.padding ?? NO_PADDING,
    pastEpochs: input.pastEpochs ?? 3,
    resumptionPsks: input.resumptionPsks ?? 8,
    ratchet: { ...DEFAULT_RATCHET_POLICY, ...input.ratchet },
    lifetime: input.lifetime ?? {},
    ...(input.acceptedExtensionTypes !== undefined ? { acceptedExtensionTypes: input.acceptedExtensionTypes } : {}),
    customProposals: custom,
    maxEarlyMessages: input.maxEarlyMessages ?? 32,
    maxEarlyBytes: input.maxEarlyBytes ?? 256 * 1024,
    maxEarlyPerSender: input.maxEarlyPerSender ?? 8,
    maxTreeLeaves: input.maxTreeLeaves ?? DEFAULT_MAX_TREE_LEAVES,
    maxProposalsPerCommit: input.maxProposalsPerCommit ?? DEFAULT_MAX_PROPOSALS_PER_COMMIT,
    maxMessageBytes: input.maxMessageBytes ?? DEFAULT_MAX_MESSAGE_BYTES,
    ...(input.authorizeProposal !== undefined ? { authorizeProposal: input.authorizeProposal } : {}),
    ...(input.appData !== undefined ? { appData: input.appData } : {}),
  };
}

/**
 * GroupContext extensions of non-default types must be among the policy's
 * `acceptedExtensionTypes` when it sets them (§13.4: a client rejects
 * extensions it does not accept for the group; default types always pass).
 * @throws ValidationError `group-context/unsupported-extension` (§13.4)
 */
export function checkAcceptedExtensions(policy: GroupPolicy, extensions: readonly Extension[]): void {
  const accepted = policy.acceptedExtensionTypes;
  if (accepted === undefined) return;
  for (const e of extensions) {
    if (!isDefaultExtensionType(e.extensionType) && !accepted.includes(e.extensionType)) {
      throw new ValidationError("group-context/unsupported-extension", "13.4", `extension type ${e.extensionType} is not accepted by this client`);
    }
  }
}

/**
 * Runs the policy's {@link GroupPolicy.authorizeProposal}, if any.
 * @throws ValidationError `proposal/unauthorized` (§12.1.8 for proposals
 *   from outside the group, §12.4 for members')
 */
export async function assertAuthorized(policy: GroupPolicy, proposal: Proposal, context: ProposalAuthorizationContext): Promise<void> {
  const authorize = policy.authorizeProposal;
  if (authorize === undefined || (await authorize(proposal, context))) return;
  const { sender } = context;
  const from = sender.senderType === SenderType.member ? `member ${sender.leafIndex}` : "outside the group";
  throw new ValidationError(
    "proposal/unauthorized",
    sender.senderType === SenderType.member ? "12.4" : "12.1.8",
    `the application did not authorize a proposal of type ${proposalTypeOf(proposal)} from ${from}`,
  );
}

/** The GroupContext fields a received proposal is authorized against. */
interface ReceivedIn {
  readonly groupId: Uint8Array;
  readonly epoch: bigint;
  readonly extensions: readonly Extension[];
}

/**
 * {@link assertAuthorized} for a proposal received by value in the epoch of
 * `gc`: by a member processing it and by an observer following the group
 * alike (§12.1.8, §12.4).
 */
export function assertReceivedAuthorized(policy: GroupPolicy, proposal: Proposal, gc: ReceivedIn, sender: Sender): Promise<void> {
  return assertAuthorized(policy, proposal, {
    groupId: gc.groupId,
    epoch: gc.epoch,
    extensions: gc.extensions,
    sender,
    stage: "received",
    byReference: false,
    committer: undefined,
  });
}

/** The default policy. */
export const DEFAULT_GROUP_POLICY: GroupPolicy = groupPolicy();
