/**
 * One item of the client's queue, processed: a Welcome joins the room, a
 * handshake or application message goes to its group, and the outcome is
 * reported (outcomes.ts). An item this client already processed before a
 * crash (the queue hands back what was not acknowledged) is recognised and
 * skipped without a second event: a Welcome of a group we hold at that
 * epoch or later, a handshake of an epoch we have left behind, an
 * application message whose generation is consumed (the facade refuses it).
 */
import { MlsError } from "@mlskit/codec";
import type { Client } from "@mlskit/mls";
import type { ReceivedItem } from "./answers.js";
import { DsClientError } from "./errors.js";
import { memberIdsOf } from "./members.js";
import { type OutcomeHost, reportIncoming } from "./outcomes.js";

/** What processing items needs from the Messenger. */
export interface InboxHost extends OutcomeHost {
  readonly client: Client;
  /** A Welcome consumed one of our KeyPackages. */
  keyPackageConsumed(): void;
}

/** How an item ended: processed (and reported), or skipped as already processed. */
export type ItemOutcome = "processed" | "skipped";

/** Facade errors that mean "this message was processed here before" (its key was used and deleted). */
const ALREADY_PROCESSED = new Set(["secret-tree/generation-consumed"]);
/** Facade errors of late messages to a member that is no longer in the group: nothing for the application. */
const NOT_FOR_US_ANYMORE = new Set(["message/after-removal", "usage/group-closed"]);
/** A Welcome whose KeyPackage is gone: processed before, when we hold the group. */
const WELCOME_USED = new Set(["welcome/unknown-key-package", "welcome/no-matching-key-package"]);

function codeOf(e: unknown): string | undefined {
  return MlsError.isInstance(e) ? e.code : undefined;
}

/** Processes one queue item; throws what the application should hear about as an error event. */
export async function processItem(host: InboxHost, item: ReceivedItem): Promise<ItemOutcome> {
  return item.kind === "welcome" ? processWelcome(host, item) : processGroupMessage(host, item);
}

async function processWelcome(host: InboxHost, item: ReceivedItem): Promise<ItemOutcome> {
  const existing = await host.client.getGroup(item.groupId);
  if (existing !== undefined && existing.active && existing.epoch >= item.epoch) return "skipped";
  let group;
  try {
    group = await host.client.joinFromWelcome(item.message, item.ratchetTree !== undefined ? { ratchetTree: item.ratchetTree } : {});
  } catch (e) {
    if (existing !== undefined && WELCOME_USED.has(codeOf(e) ?? "")) return "skipped";
    throw e;
  }
  host.keyPackageConsumed();
  host.events.emit("joined", { groupId: item.groupIdHex, by: item.sender, epoch: group.epoch });
  return "processed";
}

async function processGroupMessage(host: InboxHost, item: ReceivedItem): Promise<ItemOutcome> {
  const group = await host.client.getGroup(item.groupId);
  if (group === undefined) throw new DsClientError("ds-client/unknown-room", `a ${item.kind} message for room ${item.groupIdHex}, which this client does not hold`);
  if (!group.active && item.kind === "handshake") return "skipped";
  if (item.kind === "handshake" && item.epoch < group.epoch) return "skipped";
  const before = await memberIdsOf(group.state, host.client.identityProvider);
  let r;
  try {
    r = await group.processIncoming(item.message);
  } catch (e) {
    const code = codeOf(e) ?? "";
    if (ALREADY_PROCESSED.has(code) || NOT_FOR_US_ANYMORE.has(code)) return "skipped";
    throw e;
  }
  await reportIncoming(host, item.groupIdHex, group, r, before, item.sender);
  return "processed";
}
