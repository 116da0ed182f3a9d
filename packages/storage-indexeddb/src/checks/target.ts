/** The storage conformance target of `@mlskit/core/conformance` for IndexedDB stores of one `IDBFactory`. */
import type { ClientStore } from "@mlskit/core";
import type { StorageConformanceTarget } from "@mlskit/core/conformance";
import { IndexedDbClientStore } from "../indexeddb-store.js";
import { indexedDbStore } from "../open.js";
import { STORES } from "../schema.js";
import { keyOf } from "../keys.js";
import { freshName, withRawStore } from "./raw.js";

/**
 * A {@link StorageConformanceTarget} whose stores are fresh databases of
 * `factory` (one per check); `reopen` opens a second connection on the same
 * database; `corruptGroup` rewrites the group's row with an epoch that is no
 * uint64, through a raw connection.
 */
export function indexedDbConformanceTarget(factory: IDBFactory, name = "IndexedDB"): StorageConformanceTarget {
  const faultsOf = new WeakMap<ClientStore, ((step: string) => void) | undefined>();
  const open = async (dbName: string, faults: ((step: string) => void) | undefined) => {
    const store = await indexedDbStore({ name: dbName, indexedDB: factory, ...(faults ? { faults } : {}) });
    faultsOf.set(store, faults);
    return store;
  };
  const nameOf = (store: ClientStore): string => {
    if (!(store instanceof IndexedDbClientStore)) throw new Error("not a store of this target");
    return store.name;
  };
  return {
    name,
    open: (options) => open(freshName("mlskit-conformance"), options?.faults),
    reopen: (store) => open(nameOf(store), faultsOf.get(store)),
    corruptGroup: async (store, groupId) => {
      const row: unknown = await withRawStore(factory, nameOf(store), STORES.groups, (s) => s.get(keyOf(groupId)));
      if (row === undefined) throw new Error("no group to damage");
      await withRawStore(factory, nameOf(store), STORES.groups, (s) => s.put({ ...(row as object), epoch: "not an epoch" }, keyOf(groupId)));
    },
  };
}
