/** AES-GCM and ChaCha20-Poly1305 (RFC 9180 §7.3) on node:crypto's `createCipheriv`, synchronous. */
import { type CipherGCMTypes, createCipheriv, createDecipheriv } from "node:crypto";
import { HpkeAeadId } from "@mlskit/core";
import type { Aead } from "@mlskit/hpke";

const TAG = 16;
const NONCE = 12;

type CipherName = CipherGCMTypes | "chacha20-poly1305";

function aeadSeal(cipher: CipherName, key: Uint8Array, nonce: Uint8Array, aad: Uint8Array, plaintext: Uint8Array): Uint8Array {
  const c = createCipheriv(cipher as CipherGCMTypes, key, nonce, { authTagLength: TAG });
  if (aad.length > 0) c.setAAD(aad);
  const out = new Uint8Array(plaintext.length + TAG);
  const body = c.update(plaintext);
  out.set(body);
  const rest = c.final();
  // Stream ciphers return everything from update(); final() is empty, but keep its bytes should it not be.
  if (rest.length > 0) out.set(rest, body.length);
  out.set(c.getAuthTag(), plaintext.length);
  return out;
}

function aeadOpen(cipher: CipherName, key: Uint8Array, nonce: Uint8Array, aad: Uint8Array, ciphertext: Uint8Array): Uint8Array {
  if (ciphertext.length < TAG) throw new RangeError("ciphertext shorter than the tag");
  const n = ciphertext.length - TAG;
  const d = createDecipheriv(cipher as CipherGCMTypes, key, nonce, { authTagLength: TAG });
  d.setAuthTag(ciphertext.subarray(n));
  if (aad.length > 0) d.setAAD(aad);
  const out = new Uint8Array(n);
  const body = d.update(ciphertext.subarray(0, n));
  out.set(body);
  body.fill(0);
  // final() throws when the tag does not verify: the plaintext is wiped and never returned.
  try {
    const rest = d.final();
    if (rest.length > 0) out.set(rest, body.length);
  } catch (e) {
    out.fill(0);
    throw e;
  }
  return out;
}

function aead(id: number, keyLength: number, cipher: CipherName): Aead {
  const check = (key: Uint8Array, nonce: Uint8Array): void => {
    // RFC 9180 §7.3: exactly Nk and Nn bytes.
    if (key.length !== keyLength) throw new RangeError(`AEAD key must be ${keyLength} bytes, got ${key.length}`);
    if (nonce.length !== NONCE) throw new RangeError(`AEAD nonce must be ${NONCE} bytes, got ${nonce.length}`);
  };
  return Object.freeze({
    id,
    keyLength,
    nonceLength: NONCE,
    tagLength: TAG,
    seal: (key: Uint8Array, nonce: Uint8Array, aad: Uint8Array, plaintext: Uint8Array): Promise<Uint8Array> => {
      try {
        check(key, nonce);
        return Promise.resolve(aeadSeal(cipher, key, nonce, aad, plaintext));
      } catch (e) {
        return Promise.reject(e);
      }
    },
    open: (key: Uint8Array, nonce: Uint8Array, aad: Uint8Array, ciphertext: Uint8Array): Promise<Uint8Array> => {
      try {
        check(key, nonce);
        return Promise.resolve(aeadOpen(cipher, key, nonce, aad, ciphertext));
      } catch (e) {
        return Promise.reject(e);
      }
    },
  });
}

/** AES-128-GCM, AES-256-GCM, ChaCha20-Poly1305 by RFC 9180 AEAD id. */
export const nodeAeads: ReadonlyMap<number, Aead> = new Map([
  [HpkeAeadId.AES_128_GCM, aead(HpkeAeadId.AES_128_GCM, 16, "aes-128-gcm")],
  [HpkeAeadId.AES_256_GCM, aead(HpkeAeadId.AES_256_GCM, 32, "aes-256-gcm")],
  [HpkeAeadId.CHACHA20_POLY1305, aead(HpkeAeadId.CHACHA20_POLY1305, 32, "chacha20-poly1305")],
]);
