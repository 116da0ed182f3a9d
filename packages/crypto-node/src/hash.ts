/**
 * SHA-2, HMAC (FIPS 180-4, RFC 2104) and HKDF (RFC 5869) on node:crypto,
 * synchronous: `createHash`, `createHmac`. Each async method is its sync
 * twin in a settled promise, so the protocol's `hashSync`/`kdfExpandSync`
 * paths apply.
 */
import * as nodeCrypto from "node:crypto";
import { createHash, createHmac } from "node:crypto";
import { HpkeKdfId } from "@mlskit/core";
import type { HashPrimitive, Kdf } from "@mlskit/hpke";
import { u8 } from "./keys.js";

type HashName = HashPrimitive["name"];
const NODE_NAME: Readonly<Record<HashName, string>> = { "SHA-256": "sha256", "SHA-384": "sha384", "SHA-512": "sha512" };
const LENGTH: Readonly<Record<HashName, number>> = { "SHA-256": 32, "SHA-384": 48, "SHA-512": 64 };

/** `crypto.hash` (Node 20.12, 21.7): one-shot, about half the cost of a `Hash` object for the short inputs of tree hashing. */
const oneShot = (nodeCrypto as { hash?: (algorithm: string, data: Uint8Array, outputEncoding: "buffer") => Buffer }).hash;

function digest(name: HashName, data: Uint8Array): Uint8Array {
  if (oneShot !== undefined) return u8(oneShot(NODE_NAME[name], data, "buffer"));
  return u8(createHash(NODE_NAME[name]).update(data).digest());
}

function hmac(name: HashName, key: Uint8Array, data: Uint8Array): Uint8Array {
  return u8(createHmac(NODE_NAME[name], key).update(data).digest());
}

function hashPrimitive(name: HashName): HashPrimitive {
  return Object.freeze({
    name,
    outputLength: LENGTH[name],
    digest: (data: Uint8Array): Promise<Uint8Array> => {
      try {
        return Promise.resolve(digest(name, data));
      } catch (e) {
        return Promise.reject(e);
      }
    },
    digestSync: (data: Uint8Array): Uint8Array => digest(name, data),
    hmac: (key: Uint8Array, data: Uint8Array): Promise<Uint8Array> => {
      try {
        return Promise.resolve(hmac(name, key, data));
      } catch (e) {
        return Promise.reject(e);
      }
    },
  });
}

/** SHA-256, SHA-384 and SHA-512 with HMAC, by name. */
export const nodeHashes: Readonly<Record<HashName, HashPrimitive>> = {
  "SHA-256": hashPrimitive("SHA-256"),
  "SHA-384": hashPrimitive("SHA-384"),
  "SHA-512": hashPrimitive("SHA-512"),
};

/**
 * HKDF-Expand (RFC 5869 §2.3) with HMAC calls of its own: `hkdfSync` only
 * does Extract-then-Expand. Any PRK length is taken (HMAC takes any key), as
 * the other providers do.
 */
function hkdfExpand(name: HashName, prk: Uint8Array, info: Uint8Array, length: number): Uint8Array {
  const olen = LENGTH[name];
  if (!Number.isInteger(length) || length < 0 || length > 255 * olen) throw new RangeError("HKDF-Expand: length must be <= 255*HashLen");
  const alg = NODE_NAME[name];
  const counter = new Uint8Array(1);
  if (length <= olen) {
    // One block, the common case (MLS secrets are Nh bytes, keys and nonces shorter).
    counter[0] = 1;
    const t = createHmac(alg, prk).update(info).update(counter).digest();
    const out = length === olen ? u8(t) : u8(t).slice(0, length);
    if (length !== olen) t.fill(0);
    return out;
  }
  const out = new Uint8Array(length);
  let t: Buffer | undefined;
  for (let i = 1, at = 0; at < length; i++) {
    const h = createHmac(alg, prk);
    if (t !== undefined) h.update(t);
    counter[0] = i;
    const next = h.update(info).update(counter).digest();
    t?.fill(0);
    t = next;
    out.set(t.subarray(0, Math.min(olen, length - at)), at);
    at += olen;
  }
  t?.fill(0);
  return out;
}

function hkdf(id: number, name: HashName): Kdf {
  const expandSync = (prk: Uint8Array, info: Uint8Array, length: number): Uint8Array => hkdfExpand(name, prk, info, length);
  return Object.freeze({
    id,
    hashLength: LENGTH[name],
    // HKDF-Extract(salt, IKM) = HMAC-Hash(salt, IKM) (RFC 5869 §2.2); an empty salt is HashLen zeros, which HMAC pads to anyway.
    extract: (salt: Uint8Array, ikm: Uint8Array): Promise<Uint8Array> => {
      try {
        return Promise.resolve(hmac(name, salt, ikm));
      } catch (e) {
        return Promise.reject(e);
      }
    },
    expand: (prk: Uint8Array, info: Uint8Array, length: number): Promise<Uint8Array> => {
      try {
        return Promise.resolve(expandSync(prk, info, length));
      } catch (e) {
        return Promise.reject(e);
      }
    },
    expandSync,
  });
}

/** HKDF-SHA256, HKDF-SHA384, HKDF-SHA512 by RFC 9180 KDF id. */
export const nodeKdfs: ReadonlyMap<number, Kdf> = new Map([
  [HpkeKdfId.HKDF_SHA256, hkdf(HpkeKdfId.HKDF_SHA256, "SHA-256")],
  [HpkeKdfId.HKDF_SHA384, hkdf(HpkeKdfId.HKDF_SHA384, "SHA-384")],
  [HpkeKdfId.HKDF_SHA512, hkdf(HpkeKdfId.HKDF_SHA512, "SHA-512")],
]);
