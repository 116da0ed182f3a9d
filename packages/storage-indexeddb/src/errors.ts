/**
 * The mapping of IndexedDB's failures onto {@link StorageError}: our own
 * errors pass through, a database written by a newer schema is
 * `storage/unsupported-version`, anything else (quota, a closing connection,
 * a value that cannot be cloned, an aborted transaction) is `storage/failed`,
 * each with the original as `cause`.
 */
import { StorageError } from "@mlskit/core";

/** The name of a `DOMException` (or any error), or `""`. */
function nameOf(e: unknown): string {
  return typeof e === "object" && e !== null && typeof (e as { name?: unknown }).name === "string" ? (e as { name: string }).name : "";
}

/** A {@link StorageError} for whatever an IndexedDB call threw or reported while `doing` something. */
export function storageErrorOf(e: unknown, doing: string): StorageError {
  if (StorageError.isInstance(e)) return e;
  const name = nameOf(e);
  const message = e instanceof Error ? e.message : String(e);
  if (name === "VersionError") return new StorageError("storage/unsupported-version", `indexeddb store: ${doing}: ${message}`, { cause: e });
  return new StorageError("storage/failed", `indexeddb store: ${doing}: ${message}${name ? ` (${name})` : ""}`, { cause: e });
}

/** A row that cannot be read back as written. */
export function corrupt(what: string, why: string): never {
  throw new StorageError("storage/corrupt", `indexeddb store: ${what} ${why}`);
}
