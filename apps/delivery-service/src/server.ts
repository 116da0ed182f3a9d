/**
 * createDeliveryService: the Delivery Service of RFC 9750 §5–6 as a Fastify
 * instance (not yet listening). All state lives in the given store; the
 * instance holds connections only, so several instances may share a
 * PostgreSQL store.
 */
import websocket from "@fastify/websocket";
import type { CryptoProvider, IdentityProvider } from "@mlskit/core";
import { defaultCryptoProvider } from "@mlskit/mls";
import Fastify, { type FastifyInstance, type FastifyServerOptions } from "fastify";
import { type GroupObserver, defaultGroupObserver } from "./commit-check.js";
import type { DsContext } from "./context.js";
import { registerErrorHandling } from "./error-handler.js";
import { type DsLimits, resolveLimits } from "./limits.js";
import { registerRequestAuth } from "./request-auth-hook.js";
import { scheduleRetention } from "./retention.js";
import { clientRoutes } from "./routes/clients.js";
import { groupRoutes } from "./routes/groups.js";
import { keyPackageRoutes } from "./routes/key-packages.js";
import { queueRoutes } from "./routes/queue.js";
import type { DsStore } from "./store/ds-store.js";
import { MAX_CLIENT_FRAME_BYTES, streamRoute } from "./stream.js";

export interface DeliveryServiceOptions {
  readonly store: DsStore;
  /**
   * Validates credentials (registration, KeyPackages, group members):
   * in production the X509IdentityProvider with the AS's trust anchors.
   */
  readonly identityProvider: IdentityProvider;
  readonly limits?: Partial<DsLimits>;
  /** Milliseconds since the Unix epoch (default Date.now). */
  readonly clock?: () => number;
  /** Default: `defaultCryptoProvider()` of `@mlskit/mls`. */
  readonly crypto?: CryptoProvider;
  /** Follows PublicMessage Commits (commit-check.ts); default the group package's when available, `null` for none. */
  readonly observer?: GroupObserver | null;
  /** Fastify's logger (pino, JSON to stdout): off by default. Request URLs are logged without their query (the stream's `auth`). */
  readonly logger?: boolean;
}

function loggerOption(logger: boolean | undefined): FastifyServerOptions["logger"] {
  if (logger !== true) return false;
  // Method and path only: never query strings (the stream's `auth`), headers or bodies.
  return { serializers: { req: (req) => ({ method: req.method, url: req.url.split("?")[0] ?? "" }) } };
}

export function createDeliveryService(options: DeliveryServiceOptions): FastifyInstance {
  const limits = resolveLimits(options.limits);
  const crypto = options.crypto ?? defaultCryptoProvider();
  const partial = { identityProvider: options.identityProvider, crypto };
  const ctx: DsContext = {
    store: options.store,
    identityProvider: options.identityProvider,
    crypto,
    limits,
    clock: options.clock ?? Date.now,
    observer: options.observer === null ? undefined : (options.observer ?? defaultGroupObserver(partial)),
  };
  const app: FastifyInstance = Fastify({ logger: loggerOption(options.logger) ?? false, bodyLimit: limits.bodyLimit });
  // Bodies stay bytes until the signature over them is checked; routes parse JSON afterwards.
  app.removeAllContentTypeParsers();
  app.addContentTypeParser("*", { parseAs: "buffer", bodyLimit: limits.bodyLimit }, (_request, body, done) => done(null, body));
  registerErrorHandling(app);
  registerRequestAuth(app, ctx);
  app.register(websocket, { options: { maxPayload: MAX_CLIENT_FRAME_BYTES } });
  app.register(async (scope) => {
    clientRoutes(scope, ctx);
    keyPackageRoutes(scope, ctx);
    groupRoutes(scope, ctx);
    queueRoutes(scope, ctx);
    streamRoute(scope, ctx);
  });
  scheduleRetention(app, ctx);
  return app;
}
