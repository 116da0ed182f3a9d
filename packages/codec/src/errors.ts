/**
 * The error base shared by every `@mlskit/*` package.
 *
 * It lives in the lowest layer so that the codec can throw it; `@mlskit/core`
 * re-exports it and adds the other sources of failure. A `Symbol.for` marker
 * (not `instanceof`) identifies our errors, so the check survives two copies of
 * a package in one bundle.
 */
import type { CodecErrorCode } from "./error-codes.js";

const MARKER = Symbol.for("@mlskit/error");

/** Options accepted by every {@link MlsError} subclass. */
export interface MlsErrorOptions {
  readonly cause?: unknown;
}

/** Base class of every error thrown by mlskit. `code` is stable API. */
export class MlsError extends Error {
  readonly [MARKER] = true;
  /** A machine-readable error code, such as `codec/truncated`. */
  readonly code: string;

  constructor(code: string, message: string, options: MlsErrorOptions = {}) {
    super(message, options.cause === undefined ? undefined : { cause: options.cause });
    this.code = code;
    this.name = new.target.name;
  }

  /** True for any mlskit error, whichever copy of the package created it. */
  static isInstance(value: unknown): value is MlsError {
    return typeof value === "object" && value !== null && (value as Record<symbol, unknown>)[MARKER] === true;
  }
}

/** The kinds of malformed encoding a decoder reports. */
export type { CodecErrorCode } from "./error-codes.js";

const CODEC_MARKER = Symbol.for("@mlskit/error/codec");

/**
 * Malformed bytes. Carries the byte offset where decoding failed and the
 * path of struct fields being decoded (for example `KeyPackage.leaf_node.credential`).
 */
export class CodecError extends MlsError {
  readonly [CODEC_MARKER] = true;
  declare readonly code: CodecErrorCode;
  /** Byte offset in the input at which the problem was found. */
  readonly offset: number;
  /** Dotted path of the field being decoded, or `""` at top level. */
  readonly path: string;

  constructor(code: CodecErrorCode, reason: string, offset: number, path: string, options: MlsErrorOptions = {}) {
    super(code, `${reason} at offset ${offset}${path ? ` in ${path}` : ""}`, options);
    this.offset = offset;
    this.path = path;
  }

  static override isInstance(value: unknown): value is CodecError {
    return MlsError.isInstance(value) && (value as unknown as Record<symbol, unknown>)[CODEC_MARKER] === true;
  }
}
