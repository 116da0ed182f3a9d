/**
 * Key handles: what `webCryptoProvider({ nonExtractableKeys })` returns as
 * `KeyPair.privateKey` instead of key bytes. A handle names a non-extractable
 * `CryptoKey` kept in a `KeyObjectStore`; it is no secret, and it
 * cannot be taken for a key:
 *
 * ```text
 * handle = MAGIC (16 bytes, ASCII "mlskit-keyhandle") || id (32 random bytes) || public key
 * ```
 *
 * The shortest handle is 80 bytes (X25519 and Ed25519 public keys are 32),
 * longer than every real private key of the MLS suites (32, 48, 56, 57 or 66
 * bytes), so any provider refuses a handle as key bytes (`crypto/invalid-key`)
 * rather than, say, padding it into an ECDSA scalar. The public key is carried
 * in the handle because `crypto.subtle` cannot compute it from a
 * non-extractable private key; `signaturePublicKey` and Decap read it there.
 */

/** The prefix of every key handle, as text (its 16 ASCII bytes start the handle). */
export const KEY_HANDLE_PREFIX = "mlskit-keyhandle";

const MAGIC = new TextEncoder().encode(KEY_HANDLE_PREFIX);

/** Bytes of the random id inside a handle (the `KeyObjectStore` key). */
export const KEY_HANDLE_ID_LENGTH = 32;

const HEADER = MAGIC.length + KEY_HANDLE_ID_LENGTH;

/** Shortest public key a handle can carry (X25519, Ed25519). */
const MIN_PUBLIC_KEY_LENGTH = 32;

/** True when `bytes` is a key handle (magic prefix, and long enough for an id and a public key). */
export function isKeyHandle(bytes: Uint8Array): boolean {
  if (bytes.length < HEADER + MIN_PUBLIC_KEY_LENGTH) return false;
  for (let i = 0; i < MAGIC.length; i++) if (bytes[i] !== MAGIC[i]) return false;
  return true;
}

/** A new handle for the key stored under `id`, whose public key is `publicKey`. */
export function makeKeyHandle(id: Uint8Array, publicKey: Uint8Array): Uint8Array {
  if (id.length !== KEY_HANDLE_ID_LENGTH) throw new RangeError(`key handle id must be ${KEY_HANDLE_ID_LENGTH} bytes`);
  const out = new Uint8Array(HEADER + publicKey.length);
  out.set(MAGIC);
  out.set(id, MAGIC.length);
  out.set(publicKey, HEADER);
  return out;
}

/** The store id of a handle (a copy). `handle` must satisfy {@link isKeyHandle}. */
export function keyHandleId(handle: Uint8Array): Uint8Array {
  return handle.slice(MAGIC.length, HEADER);
}

/** The public key carried by a handle (a copy). `handle` must satisfy {@link isKeyHandle}. */
export function keyHandlePublicKey(handle: Uint8Array): Uint8Array {
  return handle.slice(HEADER);
}
