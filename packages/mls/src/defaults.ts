/**
 * The facade's defaults: cipher suite 0x0001, the WebCrypto provider with
 * noble (loaded on first need) for what `crypto.subtle` lacks, and the group package's default
 * policy (public handshake messages, three past epochs kept).
 */
import { utf8 } from "@mlskit/codec";
import {
  CipherSuite,
  type CipherSuiteId,
  type CipherSuiteProvider,
  type Credential,
  CredentialType,
  type CryptoProvider,
  UsageError,
} from "@mlskit/core";
import { type PrimitiveSource, webCryptoProvider } from "@mlskit/crypto-webcrypto";

/** MLS_128_DHKEMX25519_AES128GCM_SHA256_Ed25519, the suite every implementation supports (RFC 9420 §17.1). */
export const DEFAULT_CIPHER_SUITE: CipherSuiteId = CipherSuite.MLS_128_DHKEMX25519_AES128GCM_SHA256_Ed25519;

let shared: CryptoProvider | undefined;

/**
 * `noblePrimitives()` of `@mlskit/crypto-noble`, by a dynamic import: a
 * bundler puts noble in a chunk of its own, fetched on the first
 * `cipherSuite` call of {@link defaultCryptoProvider} — and never when the
 * application passes its own `crypto` to the `Client`.
 */
const loadNoble = (): Promise<PrimitiveSource> => import("@mlskit/crypto-noble").then((m) => m.noblePrimitives());

/**
 * The default crypto provider: `webCryptoProvider({ fallback: noblePrimitives() })`
 * ("webcrypto+noble", all seven suites), created once and shared (its key
 * caches are per provider). Noble is imported lazily, on the provider's first
 * `cipherSuite` / `supportedCipherSuites` call; the provider is the same from
 * then on.
 */
export function defaultCryptoProvider(): CryptoProvider {
  shared ??= webCryptoProvider({ fallback: loadNoble, fallbackName: "noble" });
  return shared;
}

/** What {@link resolveSigner} reads: the options a client or an external signer is created with. */
interface SignerOptions {
  readonly identity?: string | Uint8Array;
  readonly credential?: Credential;
  readonly cipherSuite?: CipherSuiteId;
  readonly crypto?: CryptoProvider;
}

/**
 * The crypto provider (default: {@link defaultCryptoProvider}), the cipher
 * suite (default {@link DEFAULT_CIPHER_SUITE}) and the credential (given, or a
 * basic one of `identity`, a string taken as UTF-8) of a new signer.
 * @throws UsageError when neither `identity` nor `credential` is given;
 *   CryptoError `crypto/unsupported` when the provider cannot serve the suite.
 * @internal
 */
export async function resolveSigner(options: SignerOptions): Promise<{ crypto: CryptoProvider; cs: CipherSuiteProvider; credential: Credential }> {
  const crypto = options.crypto ?? defaultCryptoProvider();
  const cs = await crypto.cipherSuite(options.cipherSuite ?? DEFAULT_CIPHER_SUITE);
  let credential = options.credential;
  if (credential === undefined) {
    if (options.identity === undefined) throw new UsageError("usage/missing-credential", "give an identity or a credential");
    const identity = typeof options.identity === "string" ? utf8(options.identity) : options.identity.slice();
    credential = { credentialType: CredentialType.basic, identity };
  }
  return { crypto, cs, credential };
}
