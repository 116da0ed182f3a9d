/**
 * Storage conformance: the client record, KeyPackage material and PSKs
 * (round trips, ids by value, copies), damaged rows, closed stores, and
 * persistence across handles.
 */
import { toHex } from "@mlskit/codec";
import type { ClientStore } from "../storage/client-store.js";
import { type AddCheck, assert, assertBytes } from "./helpers.js";
import type { StorageConformanceTarget } from "./storage.js";
import { assertEqual, assertStorageError, assertUnchanged, b, blob, dump, hexSet, populate, withStore } from "./storage-helpers.js";
import { expectDefined } from "../errors.js";

/** Every method of a store, called with plausible arguments. */
function everyCall(s: ClientStore): [string, () => Promise<unknown>][] {
  return [
    ["readClient", () => s.readClient()],
    ["writeClient", () => s.writeClient(b(1))],
    ["readGroup", () => s.readGroup(b(0x0a))],
    ["writeGroup", () => s.writeGroup({ groupId: b(0x0a), epoch: 4n, state: b(4), expectedVersion: 1 })],
    ["deleteGroup", () => s.deleteGroup(b(0x0a))],
    ["groupIds", () => s.groupIds()],
    ["putKeyPackage", () => s.putKeyPackage(b(2), b(2), false)],
    ["getKeyPackage", () => s.getKeyPackage(b(0x1a))],
    ["deleteKeyPackage", () => s.deleteKeyPackage(b(0x1a))],
    ["keyPackageRefs", () => s.keyPackageRefs()],
    ["getPsk", () => s.getPsk(b(0x5a))],
    ["putPsk", () => s.putPsk(b(3), b(3))],
    ["deletePsk", () => s.deletePsk(b(0x5a))],
    ["pskIds", () => s.pskIds()],
  ];
}

