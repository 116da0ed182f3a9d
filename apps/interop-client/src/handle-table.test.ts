/**
 * HandleTable: least-recently-used and idle eviction, the release callback,
 * and the typed errors for released and unknown handles.
 */
import * as grpc from "@grpc/grpc-js";
import { describe, expect, it } from "vitest";
import { InteropError } from "./errors.js";
import { HandleTable, type ReleaseReason } from "./handle-table.js";

function table(maxHandles: number, maxIdleMs = 1_000_000) {
  let now = 0;
  const released: [number, string, ReleaseReason][] = [];
  const t = new HandleTable<string>(
    "state",
    { maxHandles, maxIdleMs },
    (id, v, reason) => released.push([id, v, reason]),
    () => now,
  );
  return { t, released, advance: (ms: number) => void (now += ms) };
}

function errorOf(f: () => unknown): InteropError {
  try {
    f();
  } catch (e) {
    expect(e).toBeInstanceOf(InteropError);
    return e as InteropError;
  }
  throw new Error("expected an error");
}

describe("HandleTable", () => {
  it("evicts the least recently used handle past maxHandles, and names it when it is used again", () => {
    const { t, released } = table(3);
    for (const id of [1, 2, 3]) t.add(id, `s${id}`);
    expect(t.get(1)).toBe("s1"); // 1 is now the most recently used: 2 goes first
    t.add(4, "s4");
    expect(released).toEqual([[2, "s2", "evicted-lru"]]);
    t.add(5, "s5");
    expect(released.map(([id]) => id)).toEqual([2, 3]);
    expect(t.size).toBe(3);
    expect(t.evictions).toBe(2);
    const e = errorOf(() => t.get(2));
    expect(e.status).toBe(grpc.status.FAILED_PRECONDITION);
    expect(e.code).toBe("interop/handle-released");
    expect(e.message).toMatch(/^state 2 is no longer held: it was evicted as the least recently used of more than 3 states/);
    expect([1, 4, 5].map((id) => t.get(id))).toEqual(["s1", "s4", "s5"]);
  });

  it("evicts handles unused for longer than maxIdleMs, oldest first, at the next use", () => {
    const { t, released, advance } = table(10, 100);
    t.add(1, "a");
    advance(60);
    t.add(2, "b");
    advance(60); // 1 idle 120 ms, 2 idle 60 ms
    expect(t.get(2)).toBe("b");
    expect(released).toEqual([[1, "a", "evicted-idle"]]);
    expect(errorOf(() => t.get(1)).message).toMatch(/state 1 is no longer held: it was evicted after 100 ms unused/);
    advance(101);
    expect(t.has(2)).toBe(true); // nothing happens until the table is used
    t.add(3, "c");
    expect(released.map(([id, , r]) => [id, r])).toEqual([
      [1, "evicted-idle"],
      [2, "evicted-idle"],
    ]);
  });

  it("free releases a handle (FAILED_PRECONDITION after), take hands it over without the callback, an id never held is NOT_FOUND", () => {
    const { t, released } = table(4);
    t.add(1, "a");
    t.add(2, "b");
    expect(t.free(1)).toBe(true);
    expect(t.free(1)).toBe(false);
    expect(released).toEqual([[1, "a", "freed"]]);
    expect(errorOf(() => t.get(1)).message).toBe("state 1 is no longer held: it was freed");
    expect(t.take(2)).toBe("b");
    expect(released).toHaveLength(1);
    expect(t.evictions).toBe(0);
    const unknown = errorOf(() => t.get(99));
    expect(unknown.status).toBe(grpc.status.NOT_FOUND);
    expect(unknown.code).toBe("interop/unknown-id");
  });

  it("keeps a bounded record of released handles (older ones become NOT_FOUND)", () => {
    const { t } = table(2);
    for (let id = 1; id <= 20; id++) t.add(id, String(id));
    // 18 evicted, the record keeps the last 4 × maxHandles = 8 of them.
    expect(t.released(18)).toBe(true);
    expect(t.released(11)).toBe(true);
    expect(t.released(10)).toBe(false);
    expect(errorOf(() => t.get(3)).status).toBe(grpc.status.NOT_FOUND);
  });

  it("refuses bounds that cannot hold anything", () => {
    expect(() => new HandleTable("state", { maxHandles: 0, maxIdleMs: 1 }, () => undefined)).toThrow(RangeError);
    expect(() => new HandleTable("state", { maxHandles: 1, maxIdleMs: 0 }, () => undefined)).toThrow(RangeError);
  });
});
