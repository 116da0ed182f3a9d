/**
 * The Delivery Service end to end over HTTP and WebSocket: registration, the
 * KeyPackage directory, a group created, a member added by Commit + Welcome
 * (Welcome in the joiner's queue), application messages fanned out, acks,
 * pushes on the stream, an external join and a removal followed by the
 * observer.
 */
import { toHex } from "@mlskit/codec";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { type Harness, TestClient, b64, startDs, unb64 } from "./ds-harness.fixture.js";

describe("Delivery Service: happy path", () => {
  let h: Harness;
  beforeAll(async () => {
    h = await startDs();
  });
  afterAll(async () => h.close());

  it("registers, publishes, claims, creates a group, adds by Commit + Welcome, fans out, acks and pushes", async () => {
    const alice = await TestClient.registered(h, "alice");
    const bob = await TestClient.registered(h, "bob");
    // Registering again with the same key is idempotent.
    expect((await bob.register()).status).toBe(200);

    // KeyPackages: two plus a last-resort one.
    const pub = await bob.publish(2, true);
    expect(pub.status).toBe(200);
    expect(pub.body).toEqual({ cipherSuite: 1, available: 2, lastResort: true });
    const count = await bob.call("GET", "/v1/key-packages/count?cipherSuite=1");
    expect(count.body).toEqual({ cipherSuite: 1, available: 2, lastResort: true });
    const claimed = await alice.claim("bob");
    expect(claimed.status).toBe(200);
    expect(claimed.body.lastResort).toBe(false);
    expect((await bob.call("GET", "/v1/key-packages/count")).body.available).toBe(1);

    // Alice creates the group.
    const ga = await alice.client.createGroup();
    const gid = toHex(ga.groupId);
    const created = await alice.call("POST", "/v1/groups", { groupId: gid, groupInfo: b64(await ga.groupInfo()) });
    expect(created.status).toBe(201);
    expect(created.body).toEqual({ groupId: gid, epoch: "0" });
    expect((await h.store.getGroup(ga.groupId))?.view).toBeDefined();

    // Alice adds Bob.
    const add = await ga.addMembers([unb64(claimed.body.keyPackage)], { groupInfo: true });
    const submitted = await alice.submit(ga.groupId, {
      message: b64(add.commit),
      welcome: b64(add.welcome!),
      welcomeRecipients: ["bob"],
      groupInfo: b64(add.groupInfo!),
    });
    expect(submitted).toEqual({ status: 200, body: { epoch: "1" } });
    await ga.confirmPendingCommit();
    expect((await alice.call("GET", `/v1/groups/${gid}/members`)).body).toEqual({ epoch: "1", members: ["alice", "bob"] });
    expect((await alice.call("GET", `/v1/groups/${gid}/group-info`)).body.epoch).toBe("1");
    const history = await alice.call("GET", `/v1/groups/${gid}/messages?fromEpoch=0`);
    expect(history.body.items).toEqual([{ epoch: "0", sender: "alice", message: b64(add.commit) }]);

    // The Welcome is in Bob's queue.
    const q1 = await bob.queue();
    expect(q1.status).toBe(200);
    expect(q1.body.truncated).toBe(false);
    expect(q1.body.items).toHaveLength(1);
    const welcome = q1.body.items[0];
    expect(welcome).toMatchObject({ kind: "welcome", groupId: gid, epoch: "1", sender: "alice", message: b64(add.welcome!) });
    const gb = await bob.client.joinFromWelcome(unb64(welcome.message));
    expect(gb.epoch).toBe(1n);

    // An application message fans out to Bob (not back to Alice).
    const hello = await ga.encrypt("hello bob");
    expect((await alice.submit(ga.groupId, { message: b64(hello) })).status).toBe(200);
    const q2 = await bob.queue(welcome.seq);
    expect(q2.body.items).toHaveLength(1);
    expect(q2.body.items[0]).toMatchObject({ kind: "application", sender: "alice", epoch: "1" });
    const got = await gb.processIncoming(unb64(q2.body.items[0].message));
    expect(got.kind === "application" && new TextDecoder().decode(got.data)).toBe("hello bob");
    expect((await alice.queue()).body.items).toEqual([]);

    // Ack drops what Bob has seen.
    const lastSeq = q2.body.items[0].seq as number;
    expect((await bob.call("POST", "/v1/queue/ack", { upTo: lastSeq })).status).toBe(200);
    expect((await bob.queue()).body.items).toEqual([]);

    // The stream: backlog (empty), then a push.
    const s = await bob.stream();
    s.ws.send(JSON.stringify({ type: "subscribe", after: lastSeq }));
    await s.next(1);
    expect(s.frames[0]).toEqual({ type: "items", items: [], truncated: false });
    const m2 = await ga.encrypt("pushed");
    expect((await alice.submit(ga.groupId, { message: b64(m2) })).status).toBe(200);
    await s.next(2);
    const pushed = s.frames[1]!;
    expect(pushed.type).toBe("items");
    if (pushed.type !== "items") throw new Error("not items");
    expect(pushed.items).toHaveLength(1);
    expect(pushed.items[0]!.seq).toBeGreaterThan(lastSeq);
    const r = await gb.processIncoming(unb64(pushed.items[0]!.message));
    expect(r.kind === "application" && new TextDecoder().decode(r.data)).toBe("pushed");
    s.ws.send(JSON.stringify({ type: "ack", upTo: pushed.items[0]!.seq }));
    // The ack is applied: nothing left after a round trip.
    await new Promise((res) => setTimeout(res, 100));
    expect((await bob.queue()).body.items).toEqual([]);
    s.ws.close();

    // Carol joins by external Commit from the published GroupInfo.
    const carol = await TestClient.registered(h, "carol");
    const gi = await carol.call("GET", `/v1/groups/${gid}/group-info`);
    expect(gi.status).toBe(200);
    const ext = await carol.client.joinExternal(unb64(gi.body.groupInfo));
    expect((await carol.submit(ga.groupId, { message: b64(ext.commit) })).status).toBe(200);
    expect((await alice.call("GET", `/v1/groups/${gid}/members`)).body.members.sort()).toEqual(["alice", "bob", "carol"]);
    for (const [c, g] of [
      [alice, ga],
      [bob, gb],
    ] as const) {
      const items = (await c.queue()).body.items as { message: string; kind: string }[];
      const commit = items.at(-1)!;
      expect(commit.kind).toBe("handshake");
      const m = await g.processIncoming(unb64(commit.message));
      if (m.kind === "commit") await m.staged.merge();
    }

    // Alice removes Bob; the observer reads the Remove from the PublicMessage Commit.
    const rm = await ga.removeMembers(["bob"], { groupInfo: true });
    const rmAnswer = await alice.submit(ga.groupId, { message: b64(rm.commit), groupInfo: b64(rm.groupInfo!) });
    expect(rmAnswer).toEqual({ status: 200, body: { epoch: "3" } });
    expect((await alice.call("GET", `/v1/groups/${gid}/members`)).body.members.sort()).toEqual(["alice", "carol"]);
    // Bob learns of his removal (the Commit is queued to the members before it), then may no longer read.
    const bobItems = (await bob.queue()).body.items as { message: string }[];
    expect(bobItems.at(-1)!.message).toBe(b64(rm.commit));
    expect((await bob.call("GET", `/v1/groups/${gid}/members`)).body.error).toBe("group/not-member");
  });

  it("a Commit referencing a proposal of the epoch: the observer sees the proposal first", async () => {
    const fay = await TestClient.registered(h, "fay");
    const gus = await TestClient.registered(h, "gus");
    const hal = await TestClient.registered(h, "hal");
    await gus.publish(1);
    await hal.publish(1);
    const gf = await fay.client.createGroup();
    const gid = toHex(gf.groupId);
    expect((await fay.call("POST", "/v1/groups", { groupId: gid, groupInfo: b64(await gf.groupInfo()) })).status).toBe(201);
    const add = await gf.addMembers([unb64((await fay.claim("gus")).body.keyPackage)]);
    expect((await fay.submit(gf.groupId, { message: b64(add.commit), welcome: b64(add.welcome!), welcomeRecipients: ["gus"] })).status).toBe(200);
    await gf.confirmPendingCommit();
    const gg = await gus.client.joinFromWelcome(add.welcome!);
    // Gus proposes adding Hal; Fay commits it by reference.
    const proposal = await gg.proposeAdd(unb64((await gus.claim("hal")).body.keyPackage));
    expect((await gus.submit(gg.groupId, { message: b64(proposal.message) })).status).toBe(200);
    const queued = (await fay.queue()).body.items as { message: string }[];
    await gf.processIncoming(unb64(queued.at(-1)!.message));
    const commit = await gf.commit({ groupInfo: true });
    // Declaring a Welcome recipient the Commit does not add is refused; the right one is accepted.
    const wrong = await fay.submit(gf.groupId, { message: b64(commit.commit), welcome: b64(commit.welcome!), welcomeRecipients: ["gus"] });
    expect(wrong.body.error).toBe("group/invalid-commit");
    const ok = await fay.submit(gf.groupId, { message: b64(commit.commit), welcome: b64(commit.welcome!), welcomeRecipients: ["hal"], groupInfo: b64(commit.groupInfo!) });
    expect(ok).toEqual({ status: 200, body: { epoch: "2" } });
    expect((await fay.call("GET", `/v1/groups/${gid}/members`)).body.members.sort()).toEqual(["fay", "gus", "hal"]);
    expect((await h.store.getGroup(gf.groupId))?.view).toBeDefined();
    const gh = await hal.client.joinFromWelcome(unb64((await hal.queue()).body.items[0].message));
    expect(gh.epoch).toBe(2n);
  });

  it("follows declared membership for PrivateMessage Commits", async () => {
    const policy = { handshakeWireFormat: "private" as const };
    const dave = await TestClient.registered(h, "dave", policy);
    const erin = await TestClient.registered(h, "erin", policy);
    await erin.publish(1);
    const gd = await dave.client.createGroup();
    const gid = toHex(gd.groupId);
    expect((await dave.call("POST", "/v1/groups", { groupId: gid, groupInfo: b64(await gd.groupInfo()) })).status).toBe(201);
    const kp = (await dave.claim("erin")).body.keyPackage as string;
    const add = await gd.addMembers([unb64(kp)], { groupInfo: true });
    const ok = await dave.submit(gd.groupId, { message: b64(add.commit), welcome: b64(add.welcome!), welcomeRecipients: ["erin"], groupInfo: b64(add.groupInfo!) });
    expect(ok).toEqual({ status: 200, body: { epoch: "1" } });
    await gd.confirmPendingCommit();
    // The DS stops following the public state (it cannot read the Commit).
    expect((await h.store.getGroup(gd.groupId))?.view).toBeUndefined();
    const ge = await erin.client.joinFromWelcome(unb64((await erin.queue()).body.items[0].message));
    expect(ge.epoch).toBe(1n);
    const rm = await gd.removeMembers(["erin"]);
    expect((await dave.submit(gd.groupId, { message: b64(rm.commit), removed: ["erin"] })).status).toBe(200);
    expect((await dave.call("GET", `/v1/groups/${gid}/members`)).body.members).toEqual(["dave"]);
  });
});
