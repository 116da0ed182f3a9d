/** The caller's queue: read a page after a cursor, acknowledge up to a cursor (entries up to it may be dropped). */
import { DsRoutes, type QueueBatch } from "@mlskit/ds-protocol";
import type { FastifyInstance } from "fastify";
import { type DsContext, caller } from "../context.js";
import { integerField, integerQuery, parseJsonObject } from "../json-body.js";
import { toQueueItem } from "../queue-items.js";
import { rawBody } from "../request-auth-hook.js";

export function queueRoutes(app: FastifyInstance, ctx: DsContext): void {
  app.get(DsRoutes.queue, async (request): Promise<QueueBatch> => {
    const me = caller(request);
    const q = request.query as Record<string, unknown>;
    const after = integerQuery(q.after, "after", 0);
    const limit = integerQuery(q.limit, "limit", ctx.limits.maxQueueBatch, ctx.limits.maxQueueBatch);
    const batch = await ctx.store.fetchQueue(me.clientId, after, Math.max(1, limit));
    return { items: batch.items.map(toQueueItem), truncated: batch.truncated };
  });

  app.post(DsRoutes.queueAck, async (request) => {
    const me = caller(request);
    const upTo = integerField(parseJsonObject(rawBody(request)), "upTo");
    await ctx.store.ackQueue(me.clientId, upTo);
    return { upTo };
  });
}
