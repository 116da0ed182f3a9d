/**
 * The WebCrypto {@link PrimitiveSource}: every algorithm `crypto.subtle`
 * offers (found out by probing, once per algorithm), and the rest from an
 * optional fallback source.
 */
import type { CipherSuiteMap } from "@mlskit/core";
import { CryptoError } from "@mlskit/core";
import type { Aead, DhGroup, HashPrimitive, Kdf, KemPrimitive, PrimitiveSource, SignaturePrimitive } from "@mlskit/hpke";
import { webCryptoAead, type AeadName } from "./aead.js";
import { webCryptoDh } from "./dh.js";
import { webCryptoHash } from "./hash.js";
import { Hmac, type HashName } from "./hmac.js";
import { HandleKeys, type NonExtractableKeysOptions } from "./handle-keys.js";
import { hybridAead, hybridHash, hybridKdf } from "./hybrid.js";
import { webCryptoKdf } from "./kdf.js";
import { probeAead, probeDh, probeHash, probeSignature } from "./probe.js";
import { webCryptoSignature } from "./signature.js";
import { randomBytes, type WebCryptoContext } from "./util.js";

/**
 * The algorithms this package can run on `crypto.subtle`. A hash name stands
 * for its digest, its HMAC and the HKDF built on that HMAC.
 */
export type WebCryptoAlgorithm =
  | HashName
  | AeadName
  | "X25519"
  | "X448"
  | "ECDH-P-256"
  | "ECDH-P-384"
  | "ECDH-P-521"
  | "Ed25519"
  | "Ed448"
  | "ECDSA-P-256"
  | "ECDSA-P-384"
  | "ECDSA-P-521";

/** Every {@link WebCryptoAlgorithm}, in a stable order. */
export const WEBCRYPTO_ALGORITHMS: readonly WebCryptoAlgorithm[] = [
  "SHA-256",
  "SHA-384",
  "SHA-512",
  "AES-128-GCM",
  "AES-256-GCM",
  "ChaCha20-Poly1305",
  "X25519",
  "X448",
  "ECDH-P-256",
  "ECDH-P-384",
  "ECDH-P-521",
  "Ed25519",
  "Ed448",
  "ECDSA-P-256",
  "ECDSA-P-384",
  "ECDSA-P-521",
];

/** RFC 9180 KDF id → hash. */
export const KDF_HASH: Readonly<Record<number, HashName>> = { 0x0001: "SHA-256", 0x0002: "SHA-384", 0x0003: "SHA-512" };
/** RFC 9180 AEAD id → algorithm. */
export const AEAD_ALGORITHM: Readonly<Record<number, AeadName>> = {
  0x0001: "AES-128-GCM",
  0x0002: "AES-256-GCM",
  0x0003: "ChaCha20-Poly1305",
};
/** RFC 9180 KEM id → DH algorithm. */
export const DH_ALGORITHM: Readonly<Record<number, "X25519" | "X448" | "ECDH-P-256" | "ECDH-P-384" | "ECDH-P-521">> = {
  0x0010: "ECDH-P-256",
  0x0011: "ECDH-P-384",
  0x0012: "ECDH-P-521",
  0x0020: "X25519",
  0x0021: "X448",
};
/** TLS SignatureScheme → signature algorithm. */
export const SIGNATURE_ALGORITHM: Readonly<Record<number, "Ed25519" | "Ed448" | "ECDSA-P-256" | "ECDSA-P-384" | "ECDSA-P-521">> = {
  0x0403: "ECDSA-P-256",
  0x0503: "ECDSA-P-384",
  0x0603: "ECDSA-P-521",
  0x0807: "Ed25519",
  0x0808: "Ed448",
};

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
   * Default: `["hash", "kdf", "aead"]` when `fallback` is given (measured
   * fastest for every family on Node 20; see `hybrid.ts`), and nothing
   * without a fallback. `[]` restores pure `crypto.subtle` for everything it
   * offers. Families the fallback does not offer stay native.
   */
  readonly preferFallbackFor?: readonly FallbackPreference[];
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

/**
 * A {@link PrimitiveSource} on WebCrypto whose lookups are synchronous and
 * answer from probe results: call {@link WebCryptoSource.probe} (or
 * {@link WebCryptoSource.probeAll}) first. An algorithm not (yet) known to be
 * native is taken from the fallback, if any.
 * @internal Use {@link webCryptoPrimitives} or `webCryptoProvider`.
 */
