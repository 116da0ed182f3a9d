/**
 * Errors of the DS client itself (the Delivery Service's own answers are
 * `DsError`s of `@mlskit/ds-protocol`): an answer that does not check out,
 * a network that stays down, a room that is not there, retries exhausted.
 */
import { MlsError } from "@mlskit/codec";
import type { DsClientErrorCode } from "./error-codes.js";

export { DS_CLIENT_ERROR_CODES, type DsClientErrorCode } from "./error-codes.js";

/** An error of the DS client (not an answer of the Delivery Service: those are `DsError`s). */
export class DsClientError extends MlsError {
  declare readonly code: DsClientErrorCode;

  constructor(code: DsClientErrorCode, message: string, options: { cause?: unknown } = {}) {
    super(code, message, options.cause === undefined ? {} : { cause: options.cause });
  }
}
