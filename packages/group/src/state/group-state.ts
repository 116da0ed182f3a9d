/**
 * The group state (docs/ARCHITECTURE.md "State"): a readonly snapshot of one member's
 * view of a group in one epoch. Transitions (commit, proposal, join) return
 * a new snapshot and never modify the one they were given; the only mutable
 * part is the epoch's {@link SecretTree}, whose ratchets consume keys by
 * nature (a failed decryption restores the key it tried).
 */
import { bytesEqual, toHex } from "@mlskit/codec";
import type { CipherSuiteProvider, Credential, IdentityProvider } from "@mlskit/core";
import { expectDefined } from "@mlskit/core";
import { type EpochSecrets, type GroupContext, SecretTree, deriveExternalKeyPair, inspectCustom, mlsExporter } from "@mlskit/key-schedule";
import type { LeafIndex, LeafNode, RatchetTree, TreePrivateKeys } from "@mlskit/ratchet-tree";
import { type FramingContext, createFramingContext } from "../framing/framing-context.js";
import { historyAfter } from "./epoch-history.js";
import type { GroupPolicy } from "../policy/group-policy.js";
import type { Proposal, ProposalRef, ReInitProposal } from "../proposals/proposal.js";
import type { Sender } from "../framing/sender.js";

/** The epoch secrets a member keeps going forward (RFC 9420 §8, Table 4), in their stored order; the rest are wiped. */
export const EPOCH_KEYS = [
  "senderDataSecret",
  "exporterSecret",
  "externalSecret",
  "confirmationKey",
  "membershipKey",
  "resumptionPsk",
  "epochAuthenticator",
  "initSecret",
] as const;

/** The epoch secrets a member keeps going forward (RFC 9420 §8, Table 4); the rest are wiped. */
export type EpochKeys = Pick<EpochSecrets, (typeof EPOCH_KEYS)[number]>;

/** A proposal received (or sent) this epoch, cached by its ProposalRef (§5.2, §12.4). */
export interface CachedProposal {
  readonly ref: ProposalRef;
  readonly proposal: Proposal;
  readonly sender: Sender;
  /**
   * The MLSMessage that carried it, when this member sent or received it as
   * one: a copy handed back by the Delivery Service is then known, not
   * processed twice.
   */
  readonly message?: Uint8Array;
}

/**
 * Where this member stands in the group (RFC 9420 §11.2, §12.4.3.2, §12.3).
 * A merged ReInit is {@link GroupState.reinit}, orthogonal to this.
 */
export type GroupStatus =
  /** A member in good standing. */
  | { readonly kind: "active" }
  /** Joined by an external Commit that the Delivery Service has not confirmed yet (§12.4.3.2). */
  | { readonly kind: "external-join-pending"; readonly commit: Uint8Array }
  /** Removed by the Commit of `epoch`: late messages of earlier epochs can still be read. */
  | { readonly kind: "removed"; readonly epoch: bigint }
  /** Unusable (e.g. our external join was rejected). */
  | { readonly kind: "closed"; readonly reason: string };

/**
 * Spread into every state (and so copied by `{ ...state }`): `JSON.stringify`
 * and `util.inspect` of a state show its group, epoch and leaf, never its
 * keys. Only the encoding handed to storage holds them.
 */
export const REDACTED_STATE = {
  toJSON(this: GroupState): { groupId: string; epoch: string; ownLeaf: number; redacted: string } {
    return { groupId: toHex(this.groupContext.groupId), epoch: this.groupContext.epoch.toString(), ownLeaf: this.ownLeaf, redacted: "GroupState" };
  },
  [inspectCustom](this: GroupState): string {
    return `GroupState { groupId: ${toHex(this.groupContext.groupId)}, epoch: ${this.groupContext.epoch}, ownLeaf: ${this.ownLeaf}, status: ${this.status.kind} } [secrets redacted]`;
  },
};

/** The status of a new epoch's member. */
export const ACTIVE: GroupStatus = Object.freeze({ kind: "active" });

