import { DsClientError, type InviteResult, type MessengerEventName, type MessengerEvents } from "@mlskit/ds-client";
import { describe, expect, it } from "vitest";
import { type ChatMessenger, ChatSession } from "./chat-session.js";
import { parseCommand } from "./commands.js";
import { RoomBook } from "./room-book.js";

const room = "ab12cd34000000000000000000000000";

/** A Messenger stand-in: records calls, emits events on demand. */
function fakeMessenger(invite: InviteResult = { added: ["bob"], alreadyMembers: [], failed: [] }) {
  const calls: string[] = [];
  const rooms: string[] = [];
  const listeners = new Map<string, ((e: never) => void)[]>();
  const m: ChatMessenger = {
    clientId: "alice",
    createRoom: async () => (rooms.push(room), room),
    invite: async (g, ids) => (calls.push(`invite ${g.slice(0, 8)} ${ids.join(",")}`), invite),
    remove: async (g, ids) => (calls.push(`remove ${ids.join(",")}`), { removed: [...ids], notMembers: [] }),
    leave: async () => void calls.push("leave"),
    send: async (g, data) => {
      if (data === "fail") throw new DsClientError("ds-client/network", "fetch failed after 5 attempts");
      calls.push(`send ${g.slice(0, 8)} ${String(data)}`);
    },
    members: async () => ["alice", "bob"],
    rooms: async () => [...rooms],
    sync: async () => void calls.push("sync"),
    on: <K extends MessengerEventName>(name: K, l: (e: MessengerEvents[K]) => void) => {
      listeners.set(name, [...(listeners.get(name) ?? []), l as (e: never) => void]);
      return () => undefined;
    },
  } as ChatMessenger;
  const emit = <K extends MessengerEventName>(name: K, e: MessengerEvents[K]) => listeners.get(name)?.forEach((l) => (l as (e: MessengerEvents[K]) => void)(e));
  return { m, calls, rooms, emit };
}

function session(invite?: InviteResult) {
  const fake = fakeMessenger(invite);
  const lines: string[] = [];
  const s = new ChatSession(fake.m, new RoomBook(undefined), (l) => lines.push(l));
  const run = async (line: string) => s.run(parseCommand(line)!);
  return { ...fake, s, lines, run };
}

describe("chat session", () => {
  it("commands go to the current room", async () => {
    const { run, calls, lines, s } = session();
    await run("hello");
    expect(lines.pop()).toContain("no current room");
    await run("/create team");
    expect(lines.pop()).toBe("created room ab12cd34 (team); /invite someone to it");
    expect(s.currentLabel).toBe("ab12cd34 (team)");
    await run("/invite bob");
    await run("hello");
    await run("/members");
    expect(lines.pop()).toBe("members of ab12cd34 (team): alice and bob");
    await run("/remove alice");
    expect(lines.pop()).toContain("/leave");
    expect(calls).toEqual(["invite ab12cd34 bob", "send ab12cd34 hello"]);
    expect(await run("/quit")).toBe("quit");
  });

  it("failures are sentences, never thrown", async () => {
    const { run, lines } = session({
      added: [],
      alreadyMembers: ["carol"],
      failed: [{ clientId: "bob", code: "key-package/unknown-client", message: "no client is registered with this id" }],
    });
    await run("/create");
    await run("/invite bob carol");
    expect(lines.slice(-2)).toEqual(["carol is in the room already", "bob has no KeyPackages published: they must run the chat once first"]);
    await run("fail");
    expect(lines.pop()).toBe("could not send the message: the server cannot be reached: check that it is running and the address is right");
    await run("/switch zz");
    expect(lines.pop()).toContain('no room "zz"');
    await run("/bogus");
    expect(lines.pop()).toContain("unknown command");
  });

  it("a join makes the room current when there is none; removal forgets it", async () => {
    const { emit, lines, rooms, s } = session();
    rooms.push(room);
    emit("joined", { groupId: room, by: "bob", epoch: 1n });
    expect(lines).toEqual(["[ab12cd34] you joined room ab12cd34 (added by bob)", "now in room ab12cd34"]);
    emit("message", { groupId: room, sender: "bob", data: new TextEncoder().encode("hi"), epoch: 1n });
    expect(lines.pop()).toBe("[ab12cd34] bob: hi");
    emit("removed", { groupId: room, epoch: 2n });
    expect(lines.slice(-2)).toEqual(["[ab12cd34] you are no longer in room ab12cd34", "you have no current room now: /rooms lists yours, /switch picks one"]);
    expect(s.currentLabel).toBeUndefined();
  });
});
