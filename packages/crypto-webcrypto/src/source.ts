/**
 * The WebCrypto {@link PrimitiveSource}: every algorithm `crypto.subtle`
 * offers (found out by probing, once per algorithm), and the rest from an
 * optional fallback source.
 *
 * This module composes the public primitive source; the pieces live in
 * `algorithms.ts` (algorithms and code points), `options.ts` (options),
 * `capabilities.ts` (probing) and `webcrypto-source.ts` (the source class:
 * lazy fallback loading, hybrid mode, key-handle wiring).
 */
import type { PrimitiveSource } from "@mlskit/hpke";
import type { WebCryptoAlgorithm } from "./algorithms.js";
import type { HybridCalibration } from "./calibrate.js";
import type { FallbackPreference, WebCryptoOptions, WebCryptoProviderOptions } from "./options.js";
import { WebCryptoSource } from "./webcrypto-source.js";

export { AEAD_ALGORITHM, DH_ALGORITHM, KDF_HASH, SIGNATURE_ALGORITHM, WEBCRYPTO_ALGORITHMS, type WebCryptoAlgorithm } from "./algorithms.js";
export { DEFAULT_PREFER_FALLBACK_FOR, type FallbackPreference, type LazyPrimitiveSource, type WebCryptoOptions, type WebCryptoProviderOptions } from "./options.js";
export { WebCryptoSource } from "./webcrypto-source.js";

/** A WebCrypto primitive source with every algorithm already probed. */
export interface WebCryptoPrimitiveSource extends PrimitiveSource {
  /** For each algorithm, whether `crypto.subtle` offers it natively in this runtime. */
  readonly native: Readonly<Record<WebCryptoAlgorithm, boolean>>;
  /** The families whose small inputs run on the fallback for at least one primitive (empty without one). */
  readonly preferFallbackFor: readonly FallbackPreference[];
  /** The side of each hybrid primitive and how it was chosen (see {@link WebCryptoOptions.calibrate}). */
  readonly calibration: HybridCalibration;
}

/**
 * The primitives of `crypto.subtle` (default `globalThis.crypto`) as a
 * {@link PrimitiveSource}, after probing once what the runtime offers. What it
 * lacks comes from `options.fallback` when given; otherwise that lookup
 * returns `undefined`. With a fallback, small hashes, HKDF calls and AEAD
 * messages run on it too where it is faster in this runtime, measured here
 * once (the hybrid mode, see {@link WebCryptoOptions.calibrate},
 * {@link WebCryptoOptions.prefer} and {@link WebCryptoOptions.preferFallbackFor}).
 *
 * @example
 * ```ts
 * const source = await webCryptoPrimitives({ fallback: noblePrimitives() });
 * source.native["ChaCha20-Poly1305"]; // false in Node 20: served by noble
 * ```
 */
export async function webCryptoPrimitives(options: WebCryptoOptions = {}): Promise<WebCryptoPrimitiveSource> {
  // Key handles are a provider mode: the primitives alone generate key bytes only.
  const { nonExtractableKeys: _ignored, ...primitiveOptions } = options as WebCryptoProviderOptions;
  const source = new WebCryptoSource(primitiveOptions);
  const [native] = await Promise.all([source.probeAll(), source.loadFallback()]);
  const calibration = await source.calibrate();
  return {
    name: source.name,
    native,
    preferFallbackFor: [...source.preferFallbackFor],
    calibration,
    hash: (name) => source.hash(name),
    kdf: (id) => source.kdf(id),
    aead: (id) => source.aead(id),
    dh: (kemId) => source.dh(kemId),
    kem: (kemId) => source.kem(kemId),
    signature: (scheme) => source.signature(scheme),
    randomBytes: (length) => source.randomBytes(length),
  };
}
