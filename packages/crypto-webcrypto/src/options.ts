/**
 * The options of {@link webCryptoPrimitives} and `webCryptoProvider`: the
 * fallback source (given or loaded lazily), the hybrid-mode preferences, the
 * key caches and the non-extractable-key mode.
 */
import type { CipherSuiteMap, CryptoError } from "@mlskit/core";
import type { PrimitiveSource } from "@mlskit/hpke";
import type { HybridPrimitive, HybridSide } from "./calibrate.js";
import type { NonExtractableKeysOptions } from "./handle-keys.js";

/**
 * A family of symmetric primitives the fallback source can serve even where
 * `crypto.subtle` offers them: "hash" (digest and HMAC), "kdf" (HKDF
 * Extract/Expand), "aead".
 */
export type FallbackPreference = "hash" | "kdf" | "aead";

/** What {@link WebCryptoOptions.preferFallbackFor} defaults to when a fallback is given. */
export const DEFAULT_PREFER_FALLBACK_FOR: readonly FallbackPreference[] = Object.freeze(["hash", "kdf", "aead"] as const);

/**
 * A fallback loaded on first need: a function resolving to the
 * {@link PrimitiveSource}, typically a dynamic import, so that a bundler puts
 * the fallback in a chunk of its own, fetched only when a suite is first
 * asked for:
 * `() => import("@mlskit/crypto-noble").then((m) => m.noblePrimitives())`.
 */
export type LazyPrimitiveSource = () => Promise<PrimitiveSource>;

/** Options shared by {@link webCryptoPrimitives} and `webCryptoProvider`. */
export interface WebCryptoOptions {
  /** The WebCrypto implementation to use; default `globalThis.crypto`. */
  readonly crypto?: Crypto;
  /**
   * Where to take what `crypto.subtle` lacks (ChaCha20-Poly1305 in Node 20,
   * Ed448/X448 in most browsers), for example `noblePrimitives()` from
   * `@mlskit/crypto-noble`. Without it, suites needing those are unsupported.
   * With it, the small symmetric operations also run on it by default: see
   * {@link WebCryptoOptions.preferFallbackFor}.
   *
   * Or a {@link LazyPrimitiveSource}: a function that loads it, called once,
   * the first time a suite (or the list of supported suites) is asked for,
   * and then kept; the provider behaves as with the source itself from then
   * on. The source is not loaded when nothing asks for a suite, and a
   * bundler leaves a dynamically imported fallback out of the initial chunk.
   * A failed load rejects that call with {@link CryptoError}
   * `crypto/unsupported` (the cause attached) and is retried on the next.
   */
  readonly fallback?: PrimitiveSource | LazyPrimitiveSource;
  /**
   * The name of a lazy `fallback` (a function), for the provider's `name`
   * (`webcrypto+<fallbackName>`), which is known before the fallback is
   * loaded; default "fallback". Ignored for a fallback source given as such
   * (its own `name` is used).
   */
  readonly fallbackName?: string;
  /**
   * Symmetric primitives to run on the synchronous `fallback` for small
   * inputs even though `crypto.subtle` has them (the hybrid mode).
   *
   * Every `crypto.subtle` call is awaited — a round trip through the
   * runtime's crypto thread — and a fresh key must first be imported, which
   * is a second one. MLS hashes, MACs, derives and encrypts in many small
   * pieces (a tree hash per node; about five HKDF-Expand calls and two
   * AES-GCM operations under fresh keys per application message), where
   * synchronous pure-JS hashing, HMAC and HKDF beat an awaited
   * `crypto.subtle` call per input several times over (3–15× on Node 20),
   * and AES-GCM does for messages up to about 512 bytes (up to ~2 KiB
   * when the machine is otherwise idle). So for the families listed, inputs
   * up to 2 KiB (512 bytes for AEAD) run on the fallback, larger ones on
   * `crypto.subtle`, whose native code has the higher throughput. Results are the same bytes either way. Asymmetric
   * operations (signatures, DH, key generation) always stay on
   * `crypto.subtle`, which is 7–13× faster than pure JavaScript for them.
   *
   * Default: chosen per primitive by measurement in the running runtime
   * (see {@link WebCryptoOptions.calibrate}), which on Node picks the
   * fallback for every family and in Chromium only for HMAC and HKDF. Given
   * explicitly, it is a static table and nothing is measured: "hash" covers
   * digest and HMAC. `[]` restores pure `crypto.subtle` for everything it
   * offers. Families the fallback does not offer stay native. Without a
   * fallback there is nothing to prefer.
   */
  readonly preferFallbackFor?: readonly FallbackPreference[];
  /**
   * Whether the hybrid mode measures, once, which side is faster for each
   * symmetric primitive ("digest", "hmac", "kdf", "aead") in this runtime:
   * 7–30 ms of awaited calls on each side (this project's loaded 2-core VM),
   * on the first `cipherSuite` call (or in `webCryptoPrimitives`), once per
   * runtime: later providers on the same `crypto` and fallback (by name)
   * reuse the result. `crypto.subtle` is taken for a primitive
   * only when it is clearly faster (1.3×); the rest keep the fallback for
   * inputs up to 2 KiB. See `calibrate.ts` for the numbers behind this.
   *
   * Default `true` when a `fallback` is given and `preferFallbackFor` is not;
   * `false` uses the static table: `preferFallbackFor`, or every family on the
   * fallback (the choice measured on Node). Primitives pinned by
   * {@link WebCryptoOptions.prefer} are never measured.
   */
  readonly calibrate?: boolean;
  /**
   * Pins the side of some hybrid primitives, whatever calibration or
   * `preferFallbackFor` would choose, e.g. `{ aead: "webcrypto" }`. "fallback"
   * means the fallback for inputs up to 2 KiB (larger ones stay native);
   * "webcrypto" means `crypto.subtle` for every input. Needs a fallback.
   */
  readonly prefer?: Readonly<Partial<Record<HybridPrimitive, HybridSide>>>;
  /** Imported public keys kept per algorithm, by value (LRU); default 1024. */
  readonly publicKeyCacheSize?: number;
  /**
   * Imported secret keys (private, HMAC, AEAD keys) kept per algorithm by
   * value (LRU) besides the per-array cache; default 64. 0 keeps only the
   * per-array cache.
   */
  readonly secretKeyCacheSize?: number;
}

/** Options of `webCryptoProvider`: {@link WebCryptoOptions} and the key-handle mode. */
export interface WebCryptoProviderOptions extends WebCryptoOptions {
  /** The cipher-suite code-point map (default `DEFAULT_CIPHER_SUITE_MAP` of `@mlskit/core`). */
  readonly cipherSuites?: CipherSuiteMap;
  /**
   * Opt-in: signature and HPKE key pairs from
   * `signatureGenerateKeyPair` and `hpkeGenerateKeyPair` are generated with
   * `extractable: false` and kept as `CryptoKey`s in `keyStore`; their
   * `privateKey` is a key handle (see `key-handle.ts`), which signing,
   * `signaturePublicKey`, HPKE open and receiver export resolve through the
   * store. Key bytes are still accepted everywhere (keys derived from
   * secrets, keys made elsewhere). The suites' DH and signature must then be
   * native: a suite whose DH or signature only the fallback offers is
   * unsupported. Without this option nothing changes (keys are bytes).
   * What it does and does not protect: the package README.
   */
  readonly nonExtractableKeys?: NonExtractableKeysOptions;
}
