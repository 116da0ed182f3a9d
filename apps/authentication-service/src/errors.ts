/**
 * Every error answer is a typed {@link DsErrorBody} with the status of its
 * code; nothing else (no stack trace, no driver message) leaves the service.
 */
import { DsError, type DsErrorBody } from "@mlskit/ds-protocol";
import type { FastifyError, FastifyReply, FastifyRequest } from "fastify";

/** The protocol error for anything thrown while serving a request. */
export function toDsError(error: unknown): DsError {
  if (error instanceof DsError) return error;
  const e = error as Partial<FastifyError>;
  if (e.validation !== undefined) return new DsError("request/malformed", `invalid ${e.validationContext ?? "request"}: ${e.message ?? ""}`.trim());
  if (e.code === "FST_ERR_CTP_BODY_TOO_LARGE") return new DsError("request/too-large", "the request body is too large");
  if (typeof e.statusCode === "number" && e.statusCode >= 400 && e.statusCode < 500) {
    return new DsError("request/malformed", typeof e.message === "string" ? e.message : "the request is malformed");
  }
  return new DsError("internal/failed", "the service failed; the request may be retried");
}

/** Fastify error handler: answers with the error's {@link DsErrorBody}. */
export function answerError(error: unknown, request: FastifyRequest, reply: FastifyReply): FastifyReply {
  const ds = toDsError(error);
  if (ds.status >= 500) request.log.error({ err: error }, "request failed");
  const body: DsErrorBody = ds.toBody();
  return reply.code(ds.status).type("application/json").send(body);
}

/** Fastify not-found handler: `request/not-found`. */
export function answerNotFound(request: FastifyRequest, reply: FastifyReply): FastifyReply {
  const body: DsErrorBody = new DsError("request/not-found", `no route ${request.method} ${request.url.split("?")[0] ?? ""}`).toBody();
  return reply.code(404).type("application/json").send(body);
}
