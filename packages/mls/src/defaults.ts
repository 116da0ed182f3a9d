/**
 * The facade's defaults: cipher suite 0x0001, the crypto provider of the
 * runtime (on Node, node:crypto through `@mlskit/crypto-node`; elsewhere
 * the WebCrypto provider with noble, loaded on first need, for what
 * `crypto.subtle` lacks), and the group package's default policy (public
 * handshake messages, three past epochs kept).
 */
import { utf8 } from "@mlskit/codec";
import { CipherSuite, type CipherSuiteId, type CipherSuiteProvider, type Credential, CredentialType, type CryptoProvider, UsageError } from "@mlskit/core";
// package.json "imports": "./default-crypto/node.js" under the "node" condition, "./default-crypto/web.js" otherwise.
import { createDefaultCryptoProvider } from "#default-crypto";

/** MLS_128_DHKEMX25519_AES128GCM_SHA256_Ed25519, the suite every implementation supports (RFC 9420 §17.1). */
export const DEFAULT_CIPHER_SUITE: CipherSuiteId = CipherSuite.MLS_128_DHKEMX25519_AES128GCM_SHA256_Ed25519;

let shared: CryptoProvider | undefined;

/**
 * The default crypto provider, created once and shared (its key caches are
 * per provider), chosen by the package's `#default-crypto` import
 * (package.json "imports"), so no Node API enters these sources:
 * - under the `node` condition (Node, and bundlers targeting Node):
 *   `nodeCryptoProvider({ fallback: noblePrimitives() })` of
 *   `@mlskit/crypto-node` ("node+noble"): the seven suites on node:crypto,
 *   synchronous, noble only for the draft post-quantum suites;
 * - otherwise (browsers, workers, Deno, Bun):
 *   `webCryptoProvider({ fallback: noblePrimitives() })` ("webcrypto+noble"),
 *   noble imported dynamically on the provider's first `cipherSuite` /
 *   `supportedCipherSuites` call (a bundler puts it in a chunk of its own,
 *   never fetched when the application passes its own `crypto`).
 */
export function defaultCryptoProvider(): CryptoProvider {
  shared ??= createDefaultCryptoProvider();
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
