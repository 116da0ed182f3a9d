/**
 * Values read back from either database, checked: a row that cannot be read
 * back as written is `store/corrupt`, never a wrong answer. Bytes leave as
 * plain `Uint8Array`s of their own (drivers hand out Node Buffers).
 */
import { DsStoreError } from "./store-error.js";

function corrupt(what: string, why: string): never {
  throw new DsStoreError("store/corrupt", `ds store: ${what} ${why}`);
}

export function bytesOf(value: unknown, what: string): Uint8Array {
  if (!(value instanceof Uint8Array)) corrupt(what, `is not bytes (${value === null ? "NULL" : typeof value})`);
  return new Uint8Array(value);
}

export function optionalBytesOf(value: unknown, what: string): Uint8Array | undefined {
  return value === null || value === undefined ? undefined : bytesOf(value, what);
}

export function textOf(value: unknown, what: string): string {
  if (typeof value !== "string") corrupt(what, `is not text (${typeof value})`);
  return value;
}

/** A non-negative integer; PostgreSQL's BIGINT arrives as a decimal string. */
export function countOf(value: unknown, what: string): number {
  const n = typeof value === "string" && /^\d+$/.test(value) ? Number(value) : typeof value === "bigint" ? Number(value) : value;
  if (typeof n !== "number" || !Number.isSafeInteger(n) || n < 0) corrupt(what, `is not a count (${String(value)})`);
  return n;
}

export function kindOf(value: unknown, what: string): "welcome" | "handshake" | "application" {
  if (value !== "welcome" && value !== "handshake" && value !== "application") corrupt(what, `is not a queue kind (${String(value)})`);
  return value;
}

/** An epoch as SQLite stores it: 8-byte big-endian. */
export function epochToBlob(epoch: bigint): Uint8Array {
  const out = new Uint8Array(8);
  new DataView(out.buffer).setBigUint64(0, epoch);
  return out;
}

export function epochOfBlob(value: unknown, what: string): bigint {
  const bytes = bytesOf(value, what);
  if (bytes.length !== 8) corrupt(what, `is ${bytes.length} bytes, not 8`);
  return new DataView(bytes.buffer).getBigUint64(0);
}

/** An epoch as PostgreSQL returns NUMERIC(20, 0): a decimal string. */
export function epochOfDecimal(value: unknown, what: string): bigint {
  if (typeof value !== "string" || !/^\d{1,20}$/.test(value)) corrupt(what, `is not an epoch (${String(value)})`);
  const epoch = BigInt(value);
  if (epoch >= 1n << 64n) corrupt(what, `is beyond uint64 (${value})`);
  return epoch;
}

/** Checks a caller's count argument (a limit, a cursor). */
export function checkCount(n: number, what: string): number {
  if (!Number.isSafeInteger(n) || n < 0) throw new DsStoreError("store/invalid-input", `ds store: ${what} ${n} is not a non-negative integer`);
  return n;
}
