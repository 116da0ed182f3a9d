/**
 * Who may register a client. The service asks a {@link RegistrationCheck}
 * before reading the body; the default is one administrator's bearer token.
 */
import { createHash, timingSafeEqual } from "node:crypto";
import { DsError } from "@mlskit/ds-protocol";
import type { FastifyRequest } from "fastify";

/**
 * Decides whether a registration request is allowed, from its headers (it
 * runs before the body is read: `request.body` is undefined): `true` lets it
 * through, `false` answers `auth/forbidden`; throwing a {@link DsError}
 * answers with it (e.g. `auth/missing`). An application plugs its own
 * enrolment here (one-time invitation codes, an SSO session…).
 */
export type RegistrationCheck = (request: FastifyRequest) => boolean | Promise<boolean>;

const digest = (value: string): Buffer => createHash("sha256").update(value, "utf8").digest();

/**
 * The default check: `Authorization: Bearer <token>` with the administrator
 * token (`auth/missing` without one, `auth/forbidden` for another token),
 * compared in constant time.
 */
export function bearerTokenCheck(token: string): RegistrationCheck {
  if (token.length === 0) throw new TypeError("the registration token must not be empty");
  const expected = digest(token);
  return (request) => {
    const header = request.headers.authorization;
    if (header === undefined || header === "") throw new DsError("auth/missing", "registration needs Authorization: Bearer <token>");
    const match = /^Bearer +(\S+) *$/i.exec(header);
    if (match === null) throw new DsError("auth/malformed", "authorization scheme must be Bearer");
    return timingSafeEqual(digest(match[1]!), expected);
  };
}
