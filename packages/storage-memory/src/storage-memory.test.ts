import { StorageError, UsageError } from "@mlskit/core";
import { storageConformance } from "@mlskit/core/conformance";
import { MemoryClientStore, memoryStore } from "@mlskit/storage-memory";
import { describe, expect, it } from "vitest";
import { dataOf } from "./memory-store.js";
import { corruptMemoryGroup } from "./memory-store.fixture.js";

const b = (...x: number[]) => Uint8Array.from(x);

describe("MemoryClientStore conformance", () => {
  const checks = storageConformance({
    name: "memory",
    open: async (options) => memoryStore(options?.faults ? { faults: options.faults } : {}),
    reopen: async (store) => (store as MemoryClientStore).newHandle(),
    corruptGroup: (store, groupId) => corruptMemoryGroup(store as MemoryClientStore, groupId),
  });
  for (const c of checks) it(c.name, c.run);
});

describe("MemoryClientStore", () => {
  it("zeroes the blobs it replaces or drops (old states, past epochs, consumed KeyPackages)", async () => {
    const s = memoryStore();
    await s.putKeyPackage(b(9), b(1, 2, 3), false);
    await s.writeGroup({ groupId: b(1), epoch: 1n, state: b(5, 5), expectedVersion: 0, putEpochs: [{ epoch: 0n, data: b(6, 6) }] });
    const row = dataOf(s).groups.get("01")!;
    const kp = dataOf(s).keyPackages.get("09")!;
    await s.writeGroup({ groupId: b(1), epoch: 2n, state: b(7), expectedVersion: 1, dropEpochsBefore: 1n, consumedKeyPackages: [b(9)] });
    expect([...row.state, ...row.epochs.get(0n)!, ...kp.data]).toEqual([0, 0, 0, 0, 0, 0, 0]);
    expect((await s.readGroup(b(1)))?.state).toEqual(b(7));
  });

  it("keeps past epochs a write does not touch, without zeroing them", async () => {
    const s = memoryStore();
    await s.writeGroup({ groupId: b(1), epoch: 1n, state: b(5), expectedVersion: 0, putEpochs: [{ epoch: 0n, data: b(6) }] });
    await s.writeGroup({ groupId: b(1), epoch: 2n, state: b(7), expectedVersion: 1 });
    expect((await s.readGroup(b(1)))?.pastEpochs).toEqual([{ epoch: 0n, data: b(6) }]);
  });

  it("refuses a write over a damaged row as storage/corrupt, and a malformed write as UsageError", async () => {
    const s = memoryStore();
    await s.writeGroup({ groupId: b(1), epoch: 1n, state: b(5), expectedVersion: 0 });
    dataOf(s).groups.set("01", { ...dataOf(s).groups.get("01")!, version: 0 });
    const e = await s.writeGroup({ groupId: b(1), epoch: 2n, state: b(6), expectedVersion: 1 }).catch((x: unknown) => x);
    expect(StorageError.isInstance(e) && e.code).toBe("storage/corrupt");
    const u = await s.writeGroup({ groupId: b(2), epoch: 2n ** 64n, state: b(), expectedVersion: 0 }).catch((x: unknown) => x);
    expect(UsageError.isInstance(u)).toBe(true);
  });

  it("handles share data but close on their own", async () => {
    const s = new MemoryClientStore();
    const t = s.newHandle();
    await t.putPsk(b(1), b(2));
    await t.close();
    expect(await s.getPsk(b(1))).toEqual(b(2));
    expect(await s.newHandle().pskIds()).toEqual([b(1)]);
  });
});
