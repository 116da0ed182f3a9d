/**
 * The Authentication Service of RFC 9750 §5 as a Fastify plugin and a
 * standalone Fastify app: a CA that certifies, for each registered client,
 * that its MLS signature key speaks for its client id.
 */
import { AsRoutes, type AsRegisterRequest, type AsRegisterResponse, DsError, type TrustAnchorsResponse, toBase64 } from "@mlskit/ds-protocol";
import Fastify, { type FastifyInstance, type FastifyPluginAsync, type FastifyServerOptions } from "fastify";
import { loadOrCreateCa } from "./ca.js";
import { answerError, answerNotFound } from "./errors.js";
import { type RegistrationCheck, bearerTokenCheck } from "./registration-check.js";
import { registerClient } from "./registration.js";
import { registerRequestSchema, registerResponseSchema, trustAnchorsResponseSchema } from "./schemas.js";
import type { AsStore } from "./store.js";

/** Options of {@link authenticationService} and {@link createAuthenticationService}. */
export interface AuthenticationServiceOptions {
  /** Where the CA and the issued certificates are kept (see `sqliteAsStore`). The caller closes it. */
  readonly store: AsStore;
  /** Who may register: a {@link RegistrationCheck}, or the administrator's bearer token. */
  readonly registration: RegistrationCheck | { readonly adminToken: string };
  /** The CA's name, in its certificates' subjects, when it is created. Default `"mlskit Authentication Service"`. */
  readonly caName?: string;
  /** How long issued certificates are valid. Default 90 days. */
  readonly certificateLifetimeDays?: number;
  /** The largest registration body, in bytes. Default 16 KiB. */
  readonly bodyLimit?: number;
}

/** Default {@link AuthenticationServiceOptions.caName}. */
export const DEFAULT_CA_NAME = "mlskit Authentication Service";
/** Default {@link AuthenticationServiceOptions.certificateLifetimeDays}. */
export const DEFAULT_CERTIFICATE_LIFETIME_DAYS = 90;

/**
 * The service's routes as a Fastify plugin ({@link AsRoutes}): loads or
 * creates the CA, then serves `POST /as/v1/clients` and
 * `GET /as/v1/trust-anchors`. Error answers are typed `DsErrorBody`s.
 */
export const authenticationService: FastifyPluginAsync<AuthenticationServiceOptions> = async (app, options) => {
  const lifetime = options.certificateLifetimeDays ?? DEFAULT_CERTIFICATE_LIFETIME_DAYS;
  if (!(lifetime > 0)) throw new RangeError("certificateLifetimeDays must be positive");
  const check = typeof options.registration === "function" ? options.registration : bearerTokenCheck(options.registration.adminToken);
  const ca = await loadOrCreateCa(options.store, options.caName ?? DEFAULT_CA_NAME);
  const context = { ca, store: options.store, certificateLifetimeDays: lifetime };
  const anchors: TrustAnchorsResponse = { anchors: [toBase64(new Uint8Array(ca.root.rawData))] };

  app.setErrorHandler(answerError);

  app.post<{ Body: AsRegisterRequest; Reply: AsRegisterResponse }>(
    AsRoutes.register,
    {
      bodyLimit: options.bodyLimit ?? 16 * 1024,
      schema: { body: registerRequestSchema, response: { 200: registerResponseSchema } },
      // Authorization comes before the body is read: a stranger's body is not even parsed.
      onRequest: async (request) => {
        if (!(await check(request))) throw new DsError("auth/forbidden", "not allowed to register clients");
      },
    },
    async (request) => registerClient(context, request.body),
  );

  app.get<{ Reply: TrustAnchorsResponse }>(AsRoutes.trustAnchors, { schema: { response: { 200: trustAnchorsResponseSchema } } }, async () => anchors);
};

/**
 * A standalone Fastify app serving only the Authentication Service (not yet
 * listening: call `listen`, or `inject` in tests). Unknown routes answer
 * `request/not-found`.
 */
export async function createAuthenticationService(options: AuthenticationServiceOptions & { readonly logger?: FastifyServerOptions["logger"] }): Promise<FastifyInstance> {
  const app = Fastify({
    logger: options.logger ?? false,
    // Bodies are taken as they are: no coercion of types, no silent removal of unknown fields.
    ajv: { customOptions: { coerceTypes: false, removeAdditional: false } },
  });
  app.setErrorHandler(answerError);
  app.setNotFoundHandler(answerNotFound);
  await app.register(authenticationService, options);
  return app;
}
