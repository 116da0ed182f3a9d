/**
 * Every error code `@mlskit/hpke` throws or names, as a closed union. error-codes.test.ts
 * checks this list against the string literals in the sources, both ways.
 */
export const HPKE_ERROR_CODES = [
  "crypto/aead-open",
  "crypto/derive-key-pair",
  "crypto/hpke-message-limit",
  "crypto/hpke-open",
  "crypto/invalid-key",
  "crypto/unknown-cipher-suite",
  "crypto/unsupported",
  "hpke/encapsulation-used",
  "hpke/export-only",
  "hpke/kem-kdf-mismatch",
  "hpke/unsupported-mode",
  "hpke/wrong-role",
] as const;

/** An error code of `@mlskit/hpke`. */
export type HpkeErrorCode = (typeof HPKE_ERROR_CODES)[number];
