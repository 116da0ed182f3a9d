/**
 * Authenticates requests (ds-protocol request-auth.ts): the Authorization
 * value is parsed, the client looked up in the store, the signature checked
 * with its registered key over the method, the path and query as sent and
 * the raw body bytes, and the nonce remembered so the same request is not
 * accepted twice within the clock-skew window.
 */
import type { CipherSuiteProvider } from "@mlskit/core";
import { DsError, MAX_CLOCK_SKEW_MS, type RequestAuthorization, type SignedRequestTarget, parseAuthorization, verifyRequest } from "@mlskit/ds-protocol";
import type { FastifyInstance, FastifyRequest } from "fastify";
import type { DsContext } from "./context.js";
import type { RegisteredClient } from "./store/ds-store.js";

const EMPTY = new Uint8Array(0);

/** The raw body as the content-type parser left it (bytes, never parsed). */
export function rawBody(request: FastifyRequest): Uint8Array {
  const b = request.body;
  return b instanceof Uint8Array ? b : EMPTY;
}

/** The suite provider for a registered suite (`request/malformed` for one the DS cannot serve). */
export async function suiteProvider(ctx: DsContext, cipherSuite: number): Promise<CipherSuiteProvider> {
  try {
    return await ctx.crypto.cipherSuite(cipherSuite);
  } catch (cause) {
    throw new DsError("request/malformed", `cipher suite ${cipherSuite} is not supported by this DS`, { cause });
  }
}

/**
 * Verifies `auth` with `signaturePublicKey` (staleness, then signature) and
 * then consumes its nonce (`auth/replayed` when it was seen before).
 */
export async function verifyAndConsume(
  ctx: DsContext,
  cs: CipherSuiteProvider,
  signaturePublicKey: Uint8Array,
  auth: RequestAuthorization,
  target: SignedRequestTarget,
): Promise<void> {
  const now = ctx.clock();
  await verifyRequest(cs, signaturePublicKey, auth, target, now);
  // A nonce need only be remembered while its timestamp is inside the window.
  const fresh = await ctx.store.rememberNonce(auth.clientId, auth.nonce, auth.timestamp + MAX_CLOCK_SKEW_MS + 1);
  if (!fresh) throw new DsError("auth/replayed", "this request was already accepted");
}

/** Authenticates a request by a registered client; returns the client. */
async function authenticate(ctx: DsContext, authorization: string | undefined, target: SignedRequestTarget): Promise<RegisteredClient> {
  const auth = parseAuthorization(authorization);
  const client = await ctx.store.getClient(auth.clientId);
  if (client === undefined) throw new DsError("auth/unknown-client", "no client is registered with this id");
  const cs = await suiteProvider(ctx, client.cipherSuite);
  await verifyAndConsume(ctx, cs, client.signaturePublicKey, auth, target);
  return client;
}

function pathOnly(url: string): string {
  const q = url.indexOf("?");
  return q < 0 ? url : url.slice(0, q);
}

/** Installs the preHandler that authenticates every route whose `config.auth` is "signed" (the default) or "query". */
export function registerRequestAuth(app: FastifyInstance, ctx: DsContext): void {
  app.addHook("preHandler", async (request) => {
    // Unknown routes answer request/not-found, signed or not.
    if (request.is404) return;
    const mode = request.routeOptions.config.auth ?? "signed";
    if (mode === "signed") {
      const header = request.headers.authorization;
      request.dsClient = await authenticate(ctx, header, { method: request.method, path: request.url, body: rawBody(request) });
    } else if (mode === "query") {
      const q = request.query as Record<string, unknown> | undefined;
      const value = typeof q?.auth === "string" ? q.auth : undefined;
      request.dsClient = await authenticate(ctx, value, { method: "GET", path: pathOnly(request.url), body: EMPTY });
    }
  });
}
