/**
 * What the facade's results mean to the application: each processed
 * message, merged Commit and replayed held message becomes at most one
 * {@link EventHub} event. Shared by the queue (inbox.ts), catching up from
 * the group's history and our own confirmed Commits.
 */
import type { Client, Group, IncomingMessage, MergeResult } from "@mlskit/mls";
import { parseClientId } from "@mlskit/ds-protocol";
import { MlsError } from "@mlskit/codec";
import type { EventHub } from "./events.js";
import { memberIdsOf, membershipChange } from "./members.js";

/** What reporting needs from the Messenger. */
export interface OutcomeHost {
  readonly client: Client;
  readonly events: EventHub;
  /** A proposal was cached in this room: maybe commit it. */
  proposalCached(groupIdHex: string): void;
}

const decoder = new TextDecoder("utf-8", { fatal: true });

function senderId(identity: Uint8Array | undefined, fallback: string | undefined): string {
  if (identity !== undefined) {
    try {
      return parseClientId(decoder.decode(identity));
    } catch {
      // Not a client id: fall back to the DS's word.
    }
  }
  return fallback ?? "unknown";
}

/** The error event of a failure. */
export function reportError(host: Pick<OutcomeHost, "events">, groupId: string | undefined, e: unknown): void {
  const code = MlsError.isInstance(e) ? e.code : "ds-client/item-failed";
  const message = e instanceof Error ? e.message : String(e);
  host.events.emit("error", { ...(groupId !== undefined ? { groupId } : {}), code, message, cause: e });
}

/**
 * Reports one processed message of `group`. `before` is the member list
 * before it (for a Commit's change); `fallbackSender` names an application
 * message's sender when its credential's identity is not a client id.
 */
export async function reportIncoming(host: OutcomeHost, groupIdHex: string, group: Group, r: IncomingMessage, before: readonly string[], fallbackSender?: string): Promise<void> {
  switch (r.kind) {
    case "application":
      host.events.emit("message", { groupId: groupIdHex, sender: senderId(r.senderIdentity, fallbackSender), data: r.data, epoch: r.epoch });
      return;
    case "proposal":
      host.proposalCached(groupIdHex);
      return;
    case "buffered":
      return;
    case "commit":
      await reportMerge(host, groupIdHex, group, await r.staged.merge(), before);
      return;
    case "own-commit":
      await reportMerge(host, groupIdHex, group, { epoch: r.epoch, removed: false, replayed: r.replayed, replayErrors: [] }, before);
      return;
  }
}

/** Reports a merged Commit: our removal, or the members it changed, then the messages held for its epoch. */
export async function reportMerge(host: OutcomeHost, groupIdHex: string, group: Group, m: MergeResult, before: readonly string[]): Promise<void> {
  if (m.removed) {
    host.events.emit("removed", { groupId: groupIdHex, epoch: group.removedInEpoch ?? m.epoch + 1n });
    return;
  }
  const after = await memberIdsOf(group.state, host.client.identityProvider);
  const change = membershipChange(before, after);
  if (change.added.length > 0 || change.removed.length > 0) host.events.emit("members-changed", { groupId: groupIdHex, ...change, epoch: m.epoch });
  let current = after;
  for (const replayed of m.replayed) {
    await reportIncoming(host, groupIdHex, group, replayed, current);
    if (replayed.kind === "commit") current = await memberIdsOf(group.state, host.client.identityProvider);
  }
  for (const e of m.replayErrors) reportError(host, groupIdHex, e);
}
