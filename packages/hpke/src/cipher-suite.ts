/**
 * MLS cipher suites (RFC 9420 §5.1) built from primitives: the
 * {@link CipherSuiteProvider} every protocol package uses, and a
 * {@link CryptoProvider} over any {@link PrimitiveSource}.
 */
import {
  CryptoError,
  DEFAULT_CIPHER_SUITE_MAP,
  type CipherSuiteMap,
  SignatureScheme,
  UsageError,
  type CipherSuiteDescription,
  type CipherSuiteId,
  type CipherSuiteProvider,
  type CryptoProvider,
  type HpkeCiphertext,
  type HpkeEncapsulation,
  type KeyPair,
  type HpkeSealInput,
  type SignatureCheck,
} from "@mlskit/core";
import { aeadName, kdfName, kemKdfId, kemName } from "./algorithms.js";
import { asCryptoError } from "./errors.js";
import { HpkeSuite } from "./key-schedule.js";
import type { Aead, HashPrimitive, Kdf, PrimitiveSource, SignaturePrimitive, SuitePrimitives } from "./primitives.js";
import { RandomPool } from "./random-pool.js";
import { isPqKemId } from "./pq-kem.js";
import { signaturePublicKeyProblem, signaturePublicKeyShapeProblem } from "./public-keys.js";
import { encapForSealBase, openBase, receiveExport, sealBase, sendExport } from "./single-shot.js";

const SIGNATURE_NAMES: Record<number, string> = {
  [SignatureScheme.ed25519]: "Ed25519",
  [SignatureScheme.ed448]: "Ed448",
  [SignatureScheme.ecdsa_secp256r1_sha256]: "ECDSA P-256/SHA-256",
  [SignatureScheme.ecdsa_secp384r1_sha384]: "ECDSA P-384/SHA-384",
  [SignatureScheme.ecdsa_secp521r1_sha512]: "ECDSA P-521/SHA-512",
  [SignatureScheme.mldsa44]: "ML-DSA-44",
  [SignatureScheme.mldsa65]: "ML-DSA-65",
  [SignatureScheme.mldsa87]: "ML-DSA-87",
};

/** A readable name for a TLS SignatureScheme value. */
export const signatureName = (scheme: number): string => SIGNATURE_NAMES[scheme] ?? `signature scheme 0x${scheme.toString(16).padStart(4, "0")}`;

/** Items below which `hpkeSealBatch` seals everything on this thread (a message to another thread costs more). */
const SEAL_ELSEWHERE_MIN = 32;

class SuiteCipherSuiteProvider implements CipherSuiteProvider {
  readonly suite: CipherSuiteDescription;
  readonly hashLength: number;
  readonly aeadKeyLength: number;
  readonly aeadNonceLength: number;
  readonly #hash: HashPrimitive;
  readonly #kdf: Kdf;
  readonly #aead: Aead;
  readonly #sig: SignaturePrimitive;
  readonly #hpke: HpkeSuite;
  readonly #random: (length: number) => Uint8Array;
  /** Present when the hash primitive can digest synchronously (see `CipherSuiteProvider.hashSync`). */
  readonly hashSync?: (data: Uint8Array) => Uint8Array;
  /** Present when the KDF can expand synchronously (see `CipherSuiteProvider.kdfExpandSync`). */
  readonly kdfExpandSync?: (prk: Uint8Array, info: Uint8Array, length: number) => Uint8Array;
  /** Present when the source seals on another thread too (see `CipherSuiteProvider.hpkeSealBatch`). */
  readonly hpkeSealBatch?: (items: readonly HpkeSealInput[]) => Promise<HpkeCiphertext[]>;
  /** Present when the signature primitive verifies in batches (see `CipherSuiteProvider.verifyBatch`). */
  readonly verifyBatch?: (items: readonly SignatureCheck[]) => Promise<boolean[]>;

