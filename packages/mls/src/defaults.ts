/**
 * The facade's defaults: cipher suite 0x0001, the WebCrypto provider with
 * noble for what `crypto.subtle` lacks, and the group package's default
 * policy (public handshake messages, three past epochs kept).
 */
import { CipherSuite, type CipherSuiteId, type CryptoProvider } from "@mlskit/core";
import { noblePrimitives } from "@mlskit/crypto-noble";
import { webCryptoProvider } from "@mlskit/crypto-webcrypto";

/** MLS_128_DHKEMX25519_AES128GCM_SHA256_Ed25519, the suite every implementation supports (RFC 9420 §17.1). */
export const DEFAULT_CIPHER_SUITE: CipherSuiteId = CipherSuite.MLS_128_DHKEMX25519_AES128GCM_SHA256_Ed25519;

let shared: CryptoProvider | undefined;

/**
 * The default crypto provider: `webCryptoProvider({ fallback: noblePrimitives() })`,
 * created once and shared (its key caches are per provider).
 */
export function defaultCryptoProvider(): CryptoProvider {
  shared ??= webCryptoProvider({ fallback: noblePrimitives() });
  return shared;
}
