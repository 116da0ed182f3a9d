/**
 * Every error code `@mlskit/credential-x509` throws or names, as a closed union. error-codes.test.ts
 * checks this list against the string literals in the sources, both ways.
 */
export const CREDENTIAL_X509_ERROR_CODES = [
  "credential/x509-bad-signature",
  "credential/x509-empty-chain",
  "credential/x509-expired",
  "credential/x509-issuer-mismatch",
  "credential/x509-key-algorithm",
  "credential/x509-key-mismatch",
  "credential/x509-key-usage",
  "credential/x509-malformed",
  "credential/x509-no-identity",
  "credential/x509-not-ca",
  "credential/x509-not-yet-valid",
  "credential/x509-path-length",
  "credential/x509-revocation-unknown",
  "credential/x509-revoked",
  "credential/x509-unhandled-critical-extension",
  "credential/x509-unsupported-cipher-suite",
  "credential/x509-untrusted-root",
  "crypto/unsupported",
  "usage/no-webcrypto",
  "usage/x509-bad-certificate",
  "usage/x509-no-trust-anchor",
] as const;

/** An error code of `@mlskit/credential-x509`. */
export type CredentialX509ErrorCode = (typeof CREDENTIAL_X509_ERROR_CODES)[number];