/** What is kept of a past epoch to read its late application messages (§15.3). */
export interface PastEpoch {
  readonly epoch: bigint;
  readonly framing: FramingContext;
  readonly secretTree: SecretTree;
  readonly senderDataSecret: Uint8Array;
  readonly membershipKey: Uint8Array;
  /** The epoch's tree (immutable, shares storage): the senders' signature keys. */
  readonly tree: RatchetTree;
}

/** An application's source of external PSKs (§8.4). */
export interface PskStore {
  /** The PSK with this `psk_id`, or undefined when unknown. */
  get(pskId: Uint8Array): Uint8Array | undefined | Promise<Uint8Array | undefined>;
}

/** Resumption PSKs of other groups (§8.6, §11.2, §11.3): a store the application keeps across groups. */
export interface ResumptionPskStore {
  get(groupId: Uint8Array, epoch: bigint): Uint8Array | undefined | Promise<Uint8Array | undefined>;
}

/** The application's services a group calls. */
export interface GroupServices {
  /** The Authentication Service (§5.3.1). */
  readonly identityProvider: IdentityProvider;
  /** External PSKs (§8.4). */
  readonly psks?: PskStore;
  /** Resumption PSKs of other groups (ReInit, branching). */
  readonly resumptionPsks?: ResumptionPskStore;
}

/** A commit this member created, waiting for the Delivery Service to confirm it (docs/ARCHITECTURE.md "Staged changes"). */
export interface PendingCommit {
  /** The MLSMessage bytes sent. */
  readonly message: Uint8Array;
  /** The state once it is confirmed. */
  readonly state: GroupState;
}

/** One member's readonly view of a group in one epoch. */
export interface GroupState {
  readonly cs: CipherSuiteProvider;
  readonly policy: GroupPolicy;
  readonly services: GroupServices;
  readonly groupContext: GroupContext;
  /** The GroupContext with its encoding and external senders, for framing. */
  readonly framing: FramingContext;
  readonly tree: RatchetTree;
  readonly privateKeys: TreePrivateKeys;
  readonly ownLeaf: LeafIndex;
  readonly signaturePrivateKey: Uint8Array;
  readonly keys: EpochKeys;
  readonly secretTree: SecretTree;
  readonly interimTranscriptHash: Uint8Array;
  /** The confirmation tag of the commit that started this epoch (GroupInfo, §12.4.3). */
  readonly confirmationTag: Uint8Array;
  /** Proposals of this epoch by hex ProposalRef. */
  readonly proposals: ReadonlyMap<string, CachedProposal>;
  /** Most recent first, at most `policy.pastEpochs`. */
  readonly pastEpochs: readonly PastEpoch[];
  /** Resumption PSKs of past epochs by epoch, at most `policy.resumptionPsks` (§8.6). */
  readonly resumptionPsks: ReadonlyMap<bigint, Uint8Array>;
  readonly pendingCommit: PendingCommit | undefined;
  /** Messages that arrived for the next epoch, replayed after its commit (bounded by policy). */
  readonly earlyMessages: readonly Uint8Array[];
  /** Set once a Commit with a ReInit was merged: the group must not be used anymore (§11.2). */
  readonly reinit: ReInitProposal | undefined;
  /**
   * HPKE private keys of leaf nodes this member proposed in Update proposals
   * this epoch, by hex encryption public key (used if another member commits the Update, §12.1.2).
   */
  readonly ownUpdates: ReadonlyMap<string, Uint8Array>;
  /** Where this member stands: active, pending external join, removed, closed. */
  readonly status: GroupStatus;
}

/** The {@link EpochKeys} of derived epoch secrets (copies, so wiping the source does not affect them). */
function epochKeysOf(s: EpochSecrets): EpochKeys {
  return Object.fromEntries(EPOCH_KEYS.map((k) => [k, s[k].slice()])) as unknown as EpochKeys;
}

