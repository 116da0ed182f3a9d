import { DsError } from "./ds-error.js";

/**
 * A client id names one client (one device) at the DS and the AS, and is the
 * identity its X.509 credential presents. Restricted to a safe alphabet so it
 * can appear in URLs, headers and log lines without escaping.
 */
export const CLIENT_ID_PATTERN = /^[A-Za-z0-9._@-]{1,128}$/;

/** Checks a client id from the network (`client/bad-id` otherwise). */
export function parseClientId(value: unknown, field = "clientId"): string {
  if (typeof value !== "string" || !CLIENT_ID_PATTERN.test(value)) {
    throw new DsError("client/bad-id", `${field} must match ${CLIENT_ID_PATTERN.source}`);
  }
  return value;
}
