/**
 * The WebCrypto {@link CryptoProvider}: HPKE and the MLS suites from
 * `@mlskit/hpke`'s `createCryptoProvider`, over a {@link WebCryptoSource}
 * that is probed (once per algorithm, lazily) before a suite is handed out.
 */
import { CIPHER_SUITES, CryptoError, type CipherSuiteDescription, type CipherSuiteId, type CipherSuiteProvider, type CryptoProvider } from "@mlskit/core";
import { createCryptoProvider, kemKdfId, missingPrimitives } from "@mlskit/hpke";
import {
  AEAD_ALGORITHM,
  DH_ALGORITHM,
  KDF_HASH,
  SIGNATURE_ALGORITHM,
  WebCryptoSource,
  type WebCryptoAlgorithm,
  type WebCryptoOptions,
} from "./source.js";

/** A {@link CryptoProvider} on WebCrypto that can also report what the runtime offers. */
export interface WebCryptoProvider extends CryptoProvider {
  /**
   * For each algorithm, whether `crypto.subtle` offers it natively in this
   * runtime (probes everything not probed yet).
   */
  capabilities(): Promise<Readonly<Record<WebCryptoAlgorithm, boolean>>>;
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
 * `options.fallback` when given; otherwise the suites needing it are left out
 * of `supportedCipherSuites()` and `cipherSuite(id)` throws
 * {@link CryptoError} `crypto/unsupported` naming what is missing.
 *
 * Keys are imported into `crypto.subtle` once and cached (private keys per
 * `Uint8Array`, public keys also by value in a bounded LRU). HPKE ephemeral
 * keys come from `generateKey` and are used without any import.
 *
 * With a fallback the provider is a hybrid (`name` "webcrypto+noble" for
 * noble): by default small digests, HMACs, HKDF calls and AEAD messages run
 * synchronously on the fallback, which beats an awaited `crypto.subtle` call
 * (plus a key import for a fresh key) per input, while signatures, DH and
 * large inputs stay on `crypto.subtle`. `preferFallbackFor: []` turns this
 * off; see {@link WebCryptoOptions.preferFallbackFor}.
 *
 * @example
 * ```ts
 * import { noblePrimitives } from "@mlskit/crypto-noble";
 * const provider = webCryptoProvider({ fallback: noblePrimitives() }); // all 7 suites, hybrid
 * const cs = await provider.cipherSuite(CipherSuite.MLS_128_DHKEMX25519_AES128GCM_SHA256_Ed25519);
 * ```
 */
export function webCryptoProvider(options: WebCryptoOptions = {}): WebCryptoProvider {
  const source = new WebCryptoSource(options);
  const inner = createCryptoProvider(source.name, source);

  const unsupported = (suite: CipherSuiteDescription, missing: readonly string[]): CryptoError => {
    const what = missing.join(", ");
    const runtime = source.hasSubtle ? "crypto.subtle in this runtime" : "this runtime (it has no crypto.subtle)";
    const reason =
      source.fallback === undefined
        ? `${runtime} does not offer ${what}. Pass a fallback primitive source for what it lacks, for example ` +
          `webCryptoProvider({ fallback: noblePrimitives() }) with noblePrimitives from @mlskit/crypto-noble.`
        : `neither ${runtime} nor the fallback source "${source.fallback.name}" offers ${what}.`;
    return new CryptoError("crypto/unsupported", `${source.name} cannot serve cipher suite ${hex4(suite.id)} ${suite.name}: ${reason}`);
  };

  return {
    name: source.name,
    capabilities: () => source.probeAll(),
    async supportedCipherSuites() {
      await source.probeAll();
      return inner.supportedCipherSuites();
    },
    async cipherSuite(id: CipherSuiteId): Promise<CipherSuiteProvider> {
      const suite = CIPHER_SUITES.get(id);
      if (suite === undefined) return inner.cipherSuite(id); // throws crypto/unsupported (unknown suite)
      await Promise.all(suiteAlgorithms(suite).map((a) => source.probe(a)));
      const missing = missingPrimitives(source, suite);
      if (missing.length > 0) throw unsupported(suite, missing);
      return inner.cipherSuite(id);
    },
  };
}
