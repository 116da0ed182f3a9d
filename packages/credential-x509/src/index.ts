/**
 * `@mlskit/credential-x509`: X.509 credentials for MLS (RFC 9420 §5.3) — an
 * {@link X509IdentityProvider} that validates certificate chains to the trust
 * anchors an application configures, binds the leaf key to the MLS signature
 * key, and names the identity from the subject alternative names.
 * @packageDocumentation
 */
export { X509IdentityProvider, type X509IdentityProviderOptions, type X509ValidatedIdentity, type CertificateInput } from "./x509-identity-provider.js";
export type { X509IdentityRule } from "./identity-rule.js";
export type { RevocationCheck, RevocationQuery, RevocationStatus } from "./revocation.js";
export type { SubjectAltName } from "./extensions.js";
export { X509CredentialError, type X509ErrorCode } from "./errors.js";
export { CREDENTIAL_X509_ERROR_CODES, type CredentialX509ErrorCode } from "./error-codes.js";
