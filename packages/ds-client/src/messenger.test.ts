import { afterAll, beforeAll, describe, expect, it } from "vitest";
import WebSocket from "ws";
import type { FetchFunction, WebSocketConstructor } from "./index.js";
import { Person, type Server, hexToBytes, sqliteFile, startServer, until } from "./ds-server.fixture.js";

let server: Server;
const people: Person[] = [];

beforeAll(async () => {
  server = await startServer();
});
afterAll(async () => {
  for (const p of people) await p.messenger.close();
  await server.close();
});

async function open(id: string, options: Parameters<typeof Person.open>[2] = {}): Promise<Person> {
  const p = await Person.open(server, id, options);
  people.push(p);
  return p;
}

describe("Messenger against the Delivery Service", () => {
  it("three clients: create, invite, chat; members and epochs agree", async () => {
    const [alice, bob, carol] = await Promise.all(["alice", "bob", "carol"].map((id) => open(id)));
    const room = await alice!.messenger.createRoom();
    expect(await alice!.messenger.rooms()).toEqual([room]);

    const invited = await alice!.messenger.invite(room, ["bob", "carol"]);
    expect(invited).toEqual({ added: ["bob", "carol"], alreadyMembers: [], failed: [] });
    await until("bob and carol join", () => bob!.events.joined.length === 1 && carol!.events.joined.length === 1);
    expect(bob!.events.joined[0]).toMatchObject({ groupId: room, by: "alice", epoch: 1n });
    expect(alice!.events["members-changed"]).toEqual([{ groupId: room, added: ["bob", "carol"], removed: [], epoch: 1n }]);

    await alice!.messenger.send(room, "hello");
    await bob!.messenger.send(room, "hi alice");
    await until("messages arrive", () => carol!.texts(room).length === 2 && alice!.texts(room).length === 1);
    expect(carol!.texts(room)).toEqual(["hello", "hi alice"]);
    expect(carol!.events.message.map((m) => m.sender)).toEqual(["alice", "bob"]);
    expect(alice!.texts(room)).toEqual(["hi alice"]);
    expect(bob!.texts(room)).toEqual(["hello"]);

    for (const p of [alice!, bob!, carol!]) expect(await p.messenger.members(room)).toEqual(["alice", "bob", "carol"]);
    const epochs = await Promise.all([alice!, bob!, carol!].map((p) => p.epochOf(room)));
    expect(new Set(epochs.map((e) => e.authenticator)).size).toBe(1);
    expect(epochs[0]!.epoch).toBe(1n);
    for (const p of [alice!, bob!, carol!]) expect(p.events.error).toEqual([]);
  });

  it("invites a client with no KeyPackage left as failed, a member as already there", async () => {
    const alice = await open("alice2");
    const room = await alice.messenger.createRoom();
    const r = await alice.messenger.invite(room, ["alice2", "nobody"]);
    expect(r.added).toEqual([]);
    expect(r.alreadyMembers).toEqual(["alice2"]);
    expect(r.failed.map((f) => f.clientId)).toEqual(["nobody"]);
    expect((await alice.epochOf(room)).epoch).toBe(0n);
  });

  it("concurrent invites from two members: one wins, the other catches up and retries; all end in one epoch", async () => {
    // Driven by sync() only, so both commit in the same epoch.
    const refusals: string[] = [];
    const recording: FetchFunction = async (input, init) => {
      const res = await fetch(input, init);
      if (res.status === 409) refusals.push(((await res.clone().json()) as { error: string }).error);
      return res;
    };
    const opts = { push: false, fetch: recording } as const;
    const [alice, bob, dave, erin] = await Promise.all(["c-alice", "c-bob", "c-dave", "c-erin"].map((id) => open(id, opts)));
    const room = await alice!.messenger.createRoom();
    await alice!.messenger.invite(room, ["c-bob"]);
    await bob!.messenger.sync();
    expect(bob!.events.joined).toHaveLength(1);

    const [a, b] = await Promise.all([alice!.messenger.invite(room, ["c-dave"]), bob!.messenger.invite(room, ["c-erin", "c-dave"])]);
    // Whoever lost saw c-dave already added by the winner (or added it itself if it won).
    const all = [a, b];
    expect(all.flatMap((r) => r.added).sort()).toEqual(["c-dave", "c-erin"]);
    expect(all.flatMap((r) => r.alreadyMembers)).toEqual(b.added.includes("c-dave") ? [] : ["c-dave"]);

    expect(refusals).toEqual(["group/stale-epoch"]);

    // The winner has not seen the loser's retried Commit: its message, made in a stale epoch, is made again and resent.
    const behind = (await alice!.epochOf(room)).epoch === 2n ? alice! : bob!;
    expect((await behind.epochOf(room)).epoch).toBe(2n);
    await behind.messenger.send(room, "after the race");
    expect(refusals).toEqual(["group/stale-epoch", "group/stale-epoch"]);
    for (const p of [alice!, bob!, dave!, erin!]) await p.messenger.sync();
    for (const p of [alice!, bob!, dave!, erin!].filter((p) => p !== behind)) expect(p.texts(room)).toEqual(["after the race"]);

    const states = await Promise.all([alice!, bob!, dave!, erin!].map((p) => p.epochOf(room)));
    expect(new Set(states.map((s) => s.epoch))).toEqual(new Set([3n]));
    expect(new Set(states.map((s) => s.authenticator)).size).toBe(1);
    for (const p of [alice!, bob!, dave!, erin!]) expect(await p.messenger.members(room)).toEqual(["c-alice", "c-bob", "c-dave", "c-erin"]);
    for (const p of [alice!, bob!, dave!, erin!]) expect(p.events.error).toEqual([]);
  });

  it("an invite made stale by a Commit adding the same client reports it as already a member", async () => {
    const opts = { push: false } as const;
    const [alice, bob] = await Promise.all(["s-alice", "s-bob", "s-carol"].map((id) => open(id, opts)));
    const room = await alice!.messenger.createRoom();
    await alice!.messenger.invite(room, ["s-bob"]);
    await bob!.messenger.sync();
    await alice!.messenger.invite(room, ["s-carol"]);
    // bob has not seen alice's Commit: his is refused for a stale epoch, he catches up, and there is nothing left to do.
    expect(await bob!.messenger.invite(room, ["s-carol"])).toEqual({ added: [], alreadyMembers: ["s-carol"], failed: [] });
    expect(bob!.events["members-changed"]).toEqual([{ groupId: room, added: ["s-carol"], removed: [], epoch: 2n }]);
    expect((await bob!.epochOf(room)).epoch).toBe(2n);
  });

  it("a removed member gets `removed` and no more messages; a member who leaves is removed by another's Commit", async () => {
    const [alice, bob, carol] = await Promise.all(["r-alice", "r-bob", "r-carol"].map((id) => open(id)));
    const room = await alice!.messenger.createRoom();
    await alice!.messenger.invite(room, ["r-bob", "r-carol"]);
    await until("joins", () => bob!.events.joined.length === 1 && carol!.events.joined.length === 1);

    expect(await alice!.messenger.remove(room, ["r-carol", "r-nobody"])).toEqual({ removed: ["r-carol"], notMembers: ["r-nobody"] });
    await until("carol removed", () => carol!.events.removed.length === 1);
    expect(carol!.events.removed[0]).toEqual({ groupId: room, epoch: 2n });
    expect(await carol!.messenger.rooms()).toEqual([]);
    await expect(carol!.messenger.send(room, "still here?")).rejects.toMatchObject({ code: "ds-client/unknown-room" });

    await alice!.messenger.send(room, "carol is gone");
    await until("bob reads it", () => bob!.texts(room).length === 1);
    await carol!.messenger.sync();
    expect(carol!.texts(room)).toEqual([]);
    await until("bob sees carol leave", () => bob!.events["members-changed"].length === 1);
    expect(bob!.events["members-changed"][0]).toEqual({ groupId: room, added: [], removed: ["r-carol"], epoch: 2n });

    // bob leaves: his Remove proposal is committed by alice (the member left to commit it).
    await bob!.messenger.leave(room);
    await until("bob removed", () => bob!.events.removed.length === 1);
    await until("alice sees bob leave", () => alice!.events["members-changed"].some((e) => e.removed.includes("r-bob")));
    expect(await alice!.messenger.members(room)).toEqual(["r-alice"]);
    expect(await bob!.messenger.rooms()).toEqual([]);
    for (const p of [alice!, bob!, carol!]) expect(p.events.error).toEqual([]);
  });

  it("resumes after a restart from SQLite: nothing lost, nothing doubled, also when acknowledgements were lost", async () => {
    const alice = await open("p-alice");
    const storage = sqliteFile(server, "p-bob");
    // bob's acknowledgements never arrive: after his "crash" the DS hands every item back.
    const dropAcks: FetchFunction = async (input, init) => {
      if (input.endsWith("/v1/queue/ack")) throw new TypeError("network down");
      return fetch(input, init);
    };
    let bob = await Person.open(server, "p-bob", { push: false, storage, fetch: dropAcks, maxAttempts: 5 });
    const room = await alice.messenger.createRoom();
    await alice.messenger.invite(room, ["p-bob"]);
    await alice.messenger.send(room, "one");
    await expect(bob.messenger.sync()).rejects.toMatchObject({ code: "ds-client/network" });
    expect(bob.events.joined).toHaveLength(1);
    expect(bob.texts(room)).toEqual(["one"]);
    await alice.messenger.invite(room, ["p-carol"]).catch(() => undefined); // p-carol is unknown: no Commit
    await alice.messenger.send(room, "two");
    await bob.messenger.sync().catch(() => undefined);
    expect(bob.texts(room)).toEqual(["one", "two"]);
    await bob.messenger.close();
    await storage.close?.();

    // Meanwhile: a Commit and more messages.
    const carol = await open("p-carol");
    await alice.messenger.invite(room, ["p-carol"]);
    await alice.messenger.send(room, "three");
    await alice.messenger.send(room, "four");

    // Restart: a client restored from the same store, a new Messenger, the whole unacknowledged queue again.
    const storage2 = sqliteFile(server, "p-bob");
    bob = await Person.open(server, "p-bob", { push: false, storage: storage2 });
    people.push(bob);
    await bob.messenger.sync();
    expect(bob.events.joined).toEqual([]);
    expect(bob.texts(room)).toEqual(["three", "four"]);
    expect(bob.events["members-changed"]).toEqual([{ groupId: room, added: ["p-carol"], removed: [], epoch: 2n }]);
    expect(bob.events.error).toEqual([]);
    await bob.messenger.send(room, "back");
    await until("carol reads bob", () => carol.texts(room).includes("back"));
    expect((await bob.epochOf(room)).authenticator).toBe((await alice.epochOf(room)).authenticator);

    // Once acknowledged, a third start gets nothing again.
    await bob.messenger.close();
    people.pop();
    const bob3 = await Person.open(server, "p-bob", { push: false, storage: storage2 });
    people.push(bob3);
    await bob3.messenger.sync();
    expect(bob3.events.message).toEqual([]);
    expect(bob3.events.error).toEqual([]);
  });

  it("a Commit whose answer is lost is settled from the group's history; one left pending by a crash, at the next start", async () => {
    let mode: "normal" | "lose-commit-answer" | "down-after-commit" = "normal";
    let down = false;
    const flaky: FetchFunction = async (input, init) => {
      if (down) throw new TypeError("network down");
      const res = await fetch(input, init);
      if (init?.method === "POST" && input.endsWith("/messages") && mode !== "normal") {
        if (mode === "down-after-commit") down = true;
        mode = "normal";
        throw new TypeError("answer lost");
      }
      return res;
    };
    const storage = sqliteFile(server, "l-alice");
    const alice = await Person.open(server, "l-alice", { push: false, storage, fetch: flaky });
    const [bob, carol] = await Promise.all(["l-bob", "l-carol"].map((id) => open(id, { push: false })));
    const room = await alice.messenger.createRoom();

    mode = "lose-commit-answer";
    expect(await alice.messenger.invite(room, ["l-bob"])).toMatchObject({ added: ["l-bob"] });
    expect((await alice.epochOf(room)).epoch).toBe(1n);
    await bob!.messenger.sync();
    expect(bob!.events.joined).toHaveLength(1);

    // The Commit lands, then the network goes: the invite fails with the Commit still pending (and stored).
    mode = "down-after-commit";
    await expect(alice.messenger.invite(room, ["l-carol"])).rejects.toMatchObject({ code: "ds-client/network" });
    expect((await alice.client.getGroup(hexToBytes(room)))?.hasPendingCommit).toBe(true);
    await alice.messenger.close();
    await storage.close?.();

    down = false;
    const alice2 = await Person.open(server, "l-alice", { push: false, storage: sqliteFile(server, "l-alice") });
    people.push(alice2);
    await alice2.messenger.sync();
    expect(alice2.events["members-changed"]).toEqual([{ groupId: room, added: ["l-carol"], removed: [], epoch: 2n }]);
    await carol!.messenger.sync();
    await bob!.messenger.sync();
    await alice2.messenger.send(room, "all settled");
    await bob!.messenger.sync();
    await carol!.messenger.sync();
    expect(bob!.texts(room)).toEqual(["all settled"]);
    expect(carol!.texts(room)).toEqual(["all settled"]);
    const auth = new Set(await Promise.all([alice2, bob!, carol!].map(async (p) => (await p.epochOf(room)).authenticator)));
    expect(auth.size).toBe(1);
    for (const p of [alice2, bob!, carol!]) expect(p.events.error).toEqual([]);
  });

  it("the stream reconnects after it drops and delivers what came meanwhile, in order, once", async () => {
    const sockets: WebSocket[] = [];
    const Tracked = class extends WebSocket {
      constructor(url: string) {
        super(url);
        sockets.push(this);
      }
    } as unknown as WebSocketConstructor;
    const alice = await open("w-alice");
    // No polling: only the stream brings bob anything.
    const bob = await open("w-bob", { WebSocket: Tracked, pollIntervalMs: 0 });
    const room = await alice.messenger.createRoom();
    await alice.messenger.invite(room, ["w-bob"]);
    await until("bob joins over the stream", () => bob.events.joined.length === 1);
    await alice.messenger.send(room, "first");
    await until("first", () => bob.texts(room).length === 1);

    sockets[0]!.terminate();
    await alice.messenger.send(room, "second");
    await alice.messenger.send(room, "third");
    await until("bob reconnected and caught up", () => bob.texts(room).length === 3);
    expect(sockets.length).toBeGreaterThanOrEqual(2);
    expect(bob.texts(room)).toEqual(["first", "second", "third"]);
    await alice.messenger.send(room, "fourth");
    await until("fourth", () => bob.texts(room).length === 4);
    expect(bob.texts(room)).toEqual(["first", "second", "third", "fourth"]);
    expect(bob.events.error).toEqual([]);
    await expect(bob.messenger.remove(room, ["w-bob"])).rejects.toMatchObject({ code: "ds-client/remove-self" });
  });
});
