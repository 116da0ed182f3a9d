import { toHex } from "@mlskit/codec";
import { type MemoryClientStore, memoryStore } from "@mlskit/storage-memory";
import { describe, expect, it } from "vitest";
import { StorageError } from "../errors.js";
import type { ClientStore, StoredGroup } from "../storage/client-store.js";
import { type StorageConformanceTarget, storageConformance } from "./index.js";

/** Runs every check and returns the names of those that failed (without the target's name). */
async function failures(target: StorageConformanceTarget): Promise<string[]> {
  const failed: string[] = [];
  for (const c of storageConformance(target)) await c.run().catch(() => failed.push(c.name.replace(/^[^:]+: /, "")));
  return failed;
}

/** What a mutant's replacement methods get: the correct store underneath, its fault hook, the base (correct) wrapper. */
interface Parts {
  readonly inner: MemoryClientStore;
  readonly faults: (step: string) => void;
  readonly base: ClientStore;
}

/**
 * A memory store with some methods replaced by broken ones. Damage done by
 * `corruptGroup` is simulated by the base wrapper: a damaged group reads as
 * storage/corrupt (as a correct adapter's would) until it is deleted.
 */
function mutant(patch: (p: Parts) => Partial<ClientStore> = () => ({}), how: { innerFaults?: boolean } = {}): StorageConformanceTarget {
  const made = new WeakMap<ClientStore, { inner: MemoryClientStore; faults: (step: string) => void; damaged: Set<string> }>();
  const wrap = (inner: MemoryClientStore, faults: (step: string) => void, damaged: Set<string>): ClientStore => {
    const base: ClientStore = {
      readClient: () => inner.readClient(),
      writeClient: (d) => inner.writeClient(d),
      readGroup: async (id) => {
        const g = await inner.readGroup(id);
        if (g !== undefined && damaged.has(toHex(id))) throw new StorageError("storage/corrupt", "damaged");
        return g;
      },
      writeGroup: (w) => inner.writeGroup(w),
      deleteGroup: (id) => (damaged.delete(toHex(id)), inner.deleteGroup(id)),
      groupIds: () => inner.groupIds(),
      putKeyPackage: (r, d, l) => inner.putKeyPackage(r, d, l),
      getKeyPackage: (r) => inner.getKeyPackage(r),
      deleteKeyPackage: (r) => inner.deleteKeyPackage(r),
      keyPackageRefs: () => inner.keyPackageRefs(),
      getPsk: (id) => inner.getPsk(id),
      putPsk: (id, p) => inner.putPsk(id, p),
      deletePsk: (id) => inner.deletePsk(id),
      pskIds: () => inner.pskIds(),
      close: () => inner.close(),
    };
    const store = { ...base, ...patch({ inner, faults, base }) };
    made.set(store, { inner, faults, damaged });
    return store;
  };
  return {
    name: "mutant",
    open: async (options) => {
      const faults = options?.faults ?? (() => {});
      return wrap(memoryStore(how.innerFaults === false ? {} : { faults }), faults, new Set());
    },
    reopen: async (store) => {
      const m = made.get(store)!;
      return wrap(m.inner.newHandle(), m.faults, m.damaged);
    },
    corruptGroup: async (store, groupId) => void made.get(store)!.damaged.add(toHex(groupId)),
  };
}

const GROUP_CHECKS = {
  roundTrip: "groups: round trip, versions 1, 2, 3 and groupIds",
  copies: "groups: the store keeps its own copies (caller's and returned arrays may be mutated)",
  conflict: "groups: a write naming the wrong version is storage/conflict and changes nothing",
  epochs: "past epochs: putEpochs upserts, dropEpochsBefore deletes lower epochs only, read ascending",
  uint64: "past epochs: epochs are exact over the whole uint64 range (2^53 and above, 2^63 and above)",
};
const TX_CHECKS = {
  atomicity: "atomicity: a writeGroup failing at any step changes nothing, and the store works afterwards",
  keyPackages: "KeyPackages: consumed with the group state that used them, never before; last-resort ones kept",
  oneHandle: "two writers on one handle: of two writes begun together from one version, one wins entirely, the other is storage/conflict",
  twoHandles: "two handles on the same data: each sees the other's writes; rival writes serialise or conflict, never interleave",
};

