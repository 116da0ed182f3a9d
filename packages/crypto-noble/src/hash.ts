/** SHA-2 and HMAC (FIPS 180-4, RFC 2104) on @noble/hashes. */
import { hmac } from "@noble/hashes/hmac.js";
import { sha256, sha384, sha512 } from "@noble/hashes/sha2.js";
import type { CHash } from "@noble/hashes/utils.js";
import type { HashPrimitive } from "@mlskit/hpke";

/** The noble hash function for a suite hash name. */
export const NOBLE_HASHES: Readonly<Record<HashPrimitive["name"], CHash>> = {
  "SHA-256": sha256,
  "SHA-384": sha384,
  "SHA-512": sha512,
};

function hashPrimitive(name: HashPrimitive["name"]): HashPrimitive {
  const h = NOBLE_HASHES[name];
  return Object.freeze({
    name,
    outputLength: h.outputLen,
    digest: async (data: Uint8Array): Promise<Uint8Array> => h(data),
    digestSync: (data: Uint8Array): Uint8Array => h(data),
    hmac: async (key: Uint8Array, data: Uint8Array): Promise<Uint8Array> => hmac(h, key, data),
  });
}

/** SHA-256, SHA-384 and SHA-512 with HMAC, by name. */
export const nobleHashes: Readonly<Record<HashPrimitive["name"], HashPrimitive>> = {
  "SHA-256": hashPrimitive("SHA-256"),
  "SHA-384": hashPrimitive("SHA-384"),
  "SHA-512": hashPrimitive("SHA-512"),
};