export class WebCryptoSource implements PrimitiveSource {
  readonly name: string;
  /** The fallback source: given, or once loaded (see {@link WebCryptoSource.loadFallback}). */
  fallback: PrimitiveSource | undefined;
  /** True when a fallback was given (loaded or not). */
  readonly hasFallback: boolean;
  /** The loader of a lazy fallback not loaded yet. */
  private lazyFallback: LazyPrimitiveSource | undefined;
  private fallbackLoading: Promise<void> | undefined;
  /** The context probes run on (never with key handles: a probe stores no key). */
  private readonly ctx: WebCryptoContext | undefined;
  /** The context of the primitives handed out: `ctx`, with the handle keys in the `nonExtractableKeys` mode. */
  private readonly keyCtx: WebCryptoContext | undefined;
  /** The keys behind key handles, in the `nonExtractableKeys` mode. */
  readonly handles: HandleKeys | undefined;
  private readonly crypto: Crypto | undefined;
  private readonly probes = new Map<WebCryptoAlgorithm, Promise<boolean>>();
  private readonly known = new Map<WebCryptoAlgorithm, boolean>();
  private readonly natives = new Map<string, unknown>();
  /** Families served by the fallback for small inputs (see {@link WebCryptoOptions.preferFallbackFor}). */
  readonly preferFallbackFor: ReadonlySet<FallbackPreference>;

  constructor(options: WebCryptoProviderOptions = {}) {
    const fallback = options.fallback;
    this.hasFallback = fallback !== undefined;
    if (typeof fallback === "function") this.lazyFallback = fallback;
    else this.fallback = fallback;
    this.preferFallbackFor = new Set(fallback === undefined ? [] : (options.preferFallbackFor ?? DEFAULT_PREFER_FALLBACK_FOR));
    this.name =
      fallback === undefined
        ? "webcrypto"
        : `webcrypto+${typeof fallback === "function" ? (options.fallbackName ?? "fallback") : fallback.name}`;
    const crypto = options.crypto ?? (globalThis as { crypto?: Crypto }).crypto;
    this.crypto = crypto;
    const subtle = crypto?.subtle;
    this.ctx =
      crypto === undefined || subtle === undefined
        ? undefined
        : {
            crypto,
            subtle,
            publicKeyCacheSize: options.publicKeyCacheSize ?? 1024,
            secretKeyCacheSize: options.secretKeyCacheSize ?? 64,
          };
    this.handles =
      this.ctx === undefined || options.nonExtractableKeys === undefined ? undefined : new HandleKeys(this.ctx.crypto, options.nonExtractableKeys);
    this.keyCtx = this.ctx === undefined || this.handles === undefined ? this.ctx : { ...this.ctx, handles: this.handles };
  }

  /**
   * Loads a lazy fallback (once; a failed load is retried on the next call);
   * resolves at once when there is none or it is loaded.
   * @throws CryptoError `crypto/unsupported` when the loader fails.
   */
  loadFallback(): Promise<void> {
    const load = this.lazyFallback;
    if (load === undefined) return Promise.resolve();
    this.fallbackLoading ??= (async () => {
      try {
        this.fallback = await load();
        this.lazyFallback = undefined;
      } catch (e) {
        this.fallbackLoading = undefined;
        throw new CryptoError("crypto/unsupported", `${this.name}: loading the fallback primitive source failed: ${String(e)}`, { cause: e });
      }
    })();
    return this.fallbackLoading;
  }

  /** True when `crypto.subtle` exists at all. */
  get hasSubtle(): boolean {
    return this.ctx !== undefined;
  }

  /** Whether `crypto.subtle` offers `algorithm`: probed once, memoised. */
  probe(algorithm: WebCryptoAlgorithm): Promise<boolean> {
    let p = this.probes.get(algorithm);
    if (p === undefined) {
      p = this.runProbe(algorithm).then(
        (ok) => {
          this.known.set(algorithm, ok);
          return ok;
        },
        () => {
          this.known.set(algorithm, false);
          return false;
        },
      );
      this.probes.set(algorithm, p);
    }
    return p;
  }