describe("storageConformance detects broken adapters", () => {
  it("passes a correct adapter, with 18 checks", async () => {
    expect(storageConformance(mutant())).toHaveLength(18);
    expect(await failures(mutant())).toEqual([]);
  });

  it("leaves out the checks that need a second handle when the target has none", () => {
    const { reopen: _, ...target } = mutant();
    expect(storageConformance(target)).toHaveLength(16);
  });

  it("a store that ignores expectedVersion (last writer wins)", async () => {
    const failed = await failures(
      mutant(({ inner }) => ({
        writeGroup: async (w) => inner.writeGroup({ ...w, expectedVersion: (await inner.readGroup(w.groupId))?.version ?? 0 }),
      })),
    );
    // Two writes begun together still both read the old version first, so the race on one handle goes unnoticed; a stale write does not.
    expect(failed).toEqual(expect.arrayContaining([GROUP_CHECKS.conflict, TX_CHECKS.twoHandles, TX_CHECKS.keyPackages]));
  });

  it("a store that deletes consumed KeyPackages before writing the group", async () => {
    const failed = await failures(
      mutant(({ inner }) => ({
        writeGroup: async ({ consumedKeyPackages, ...w }) => {
          for (const ref of consumedKeyPackages ?? []) if ((await inner.getKeyPackage(ref))?.lastResort === false) await inner.deleteKeyPackage(ref);
          return inner.writeGroup(w);
        },
      })),
    );
    expect(failed).toEqual(expect.arrayContaining([TX_CHECKS.atomicity, TX_CHECKS.keyPackages]));
  });

  it("a store that consumes last-resort KeyPackages too", async () => {
    const failed = await failures(
      mutant(({ inner }) => ({
        writeGroup: async (w) => {
          const v = await inner.writeGroup(w);
          for (const ref of w.consumedKeyPackages ?? []) await inner.deleteKeyPackage(ref);
          return v;
        },
      })),
    );
    expect(failed).toEqual(expect.arrayContaining([TX_CHECKS.atomicity, TX_CHECKS.keyPackages]));
  });

  it("a store that applies the write, then reports the steps (not atomic)", async () => {
    const failed = await failures(
      mutant(
        ({ inner, faults }) => ({
          writeGroup: async (w) => {
            const v = await inner.writeGroup(w);
            try {
              for (const step of ["state", "epochs", "key-packages"]) faults(step);
            } catch (cause) {
              throw new StorageError("storage/failed", "failed", { cause });
            }
            return v;
          },
        }),
        { innerFaults: false },
      ),
    );
    expect(failed).toEqual([TX_CHECKS.atomicity, TX_CHECKS.keyPackages]);
  });

  it("a store that lets a failure of the underlying store escape unwrapped", async () => {
    const raw = mutant(({ inner }) => ({
      writeGroup: (w) => inner.writeGroup(w).catch((e: unknown) => Promise.reject(StorageError.isInstance(e) && e.code === "storage/failed" ? e.cause : e)),
    }));
    expect(await failures(raw)).toEqual([TX_CHECKS.atomicity, TX_CHECKS.keyPackages]);
  });

  it("a store that sorts past epochs as text, and one that keeps epochs as doubles", async () => {
    const sortAsText = (g: StoredGroup | undefined): StoredGroup | undefined =>
      g && { ...g, pastEpochs: [...g.pastEpochs].sort((x, y) => (String(x.epoch) < String(y.epoch) ? -1 : 1)) };
    expect(await failures(mutant(({ base }) => ({ readGroup: async (id) => sortAsText(await base.readGroup(id)) })))).toEqual([GROUP_CHECKS.epochs, GROUP_CHECKS.uint64]);
    const asDouble = (e: bigint): bigint => BigInt(Number(e) >= 2 ** 64 ? 2 ** 64 - 2048 : Number(e));
    const lossy = mutant(({ base }) => ({
      writeGroup: (w) => base.writeGroup({ ...w, epoch: asDouble(w.epoch), putEpochs: w.putEpochs?.map((e) => ({ epoch: asDouble(e.epoch), data: e.data })) ?? [] }),
    }));
    expect(await failures(lossy)).toContain(GROUP_CHECKS.uint64);
  });

  it("a store that reads a damaged group as unknown", async () => {
    const failed = await failures(mutant(({ base }) => ({ readGroup: (id) => base.readGroup(id).catch(() => undefined) })));
    expect(failed).toContain("integrity: a damaged group reads as StorageError storage/corrupt, never undefined or a raw error");
  });

  it("a store that hands out the arrays it keeps", async () => {
    const failed = await failures(
      mutant(({ base }) => {
        const cache = new Map<string, StoredGroup>();
        return {
          readGroup: async (id) => {
            const hit = cache.get(toHex(id));
            if (hit) return hit;
            const g = await base.readGroup(id);
            if (g) cache.set(toHex(id), g);
            return g;
          },
          writeGroup: (w) => (cache.delete(toHex(w.groupId)), base.writeGroup(w)),
        };
      }),
    );
    expect(failed).toContain(GROUP_CHECKS.copies);
  });

  it("a store that stays usable after close", async () => {
    const failed = await failures(mutant(() => ({ close: async () => {} })));
    expect(failed).toEqual(["closed: every method of a closed store rejects with storage/closed; closing twice is fine"]);
  });

  it("a store whose versions do not count 1, 2, 3", async () => {
    const failed = await failures(mutant(({ inner }) => ({ writeGroup: async (w) => (await inner.writeGroup(w)) * 1 + (w.expectedVersion === 0 ? 1 : 0) })));
    expect(failed).toContain(GROUP_CHECKS.roundTrip);
  });
});
