/**
 * Incoming messages of the facade's {@link Group}: the state machine's
 * results mapped to {@link IncomingMessage}s, entering a merged epoch with
 * the replay of held messages, and the log of this epoch's proposal messages.
 */
import { bytesEqual } from "@mlskit/codec";
import { type IdentityProvider, UsageError, ValidationError, WireFormat, forEachConcurrent, expectDefined } from "@mlskit/core";
import {
  ACTIVE,
  ContentType,
  type GroupState,
  findCachedProposal,
  type ProcessedMessage,
  decodeMlsMessage,
  peekPrivateMessageHeader,
  processEarlyMessages,
  processMessage,
} from "@mlskit/group";
import type { LeafIndex } from "@mlskit/ratchet-tree";
import type { Group } from "./group.js";
import type { GroupInternals } from "./group-internals.js";
import type { IncomingMessage, MergeResult } from "./results.js";

/** The epoch of a group message (PublicMessage or PrivateMessage). @internal */
function epochOfMessage(bytes: Uint8Array): bigint {
  const m = decodeMlsMessage(bytes);
  if (m.wireFormat === WireFormat.mls_public_message) return m.publicMessage.content.epoch;
  if (m.wireFormat === WireFormat.mls_private_message) return m.privateMessage.epoch;
  throw new ValidationError("message/not-a-group-message", "6", "only PublicMessage and PrivateMessage belong to a group");
}

/** An application message as {@link Group.processIncoming} reports it, with the sender's identity when known. @internal */
export async function applicationReceived(s: GroupState, identityProvider: IdentityProvider, r: Extract<ProcessedMessage, { kind: "application" }>): Promise<IncomingMessage> {
  const tree = r.epoch === s.groupContext.epoch ? s.tree : s.pastEpochs.find((p) => p.epoch === r.epoch)?.tree;
  const leaf = tree?.leafNode(r.sender);
  let senderIdentity: Uint8Array | undefined;
  if (leaf !== undefined) senderIdentity = await identityProvider.identity(leaf.credential).catch(() => undefined);
  return { kind: "application", sender: r.sender, senderIdentity, epoch: r.epoch, data: r.data, authenticatedData: r.authenticatedData };
}

/**
 * Processes a late message for a member removed in `removedEpoch`: only
 * application messages of the epochs it was in can still be read. @internal
 * @throws ValidationError `message/after-removal` for anything else (input from the network: not a misuse).
 */
async function processAfterRemoval(s: GroupState, identityProvider: IdentityProvider, removedEpoch: bigint, bytes: Uint8Array): Promise<IncomingMessage> {
  const epoch = epochOfMessage(bytes);
  if (epoch >= removedEpoch) {
    throw new ValidationError("message/after-removal", "12.1.3", `this member was removed in epoch ${removedEpoch}: it holds no keys of epoch ${epoch}`);
  }
  const r = await processMessage(s, bytes);
  if (r.kind !== "application") throw new ValidationError("message/after-removal", "12.1.3", "this member was removed: only late application messages are read");
  return applicationReceived(s, identityProvider, r);
}

/**
 * Processes a message of an active group from `previous` (the current
 * state): caches proposals, holds next-epoch messages, merges our own
 * Commit back, stages another member's Commit. @internal
 */
async function processActive(g: GroupInternals, previous: GroupState, bytes: Uint8Array): Promise<IncomingMessage> {
  const r = await processMessage(previous, bytes);
  switch (r.kind) {
    case "application":
      return applicationReceived(g.state, g.identityProvider, r);
    case "proposal":
      g.set(r.state);
      return { kind: "proposal", proposal: r.proposal, sender: r.sender, ref: r.ref };
    case "buffered":
      g.set(r.state);
      return { kind: "buffered", epoch: previous.groupContext.epoch + 1n };
    case "own-commit": {
      const merged = await enterMerged(g, previous, r.state);
      return { kind: "own-commit", epoch: merged.epoch, replayed: merged.replayed };
    }
    case "commit":
      return { kind: "commit", staged: g.staged(r.staged) };
  }
}

/**
 * Whether processing `bytes` leaves the state as it is: an application
 * message (a PrivateMessage, §6.3) of the current or a past epoch. Such
 * messages may be processed side by side; anything else (handshakes, the
 * next epoch's messages, which are held) goes one at a time. Undecodable
 * bytes count as not read-only, so their error comes from the normal path.
 * @internal
 */
