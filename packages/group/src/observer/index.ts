/**
 * A public observer of a group (RFC 9420 §12.4.2 without secrets; RFC 9750
 * §5: "the DS validates the Commit as an observer"): a view of the group's
 * public state from a GroupInfo, followed message by message.
 */
export { type PublicGroupView, type PublicGroupViewData, type PublicGroupViewEnvironment, publicGroupViewOf } from "./public-group-view.js";
export { type ObserveGroupInfoOptions, observeGroupInfo } from "./observe-group-info.js";
export { type ObservedCommit, type ObservedMember, observeCommit } from "./observe-commit.js";
export { type ObservedMessage, type ObservedProposal, type ObservedPrivateMessage, observeMessage } from "./observe-message.js";
export { type GroupInfoMismatch, groupInfoMatches, groupInfoMismatches } from "./group-info-match.js";
export { encodePublicGroupView, decodePublicGroupView } from "./public-group-view-codec.js";
