/**
 * Checking a GroupInfo published with a Commit (RFC 9420 §12.4.3; RFC 9750
 * §5: a Delivery Service that serves GroupInfo to external joiners) against
 * the view the observer computed for the Commit's epoch.
 */
import { bytesEqual, constantTimeEqual } from "@mlskit/codec";
import { ExtensionType, ValidationError } from "@mlskit/core";
import { encodeGroupContext } from "@mlskit/key-schedule";
import { findExtension } from "../extensions/extensions.js";
import type { GroupInfo } from "../welcome/group-info.js";
import { encodedTree } from "../state/encoded-tree.js";
import { checkGroupInfoSignature, groupInfoFrom } from "./observe-group-info.js";
import type { PublicGroupView } from "./public-group-view.js";

/** Why a GroupInfo does not describe the view's epoch. */
export type GroupInfoMismatch =
  /** Another group_id, cipher suite or version. */
  | "group"
  | "epoch"
  | "tree-hash"
  | "confirmed-transcript-hash"
  /** The GroupContext extensions differ. */
  | "extensions"
  /** Not the confirmation_tag of the Commit that started the epoch. */
  | "confirmation-tag"
  /** Its `ratchet_tree` extension is not the view's tree. */
  | "ratchet-tree"
  /** The signer's leaf is blank, or the signature does not verify with it (§12.4.3.1). */
  | "signature";

/**
 * Every way `groupInfo` differs from the epoch of `view` (empty: it
 * matches): its GroupContext field by field (group, epoch, tree hash,
 * confirmed transcript hash, extensions), its confirmation tag against the
 * Commit's (both are MAC(confirmation_key, confirmed_transcript_hash), §6.1,
 * §12.4.3), its `ratchet_tree` extension when present, and its signature by
 * the signer's leaf of the view's tree.
 * @throws ValidationError `message/not-a-group-info` for bytes of another MLSMessage.
 */
export async function groupInfoMismatches(view: PublicGroupView, groupInfo: Uint8Array | GroupInfo): Promise<GroupInfoMismatch[]> {
  const gi = groupInfoFrom(groupInfo);
  const mine = view.groupContext;
  const theirs = gi.groupContext;
  const out: GroupInfoMismatch[] = [];
  if (!bytesEqual(theirs.groupId, mine.groupId) || theirs.cipherSuite !== mine.cipherSuite || theirs.version !== mine.version) out.push("group");
  if (theirs.epoch !== mine.epoch) out.push("epoch");
  if (!bytesEqual(theirs.treeHash, mine.treeHash)) out.push("tree-hash");
  if (!bytesEqual(theirs.confirmedTranscriptHash, mine.confirmedTranscriptHash)) out.push("confirmed-transcript-hash");
  if (out.length === 0 && !bytesEqual(encodeGroupContext(theirs), encodeGroupContext(mine))) out.push("extensions");
  if (!constantTimeEqual(gi.confirmationTag, view.confirmationTag)) out.push("confirmation-tag");
  const tree = findExtension(gi.extensions, ExtensionType.ratchet_tree);
  if (tree !== undefined && !bytesEqual(tree, encodedTree(view.tree))) out.push("ratchet-tree");
  try {
    await checkGroupInfoSignature(view.cs, view.tree, gi);
  } catch (e) {
    if (!ValidationError.isInstance(e)) throw e;
    out.push("signature");
  }
  return out;
}

/** Whether `groupInfo` describes the epoch of `view` and is signed by one of its members ({@link groupInfoMismatches} is empty). */
export async function groupInfoMatches(view: PublicGroupView, groupInfo: Uint8Array | GroupInfo): Promise<boolean> {
  return (await groupInfoMismatches(view, groupInfo)).length === 0;
}
