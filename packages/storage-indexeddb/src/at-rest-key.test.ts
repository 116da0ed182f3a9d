/** The at-rest key helpers on fake-indexeddb (Chromium runs the same story in apps/browser-check/src/at-rest.ts). */
import { IDBFactory, IDBKeyRange } from "fake-indexeddb";
import { StorageError, UsageError, encryptedStore } from "@mlskit/core";
import { nobleCryptoProvider } from "@mlskit/crypto-noble";
import { indexedDbStore } from "@mlskit/storage-indexeddb";
import { describe, expect, it } from "vitest";
import { atRestKeySlot, loadAtRestKey, loadOrCreateAtRestKey, rotateAtRestKey } from "./at-rest-key.js";

(globalThis as { IDBKeyRange?: unknown }).IDBKeyRange = IDBKeyRange;
const factory = new IDBFactory();
const cs = await nobleCryptoProvider().cipherSuite(1);
const b = (...x: number[]) => Uint8Array.from(x);
let n = 0;
const open = (name: string) => indexedDbStore({ name, indexedDB: factory });

describe("at-rest key in IndexedDB (fake-indexeddb)", () => {
  it("creates a non-extractable AES-GCM-256 key once, in its own slot, and loads the same key through a new handle", async () => {
    const name = `at-rest-${n++}`;
    const s = await open(name);
    expect(await loadAtRestKey(s)).toBeUndefined();
    const key = await loadOrCreateAtRestKey(s);
    expect([key.id, key.cryptoKey.extractable, key.cryptoKey.algorithm]).toEqual([1, false, { name: "AES-GCM", length: 256 }]);
    expect(await s.getKeyObject(atRestKeySlot(1))).toBeDefined();
    await encryptedStore(s, { cs, keys: [key] }).putPsk(b(5), b(0x55));
    await s.close();
    const t = await open(name);
    const again = await loadOrCreateAtRestKey(t);
    expect(await encryptedStore(t, { cs, keys: [again] }).getPsk(b(5))).toEqual(b(0x55));
    expect(await (await loadOrCreateAtRestKey(t, { id: 9 })).cipher.seal(new Uint8Array(12), b(), b(1))).toHaveLength(17);
    await t.close();
  });

  it("rotateAtRestKey: new key first, rotate(), then the old key is gone; a repeated call finds nothing to do", async () => {
    const s = await open(`at-rest-${n++}`);
    const k1 = await loadOrCreateAtRestKey(s);
    const e1 = encryptedStore(s, { cs, keys: [k1] });
    await e1.writeClient(b(0xc1));
    await e1.writeGroup({ groupId: b(1), epoch: 2n, state: b(0x21), expectedVersion: 0, putEpochs: [{ epoch: 1n, data: b(0x11) }] });
    const { key, report } = await rotateAtRestKey(s, { cs, from: 1 });
    expect([key.id, report]).toEqual([2, { rewritten: 2, current: 0 }]);
    expect(await loadAtRestKey(s, { id: 1 })).toBeUndefined();
    const e2 = encryptedStore(s, { cs, keys: [key] });
    expect([await e2.readClient(), (await e2.readGroup(b(1)))?.pastEpochs]).toEqual([b(0xc1), [{ epoch: 1n, data: b(0x11) }]]);
    expect((await rotateAtRestKey(s, { cs, from: 1 })).report).toEqual({ rewritten: 0, current: 2 });
    expect(
      StorageError.isInstance(
        await encryptedStore(s, { cs, keys: [k1] })
          .readClient()
          .catch((x: unknown) => x),
      ),
    ).toBe(true);
    await expect(loadOrCreateAtRestKey(s, { id: -1 })).rejects.toThrow(UsageError);
    await s.close();
  });

  it("rotation from application key bytes to the stored key, then the bytes can be forgotten", async () => {
    const s = await open(`at-rest-${n++}`);
    const bytes = { id: 1, key: new Uint8Array(16).fill(7) };
    await encryptedStore(s, { cs, keys: [bytes] }).putKeyPackage(b(3), b(0x33), false);
    const key = await loadOrCreateAtRestKey(s, { id: 2 });
    expect(await encryptedStore(s, { cs, keys: [key, bytes] }).rotate()).toEqual({ rewritten: 1, current: 0 });
    expect((await encryptedStore(s, { cs, keys: [key] }).getKeyPackage(b(3)))?.data).toEqual(b(0x33));
    await s.close();
  });
});
