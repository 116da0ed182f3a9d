/**
 * Every error code `@mlskit/crypto-webcrypto` throws or names, as a closed union. error-codes.test.ts
 * checks this list against the string literals in the sources, both ways.
 */
export const WEBCRYPTO_ERROR_CODES = ["crypto/invalid-key", "crypto/key-not-found", "crypto/unsupported"] as const;

/** An error code of `@mlskit/crypto-webcrypto`. */
export type WebCryptoErrorCode = (typeof WEBCRYPTO_ERROR_CODES)[number];
