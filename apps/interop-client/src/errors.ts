/**
 * Turns a failure of an RPC into a gRPC status (never a crash of the
 * server): the library's typed errors (`MlsError` with a `code`) keep their
 * code and reason in the status message, `code: reason`, and in the
 * `mlskit-error-code` metadata entry.
 */
import * as grpc from "@grpc/grpc-js";
import { CodecError, CryptoError, InternalError, MlsError, UsageError, ValidationError } from "@mlskit/core";

/** An error of the interop layer itself (unknown id, malformed request), with a gRPC status. */
export class InteropError extends Error {
  constructor(
    readonly status: grpc.status,
    readonly code: string,
    message: string,
  ) {
    super(message);
    this.name = "InteropError";
  }
}

/** Unknown state, transaction, reinit or signer id. */
export function notFound(kind: string, id: number): InteropError {
  return new InteropError(grpc.status.NOT_FOUND, "interop/unknown-id", `no ${kind} with id ${id}`);
}

/** A request the client cannot serve (missing field, wrong kind of message). */
export function invalidRequest(message: string): InteropError {
  return new InteropError(grpc.status.INVALID_ARGUMENT, "interop/invalid-request", message);
}

/** The gRPC status code for an error. */
export function statusOf(e: unknown): grpc.status {
  if (e instanceof InteropError) return e.status;
  if (ValidationError.isInstance(e) || CodecError.isInstance(e)) return grpc.status.INVALID_ARGUMENT;
  if (UsageError.isInstance(e)) return grpc.status.FAILED_PRECONDITION;
  // A suite the provider cannot serve, or input that does not decrypt or verify.
  if (CryptoError.isInstance(e)) return grpc.status.INVALID_ARGUMENT;
  if (InternalError.isInstance(e)) return grpc.status.INTERNAL;
  return grpc.status.UNKNOWN;
}

/** `code: reason` of an error (the typed code of an MlsError, else its name). */
export function describeError(e: unknown): { code: string; message: string } {
  if (MlsError.isInstance(e)) {
    const err = e as MlsError & { cause?: unknown };
    let message = `${err.code}: ${err.message}`;
    if (err.cause !== undefined) {
      const c = err.cause as { code?: string; message?: string };
      message += ` (cause: ${c.code !== undefined ? `${c.code}: ` : ""}${c.message ?? String(c)})`;
    }
    return { code: err.code, message };
  }
  if (e instanceof InteropError) return { code: e.code, message: `${e.code}: ${e.message}` };
  if (e instanceof Error) return { code: e.name, message: `${e.name}: ${e.message}` };
  return { code: "unknown", message: String(e) };
}

/** A gRPC ServiceError carrying the typed error. */
export function toServiceError(e: unknown): grpc.ServiceError {
  const { code, message } = describeError(e);
  const metadata = new grpc.Metadata();
  metadata.set("mlskit-error-code", code);
  return Object.assign(new Error(message), { code: statusOf(e), details: message, metadata });
}
