/**
 * POST /v1/clients: a client presents its credential and signature key. The
 * request is signed by the key being registered (proof of possession); the
 * credential must be accepted by the DS's identity provider and present the
 * client id. Registering again with the same key is idempotent.
 */
import { DsError, DsRoutes, parseAuthorization, parseClientId } from "@mlskit/ds-protocol";
import type { FastifyInstance } from "fastify";
import type { DsContext } from "../context.js";
import { decodeCredential, validateRegistration } from "../identity.js";
import { bytesField, integerField, parseJsonObject } from "../json-body.js";
import { rawBody, suiteProvider, verifyAndConsume } from "../request-auth-hook.js";

export function clientRoutes(app: FastifyInstance, ctx: DsContext): void {
  app.post(DsRoutes.clients, { config: { auth: "self" } }, async (request, reply) => {
    const auth = parseAuthorization(request.headers.authorization);
    const raw = rawBody(request);
    const body = parseJsonObject(raw);
    const clientId = parseClientId(body.clientId);
    if (clientId !== auth.clientId) throw new DsError("auth/forbidden", "a client registers itself only");
    const cipherSuite = integerField(body, "cipherSuite", 0xffff);
    const signaturePublicKey = bytesField(body, "signaturePublicKey");
    const credentialBytes = bytesField(body, "credential");
    const cs = await suiteProvider(ctx, cipherSuite);
    await verifyAndConsume(ctx, cs, signaturePublicKey, auth, { method: request.method, path: request.url, body: raw });
    await validateRegistration(ctx, clientId, decodeCredential(credentialBytes), signaturePublicKey, cipherSuite);
    const result = await ctx.store.registerClient({ clientId, cipherSuite, signaturePublicKey, credential: credentialBytes });
    if (result === "conflict") throw new DsError("client/already-registered", "this client id is registered with another key");
    return reply.code(result === "created" ? 201 : 200).send({ clientId });
  });
}
