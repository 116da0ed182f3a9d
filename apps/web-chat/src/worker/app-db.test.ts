import "fake-indexeddb/auto";
import { describe, expect, it } from "vitest";
import { AppDb } from "./app-db.js";

describe("the chat's app database (fake-indexeddb)", () => {
  it("keeps the profile, rooms and each room's history in order; forgetting a room drops its history", async () => {
    const db = await AppDb.open();
    expect(await db.profile()).toBeUndefined();
    await db.saveProfile({ name: "alice", anchors: [new Uint8Array([1, 2, 3])] });
    await db.putRoom({ id: "aa", name: "team" });
    await db.putRoom({ id: "bb", name: "with bob" });
    for (const [roomId, text] of [
      ["aa", "one"],
      ["bb", "other"],
      ["aa", "two"],
      ["aa", "three"],
    ] as const) {
      await db.addMessage({ roomId, kind: "text", sender: "alice", text, at: 1, mine: true });
    }
    db.close();

    const again = await AppDb.open();
    expect((await again.profile())?.anchors[0]).toEqual(new Uint8Array([1, 2, 3]));
    expect((await again.history("aa")).map((m) => m.text)).toEqual(["one", "two", "three"]);
    await again.deleteRoom("aa");
    expect(await again.history("aa")).toEqual([]);
    expect((await again.history("bb")).map((m) => m.text)).toEqual(["other"]);
    expect((await again.rooms()).map((r) => r.id)).toEqual(["bb"]);
    again.close();
  });
});
