/**
 * Keys of the object stores: ids and epochs as lowercase hex strings. String
 * keys compare by code unit, so hex sorts like the bytes it spells (and a
 * 16-digit epoch like the number), every engine supports them, and the empty
 * id is a valid key (some IndexedDB implementations refuse an empty binary
 * key). A key read back that is not such a string is `storage/corrupt`.
 */
import { corrupt } from "./errors.js";

/** The key of an id (a group id, a KeyPackageRef, a PSK id, a CryptoKey slot). */
export function keyOf(bytes: Uint8Array): string {
  let s = "";
  for (const x of bytes) s += x.toString(16).padStart(2, "0");
  return s;
}

/** The id a key spells. */
export function idOfKey(key: unknown, what: string): Uint8Array {
  if (typeof key !== "string" || !/^(?:[0-9a-f]{2})*$/.test(key)) corrupt(what, `is not a hex key (${typeof key})`);
  const out = new Uint8Array(key.length / 2);
  for (let i = 0; i < out.length; i++) out[i] = parseInt(key.slice(2 * i, 2 * i + 2), 16);
  return out;
}

/** An epoch (uint64, checked by the caller) as the 16 hex digits of its key. */
export const epochKey = (epoch: bigint): string => epoch.toString(16).padStart(16, "0");

/** An epoch read back from its key. */
export function epochOfKey(key: unknown, what: string): bigint {
  if (typeof key !== "string" || !/^[0-9a-f]{16}$/.test(key)) corrupt(what, `is not 16 hex digits (${typeof key === "string" ? JSON.stringify(key) : typeof key})`);
  return BigInt(`0x${key}`);
}

/** The key range of one group's past epochs (`[group key, epoch key]`), all of them or those below `before`; `undefined` when empty. */
export function epochRange(groupKey: string, before?: bigint): IDBKeyRange | undefined {
  const low = [groupKey, epochKey(0n)];
  if (before === undefined) return IDBKeyRange.bound(low, [groupKey, "f".repeat(16)]);
  return before === 0n ? undefined : IDBKeyRange.bound(low, [groupKey, epochKey(before)], false, true);
}
