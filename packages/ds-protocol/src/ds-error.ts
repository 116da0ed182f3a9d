import { MlsError } from "@mlskit/codec";
import { DS_ERROR_CODES, DS_ERROR_STATUS, type DsErrorCode } from "./error-codes.js";

/** The JSON body of every error answer. */
export interface DsErrorBody {
  readonly error: DsErrorCode;
  readonly message: string;
  /** With `group/stale-epoch` and `group/future-epoch`: the group's epoch at the DS (decimal). */
  readonly currentEpoch?: string;
}

/**
 * An error of the Delivery Service protocol: thrown by the server (and turned
 * into a {@link DsErrorBody} with {@link DsError.status}) and by the client
 * when the server answers with one.
 */
export class DsError extends MlsError {
  declare readonly code: DsErrorCode;
  /** The group's epoch at the DS, with an epoch conflict. */
  readonly currentEpoch: bigint | undefined;

  constructor(code: DsErrorCode, message: string, options: { currentEpoch?: bigint; cause?: unknown } = {}) {
    super(code, message, options.cause === undefined ? {} : { cause: options.cause });
    this.currentEpoch = options.currentEpoch;
  }

  /** The HTTP status this error is answered with. */
  get status(): number {
    return DS_ERROR_STATUS[this.code];
  }

  /** The JSON body to answer with. */
  toBody(): DsErrorBody {
    return this.currentEpoch === undefined ? { error: this.code, message: this.message } : { error: this.code, message: this.message, currentEpoch: this.currentEpoch.toString() };
  }

  /** Reads an error body from the network; an unknown or missing code becomes `internal/failed`. */
  static fromBody(status: number, body: unknown): DsError {
    const b = (typeof body === "object" && body !== null ? body : {}) as Record<string, unknown>;
    const code = (DS_ERROR_CODES as readonly string[]).includes(b.error as string) ? (b.error as DsErrorCode) : "internal/failed";
    const message = typeof b.message === "string" ? b.message : `HTTP ${status}`;
    const epoch = typeof b.currentEpoch === "string" && /^\d+$/.test(b.currentEpoch) ? BigInt(b.currentEpoch) : undefined;
    return new DsError(code, message, epoch === undefined ? {} : { currentEpoch: epoch });
  }
}
