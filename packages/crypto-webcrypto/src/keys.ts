/**
 * Importing canonical key bytes as `CryptoKey`s, once per key (see
 * `key-cache.ts`), and reading a private key's public key back.
 */
import { CryptoError } from "@mlskit/core";
import { KeyCache } from "./key-cache.js";
import { ecPkcs8, okpPkcs8, type NistCurve, type OkpCurve } from "./pkcs8.js";
import { NIST_CURVES, OKP_CURVES } from "./curves.js";
import { bs, jwkBytes, type WebCryptoContext } from "./util.js";

/** The WebCrypto algorithm a key is imported for. */
export type KeyAlgorithm = AlgorithmIdentifier | EcKeyImportParams;

/**
 * Private keys of one algorithm: raw seed/scalar → PKCS#8 → `CryptoKey`
 * (extractable, so that the public key can be read from its JWK export).
 */
export class PrivateKeys {
  private readonly cache: KeyCache<CryptoKey>;
  private readonly publicKeys = new WeakMap<CryptoKey, Promise<Uint8Array>>();
  private readonly wrap: (key: Uint8Array) => Uint8Array;
  private readonly readPublic: (jwk: JsonWebKey) => Uint8Array;

  constructor(
    private readonly ctx: WebCryptoContext,
    private readonly curve: OkpCurve | NistCurve,
    private readonly algorithm: KeyAlgorithm,
    private readonly usages: KeyUsage[],
  ) {
    this.cache = new KeyCache<CryptoKey>(ctx.secretKeyCacheSize, true);
    if (curve === "P-256" || curve === "P-384" || curve === "P-521") {
      const n = NIST_CURVES[curve].scalarLength;
      this.wrap = (key) => ecPkcs8(curve, key);
      this.readPublic = (jwk) => {
        const out = new Uint8Array(1 + 2 * n);
        out[0] = 0x04; // uncompressed point (SEC 1 §2.3.3)
        out.set(jwkBytes(jwk.x, n, "x"), 1);
        out.set(jwkBytes(jwk.y, n, "y"), 1 + n);
        return out;
      };
    } else {
      const n = OKP_CURVES[curve].publicKeyLength;
      this.wrap = (key) => okpPkcs8(curve, key);
      this.readPublic = (jwk) => jwkBytes(jwk.x, n, "x");
    }
  }

  /** The `CryptoKey` for `privateKey` (imported on first use). Size and range are the caller's checks. */
  import(privateKey: Uint8Array): Promise<CryptoKey> {
    return this.cache.get(privateKey, async (copy) => {
      const pkcs8 = this.wrap(copy);
      try {
        return await this.ctx.subtle.importKey("pkcs8", bs(pkcs8), this.algorithm, true, this.usages);
      } catch (e) {
        throw new CryptoError("crypto/invalid-key", `${this.curve} private key was rejected by crypto.subtle`, { cause: e });
      } finally {
        pkcs8.fill(0);
      }
    });
  }

  /**
   * Remembers a freshly generated key pair, so its first use imports nothing.
   * `byValue` false: only for as long as the `privateKey` array lives (one-use keys).
   */
  adopt(privateKey: Uint8Array, key: CryptoKey, publicKey: Uint8Array, byValue = true): void {
    this.cache.set(privateKey, key, byValue);
    this.publicKeys.set(key, Promise.resolve(publicKey.slice()));
  }

  /** pk(sk), serialized (raw for RFC 8410 curves, uncompressed point for NIST curves). */
  async publicKey(privateKey: Uint8Array): Promise<Uint8Array> {
    const key = await this.import(privateKey);
    let pk = this.publicKeys.get(key);
    if (pk === undefined) {
      pk = this.exportPublic(key);
      this.publicKeys.set(key, pk);
      pk.catch(() => this.publicKeys.delete(key));
    }
    return (await pk).slice();
  }

  /** Reads the public part of a private key's JWK export (the only portable way). */
  private async exportPublic(key: CryptoKey): Promise<Uint8Array> {
    const jwk = await this.ctx.subtle.exportKey("jwk", key);
    return this.readPublic(jwk);
  }

  /**
   * The canonical encoding of a generated private `CryptoKey` and its public
   * key, from its JWK export (`d` is the seed or the fixed-length scalar).
   */
  async exportKeyPair(key: CryptoKey, privateKeyLength: number): Promise<{ privateKey: Uint8Array; publicKey: Uint8Array }> {
    const jwk = await this.ctx.subtle.exportKey("jwk", key);
    return { privateKey: jwkBytes(jwk.d, privateKeyLength, "d"), publicKey: this.readPublic(jwk) };
  }
}

/** Public keys of one algorithm, imported from their raw encoding and cached by value. */
export class PublicKeys {
  private readonly cache: KeyCache<CryptoKey>;

  constructor(
    private readonly ctx: WebCryptoContext,
    private readonly curve: OkpCurve | NistCurve,
    private readonly algorithm: KeyAlgorithm,
    private readonly usages: KeyUsage[],
  ) {
    this.cache = new KeyCache<CryptoKey>(ctx.publicKeyCacheSize, false);
  }

  /**
   * The `CryptoKey` for `publicKey`; rejects with a plain `Error` for a key
   * subtle refuses (the HPKE layer decides which {@link CryptoError} code an
   * invalid peer key maps to).
   */
  import(publicKey: Uint8Array): Promise<CryptoKey> {
    return this.cache.get(publicKey, async (copy) => {
      try {
        return await this.ctx.subtle.importKey("raw", bs(copy), this.algorithm, true, this.usages);
      } catch (e) {
        throw new Error(`invalid ${this.curve} public key`, { cause: e });
      }
    });
  }
}
