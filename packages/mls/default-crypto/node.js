// `#default-crypto` under the "node" condition (see package.json "imports"):
// the facade's default provider on Node, node:crypto through @mlskit/crypto-node
// with noble for what node:crypto lacks (the draft post-quantum suites).
// Plain JavaScript so that Node, TypeScript, bundlers and vitest resolve it alike, built or not.
import { nodeCryptoProvider } from "@mlskit/crypto-node";
import { noblePrimitives } from "@mlskit/crypto-noble";

/** @returns {import("@mlskit/core").CryptoProvider} */
export function createDefaultCryptoProvider() {
  return nodeCryptoProvider({ fallback: noblePrimitives() });
}
