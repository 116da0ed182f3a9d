/**
 * The data behind one or more {@link MemoryClientStore} handles, and the
 * checks of its rows on the way out. Rows are never modified in place: a
 * write builds new rows and swaps them in, so a write that fails half way
 * leaves the old rows untouched. @internal
 */
import { StorageError, isUint64 } from "@mlskit/core";

/** One group as held: its own copies of every blob. */
export interface GroupRow {
  readonly epoch: bigint;
  readonly state: Uint8Array;
  readonly version: number;
  /** Past-epoch records by epoch (unordered: sorted when read). */
  readonly epochs: ReadonlyMap<bigint, Uint8Array>;
}

/** One KeyPackage's material as held. */
export interface KeyPackageRow {
  readonly data: Uint8Array;
  readonly lastResort: boolean;
}

/** Everything a memory store holds, shared by the handles on it. Ids are keyed by their hex. */
export class MemoryData {
  client: Uint8Array | undefined;
  readonly groups = new Map<string, GroupRow>();
  readonly keyPackages = new Map<string, KeyPackageRow>();
  readonly psks = new Map<string, Uint8Array>();
}

function corrupt(what: string): never {
  throw new StorageError("storage/corrupt", `memory store: ${what} cannot be read back`);
}

/** A copy of a stored blob, or `storage/corrupt` when the row holds something else. */
export function blobOut(value: unknown, what: string): Uint8Array {
  if (!(value instanceof Uint8Array)) corrupt(what);
  return value.slice();
}

/** The stored version of a group row (it is all a write needs of the old row). */
export function versionOf(row: GroupRow, what: string): number {
  if (!Number.isSafeInteger(row.version) || row.version < 1) corrupt(`${what} (version)`);
  return row.version;
}

/** The past-epoch records of a row, ascending, checked and copied. */
export function epochsOut(row: GroupRow, what: string): { epoch: bigint; data: Uint8Array }[] {
  if (!(row.epochs instanceof Map)) corrupt(`${what} (past epochs)`);
  const out = [...row.epochs].map(([epoch, data]) => {
    if (!isUint64(epoch)) corrupt(`${what} (a past epoch number)`);
    return { epoch, data: blobOut(data, `${what} (epoch ${epoch})`) };
  });
  return out.sort((x, y) => (x.epoch < y.epoch ? -1 : x.epoch > y.epoch ? 1 : 0));
}
