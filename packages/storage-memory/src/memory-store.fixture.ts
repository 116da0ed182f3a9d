/** Test-only: damages what a memory store holds, as the conformance suite's `corruptGroup` needs. */
import { type MemoryClientStore, dataOf } from "./memory-store.js";
import { keyOf } from "./hex.js";
import type { GroupRow } from "./rows.js";

/** Replaces the group's state blob with something that is not bytes (a bug elsewhere in the process would). */
export async function corruptMemoryGroup(store: MemoryClientStore, groupId: Uint8Array): Promise<void> {
  const groups = dataOf(store).groups;
  const row = groups.get(keyOf(groupId));
  if (row === undefined) throw new Error(`no group ${keyOf(groupId)} to damage`);
  groups.set(keyOf(groupId), { ...row, state: "not bytes" as unknown as Uint8Array } satisfies GroupRow);
}
