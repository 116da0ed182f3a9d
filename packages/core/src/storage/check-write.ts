/**
 * Argument checks every storage adapter applies before a write, so that all
 * adapters refuse the same malformed calls with the same error, before they
 * touch their data.
 */
import { UsageError } from "../errors.js";
import type { GroupWrite } from "./client-store.js";

const UINT64_LIMIT = 1n << 64n;

/** True for a bigint in RFC 9420's `uint64` range (epochs). */
export function isUint64(value: unknown): value is bigint {
  return typeof value === "bigint" && value >= 0n && value < UINT64_LIMIT;
}

/**
 * Checks the shape of a {@link GroupWrite}: byte arrays where bytes are due,
 * epochs in the `uint64` range, `expectedVersion` a non-negative safe integer.
 * @throws UsageError `usage/invalid-argument` naming the first bad field.
 */
export function checkGroupWrite(write: GroupWrite): void {
  const bad = (field: string): never => {
    throw new UsageError("usage/invalid-argument", `GroupWrite.${field} is invalid`);
  };
  if (!(write.groupId instanceof Uint8Array)) bad("groupId");
  if (!isUint64(write.epoch)) bad("epoch (a uint64 bigint)");
  if (!(write.state instanceof Uint8Array)) bad("state");
  if (!Number.isSafeInteger(write.expectedVersion) || write.expectedVersion < 0) bad("expectedVersion (a non-negative integer)");
  for (const [i, e] of (write.putEpochs ?? []).entries()) {
    if (!isUint64(e.epoch)) bad(`putEpochs[${i}].epoch (a uint64 bigint)`);
    if (!(e.data instanceof Uint8Array)) bad(`putEpochs[${i}].data`);
  }
  if (write.dropEpochsBefore !== undefined && !isUint64(write.dropEpochsBefore)) bad("dropEpochsBefore (a uint64 bigint)");
  for (const [i, ref] of (write.consumedKeyPackages ?? []).entries()) if (!(ref instanceof Uint8Array)) bad(`consumedKeyPackages[${i}]`);
}
