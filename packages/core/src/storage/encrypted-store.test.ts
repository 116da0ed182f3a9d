import { toHex } from "@mlskit/codec";
import { nobleCryptoProvider } from "@mlskit/crypto-noble";
import { type MemoryClientStore, memoryStore } from "@mlskit/storage-memory";
import { describe, expect, it } from "vitest";
import { storageConformance } from "../conformance/index.js";
import type { CipherSuiteProvider } from "../crypto-provider.js";
import { CryptoError, StorageError, UsageError } from "../errors.js";
import type { ClientStore } from "./client-store.js";
import { type AtRestKey, type EncryptedClientStore, encryptedStore } from "./encrypted-store.js";
import { sealedKeyId } from "./sealed-blob.js";

const cs: CipherSuiteProvider = await nobleCryptoProvider().cipherSuite(1);
const k1: AtRestKey = { id: 1, key: new Uint8Array(16).fill(1) };
const k2: AtRestKey = { id: 0xffffffff, key: new Uint8Array(16).fill(2) };
const b = (...x: number[]) => Uint8Array.from(x);

async function storageCode(p: Promise<unknown>): Promise<string> {
  const e = await p.then(
    () => undefined,
    (x: unknown) => x,
  );
  if (!StorageError.isInstance(e)) throw new Error(`expected a StorageError, got ${String(e)}`);
  return e.code;
}

/** Everything of every kind, through `s`. */
async function fill(s: ClientStore): Promise<void> {
  await s.writeClient(b(0xc1));
  await s.writeGroup({
    groupId: b(1),
    epoch: 3n,
    state: b(0x31),
    expectedVersion: 0,
    putEpochs: [
      { epoch: 1n, data: b(0x11) },
      { epoch: 2n, data: b(0x21) },
    ],
  });
  await s.writeGroup({ groupId: b(2), epoch: 3n, state: b(0x32), expectedVersion: 0 });
  await s.putKeyPackage(b(7), b(0x77), true);
  await s.putPsk(b(5), b(0x55));
}

async function contents(s: ClientStore): Promise<unknown> {
  const g = await s.readGroup(b(1));
  return [await s.readClient(), g?.state, g?.pastEpochs, (await s.readGroup(b(2)))?.state, await s.getKeyPackage(b(7)), await s.getPsk(b(5))];
}

describe("encryptedStore conformance (over the memory store)", () => {
  const inners = new WeakMap<ClientStore, MemoryClientStore>();
  const wrap = (inner: MemoryClientStore) => {
    const s = encryptedStore(inner, { cs, keys: [k1] });
    inners.set(s, inner);
    return s;
  };
  const checks = storageConformance({
    name: "encrypted memory",
    open: async (options) => wrap(memoryStore(options?.faults ? { faults: options.faults } : {})),
    reopen: async (store) => wrap(inners.get(store)!.newHandle()),
    corruptGroup: async (store, groupId) => {
      // One bit of the sealed state flipped in the inner store, as a failing disk would.
      const inner = inners.get(store)!;
      const g = (await inner.readGroup(groupId))!;
      const state = g.state.slice();
      state[state.length - 1]! ^= 1;
      await inner.writeGroup({ groupId, epoch: g.epoch, state, expectedVersion: g.version });
    },
  });
  for (const c of checks) it(c.name, c.run);
});