export function isReadOnlyMessage(state: GroupState, bytes: Uint8Array): boolean {
  const header = peekPrivateMessageHeader(bytes);
  return header !== undefined && header.contentType === ContentType.application && header.epoch <= state.groupContext.epoch;
}

/**
 * Processes `messages` in order with `process`; each run of read-only
 * messages (see {@link isReadOnlyMessage}) is processed with up to `window`
 * in flight, so their decryptions and signature verifications overlap.
 * One result per message, in order; a failure is that message's result only.
 * @internal
 */
export async function processMany(
  messages: readonly Uint8Array[],
  readOnly: (bytes: Uint8Array) => boolean,
  process: (bytes: Uint8Array) => Promise<IncomingMessage>,
  window: number,
): Promise<PromiseSettledResult<IncomingMessage>[]> {
  const out = new Array<PromiseSettledResult<IncomingMessage>>(messages.length);
  const settle = (i: number): Promise<void> =>
    process(expectDefined(messages[i], "messages[i]")).then(
      (value) => void (out[i] = { status: "fulfilled", value }),
      (reason: unknown) => void (out[i] = { status: "rejected", reason }),
    );
  for (let i = 0; i < messages.length;) {
    let end = i;
    while (end < messages.length && readOnly(expectDefined(messages[end], "messages[end]"))) end++;
    if (end === i) {
      await settle(i++);
      continue;
    }
    const start = i;
    await forEachConcurrent(end - start, window, (k) => settle(start + k));
    i = end;
  }
  return out;
}

/** Moves to a merged state and replays the messages held for it. @internal */
export async function enterMerged(g: GroupInternals, previous: GroupState, merged: GroupState, committer?: LeafIndex): Promise<MergeResult> {
  g.forks?.onMerged(g.retained, previous, merged, committer);
  const replay = await processEarlyMessages(previous, merged);
  g.set(replay.state);
  const replayed: IncomingMessage[] = [];
  for (const r of replay.results) {
    if (r.kind === "application") replayed.push(await applicationReceived(g.state, g.identityProvider, r));
    else if (r.kind === "proposal") replayed.push({ kind: "proposal", proposal: r.proposal, sender: r.sender, ref: r.ref });
    else if (r.kind === "commit") replayed.push({ kind: "commit", staged: g.staged(r.staged) });
    else if (r.kind === "buffered") replayed.push({ kind: "buffered", epoch: g.state.groupContext.epoch + 1n });
  }
  return { epoch: g.state.groupContext.epoch, removed: false, replayed, replayErrors: replay.errors };
}

/** A proposal message of this epoch that is already cached (sent here, or handed back by the Delivery Service), as `processIncoming` reports it. @internal */
export function knownProposal(state: GroupState, bytes: Uint8Array): IncomingMessage | undefined {
  const cached = findCachedProposal(state, bytes);
  return cached === undefined ? undefined : { kind: "proposal", proposal: cached.proposal, sender: cached.sender, ref: cached.ref };
}

/**
 * Processes one message by the group's status: refused once closed, late
 * application messages only once removed, our external Commit confirmed,
 * a proposal already cached reported as such, else {@link processActive}. @internal
 */
export async function processByStatus(g: GroupInternals, bytes: Uint8Array): Promise<IncomingMessage> {
  const state = g.state;
  const status = state.status;
  if (status.kind === "closed") throw new UsageError("usage/group-closed", status.reason);
  if (status.kind === "removed") return processAfterRemoval(state, g.identityProvider, status.epoch, bytes);
  if (status.kind === "external-join-pending" && bytesEqual(bytes, status.commit)) {
    g.set({ ...state, status: ACTIVE });
    return { kind: "own-commit", epoch: state.groupContext.epoch, replayed: [] };
  }
  if (g.forks !== undefined && status.kind === "active") return processWithForks(g, g.forks, bytes);
  return knownProposal(state, bytes) ?? processActive(g, state, bytes);
}

/** {@link processByStatus} of an active group with fork handling (forks/): a Commit of an epoch we left may be a fork; a refused message may be of a losing branch kept for reading. */
async function processWithForks(g: GroupInternals, forks: NonNullable<GroupInternals["forks"]>, bytes: Uint8Array): Promise<IncomingMessage> {
  const fork = await forks.intercept(g, bytes);
  if (fork !== undefined) return fork;
  try {
    return knownProposal(g.state, bytes) ?? (await processActive(g, g.state, bytes));
  } catch (e) {
    const branch = ValidationError.isInstance(e) ? await forks.readBranch(g, bytes) : undefined;
    if (branch !== undefined) return branch;
    throw e;
  }
}
