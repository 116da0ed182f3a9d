/**
 * The crypto providers every vector suite runs against. A suite a provider
 * cannot serve in this runtime is reported by `supportedCipherSuites()`, and
 * the suites print which combinations ran and why any did not. `node`
 * (node:crypto, Node-only) is the facade's default on Node; `webcrypto+noble`
 * the browsers' default (`@mlskit/mls`'s web `#default-crypto`).
 */
import type { CryptoProvider } from "@mlskit/core";
import { nobleCryptoProvider, noblePrimitives } from "@mlskit/crypto-noble";
import { nodeCryptoProvider } from "@mlskit/crypto-node";
import { webCryptoProvider } from "@mlskit/crypto-webcrypto";

export function testProviders(): CryptoProvider[] {
  // The webcrypto+noble hybrid with its sides pinned as a browser's calibration picks them (AEAD, digest
  // and HMAC on crypto.subtle, HKDF on noble, synchronous hashing on noble): both sides in one suite.
  const hybrid = webCryptoProvider({
    fallback: noblePrimitives(),
    calibrate: false,
    prefer: { aead: "webcrypto", digest: "webcrypto", hmac: "webcrypto", kdf: "fallback" },
  });
  return [nobleCryptoProvider(), webCryptoProvider(), nodeCryptoProvider(), hybrid];
}
