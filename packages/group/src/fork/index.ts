/** Forks of a group (issue 16): evidence, the settlement rule, what a losing branch did. */
export { type ForkBranchCommit, type ForkRule, type ForkRuleInput, type ForkWinner, compareBytes, lowerHashWins, settleFork } from "./fork-rule.js";
export { type ForkVerification, type VerifiedForkCommit, verifyForkCommit } from "./fork-evidence.js";
export { type BranchChange, branchChanges, changeStillApplies, sameExtensions } from "./branch-changes.js";
