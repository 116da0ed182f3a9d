/** The noble primitive source and crypto provider. */
import type { CryptoProvider } from "@mlskit/core";
import { createCryptoProvider, type CryptoProviderOptions, type PrimitiveSource } from "@mlskit/hpke";
import { randomBytes } from "@noble/hashes/utils.js";
import { nobleAeads } from "./aead.js";
import { nobleDhGroups } from "./dh.js";
import { nobleHashes } from "./hash.js";
import { nobleKdfs } from "./kdf.js";
import { nobleMlDsa, noblePqKems } from "./pq.js";
import { nobleSignatures } from "./signature.js";

let primitives: PrimitiveSource | undefined;

/**
 * Every primitive the seven MLS cipher suites need, in pure JavaScript:
 * SHA-256/384/512 with HMAC, HKDF-SHA256/384/512, AES-128-GCM, AES-256-GCM,
 * ChaCha20-Poly1305, DH over X25519, X448, P-256, P-384, P-521, and Ed25519,
 * Ed448, ECDSA P-256/SHA-256, P-384/SHA-384, P-521/SHA-512. Randomness comes
 * from `crypto.getRandomValues`.
 */
export function noblePrimitives(): PrimitiveSource {
  primitives ??= Object.freeze({
    name: "noble",
    hash: (name) => nobleHashes[name],
    kdf: (id) => nobleKdfs.get(id),
    aead: (id) => nobleAeads.get(id),
    dh: (kemId) => nobleDhGroups.get(kemId),
    kem: (kemId) => noblePqKems.get(kemId),
    signature: (scheme) => nobleSignatures.get(scheme) ?? nobleMlDsa.get(scheme),
    randomBytes: (length) => randomBytes(length),
  } satisfies PrimitiveSource);
  return primitives;
}

/**
 * The pure-JavaScript {@link CryptoProvider} (`name` "noble"): all seven
 * RFC 9420 cipher suites, in every runtime.
 */
export function nobleCryptoProvider(options: CryptoProviderOptions = {}): CryptoProvider {
  return createCryptoProvider("noble", noblePrimitives(), options);
}
