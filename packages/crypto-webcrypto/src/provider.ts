/**
 * The WebCrypto {@link CryptoProvider}: HPKE and the MLS suites from
 * `@mlskit/hpke`'s `createCryptoProvider`, over a {@link WebCryptoSource}
 * that is probed (once per algorithm, lazily) before a suite is handed out.
 */
import { DEFAULT_CIPHER_SUITE_MAP, CryptoError, type CipherSuiteDescription, type CipherSuiteId, type CipherSuiteProvider, type CryptoProvider } from "@mlskit/core";
import { createCryptoProvider, kemKdfId, missingPrimitives } from "@mlskit/hpke";
import type { HybridCalibration } from "./calibrate.js";
import { handleCipherSuiteProvider } from "./handle-suite.js";
import { isKeyHandle } from "./key-handle.js";
import { AEAD_ALGORITHM, DH_ALGORITHM, KDF_HASH, SIGNATURE_ALGORITHM, WebCryptoSource, type WebCryptoAlgorithm, type WebCryptoProviderOptions } from "./source.js";

/** A {@link CryptoProvider} on WebCrypto that can also report what the runtime offers. */
export interface WebCryptoProvider extends CryptoProvider {
  /**
   * For each algorithm, whether `crypto.subtle` offers it natively in this
   * runtime (probes everything not probed yet).
   */
  capabilities(): Promise<Readonly<Record<WebCryptoAlgorithm, boolean>>>;
  /**
   * The hybrid mode's side for each symmetric primitive and how it was
   * chosen (measured, pinned, static; see `WebCryptoOptions.calibrate`):
   * runs the calibration if no `cipherSuite` call has yet.
   */
  calibration(): Promise<HybridCalibration>;
  /** True in the `nonExtractableKeys` mode (generated private keys are key handles). */
  readonly nonExtractableKeys: boolean;
  /** True when `privateKey` is a key handle rather than key bytes (whatever the mode). */
  isKeyHandle(privateKey: Uint8Array): boolean;
  /**
   * Forgets the `CryptoKey` a key handle names: drops it from the cache and
   * deletes it from the key store (when the store has `deleteKeyObject`).
   * The mls facade forgets spent keys through {@link forgetPrivateKey}; an
   * application that knows of another spent key (a client removed, a
   * signature key replaced) calls this to keep forward secrecy.
   * Throws {@link CryptoError} `crypto/unsupported` outside the
   * `nonExtractableKeys` mode, `crypto/invalid-key` for bytes that are no handle.
   */
  deleteKeyHandle(privateKey: Uint8Array): Promise<void>;
  /**
   * {@link CryptoProvider.forgetPrivateKey}: for a key handle in the
   * `nonExtractableKeys` mode, {@link deleteKeyHandle} (cache and key store;
   * a failure of the store rejects); for key bytes (or a handle outside the
   * mode, which names no key of this provider), nothing.
   */
  forgetPrivateKey(privateKey: Uint8Array): Promise<void>;
}

/** The algorithms `crypto.subtle` would have to offer to serve `suite` on its own. */
function suiteAlgorithms(suite: CipherSuiteDescription): WebCryptoAlgorithm[] {
  const kemKdf = kemKdfId(suite.kem);
  const all = [
    suite.hash,
    KDF_HASH[suite.kdf],
    kemKdf === undefined ? undefined : KDF_HASH[kemKdf],
    AEAD_ALGORITHM[suite.aead],
    DH_ALGORITHM[suite.kem],
    SIGNATURE_ALGORITHM[suite.signature],
  ];
  return [...new Set(all.filter((a): a is WebCryptoAlgorithm => a !== undefined))];
}

const hex4 = (id: number): string => "0x" + id.toString(16).padStart(4, "0");

