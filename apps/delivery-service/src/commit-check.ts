/**
 * What a Commit changes at the DS, and how much of it the DS can check
 * (RFC 9750 §5.2; see the app's README). The one place the DS uses a group
 * observer (`@mlskit/group`'s public view of a group).
 *
 * - **PublicMessage Commit, observer available, group followed:** the DS
 *   processes the Commit as an observer (RFC 9420 §12.4.2 without secrets):
 *   a Commit the observer rejects is `group/invalid-commit`; added and
 *   removed members are read from the Commit; a published GroupInfo must be
 *   the observed next epoch's (`group/invalid-group-info`); the committer
 *   must be the caller.
 * - **Otherwise (PrivateMessage Commit, or no observer):** the DS cannot
 *   read the Commit and takes the membership change the committer declares
 *   (`welcomeRecipients`, `removed`); it checks only that they are
 *   registered clients, that the removed are members and the added are not,
 *   and that a GroupInfo is for this group and the next epoch.
 */
import { bytesEqual } from "@mlskit/codec";
import { WireFormat } from "@mlskit/core";
import { DsError } from "@mlskit/ds-protocol";
import { type GroupInfo, decodeMlsMessage } from "@mlskit/group";
import { decodeGroupInfo } from "./group-info.js";
import { groupPackageObserver } from "./group-observer.js";
import type { DsContext } from "./context.js";
import { type MessageHeader, isExternalCommit, readMessageHeader } from "./message-header.js";
import type { CommitEffects, GroupRecord } from "./store/ds-store.js";

/** A group as an observer first sees it. */
export interface ObservedGroup {
  /** The encoded public view, kept in the store. */
  readonly view: Uint8Array;
  readonly epoch: bigint;
  /** Client ids of the members (identities as UTF-8). */
  readonly members: readonly string[];
}

/** A message as an observer processed it. */
export interface ObservedMessage {
  /** The view after the message (a Commit: of the next epoch; a Proposal: with it cached). */
  readonly view: Uint8Array;
  /** Client ids a Commit adds / removes (empty for a Proposal). */
  readonly added: readonly string[];
  readonly removed: readonly string[];
  /** The sender's client id when it is a member; undefined for a new member or external sender. */
  readonly sender: string | undefined;
}

/**
 * The seam to `@mlskit/group`'s observer: bytes in, bytes out, client ids
 * (identities as UTF-8). Each method throws to reject its input.
 */
export interface GroupObserver {
  /** Starts following a group from its GroupInfo (and the tree when not in it). */
  observeGroupInfo(groupInfo: Uint8Array, ratchetTree: Uint8Array | undefined): Promise<ObservedGroup>;
  /** Processes a PublicMessage (Proposal or Commit) of the view's epoch. */
  observeMessage(view: Uint8Array, message: Uint8Array): Promise<ObservedMessage>;
  /** Whether a GroupInfo describes the view's epoch (context, tree, confirmation tag, signature). */
  groupInfoMatches(view: Uint8Array, groupInfo: Uint8Array, ratchetTree: Uint8Array | undefined): Promise<boolean>;
}

/** What the committer sends with a Commit besides the message. */
export interface CommitDeclaration {
  readonly welcome: Uint8Array | undefined;
  readonly welcomeRecipients: readonly string[] | undefined;
  readonly removed: readonly string[] | undefined;
  readonly groupInfo: Uint8Array | undefined;
  readonly ratchetTree: Uint8Array | undefined;
}

function checkGroupInfoHeader(gi: GroupInfo, groupId: Uint8Array, epoch: bigint): void {
  if (!bytesEqual(gi.groupContext.groupId, groupId)) throw new DsError("group/invalid-group-info", "the GroupInfo is of another group");
  if (gi.groupContext.epoch !== epoch) throw new DsError("group/invalid-group-info", `the GroupInfo is of epoch ${gi.groupContext.epoch}, expected ${epoch}`);
}

/** What the DS keeps of a new group: its epoch, and the observer's view when it can follow it. */
export interface CreatedGroupCheck {
  readonly epoch: bigint;
  readonly view: Uint8Array | undefined;
}

/**
 * Checks a new group's GroupInfo: of this group id; with an observer, valid
 * (signature, tree) and with the creator as its only member.
 */
export async function checkCreatedGroup(
  ctx: DsContext,
  groupId: Uint8Array,
  groupInfo: Uint8Array,
  ratchetTree: Uint8Array | undefined,
  creator: string,
): Promise<CreatedGroupCheck> {
  const gi = decodeGroupInfo(groupInfo);
  checkGroupInfoHeader(gi, groupId, gi.groupContext.epoch);
  if (ctx.observer === undefined) return { epoch: gi.groupContext.epoch, view: undefined };
  let observed: ObservedGroup;
  try {
    observed = await ctx.observer.observeGroupInfo(groupInfo, ratchetTree);
  } catch (cause) {
    throw new DsError("group/invalid-group-info", "the GroupInfo does not describe a valid group", { cause });
  }
  if (observed.members.length !== 1 || observed.members[0] !== creator) {
    throw new DsError("group/invalid-group-info", "a new group's only member must be its creator");
  }
  return { epoch: observed.epoch, view: observed.view };
}

