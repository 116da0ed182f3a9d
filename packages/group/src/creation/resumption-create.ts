/**
 * Successor groups linked to a previous group by a resumption PSK (RFC 9420
 * §8.6): reinitialization after a merged ReInit (§11.2) and subgroup
 * branching (§11.3). The creator builds a one-member group and its first
 * Commit adds the other members with a PreSharedKey proposal of type
 * `resumption` (usage `reinit` or `branch`), so the new group starts in
 * epoch 1 with the old group's resumption secret mixed in.
 */
import { bytesEqual } from "@mlskit/codec";
import { type CipherSuiteProvider, type Extension, ProposalType, ProtocolVersion, UsageError } from "@mlskit/core";
import { PSKType, type PreSharedKeyID, ResumptionPSKUsage } from "@mlskit/key-schedule";
import type { LeafNode } from "@mlskit/ratchet-tree";
import { createCommitWith, mergePendingCommit } from "../commit/commit-create.js";
import { createGroup } from "./group-create.js";
import type { GroupPolicy } from "../policy/group-policy.js";
import type { GroupServices, GroupState } from "../state/group-state.js";
import type { ValidatedKeyPackage } from "../key-packages/key-package-validation.js";
import type { Proposal } from "../proposals/proposal.js";

/** The creator's side of a successor group, common to {@link createReinitGroup} and {@link createBranch}. */
export interface SuccessorGroupOptions {
  /** The creator's new leaf (e.g. the LeafNode of a fresh KeyPackage of its own for the new group) and its keys. */
  readonly leafNode: LeafNode;
  readonly encryptionPrivateKey: Uint8Array;
  readonly signaturePrivateKey: Uint8Array;
  /** KeyPackages of the other members of the new group (for the new group's cipher suite). */
  readonly keyPackages: readonly ValidatedKeyPackage[];
  /** Default: the old group's services and policy. */
  readonly services?: GroupServices;
  readonly policy?: GroupPolicy;
  /** Put the `ratchet_tree` extension in the Welcome (default true). */
  readonly ratchetTreeInWelcome?: boolean;
}

/** A successor group: the creator's state in epoch 1 and the Welcome for the other members. */
export interface SuccessorGroup {
  readonly state: GroupState;
  /** The Welcome (MLSMessage bytes); undefined when no other member was added. */
  readonly welcome: Uint8Array | undefined;
}

/** @internal Parameters of {@link createResumedGroup} (every field explicit: tests use it to build non-conforming groups). */
export interface ResumedGroupParams extends SuccessorGroupOptions {
  readonly cs: CipherSuiteProvider;
  readonly groupId: Uint8Array;
  readonly extensions: readonly Extension[];
  readonly usage: typeof ResumptionPSKUsage.reinit | typeof ResumptionPSKUsage.branch;
  /** The resumption PSK's group, epoch and value (the old group's resumption_psk of that epoch, §8.6). */
  readonly pskGroupId: Uint8Array;
  readonly pskEpoch: bigint;
  readonly psk: Uint8Array;
  readonly services: GroupServices;
  readonly policy: GroupPolicy;
}

/**
 * @internal Creates the group and its first Commit: Adds of `keyPackages`
 * and the resumption PSK (with a fresh `psk_nonce` of KDF.Nh bytes,
 * §11.3), with a path; the Commit is merged at once (nobody else is in
 * epoch 0), so the returned state is in epoch 1 (§11.2, §11.3).
 */
