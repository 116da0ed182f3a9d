/**
 * Starting to observe a group from a GroupInfo (RFC 9420 §12.4.3): the
 * checks a joiner makes that need no secret (§12.4.3.1, §12.4.3.2) — the
 * tree's integrity against the GroupContext, the members' credentials, the
 * GroupInfo's signature by its signer's leaf — and the interim transcript
 * hash from the GroupInfo's confirmation tag (§8.2). The confirmation tag
 * itself cannot be verified: it needs the epoch's confirmation_key.
 */
import { encode } from "@mlskit/codec";
import { type CipherSuiteProvider, ExtensionType, WireFormat } from "@mlskit/core";
import { deriveInterimTranscriptHash } from "@mlskit/key-schedule";
import type { RatchetTree } from "@mlskit/ratchet-tree";
import { CredentialTypeSummary } from "../leaf-nodes/capabilities.js";
import { fail } from "../error-codes.js";
import { findExtension } from "../extensions/extensions.js";
import { type GroupInfo, groupInfoCodec, verifyGroupInfoSignature } from "../welcome/group-info.js";
import { DEFAULT_GROUP_POLICY, type GroupPolicy, checkAcceptedExtensions } from "../policy/group-policy.js";
import type { GroupServices } from "../state/group-state.js";
import { checkMessageSize } from "../policy/input-limits.js";
import { decodeJoinerTree } from "../welcome/joiner-tree.js";
import { decodeMlsMessage } from "../framing/mls-message.js";
import { setMemberSummary } from "../proposals/proposal-list.js";
import { checkExternalSenderKeys } from "../proposals/proposal-list-checks.js";
import { type PublicGroupView, makePublicGroupView } from "./public-group-view.js";

/** Options of {@link observeGroupInfo}. */
export interface ObserveGroupInfoOptions {
  /** The provider of the group's cipher suite. */
  readonly cs: CipherSuiteProvider;
  /** The Authentication Service validating the members' credentials (§5.3.1). */
  readonly services: GroupServices;
  readonly policy?: GroupPolicy;
  /** The GroupInfo: an MLSMessage's bytes or the decoded struct. */
  readonly groupInfo: Uint8Array | GroupInfo;
  /** The ratchet tree (`ratchet_tree` extension body) when the GroupInfo does not carry it (§12.4.3.3). */
  readonly ratchetTree?: Uint8Array;
}

/** A GroupInfo from an MLSMessage's bytes, or as given. */
export function groupInfoFrom(groupInfo: Uint8Array | GroupInfo): GroupInfo {
  if (!(groupInfo instanceof Uint8Array)) return groupInfo;
  const m = decodeMlsMessage(groupInfo);
  if (m.wireFormat !== WireFormat.mls_group_info) fail("message/not-a-group-info", "12.4.3", "the message is not a GroupInfo");
  return m.groupInfo;
}

/**
 * Verifies `gi`'s signature with the signature key of its signer's leaf in
 * `tree` (§12.4.3.1: "If the node is blank or if signature verification fails, return an error").
 * @throws ValidationError `group-info/signer-blank`, `group-info/invalid-signature`.
 */
export async function checkGroupInfoSignature(cs: CipherSuiteProvider, tree: RatchetTree, gi: GroupInfo): Promise<void> {
  const signerKey = tree.signatureKey(gi.signer);
  if (signerKey === undefined) fail("group-info/signer-blank", "12.4.3.1", `GroupInfo signer leaf ${gi.signer} is blank or outside the tree`);
  if (!(await verifyGroupInfoSignature(cs, signerKey, gi))) fail("group-info/invalid-signature", "12.4.3.1", "the GroupInfo signature does not verify");
}

/**
 * The public view of the epoch a GroupInfo describes. Checks, as a joiner
 * does (§12.4.3.1): the GroupInfo within the policy's size limit (§16.11),
 * its cipher suite is the provider's, the group's extensions are accepted
 * (§13.4) and its external senders' keys valid (§12.1.8.1), the tree (from
 * the `ratchet_tree` extension or `ratchetTree`) — tree hash equal to the
 * GroupContext's, parent hashes, every leaf (§7.3) with its credential
 * (event `welcome-tree`), unmerged leaves, key uniqueness (§7.9, §12.4.3.1)
 * — and the GroupInfo signature by the signer's leaf. The interim
 * transcript hash is derived from the GroupInfo's confirmation tag (§8.2).
 *
 * Not checked (needs the epoch's secrets): the confirmation tag, so a
 * GroupInfo signed by a member over a GroupContext the group never had
 * would pass; an observer trusts its first GroupInfo as far as it trusts the
 * signer, and follows the Commits from there.
 * @throws ValidationError naming the failed check.
 */
export async function observeGroupInfo(options: ObserveGroupInfoOptions): Promise<PublicGroupView> {
  const { cs, services } = options;
  const policy = options.policy ?? DEFAULT_GROUP_POLICY;
  const gi = groupInfoFrom(options.groupInfo);
  const ratchetTreeExtension = findExtension(gi.extensions, ExtensionType.ratchet_tree);
  // §16.11: the GroupInfo within maxMessageBytes, its ratchet_tree aside (bounded by maxTreeLeaves).
  const giBytes = options.groupInfo instanceof Uint8Array ? options.groupInfo.length : encode(groupInfoCodec, gi).length;
  checkMessageSize(policy, "GroupInfo", giBytes, ratchetTreeExtension?.length ?? 0);
  const gc = gi.groupContext;
  if (gc.cipherSuite !== cs.suite.id) {
    fail("group-info/cipher-suite-mismatch", "12.4.3.1", `the GroupInfo is of cipher suite ${gc.cipherSuite}, the provider of ${cs.suite.id}`);
  }
  // §13.4: the group's extensions are ones this observer accepts; §12.1.8.1 / §5.1.1: external senders' keys are signature keys.
  checkAcceptedExtensions(policy, gc.extensions);
  await checkExternalSenderKeys(cs, gc.extensions);
  const treeBytes = ratchetTreeExtension ?? options.ratchetTree;
  if (treeBytes === undefined) fail("group-info/missing-ratchet-tree", "12.4.3.1", "the GroupInfo carries no ratchet_tree: supply it out of band");
  // §12.4.3.1 "Verify the integrity of the ratchet tree": tree hash, parent hashes, leaves (§7.3), unmerged leaves, key uniqueness.
  const tree = await decodeJoinerTree(cs, services, policy, gc, treeBytes, "welcome-tree");
  await checkGroupInfoSignature(cs, tree, gi);
  setMemberSummary(tree, CredentialTypeSummary.fromTree(tree));
  // §8.2: interim_transcript_hash = Hash(confirmed_transcript_hash || InterimTranscriptHashInput(confirmation_tag)).
  const interimTranscriptHash = await deriveInterimTranscriptHash(cs, gc.confirmedTranscriptHash, gi.confirmationTag);
  return makePublicGroupView(
    { cs, policy, services },
    { groupContext: gc, tree, interimTranscriptHash, confirmationTag: gi.confirmationTag, proposals: new Map(), reinit: undefined },
  );
}
