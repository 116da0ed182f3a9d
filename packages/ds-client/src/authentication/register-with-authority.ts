/**
 * Registering with the Authentication Service (RFC 9750 §5): the client
 * proves it holds its MLS signature key and receives an X.509 credential
 * (RFC 9420 §5.3) that binds the key to its client id.
 */
import { utf8 } from "@mlskit/codec";
import { CIPHER_SUITES, type CipherSuiteId, type CryptoProvider, CredentialType, type KeyPair, UsageError, type X509Credential, signWithLabel } from "@mlskit/core";
import { type AsRegisterRequest, AsRoutes, REGISTRATION_PROOF_LABEL, parseClientId, toBase64 } from "@mlskit/ds-protocol";
import { DEFAULT_CIPHER_SUITE, defaultCryptoProvider } from "@mlskit/mls";
import { type FetchFunction, asEndpoint, certificatesOf, requestJson } from "./as-http.js";

/** Options of {@link registerWithAuthority}. */
export interface RegisterWithAuthorityOptions {
  /** The service's base URL (its routes are under `/as/v1/`). */
  readonly asUrl: string | URL;
  readonly clientId: string;
  /** The bearer token the service's registration check accepts (by default its administrator token). */
  readonly registrationToken: string;
  /** The suite whose signature scheme the key is of. Default: the facade's, 0x0001. */
  readonly cipherSuite?: CipherSuiteId;
  /** The key to certify; a fresh one of the suite's scheme when absent. */
  readonly signatureKeyPair?: KeyPair;
  /** Default: the facade's `defaultCryptoProvider()`. */
  readonly crypto?: CryptoProvider;
  /** Default: `globalThis.fetch`. */
  readonly fetch?: FetchFunction;
}

/** What {@link registerWithAuthority} returns: all `Client.create` needs besides the identity provider. */
export interface AuthorityRegistration {
  /** The MLS credential (`CredentialType.x509`) of the chain. */
  readonly credential: X509Credential;
  /** The key pair the credential certifies. */
  readonly signatureKeyPair: KeyPair;
  /** DER certificates, leaf first, ending with the AS's issuing CA. */
  readonly certificateChain: Uint8Array[];
}

/**
 * Registers `clientId` with the Authentication Service and returns its
 * X.509 credential. Registering again with the same key renews the
 * certificate.
 *
 * @example
 * ```ts
 * const anchors = await fetchTrustAnchors(asUrl);
 * const { credential, signatureKeyPair } = await registerWithAuthority({ asUrl, clientId: "alice.phone", registrationToken });
 * const alice = await Client.create({ credential, signatureKeyPair, identityProvider: authorityIdentityProvider(anchors) });
 * ```
 * @throws {@link @mlskit/ds-protocol!DsError} from the service (`auth/missing`, `auth/forbidden`,
 *   `client/bad-id`, `client/bad-credential`, `client/already-registered`…),
 *   `client/bad-id` before sending an id the service would refuse,
 *   `internal/failed` when it cannot be reached or answers malformed.
 */
export async function registerWithAuthority(options: RegisterWithAuthorityOptions): Promise<AuthorityRegistration> {
  const clientId = parseClientId(options.clientId);
  const suite = options.cipherSuite ?? DEFAULT_CIPHER_SUITE;
  const scheme = CIPHER_SUITES.get(suite)?.signature;
  if (scheme === undefined) throw new UsageError("usage/invalid-argument", `cipher suite 0x${suite.toString(16)} is not a registered suite`);
  const cs = await (options.crypto ?? defaultCryptoProvider()).cipherSuite(suite);
  const signatureKeyPair = options.signatureKeyPair ?? (await cs.signatureGenerateKeyPair());
  const proof = await signWithLabel(cs, signatureKeyPair.privateKey, REGISTRATION_PROOF_LABEL, utf8(clientId));

  const request: AsRegisterRequest = {
    clientId,
    signatureScheme: scheme,
    signaturePublicKey: toBase64(signatureKeyPair.publicKey),
    proof: toBase64(proof),
  };
  const body = await requestJson(options.fetch, asEndpoint(options.asUrl, AsRoutes.register), {
    method: "POST",
    headers: { "content-type": "application/json", accept: "application/json", authorization: `Bearer ${options.registrationToken}` },
    body: JSON.stringify(request),
  });
  const certificateChain = certificatesOf((body as { certificateChain?: unknown }).certificateChain);
  return {
    credential: { credentialType: CredentialType.x509, certificates: certificateChain.map((c) => c.slice()) },
    signatureKeyPair,
    certificateChain,
  };
}
