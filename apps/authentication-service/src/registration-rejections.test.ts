/**
 * Every refused registration is a typed `DsErrorBody` with its code's
 * status, and leaves nothing in the store.
 */
import { DS_ERROR_STATUS, DsError, type DsErrorCode, AsRoutes, toBase64 } from "@mlskit/ds-protocol";
import type { KeyPair, CipherSuiteProvider } from "@mlskit/core";
import type { FastifyInstance } from "fastify";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { registerWithAuthority } from "../../../packages/ds-client/src/authentication/index.js";
import { ADMIN_TOKEN, ed25519Suite, registrationBody, type RunningService, startService } from "./service.fixture.js";
import type { AsStore } from "./store.js";

let as: RunningService;
let app: FastifyInstance;
let store: AsStore;
let cs: CipherSuiteProvider;
let keys: KeyPair;

beforeAll(async () => {
  as = await startService();
  ({ app, store } = as);
  cs = await ed25519Suite();
  keys = await cs.signatureGenerateKeyPair();
});
afterAll(() => as?.close());

const bearer = { authorization: `Bearer ${ADMIN_TOKEN}` };

async function post(payload: unknown, headers: Record<string, string> = bearer, raw = false) {
  return app.inject({
    method: "POST",
    url: AsRoutes.register,
    headers: { "content-type": "application/json", ...headers },
    payload: raw ? (payload as string) : JSON.stringify(payload),
  });
}

/** Checks the answer is `code` with its status, a DsErrorBody and nothing more, and that nothing was stored. */
async function expectRefused(answer: Awaited<ReturnType<typeof post>>, code: DsErrorCode, issuedBefore = 0): Promise<void> {
  expect(answer.statusCode, answer.body).toBe(DS_ERROR_STATUS[code]);
  expect(answer.headers["content-type"]).toMatch(/^application\/json/);
  const body = answer.json() as Record<string, unknown>;
  expect(body.error).toBe(code);
  expect(typeof body.message).toBe("string");
  expect(Object.keys(body).sort()).toEqual(["error", "message"]);
  expect(answer.body).not.toMatch(/\bat .*\.(ts|js):\d+/); // no stack trace
  expect(store.listIssued()).toHaveLength(issuedBefore);
}

