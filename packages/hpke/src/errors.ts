/** Error helpers: every failure leaves this package as a {@link CryptoError} or {@link UsageError}. */
import { CryptoError } from "@mlskit/core";
import type { HpkeErrorCode } from "./error-codes.js";

/**
 * Stable error codes thrown by `@mlskit/hpke`.
 * - `crypto/invalid-key`: a key of the wrong size, or a public key that is not
 *   a valid point / gives an all-zero DH output (RFC 9180 §7.1.4).
 * - `crypto/hpke-open`: decapsulation or AEAD decryption failed (RFC 9180
 *   DecapError / OpenError); deliberately does not say which.
 * - `crypto/aead-open`: a bare AEAD decryption failed.
 * - `crypto/derive-key-pair`: no valid scalar in 256 candidates (RFC 9180
 *   §7.1.3 DeriveKeyPairError; probability below 2^-32 per candidate).
 * - `crypto/hpke-message-limit`: the context's sequence number is exhausted
 *   (RFC 9180 §5.2 MessageLimitReachedError).
 * - `crypto/unsupported`: an algorithm the primitive source does not offer.
 * - `hpke/export-only` (a UsageError): Seal/Open on an export-only context
 *   (RFC 9180 §5.3).
 * - `hpke/encapsulation-used` (a UsageError): a second seal on one
 *   encapsulation (its shared secret is wiped after the first).
 * - `hpke/unsupported-mode` (a UsageError): a test vector of a mode other
 *   than Base; only Base mode is implemented, as MLS uses it.
 * - `hpke/kem-kdf-mismatch`, `hpke/wrong-role` (UsageErrors): a KEM paired
 *   with another KDF than its own, a context used for the other role.
 * The full list is {@link HPKE_ERROR_CODES} (error-codes.ts).
 */
export type { HpkeErrorCode } from "./error-codes.js";

/** Wraps `cause` in a CryptoError with `code`, unless it already is one. */
export function asCryptoError(cause: unknown, code: HpkeErrorCode, message: string): CryptoError {
  if (CryptoError.isInstance(cause)) return cause;
  return new CryptoError(code, message, { cause });
}