describe("encryptedStore", () => {
  it("hands the inner store only sealed blobs: header, fresh nonce, ciphertext and tag", async () => {
    const inner = memoryStore();
    const s = encryptedStore(inner, { cs, keys: [k1] });
    const secret = new Uint8Array(64).fill(0xab);
    await s.writeClient(secret);
    const first = (await inner.readClient())!;
    await s.writeClient(secret);
    const second = (await inner.readClient())!;
    expect(first.length).toBe(5 + cs.aeadNonceLength + 64 + 16);
    expect([first[0], sealedKeyId(first)]).toEqual([1, 1]);
    expect(toHex(first)).not.toContain("abababab");
    expect(toHex(first.subarray(5, 5 + cs.aeadNonceLength))).not.toBe(toHex(second.subarray(5, 5 + cs.aeadNonceLength)));
    expect(await s.readClient()).toEqual(secret);
  });

  it("a tampered blob, or one sealed under a key not in the list, is storage/corrupt", async () => {
    const inner = memoryStore();
    const s = encryptedStore(inner, { cs, keys: [k1] });
    await s.putPsk(b(5), b(0x55));
    const sealed = (await inner.getPsk(b(5)))!;
    const flipped = sealed.slice();
    flipped[10]! ^= 0x80;
    await inner.putPsk(b(5), flipped);
    const e = await s.getPsk(b(5)).catch((x: unknown) => x);
    expect(StorageError.isInstance(e) && e.code === "storage/corrupt" && CryptoError.isInstance(e.cause)).toBe(true);
    const otherKey = sealed.slice();
    otherKey[4] = 9; // key id 9
    await inner.putPsk(b(5), otherKey);
    expect(await s.getPsk(b(5)).catch((x: unknown) => (x as Error).message)).toMatch(/key 9, which is not in the key list/);
    await inner.putPsk(b(5), sealed.subarray(0, 4));
    expect(await storageCode(s.getPsk(b(5)))).toBe("storage/corrupt");
  });

  it("a blob moved to another place does not open: other group, other epoch, other kind, other id, flipped last-resort flag", async () => {
    const inner = memoryStore();
    const s = encryptedStore(inner, { cs, keys: [k1] });
    await fill(s);
    const g1 = (await inner.readGroup(b(1)))!;
    const g2 = (await inner.readGroup(b(2)))!;
    // Group 1's state in group 2's row.
    await inner.writeGroup({ groupId: b(2), epoch: g2.epoch, state: g1.state, expectedVersion: g2.version });
    expect(await storageCode(s.readGroup(b(2)))).toBe("storage/corrupt");
    // The state kept, but the epoch beside it changed.
    await inner.writeGroup({ groupId: b(1), epoch: 4n, state: g1.state, expectedVersion: g1.version });
    expect(await storageCode(s.readGroup(b(1)))).toBe("storage/corrupt");
    // Past epoch 1's record under epoch 2 (the state put back as it was).
    await inner.writeGroup({ groupId: b(1), epoch: 3n, state: g1.state, expectedVersion: g1.version + 1, putEpochs: [{ epoch: 2n, data: g1.pastEpochs[0]!.data }] });
    expect(await storageCode(s.readGroup(b(1)))).toBe("storage/corrupt");
    // A past epoch's record as the group state.
    await inner.writeGroup({ groupId: b(1), epoch: 1n, state: g1.pastEpochs[0]!.data, expectedVersion: g1.version + 2, dropEpochsBefore: 100n });
    expect(await storageCode(s.readGroup(b(1)))).toBe("storage/corrupt");
    // The PSK under another id, the client record as a PSK.
    await inner.putPsk(b(6), (await inner.getPsk(b(5)))!);
    expect(await storageCode(s.getPsk(b(6)))).toBe("storage/corrupt");
    await inner.putPsk(b(), (await inner.readClient())!);
    expect(await storageCode(s.getPsk(b()))).toBe("storage/corrupt");
    // The last-resort flag, stored in the clear, flipped.
    const kp = (await inner.getKeyPackage(b(7)))!;
    await inner.putKeyPackage(b(7), kp.data, false);
    expect(await storageCode(s.getKeyPackage(b(7)))).toBe("storage/corrupt");
    expect(await s.getPsk(b(5))).toEqual(b(0x55));
  });

  it("rotation: old keys still open; rotate() reseals everything under the current key, after which the old key can go", async () => {
    const inner = memoryStore();
    await fill(encryptedStore(inner, { cs, keys: [k1] }));
    const want = await contents(encryptedStore(inner, { cs, keys: [k1] }));
    const both: EncryptedClientStore = encryptedStore(inner, { cs, keys: [k2, k1] });
    expect(await contents(both)).toEqual(want);
    await both.putPsk(b(8), b(0x88)); // already under k2
    expect(await both.rotate()).toEqual({ rewritten: 5, current: 1 });
    const g = (await inner.readGroup(b(1)))!;
    const blobs = [(await inner.readClient())!, g.state, ...g.pastEpochs.map((e) => e.data), (await inner.getKeyPackage(b(7)))!.data, (await inner.getPsk(b(5)))!];
    expect(blobs.map(sealedKeyId)).toEqual(Array(blobs.length).fill(k2.id));
    const onlyNew = encryptedStore(inner, { cs, keys: [k2] });
    expect(await contents(onlyNew)).toEqual(want);
    expect(await onlyNew.rotate()).toEqual({ rewritten: 0, current: 6 });
    expect(await storageCode(encryptedStore(inner, { cs, keys: [k1] }).readClient())).toBe("storage/corrupt");
    expect((await inner.readGroup(b(1)))!.version).toBe(2); // the group was rewritten once
  });

  it("rotation retries a group another writer changed meanwhile", async () => {
    const inner = memoryStore();
    await fill(encryptedStore(inner, { cs, keys: [k1] }));
    const other = encryptedStore(inner, { cs, keys: [k1] });
    let raced = false;
    const racing = new Proxy(inner, {
      get(target, prop, receiver) {
        const value: unknown = Reflect.get(target, prop, receiver);
        // Methods run on the store itself: its private fields are not on the proxy.
        if (prop !== "writeGroup") return typeof value === "function" ? (value as (...a: unknown[]) => unknown).bind(target) : value;
        return async (w: Parameters<ClientStore["writeGroup"]>[0]) => {
          if (!raced) {
            raced = true; // another handle writes first, under the old key
            await other.writeGroup({ groupId: w.groupId, epoch: 9n, state: b(0x99), expectedVersion: w.expectedVersion });
          }
          return target.writeGroup(w);
        };
      },
    });
    expect(await encryptedStore(racing, { cs, keys: [k2, k1] }).rotate()).toEqual({ rewritten: 5, current: 0 });
    const g = (await encryptedStore(inner, { cs, keys: [k2] }).readGroup(b(1)))!;
    expect([g.epoch, g.state, g.version]).toEqual([9n, b(0x99), 3]);
  });

  it("refuses bad key lists with UsageError", () => {
    for (const keys of [[], [k1, { ...k1, key: k2.key }], [{ id: 3, key: new Uint8Array(32) }], [{ id: -1, key: k1.key }], [{ id: 2 ** 32, key: k1.key }]]) {
      expect(() => encryptedStore(memoryStore(), { cs, keys })).toThrow(UsageError);
    }
  });
});
