/**
 * The room operations of a {@link Messenger} (messenger.ts): creating a
 * room, inviting to it and removing from it in one Commit, leaving it,
 * sending to it, and listing rooms and members. Each runs inside the
 * Messenger's serial queue; the Messenger checks its arguments first.
 */
import { WireFormat, expectDefined } from "@mlskit/core";
import type { Client, Group } from "@mlskit/mls";
import { decodeMlsMessage } from "@mlskit/group";
import { clientIdOfCredential } from "./client-id.js";
import { activeGroup, commitWithRetry, sendWithRetry, type SubmissionHost } from "./commit-submission.js";
import { DsClientError } from "./errors.js";
import { isLeaving, memberIdsOf } from "./members.js";

/** What {@link Messenger.invite} did. */
export interface InviteResult {
  /** Clients added by the Commit. */
  readonly added: readonly string[];
  /** Clients that were members already (nothing to do). */
  readonly alreadyMembers: readonly string[];
  /** Clients that could not be added (no KeyPackage, unknown client, a KeyPackage not theirs). */
  readonly failed: readonly { readonly clientId: string; readonly code: string; readonly message: string }[];
}

/** What {@link Messenger.remove} did. */
export interface RemoveResult {
  /** Clients removed by the Commit. */
  readonly removed: readonly string[];
  /** Clients that were not members (already gone). */
  readonly notMembers: readonly string[];
}

/** Creates a room with the client as its only member, registered at the DS with its GroupInfo; returns its id (hex). */
export async function createRoom(host: SubmissionHost): Promise<string> {
  const group = await host.client.createGroup();
  const groupIdHex = hex(group.groupId);
  try {
    await host.conn.createGroup(groupIdHex, await group.groupInfo());
  } catch (e) {
    await host.client.deleteGroup(group.groupId);
    throw e;
  }
  return groupIdHex;
}

/** Adds the clients `wanted` (distinct) to a room in one Commit, made again after a conflict. */
export function inviteToRoom(host: SubmissionHost, groupIdHex: string, wanted: readonly string[]): Promise<InviteResult> {
  const claimed = new Map<string, Uint8Array>();
  const failed = new Map<string, { readonly code: string; readonly message: string }>();
  return commitWithRetry(host, groupIdHex, async (group) => {
    const members = new Set(await memberIdsOf(group.state, host.client.identityProvider));
    const alreadyMembers = wanted.filter((id) => members.has(id));
    const added: string[] = [];
    const proposals: { add: Uint8Array }[] = [];
    for (const id of wanted) {
      if (members.has(id) || failed.has(id)) continue;
      let kp = claimed.get(id);
      if (kp === undefined) {
        try {
          kp = await claimKeyPackage(host, id, group.cipherSuite);
        } catch (e) {
          failed.set(id, { code: codeOf(e), message: e instanceof Error ? e.message : String(e) });
          continue;
        }
        claimed.set(id, kp);
      }
      added.push(id);
      proposals.push({ add: kp });
    }
    const report: InviteResult = { added, alreadyMembers, failed: [...failed].map(([clientId, f]) => ({ clientId, ...f })) };
    return { proposals, commit: proposals.length > 0, report };
  });
}

/** Removes the clients `wanted` (distinct, not this client) from a room in one Commit, made again after a conflict. */
export function removeFromRoom(host: SubmissionHost, groupIdHex: string, wanted: readonly string[]): Promise<RemoveResult> {
  return commitWithRetry(host, groupIdHex, async (group) => {
    const leaves = await leavesById(host.client, group);
    const removed = wanted.filter((id) => leaves.has(id));
    const notMembers = wanted.filter((id) => !leaves.has(id));
    const proposals = removed.flatMap((id) => expectDefined(leaves.get(id), "leaves.get(id)").map((remove) => ({ remove })));
    return { proposals, commit: proposals.length > 0, report: { removed, notMembers } };
  });
}

/**
 * Asks to leave a room (a Remove proposal for ourselves, RFC 9420
 * §12.1.3), remembering it in `leaving` until the removal is committed;
 * alone in the room, forgets the room.
 */
export async function leaveRoom(host: SubmissionHost, leaving: Set<string>, groupIdHex: string): Promise<void> {
  const group = await activeGroup(host, groupIdHex);
  if ([...group.state.tree.leaves()].length <= 1) {
    await host.client.deleteGroup(group.groupId);
    host.events.emit("removed", { groupId: groupIdHex, epoch: group.epoch });
    return;
  }
  leaving.add(groupIdHex);
  if (isLeaving(group)) return;
  await proposeLeave(host, groupIdHex);
}

/** Sends a Remove proposal for ourselves to a room. */
export async function proposeLeave(host: SubmissionHost, groupIdHex: string): Promise<void> {
  await sendWithRetry(host, groupIdHex, "proposal", async (group) => (await group.proposeRemove(group.ownLeafIndex)).message);
}

/** Sends application data (a string is UTF-8) to a room. */
export async function sendToRoom(host: SubmissionHost, groupIdHex: string, data: string | Uint8Array): Promise<void> {
  await sendWithRetry(host, groupIdHex, "application", (group) => group.encrypt(data));
}

/** The members of a room (client ids from their credentials), sorted. */
export async function roomMembers(host: SubmissionHost, groupIdHex: string): Promise<string[]> {
  const group = await activeGroup(host, groupIdHex);
  return memberIdsOf(group.state, host.client.identityProvider);
}

/** The rooms the client is in (group ids, hex), sorted. */
export async function listRooms(client: Client): Promise<string[]> {
  const out: string[] = [];
  for (const id of await client.groupIds()) {
    const g = await client.getGroup(id);
    if (g?.active === true) out.push(hex(id));
  }
  return out.sort();
}

/** A KeyPackage of `clientId` from the DS, checked to be an MLSMessage KeyPackage whose credential names that client. */
async function claimKeyPackage(host: SubmissionHost, clientId: string, cipherSuite: number): Promise<Uint8Array> {
  const { keyPackage } = await host.conn.claimKeyPackage(clientId, cipherSuite);
  let credential;
  try {
    const m = decodeMlsMessage(keyPackage);
    if (m.wireFormat !== WireFormat.mls_key_package) throw new Error("not a KeyPackage");
    credential = m.keyPackage.leafNode.credential;
  } catch (e) {
    throw new DsClientError("ds-client/bad-answer", `the KeyPackage claimed for ${clientId} is not an MLSMessage KeyPackage`, { cause: e });
  }
  const owner = await clientIdOfCredential(host.client.identityProvider, credential);
  if (owner !== clientId) throw new DsClientError("ds-client/foreign-key-package", `the KeyPackage claimed for ${clientId} belongs to ${owner ?? "an unknown client"}`);
  return keyPackage;
}

/** The leaves of each member, by client id. */
async function leavesById(client: Client, group: Group): Promise<Map<string, number[]>> {
  const out = new Map<string, number[]>();
  for (const leaf of group.state.tree.leaves()) {
    const node = group.state.tree.leafNode(leaf);
    if (node === undefined) continue;
    const id = await clientIdOfCredential(client.identityProvider, node.credential);
    if (id === undefined) continue;
    out.set(id, [...(out.get(id) ?? []), leaf]);
  }
  return out;
}

/** Lowercase hex of `bytes`. */
export function hex(bytes: Uint8Array): string {
  let s = "";
  for (const b of bytes) s += b.toString(16).padStart(2, "0");
  return s;
}

function codeOf(e: unknown): string {
  return typeof e === "object" && e !== null && typeof (e as { code?: unknown }).code === "string" ? (e as { code: string }).code : "ds-client/item-failed";
}
