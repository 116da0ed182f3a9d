/** HMAC (RFC 2104) on `crypto.subtle`, with imported keys cached. */
import { KeyCache } from "./key-cache.js";
import { bs, type WebCryptoContext } from "./util.js";

/** A hash WebCrypto names and MLS uses. */
export type HashName = "SHA-256" | "SHA-384" | "SHA-512";

/** Output size of each hash, in bytes. */
const HASH_LENGTH: Readonly<Record<HashName, number>> = { "SHA-256": 32, "SHA-384": 48, "SHA-512": 64 };

/**
 * WebCrypto refuses zero-length HMAC keys (a `DataError`), but HMAC pads
 * every key with zeros to the block size (RFC 2104 §2), so the empty key and
 * a single zero byte are the same key. HKDF-Extract with an empty salt
 * (RFC 5869 §2.2, RFC 9180's LabeledExtract with salt "") relies on this.
 */
const EMPTY_KEY_EQUIVALENT = new Uint8Array(1);

/** HMAC with one hash function. */
export class Hmac {
  readonly hash: HashName;
  readonly outputLength: number;
  private readonly keys: KeyCache<CryptoKey>;

  constructor(
    private readonly ctx: WebCryptoContext,
    hash: HashName,
  ) {
    this.hash = hash;
    this.outputLength = HASH_LENGTH[hash];
    this.keys = new KeyCache<CryptoKey>(ctx.secretKeyCacheSize, true);
  }

  /** The imported HMAC key for `key` (cached). */
  key(key: Uint8Array): Promise<CryptoKey> {
    const material = key.length === 0 ? EMPTY_KEY_EQUIVALENT : key;
    return this.keys.get(material, (copy) => this.ctx.subtle.importKey("raw", bs(copy), { name: "HMAC", hash: this.hash }, false, ["sign"]));
  }

  /** HMAC(key, data) with an imported key. */
  async sign(key: CryptoKey, data: Uint8Array): Promise<Uint8Array> {
    return new Uint8Array(await this.ctx.subtle.sign("HMAC", key, bs(data)));
  }

  /** HMAC(key, data). */
  async mac(key: Uint8Array, data: Uint8Array): Promise<Uint8Array> {
    return this.sign(await this.key(key), data);
  }
}