/** Inputs of {@link enterEpoch}. */
export interface EpochInput {
  readonly groupContext: GroupContext;
  /** The encoding of `groupContext` when already made (the key schedule's input, §8). */
  readonly encodedGroupContext?: Uint8Array;
  readonly tree: RatchetTree;
  readonly privateKeys: TreePrivateKeys;
  readonly ownLeaf: LeafIndex;
  readonly secrets: EpochSecrets;
  readonly interimTranscriptHash: Uint8Array;
  readonly confirmationTag: Uint8Array;
  readonly signaturePrivateKey?: Uint8Array;
  readonly reinit?: ReInitProposal | undefined;
}

/**
 * The snapshot of a new epoch: the secret tree rooted at its
 * `encryption_secret` (derived lazily, O(log N) per sender), the previous
 * epoch pushed onto the bounded ring of past epochs, and its resumption PSK
 * kept (§8.6). `prev` is not modified.
 */
export function enterEpoch(
  base: { cs: CipherSuiteProvider; policy: GroupPolicy; services: GroupServices; signaturePrivateKey: Uint8Array },
  prev: GroupState | undefined,
  input: EpochInput,
): GroupState {
  const { cs, policy } = base;
  const secretTree = new SecretTree(cs, input.secrets.encryptionSecret, input.tree.leafCount, { policy: policy.ratchet });
  const { pastEpochs, resumptionPsks } = prev === undefined ? { pastEpochs: [], resumptionPsks: new Map<bigint, Uint8Array>() } : historyAfter(prev, policy);
  return {
    cs,
    policy,
    services: base.services,
    groupContext: input.groupContext,
    framing: createFramingContext(cs, input.groupContext, input.encodedGroupContext),
    tree: input.tree,
    privateKeys: input.privateKeys,
    ownLeaf: input.ownLeaf,
    signaturePrivateKey: input.signaturePrivateKey ?? base.signaturePrivateKey,
    keys: epochKeysOf(input.secrets),
    secretTree,
    interimTranscriptHash: input.interimTranscriptHash,
    confirmationTag: input.confirmationTag,
    proposals: new Map(),
    pastEpochs,
    resumptionPsks,
    pendingCommit: undefined,
    earlyMessages: [],
    reinit: input.reinit,
    ownUpdates: new Map(),
    status: ACTIVE,
    ...REDACTED_STATE,
  };
}

/** The hex key of a ProposalRef in {@link GroupState.proposals}. */
export function refKey(ref: ProposalRef): string {
  return toHex(ref);
}

/** The proposal of this epoch that `message` (an MLSMessage) carried, when it is cached already. */
export function findCachedProposal(state: GroupState, message: Uint8Array): CachedProposal | undefined {
  for (const p of state.proposals.values()) {
    if (p.message !== undefined && p.message.length === message.length && bytesEqual(p.message, message)) return p;
  }
  return undefined;
}

/** The current epoch number. */
export function epochOf(state: GroupState): bigint {
  return state.groupContext.epoch;
}

/** The epoch authenticator (§8.7). */
export function epochAuthenticator(state: GroupState): Uint8Array {
  return state.keys.epochAuthenticator.slice();
}

/** MLS-Exporter(label, context, length) of the current epoch (§8.5). */
export function exportSecret(state: GroupState, label: string | Uint8Array, context: Uint8Array, length: number): Promise<Uint8Array> {
  return mlsExporter(state.cs, state.keys.exporterSecret, label, context, length);
}

/** The external key pair of the epoch (§8): `external_pub` goes into GroupInfo for external joins. */
export function externalKeyPair(state: GroupState): ReturnType<typeof deriveExternalKeyPair> {
  return deriveExternalKeyPair(state.cs, state.keys.externalSecret);
}

/** A member of the group as the application sees it. */
export interface Member {
  readonly leafIndex: LeafIndex;
  readonly leafNode: LeafNode;
  readonly credential: Credential;
  readonly signatureKey: Uint8Array;
}

/** The members of the group, by leaf (O(N): decodes every leaf). */
export function members(state: GroupState): Member[] {
  const out: Member[] = [];
  for (const l of state.tree.leaves()) {
    const leafNode = expectDefined(state.tree.leafNode(l), `leaf ${l}, listed by tree.leaves()`);
    out.push({ leafIndex: l, leafNode, credential: leafNode.credential, signatureKey: leafNode.signatureKey });
  }
  return out;
}
