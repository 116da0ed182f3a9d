/**
 * A public observer of a group (RFC 9420 §12.4.2 without secrets; RFC 9750
 * §5: "the DS validates the Commit as an observer"): a view of the group's
 * public state from a GroupInfo, followed message by message.
 *
 * Verified: the GroupInfo's tree as a joiner verifies it (tree hash, parent
 * hashes, leaves, credentials) and its signature; for each PublicMessage,
 * group, epoch, sender type and key, and signature (§6.1); for a Commit,
 * the proposal list (§12.2), the path's presence (§12.4), the path's
 * LeafNode (§7.3) and UpdatePath (§7.5, parent hashes), then the new tree
 * hash, transcript hashes (§8.2) and epoch — with the same functions
 * members use (public-commit.ts is shared with stageCommit).
 *
 * Not verifiable without secrets: `membership_tag` (§6.2), a Commit's and a
 * GroupInfo's `confirmation_tag` (§6.1), the encrypted path secrets, an
 * ExternalInit's kem_output (§8.3), the availability of PSKs (§8.4), and
 * anything inside a PrivateMessage (a PrivateMessage Commit cannot be
 * followed). Members may still reject a Commit the observer accepted;
 * {@link groupInfoMatches} against a member-signed GroupInfo of the new epoch
 * closes the gap.
 */
export { type PublicGroupView, type PublicGroupViewData, type PublicGroupViewEnvironment, publicGroupViewOf } from "./public-group-view.js";
export { type ObserveGroupInfoOptions, observeGroupInfo } from "./observe-group-info.js";
export type { ObservedCommit, ObservedMember } from "./observe-commit.js";
export { type ObservedMessage, type ObservedProposal, type ObservedPrivateMessage, observeMessage } from "./observe-message.js";
export { type GroupInfoMismatch, groupInfoMatches, groupInfoMismatches } from "./group-info-match.js";
export { encodePublicGroupView, decodePublicGroupView } from "./public-group-view-codec.js";
