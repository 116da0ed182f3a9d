/** HKDF (RFC 5869) over SHA-2 on @noble/hashes, as HPKE KDFs (RFC 9180 §7.2). */
import { HpkeKdfId } from "@mlskit/core";
import type { Kdf } from "@mlskit/hpke";
import { expand, extract } from "@noble/hashes/hkdf.js";
import { hmac } from "@noble/hashes/hmac.js";
import type { CHash } from "@noble/hashes/utils.js";
import { NOBLE_HASHES } from "./hash.js";

/**
 * HKDF-Expand for a PRK shorter than HashLen. RFC 5869 §2.3 asks for at least
 * HashLen bytes and noble enforces it; HMAC itself takes any key, and other
 * stacks (WebCrypto) accept short PRKs, so the same bytes come out here.
 */
function expandShortPrk(hash: CHash, prk: Uint8Array, info: Uint8Array, length: number): Uint8Array {
  const olen = hash.outputLen;
  if (length > 255 * olen) throw new RangeError("HKDF-Expand: length must be <= 255*HashLen");
  const out = new Uint8Array(length);
  let t = new Uint8Array(0);
  for (let i = 0, at = 0; at < length; i++) {
    const input = new Uint8Array(t.length + info.length + 1);
    input.set(t);
    input.set(info, t.length);
    input[input.length - 1] = i + 1;
    const next = hmac(hash, prk, input);
    t.fill(0);
    t = next;
    out.set(t.subarray(0, Math.min(olen, length - at)), at);
    at += olen;
  }
  t.fill(0);
  return out;
}

function hkdf(id: number, hash: CHash): Kdf {
  const olen = hash.outputLen;
  const expandSync = (prk: Uint8Array, info: Uint8Array, length: number): Uint8Array =>
    prk.length >= olen ? expand(hash, prk, info, length) : expandShortPrk(hash, prk, info, length);
  return Object.freeze({
    id,
    hashLength: olen,
    // HKDF-Extract(salt, IKM) = HMAC-Hash(salt, IKM) (RFC 5869 §2.2); an empty salt acts as HashLen zeros.
    extract: async (salt: Uint8Array, ikm: Uint8Array): Promise<Uint8Array> => extract(hash, ikm, salt),
    expand: async (prk: Uint8Array, info: Uint8Array, length: number): Promise<Uint8Array> => expandSync(prk, info, length),
    expandSync,
  });
}

/** HKDF-SHA256, HKDF-SHA384, HKDF-SHA512 by RFC 9180 KDF id. */
export const nobleKdfs: ReadonlyMap<number, Kdf> = new Map([
  [HpkeKdfId.HKDF_SHA256, hkdf(HpkeKdfId.HKDF_SHA256, NOBLE_HASHES["SHA-256"])],
  [HpkeKdfId.HKDF_SHA384, hkdf(HpkeKdfId.HKDF_SHA384, NOBLE_HASHES["SHA-384"])],
  [HpkeKdfId.HKDF_SHA512, hkdf(HpkeKdfId.HKDF_SHA512, NOBLE_HASHES["SHA-512"])],
]);
