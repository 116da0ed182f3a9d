/**
 * Storage conformance: groups and their past epochs (round trips, versions,
 * ids by value, copies, conflicts, epoch bounds over the whole uint64 range).
 */
import { toHex } from "@mlskit/codec";
import type { ClientStore, GroupWrite, StoredGroup } from "../storage/client-store.js";
import { type AddCheck, assert, assertBytes, assertUsageError } from "./helpers.js";
import type { StorageConformanceTarget } from "./storage.js";
import { assertEqual, assertStorageError, assertUnchanged, b, blob, dump, hexSet, populate, withStore } from "./storage-helpers.js";
import { expectDefined } from "../errors.js";

async function readOk(store: ClientStore, groupId: Uint8Array, what: string): Promise<StoredGroup> {
  const g = await store.readGroup(groupId);
  assert(g !== undefined, `${what}: group ${toHex(groupId)} not found`);
  return g;
}

const epochsOf = (g: StoredGroup): string[] => g.pastEpochs.map((e) => `${e.epoch}:${toHex(e.data)}`);

/** Registers the group checks. @internal */
export function groupChecks(target: StorageConformanceTarget, add: AddCheck): void {
  add("groups: round trip, versions 1, 2, 3 and groupIds", async () => {
    await withStore(target, async (s) => {
      assert((await s.readGroup(b(1))) === undefined, "an unknown group must read as undefined");
      assertEqual(hexSet(await s.groupIds()), [], "groupIds of an empty store");
      assertEqual(await s.writeGroup({ groupId: b(1), epoch: 0n, state: blob(100, 7), expectedVersion: 0 }), 1, "version returned by the first write");
      let g = await readOk(s, b(1), "after the first write");
      assertBytes(g.groupId, b(1), "groupId");
      assertBytes(g.state, blob(100, 7), "state");
      assertEqual([g.epoch, g.version, g.pastEpochs.length], [0n, 1, 0], "epoch, version and past epochs");
      assertEqual(await s.writeGroup({ groupId: b(1), epoch: 1n, state: b(), expectedVersion: 1 }), 2, "version returned by the second write");
      g = await readOk(s, b(1), "after the second write");
      assertEqual([g.epoch, g.version, toHex(g.state)], [1n, 2, ""], "an empty state, epoch 1, version 2");
      assertEqual(await s.writeGroup({ groupId: b(1), epoch: 1n, state: blob(5000, 9), expectedVersion: 2 }), 3, "a same-epoch write");
      assertBytes((await readOk(s, b(1), "third write")).state, blob(5000, 9), "a 5000-byte state");
      await s.writeGroup({ groupId: b(2), epoch: 4n, state: b(2), expectedVersion: 0 });
      assertEqual(hexSet(await s.groupIds()), ["01", "02"], "groupIds");
      assertEqual((await readOk(s, b(1), "other group")).version, 3, "a write to another group leaves this one's version");
    });
  });

  add("groups: ids are compared by value, empty and prefix ids included", async () => {
    await withStore(target, async (s) => {
      const ids = [b(), b(1), b(1, 2), b(1, 2, 0), b(0, 1, 2), b(0xff, 0)];
      for (const [i, id] of ids.entries()) await s.writeGroup({ groupId: id, epoch: BigInt(i), state: b(i), expectedVersion: 0 });
      assertEqual(hexSet(await s.groupIds()), hexSet(ids), "groupIds");
      for (const [i, id] of ids.entries()) {
        const g = await readOk(s, id.slice(), `a copy of id ${toHex(id)}`);
        assertEqual([toHex(g.groupId), g.epoch, toHex(g.state)], [toHex(id), BigInt(i), toHex(b(i))], `group ${toHex(id)}`);
      }
      await s.deleteGroup(b(1, 2).slice());
      assertEqual(hexSet(await s.groupIds()), hexSet(ids.filter((_, i) => i !== 2)), "groupIds after deleting 0102 through a copy");
    });
  });

  add("groups: the store keeps its own copies (caller's and returned arrays may be mutated)", async () => {
    await withStore(target, async (s) => {
      const id = b(7, 7);
      const state = blob(10, 1);
      const data = blob(3, 2);
      await s.writeGroup({ groupId: id, epoch: 2n, state, expectedVersion: 0, putEpochs: [{ epoch: 1n, data }] });
      id.fill(0);
      state.fill(0);
      data.fill(0);
      const g = await readOk(s, b(7, 7), "after mutating the written arrays");
      assertBytes(g.state, blob(10, 1), "state after the caller mutated its array");
      assertEqual(epochsOf(g), ["1:020202"], "past epochs after the caller mutated its array");
      assert((await s.readGroup(id)) === undefined, "the mutated id must not name the group");
      g.state.fill(9);
      g.groupId.fill(9);
      expectDefined(g.pastEpochs[0], "g.pastEpochs[0]").data.fill(9);
      const ids = await s.groupIds();
      expectDefined(ids[0], "ids[0]").fill(9);
      const again = await readOk(s, b(7, 7), "after mutating returned arrays");
      assertBytes(again.state, blob(10, 1), "state after mutating a returned one");
      assertBytes(again.groupId, b(7, 7), "groupId after mutating a returned one");
      assertEqual(epochsOf(again), ["1:020202"], "past epochs after mutating returned ones");
      assertEqual(hexSet(await s.groupIds()), ["0707"], "groupIds after mutating a returned id");
    });
  });

  add("groups: deleteGroup removes the group and its past epochs, and nothing else", async () => {
    await withStore(target, async (s) => {
      await populate(s);
      await s.writeGroup({ groupId: b(0x0b), epoch: 9n, state: b(9), expectedVersion: 1, putEpochs: [{ epoch: 8n, data: b(8) }] });
      const other = await readOk(s, b(0x0b), "the other group");
      await s.deleteGroup(b(0x0a));
      assert((await s.readGroup(b(0x0a))) === undefined, "a deleted group must read as undefined");
      assertEqual(hexSet(await s.groupIds()), ["0b"], "groupIds after the delete");
      await s.deleteGroup(b(0x0c)); // unknown: no error
      // Created anew, the group must not inherit the deleted one's past epochs.
      assertEqual(await s.writeGroup({ groupId: b(0x0a), epoch: 5n, state: b(5), expectedVersion: 0 }), 1, "version of the re-created group");
      assertEqual(epochsOf(await readOk(s, b(0x0a), "re-created")), [], "past epochs of a re-created group");
      assertEqual(epochsOf(await readOk(s, b(0x0b), "the other group")), epochsOf(other), "the other group's past epochs");
      assertEqual((await s.keyPackageRefs()).length, 2, "KeyPackages left by deleteGroup");
    });
  });

  add("groups: a write naming the wrong version is storage/conflict and changes nothing", async () => {
    await withStore(target, async (s) => {
      await populate(s);
      await s.writeGroup({ groupId: b(0x0a), epoch: 4n, state: b(4), expectedVersion: 1 });
      const before = await dump(s);
      const parts = { putEpochs: [{ epoch: 3n, data: b(0xee) }], dropEpochsBefore: 3n, consumedKeyPackages: [b(0x1a)] };
      const attempts: [string, number, Uint8Array][] = [
        ["create of an existing group (expectedVersion 0)", 0, b(0x0a)],
        ["a stale version", 1, b(0x0a)],
        ["a version ahead of the stored one", 3, b(0x0a)],
        ["a nonzero version for an unknown group", 1, b(0x0c)],
      ];
      for (const [what, expectedVersion, groupId] of attempts) {
        await assertStorageError(s.writeGroup({ groupId, epoch: 9n, state: b(0xee), expectedVersion, ...parts }), "storage/conflict", what);
        await assertUnchanged(s, before, what);
      }
      assertEqual(await s.writeGroup({ groupId: b(0x0a), epoch: 5n, state: b(5), expectedVersion: 2 }), 3, "the right version after conflicts");
    });
  });

  add("groups: malformed writes (epochs outside uint64, a bad version) are UsageError and change nothing", async () => {
    await withStore(target, async (s) => {
      await populate(s);
      const before = await dump(s);
      const ok = { groupId: b(0x0a), epoch: 4n, state: b(4), expectedVersion: 1 };
      const bad: [string, GroupWrite][] = [
        ["a negative epoch", { ...ok, epoch: -1n }],
        ["epoch 2^64", { ...ok, epoch: 2n ** 64n }],
        ["a past epoch of 2^64", { ...ok, putEpochs: [{ epoch: 2n ** 64n, data: b() }] }],
        ["a negative past epoch", { ...ok, putEpochs: [{ epoch: -5n, data: b() }] }],
        ["dropEpochsBefore -1", { ...ok, dropEpochsBefore: -1n }],
        ["expectedVersion -1", { ...ok, expectedVersion: -1 }],
        ["expectedVersion 1.5", { ...ok, expectedVersion: 1.5 }],
      ];
      for (const [what, write] of bad) {
        await assertUsageError(s.writeGroup(write), "usage/invalid-argument", what);
        await assertUnchanged(s, before, what);
      }
    });
  });

  add("past epochs: putEpochs upserts, dropEpochsBefore deletes lower epochs only, read ascending", async () => {
    await withStore(target, async (s) => {
      const id = b(3);
      await s.writeGroup({ groupId: id, epoch: 10n, state: b(10), expectedVersion: 0, putEpochs: [7n, 5n, 9n].map((e) => ({ epoch: e, data: b(Number(e)) })) });
      assertEqual(epochsOf(await readOk(s, id, "first")), ["5:05", "7:07", "9:09"], "inserted out of order, read ascending");
      await s.writeGroup({
        groupId: id,
        epoch: 11n,
        state: b(11),
        expectedVersion: 1,
        putEpochs: [
          { epoch: 8n, data: b(0x88) },
          { epoch: 7n, data: b(0x77, 0x77) },
        ],
      });
      assertEqual(epochsOf(await readOk(s, id, "upsert")), ["5:05", "7:7777", "8:88", "9:09"], "after replacing 7 and adding 8");
      await s.writeGroup({ groupId: id, epoch: 11n, state: b(11), expectedVersion: 2 });
      assertEqual(epochsOf(await readOk(s, id, "no epoch parts")), ["5:05", "7:7777", "8:88", "9:09"], "a write without epoch parts keeps them");
      await s.writeGroup({ groupId: id, epoch: 12n, state: b(12), expectedVersion: 3, dropEpochsBefore: 8n });
      assertEqual(epochsOf(await readOk(s, id, "drop")), ["8:88", "9:09"], "after dropping epochs below 8 (8 stays)");
      await s.writeGroup({
        groupId: id,
        epoch: 13n,
        state: b(13),
        expectedVersion: 4,
        putEpochs: [
          { epoch: 6n, data: b(6) },
          { epoch: 12n, data: b(12) },
        ],
        dropEpochsBefore: 9n,
      });
      assertEqual(epochsOf(await readOk(s, id, "put and drop")), ["9:09", "12:0c"], "the drop applies after the puts");
      await s.writeGroup({ groupId: b(4), epoch: 1n, state: b(), expectedVersion: 0, putEpochs: [{ epoch: 9n, data: b() }] });
      assertEqual(epochsOf(await readOk(s, b(4), "other")), ["9:"], "an empty epoch record, in another group");
      assertEqual(epochsOf(await readOk(s, id, "after the other group")), ["9:09", "12:0c"], "a group's epochs are its own");
    });
  });

  add("past epochs: epochs are exact over the whole uint64 range (2^53 and above, 2^63 and above)", async () => {
    await withStore(target, async (s) => {
      const big = [2n ** 53n + 1n, 2n ** 53n, 2n ** 63n - 1n, 2n ** 63n, 2n ** 64n - 2n, 0n, 255n, 256n];
      const top = 2n ** 64n - 1n;
      await s.writeGroup({ groupId: b(5), epoch: top, state: b(1), expectedVersion: 0, putEpochs: big.map((e, i) => ({ epoch: e, data: b(i) })) });
      const g = await readOk(s, b(5), "big epochs");
      assertEqual(g.epoch, top, "the current epoch 2^64-1");
      const sorted = [...big].sort((x, y) => (x < y ? -1 : 1));
      assertEqual(
        g.pastEpochs.map((e) => e.epoch),
        sorted,
        "past epochs, ascending numerically",
      );
      await s.writeGroup({ groupId: b(5), epoch: top, state: b(2), expectedVersion: 1, dropEpochsBefore: 2n ** 63n });
      assertEqual(
        (await readOk(s, b(5), "drop")).pastEpochs.map((e) => e.epoch),
        [2n ** 63n, 2n ** 64n - 2n],
        "after dropping epochs below 2^63",
      );
      await s.writeGroup({ groupId: b(5), epoch: 2n ** 53n + 1n, state: b(3), expectedVersion: 2, dropEpochsBefore: top });
      const last = await readOk(s, b(5), "drop all");
      assertEqual([last.epoch, last.pastEpochs.length], [2n ** 53n + 1n, 0], "epoch 2^53+1, no past epochs left");
    });
  });
}
