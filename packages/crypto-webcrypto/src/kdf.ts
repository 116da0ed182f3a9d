/**
 * HKDF (RFC 5869) as separate Extract and Expand, composed from HMAC on
 * `crypto.subtle`: WebCrypto's own HKDF only offers both steps at once, and
 * HPKE and MLS call them separately.
 */
import type { Kdf } from "@mlskit/hpke";
import type { Hmac } from "./hmac.js";

/** The HKDF whose RFC 9180 KDF id is `id`, over `hmac`'s hash. */
export function webCryptoKdf(id: number, hmac: Hmac): Kdf {
  const nh = hmac.outputLength;
  return {
    id,
    hashLength: nh,
    /** HKDF-Extract(salt, IKM) = HMAC-Hash(salt, IKM) (RFC 5869 §2.2); an empty salt acts as Nh zeros. */
    extract: (salt, ikm) => hmac.mac(salt, ikm),
    /**
     * HKDF-Expand(PRK, info, L) (RFC 5869 §2.3): T(i) = HMAC-Hash(PRK,
     * T(i-1) || info || i), output the first L bytes of T(1) || T(2) || ...
     */
    async expand(prk, info, length) {
      if (!Number.isInteger(length) || length < 0 || length > 255 * nh) {
        throw new RangeError(`HKDF-Expand length ${length} out of range (at most 255 × ${nh})`);
      }
      const out = new Uint8Array(length);
      if (length === 0) return out;
      const key = await hmac.key(prk);
      // Room for T(i-1) || info || counter; T(0) is empty.
      const input = new Uint8Array(nh + info.length + 1);
      let previous = 0;
      try {
        for (let i = 1, at = 0; at < length; i++, at += nh) {
          input.set(info, previous);
          input[previous + info.length] = i;
          const t = await hmac.sign(key, input.subarray(0, previous + info.length + 1));
          out.set(length - at < nh ? t.subarray(0, length - at) : t, at);
          input.set(t, 0);
          previous = nh;
          t.fill(0);
        }
      } finally {
        input.fill(0);
      }
      return out;
    },
  };
}
