/**
 * The reading side of history sharing: messages of epochs this member does
 * not hold (or of another branch of an epoch it holds) read from the
 * imported history, every branch of that epoch number tried.
 */
import { bytesEqual } from "@mlskit/codec";
import { type IdentityProvider, ValidationError, WireFormat, expectDefined } from "@mlskit/core";
import { ContentType, type GroupState, type PastEpoch, decodeMlsMessage, peekPrivateMessageHeader, processMessage } from "@mlskit/group";
import { applicationReceived } from "../group-incoming.js";
import type { IncomingMessage } from "../results.js";
import { type HistoryStore, branchOf } from "./history-store.js";
import { type HistoryStores, NO_LEAF, outOfScope, ownBranch } from "./history-scope.js";

/** Reads a message of an epoch the live state does not hold, from the imported history (every branch of that epoch number). */
export async function readImported(ip: IdentityProvider, stores: HistoryStores, state: GroupState, bytes: Uint8Array): Promise<IncomingMessage | undefined> {
  // Cheap exit for the messages of the live epochs (the hot path): the header only.
  const peeked = peekPrivateMessageHeader(bytes);
  // Only application messages are read from history: a handshake message goes on (e.g. to fork detection).
  if (peeked === undefined || peeked.contentType !== ContentType.application || ownBranch(state, peeked.epoch) !== undefined) return undefined;
  let epoch: bigint;
  try {
    const m = decodeMlsMessage(bytes);
    if (m.wireFormat !== WireFormat.mls_private_message || !bytesEqual(m.privateMessage.groupId, state.groupContext.groupId)) return undefined;
    epoch = m.privateMessage.epoch;
  } catch {
    return undefined; // the normal path reports it
  }
  const store = await stores("imported", state);
  if (store.epochs.size === 0) return undefined;
  const candidates = store.ofEpoch(epoch);
  if (epoch > state.groupContext.epoch) {
    // An epoch ahead of ours: only a branch we are not on can have it; else the group holds (or refuses) it.
    if (candidates.length === 0) return undefined;
    return readFrom(ip, state, store, candidates, bytes).catch(() => undefined);
  }
  if (candidates.length === 0) throw outOfScope(`no history of epoch ${epoch} was imported for this group`);
  return readFrom(ip, state, store, candidates, bytes);
}

/**
 * After the group refused a message of an epoch it holds (or buffered
 * none): reads it from an imported epoch of that number on another branch;
 * undefined when none reads it.
 */
export async function readOtherBranch(ip: IdentityProvider, stores: HistoryStores, state: GroupState, bytes: Uint8Array): Promise<IncomingMessage | undefined> {
  const peeked = peekPrivateMessageHeader(bytes);
  if (peeked === undefined || peeked.contentType !== ContentType.application) return undefined;
  const own = ownBranch(state, peeked.epoch);
  if (own === undefined && peeked.epoch < state.groupContext.epoch) return undefined; // readImported had its chance
  const store = await stores("imported", state);
  const candidates = store.ofEpoch(peeked.epoch).filter((p) => own === undefined || !bytesEqual(branchOf(p), own));
  if (candidates.length === 0) return undefined;
  return readFrom(ip, state, store, candidates, bytes).catch(() => undefined);
}

/**
 * Tries the imported epochs `candidates` (one epoch number, one per
 * branch): a branch that is not the message's fails to decrypt its sender
 * data. The generation read is consumed and stored before the message leaves.
 * @throws ValidationError `history/out-of-scope` when none reads it.
 */
async function readFrom(ip: IdentityProvider, state: GroupState, store: HistoryStore, candidates: readonly PastEpoch[], bytes: Uint8Array): Promise<IncomingMessage> {
  let keyless: Error | undefined;
  let last: unknown;
  for (const past of candidates) {
    // A view in which `past` is the one past epoch (whatever the live epoch number is).
    const view: GroupState = { ...state, groupContext: { ...state.groupContext, epoch: past.epoch + 1n }, ownLeaf: NO_LEAF, pastEpochs: [past], pendingCommit: undefined };
    let r;
    try {
      r = await processMessage(view, bytes);
    } catch (e) {
      const code = (e as { code?: unknown }).code;
      if (typeof code === "string" && code.startsWith("secret-tree/")) keyless = e as Error;
      else last = e;
      continue;
    }
    if (r.kind !== "application") throw outOfScope("only application messages are read from history");
    await store.queue.run(() => store.write());
    return applicationReceived(view, ip, r);
  }
  const epoch = expectDefined(candidates[0], "candidates[0]").epoch;
  if (keyless !== undefined) {
    throw outOfScope(`the imported history of epoch ${epoch} holds no key for this message (another sender, or a generation already read): ${keyless.message}`);
  }
  throw new ValidationError("history/out-of-scope", "15.3", `no imported history of epoch ${epoch} is of this message's branch (${candidates.length} branch(es) tried)`, {
    cause: last,
  });
}
