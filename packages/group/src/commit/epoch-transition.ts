/**
 * The epoch transition of a Commit, one pipeline for the committer
 * (commit-create.ts, RFC 9420 §12.4.1) and the receivers (commit-process.ts,
 * §12.4.2), once the proposals are applied and the path merged into the diff:
 *
 * 1. {@link deriveNextEpoch}: the confirmed transcript hash (§8.2), the new
 *    GroupContext with the new tree hash (§8.1, §12.4), joiner_secret,
 *    psk_secret and the epoch secrets (§8).
 * 2. The confirmation tag over the confirmed transcript hash (§6.1): the
 *    committer makes it ({@link createEpochConfirmationTag}), a receiver
 *    verifies the one received ({@link verifyEpochConfirmationTag}).
 * 3. {@link enterNextEpoch}: the interim transcript hash (§8.2), the merged
 *    tree, the identity index and member summary of the new tree, and the new
 *    epoch's state (§12.4: the new tree, GroupContext and secrets together).
 */
import { encode } from "@mlskit/codec";
import type { CipherSuiteProvider, Extension } from "@mlskit/core";
import {
  type EpochSecrets,
  type GroupContext,
  createConfirmationTag,
  deriveConfirmedTranscriptHash,
  deriveEpochSecrets,
  deriveInterimTranscriptHash,
  deriveJoinerSecret,
  groupContextCodec,
  verifyConfirmationTag,
} from "@mlskit/key-schedule";
import type { LeafIndex, TreePrivateKeys } from "@mlskit/ratchet-tree";
import type { CredentialTypeSummary } from "../leaf-nodes/capabilities.js";
import { type PathLeafChange, recordCommitIdentities } from "../proposals/identity-index.js";
import { type AppliedProposals, setMemberSummary } from "../proposals/proposal-list.js";
import { type GroupState, enterEpoch } from "../state/group-state.js";
import { dropBlankKeys, nextGroupContext } from "./commit-common.js";
import { fail } from "../error-codes.js";

/** Result of {@link deriveNextEpoch}. */
export interface NextEpoch {
  readonly groupContext: GroupContext;
  readonly encodedGroupContext: Uint8Array;
  readonly secrets: EpochSecrets;
  /** joiner_secret (kept for the Welcome, §12.4.3.1). */
  readonly joinerSecret: Uint8Array;
}

/**
 * The key schedule of a Commit (§8, §8.2): confirmed transcript hash from the
 * interim one and ConfirmedTranscriptHashInput, the new GroupContext, then
 * joiner_secret, psk_secret and the epoch secrets. `commitSecret` is consumed.
 */
export async function deriveNextEpoch(
  cs: CipherSuiteProvider,
  params: {
    readonly groupContext: GroupContext;
    readonly interimTranscriptHash: Uint8Array;
    readonly confirmedTranscriptHashInput: Uint8Array;
    readonly treeHash: Uint8Array;
    readonly extensions: readonly Extension[];
    readonly initSecret: Uint8Array;
    readonly commitSecret: Uint8Array;
    readonly pskSecret: Uint8Array | undefined;
  },
): Promise<NextEpoch> {
  const confirmed = await deriveConfirmedTranscriptHash(cs, params.interimTranscriptHash, params.confirmedTranscriptHashInput);
  const groupContext = nextGroupContext(params.groupContext, params.treeHash, confirmed, params.extensions);
  const encodedGroupContext = encode(groupContextCodec, groupContext);
  const joinerSecret = await deriveJoinerSecret(cs, params.initSecret, params.commitSecret, encodedGroupContext);
  const secrets = await deriveEpochSecrets(cs, { joinerSecret: joinerSecret.slice(), pskSecret: params.pskSecret, groupContext: encodedGroupContext });
  return { groupContext, encodedGroupContext, secrets, joinerSecret };
}

/** The committer's confirmation_tag of the new epoch (§6.1, §12.4.1). */
export function createEpochConfirmationTag(cs: CipherSuiteProvider, next: NextEpoch): Promise<Uint8Array> {
  return createConfirmationTag(cs, next.secrets.confirmationKey, next.groupContext.confirmedTranscriptHash);
}

/**
 * A receiver's check of the Commit's confirmation_tag (§12.4.2: "verify that
 * it is the same as the confirmation_tag field in the FramedContentAuthData
 * object", §6.1). On a mismatch the new epoch's secrets are wiped.
 * @throws ValidationError `commit/invalid-confirmation-tag`.
 */
export async function verifyEpochConfirmationTag(cs: CipherSuiteProvider, next: NextEpoch, tag: Uint8Array): Promise<void> {
  if (!(await verifyConfirmationTag(cs, next.secrets.confirmationKey, next.groupContext.confirmedTranscriptHash, tag))) {
    next.secrets.wipe();
    fail("commit/invalid-confirmation-tag", "6.1", "the Commit's confirmation_tag does not verify");
  }
}

/** What {@link enterNextEpoch} takes beyond the derived epoch. */
export interface EpochTransitionInput {
  /** The applied proposals, whose diff holds the new tree (path merged). */
  readonly applied: AppliedProposals;
  /** The Commit's confirmation_tag (made or verified). */
  readonly confirmationTag: Uint8Array;
  /** Our private keys in the new tree (blank nodes' keys are dropped here, §7.4). */
  readonly privateKeys: TreePrivateKeys;
  /** The credential-type summary of the new tree's members. */
  readonly memberSummary: CredentialTypeSummary;
  /** The committer's path leaf when the Commit had a path. */
  readonly pathLeaf: PathLeafChange | undefined;
  readonly ownLeaf: LeafIndex;
}

/**
 * The new epoch's state (§12.4.1, §12.4.2 last steps): the interim transcript
 * hash from the confirmed one and the confirmation tag (§8.2), the diff
 * merged into the new tree with its member summary and identity index, and
 * the epoch entered with `next`'s GroupContext and secrets. The caller still
 * owns `next.secrets` (wiped once it no longer needs them).
 */
export async function enterNextEpoch(state: GroupState, next: NextEpoch, input: EpochTransitionInput): Promise<GroupState> {
  const { applied } = input;
  const interim = await deriveInterimTranscriptHash(state.cs, next.groupContext.confirmedTranscriptHash, input.confirmationTag);
  const tree = await applied.diff.merge();
  setMemberSummary(tree, input.memberSummary);
  recordCommitIdentities(state.tree, tree, state.services.identityProvider, applied, input.pathLeaf);
  return enterEpoch(state, state, {
    groupContext: next.groupContext,
    encodedGroupContext: next.encodedGroupContext,
    tree,
    privateKeys: dropBlankKeys(input.privateKeys, tree),
    ownLeaf: input.ownLeaf,
    secrets: next.secrets,
    interimTranscriptHash: interim,
    confirmationTag: input.confirmationTag,
    reinit: applied.reinit,
  });
}
