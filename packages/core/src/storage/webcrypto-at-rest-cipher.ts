/**
 * At-rest keys on WebCrypto: an AES-GCM `CryptoKey` as an
 * {@link AtRestCipher}, and a fresh non-extractable one. Only the standard
 * `crypto.subtle` (browsers, workers, Node, Deno, Bun), looked up when
 * called, never at import; pass `subtle` to use another.
 */
import { CryptoError, UsageError } from "../errors.js";
import { AT_REST_CIPHER_NONCE_LENGTH, type AtRestCipher } from "./at-rest-cipher.js";

const TAG_BITS = 128;

/** `subtle`, or the runtime's `crypto.subtle`. @throws CryptoError `crypto/unsupported` when there is none (an insecure browser context). */
function subtleOf(subtle: SubtleCrypto | undefined): SubtleCrypto {
  const s = subtle ?? (globalThis as { crypto?: { subtle?: SubtleCrypto } }).crypto?.subtle;
  if (s === undefined) throw new CryptoError("crypto/unsupported", "no crypto.subtle in this runtime (a browser offers it only in a secure context)");
  return s;
}

const bs = (b: Uint8Array): Uint8Array<ArrayBuffer> => b as Uint8Array<ArrayBuffer>;

/**
 * `key` (AES-GCM, 128 or 256 bits, usages `encrypt` and `decrypt`) as the
 * cipher of an at-rest key: `encryptedStore(inner, { cs, keys: [{ id, cipher }] })`.
 * The key may be, and in a browser should be, non-extractable: the store
 * never sees its bytes.
 * @throws UsageError `usage/invalid-argument` for a key of another
 *   algorithm, a public or private key, or one lacking a usage.
 * @throws CryptoError `crypto/unsupported` without `subtle` and without `crypto.subtle`.
 */
export function webCryptoAtRestCipher(key: CryptoKey, subtle?: SubtleCrypto): AtRestCipher {
  if (key.type !== "secret" || key.algorithm.name !== "AES-GCM")
    throw new UsageError("usage/invalid-argument", `an at-rest CryptoKey must be an AES-GCM secret key, not ${key.type} ${key.algorithm.name}`);
  for (const usage of ["encrypt", "decrypt"] as const) {
    if (!key.usages.includes(usage)) throw new UsageError("usage/invalid-argument", `the at-rest CryptoKey lacks the usage ${usage}`);
  }
  const s = subtleOf(subtle);
  const params = (nonce: Uint8Array, aad: Uint8Array): AesGcmParams => {
    if (nonce.length !== AT_REST_CIPHER_NONCE_LENGTH)
      throw new UsageError("usage/invalid-argument", `an at-rest nonce must be ${AT_REST_CIPHER_NONCE_LENGTH} bytes, got ${nonce.length}`);
    return { name: "AES-GCM", iv: bs(nonce), additionalData: bs(aad), tagLength: TAG_BITS };
  };
  return {
    async seal(nonce, aad, plaintext) {
      return new Uint8Array(await s.encrypt(params(nonce, aad), key, bs(plaintext)));
    },
    async open(nonce, aad, ciphertext) {
      try {
        return new Uint8Array(await s.decrypt(params(nonce, aad), key, bs(ciphertext)));
      } catch (cause) {
        // AES-GCM decryption fails with OperationError alone: the tag did not verify.
        if ((cause as { name?: unknown } | null)?.name !== "OperationError") throw cause;
        throw new CryptoError("crypto/aead-open", "at-rest AES-GCM: the ciphertext does not authenticate", { cause });
      }
    },
  };
}

/**
 * A fresh AES-GCM-256 key for {@link webCryptoAtRestCipher}, non-extractable
 * (`exportKey` refuses it; persist it as the object itself, e.g. in IndexedDB).
 * @throws CryptoError `crypto/unsupported` without `subtle` and without
 *   `crypto.subtle`, or when the runtime refuses to generate it.
 */
export async function generateAtRestCryptoKey(subtle?: SubtleCrypto): Promise<CryptoKey> {
  const s = subtleOf(subtle);
  try {
    return await s.generateKey({ name: "AES-GCM", length: 256 }, false, ["encrypt", "decrypt"]);
  } catch (cause) {
    throw new CryptoError("crypto/unsupported", "crypto.subtle could not generate an AES-GCM-256 key", { cause });
  }
}
