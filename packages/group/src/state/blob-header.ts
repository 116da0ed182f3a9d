/**
 * The header of every blob this folder writes for storage (docs/ARCHITECTURE.md
 * "State": a versioned, encoded blob, format version first):
 *
 * ```tls
 * struct {
 *     opaque magic[4];        // "MLSG" group state, "MLSE" past epoch, "MLSK" KeyPackage material, "MLSO" observer's public view
 *     uint16 format_version;  // 1
 *     uint16 cipher_suite;
 *     ...                     // the body of that kind and version
 * } StoredBlob;
 * ```
 *
 * A reader can tell the kind and suite of a blob before it has a provider
 * for the suite ({@link peekStateHeader}). Errors: a blob that cannot be
 * read as written is a `StorageError` `storage/corrupt` (with the
 * underlying `CodecError` or `ValidationError`, which names the offset and
 * field, as its `cause`); one written by a newer format is
 * `storage/unsupported-version`.
 */
import { Reader, type Writer } from "@mlskit/codec";
import { MlsError, StorageError, UsageError, expectDefined } from "@mlskit/core";

/** The kinds of blob, by magic. */
export const BLOB_MAGIC = {
  "group-state": "MLSG",
  "past-epoch": "MLSE",
  "key-package-material": "MLSK",
  "public-group-view": "MLSO",
} as const;

/** A kind of stored blob. */
export type BlobKind = keyof typeof BLOB_MAGIC;

/** The format version this code writes, and the newest it reads. */
export const STATE_FORMAT_VERSION = 1;

/** Bytes of the header: magic, format version, cipher suite. */
export const HEADER_LENGTH = 8;

/** What the header of a stored blob says. */
export interface StateHeader {
  readonly kind: BlobKind;
  readonly formatVersion: number;
  readonly cipherSuite: number;
}

const MAGIC_BYTES: Record<BlobKind, Uint8Array> = {
  "group-state": new TextEncoder().encode(BLOB_MAGIC["group-state"]),
  "past-epoch": new TextEncoder().encode(BLOB_MAGIC["past-epoch"]),
  "key-package-material": new TextEncoder().encode(BLOB_MAGIC["key-package-material"]),
  "public-group-view": new TextEncoder().encode(BLOB_MAGIC["public-group-view"]),
};

/** Writes the header of a blob of `kind` in the current format. */
export function writeHeader(w: Writer, kind: BlobKind, cipherSuite: number): void {
  w.bytes(MAGIC_BYTES[kind]);
  w.uint16(STATE_FORMAT_VERSION);
  w.uint16(cipherSuite);
}

function kindOf(bytes: Uint8Array): BlobKind | undefined {
  for (const [kind, magic] of Object.entries(MAGIC_BYTES) as [BlobKind, Uint8Array][]) {
    if (magic.every((b, i) => bytes[i] === b)) return kind;
  }
  return undefined;
}

/**
 * The header of a stored blob, without reading its body: what the storage
 * layer needs to pick the cipher suite provider before decoding.
 * @throws StorageError `storage/corrupt` when the blob is shorter than a
 *   header or its magic is none of {@link BLOB_MAGIC}.
 */
export function peekStateHeader(bytes: Uint8Array): StateHeader {
  if (bytes.length < HEADER_LENGTH) throw new StorageError("storage/corrupt", `a stored blob of ${bytes.length} bytes is shorter than its ${HEADER_LENGTH}-byte header`);
  const kind = kindOf(bytes);
  if (kind === undefined) throw new StorageError("storage/corrupt", "a stored blob does not start with a known magic (MLSG, MLSE, MLSK, MLSO)");
  return {
    kind,
    formatVersion: (expectDefined(bytes[4], "bytes[4]") << 8) | expectDefined(bytes[5], "bytes[5]"),
    cipherSuite: (expectDefined(bytes[6], "bytes[6]") << 8) | expectDefined(bytes[7], "bytes[7]"),
  };
}

/**
 * Checks the header of a blob that must be of `kind`, of a format this code
 * reads and (when given) of `cipherSuite`; returns a reader positioned at the body.
 * @throws StorageError `storage/corrupt` (short, wrong magic, version 0),
 *   `storage/unsupported-version` (a newer format); UsageError
 *   `usage/cipher-suite-mismatch` when the blob is of another suite than the
 *   provider it is decoded with.
 */
export function readHeader(bytes: Uint8Array, kind: BlobKind, cipherSuite?: number): { header: StateHeader; body: Reader } {
  const header = peekStateHeader(bytes);
  if (header.kind !== kind) throw new StorageError("storage/corrupt", `expected a ${kind} blob (${BLOB_MAGIC[kind]}), got a ${header.kind} blob`);
  if (header.formatVersion === 0) throw new StorageError("storage/corrupt", `${kind} blob with format version 0`);
  if (header.formatVersion > STATE_FORMAT_VERSION) {
    throw new StorageError("storage/unsupported-version", `${kind} blob of format version ${header.formatVersion}; this code reads up to ${STATE_FORMAT_VERSION}`);
  }
  if (cipherSuite !== undefined && header.cipherSuite !== cipherSuite) {
    throw new UsageError("usage/cipher-suite-mismatch", `the ${kind} blob is of cipher suite ${header.cipherSuite}, decoded with a provider of suite ${cipherSuite}`);
  }
  // One reader over the whole blob, past the header: error offsets count from the blob's start.
  const body = new Reader(bytes);
  body.bytes(HEADER_LENGTH);
  return { header, body };
}

/** A `storage/corrupt` error about a blob of `kind`. */
export function corrupt(kind: BlobKind, message: string, cause?: unknown): StorageError {
  return new StorageError("storage/corrupt", `${kind} blob: ${message}`, cause === undefined ? {} : { cause });
}

/**
 * Runs the decoding of a blob's body: every failure that is not already a
 * `StorageError` becomes `storage/corrupt`
 * with the original error as `cause` (a decoder bug included: a stored blob
 * never crashes its reader with a bare TypeError or RangeError).
 */
export async function decodingBody<T>(kind: BlobKind, run: () => T | Promise<T>): Promise<T> {
  try {
    return await run();
  } catch (e) {
    throw asCorrupt(kind, e);
  }
}

/** {@link decodingBody} for a synchronous decoder. */
export function decodingBodySync<T>(kind: BlobKind, run: () => T): T {
  try {
    return run();
  } catch (e) {
    throw asCorrupt(kind, e);
  }
}

function asCorrupt(kind: BlobKind, e: unknown): unknown {
  if (StorageError.isInstance(e)) return e;
  const message = e instanceof Error ? e.message : String(e);
  return corrupt(kind, MlsError.isInstance(e) ? message : `unreadable (${message})`, e);
}
