/**
 * The closed set of error codes the Delivery Service and Authentication
 * Service answer with. Every 4xx/5xx body is a {@link DsErrorBody} whose
 * `error` is one of these; clients switch on the code, never on the text.
 */
export const DS_ERROR_CODES = [
  // The request itself.
  "request/malformed",
  "request/too-large",
  "request/not-found",
  // Who is asking (signed requests, see request-auth.ts).
  "auth/missing",
  "auth/malformed",
  "auth/unknown-client",
  "auth/bad-signature",
  "auth/stale",
  "auth/replayed",
  "auth/forbidden",
  // Registration with the DS and the AS.
  "client/bad-id",
  "client/bad-credential",
  "client/already-registered",
  // The KeyPackage directory (RFC 9750 §5.1).
  "key-package/malformed",
  "key-package/invalid",
  "key-package/none-left",
  "key-package/unknown-client",
  // Groups and ordering (RFC 9750 §5.2).
  "group/unknown",
  "group/exists",
  "group/not-member",
  "group/wrong-group",
  "group/stale-epoch",
  "group/future-epoch",
  "group/invalid-commit",
  "group/invalid-group-info",
  "group/not-a-group-message",
  "group/malformed-message",
  // Queues.
  "queue/bad-cursor",
  // Anything else: the server failed, the request may be retried.
  "internal/failed",
] as const;

/** A Delivery Service / Authentication Service error code. */
export type DsErrorCode = (typeof DS_ERROR_CODES)[number];

/** The HTTP status each code is answered with. */
export const DS_ERROR_STATUS: Readonly<Record<DsErrorCode, number>> = {
  "request/malformed": 400,
  "request/too-large": 413,
  "request/not-found": 404,
  "auth/missing": 401,
  "auth/malformed": 401,
  "auth/unknown-client": 401,
  "auth/bad-signature": 401,
  "auth/stale": 401,
  "auth/replayed": 401,
  "auth/forbidden": 403,
  "client/bad-id": 400,
  "client/bad-credential": 400,
  "client/already-registered": 409,
  "key-package/malformed": 400,
  "key-package/invalid": 400,
  "key-package/none-left": 404,
  "key-package/unknown-client": 404,
  "group/unknown": 404,
  "group/exists": 409,
  "group/not-member": 403,
  "group/wrong-group": 400,
  "group/stale-epoch": 409,
  "group/future-epoch": 409,
  "group/invalid-commit": 400,
  "group/invalid-group-info": 400,
  "group/not-a-group-message": 400,
  "group/malformed-message": 400,
  "queue/bad-cursor": 400,
  "internal/failed": 500,
};
