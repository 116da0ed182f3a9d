/**
 * The WebSocket stream (`/v1/stream?auth=…`, ds-protocol StreamFrame). The
 * upgrade is authenticated like any request (the `auth` query parameter,
 * signed over `GET /v1/stream`). The client's first frame is
 * `subscribe {after}`; the server sends the backlog after that cursor, then
 * pushes new entries when the store reports some for this client. Entries
 * are always read from the store after the connection's cursor by one pump
 * at a time, so a connection never sends an entry out of order or twice.
 * `ack {upTo}` frames acknowledge like POST /v1/queue/ack.
 */
import { DsError, DsRoutes, type StreamFrame } from "@mlskit/ds-protocol";
import type { FastifyInstance } from "fastify";
import type { WebSocket } from "ws";
import { type DsContext, caller } from "./context.js";
import { toQueueItem } from "./queue-items.js";

/** Largest client frame accepted (subscribe and ack frames are tiny). */
export const MAX_CLIENT_FRAME_BYTES = 4096;

function parseClientFrame(data: unknown): { type: "subscribe" | "ack"; cursor: number } {
  let frame: unknown;
  try {
    frame = JSON.parse(String(data));
  } catch {
    throw new DsError("request/malformed", "frames are JSON");
  }
  const f = (typeof frame === "object" && frame !== null ? frame : {}) as Record<string, unknown>;
  const cursor = f.type === "subscribe" ? f.after : f.type === "ack" ? f.upTo : undefined;
  if (f.type !== "subscribe" && f.type !== "ack") throw new DsError("request/malformed", "client frames are subscribe or ack");
  if (typeof cursor !== "number" || !Number.isSafeInteger(cursor) || cursor < 0) throw new DsError("queue/bad-cursor", "the cursor must be a non-negative integer");
  return { type: f.type, cursor };
}

function send(socket: WebSocket, frame: StreamFrame): void {
  socket.send(JSON.stringify(frame));
}

export function streamRoute(app: FastifyInstance, ctx: DsContext): void {
  app.get(DsRoutes.stream, { websocket: true, config: { auth: "query" } }, (socket, request) => {
    const clientId = caller(request).clientId;
    let cursor: number | undefined;
    let pumping = false;
    let again = false;
    let closed = false;
    /** The first batch after subscribe is sent even when empty: it tells the client the backlog is done. */
    let backlogPending = false;

    const fail = (error: unknown) => {
      if (closed) return;
      const e = error instanceof DsError ? error : new DsError("internal/failed", "the stream failed");
      send(socket, { type: "error", error: e.code, message: e.message });
      socket.close(e.code === "internal/failed" ? 1011 : 1008, e.code);
    };

    const pump = async (): Promise<void> => {
      if (pumping) {
        again = true;
        return;
      }
      pumping = true;
      try {
        do {
          again = false;
          for (;;) {
            if (closed || cursor === undefined) return;
            const batch = await ctx.store.fetchQueue(clientId, cursor, ctx.limits.maxQueueBatch);
            if (closed) return;
            if (batch.items.length === 0 && !batch.truncated && !backlogPending) break;
            backlogPending = false;
            send(socket, { type: "items", items: batch.items.map(toQueueItem), truncated: batch.truncated });
            const last = batch.items.at(-1);
            if (last !== undefined) cursor = last.seq;
            if (batch.items.length < ctx.limits.maxQueueBatch) break;
          }
        } while (again);
      } finally {
        pumping = false;
      }
    };

    const unsubscribe = ctx.store.onEnqueued((ids) => {
      if (cursor !== undefined && (ids === "anyone" || ids.includes(clientId))) pump().catch(fail);
    });
    socket.on("close", () => {
      closed = true;
      unsubscribe();
    });
    socket.on("message", (data, isBinary) => {
      void (async () => {
        if (isBinary) throw new DsError("request/malformed", "frames are JSON text");
        const frame = parseClientFrame(data);
        if (frame.type === "subscribe") {
          if (cursor !== undefined) throw new DsError("request/malformed", "subscribe is sent once");
          cursor = frame.cursor;
          backlogPending = true;
          await pump();
        } else {
          await ctx.store.ackQueue(clientId, frame.cursor);
        }
      })().catch(fail);
    });
  });
}
