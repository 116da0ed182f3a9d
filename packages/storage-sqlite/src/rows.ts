/**
 * Values between JavaScript and the database: epochs as 8-byte big-endian
 * BLOBs, checks of every value read (a row that cannot be read back as
 * written is `storage/corrupt`, never a wrong answer), and the mapping of
 * driver errors onto {@link StorageError}.
 */
import { StorageError } from "@mlskit/core";

/** An epoch (uint64, checked by the caller) as the 8-byte big-endian BLOB stored. */
export function epochToBlob(epoch: bigint): Uint8Array {
  const out = new Uint8Array(8);
  new DataView(out.buffer).setBigUint64(0, epoch);
  return out;
}

function corrupt(what: string, why: string): never {
  throw new StorageError("storage/corrupt", `sqlite store: ${what} ${why}`);
}

/**
 * A BLOB read from the database, as a plain `Uint8Array` of its own (the
 * driver hands out Node buffers, whose `slice` does not copy).
 */
export function blobOf(value: unknown, what: string): Uint8Array {
  if (!(value instanceof Uint8Array)) corrupt(what, `is not a BLOB (${value === null ? "NULL" : typeof value})`);
  return new Uint8Array(value);
}

/** An epoch read back from its BLOB. */
export function epochOf(value: unknown, what: string): bigint {
  const bytes = blobOf(value, what);
  if (bytes.length !== 8) corrupt(what, `is ${bytes.length} bytes, not 8`);
  return new DataView(bytes.buffer).getBigUint64(0);
}

/** A group version read back (an integer from 1). */
export function versionOf(value: unknown, what: string): number {
  if (typeof value !== "number" || !Number.isSafeInteger(value) || value < 1) corrupt(what, `is not a version (${String(value)})`);
  return value;
}

/** A last-resort flag read back (0 or 1). */
export function flagOf(value: unknown, what: string): boolean {
  if (value !== 0 && value !== 1) corrupt(what, `is not 0 or 1 (${String(value)})`);
  return value === 1;
}

/** SQLite result codes (primary, before the extended suffix) that mean the file itself is damaged or not a database. */
const CORRUPT_CODES = new Set(["SQLITE_CORRUPT", "SQLITE_NOTADB"]);

/**
 * A {@link StorageError} for whatever a database call threw: our own errors
 * pass through, a damaged file is `storage/corrupt`, anything else from the
 * driver or the file system is `storage/failed`, each with the original as
 * `cause`.
 */
export function storageErrorOf(e: unknown, doing: string): StorageError {
  if (StorageError.isInstance(e)) return e;
  const code = typeof e === "object" && e !== null && typeof (e as { code?: unknown }).code === "string" ? (e as { code: string }).code : "";
  const message = e instanceof Error ? e.message : String(e);
  if (CORRUPT_CODES.has(code.replace(/^(SQLITE_[A-Z]+)_.*$/, "$1"))) return new StorageError("storage/corrupt", `sqlite store: ${doing}: ${message}`, { cause: e });
  return new StorageError("storage/failed", `sqlite store: ${doing}: ${message}${code ? ` (${code})` : ""}`, { cause: e });
}