async function requireRegistered(ctx: DsContext, ids: readonly string[], what: string): Promise<void> {
  for (const id of ids) {
    if ((await ctx.store.getClient(id)) === undefined) throw new DsError("group/invalid-commit", `${what} ${id} is not a registered client`);
  }
}

function unique(ids: readonly string[], what: string): void {
  if (new Set(ids).size !== ids.length) throw new DsError("request/malformed", `${what} lists a client twice`);
}

/** The caller's view with this epoch's PublicMessage proposals replayed (a Commit may reference them). */
async function viewWithProposals(ctx: DsContext, observer: GroupObserver, group: GroupRecord, view: Uint8Array): Promise<Uint8Array> {
  const earlier = await ctx.store.handshakesSince(group.groupId, group.epoch, ctx.limits.maxHistory);
  let v = view;
  for (const h of earlier) {
    if (h.epoch !== group.epoch) continue;
    // A Commit of this epoch accepted since `group` was read (another request, another node): the Commit checked is stale, which the append answers — replaying that Commit would call it invalid.
    if (readMessageHeader(h.message).contentType === "commit") break;
    try {
      v = (await observer.observeMessage(v, h.message)).view;
    } catch {
      // A PrivateMessage proposal, or one the observer rejects: a Commit referencing it fails as an unknown reference.
    }
  }
  return v;
}

/**
 * The effects of a Commit for `group` (its epoch already matched), checked
 * as far as the DS can (see the module comment).
 */
export async function checkCommit(
  ctx: DsContext,
  group: GroupRecord,
  header: MessageHeader,
  bytes: Uint8Array,
  declared: CommitDeclaration,
  caller: string,
): Promise<CommitEffects> {
  const nextEpoch = group.epoch + 1n;
  const recipients = declared.welcomeRecipients ?? [];
  unique(recipients, "welcomeRecipients");
  if ((declared.welcome === undefined) !== (recipients.length === 0)) {
    throw new DsError("request/malformed", "a Welcome needs welcomeRecipients, and welcomeRecipients need a Welcome");
  }
  if (declared.welcome !== undefined) {
    let w;
    try {
      w = decodeMlsMessage(declared.welcome);
    } catch (cause) {
      throw new DsError("group/invalid-commit", "welcome is not a well-formed MLSMessage", { cause });
    }
    if (w.wireFormat !== WireFormat.mls_welcome) throw new DsError("group/invalid-commit", "welcome is not an MLSMessage(Welcome)");
  }
  if (declared.groupInfo !== undefined) checkGroupInfoHeader(decodeGroupInfo(declared.groupInfo), group.groupId, nextEpoch);
  await requireRegistered(ctx, recipients, "Welcome recipient");
  const external = isExternalCommit(header);

  const observer = ctx.observer;
  if (header.wireFormat === "public" && observer !== undefined && group.view !== undefined) {
    const view = await viewWithProposals(ctx, observer, group, group.view);
    let observed: ObservedMessage;
    try {
      observed = await observer.observeMessage(view, bytes);
    } catch (cause) {
      throw new DsError("group/invalid-commit", "the Commit is not valid for the group's public state", { cause });
    }
    if (!external && observed.sender !== caller) throw new DsError("group/invalid-commit", "the Commit's sender is not the caller");
    if (external && !observed.added.includes(caller)) throw new DsError("group/invalid-commit", "an external Commit must add its sender");
    for (const r of recipients) {
      if (!observed.added.includes(r)) throw new DsError("group/invalid-commit", `Welcome recipient ${r} is not added by the Commit`);
    }
    await requireRegistered(ctx, observed.added, "added member");
    if (declared.groupInfo !== undefined && !(await observer.groupInfoMatches(observed.view, declared.groupInfo, declared.ratchetTree).catch(() => false))) {
      throw new DsError("group/invalid-group-info", "the GroupInfo does not match the epoch the Commit starts");
    }
    return effects(observed.added, observed.removed, observed.view, declared);
  }

  // Declared membership: the DS cannot read the Commit.
  const removed = declared.removed ?? [];
  unique(removed, "removed");
  for (const r of removed) {
    if (!group.members.includes(r)) throw new DsError("group/invalid-commit", `removed client ${r} is not a member`);
  }
  const added = [...recipients];
  if (external && !added.includes(caller)) added.push(caller);
  for (const a of added) {
    if (group.members.includes(a) && !removed.includes(a)) throw new DsError("group/invalid-commit", `added client ${a} is already a member`);
  }
  return effects(added, removed, undefined, declared);
}

function effects(added: readonly string[], removed: readonly string[], view: Uint8Array | undefined, d: CommitDeclaration): CommitEffects {
  return {
    added,
    removed,
    ...(view !== undefined ? { view } : {}),
    ...(d.groupInfo !== undefined ? { groupInfo: d.groupInfo } : {}),
    ...(d.ratchetTree !== undefined ? { ratchetTree: d.ratchetTree } : {}),
    ...(d.welcome !== undefined ? { welcome: d.welcome } : {}),
  };
}

/** The observer the DS uses by default: `@mlskit/group`'s (group-observer.ts). */
export function defaultGroupObserver(ctx: Pick<DsContext, "identityProvider" | "crypto">): GroupObserver {
  return groupPackageObserver(ctx);
}
