/**
 * Every error answer is a typed {@link DsErrorBody} with the status of its
 * code (DS_ERROR_STATUS): DsErrors as thrown, Fastify's own errors mapped
 * (body too large → `request/too-large`, a bad body or header →
 * `request/malformed`), unknown routes → `request/not-found`, anything else
 * `internal/failed` without detail. Never a stack trace, never input bytes.
 */
import { DsError, type DsErrorBody } from "@mlskit/ds-protocol";
import type { FastifyError, FastifyInstance } from "fastify";

/** The DsError an error is answered as. */
function toDsError(error: unknown): DsError {
  if (error instanceof DsError) return error;
  const e = error as Partial<FastifyError> | undefined;
  if (e?.code === "FST_ERR_CTP_BODY_TOO_LARGE" || e?.statusCode === 413) return new DsError("request/too-large", "the request body is too large");
  if (e?.statusCode === 404) return new DsError("request/not-found", "no such route");
  if (typeof e?.statusCode === "number" && e.statusCode >= 400 && e.statusCode < 500) {
    return new DsError("request/malformed", "the request is malformed");
  }
  return new DsError("internal/failed", "the server failed; the request may be retried");
}

export function registerErrorHandling(app: FastifyInstance): void {
  app.setErrorHandler((error, request, reply) => {
    const e = toDsError(error);
    if (e.code === "internal/failed") request.log.error({ err: { name: (error as Error)?.name, code: (error as { code?: unknown })?.code } }, "request failed");
    const body: DsErrorBody = e.toBody();
    return reply.code(e.status).type("application/json").send(body);
  });
  app.setNotFoundHandler((_request, reply) => {
    const body: DsErrorBody = new DsError("request/not-found", "no such route").toBody();
    return reply.code(404).type("application/json").send(body);
  });
}
