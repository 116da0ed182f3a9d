/**
 * Clients of the Authentication Service (RFC 9750 §5): register to obtain
 * an X.509 credential, fetch the service's roots, and validate peers'
 * credentials against them. Browser-safe (`fetch` only).
 *
 * The subpath `@mlskit/ds-client/authentication` (not the main entry, which
 * stays free of `@mlskit/credential-x509`):
 *
 * ```ts
 * import { authorityIdentityProvider, fetchTrustAnchors, registerWithAuthority } from "@mlskit/ds-client/authentication";
 * ```
 * @packageDocumentation
 */
export { registerWithAuthority, type RegisterWithAuthorityOptions, type AuthorityRegistration } from "./register-with-authority.js";
export { fetchTrustAnchors } from "./trust-anchors.js";
export { authorityIdentityProvider } from "./authority-identity-provider.js";
export type { FetchFunction } from "./as-http.js";
