/**
 * Bad input: each request gets the right typed 4xx (DsErrorBody with the
 * status of DS_ERROR_STATUS) and leaves the store as it was.
 */
import { toHex } from "@mlskit/codec";
import { DS_ERROR_STATUS, type DsErrorCode } from "@mlskit/ds-protocol";
import type { Group } from "@mlskit/mls";
import WebSocket from "ws";
import { afterAll, beforeAll, beforeEach, describe, expect, it } from "vitest";
import { type Answer, type Harness, TestClient, b64, startDs, unb64 } from "./ds-harness.fixture.js";

function expectError(a: Answer, code: DsErrorCode): void {
  expect(a.body?.error, JSON.stringify(a.body)).toBe(code);
  expect(a.status).toBe(DS_ERROR_STATUS[code]);
  expect(typeof a.body.message).toBe("string");
  expect(JSON.stringify(a.body)).not.toMatch(/ at .*\.ts:\d+/);
}

describe("Delivery Service: bad input", () => {
  let h: Harness;
  let alice: TestClient;
  let bob: TestClient;
  let carol: TestClient;
  let ga: Group;
  let gb: Group;
  let gid: string;
  /** A Commit of epoch 0 (the group is in epoch 1): stale. */
  let staleCommit: Uint8Array;

  const snapshot = async () => {
    const group = await h.store.getGroup(ga.groupId);
    const queues: Record<string, unknown> = {};
    const kps: Record<string, unknown> = {};
    for (const c of ["alice", "bob", "carol"]) {
      queues[c] = (await h.store.fetchQueue(c, 0, 500)).items.map((i) => i.seq);
      kps[c] = await h.store.countKeyPackages(c, 1);
    }
    return {
      epoch: group?.epoch,
      members: group?.members,
      groupInfo: group?.groupInfo && toHex(group.groupInfo),
      history: (await h.store.handshakesSince(ga.groupId, 0n, 500)).length,
      queues,
      kps,
      mallory: await h.store.getClient("mallory"),
    };
  };
  let before: Awaited<ReturnType<typeof snapshot>>;

  beforeAll(async () => {
    h = await startDs({ limits: { bodyLimit: 64 * 1024 } });
    alice = await TestClient.registered(h, "alice");
    bob = await TestClient.registered(h, "bob");
    carol = await TestClient.registered(h, "carol");
    await bob.publish(1);
    ga = await alice.client.createGroup();
    gid = toHex(ga.groupId);
    expect((await alice.call("POST", "/v1/groups", { groupId: gid, groupInfo: b64(await ga.groupInfo()) })).status).toBe(201);
    const kp = unb64((await alice.claim("bob")).body.keyPackage);
    const add = await ga.addMembers([kp], { groupInfo: true });
    staleCommit = add.commit;
    const ok = await alice.submit(ga.groupId, { message: b64(add.commit), welcome: b64(add.welcome!), welcomeRecipients: ["bob"], groupInfo: b64(add.groupInfo!) });
    expect(ok.status).toBe(200);
    await ga.confirmPendingCommit();
    gb = await bob.client.joinFromWelcome(add.welcome!);
  });
  afterAll(async () => h.close());
  beforeEach(async () => {
    before = await snapshot();
  });
  const unchanged = async () => expect(await snapshot()).toEqual(before);

  it("malformed JSON", async () => {
    const bytes = new TextEncoder().encode('{"message": ');
    expectError(await alice.submit(ga.groupId, {}, { rawBody: bytes }), "request/malformed");
    expectError(await alice.call("POST", "/v1/key-packages", undefined, { rawBody: new TextEncoder().encode("[1,2]") }), "request/malformed");
    expectError(await alice.submit(ga.groupId, { message: "not base64!" }), "request/malformed");
    await unchanged();
  });

  it("missing, garbled and unknown authorization", async () => {
    const msg = b64(await ga.encrypt("x"));
    expectError(await alice.submit(ga.groupId, { message: msg }, { authorization: null }), "auth/missing");
    expectError(await alice.submit(ga.groupId, { message: msg }, { authorization: "Bearer abc" }), "auth/malformed");
    expectError(await alice.submit(ga.groupId, { message: msg }, { authorization: "MLS-Signature client=alice;ts=1;nonce=zz;sig=AA==" }), "auth/malformed");
    const mallory = await TestClient.create(h, "mallory");
    expectError(await mallory.call("GET", "/v1/queue"), "auth/unknown-client");
    await unchanged();
  });

  it("wrong signature: another key, or a body other than the one signed", async () => {
    const msg = b64(await ga.encrypt("x"));
    const other = await TestClient.create(h, "alice"); // same id, another key
    expectError(await other.submit(ga.groupId, { message: msg }), "auth/bad-signature");
    const signed = new TextEncoder().encode(JSON.stringify({ message: b64(await ga.encrypt("y")) }));
    expectError(await alice.submit(ga.groupId, { message: msg }, { signedBody: signed }), "auth/bad-signature");
    // The path and query are signed too.
    const auth = await alice.authorization("GET", "/v1/queue?after=0", new Uint8Array(0));
    expectError(await alice.call("GET", "/v1/queue?after=1", undefined, { authorization: auth }), "auth/bad-signature");
    await unchanged();
  });

  it("stale timestamp", async () => {
    const msg = b64(await ga.encrypt("x"));
    expectError(await alice.submit(ga.groupId, { message: msg }, { now: Date.now() - 10 * 60_000 }), "auth/stale");
    expectError(await alice.submit(ga.groupId, { message: msg }, { now: Date.now() + 10 * 60_000 }), "auth/stale");
    await unchanged();
  });

  it("replayed request: accepted once", async () => {
    const body = { message: b64(await ga.encrypt("once")) };
    const bytes = new TextEncoder().encode(JSON.stringify(body));
    const auth = await alice.authorization("POST", `/v1/groups/${gid}/messages`, bytes);
    expect((await alice.submit(ga.groupId, body, { authorization: auth })).status).toBe(200);
    const after = await snapshot();
    expectError(await alice.submit(ga.groupId, body, { authorization: auth }), "auth/replayed");
    expect(await snapshot()).toEqual(after);
  });

  it("unknown group, unknown route", async () => {
    const other = new Uint8Array(16).fill(7);
    expectError(await alice.submit(other, { message: b64(await ga.encrypt("x")) }), "group/unknown");
    expectError(await alice.call("GET", `/v1/groups/${toHex(other)}/members`), "group/unknown");
    expectError(await alice.call("GET", `/v1/groups/${toHex(other)}/group-info`), "group/unknown");
    expectError(await alice.call("GET", "/v1/groups/NOT-HEX/members"), "request/malformed");
    expectError(await alice.call("GET", "/v1/nothing"), "request/not-found");
    expectError(await alice.call("GET", "/v1/nothing", undefined, { authorization: null }), "request/not-found");
    await unchanged();
  });

  it("a non-member neither posts nor reads members and history", async () => {
    expectError(await carol.submit(ga.groupId, { message: b64(await ga.encrypt("x")) }), "group/not-member");
    expectError(await carol.call("GET", `/v1/groups/${gid}/members`), "group/not-member");
    expectError(await carol.call("GET", `/v1/groups/${gid}/messages?fromEpoch=0`), "group/not-member");
    // GroupInfo is readable by any registered client (external joins).
    expect((await carol.call("GET", `/v1/groups/${gid}/group-info`)).status).toBe(200);
    await unchanged();
  });

  it("oversized body", async () => {
    const big = { message: b64(new Uint8Array(100 * 1024)) };
    expectError(await alice.submit(ga.groupId, big), "request/too-large");
    await unchanged();
  });

  it("stale and future Commits: 409 with currentEpoch", async () => {
    const stale = await alice.submit(ga.groupId, { message: b64(staleCommit) });
    expectError(stale, "group/stale-epoch");
    expect(stale.body.currentEpoch).toBe("1");
    await unchanged();
  });

  it("wrong group id in the path, and not a group message", async () => {
    const g2 = await alice.client.createGroup();
    expect((await alice.call("POST", "/v1/groups", { groupId: toHex(g2.groupId), groupInfo: b64(await g2.groupInfo()) })).status).toBe(201);
    before = await snapshot();
    expectError(await alice.submit(g2.groupId, { message: b64(await ga.encrypt("x")) }), "group/wrong-group");
    expectError(await alice.submit(ga.groupId, { message: b64((await alice.client.createKeyPackage()).keyPackage) }), "group/not-a-group-message");
    expectError(await alice.submit(ga.groupId, { message: b64(new Uint8Array([0, 1, 0, 1, 9])) }), "group/malformed-message");
    // A group id taken.
    expectError(await alice.call("POST", "/v1/groups", { groupId: gid, groupInfo: b64(await ga.groupInfo()) }), "group/exists");
    // A GroupInfo of another group.
    expectError(await alice.call("POST", "/v1/groups", { groupId: "abcd", groupInfo: b64(await ga.groupInfo()) }), "group/invalid-group-info");
    await unchanged();
  });

  it("a Commit the observer refutes, or with a GroupInfo of another epoch", async () => {
    // Welcome recipients the Commit does not add.
    const upd = await ga.update({ groupInfo: true });
    expectError(await alice.submit(ga.groupId, { message: b64(upd.commit), welcome: b64(upd.commit), welcomeRecipients: ["carol"] }), "group/invalid-commit");
    // The GroupInfo of the current epoch, not the next.
    expectError(await alice.submit(ga.groupId, { message: b64(upd.commit), groupInfo: b64(await gb.groupInfo()) }), "group/invalid-group-info");
    // Bob submitting Alice's Commit: the committer is not the caller.
    expectError(await bob.submit(ga.groupId, { message: b64(upd.commit) }), "group/invalid-commit");
    // A tampered Commit: its signature broken (the end is confirmation_tag<V> and membership_tag<V>,
    // 33 bytes each for suite 1, which an observer cannot check; before them the signature).
    const tampered = upd.commit.slice();
    tampered[tampered.length - 66 - 10]! ^= 1;
    expectError(await alice.submit(ga.groupId, { message: b64(tampered) }), "group/invalid-commit");
    await ga.discardPendingCommit();
    await unchanged();
  });

  it("KeyPackages: of someone else, malformed, claimed twice", async () => {
    const bobs = b64((await bob.client.createKeyPackage()).keyPackage);
    expectError(await alice.call("POST", "/v1/key-packages", { keyPackages: [bobs] }), "key-package/invalid");
    // One bad among good ones stores none of them.
    const good = b64((await alice.client.createKeyPackage()).keyPackage);
    expectError(await alice.call("POST", "/v1/key-packages", { keyPackages: [good, b64(new Uint8Array([1, 2, 3]))] }), "key-package/malformed");
    expectError(await alice.call("POST", "/v1/key-packages", { keyPackages: [good], lastResort: bobs }), "key-package/invalid");
    expectError(await alice.claim("nobody"), "key-package/unknown-client");
    await unchanged();

    expect((await carol.publish(1)).status).toBe(200);
    expect((await alice.claim("carol")).body.lastResort).toBe(false);
    expectError(await alice.claim("carol"), "key-package/none-left");
    expect((await carol.publish(0, true)).status).toBe(200);
    const lr1 = await alice.claim("carol");
    const lr2 = await bob.claim("carol");
    expect(lr1.body.lastResort).toBe(true);
    expect(lr2.body).toEqual(lr1.body);
  });

  it("registration: a credential for another id, another key for a taken id", async () => {
    const mallory = await TestClient.create(h, "mallory");
    const body = { ...mallory.registrationBody(), clientId: "mallory" };
    const eve = await TestClient.create(h, "eve");
    // Eve's credential presented for the id "mallory", signed by mallory's key.
    expectError(await mallory.call("POST", "/v1/clients", { ...body, credential: eve.registrationBody().credential }), "client/bad-credential");
    // Signed by a key other than the one presented.
    expectError(await mallory.call("POST", "/v1/clients", { ...body, signaturePublicKey: eve.registrationBody().signaturePublicKey }), "auth/bad-signature");
    expectError(await mallory.call("POST", "/v1/clients", { ...body, clientId: "bad id!" }), "client/bad-id");
    await unchanged();
    const alice2 = await TestClient.create(h, "alice");
    expectError(await alice2.register(), "client/already-registered");
    expect((await h.store.getClient("alice"))?.signaturePublicKey).toEqual(alice.client.signaturePublicKey);
  });

  it("queue: bad cursors and limits", async () => {
    expectError(await bob.call("GET", "/v1/queue?after=-1"), "queue/bad-cursor");
    expectError(await bob.call("GET", "/v1/queue?limit=501"), "queue/bad-cursor");
    expectError(await bob.call("POST", "/v1/queue/ack", { upTo: "x" }), "queue/bad-cursor");
    await unchanged();
  });

  it("the stream refuses a bad signature at the upgrade", async () => {
    const status = await new Promise<number>((resolve, reject) => {
      const ws = new WebSocket(`${h.url.replace(/^http/, "ws")}/v1/stream?auth=garbage`);
      ws.on("unexpected-response", (_req, res) => resolve(res.statusCode ?? 0));
      ws.on("open", () => reject(new Error("opened")));
      ws.on("error", () => {});
    });
    expect(status).toBe(401);
    // A malformed first frame closes the stream with a typed error.
    const s = await bob.stream();
    s.ws.send("not json");
    await s.next(1);
    expect(s.frames[0]).toMatchObject({ type: "error", error: "request/malformed" });
  });
});
