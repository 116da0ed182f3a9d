/**
 * The WebCrypto {@link PrimitiveSource} itself: every algorithm
 * `crypto.subtle` offers (found out by probing, once per algorithm), the rest
 * from an optional fallback source (given, or loaded on first need), the
 * hybrid mode for small symmetric inputs, and the key-handle wiring of the
 * `nonExtractableKeys` mode.
 */
import { CryptoError } from "@mlskit/core";
import type { Aead, DhGroup, HashPrimitive, Kdf, KemPrimitive, PrimitiveSource, SignaturePrimitive } from "@mlskit/hpke";
import { webCryptoAead } from "./aead.js";
import { AEAD_ALGORITHM, DH_ALGORITHM, KDF_HASH, SIGNATURE_ALGORITHM, WEBCRYPTO_ALGORITHMS, type WebCryptoAlgorithm } from "./algorithms.js";
import { probeAlgorithm } from "./capabilities.js";
import { webCryptoDh } from "./dh.js";
import { webCryptoHash } from "./hash.js";
import { Hmac, type HashName } from "./hmac.js";
import { HandleKeys } from "./handle-keys.js";
import { hybridAead, hybridHash, hybridKdf } from "./hybrid.js";
import { webCryptoKdf } from "./kdf.js";
import { DEFAULT_PREFER_FALLBACK_FOR, type FallbackPreference, type LazyPrimitiveSource, type WebCryptoProviderOptions } from "./options.js";
import { webCryptoSignature } from "./signature.js";
import { randomBytes, type WebCryptoContext } from "./util.js";

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
      p = probeAlgorithm(this.ctx, algorithm).then(
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
