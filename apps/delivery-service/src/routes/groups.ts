/**
 * Groups (RFC 9750 §5.2): create (the creator becomes the only member),
 * submit a message for the current epoch (the store is the ordering point:
 * of two Commits for one epoch exactly one is accepted), and the reads —
 * GroupInfo (any registered client: external joiners are not members yet),
 * members and handshake history (members only).
 */
import { toHex } from "@mlskit/codec";
import { DsError, DsRoutes, toBase64 } from "@mlskit/ds-protocol";
import type { FastifyInstance } from "fastify";
import { checkCommit, checkCreatedGroup } from "../commit-check.js";
import { decodeGroupInfo } from "../group-info.js";
import { type DsContext, caller } from "../context.js";
import { bytesField, epochQuery, groupIdHex, integerQuery, optionalBytesField, optionalStringArray, parseJsonObject } from "../json-body.js";
import { isExternalCommit, readGroupMessageHeader } from "../message-header.js";
import { rawBody } from "../request-auth-hook.js";
import type { AppendResult, CommitEffects, GroupRecord } from "../store/ds-store.js";

const GROUP = "/v1/groups/:groupId";

async function loadGroup(ctx: DsContext, params: unknown): Promise<GroupRecord> {
  const groupId = groupIdHex((params as { groupId?: unknown }).groupId, "group id");
  const group = await ctx.store.getGroup(groupId);
  if (group === undefined) throw new DsError("group/unknown", "no group with this id");
  return group;
}

function requireMember(group: GroupRecord, clientId: string): void {
  if (!group.members.includes(clientId)) throw new DsError("group/not-member", "the caller is not a member of the group");
}

function epochError(result: Exclude<AppendResult, { accepted: true }>): DsError {
  if (result.reason === "unknown-group") return new DsError("group/unknown", "no group with this id");
  const code = result.reason === "stale-epoch" ? "group/stale-epoch" : "group/future-epoch";
  return new DsError(code, `the group is in epoch ${result.currentEpoch}`, { currentEpoch: result.currentEpoch });
}

export function groupRoutes(app: FastifyInstance, ctx: DsContext): void {
  app.post(DsRoutes.groups, async (request, reply) => {
    const me = caller(request);
    const body = parseJsonObject(rawBody(request));
    const groupId = groupIdHex(body.groupId);
    const groupInfo = bytesField(body, "groupInfo");
    const ratchetTree = optionalBytesField(body, "ratchetTree");
    // The store decides (createGroup); this only spares the observer's work for a taken id.
    if ((await ctx.store.getGroup(groupId)) !== undefined) throw new DsError("group/exists", "a group with this id exists");
    const checked = await checkCreatedGroup(ctx, groupId, groupInfo, ratchetTree, me.clientId);
    const created = await ctx.store.createGroup({ groupId, epoch: checked.epoch, members: [me.clientId], view: checked.view, groupInfo, ratchetTree });
    if (!created) throw new DsError("group/exists", "a group with this id exists");
    return reply.code(201).send({ groupId: toHex(groupId), epoch: checked.epoch.toString() });
  });

  app.post(`${GROUP}/messages`, async (request) => {
    const me = caller(request);
    const group = await loadGroup(ctx, request.params);
    const body = parseJsonObject(rawBody(request));
    const message = bytesField(body, "message");
    const header = readGroupMessageHeader(message, group.groupId);
    const external = isExternalCommit(header);
    if (!external) requireMember(group, me.clientId);
    if (header.epoch !== group.epoch) {
      throw epochError({ accepted: false, reason: header.epoch < group.epoch ? "stale-epoch" : "future-epoch", currentEpoch: group.epoch });
    }
    let commit: CommitEffects | undefined;
    if (header.contentType === "commit") {
      commit = await checkCommit(
        ctx,
        group,
        header,
        message,
        {
          welcome: optionalBytesField(body, "welcome"),
          welcomeRecipients: optionalStringArray(body, "welcomeRecipients", ctx.limits.maxRecipients),
          removed: optionalStringArray(body, "removed", ctx.limits.maxRecipients),
          groupInfo: optionalBytesField(body, "groupInfo"),
          ratchetTree: optionalBytesField(body, "ratchetTree"),
        },
        me.clientId,
      );
    } else {
      for (const f of ["welcome", "welcomeRecipients", "removed", "groupInfo", "ratchetTree"]) {
        if (body[f] !== undefined) throw new DsError("request/malformed", `${f} comes with a Commit only`);
      }
    }
    const result = await ctx.store.appendMessage({
      groupId: group.groupId,
      epoch: header.epoch,
      kind: header.contentType === "application" ? "application" : "handshake",
      sender: me.clientId,
      message,
      ...(commit !== undefined ? { commit } : {}),
      now: ctx.clock(),
    });
    if (!result.accepted) throw epochError(result);
    return { epoch: result.epoch.toString() };
  });

  app.get(`${GROUP}/messages`, async (request) => {
    const me = caller(request);
    const group = await loadGroup(ctx, request.params);
    requireMember(group, me.clientId);
    const q = request.query as Record<string, unknown>;
    const fromEpoch = epochQuery(q.fromEpoch, "fromEpoch", 0n);
    const limit = integerQuery(q.limit, "limit", ctx.limits.maxHistory, ctx.limits.maxHistory);
    const items = await ctx.store.handshakesSince(group.groupId, fromEpoch, limit);
    return { items: items.map((h) => ({ epoch: h.epoch.toString(), sender: h.sender, message: toBase64(h.message) })) };
  });

  app.get(`${GROUP}/group-info`, async (request) => {
    caller(request);
    const group = await loadGroup(ctx, request.params);
    // A Commit published without a GroupInfo leaves none for its epoch: an older one is of no use to a joiner.
    if (group.groupInfo === undefined || decodeGroupInfo(group.groupInfo).groupContext.epoch !== group.epoch) {
      throw new DsError("request/not-found", "no GroupInfo was published for the current epoch");
    }
    return {
      epoch: group.epoch.toString(),
      groupInfo: toBase64(group.groupInfo),
      ...(group.ratchetTree !== undefined ? { ratchetTree: toBase64(group.ratchetTree) } : {}),
    };
  });

  app.get(`${GROUP}/members`, async (request) => {
    const me = caller(request);
    const group = await loadGroup(ctx, request.params);
    requireMember(group, me.clientId);
    return { epoch: group.epoch.toString(), members: [...group.members] };
  });
}
