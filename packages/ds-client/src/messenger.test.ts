import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { Person, type Server, startServer, until } from "./ds-server.fixture.js";

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
});
