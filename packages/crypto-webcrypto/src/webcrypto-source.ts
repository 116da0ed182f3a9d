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
import { HYBRID_PRIMITIVES, measureHybrid, type HybridCalibration, type HybridPrimitive, type HybridSide } from "./calibrate.js";
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
  /** Families the hybrid mode covers (see {@link WebCryptoOptions.preferFallbackFor}); empty without a fallback. */
  private readonly families: ReadonlySet<FallbackPreference>;
  /** Sides pinned by {@link WebCryptoOptions.prefer}. */
  private readonly pinned: Readonly<Partial<Record<HybridPrimitive, HybridSide>>>;
  /** Whether the sides not pinned are measured (see {@link WebCryptoOptions.calibrate}). */
  private readonly measures: boolean;
  /** The side of each hybrid primitive: static until {@link WebCryptoSource.calibrate} has measured. */
  private sides: Record<HybridPrimitive, HybridSide>;
  private calibration: Promise<HybridCalibration> | undefined;
  private calibrated: HybridCalibration | undefined;

  constructor(options: WebCryptoProviderOptions = {}) {
    const fallback = options.fallback;
    this.hasFallback = fallback !== undefined;
    if (typeof fallback === "function") this.lazyFallback = fallback;
    else this.fallback = fallback;
    this.pinned = fallback === undefined ? {} : { ...options.prefer };
    const families = new Set(fallback === undefined ? [] : (options.preferFallbackFor ?? DEFAULT_PREFER_FALLBACK_FOR));
    // A primitive pinned to the fallback brings its family into the hybrid mode.
    for (const [primitive, side] of Object.entries(this.pinned)) if (side === "fallback") families.add(familyOf(primitive as HybridPrimitive));
    this.families = families;
    this.measures = fallback !== undefined && (options.calibrate ?? options.preferFallbackFor === undefined);
    this.sides = { digest: "fallback", hmac: "fallback", kdf: "fallback", aead: "fallback", ...this.pinned };
    this.name = fallback === undefined ? "webcrypto" : `webcrypto+${typeof fallback === "function" ? (options.fallbackName ?? "fallback") : fallback.name}`;
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
    this.handles = this.ctx === undefined || options.nonExtractableKeys === undefined ? undefined : new HandleKeys(this.ctx.crypto, options.nonExtractableKeys);
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

  /** Families whose small inputs run on the fallback for at least one primitive (the current choice). */
  get preferFallbackFor(): ReadonlySet<FallbackPreference> {
    const sides = this.sides;
    return new Set([...this.families].filter((f) => HYBRID_PRIMITIVES.some((p) => familyOf(p) === f && sides[p] === "fallback")));
  }

  /**
   * Chooses each hybrid primitive's side (once; later calls return the same
   * result): pinned sides as given, the rest measured when calibration is on
   * and both sides exist (`calibrate.ts`), else the static table. Loads the
   * fallback and probes what it needs first. Never rejects for a
   * measurement: a primitive that cannot be measured keeps the static side.
   */
  calibrate(): Promise<HybridCalibration> {
    this.calibration ??= this.loadFallback().then(async () => {
      const skip = new Set<HybridPrimitive>(HYBRID_PRIMITIVES.filter((p) => p in this.pinned || !this.families.has(familyOf(p))));
      const [sha, aes] = this.measures && skip.size < HYBRID_PRIMITIVES.length ? await Promise.all([this.probe("SHA-256"), this.probe("AES-128-GCM")]) : [false, false];
      // SHA-256, HKDF-SHA256 (KDF 0x0001) and AES-128-GCM (AEAD 0x0001) stand for their families.
      const nativeHash = sha ? this.nativeHash("SHA-256") : undefined;
      const nativeKdf = sha ? this.nativeKdf(0x0001) : undefined;
      const nativeAead = aes ? this.nativeAead(0x0001) : undefined;
      const fb = this.fallback;
      const pair = <T>(native: T | undefined, small: T | undefined) => (native === undefined || small === undefined ? undefined : { native, small });
      const measure = () =>
        fb === undefined ? undefined : measureHybrid({ hash: pair(nativeHash, fb.hash("SHA-256")), kdf: pair(nativeKdf, fb.kdf(1)), aead: pair(nativeAead, fb.aead(1)) }, skip);
      const { choice, measured, ms } =
        fb === undefined || this.crypto === undefined || (!sha && !aes)
          ? { choice: {}, measured: {}, ms: 0 }
          : await measuredOnce(this.crypto, `${fb.name}|${[...skip].sort().join(",")}`, measure);
      this.sides = { ...this.sides, ...choice, ...this.pinned };
      const how = Object.fromEntries(HYBRID_PRIMITIVES.map((p) => [p, p in this.pinned ? "pinned" : p in choice ? "measured" : "static"])) as HybridCalibration["how"];
      this.calibrated = Object.freeze({ choice: Object.freeze({ ...this.sides }), how, measured, ms });
      return this.calibrated;
    });
    // A failed fallback load is retried on the next call (see loadFallback), so is the calibration.
    this.calibration.catch(() => {
      this.calibration = undefined;
    });
    return this.calibration;
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
   * when `family` is in the hybrid mode (memoised per fallback primitive and
   * choice of sides), else `native` itself.
   */
  private hybrid<T extends object>(family: FallbackPreference, key: string, native: T, small: T | undefined, combine: (n: T, s: T) => T): T {
    if (small === undefined || !this.families.has(family)) return native;
    const s = this.sides;
    const k = `hybrid/${key}/${s.digest}/${s.hmac}/${s.kdf}/${s.aead}`;
    let p = this.natives.get(k) as { small: T; combined: T } | undefined;
    if (p === undefined || p.small !== small) {
      p = { small, combined: combine(native, small) };
      this.natives.set(k, p);
    }
    return p.combined;
  }

  /** The hash on `crypto.subtle` alone, once probed native. */
  private nativeHash(name: HashPrimitive["name"]): HashPrimitive | undefined {
    const hmac = this.hmac(name);
    return hmac && this.native(`hash/${name}`, name, (ctx) => webCryptoHash(ctx, hmac));
  }

  /** The HKDF on `crypto.subtle` alone, once its hash is probed native. */
  private nativeKdf(id: number): Kdf | undefined {
    const name = KDF_HASH[id];
    const hmac = name === undefined ? undefined : this.hmac(name);
    return hmac && this.native(`kdf/${id}`, name, () => webCryptoKdf(id, hmac));
  }

  /** The AEAD on `crypto.subtle` alone, once probed native. */
  private nativeAead(id: number): Aead | undefined {
    const name = AEAD_ALGORITHM[id];
    return name && this.native(`aead/${id}`, name, (ctx) => webCryptoAead(ctx, name));
  }

  hash(name: HashPrimitive["name"]): HashPrimitive | undefined {
    const native = this.nativeHash(name);
    if (native === undefined) return this.fallback?.hash(name);
    const { digest, hmac: mac } = this.sides;
    return this.hybrid("hash", `hash/${name}`, native, this.fallback?.hash(name), (n, f) => hybridHash(n, f, digest, mac));
  }

  kdf(id: number): Kdf | undefined {
    const native = this.nativeKdf(id);
    if (native === undefined) return this.fallback?.kdf(id);
    const side = this.sides.kdf;
    return this.hybrid("kdf", `kdf/${id}`, native, this.fallback?.kdf(id), (n, f) => hybridKdf(n, f, side));
  }

  aead(id: number): Aead | undefined {
    const name = AEAD_ALGORITHM[id];
    const native = this.nativeAead(id);
    if (name === undefined || native === undefined) return this.fallback?.aead(id);
    // Every input on crypto.subtle: the native AEAD itself (an AEAD has no synchronous variant to keep).
    if (this.sides.aead === "webcrypto") return native;
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

type Measurement = Awaited<ReturnType<typeof measureHybrid>>;
/**
 * Calibrations already run, per `Crypto` and fallback name (and primitives
 * skipped): the speeds are the runtime's, so a second provider on the same
 * `crypto` and fallback takes the first one's result instead of measuring
 * again (and leaving a few ms of work and garbage in front of its first
 * operation). A failed measurement is not kept.
 */
const calibrations = new WeakMap<Crypto, Map<string, Promise<Measurement>>>();

function measuredOnce(crypto: Crypto, key: string, measure: () => Promise<Measurement> | undefined): Promise<Measurement> {
  let perCrypto = calibrations.get(crypto);
  if (perCrypto === undefined) {
    perCrypto = new Map();
    calibrations.set(crypto, perCrypto);
  }
  let p = perCrypto.get(key);
  if (p === undefined) {
    p = measure() ?? Promise.resolve({ choice: {}, measured: {}, ms: 0 });
    const map = perCrypto;
    p.catch(() => map.delete(key));
    perCrypto.set(key, p);
  }
  return p;
}

/** The {@link FallbackPreference} family a hybrid primitive belongs to. */
function familyOf(primitive: HybridPrimitive): FallbackPreference {
  return primitive === "digest" || primitive === "hmac" ? "hash" : primitive;
}