describe("registration refusals", () => {
  it("no Authorization → auth/missing (before the body is looked at)", async () => {
    await expectRefused(await post(await registrationBody(cs, keys, "alice"), {}), "auth/missing");
    await expectRefused(await post({ nonsense: true }, {}), "auth/missing");
    await expectRefused(await post("{not json", {}, true), "auth/missing");
    await expectRefused(await post({ padding: "x".repeat(32 * 1024) }, {}), "auth/missing");
  });

  it("a wrong token → auth/forbidden; another scheme → auth/malformed", async () => {
    await expectRefused(await post(await registrationBody(cs, keys, "alice"), { authorization: "Bearer not-the-token" }), "auth/forbidden");
    await expectRefused(await post(await registrationBody(cs, keys, "alice"), { authorization: `Basic ${ADMIN_TOKEN}` }), "auth/malformed");
  });

  it("a proof that does not verify → client/bad-credential", async () => {
    const body = await registrationBody(cs, keys, "alice");
    // Signed for another client id.
    const other = await registrationBody(cs, keys, "mallory");
    await expectRefused(await post({ ...body, proof: other.proof }), "client/bad-credential");
    // Signed by another key.
    const stranger = await registrationBody(cs, await cs.signatureGenerateKeyPair(), "alice");
    await expectRefused(await post({ ...body, proof: stranger.proof }), "client/bad-credential");
    // Garbage.
    await expectRefused(await post({ ...body, proof: toBase64(new Uint8Array(64)) }), "client/bad-credential");
  });

  it("an invalid key or an unknown scheme → client/bad-credential", async () => {
    const body = await registrationBody(cs, keys, "alice");
    await expectRefused(await post({ ...body, signaturePublicKey: toBase64(new Uint8Array(31)) }), "client/bad-credential");
    await expectRefused(await post({ ...body, signatureScheme: 0x0401 }), "client/bad-credential");
    // An Ed25519 key presented as an ECDSA P-256 one.
    await expectRefused(await post({ ...body, signatureScheme: 0x0403 }), "client/bad-credential");
  });

  it("a bad client id → client/bad-id", async () => {
    for (const clientId of ["", "alice/laptop", "a b", "x".repeat(129), "é"]) {
      const body = await registrationBody(cs, keys, clientId);
      await expectRefused(await post(body), "client/bad-id");
    }
  });

  it("a malformed body → request/malformed", async () => {
    const body = await registrationBody(cs, keys, "alice");
    await expectRefused(await post("{not json", bearer, true), "request/malformed");
    await expectRefused(await post([body]), "request/malformed");
    await expectRefused(await post({ ...body, proof: undefined }), "request/malformed");
    await expectRefused(await post({ ...body, signatureScheme: "2055" }), "request/malformed");
    await expectRefused(await post({ ...body, extra: 1 }), "request/malformed");
    await expectRefused(await post({ ...body, proof: "not base64!" }), "request/malformed");
    await expectRefused(await post({ ...body, signaturePublicKey: "QUJD" + "=" }), "request/malformed");
    const asText = await app.inject({ method: "POST", url: AsRoutes.register, headers: { ...bearer, "content-type": "text/plain" }, payload: "hi" });
    await expectRefused(asText, "request/malformed");
  });

  it("a body over the limit → request/too-large", async () => {
    const body = await registrationBody(cs, keys, "alice");
    await expectRefused(await post({ ...body, padding: "x".repeat(32 * 1024) }), "request/too-large");
  });

  it("an unknown route → request/not-found", async () => {
    await expectRefused(await app.inject({ method: "GET", url: "/as/v1/nothing" }), "request/not-found");
    await expectRefused(await app.inject({ method: "GET", url: AsRoutes.register }), "request/not-found");
  });

  it("re-registering a client id with another key → client/already-registered; the same key is renewed", async () => {
    const first = await post(await registrationBody(cs, keys, "alice"));
    expect(first.statusCode, first.body).toBe(200);
    expect(store.listIssued()).toHaveLength(1);

    const otherKeys = await cs.signatureGenerateKeyPair();
    await expectRefused(await post(await registrationBody(cs, otherKeys, "alice")), "client/already-registered", 1);
    // Through the client library: the same code, as a DsError.
    const refused = await registerWithAuthority({ asUrl: as.url, clientId: "alice", registrationToken: ADMIN_TOKEN, signatureKeyPair: otherKeys }).catch((e: unknown) => e);
    expect(refused).toBeInstanceOf(DsError);
    expect((refused as DsError).code).toBe("client/already-registered");
    const forbidden = await registerWithAuthority({ asUrl: as.url, clientId: "zoe", registrationToken: "wrong" }).catch((e: unknown) => e);
    expect((forbidden as DsError).code).toBe("auth/forbidden");
    expect(store.listIssued()).toHaveLength(1);

    const renewed = await post(await registrationBody(cs, keys, "alice"));
    expect(renewed.statusCode).toBe(200);
    const issued = store.listIssued();
    expect(issued).toHaveLength(2);
    expect(issued[0]!.serial).not.toBe(issued[1]!.serial);
  });
});

describe("a pluggable registration check", () => {
  it("false → auth/forbidden; a thrown DsError is answered as is", async () => {
    const { createAuthenticationService } = await import("./service.js");
    const { memoryAsStore } = await import("./sqlite-store.js");
    const own = memoryAsStore();
    const seen: string[] = [];
    const service = await createAuthenticationService({
      store: own,
      registration: (request) => {
        const code = request.headers["x-invitation"];
        if (code === undefined) throw new DsError("auth/missing", "an invitation code is needed");
        seen.push(String(code));
        return code === "welcome";
      },
    });
    const body = JSON.stringify(await registrationBody(cs, keys, "invited"));
    const send = (headers: Record<string, string>) =>
      service.inject({ method: "POST", url: AsRoutes.register, headers: { "content-type": "application/json", ...headers }, payload: body });
    expect((await send({})).json()).toMatchObject({ error: "auth/missing" });
    expect((await send({ "x-invitation": "nope" })).statusCode).toBe(403);
    expect((await send({ "x-invitation": "welcome" })).statusCode).toBe(200);
    expect(seen).toEqual(["nope", "welcome"]);
    expect(own.listIssued().map((i) => i.clientId)).toEqual(["invited"]);
    await service.close();
    own.close();
  });
});
