/**
 * `@mlskit/authentication-service` (Node-only): the Authentication Service
 * of RFC 9750 §5 — a small CA that issues X.509 credentials
 * (RFC 9420 §5.3) to clients that prove they hold their MLS signature key,
 * as a Fastify plugin or a standalone app (`main.ts`), on SQLite.
 * @packageDocumentation
 */
export { authenticationService, createAuthenticationService, type AuthenticationServiceOptions, DEFAULT_CA_NAME, DEFAULT_CERTIFICATE_LIFETIME_DAYS } from "./service.js";
export { type RegistrationCheck, bearerTokenCheck } from "./registration-check.js";
export type { AsStore, StoredCa, IssuedCertificate } from "./store.js";
export { sqliteAsStore, memoryAsStore } from "./sqlite-store.js";
export { toDsError } from "./errors.js";
