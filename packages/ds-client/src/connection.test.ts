import { describe, expect, it } from "vitest";
import { BasicIdentityProvider, Client, acceptAll } from "@mlskit/mls";
import { DsError, parseAuthorization, toBase64, verifyRequest } from "@mlskit/ds-protocol";
import { utf8 } from "@mlskit/codec";
import { DsConnection, type FetchFunction } from "./index.js";

const identityProvider = new BasicIdentityProvider({ policy: acceptAll });

interface Seen {
  readonly method: string;
  readonly url: string;
  readonly headers: Record<string, string>;
  readonly body: string | undefined;
}

/** A fetch answering from a script: a Response, or an Error to throw (a network failure). */
function scripted(answers: (Response | Error)[]): { fetch: FetchFunction; seen: Seen[] } {
  const seen: Seen[] = [];
  const fetch: FetchFunction = async (input, init) => {
    seen.push({ method: init?.method ?? "GET", url: input, headers: init?.headers as Record<string, string>, body: init?.body as string | undefined });
    const next = answers.shift();
    if (next === undefined) throw new Error("no scripted answer left");
    if (next instanceof Error) throw next;
    return next;
  };
  return { fetch, seen };
}

const json = (status: number, body: unknown): Response => new Response(JSON.stringify(body), { status, headers: { "content-type": "application/json" } });

async function connection(answers: (Response | Error)[], serverUrl = "http://ds.test/base/") {
  const client = await Client.create({ identity: "alice", identityProvider });
  const s = scripted(answers);
  const conn = await DsConnection.forClient(client, { serverUrl, fetch: s.fetch, retry: { attempts: 3, baseDelayMs: 1, maxDelayMs: 2 } });
  return { client, conn, seen: s.seen };
}

