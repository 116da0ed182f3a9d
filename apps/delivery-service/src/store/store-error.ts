/**
 * The errors a {@link DsStore} throws. The HTTP layer maps them to a 500 (or
 * 503 for `store/closed` during shutdown); they never carry client input
 * back, only what the store was doing and the driver's message as `cause`.
 */
import { MlsError, type MlsErrorOptions } from "@mlskit/codec";

/** Every code a store throws, as a closed union. */
export const DS_STORE_ERROR_CODES = [
  /** The database refused or failed a statement (I/O, lock timeout, connection lost). */
  "store/failed",
  /** A row cannot be read back as written (a foreign writer, a damaged file). */
  "store/corrupt",
  /** The store was closed before or during the call. */
  "store/closed",
  /** The database is at a schema version above the one this code knows. */
  "store/unsupported-version",
  /** A caller passed a value the store cannot hold (an epoch beyond uint64, a negative limit). */
  "store/invalid-input",
] as const;

export type DsStoreErrorCode = (typeof DS_STORE_ERROR_CODES)[number];

const STORE_MARKER = Symbol.for("@mlskit/error/ds-store");

export class DsStoreError extends MlsError {
  readonly [STORE_MARKER] = true;
  declare readonly code: DsStoreErrorCode;

  constructor(code: DsStoreErrorCode, message: string, options: MlsErrorOptions = {}) {
    super(code, message, options);
  }

  static override isInstance(value: unknown): value is DsStoreError {
    return MlsError.isInstance(value) && (value as unknown as Record<symbol, unknown>)[STORE_MARKER] === true;
  }
}

/** A {@link DsStoreError} for whatever a call threw: ours pass through, anything else is `store/failed` with the original as `cause`. */
export function storeErrorOf(e: unknown, store: string, doing: string): DsStoreError {
  if (DsStoreError.isInstance(e)) return e;
  const code = typeof e === "object" && e !== null && typeof (e as { code?: unknown }).code === "string" ? (e as { code: string }).code : "";
  const message = e instanceof Error ? e.message : String(e);
  // SQLite reports a damaged file as SQLITE_CORRUPT / SQLITE_NOTADB (with an extended suffix); PostgreSQL as SQLSTATE XX001/XX002.
  const corrupt = /^SQLITE_(CORRUPT|NOTADB)/.test(code) || code === "XX001" || code === "XX002";
  return new DsStoreError(corrupt ? "store/corrupt" : "store/failed", `${store}: ${doing}: ${message}${code ? ` (${code})` : ""}`, { cause: e });
}
