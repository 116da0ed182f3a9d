import { mkdtempSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { afterAll, describe, expect, it } from "vitest";
import { RoomBook, shortId } from "./room-book.js";

const dir = mkdtempSync(join(tmpdir(), "mlskit-chat-rooms-"));
afterAll(() => rmSync(dir, { recursive: true, force: true }));

const a = "ab12cd34000000000000000000000000";
const b = "ab12ff00000000000000000000000000";

describe("room book", () => {
  it("names rooms by the start of their id, with an optional alias", () => {
    const book = new RoomBook(undefined);
    expect(shortId(a)).toBe("ab12cd34");
    book.setAlias(a, "team");
    expect(book.label(a)).toBe("ab12cd34 (team)");
    expect(book.label(b)).toBe("ab12ff00");
  });

  it("finds a room by alias or id prefix, and says why not", () => {
    const book = new RoomBook(undefined);
    book.setAlias(b, "Family");
    expect(book.find([a, b], "family")).toEqual({ groupId: b });
    expect(book.find([a, b], "ab12c")).toEqual({ groupId: a });
    expect(book.find([a, b], "AB12CD")).toEqual({ groupId: a });
    expect(book.find([a, b], "ab12")).toMatchObject({ problem: expect.stringContaining("more than one room") });
    expect(book.find([a, b], "zz")).toMatchObject({ problem: expect.stringContaining("no room") });
  });

  it("keeps the current room and aliases across restarts; forgetting a room clears it", () => {
    const file = join(dir, "rooms.json");
    const first = new RoomBook(file);
    first.setAlias(a, "team");
    first.setCurrent(a);
    const second = new RoomBook(file);
    expect(second.current).toBe(a);
    expect(second.alias(a)).toBe("team");
    second.forget(a);
    const third = new RoomBook(file);
    expect(third.current).toBeUndefined();
    expect(third.alias(a)).toBeUndefined();
  });
});