/**
 * A crypto provider on `options.crypto` (default `globalThis.crypto`).
 *
 * What `crypto.subtle` offers is probed lazily, once per algorithm, the first
 * time a suite needs it. An algorithm it lacks is taken from
 * `options.fallback` when given (a source, or a function that loads one on
 * the first `cipherSuite` or `supportedCipherSuites` call, so that a
 * bundler can leave it out of the initial chunk); otherwise the suites needing it are left out
 * of `supportedCipherSuites()` and `cipherSuite(id)` throws
 * {@link CryptoError} `crypto/unsupported` naming what is missing.
 *
 * Keys are imported into `crypto.subtle` once and cached (private keys per
 * `Uint8Array`, public keys also by value in a bounded LRU). HPKE ephemeral
 * keys come from `generateKey` and are used without any import.
 *
 * With a fallback the provider is a hybrid (`name` "webcrypto+noble" for
 * noble): small digests, HMACs, HKDF calls and AEAD messages run
 * synchronously on the fallback where that beats an awaited `crypto.subtle`
 * call (plus a key import for a fresh key) in this runtime — measured once,
 * per primitive, on the first `cipherSuite` call (a few ms; see
 * {@link WebCryptoOptions.calibrate}, pin sides with
 * {@link WebCryptoOptions.prefer}) — while signatures, DH and large inputs
 * stay on `crypto.subtle`. `preferFallbackFor: []` turns this off.
 *
 * With `options.nonExtractableKeys` (opt-in), generated signature and HPKE
 * private keys are non-extractable `CryptoKey`s kept in the given key store,
 * and `KeyPair.privateKey` is a key handle naming one: see
 * {@link WebCryptoProviderOptions.nonExtractableKeys} and the README for
 * what that protects (keys derived from secrets stay bytes).
 *
 * @example
 * ```ts
 * import { noblePrimitives } from "@mlskit/crypto-noble";
 * const provider = webCryptoProvider({ fallback: noblePrimitives() }); // all 7 suites, hybrid
 * // The same, with noble loaded (a chunk of its own when bundled) on the first cipherSuite() call:
 * const lazy = webCryptoProvider({ fallback: () => import("@mlskit/crypto-noble").then((m) => m.noblePrimitives()), fallbackName: "noble" });
 * const cs = await provider.cipherSuite(CipherSuite.MLS_128_DHKEMX25519_AES128GCM_SHA256_Ed25519);
 *
 * // Private keys as non-extractable CryptoKeys (an IndexedDB-backed store in a browser app):
 * const hardened = webCryptoProvider({ nonExtractableKeys: { keyStore: memoryKeyObjectStore() } });
 * ```
 */
export function webCryptoProvider(options: WebCryptoProviderOptions = {}): WebCryptoProvider {
  const source = new WebCryptoSource(options);
  const cipherSuites = options.cipherSuites ?? DEFAULT_CIPHER_SUITE_MAP;
  const inner = createCryptoProvider(source.name, source, { cipherSuites });
  const handles = source.handles;
  if (options.nonExtractableKeys !== undefined && handles === undefined) {
    throw new CryptoError("crypto/unsupported", "nonExtractableKeys needs crypto.subtle, which this runtime does not have");
  }
  const suites = new Map<CipherSuiteId, CipherSuiteProvider>();
  /** The suite's provider, by key handle in the `nonExtractableKeys` mode (one per suite). */
  const wrap = (cs: CipherSuiteProvider): CipherSuiteProvider => {
    if (handles === undefined) return cs;
    let wrapped = suites.get(cs.suite.id);
    if (wrapped === undefined) {
      wrapped = handleCipherSuiteProvider(cs, handles);
      suites.set(cs.suite.id, wrapped);
    }
    return wrapped;
  };

  const unsupported = (suite: CipherSuiteDescription, missing: readonly string[]): CryptoError => {
    const what = missing.join(", ");
    const runtime = source.hasSubtle ? "crypto.subtle in this runtime" : "this runtime (it has no crypto.subtle)";
    const reason =
      source.fallback === undefined
        ? `${runtime} does not offer ${what}. Pass a fallback primitive source for what it lacks, for example ` +
          `webCryptoProvider({ fallback: noblePrimitives() }) with noblePrimitives from @mlskit/crypto-noble.`
        : `neither ${runtime} nor the fallback source "${source.fallback.name}" offers ${what}.`;
    const keys = handles === undefined ? "" : " With nonExtractableKeys the suite's DH and signature must be native to crypto.subtle (a fallback's keys would be bytes).";
    return new CryptoError("crypto/unsupported", `${source.name} cannot serve cipher suite ${hex4(suite.id)} ${suite.name}: ${reason}${keys}`);
  };

  return {
    name: source.name,
    capabilities: () => source.probeAll(),
    calibration: () => source.calibrate(),
    async supportedCipherSuites() {
      await Promise.all([source.probeAll(), source.loadFallback()]);
      return inner.supportedCipherSuites();
    },
    async cipherSuite(id: CipherSuiteId): Promise<CipherSuiteProvider> {
      const suite = cipherSuites.get(id);
      if (suite === undefined) return inner.cipherSuite(id); // throws crypto/unknown-cipher-suite
      await Promise.all([...suiteAlgorithms(suite).map((a) => source.probe(a)), source.loadFallback(), source.calibrate()]);
      const missing = missingPrimitives(source, suite);
      if (missing.length > 0) throw unsupported(suite, missing);
      return wrap(await inner.cipherSuite(id));
    },
    nonExtractableKeys: handles !== undefined,
    isKeyHandle,
    async deleteKeyHandle(privateKey) {
      if (handles === undefined) throw new CryptoError("crypto/unsupported", "deleteKeyHandle: this provider was made without nonExtractableKeys");
      await handles.delete(privateKey);
    },
    async forgetPrivateKey(privateKey) {
      if (handles !== undefined && isKeyHandle(privateKey)) await handles.delete(privateKey);
    },
  };
}