/** Registers the record checks. @internal */
export function recordChecks(target: StorageConformanceTarget, add: AddCheck): void {
  add("client record: undefined at first, round trip, replaced, copied in and out", async () => {
    await withStore(target, async (s) => {
      assert((await s.readClient()) === undefined, "a fresh store has no client record");
      const rec = blob(300, 0xc1);
      await s.writeClient(rec);
      rec.fill(0);
      const got = await s.readClient();
      assertBytes(got ?? b(), blob(300, 0xc1), "client record after the caller mutated its array");
      expectDefined(got, "got").fill(0);
      assertBytes((await s.readClient()) ?? b(), blob(300, 0xc1), "client record after mutating a returned one");
      await s.writeClient(b());
      assertBytes((await s.readClient()) ?? b(0xff), b(), "an empty client record replacing the first");
    });
  });

  add("KeyPackages: put, get, replace, delete, refs by value, the lastResort flag, copies", async () => {
    await withStore(target, async (s) => {
      assert((await s.getKeyPackage(b(1))) === undefined, "an unknown KeyPackage reads as undefined");
      const ref = b(1, 2);
      const data = blob(50, 0x11);
      await s.putKeyPackage(ref, data, false);
      await s.putKeyPackage(b(1), blob(5, 0x22), true);
      await s.putKeyPackage(b(1, 2, 0), blob(5, 0x33), false);
      ref.fill(0);
      data.fill(0);
      const kp = await s.getKeyPackage(b(1, 2));
      assertEqual(kp && [toHex(kp.ref), toHex(kp.data), kp.lastResort], ["0102", toHex(blob(50, 0x11)), false], "KeyPackage 0102");
      expectDefined(kp, "kp").data.fill(0);
      expectDefined(kp, "kp").ref.fill(0);
      const lr = await s.getKeyPackage(b(1));
      assertEqual(lr && [toHex(lr.data), lr.lastResort], [toHex(blob(5, 0x22)), true], "last-resort KeyPackage 01");
      assertEqual(hexSet(await s.keyPackageRefs()), ["01", "0102", "010200"], "keyPackageRefs");
      expectDefined((await s.keyPackageRefs())[0], "(await s.keyPackageRefs())[0]").fill(0xff);
      assertEqual(hexSet(await s.keyPackageRefs()), ["01", "0102", "010200"], "keyPackageRefs after mutating a returned ref");
      await s.putKeyPackage(b(1, 2), b(9), true);
      const replaced = await s.getKeyPackage(b(1, 2));
      assertEqual(replaced && [toHex(replaced.data), replaced.lastResort], ["09", true], "a replaced KeyPackage");
      assertEqual(await s.deleteKeyPackage(b(1)), true, "deleting a last-resort KeyPackage");
      assertEqual(await s.deleteKeyPackage(b(1)), false, "deleting it again");
      assertEqual(hexSet(await s.keyPackageRefs()), ["0102", "010200"], "keyPackageRefs after the delete");
    });
  });

  add("PSKs: put, get, replace, delete, pskIds by value, copies", async () => {
    await withStore(target, async (s) => {
      assert((await s.getPsk(b(1))) === undefined, "an unknown PSK reads as undefined");
      const id = b(1);
      const psk = blob(32, 0x51);
      await s.putPsk(id, psk);
      await s.putPsk(b(1, 0), blob(16, 0x52));
      await s.putPsk(b(), b(0x53));
      id.fill(9);
      psk.fill(9);
      const got = await s.getPsk(b(1));
      assertBytes(got ?? b(), blob(32, 0x51), "PSK 01 after the caller mutated its arrays");
      expectDefined(got, "got").fill(0);
      assertBytes((await s.getPsk(b(1))) ?? b(), blob(32, 0x51), "PSK 01 after mutating a returned one");
      assertEqual(hexSet(await s.pskIds()), ["", "01", "0100"], "pskIds");
      await s.putPsk(b(1), b(7));
      assertBytes((await s.getPsk(b(1))) ?? b(), b(7), "a replaced PSK");
      assertEqual(await s.deletePsk(b(1, 0)), true, "deleting a PSK");
      assertEqual(await s.deletePsk(b(1, 0)), false, "deleting it again");
      assert((await s.getPsk(b(1, 0))) === undefined, "a deleted PSK reads as undefined");
      assertEqual(hexSet(await s.pskIds()), ["", "01"], "pskIds after the delete");
    });
  });

  add("integrity: a damaged group reads as StorageError storage/corrupt, never undefined or a raw error", async () => {
    await withStore(target, async (s) => {
      await populate(s);
      await target.corruptGroup(s, b(0x0a));
      await assertStorageError(s.readGroup(b(0x0a)), "storage/corrupt", "reading the damaged group");
      await assertStorageError(s.readGroup(b(0x0a)), "storage/corrupt", "reading it again");
      const other = await s.readGroup(b(0x0b));
      assertEqual(other && [other.epoch, toHex(other.state)], [0n, toHex(blob(8, 0xb0))], "the undamaged group");
      // Deleting the damaged group is how an application recovers (it rejoins).
      await s.deleteGroup(b(0x0a));
      assert((await s.readGroup(b(0x0a))) === undefined, "a deleted damaged group reads as undefined");
    });
  });

  add("closed: every method of a closed store rejects with storage/closed; closing twice is fine", async () => {
    await withStore(target, async (s) => {
      await populate(s);
      await s.close();
      await s.close();
      for (const [name, call] of everyCall(s)) await assertStorageError(call(), "storage/closed", `${name} after close`);
    });
  });

  if (target.reopen !== undefined) {
    const reopen = target.reopen.bind(target);
    add("persistence: what was written reads back the same through a new handle after close", async () => {
      await withStore(target, async (s, also) => {
        await populate(s);
        await s.writeGroup({
          groupId: b(0x0a),
          epoch: 2n ** 63n + 5n,
          state: b(5),
          expectedVersion: 1,
          putEpochs: [{ epoch: 2n ** 63n, data: b(6) }],
          consumedKeyPackages: [b(0x1a)],
        });
        const before = await dump(s);
        await s.close();
        const t = also(await reopen(s));
        await assertUnchanged(t, before, "closing and reopening");
        assertEqual(await t.writeGroup({ groupId: b(0x0a), epoch: 2n ** 63n + 6n, state: b(6), expectedVersion: 2 }), 3, "a write through the new handle continues the versions");
      });
    });
  }
}
