/**
 * `@mlskit/crypto-webcrypto`: the native MLS crypto provider on WebCrypto
 * (`crypto.subtle`), for browsers, Node, Deno, Bun and workers.
 *
 * Signatures and DH run natively where the runtime has them (several times
 * faster than pure JavaScript), with keys imported once and cached. What a
 * runtime lacks (ChaCha20-Poly1305 in Node 20; Ed448/X448 in most browsers)
 * can come from a fallback {@link PrimitiveSource} such as
 * `noblePrimitives()` from `@mlskit/crypto-noble`; without one, the suites
 * needing it are reported unsupported.
 *
 * Keys use the canonical encodings of `@mlskit/core`, so state created with
 * another provider works here and the other way round.
 * @packageDocumentation
 */
import type { PrimitiveSource } from "@mlskit/hpke";

export type { PrimitiveSource };
export { webCryptoProvider, type WebCryptoProvider } from "./provider.js";
export {
  webCryptoPrimitives,
  WEBCRYPTO_ALGORITHMS,
  type WebCryptoPrimitiveSource,
  type WebCryptoAlgorithm,
  type WebCryptoOptions,
} from "./source.js";
