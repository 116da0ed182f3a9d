/** The caller's queue: read a page after a cursor, acknowledge up to a cursor (entries up to it may be dropped). */
import { DsError, DsRoutes, type QueueBatch } from "@mlskit/ds-protocol";
import type { FastifyInstance } from "fastify";
import { type DsContext, caller } from "../context.js";
import { integerField, integerQuery, parseJsonObject } from "../json-body.js";
import { toQueueItem } from "../queue-items.js";
import { rawBody } from "../request-auth-hook.js";

/** A cursor or page size (`queue/bad-cursor` when it is not a non-negative integer within bounds). */
function cursor<T>(read: () => T): T {
  try {
    return read();
  } catch (e) {
    if (e instanceof DsError) throw new DsError("queue/bad-cursor", e.message);
    throw e;
  }
}

export function queueRoutes(app: FastifyInstance, ctx: DsContext): void {
  app.get(DsRoutes.queue, async (request): Promise<QueueBatch> => {
    const me = caller(request);
    const q = request.query as Record<string, unknown>;
    const after = cursor(() => integerQuery(q.after, "after", 0));
    const limit = cursor(() => integerQuery(q.limit, "limit", ctx.limits.maxQueueBatch, ctx.limits.maxQueueBatch));
    const batch = await ctx.store.fetchQueue(me.clientId, after, Math.max(1, limit));
    return { items: batch.items.map(toQueueItem), truncated: batch.truncated };
  });

  app.post(DsRoutes.queueAck, async (request) => {
    const me = caller(request);
    const body = parseJsonObject(rawBody(request));
    const upTo = cursor(() => integerField(body, "upTo"));
    await ctx.store.ackQueue(me.clientId, upTo);
    return { upTo };
  });
}