describe("DsConnection", () => {
  it("signs each request over method, path with the base's prefix, and body; the signature verifies with the client's key", async () => {
    const { client, conn, seen } = await connection([json(200, {}), json(200, { cipherSuite: 1, available: 3, lastResort: true })]);
    expect(conn.clientId).toBe("alice");
    await conn.registerClient(client);
    expect(await conn.keyPackageCount(1)).toEqual({ available: 3, lastResort: true });
    expect(seen.map((s) => `${s.method} ${s.url}`)).toEqual(["POST http://ds.test/base/v1/clients", "GET http://ds.test/base/v1/key-packages/count?cipherSuite=1"]);
    const cs = await client.crypto.cipherSuite(client.cipherSuite);
    for (const s of seen) {
      const auth = parseAuthorization(s.headers.authorization);
      expect(auth.clientId).toBe("alice");
      const path = s.url.slice("http://ds.test".length);
      await verifyRequest(cs, client.signaturePublicKey, auth, { method: s.method, path, body: s.body === undefined ? new Uint8Array(0) : utf8(s.body) });
    }
    expect(JSON.parse(seen[0]!.body!)).toMatchObject({ clientId: "alice", cipherSuite: 1, signaturePublicKey: toBase64(client.signaturePublicKey) });
    // Fresh nonce per request.
    expect(new Set(seen.map((s) => parseAuthorization(s.headers.authorization).nonce)).size).toBe(2);
  });

  it("turns error answers into DsErrors with their code and current epoch", async () => {
    const { conn } = await connection([json(409, { error: "group/stale-epoch", message: "stale", currentEpoch: "7" }), json(418, "teapot")]);
    const e = await conn.submitMessage("00ff", { message: new Uint8Array([1]) }, false).catch((x: unknown) => x);
    expect(e).toBeInstanceOf(DsError);
    expect(e).toMatchObject({ code: "group/stale-epoch", currentEpoch: 7n });
    await expect(conn.claimKeyPackage("bob", 1)).rejects.toMatchObject({ code: "internal/failed" });
  });

  it("retries idempotent calls after network failures and 5xx answers, but not a claim or a Commit", async () => {
    const r = await connection([new TypeError("reset"), json(503, { error: "internal/failed", message: "busy" }), json(200, { items: [], truncated: false })]);
    expect(await r.conn.queue(0)).toEqual({ items: [], truncated: false });
    expect(r.seen).toHaveLength(3);

    const once = await connection([new TypeError("reset"), json(200, { keyPackage: "AA==", lastResort: false })]);
    await expect(once.conn.claimKeyPackage("bob", 1)).rejects.toMatchObject({ code: "ds-client/network" });
    expect(once.seen).toHaveLength(1);
    const commit = await connection([new TypeError("reset")]);
    await expect(commit.conn.submitMessage("00", { message: new Uint8Array([1]) }, false)).rejects.toMatchObject({ code: "ds-client/network" });
    expect(commit.seen).toHaveLength(1);

    const down = await connection([new TypeError("a"), new TypeError("b"), new TypeError("c")]);
    await expect(down.conn.ack(4)).rejects.toMatchObject({ code: "ds-client/network" });
    expect(down.seen).toHaveLength(3);
  });

  it("takes a retried group creation that finds its group as done", async () => {
    const { conn, seen } = await connection([new TypeError("lost answer"), json(409, { error: "group/exists", message: "exists" })]);
    await conn.createGroup("abcd", new Uint8Array([1, 2]));
    expect(seen).toHaveLength(2);
    const first = await connection([json(409, { error: "group/exists", message: "exists" })]);
    await expect(first.conn.createGroup("abcd", new Uint8Array([1, 2]))).rejects.toMatchObject({ code: "group/exists" });
  });

  it("checks answers before use: malformed ones are ds-client/bad-answer", async () => {
    const item = { seq: 1, kind: "application", groupId: "00ff", epoch: "3", sender: "bob", message: "AQID" };
    const cases: [unknown, (c: DsConnection) => Promise<unknown>][] = [
      [{ items: [{ ...item, seq: -1 }], truncated: false }, (c) => c.queue(0)],
      [{ items: [{ ...item, kind: "other" }], truncated: false }, (c) => c.queue(0)],
      [{ items: [{ ...item, groupId: "00FF" }], truncated: false }, (c) => c.queue(0)],
      [{ items: [{ ...item, epoch: "-1" }], truncated: false }, (c) => c.queue(0)],
      [{ items: [{ ...item, epoch: "18446744073709551616" }], truncated: false }, (c) => c.queue(0)],
      [{ items: [{ ...item, sender: "bad id!" }], truncated: false }, (c) => c.queue(0)],
      [{ items: [{ ...item, message: "not base64!" }], truncated: false }, (c) => c.queue(0)],
      [{ items: [item, item], truncated: false }, (c) => c.queue(0)],
      [{ items: "nope" }, (c) => c.queue(0)],
      [{ epoch: 3 }, (c) => c.submitMessage("00", { message: new Uint8Array([1]) }, true)],
      [{ keyPackage: 5 }, (c) => c.claimKeyPackage("bob", 1)],
      [{ cipherSuite: 1, available: "3", lastResort: false }, (c) => c.keyPackageCount(1)],
      [{ epoch: "1", members: ["ok", "not ok"] }, (c) => c.groupMembers("00")],
      [{ items: [{ epoch: "1", sender: "bob" }] }, (c) => c.handshakes("00", 0n)],
      [[1, 2], (c) => c.groupInfo("00")],
    ];
    for (const [body, call] of cases) {
      const { conn } = await connection([json(200, body)]);
      await expect(call(conn), JSON.stringify(body)).rejects.toMatchObject({ code: "ds-client/bad-answer" });
    }
    const { conn } = await connection([new Response("<html>", { status: 200 })]);
    await expect(conn.queue(0)).rejects.toMatchObject({ code: "ds-client/bad-answer" });
    const ok = await connection([json(200, { items: [item], truncated: true })]);
    const batch = await ok.conn.queue(0);
    expect(batch.truncated).toBe(true);
    expect(batch.items[0]).toMatchObject({ seq: 1, kind: "application", groupIdHex: "00ff", epoch: 3n, sender: "bob", message: new Uint8Array([1, 2, 3]) });
  });

  it("signs the stream URL over GET <prefix>/v1/stream, as ws: or wss:", async () => {
    const { client, conn } = await connection([], "https://ds.test/base");
    const url = new URL(await conn.streamUrl());
    expect(`${url.protocol}//${url.host}${url.pathname}`).toBe("wss://ds.test/base/v1/stream");
    const auth = parseAuthorization(url.searchParams.get("auth") ?? undefined);
    const cs = await client.crypto.cipherSuite(client.cipherSuite);
    await verifyRequest(cs, client.signaturePublicKey, auth, { method: "GET", path: "/base/v1/stream", body: new Uint8Array(0) });
  });
});
