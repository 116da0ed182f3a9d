/**
 * Every error code `@mlskit/core` throws or names, as a closed union. error-codes.test.ts
 * checks this list against the string literals in the sources, both ways.
 */
export const CORE_ERROR_CODES = [
  "credential/key-mismatch",
  "credential/rejected",
  "credential/unknown-identity",
  "credential/unsupported-type",
  "crypto/aead-open",
  "crypto/derive-key-pair",
  "crypto/hpke-open",
  "crypto/invalid-key",
  "crypto/unsupported",
  "hpke/encapsulation-used",
  "identity/duplicate-credential-type",
  "internal/invariant",
  "provider/identity-failed",
  "storage/closed",
  "storage/conflict",
  "storage/corrupt",
  "storage/failed",
  "storage/unsupported-version",
  "usage/invalid-argument",
] as const;

/** An error code of `@mlskit/core`. */
export type CoreErrorCode = (typeof CORE_ERROR_CODES)[number];
