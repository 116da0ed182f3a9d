/**
 * The policy's caps on what a receiver accepts (issue 13, RFC 9420 §16.11:
 * "MLS provides no inherent protection against denial of service"): message
 * size, proposals per Commit, leaves of a joined tree (the tree cap is
 * enforced while parsing, see `RatchetTree.parse`). Each check runs before
 * the work it bounds, so refusing costs at most linear time in what was read.
 */
import { ValidationError } from "@mlskit/core";
import type { GroupPolicy } from "./group-policy.js";

/**
 * A received message of `byteLength` bytes, of which `treeBytes` are its
 * `ratchet_tree` extension (a Welcome's or GroupInfo's: bounded by
 * `maxTreeLeaves` instead), is within `maxMessageBytes`.
 * @throws ValidationError `limits/message-too-large` (§16.11)
 */
export function checkMessageSize(policy: GroupPolicy, what: string, byteLength: number, treeBytes = 0): void {
  const counted = byteLength - treeBytes;
  if (counted > policy.maxMessageBytes) {
    const tree = treeBytes > 0 ? ` (not counting its ${treeBytes}-byte ratchet_tree)` : "";
    throw new ValidationError("limits/message-too-large", "16.11", `the ${what} has ${counted} bytes${tree}, beyond this client's limit of ${policy.maxMessageBytes}`);
  }
}

/**
 * A received Commit lists at most `maxProposalsPerCommit` proposals
 * (checked before any of them is resolved or validated).
 * @throws ValidationError `limits/too-many-proposals` (§12.4.2)
 */
export function checkProposalCount(policy: GroupPolicy, count: number): void {
  if (count > policy.maxProposalsPerCommit) {
    throw new ValidationError("limits/too-many-proposals", "12.4.2", `the Commit lists ${count} proposals, beyond this client's limit of ${policy.maxProposalsPerCommit}`);
  }
}
