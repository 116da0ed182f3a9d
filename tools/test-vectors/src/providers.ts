/**
 * The crypto providers every vector suite runs against. A suite a provider
 * cannot serve in this runtime is reported by `supportedCipherSuites()`, and
 * the suites print which combinations ran and why any did not. `node`
 * (node:crypto, Node-only) is the facade's default on Node.
 */
import type { CryptoProvider } from "@mlskit/core";
import { nobleCryptoProvider } from "@mlskit/crypto-noble";
import { nodeCryptoProvider } from "@mlskit/crypto-node";
import { webCryptoProvider } from "@mlskit/crypto-webcrypto";

export function testProviders(): CryptoProvider[] {
  return [nobleCryptoProvider(), webCryptoProvider(), nodeCryptoProvider()];
}