export async function createResumedGroup(p: ResumedGroupParams): Promise<SuccessorGroup> {
  const { cs } = p;
  const state = await createGroup({
    cs,
    groupId: p.groupId,
    leafNode: p.leafNode,
    encryptionPrivateKey: p.encryptionPrivateKey,
    signaturePrivateKey: p.signaturePrivateKey,
    extensions: p.extensions,
    services: p.services,
    policy: p.policy,
  });
  const id: PreSharedKeyID = {
    psktype: PSKType.resumption,
    usage: p.usage,
    pskGroupId: p.pskGroupId,
    pskEpoch: p.pskEpoch,
    pskNonce: cs.randomBytes(cs.hashLength),
  };
  const proposals: Proposal[] = [...p.keyPackages.map((keyPackage): Proposal => ({ proposalType: ProposalType.add, keyPackage })), { proposalType: ProposalType.psk, psk: id }];
  const extraPsk = (x: PreSharedKeyID): Uint8Array | undefined =>
    x.psktype === PSKType.resumption && x.usage === p.usage && x.pskEpoch === p.pskEpoch && bytesEqual(x.pskGroupId, p.pskGroupId) ? p.psk : undefined;
  const created = await createCommitWith(
    state,
    { proposals, includePending: false, forcePath: true, ...(p.ratchetTreeInWelcome !== undefined ? { ratchetTreeInWelcome: p.ratchetTreeInWelcome } : {}) },
    { extraPsk },
  );
  return { state: mergePendingCommit(created.state), welcome: created.welcome };
}

/**
 * Re-creates a reinitialized group (§11.2 step 3): `old` is the frozen
 * state after the Commit covering the ReInit; the new group takes the
 * ReInit's `group_id`, `version`, `cipher_suite` and `extensions`, and its
 * first Commit's Welcome carries the resumption PSK with usage `reinit` of
 * the old group's last epoch (the epoch after that Commit).
 * @param cs the provider of the ReInit's cipher suite.
 * @throws UsageError when `old` has no merged ReInit, `cs` is not the ReInit's
 *   suite, or the ReInit asks for a protocol version this library lacks.
 */
export function createReinitGroup(old: GroupState, cs: CipherSuiteProvider, options: SuccessorGroupOptions): Promise<SuccessorGroup> {
  const reinit = old.reinit;
  if (reinit === undefined) throw new UsageError("usage/no-reinit", "the group has no merged ReInit (RFC 9420 §11.2)");
  // §11.2: the new group's cipher_suite and version are the ReInit's.
  if (cs.suite.id !== reinit.cipherSuite)
    throw new UsageError("usage/cipher-suite-mismatch", `the ReInit asks for cipher suite ${reinit.cipherSuite}, the provider is for ${cs.suite.id}`);
  if (reinit.version !== ProtocolVersion.mls10) throw new UsageError("usage/unsupported-version", `protocol version ${reinit.version} is not supported`);
  return createResumedGroup({
    ...options,
    cs,
    groupId: reinit.groupId,
    extensions: reinit.extensions,
    usage: ResumptionPSKUsage.reinit,
    pskGroupId: old.groupContext.groupId,
    pskEpoch: old.groupContext.epoch,
    psk: old.keys.resumptionPsk,
    services: options.services ?? old.services,
    policy: options.policy ?? old.policy,
  });
}

/** Options of {@link createBranch}. */
export interface BranchOptions extends SuccessorGroupOptions {
  /** Default: a fresh random value of KDF.Nh bytes. */
  readonly groupId?: Uint8Array;
  /** GroupContext extensions of the subgroup (default: the parent's, §11.3 "the same parameters"). */
  readonly extensions?: readonly Extension[];
}

/**
 * Branches a subgroup off `parent` (§11.3): same version and cipher suite,
 * a new group id, the members of `keyPackages` (which should be members of
 * the parent), and a resumption PSK with usage `branch` of the parent's
 * current epoch in the first Commit.
 * @throws UsageError when the parent was reinitialized.
 */
export function createBranch(parent: GroupState, options: BranchOptions): Promise<SuccessorGroup> {
  if (parent.reinit !== undefined) throw new UsageError("usage/group-reinitialized", "the group was reinitialized (RFC 9420 §11.2)");
  const cs = parent.cs;
  return createResumedGroup({
    ...options,
    cs,
    groupId: options.groupId ?? cs.randomBytes(cs.hashLength),
    extensions: options.extensions ?? parent.groupContext.extensions,
    usage: ResumptionPSKUsage.branch,
    pskGroupId: parent.groupContext.groupId,
    pskEpoch: parent.groupContext.epoch,
    psk: parent.keys.resumptionPsk,
    services: options.services ?? parent.services,
    policy: options.policy ?? parent.policy,
  });
}
