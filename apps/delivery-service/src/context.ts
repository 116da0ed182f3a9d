/** What every route of the Delivery Service works with. */
import type { CryptoProvider, IdentityProvider } from "@mlskit/core";
import type { GroupObserver } from "./commit-check.js";
import type { DsLimits } from "./limits.js";
import type { DsStore, RegisteredClient } from "./store/ds-store.js";

export interface DsContext {
  readonly store: DsStore;
  /** The Authentication Service as the DS consults it: validates credentials, names identities. */
  readonly identityProvider: IdentityProvider;
  readonly crypto: CryptoProvider;
  readonly limits: DsLimits;
  /** Milliseconds since the Unix epoch. */
  readonly clock: () => number;
  /** Follows PublicMessage Commits; undefined when the DS relies on declared membership only. */
  readonly observer: GroupObserver | undefined;
}

declare module "fastify" {
  interface FastifyRequest {
    /** The authenticated caller (set by the request-auth hook). */
    dsClient?: RegisteredClient;
  }
  interface FastifyContextConfig {
    /**
     * How the route authenticates: "signed" (the default: Authorization
     * header by a registered client), "query" (the WebSocket stream: the
     * `auth` query parameter, signed over `GET <path>`), "self" (the route
     * verifies the signature itself, registration) or "none".
     */
    auth?: "signed" | "query" | "self" | "none";
  }
}

/** The authenticated caller of a route (the hook guarantees it on signed routes). */
export function caller(request: { dsClient?: RegisteredClient }): RegisteredClient {
  const c = request.dsClient;
  if (c === undefined) throw new Error("route reached without authentication");
  return c;
}
