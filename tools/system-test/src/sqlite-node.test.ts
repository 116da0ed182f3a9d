/**
 * The whole system on one Delivery Service node over SQLite: the AS issues
 * X.509 credentials, four clients (each on its own SQLite client store)
 * validate each other against the AS's anchors, create a room, invite,
 * chat; a removed member reads nothing more; the others agree on the epoch,
 * its authenticator and the members.
 */
import { join } from "node:path";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { type Authority, Cleanup, type DsNode, SystemClient, duplicates, startAuthority, startDsNode, sleep, tempDir, until } from "./system.fixture.js";

const cleanup = new Cleanup();
let authority: Authority;
let node: DsNode;
let dir: string;

beforeAll(async () => {
  dir = tempDir(cleanup, "sqlite-node");
  authority = await startAuthority(cleanup);
  node = await startDsNode(cleanup, { db: `sqlite:${join(dir, "ds.sqlite")}`, asUrl: authority.url });
});
afterAll(() => cleanup.run());

describe("one DS node on SQLite", () => {
  it("four clients: create, invite, chat; a removed member reads nothing more; the rest agree on epoch, authenticator and members", async () => {
    const ids = ["alice", "bob", "carol", "dave"];
    const [alice, bob, carol, dave] = await Promise.all(ids.map((id) => SystemClient.register(cleanup, authority, dir, id, node.url)));
    const everyone = [alice!, bob!, carol!, dave!];

    const room = await alice!.messenger.createRoom();
    expect(await alice!.messenger.invite(room, ["bob", "carol", "dave"])).toEqual({ added: ["bob", "carol", "dave"], alreadyMembers: [], failed: [] });
    await until("bob, carol and dave join", () => everyone.slice(1).every((c) => c.events.joined.length === 1));
    for (const c of everyone.slice(1)) expect(c.events.joined[0]).toMatchObject({ groupId: room, by: "alice", epoch: 1n });

    // Chat: 5 messages each, all four sending at once.
    const PER_SENDER = 5;
    await Promise.all(
      everyone.map(async (c) => {
        for (let i = 0; i < PER_SENDER; i++) await c.messenger.send(room, `${c.id}:${i}`);
      }),
    );
    const all = everyone.flatMap((c) => Array.from({ length: PER_SENDER }, (_, i) => `${c.id}:${i}`));
    await until(
      "everyone reads the 15 messages of the others",
      () => everyone.every((c) => c.texts(room).length >= 3 * PER_SENDER),
      15_000,
      () => everyone.map((c) => `${c.id}=${c.texts(room).length}`).join(" "),
    );
    for (const c of everyone) {
      expect(c.texts(room).sort()).toEqual(all.filter((t) => !t.startsWith(`${c.id}:`)).sort());
      // Each sender's messages in the order sent.
      for (const s of everyone.filter((s) => s !== c)) expect(c.received.filter((r) => r.sender === s.id).map((r) => r.text)).toEqual(all.filter((t) => t.startsWith(`${s.id}:`)));
    }

    // bob removes dave.
    expect(await bob!.messenger.remove(room, ["dave"])).toEqual({ removed: ["dave"], notMembers: [] });
    await until("dave is removed", () => dave!.events.removed.length === 1);
    expect(dave!.events.removed[0]).toEqual({ groupId: room, epoch: 2n });
    expect(await dave!.messenger.rooms()).toEqual([]);
    await expect(dave!.messenger.send(room, "still there?")).rejects.toMatchObject({ code: "ds-client/unknown-room" });
    const daveBefore = dave!.received.length;

    const rest = [alice!, bob!, carol!];
    await Promise.all(rest.map((c) => c.messenger.send(room, `${c.id}:after`)));
    await until("the three read each other's messages after the removal", () => rest.every((c) => c.texts(room).filter((t) => t.endsWith(":after")).length === 2));
    await until("alice and carol see dave go", () => [alice!, carol!].every((c) => c.events["members-changed"].some((e) => e.removed.includes("dave"))));
    // Give dave's stream a moment, then drain his queue by hand: nothing for him.
    await sleep(200);
    await dave!.messenger.sync();
    expect(dave!.received.length).toBe(daveBefore);
    expect(dave!.texts(room).some((t) => t.endsWith(":after"))).toBe(false);

    const states = await Promise.all(rest.map((c) => c.state(room)));
    for (const s of states) {
      expect(s.epoch).toBe(2n);
      expect(s.members).toEqual(["alice", "bob", "carol"]);
    }
    expect(new Set(states.map((s) => s.authenticator)).size).toBe(1);
    expect((await alice!.messenger.connection.groupMembers(room)).members.slice().sort()).toEqual(["alice", "bob", "carol"]);

    for (const c of everyone) {
      expect(duplicates(c.texts(room))).toEqual([]);
      expect(c.unexpectedErrors()).toEqual([]);
    }
  });
});