  /** Probes every algorithm (concurrently) and returns the results. */
  async probeAll(): Promise<Record<WebCryptoAlgorithm, boolean>> {
    const results = await Promise.all(WEBCRYPTO_ALGORITHMS.map((a) => this.probe(a)));
    return Object.fromEntries(WEBCRYPTO_ALGORITHMS.map((a, i) => [a, results[i]])) as Record<WebCryptoAlgorithm, boolean>;
  }

  /** The probe result for `algorithm`, or `undefined` before it finished. */
  isNative(algorithm: WebCryptoAlgorithm): boolean | undefined {
    return this.known.get(algorithm);
  }

  private async runProbe(algorithm: WebCryptoAlgorithm): Promise<boolean> {
    const ctx = this.ctx;
    if (ctx === undefined) return false;
    const random = (n: number): Uint8Array => randomBytes(ctx.crypto, n);
    switch (algorithm) {
      case "SHA-256":
      case "SHA-384":
      case "SHA-512":
        return probeHash(webCryptoHash(ctx, new Hmac(ctx, algorithm)));
      case "AES-128-GCM":
      case "AES-256-GCM":
      case "ChaCha20-Poly1305":
        return probeAead(webCryptoAead(ctx, algorithm), random);
      case "X25519":
      case "X448":
        return probeDh(webCryptoDh(ctx, algorithm), random);
      case "ECDH-P-256":
      case "ECDH-P-384":
      case "ECDH-P-521":
        return probeDh(webCryptoDh(ctx, algorithm.slice(5) as "P-256"), random);
      case "Ed25519":
      case "Ed448":
      case "ECDSA-P-256":
      case "ECDSA-P-384":
      case "ECDSA-P-521":
        return probeSignature(() => webCryptoSignature(ctx, algorithm));
    }
  }

  /** The native primitive for `algorithm` once probed true, memoised (one key cache per algorithm). */
  private native<T>(key: string, algorithm: WebCryptoAlgorithm | undefined, make: (ctx: WebCryptoContext) => T): T | undefined {
    if (algorithm === undefined || this.keyCtx === undefined || this.known.get(algorithm) !== true) return undefined;
    let p = this.natives.get(key) as T | undefined;
    if (p === undefined) {
      p = make(this.keyCtx);
      this.natives.set(key, p);
    }
    return p;
  }

  private hmac(name: HashName): Hmac | undefined {
    return this.native(`hmac/${name}`, name, (ctx) => new Hmac(ctx, name));
  }

  /**
   * `native` combined with the fallback's primitive for the same algorithm
   * when `family` is preferred on the fallback (memoised per fallback
   * primitive), else `native` itself.
   */
  private hybrid<T extends object>(family: FallbackPreference, key: string, native: T, small: T | undefined, combine: (n: T, s: T) => T): T {
    if (small === undefined || !this.preferFallbackFor.has(family)) return native;
    const k = `hybrid/${key}`;
    let p = this.natives.get(k) as { small: T; combined: T } | undefined;
    if (p === undefined || p.small !== small) {
      p = { small, combined: combine(native, small) };
      this.natives.set(k, p);
    }
    return p.combined;
  }

  hash(name: HashPrimitive["name"]): HashPrimitive | undefined {
    const hmac = this.hmac(name);
    const native = hmac && this.native(`hash/${name}`, name, (ctx) => webCryptoHash(ctx, hmac));
    if (native === undefined) return this.fallback?.hash(name);
    return this.hybrid("hash", `hash/${name}`, native, this.fallback?.hash(name), hybridHash);
  }

  kdf(id: number): Kdf | undefined {
    const name = KDF_HASH[id];
    const hmac = name === undefined ? undefined : this.hmac(name);
    const native = hmac && this.native(`kdf/${id}`, name, () => webCryptoKdf(id, hmac));
    if (native === undefined) return this.fallback?.kdf(id);
    return this.hybrid("kdf", `kdf/${id}`, native, this.fallback?.kdf(id), hybridKdf);
  }

  aead(id: number): Aead | undefined {
    const name = AEAD_ALGORITHM[id];
    const native = name && this.native(`aead/${id}`, name, (ctx) => webCryptoAead(ctx, name));
    if (!native) return this.fallback?.aead(id);
    return this.hybrid("aead", `aead/${id}`, native, this.fallback?.aead(id), (n, f) => hybridAead(n, f, name));
  }

