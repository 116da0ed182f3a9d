/** Checks of what is stored: damaged rows of every kind, and tight copies of the blobs written. */
import { indexedDbStore, deleteIndexedDbStore } from "../open.js";
import { CLIENT_KEY, STORES } from "../schema.js";
import { b, check, rejectsWith, same } from "./assert.js";
import { keyOf } from "../keys.js";
import { freshName, withRawStore } from "./raw.js";
import type { AddCheck } from "./index.js";

/** Registers the row checks. @internal */
export function rowChecks(factory: IDBFactory, add: AddCheck): void {
  add("integrity: damaged rows of every kind are storage/corrupt, and a write over a damaged group changes nothing", async () => {
    const name = freshName("mlskit-rows");
    const s = await indexedDbStore({ name, indexedDB: factory });
    await s.writeClient(b(1));
    await s.writeGroup({ groupId: b(1), epoch: 1n, state: b(1), expectedVersion: 0, putEpochs: [{ epoch: 0n, data: b(0) }] });
    await s.writeGroup({ groupId: b(2), epoch: 1n, state: b(1), expectedVersion: 0 });
    await s.putKeyPackage(b(3), b(3), false);
    await s.putPsk(b(4), b(4));
    const raw = <R extends IDBRequest>(store: string, fn: (o: IDBObjectStore) => R) => withRawStore(factory, name, store, fn);
    await raw(STORES.client, (o) => o.put({ data: "not bytes" }, CLIENT_KEY));
    await raw(STORES.epochs, (o) => o.put({ data: b(7) }, [keyOf(b(1)), "010203"]));
    await raw(STORES.groups, (o) => o.put({ epoch: 1n, state: b(1), version: 0 }, keyOf(b(2))));
    await raw(STORES.keyPackages, (o) => o.put({ data: b(3), lastResort: 7 }, keyOf(b(3))));
    await raw(STORES.psks, (o) => o.put("not a record", keyOf(b(4))));
    await rejectsWith(s.readClient(), "storage/corrupt", "a damaged client record");
    await rejectsWith(s.readGroup(b(1)), "storage/corrupt", "a group with a damaged past-epoch key");
    await rejectsWith(s.readGroup(b(2)), "storage/corrupt", "a group with a damaged version");
    await rejectsWith(s.writeGroup({ groupId: b(2), epoch: 2n, state: b(2), expectedVersion: 1 }), "storage/corrupt", "a write over a damaged version");
    const row: unknown = await raw(STORES.groups, (o) => o.get(keyOf(b(2))));
    same(row, { epoch: 1n, state: b(1), version: 0 }, "the damaged row after the refused write");
    await rejectsWith(s.getKeyPackage(b(3)), "storage/corrupt", "a KeyPackage with a damaged flag");
    await rejectsWith(
      s.writeGroup({ groupId: b(5), epoch: 0n, state: b(), expectedVersion: 0, consumedKeyPackages: [b(3)] }),
      "storage/corrupt",
      "a join consuming a damaged KeyPackage",
    );
    check((await s.readGroup(b(5))) === undefined, "the refused join wrote no group");
    await rejectsWith(s.getPsk(b(4)), "storage/corrupt", "a damaged PSK");
    await s.close();
    await deleteIndexedDbStore(name, { indexedDB: factory });
  });

  add("copies: a blob written from a view is stored as its own bytes, not the buffer around it", async () => {
    const name = freshName("mlskit-rows");
    const s = await indexedDbStore({ name, indexedDB: factory });
    const buffer = new Uint8Array(64).fill(0x5e);
    const state = buffer.subarray(8, 12).fill(1);
    await s.writeGroup({ groupId: b(1), epoch: 0n, state, expectedVersion: 0, putEpochs: [{ epoch: 0n, data: buffer.subarray(0, 2) }] });
    await s.putPsk(b(2), buffer.subarray(20, 21));
    const group = (await withRawStore(factory, name, STORES.groups, (o) => o.get(keyOf(b(1))))) as { state: Uint8Array };
    const psk = (await withRawStore(factory, name, STORES.psks, (o) => o.get(keyOf(b(2))))) as { psk: Uint8Array };
    same([group.state.buffer.byteLength, psk.psk.buffer.byteLength], [4, 1], "bytes stored for a 4-byte and a 1-byte view of a 64-byte buffer");
    await s.close();
    await deleteIndexedDbStore(name, { indexedDB: factory });
  });
}
