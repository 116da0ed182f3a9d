/**
 * The HPKE/MLS AEADs on `crypto.subtle` (RFC 9180 §7.3): AES-128-GCM and
 * AES-256-GCM everywhere, and ChaCha20-Poly1305 where the runtime implements
 * the WICG "Modern Algorithms in WebCrypto" proposal (Node 20 does not; the
 * probe decides).
 */
import { CryptoError } from "@mlskit/core";
import type { Aead } from "@mlskit/hpke";
import { KeyCache } from "./key-cache.js";
import { bs, type WebCryptoContext } from "./util.js";

/** The AEADs this package can run on `crypto.subtle`. */
export type AeadName = "AES-128-GCM" | "AES-256-GCM" | "ChaCha20-Poly1305";

interface AeadParams {
  readonly id: number;
  readonly keyLength: number;
  /** WebCrypto algorithm name. */
  readonly algorithm: "AES-GCM" | "ChaCha20-Poly1305";
  /** Key import format: "raw" for AES; the modern-algorithms proposal uses "raw-secret" for ChaCha20-Poly1305. */
  readonly format: string;
}

const PARAMS: Readonly<Record<AeadName, AeadParams>> = {
  "AES-128-GCM": { id: 0x0001, keyLength: 16, algorithm: "AES-GCM", format: "raw" },
  "AES-256-GCM": { id: 0x0002, keyLength: 32, algorithm: "AES-GCM", format: "raw" },
  "ChaCha20-Poly1305": { id: 0x0003, keyLength: 32, algorithm: "ChaCha20-Poly1305", format: "raw-secret" },
};

/** Nn and Nt of all three AEADs (RFC 9180 §7.3). */
const NONCE_LENGTH = 12;
const TAG_LENGTH = 16;

/** The AEAD `name` on `ctx.subtle`, with imported keys cached. */
export function webCryptoAead(ctx: WebCryptoContext, name: AeadName): Aead {
  const p = PARAMS[name];
  const keys = new KeyCache<CryptoKey>(ctx.secretKeyCacheSize, true);
  const importKey = (key: Uint8Array): Promise<CryptoKey> => {
    if (key.length !== p.keyLength) {
      return Promise.reject(new CryptoError("crypto/invalid-key", `${name} key must be ${p.keyLength} bytes, got ${key.length}`));
    }
    return keys.get(key, (copy) => ctx.subtle.importKey(p.format as "raw", bs(copy), { name: p.algorithm }, false, ["encrypt", "decrypt"]));
  };
  const params = (nonce: Uint8Array, aad: Uint8Array): AesGcmParams => {
    if (nonce.length !== NONCE_LENGTH) {
      throw new RangeError(`${name} nonce must be ${NONCE_LENGTH} bytes, got ${nonce.length}`);
    }
    return p.algorithm === "AES-GCM"
      ? { name: p.algorithm, iv: bs(nonce), additionalData: bs(aad), tagLength: 8 * TAG_LENGTH }
      : { name: p.algorithm, iv: bs(nonce), additionalData: bs(aad) };
  };
  return {
    id: p.id,
    keyLength: p.keyLength,
    nonceLength: NONCE_LENGTH,
    tagLength: TAG_LENGTH,
    async seal(key, nonce, aad, plaintext) {
      const algorithm = params(nonce, aad);
      return new Uint8Array(await ctx.subtle.encrypt(algorithm, await importKey(key), bs(plaintext)));
    },
    /**
     * Authentication failure throws a plain `Error`: the caller maps it to
     * its {@link CryptoError} code (`crypto/aead-open`, or `crypto/hpke-open`
     * inside HPKE).
     */
    async open(key, nonce, aad, ciphertext) {
      const algorithm = params(nonce, aad);
      const k = await importKey(key);
      if (ciphertext.length < TAG_LENGTH) throw new Error(`${name} ciphertext shorter than its tag`);
      try {
        return new Uint8Array(await ctx.subtle.decrypt(algorithm, k, bs(ciphertext)));
      } catch (e) {
        throw new Error(`${name} decryption failed`, { cause: e });
      }
    },
  };
}
