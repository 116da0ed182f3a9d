/** AES-GCM and ChaCha20-Poly1305 (RFC 9180 §7.3) on @noble/ciphers. */
import { HpkeAeadId } from "@mlskit/core";
import type { Aead } from "@mlskit/hpke";
import { gcm } from "@noble/ciphers/aes.js";
import { chacha20poly1305 } from "@noble/ciphers/chacha.js";

type CipherFactory = (
  key: Uint8Array,
  nonce: Uint8Array,
  aad?: Uint8Array,
) => {
  encrypt(plaintext: Uint8Array): Uint8Array;
  decrypt(ciphertext: Uint8Array): Uint8Array;
};

function aead(id: number, keyLength: number, make: CipherFactory): Aead {
  const nonceLength = 12;
  const check = (key: Uint8Array, nonce: Uint8Array): void => {
    // RFC 9180 §7.3: exactly Nk and Nn bytes (noble would also take other AES key sizes).
    if (key.length !== keyLength) throw new RangeError(`AEAD key must be ${keyLength} bytes, got ${key.length}`);
    if (nonce.length !== nonceLength) throw new RangeError(`AEAD nonce must be ${nonceLength} bytes, got ${nonce.length}`);
  };
  return Object.freeze({
    id,
    keyLength,
    nonceLength,
    tagLength: 16,
    seal: async (key: Uint8Array, nonce: Uint8Array, aad: Uint8Array, plaintext: Uint8Array): Promise<Uint8Array> => {
      check(key, nonce);
      return make(key, nonce, aad).encrypt(plaintext);
    },
    open: async (key: Uint8Array, nonce: Uint8Array, aad: Uint8Array, ciphertext: Uint8Array): Promise<Uint8Array> => {
      check(key, nonce);
      return make(key, nonce, aad).decrypt(ciphertext);
    },
  });
}

/** AES-128-GCM, AES-256-GCM, ChaCha20-Poly1305 by RFC 9180 AEAD id. */
export const nobleAeads: ReadonlyMap<number, Aead> = new Map([
  [HpkeAeadId.AES_128_GCM, aead(HpkeAeadId.AES_128_GCM, 16, gcm)],
  [HpkeAeadId.AES_256_GCM, aead(HpkeAeadId.AES_256_GCM, 32, gcm)],
  [HpkeAeadId.CHACHA20_POLY1305, aead(HpkeAeadId.CHACHA20_POLY1305, 32, chacha20poly1305)],
]);
