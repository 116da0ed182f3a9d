import { describe, expect, it } from "vitest";
import type { PskStore as GroupPskStore } from "@mlskit/group";
import { MemoryGroupStateStore, MemoryKeyPackageStore, MemoryPskStore, memoryStorage } from "@mlskit/storage-memory";

const id = (...b: number[]) => new Uint8Array(b);

describe("MemoryGroupStateStore", () => {
  it("gets the latest state and keeps a bounded history", async () => {
    const s = new MemoryGroupStateStore<string>({ history: 2 });
    expect(await s.get(id(1))).toBeUndefined();
    for (let e = 0n; e < 5n; e++) await s.put(id(1), e, `epoch ${e}`);
    await s.put(id(1), 4n, "epoch 4 again");
    expect(await s.get(id(1))).toBe("epoch 4 again");
    expect((await s.history(id(1))).map((h) => h.epoch)).toEqual([4n, 3n, 2n]);
    expect((await s.groupIds()).map((g) => [...g])).toEqual([[1]]);
    await s.delete(id(1));
    expect(await s.get(id(1))).toBeUndefined();
    expect(() => new MemoryGroupStateStore({ history: -1 })).toThrow(/non-negative/);
  });
});

describe("MemoryKeyPackageStore", () => {
  it("takes once, except last-resort, and copies", async () => {
    const s = new MemoryKeyPackageStore();
    const m = { keyPackage: id(1), initPrivateKey: id(2), encryptionPrivateKey: id(3) };
    await s.put(id(9), m);
    m.initPrivateKey[0] = 7;
    expect((await s.get(id(9)))?.initPrivateKey).toEqual(id(2));
    expect(await s.count()).toBe(1);
    expect((await s.take(id(9)))?.encryptionPrivateKey).toEqual(id(3));
    expect(await s.take(id(9))).toBeUndefined();
    await s.put(id(8), { ...m, lastResort: true });
    expect(await s.take(id(8))).toBeDefined();
    expect(await s.take(id(8))).toBeDefined();
    expect(await s.delete(id(8))).toBe(true);
    expect(await s.delete(id(8))).toBe(false);
  });
});

describe("MemoryPskStore", () => {
  it("stores PSKs by id and serves as the group package's PskStore", async () => {
    const s = new MemoryPskStore();
    await s.put(id(1, 2), id(5, 5));
    const asGroup: GroupPskStore = s;
    expect(await asGroup.get(id(1, 2))).toEqual(id(5, 5));
    expect(await s.delete(id(1, 2))).toBe(true);
    expect(await s.get(id(1, 2))).toBeUndefined();
    const all = memoryStorage<number>();
    expect(await all.keyPackages.count()).toBe(0);
  });
});
