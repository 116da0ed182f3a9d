/**
 * `@mlskit/ds-protocol`: the wire protocol between mlskit clients and the
 * Delivery Service and Authentication Service of RFC 9750 — routes, JSON
 * bodies, the closed set of error codes, and signed requests. Shared by the
 * server (`apps/delivery-service`) and the client (`@mlskit/ds-client`) so
 * the two cannot drift apart.
 * @packageDocumentation
 */
export * from "./api.js";
export { DS_ERROR_CODES, DS_ERROR_STATUS, type DsErrorCode } from "./error-codes.js";
export { DsError, type DsErrorBody } from "./ds-error.js";
export { toBase64, fromBase64 } from "./base64.js";
export { CLIENT_ID_PATTERN, parseClientId } from "./client-id.js";
export {
  REQUEST_SIGNATURE_LABEL,
  REGISTRATION_PROOF_LABEL,
  MAX_CLOCK_SKEW_MS,
  type RequestAuthorization,
  type SignedRequestTarget,
  type RequestSigner,
  signRequest,
  parseAuthorization,
  verifyRequest,
} from "./request-auth.js";
