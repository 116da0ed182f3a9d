/**
 * `@mlskit/crypto-webcrypto`: the native MLS crypto provider on WebCrypto
 * (`crypto.subtle`), for browsers, Node, Deno, Bun and workers.
 *
 * Signatures and DH run natively where the runtime has them (several times
 * faster than pure JavaScript), with keys imported once and cached. What a
 * runtime lacks (ChaCha20-Poly1305 in Node 20; Ed448/X448 in most browsers)
 * can come from a fallback {@link PrimitiveSource} such as
 * `noblePrimitives()` from `@mlskit/crypto-noble` (or a function loading
 * it on first need, e.g. a dynamic import); without one, the suites
 * needing it are reported unsupported. Given a fallback, the provider also
 * runs small hashes, HKDF calls and AEAD messages on it where that is faster
 * than one awaited `crypto.subtle` call each in the running runtime,
 * measured once per primitive ("webcrypto+noble", the hybrid mode); see
 * `WebCryptoOptions.calibrate` and `WebCryptoOptions.prefer`.
 *
 * Keys use the canonical encodings of `@mlskit/core`, so state created with
 * another provider works here and the other way round — except in the opt-in
 * `nonExtractableKeys` mode, where generated private keys are non-extractable
 * `CryptoKey`s in a {@link KeyObjectStore} and state carries key handles
 * (see {@link WebCryptoProviderOptions.nonExtractableKeys} and the README).
 * @packageDocumentation
 */
import type { PrimitiveSource } from "@mlskit/hpke";
import type { KeyObjectStore } from "./key-store.js";
import type { WebCryptoProviderOptions } from "./source.js";

export type { PrimitiveSource };
export { webCryptoProvider, type WebCryptoProvider } from "./provider.js";
export {
  webCryptoPrimitives,
  WEBCRYPTO_ALGORITHMS,
  type WebCryptoPrimitiveSource,
  type WebCryptoAlgorithm,
  type WebCryptoOptions,
  type WebCryptoProviderOptions,
  type FallbackPreference,
  type LazyPrimitiveSource,
  DEFAULT_PREFER_FALLBACK_FOR,
} from "./source.js";
export type { NonExtractableKeysOptions } from "./handle-keys.js";
export type { HashName } from "./hmac.js";
export type { AeadName } from "./aead.js";
export { HYBRID_PRIMITIVES, type HybridPrimitive, type HybridSide, type HybridChoice, type HybridCalibration, type HybridMeasurement } from "./calibrate.js";
export { memoryKeyObjectStore, type KeyObjectStore, type MemoryKeyObjectStore } from "./key-store.js";
export { isKeyHandle, KEY_HANDLE_PREFIX } from "./key-handle.js";
export { WEBCRYPTO_ERROR_CODES, type WebCryptoErrorCode } from "./error-codes.js";
