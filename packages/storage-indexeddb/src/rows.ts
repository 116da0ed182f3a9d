/**
 * Values of the object stores: tight copies of every blob written, and
 * checks of every value read (a row that cannot be read back as written is
 * `storage/corrupt`, never a wrong answer).
 */
import { isUint64 } from "@mlskit/core";
import { corrupt } from "./errors.js";

/** A group's row in the `groups` store. */
export interface GroupRow {
  readonly epoch: bigint;
  readonly state: Uint8Array;
  readonly version: number;
}

/**
 * A blob as stored: a copy of exactly its bytes. Structured clone of a view
 * would store the whole underlying buffer, and with it whatever else that
 * buffer holds.
 */
export const own = (bytes: Uint8Array): Uint8Array => bytes.slice();

/** A binary value read back, as a plain `Uint8Array` of its own. */
export function bytesOf(value: unknown, what: string): Uint8Array {
  if (value instanceof Uint8Array) return new Uint8Array(value);
  if (value instanceof ArrayBuffer) return new Uint8Array(value.slice(0));
  return corrupt(what, `is not bytes (${value === null ? "null" : typeof value})`);
}

/** A stored record's field (the record must be an object). */
export function fieldOf(row: unknown, field: string, what: string): unknown {
  if (typeof row !== "object" || row === null) corrupt(what, `is not a record (${row === null ? "null" : typeof row})`);
  return (row as Record<string, unknown>)[field];
}

/** A group version read back (an integer from 1). */
function versionOf(value: unknown, what: string): number {
  if (typeof value !== "number" || !Number.isSafeInteger(value) || value < 1) corrupt(what, `is not a version (${String(value)})`);
  return value;
}

/** A group row read back. */
export function groupRowOf(row: unknown, what: string): GroupRow {
  const epoch = fieldOf(row, "epoch", what);
  if (!isUint64(epoch)) corrupt(`${what}'s epoch`, `is not a uint64 (${typeof epoch})`);
  return { epoch, state: bytesOf(fieldOf(row, "state", what), `${what}'s state`), version: versionOf(fieldOf(row, "version", what), `${what}'s version`) };
}

/** A last-resort flag read back. */
export function flagOf(value: unknown, what: string): boolean {
  if (typeof value !== "boolean") corrupt(what, `is not a boolean (${String(value)})`);
  return value;
}
