import { X509IdentityProvider, type X509IdentityProviderOptions } from "@mlskit/credential-x509";

/**
 * An {@link X509IdentityProvider} that trusts the Authentication Service's
 * roots ({@link fetchTrustAnchors}): the identity of a member is the client
 * id its AS-issued certificate names (subject CN, the provider's default
 * rule `"uri-or-common-name"`). Give it to `Client.create` as
 * `identityProvider`. `options` adds to or overrides the provider's
 * defaults (revocation, tolerated expiry, another identity rule…).
 * @throws UsageError when `anchors` is empty or holds something that is not a certificate.
 */
export function authorityIdentityProvider(anchors: readonly Uint8Array[], options: Omit<X509IdentityProviderOptions, "trustAnchors"> = {}): X509IdentityProvider {
  return new X509IdentityProvider({ ...options, trustAnchors: anchors });
}
