/** Small helpers shared by the WebCrypto primitives (no Node-only APIs). */
import { CryptoError, expectDefined } from "@mlskit/core";
import type { HandleKeys } from "./handle-keys.js";

/**
 * The `Crypto` a provider runs on, with `subtle` read once. Every primitive
 * holds one of these instead of reaching for `globalThis.crypto`.
 */
export interface WebCryptoContext {
  readonly crypto: Crypto;
  readonly subtle: SubtleCrypto;
  /** Bound of the by-value cache of imported public keys (per algorithm). */
  readonly publicKeyCacheSize: number;
  /** Bound of the by-value cache of imported secret keys (per algorithm). */
  readonly secretKeyCacheSize: number;
  /**
   * Present in the `nonExtractableKeys` mode: the keys behind key handles,
   * which DH, signing and public-key lookups then accept besides key bytes.
   */
  readonly handles?: HandleKeys;
}

/**
 * A `Uint8Array` as a WebCrypto `BufferSource`. TypeScript's DOM types reject
 * views that might sit on a `SharedArrayBuffer`; our inputs are ordinary
 * arrays, and `crypto.subtle` copies its inputs when called.
 */
export const bs = (bytes: Uint8Array): Uint8Array<ArrayBuffer> => bytes as Uint8Array<ArrayBuffer>;

/** Largest request `getRandomValues` accepts in one call (WebCrypto §10.1.1). */
const RANDOM_CHUNK = 65536;

/** `length` random bytes from `crypto.getRandomValues`, in 64 KiB chunks. */
export function randomBytes(crypto: Crypto, length: number): Uint8Array {
  if (!Number.isSafeInteger(length) || length < 0) throw new RangeError(`randomBytes: invalid length ${length}`);
  const out = new Uint8Array(length);
  for (let at = 0; at < length; at += RANDOM_CHUNK) {
    crypto.getRandomValues(out.subarray(at, Math.min(length, at + RANDOM_CHUNK)));
  }
  return out;
}

const B64URL = "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789-_";
const B64URL_VALUE = new Int16Array(128).fill(-1);
for (let i = 0; i < B64URL.length; i++) B64URL_VALUE[B64URL.charCodeAt(i)] = i;

/** Decodes unpadded base64url (RFC 4648 §5), as JWK members are (RFC 7518 §2). */
export function base64UrlDecode(text: string): Uint8Array {
  if (text.length % 4 === 1) throw new CryptoError("crypto/invalid-key", "malformed base64url in JWK");
  const out = new Uint8Array(Math.floor((text.length * 3) / 4));
  let acc = 0;
  let bits = 0;
  let at = 0;
  for (let i = 0; i < text.length; i++) {
    const c = text.charCodeAt(i);
    const v = c < 128 ? expectDefined(B64URL_VALUE[c], "B64URL_VALUE[c]") : -1;
    if (v < 0) throw new CryptoError("crypto/invalid-key", "malformed base64url in JWK");
    acc = (acc << 6) | v;
    bits += 6;
    if (bits >= 8) {
      bits -= 8;
      out[at++] = (acc >>> bits) & 0xff;
    }
  }
  return out;
}

/**
 * A JWK member as exactly `length` bytes, left-padded with zeros (RFC 7518
 * §6.2.1.2 requires full-length coordinates; we accept shorter ones too).
 */
export function jwkBytes(value: string | undefined, length: number, what: string): Uint8Array {
  if (value === undefined) throw new CryptoError("crypto/invalid-key", `exported JWK lacks "${what}"`);
  const raw = base64UrlDecode(value);
  if (raw.length === length) return raw;
  if (raw.length > length) throw new CryptoError("crypto/invalid-key", `exported JWK "${what}" is ${raw.length} bytes, expected ${length}`);
  const out = new Uint8Array(length);
  out.set(raw, length - raw.length);
  raw.fill(0);
  return out;
}

/** True when every byte is zero (examines every byte). */
export function isAllZero(bytes: Uint8Array): boolean {
  let acc = 0;
  for (let i = 0; i < bytes.length; i++) acc |= expectDefined(bytes[i], "bytes[i]");
  return acc === 0;
}

/** `n` as `length` big-endian bytes (`n` must fit). */
export function bigIntToBytes(n: bigint, length: number): Uint8Array {
  const out = new Uint8Array(length);
  let v = n;
  for (let i = length - 1; i >= 0; i--) {
    out[i] = Number(v & 0xffn);
    v >>= 8n;
  }
  return out;
}

/**
 * True when the big-endian `scalar` is in [1, n), `order` being n as
 * big-endian bytes of the same length. Byte-wise, so the hot path makes no
 * BigInt; every byte is examined.
 */
export function isScalarInRange(scalar: Uint8Array, order: Uint8Array): boolean {
  if (scalar.length !== order.length) return false;
  let any = 0;
  let cmp = 0; // -1: below n, 1: above, 0: equal so far
  for (let i = 0; i < scalar.length; i++) {
    const a = expectDefined(scalar[i], "scalar[i]");
    const b = expectDefined(order[i], "order[i]");
    any |= a;
    if (cmp === 0 && a !== b) cmp = a < b ? -1 : 1;
  }
  return any !== 0 && cmp < 0;
}