  constructor(p: SuitePrimitives) {
    const s = p.suite;
    const mismatch = (what: string, got: number | string, want: number | string): never => {
      throw new CryptoError("crypto/unsupported", `${s.name}: ${what} primitive is ${got}, the suite needs ${want}`);
    };
    if (p.hash.name !== s.hash) mismatch("hash", p.hash.name, s.hash);
    if (p.kdf.id !== s.kdf) mismatch("KDF", kdfName(p.kdf.id), kdfName(s.kdf));
    if (p.aead.id !== s.aead) mismatch("AEAD", aeadName(p.aead.id), aeadName(s.aead));
    const kemId = p.kem?.kemId ?? p.dh?.kemId ?? -1;
    if (kemId !== s.kem) mismatch("KEM", kemName(kemId), kemName(s.kem));
    if (p.signature.scheme !== s.signature) mismatch("signature", signatureName(p.signature.scheme), signatureName(s.signature));
    this.suite = s;
    this.hashLength = p.kdf.hashLength;
    this.aeadKeyLength = p.aead.keyLength;
    this.aeadNonceLength = p.aead.nonceLength;
    this.#hash = p.hash;
    const digestSync = p.hash.digestSync;
    if (digestSync !== undefined) this.hashSync = (data) => digestSync.call(p.hash, data);
    this.#kdf = p.kdf;
    const expandSync = p.kdf.expandSync;
    if (expandSync !== undefined) this.kdfExpandSync = (prk, info, length) => expandSync.call(p.kdf, prk, info, length);
    this.#aead = p.aead;
    this.#sig = p.signature;
    const sealElsewhere = p.sealElsewhere;
    if (sealElsewhere !== undefined) {
      this.hpkeSealBatch = async (items) => {
        const seal = (x: HpkeSealInput) => this.hpkeSeal(x.publicKey, x.info, x.aad, x.plaintext);
        if (items.length < SEAL_ELSEWHERE_MIN) return Promise.all(items.map(seal));
        // Half elsewhere, half here, at the same time; what the other thread cannot do is done here.
        const half = items.length >>> 1;
        const there = sealElsewhere(items.slice(0, half)).catch(() => Promise.all(items.slice(0, half).map(seal)));
        const here = Promise.all(items.slice(half).map(seal));
        here.catch(() => undefined); // awaited below, after `there`
        return [...(await there), ...(await here)];
      };
    }
    const verifyBatch = p.signature.verifyBatch;
    if (verifyBatch !== undefined) {
      const scheme = p.signature.scheme;
      this.verifyBatch = async (items) => {
        // As in verify: a key refused without arithmetic never verifies (small-order EdDSA keys included).
        const ok = items.map((x) => signaturePublicKeyShapeProblem(scheme, x.publicKey) === undefined);
        const pass = items.filter((_, i) => ok[i]);
        let results: boolean[];
        try {
          results = await verifyBatch.call(p.signature, pass);
        } catch {
          // Never a rejection: fall back to one verification each, whose failures are "not valid".
          results = await Promise.all(pass.map((x) => this.verify(x.publicKey, x.message, x.signature)));
        }
        let j = 0;
        return ok.map((o) => o && results[j++] === true);
      };
    }
    const pool = new RandomPool((n) => p.randomBytes(n));
    this.#random = (n) => pool.take(n);
    this.#hpke = new HpkeSuite({
      dh: p.dh,
      kemKdf: p.kemKdf,
      kem: p.kem,
      kemDeriveKeyPair: s.kemDeriveKeyPair,
      kdf: p.kdf,
      aead: p.aead,
      randomBytes: this.#random,
    });
  }

  hash(data: Uint8Array): Promise<Uint8Array> {
    return this.#hash.digest(data);
  }
  mac(key: Uint8Array, data: Uint8Array): Promise<Uint8Array> {
    return this.#hash.hmac(key, data);
  }
  kdfExtract(salt: Uint8Array, ikm: Uint8Array): Promise<Uint8Array> {
    return this.#kdf.extract(salt, ikm);
  }
  kdfExpand(prk: Uint8Array, info: Uint8Array, length: number): Promise<Uint8Array> {
    return this.#kdf.expand(prk, info, length);
  }

  async aeadSeal(key: Uint8Array, nonce: Uint8Array, aad: Uint8Array, plaintext: Uint8Array): Promise<Uint8Array> {
    try {
      return await this.#aead.seal(key, nonce, aad, plaintext);
    } catch (e) {
      throw asCryptoError(e, "crypto/invalid-key", `${aeadName(this.#aead.id)} seal failed (key or nonce of the wrong size?)`);
    }
  }
  async aeadOpen(key: Uint8Array, nonce: Uint8Array, aad: Uint8Array, ciphertext: Uint8Array): Promise<Uint8Array> {
    try {
      return await this.#aead.open(key, nonce, aad, ciphertext);
    } catch (e) {
      throw new CryptoError("crypto/aead-open", `${aeadName(this.#aead.id)} decryption failed`, { cause: e });
    }
  }

  async hpkeSeal(publicKey: Uint8Array, info: Uint8Array, aad: Uint8Array, plaintext: Uint8Array): Promise<HpkeCiphertext> {
    try {
      const { enc, ciphertext } = await sealBase(this.#hpke, publicKey, info, aad, plaintext);
      return { kemOutput: enc, ciphertext };
    } catch (e) {
      throw asCryptoError(e, "crypto/invalid-key", "HPKE seal failed");
    }
  }
  async hpkeEncap(publicKey: Uint8Array): Promise<HpkeEncapsulation> {
    let encapsulated: Awaited<ReturnType<typeof encapForSealBase>>;
    try {
      encapsulated = await encapForSealBase(this.#hpke, publicKey);
    } catch (e) {
      throw asCryptoError(e, "crypto/invalid-key", "HPKE encap failed");
    }
    return {
      kemOutput: encapsulated.enc,
      seal: async (info, aad, plaintext) => {
        try {
          return { kemOutput: encapsulated.enc, ciphertext: await encapsulated.seal(info, aad, plaintext) };
        } catch (e) {
          if (UsageError.isInstance(e)) throw e;
          throw asCryptoError(e, "crypto/invalid-key", "HPKE seal failed");
        }
      },
      discard: () => encapsulated.discard(),
    };
  }
  async hpkeOpen(ciphertext: HpkeCiphertext, privateKey: Uint8Array, info: Uint8Array, aad: Uint8Array, publicKey?: Uint8Array): Promise<Uint8Array> {
    try {
      return await openBase(this.#hpke, ciphertext.kemOutput, privateKey, info, aad, ciphertext.ciphertext, publicKey);
    } catch (e) {
      throw asCryptoError(e, "crypto/hpke-open", "HPKE open failed");
    }
  }
  async hpkeExportSender(publicKey: Uint8Array, info: Uint8Array, exporterContext: Uint8Array, length: number): Promise<{ kemOutput: Uint8Array; exportedSecret: Uint8Array }> {
    try {
      const { enc, exportedSecret } = await sendExport(this.#hpke, publicKey, info, exporterContext, length);
      return { kemOutput: enc, exportedSecret };
    } catch (e) {
      throw asCryptoError(e, "crypto/invalid-key", "HPKE export (sender) failed");
    }
  }
  async hpkeExportReceiver(
    kemOutput: Uint8Array,
    privateKey: Uint8Array,
    info: Uint8Array,
    exporterContext: Uint8Array,
    length: number,
    publicKey?: Uint8Array,
  ): Promise<Uint8Array> {
    try {
      return await receiveExport(this.#hpke, kemOutput, privateKey, info, exporterContext, length, publicKey);
    } catch (e) {
      throw asCryptoError(e, "crypto/hpke-open", "HPKE export (receiver) failed");
    }
  }
  hpkeGenerateKeyPair(): Promise<KeyPair> {
    return this.#hpke.kem.generateKeyPair();
  }
  hpkeDeriveKeyPair(ikm: Uint8Array): Promise<KeyPair> {
    return this.#hpke.kem.deriveKeyPair(ikm);
  }

  signatureGenerateKeyPair(): Promise<KeyPair> {
    return this.#sig.generateKeyPair();
  }
  async signaturePublicKey(privateKey: Uint8Array): Promise<Uint8Array> {
    try {
      return await this.#sig.publicKey(privateKey);
    } catch (e) {
      throw asCryptoError(e, "crypto/invalid-key", `invalid ${signatureName(this.#sig.scheme)} private key`);
    }
  }
  async sign(privateKey: Uint8Array, message: Uint8Array): Promise<Uint8Array> {
    try {
      return await this.#sig.sign(privateKey, message);
    } catch (e) {
      throw asCryptoError(e, "crypto/invalid-key", `${signatureName(this.#sig.scheme)} signing failed (invalid private key?)`);
    }
  }
  async verify(publicKey: Uint8Array, message: Uint8Array, signature: Uint8Array): Promise<boolean> {
    // A key refused without arithmetic never verifies, whatever the primitive would say: crypto.subtle
    // (OpenSSL) accepts small-order Ed25519 keys, under which anyone can make a "valid" signature.
    if (signaturePublicKeyShapeProblem(this.#sig.scheme, publicKey) !== undefined) return false;
    try {
      return (await this.#sig.verify(publicKey, message, signature)) === true;
    } catch {
      // Malformed keys and signatures are "not valid", never an exception.
      return false;
    }
  }

  hpkePublicKeyProblem(publicKey: Uint8Array): Promise<string | undefined> {
    return this.#hpke.kem.publicKeyProblem(publicKey);
  }
  signaturePublicKeyProblem(publicKey: Uint8Array): Promise<string | undefined> {
    return signaturePublicKeyProblem(this.#sig, publicKey);
  }

  randomBytes(length: number): Uint8Array {
    return this.#random(length);
  }

  toJSON(): { suite: string } {
    return { suite: this.suite.name };
  }
}

/**
 * The {@link CipherSuiteProvider} for one suite, over its primitives: HPKE
 * (RFC 9180 Base mode) from this package, everything else passed through,
 * failures mapped to {@link CryptoError} codes `crypto/aead-open`,
 * `crypto/hpke-open` and `crypto/invalid-key`; `verify` never throws.
 */
export function createCipherSuiteProvider(p: SuitePrimitives): CipherSuiteProvider {
  return new SuiteCipherSuiteProvider(p);
}

/** Names of the algorithms of `suite` that `source` does not offer (empty when it can serve the suite). */
export function missingPrimitives(source: PrimitiveSource, suite: CipherSuiteDescription): string[] {
  const missing: string[] = [];
  if (!source.hash(suite.hash)) missing.push(suite.hash);
  if (!source.kdf(suite.kdf)) missing.push(kdfName(suite.kdf));
  if (isPqKemId(suite.kem)) {
    if (!source.kem?.(suite.kem)) missing.push(kemName(suite.kem));
  } else {
    const kemKdf = kemKdfId(suite.kem);
    if (kemKdf === undefined) missing.push(kemName(suite.kem));
    else if (kemKdf !== suite.kdf && !source.kdf(kemKdf)) missing.push(kdfName(kemKdf));
    if (!source.dh(suite.kem)) missing.push(kemName(suite.kem));
  }
  if (!source.aead(suite.aead)) missing.push(aeadName(suite.aead));
  if (!source.signature(suite.signature)) missing.push(signatureName(suite.signature));
  return [...new Set(missing)];
}

/**
 * Collects the primitives of suite `id` from `source`. Throws
 * {@link CryptoError} `crypto/unsupported` naming every missing algorithm.
 */
export function suitePrimitives(source: PrimitiveSource, id: CipherSuiteId, cipherSuites: CipherSuiteMap = DEFAULT_CIPHER_SUITE_MAP): SuitePrimitives {
  const suite = cipherSuites.get(id);
  if (!suite) throw unknownCipherSuite(id);
  const hash = source.hash(suite.hash);
  const kdf = source.kdf(suite.kdf);
  const pq = isPqKemId(suite.kem);
  const kemKdfIdValue = pq ? undefined : kemKdfId(suite.kem);
  const kemKdf = kemKdfIdValue === undefined ? undefined : source.kdf(kemKdfIdValue);
  const aead = source.aead(suite.aead);
  const dh = pq ? undefined : source.dh(suite.kem);
  const kem = pq ? source.kem?.(suite.kem) : undefined;
  const signature = source.signature(suite.signature);
  if (!hash || !kdf || !aead || !signature || (pq ? !kem : !kemKdf || !dh)) {
    throw new CryptoError("crypto/unsupported", `${source.name} cannot serve ${suite.name}: missing ${missingPrimitives(source, suite).join(", ")}`);
  }
  const sealBatch = source.hpkeSealBatch;
  return {
    suite,
    hash,
    kdf,
    kemKdf,
    aead,
    dh,
    ...(kem ? { kem } : {}),
    signature,
    randomBytes: (n) => source.randomBytes(n),
    ...(sealBatch !== undefined ? { sealElsewhere: (items: readonly HpkeSealInput[]) => sealBatch.call(source, suite, items) } : {}),
  };
}

/**
 * The error for a suite id the code-point map does not know:
 * {@link CryptoError} `crypto/unknown-cipher-suite`.
 */
export function unknownCipherSuite(id: CipherSuiteId): CryptoError {
  return new CryptoError(
    "crypto/unknown-cipher-suite",
    `unknown cipher suite 0x${id.toString(16).padStart(4, "0")}: not in this provider's code-point map (configure cipherSuites to speak another numbering)`,
  );
}

/** Options of {@link createCryptoProvider}. */
export interface CryptoProviderOptions {
  /** Wire id → algorithm set (default `DEFAULT_CIPHER_SUITE_MAP` of `@mlskit/core`). */
  readonly cipherSuites?: CipherSuiteMap;
}

/**
 * A {@link CryptoProvider} over a primitive source, for the suites of a
 * code-point map (default: RFC 9420 §17.1's seven and the draft
 * post-quantum suites, `DEFAULT_CIPHER_SUITE_MAP`) that the source can serve. One {@link CipherSuiteProvider} is built per suite and cached.
 */
export function createCryptoProvider(name: string, source: PrimitiveSource, options: CryptoProviderOptions = {}): CryptoProvider {
  const cipherSuites = options.cipherSuites ?? DEFAULT_CIPHER_SUITE_MAP;
  const cache = new Map<CipherSuiteId, CipherSuiteProvider>();
  return {
    name,
    supportedCipherSuites(): Promise<readonly CipherSuiteId[]> {
      const ids: CipherSuiteId[] = [];
      for (const suite of cipherSuites.values()) if (missingPrimitives(source, suite).length === 0) ids.push(suite.id);
      return Promise.resolve(ids);
    },
    cipherSuite(id: CipherSuiteId): Promise<CipherSuiteProvider> {
      let cs = cache.get(id);
      if (cs === undefined) {
        try {
          cs = createCipherSuiteProvider(suitePrimitives(source, id, cipherSuites));
        } catch (e) {
          return Promise.reject(e);
        }
        cache.set(id, cs);
      }
      return Promise.resolve(cs);
    },
  };
}
