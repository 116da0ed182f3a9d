// `#default-crypto` everywhere else (browsers, workers, Deno, Bun; see package.json "imports"):
// WebCrypto, with noble for what crypto.subtle lacks, imported dynamically on the provider's
// first cipherSuite / supportedCipherSuites call (a bundler puts noble in a chunk of its own,
// never fetched when the application passes its own provider).
import { webCryptoProvider } from "@mlskit/crypto-webcrypto";

/** @returns {import("@mlskit/core").CryptoProvider} */
export function createDefaultCryptoProvider() {
  return webCryptoProvider({ fallback: () => import("@mlskit/crypto-noble").then((m) => m.noblePrimitives()), fallbackName: "noble" });
}
