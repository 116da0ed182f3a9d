/**
 * The KeyPackage directory (RFC 9750 §5.1): publish (validated, see
 * key-package-check.ts), claim one of another client's (one at a time; its
 * last-resort KeyPackage only when none other is left), and count one's own.
 */
import { DsError, DsRoutes, parseClientId, toBase64 } from "@mlskit/ds-protocol";
import type { FastifyInstance } from "fastify";
import { type DsContext, caller } from "../context.js";
import { integerField, integerQuery, optionalBytesField, parseJsonObject } from "../json-body.js";
import { checkKeyPackage } from "../key-package-check.js";
import { rawBody, suiteProvider } from "../request-auth-hook.js";
import type { DirectoryKeyPackage } from "../store/ds-store.js";
import { fromBase64 } from "@mlskit/ds-protocol";

export function keyPackageRoutes(app: FastifyInstance, ctx: DsContext): void {
  app.post(DsRoutes.keyPackages, async (request, reply) => {
    const me = caller(request);
    const body = parseJsonObject(rawBody(request));
    const list = body.keyPackages;
    if (!Array.isArray(list)) throw new DsError("request/malformed", "keyPackages must be an array");
    if (list.length > ctx.limits.maxKeyPackagesPerPublish) {
      throw new DsError("request/malformed", `at most ${ctx.limits.maxKeyPackagesPerPublish} KeyPackages per request`);
    }
    const lastResortBytes = optionalBytesField(body, "lastResort");
    if (list.length === 0 && lastResortBytes === undefined) throw new DsError("request/malformed", "nothing to publish");
    const cs = await suiteProvider(ctx, me.cipherSuite);
    // Everything is checked before anything is stored.
    const keyPackages: DirectoryKeyPackage[] = [];
    for (let i = 0; i < list.length; i++) {
      keyPackages.push(await checkKeyPackage(ctx, cs, me, fromBase64(list[i], `keyPackages[${i}]`), `keyPackages[${i}]`));
    }
    const lastResort = lastResortBytes === undefined ? undefined : await checkKeyPackage(ctx, cs, me, lastResortBytes, "lastResort");
    await ctx.store.publishKeyPackages(me.clientId, me.cipherSuite, keyPackages, lastResort);
    const count = await ctx.store.countKeyPackages(me.clientId, me.cipherSuite);
    return reply.code(200).send({ cipherSuite: me.cipherSuite, available: count.available, lastResort: count.lastResort });
  });

  app.get(DsRoutes.keyPackageCount, async (request) => {
    const me = caller(request);
    const q = request.query as Record<string, unknown>;
    const cipherSuite = integerQuery(q.cipherSuite, "cipherSuite", me.cipherSuite, 0xffff);
    const count = await ctx.store.countKeyPackages(me.clientId, cipherSuite);
    return { cipherSuite, available: count.available, lastResort: count.lastResort };
  });

  app.post(DsRoutes.claimKeyPackage, async (request) => {
    caller(request);
    const body = parseJsonObject(rawBody(request));
    const target = parseClientId(body.clientId);
    const cipherSuite = integerField(body, "cipherSuite", 0xffff);
    if ((await ctx.store.getClient(target)) === undefined) throw new DsError("key-package/unknown-client", "no client is registered with this id");
    const claimed = await ctx.store.claimKeyPackage(target, cipherSuite);
    if (claimed === undefined) throw new DsError("key-package/none-left", "the client has no KeyPackage left for this suite");
    return { keyPackage: toBase64(claimed.bytes), lastResort: claimed.lastResort };
  });
}
