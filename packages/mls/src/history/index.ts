/**
 * History and key sharing (issue 16): see `client-history.ts` and README
 * "History sharing".
 */
import { UsageError } from "@mlskit/core";
import type { Client } from "../client.js";
import type { ImportedHistory, ShareHistoryOptions } from "./client-history.js";

export type { HistorySharingOptions, HistoryShareRequest, HistoryRecipientRelation, ShareHistoryOptions, ImportHistoryOptions, ImportedHistory } from "./client-history.js";

/**
 * Shares history of a group from one client to another in one call (for
 * tests and simulations, e.g. the partition simulation's "history sharing
 * on"): `to` makes a fresh KeyPackage of the group's suite, `from` shares
 * (asking its consent hook, or `options.approve`), `to` imports. Both must
 * hold the group.
 * @returns what `to` imported.
 */
export async function shareHistoryBetween(from: Client, to: Client, groupId: Uint8Array, options: Omit<ShareHistoryOptions, "keyPackage"> = {}): Promise<ImportedHistory> {
  const group = await from.getGroup(groupId);
  if (group === undefined) throw new UsageError("usage/unknown-group", "the sharing client does not hold this group");
  const { keyPackage } = await to.createKeyPackage({ cipherSuite: group.cipherSuite as never });
  const bundle = await from.shareHistory(group, { ...options, keyPackage });
  return to.importHistory(bundle);
}