  dh(kemId: number): DhGroup | undefined {
    const name = DH_ALGORITHM[kemId];
    const group = name === undefined ? undefined : name.startsWith("ECDH-") ? (name.slice(5) as "P-256") : (name as "X25519");
    const native = name && group && this.native(`dh/${kemId}`, name, (ctx) => webCryptoDh(ctx, group));
    // Key handles need the native group: the fallback's keys would be bytes in memory.
    if (native === undefined) return this.handles === undefined ? this.fallback?.dh(kemId) : undefined;
    return this.withFallbackKeyCheck(`dh/${kemId}`, native, this.fallback?.dh(kemId));
  }

  /**
   * ML-KEM and the PQ/T hybrid KEMs: `crypto.subtle` has none, so only the
   * fallback's (noble's), and none with nonExtractableKeys (its keys would
   * be bytes in memory): such a provider refuses the post-quantum suites
   * with `crypto/unsupported`.
   */
  kem(kemId: number): KemPrimitive | undefined {
    return this.handles === undefined ? this.fallback?.kem?.(kemId) : undefined;
  }

  signature(scheme: number): SignaturePrimitive | undefined {
    const name = SIGNATURE_ALGORITHM[scheme];
    const native = name && this.native(`signature/${scheme}`, name, (ctx) => webCryptoSignature(ctx, name));
    if (native === undefined) return this.handles === undefined ? this.fallback?.signature(scheme) : undefined;
    return this.withFallbackKeyCheck(`signature/${scheme}`, native, this.fallback?.signature(scheme));
  }

  /**
   * `native` with the fallback's public-key check, when the fallback offers
   * the same algorithm (memoised per fallback primitive). `crypto.subtle`
   * cannot tell whether an EdDSA key decodes to a point at all, and checks a
   * NIST point only by importing it: a round trip to its thread pool per key
   * (~70 µs measured on Node 20, against ~10 µs for noble's synchronous
   * check), which a joined tree pays once per node. DH, signing and
   * verification stay native.
   */
  private withFallbackKeyCheck<T extends DhGroup | SignaturePrimitive>(key: string, native: T, small: T | undefined): T {
    if (small === undefined) return native;
    const k = `key-check/${key}`;
    let p = this.natives.get(k) as { small: T; combined: T } | undefined;
    if (p === undefined || p.small !== small) {
      const combined: T = Object.freeze({ ...(native as object), publicKeyProblem: (pk: Uint8Array) => small.publicKeyProblem(pk) }) as unknown as T;
      p = { small, combined };
      this.natives.set(k, p);
    }
    return p.combined;
  }

  randomBytes(length: number): Uint8Array {
    if (this.crypto !== undefined && typeof this.crypto.getRandomValues === "function") return randomBytes(this.crypto, length);
    if (this.fallback !== undefined) return this.fallback.randomBytes(length);
    throw new TypeError("randomBytes: no crypto.getRandomValues in this runtime");
  }
}

/** A WebCrypto primitive source with every algorithm already probed. */
export interface WebCryptoPrimitiveSource extends PrimitiveSource {
  /** For each algorithm, whether `crypto.subtle` offers it natively in this runtime. */
  readonly native: Readonly<Record<WebCryptoAlgorithm, boolean>>;
  /** The families whose small inputs run on the fallback (empty without one). */
  readonly preferFallbackFor: readonly FallbackPreference[];
}

/**
 * The primitives of `crypto.subtle` (default `globalThis.crypto`) as a
 * {@link PrimitiveSource}, after probing once what the runtime offers. What it
 * lacks comes from `options.fallback` when given; otherwise that lookup
 * returns `undefined`. With a fallback, small hashes, HKDF calls and AEAD
 * messages run on it too, unless `options.preferFallbackFor` says otherwise
 * (the hybrid mode, see {@link WebCryptoOptions.preferFallbackFor}).
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
  return {
    name: source.name,
    native,
    preferFallbackFor: [...source.preferFallbackFor],
    hash: (name) => source.hash(name),
    kdf: (id) => source.kdf(id),
    aead: (id) => source.aead(id),
    dh: (kemId) => source.dh(kemId),
    kem: (kemId) => source.kem(kemId),
    signature: (scheme) => source.signature(scheme),
    randomBytes: (length) => source.randomBytes(length),
  };
}
