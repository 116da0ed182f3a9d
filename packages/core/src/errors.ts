/**
 * The error taxonomy (docs/ARCHITECTURE.md "Errors"): one base {@link MlsError} from the
 * codec, and a subclass per source of failure. Each carries a stable `code`.
 */
import { MlsError, type MlsErrorOptions } from "@mlskit/codec";

export { MlsError, CodecError, type CodecErrorCode, type MlsErrorOptions } from "@mlskit/codec";

function markedIs(marker: symbol) {
  return (value: unknown): boolean => MlsError.isInstance(value) && (value as unknown as Record<symbol, unknown>)[marker] === true;
}

const VALIDATION = Symbol.for("@mlskit/error/validation");
/**
 * Input from the network broke a rule of the protocol. `rfcSection` names the
 * RFC 9420 section whose MUST was violated (for example `"7.9.2"`).
 */
export class ValidationError extends MlsError {
  readonly [VALIDATION] = true;
  readonly rfcSection: string;
  constructor(code: string, rfcSection: string, message: string, options: MlsErrorOptions = {}) {
    super(code, `${message} (RFC 9420 §${rfcSection})`, options);
    this.rfcSection = rfcSection;
  }
  static override isInstance = markedIs(VALIDATION) as (v: unknown) => v is ValidationError;
}

const USAGE = Symbol.for("@mlskit/error/usage");
/** The library was called wrongly (bad argument, operation not allowed in this state). */
export class UsageError extends MlsError {
  readonly [USAGE] = true;
  static override isInstance = markedIs(USAGE) as (v: unknown) => v is UsageError;
}

const CRYPTO = Symbol.for("@mlskit/error/crypto");
/**
 * A crypto provider failed or refused: decryption or authentication failure,
 * an invalid key, or an algorithm the runtime does not offer
 * (`crypto/unsupported`).
 */
export class CryptoError extends MlsError {
  readonly [CRYPTO] = true;
  static override isInstance = markedIs(CRYPTO) as (v: unknown) => v is CryptoError;
}

const INTERNAL = Symbol.for("@mlskit/error/internal");
/** A bug in mlskit: an invariant did not hold. */
export class InternalError extends MlsError {
  readonly [INTERNAL] = true;
  static override isInstance = markedIs(INTERNAL) as (v: unknown) => v is InternalError;
}

/**
 * `value`, which an invariant of mlskit guarantees is defined (instead of a
 * `!` assertion): when it is not, that is a bug, thrown as InternalError
 * `internal/invariant` naming `what`, never blamed on the input.
 */
export function expectDefined<T>(value: T | undefined, what: string): T {
  if (value === undefined) throw new InternalError("internal/invariant", `${what} is undefined: an invariant of mlskit did not hold`);
  return value;
}

/** What went wrong in a {@link StorageError}. */
export type StorageErrorCode =
  /** A write named a version that is not the stored one (another writer came first). */
  | "storage/conflict"
  /** Stored data could not be read back as written (damaged row, failed authentication at rest, bad format). */
  | "storage/corrupt"
  /** The data was written by a newer format version than this code reads. */
  | "storage/unsupported-version"
  /** The store was closed. */
  | "storage/closed"
  /** The underlying store failed (I/O, quota, driver error); see `cause`. */
  | "storage/failed";

const STORAGE = Symbol.for("@mlskit/error/storage");
/** A storage adapter or a stored blob failed (see {@link StorageErrorCode}). */
export class StorageError extends MlsError {
  readonly [STORAGE] = true;
  declare readonly code: StorageErrorCode;
  constructor(code: StorageErrorCode, message: string, options: MlsErrorOptions = {}) {
    super(code, message, options);
  }
  static override isInstance = markedIs(STORAGE) as (v: unknown) => v is StorageError;
}

/** What failed in a {@link ProviderError}. */
export type ProviderErrorCode =
  /** The application's IdentityProvider threw something that is not an mlskit error; see `cause`. */
  "provider/identity-failed";

const PROVIDER = Symbol.for("@mlskit/error/provider");
/**
 * A provider of the application (its IdentityProvider) failed with an
 * exception of its own, not an mlskit error: the original is the `cause`.
 * Neither the input nor mlskit is at fault, so it is not a ValidationError or
 * an InternalError. (A storage adapter's failures are {@link StorageError}
 * `storage/failed`.)
 */
export class ProviderError extends MlsError {
  readonly [PROVIDER] = true;
  declare readonly code: ProviderErrorCode;
  constructor(code: ProviderErrorCode, message: string, options: MlsErrorOptions = {}) {
    super(code, message, options);
  }
  static override isInstance = markedIs(PROVIDER) as (v: unknown) => v is ProviderError;
}
