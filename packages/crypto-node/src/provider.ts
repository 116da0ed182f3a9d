/** The node:crypto primitive source and crypto provider. */
import { randomFillSync } from "node:crypto";
import type { CryptoProvider } from "@mlskit/core";
import { createCryptoProvider, type PrimitiveSource } from "@mlskit/hpke";
import { nodeAeads } from "./aead.js";
import { DH_TAGS, nodeDhGroups } from "./dh.js";
import { nodeHashes, nodeKdfs } from "./hash.js";
import { KeyCache } from "./keys.js";
import { sealInWorker } from "./seal-pool.js";
import { SIGNATURE_TAGS, nodeSignatures } from "./signature.js";

/** Options of {@link nodeCryptoProvider} and {@link nodePrimitives}. */
export interface NodeCryptoOptions {
  /**
   * Imported keys kept per kind (public; private), least recently used
   * dropped first (default 4096). A group of N members uses about N public
   * keys of each kind over its life; a larger cache spares re-imports in
   * large groups, a smaller one memory.
   */
  readonly keyCacheSize?: number;
  /**
   * A source for what node:crypto does not offer here (the draft
   * post-quantum KEMs and ML-DSA: `noblePrimitives()` of
   * `@mlskit/crypto-noble`). Everything node:crypto has is taken from it;
   * the provider is then named `node+<fallbackName>`.
   */
  readonly fallback?: PrimitiveSource;
  /** Name of the fallback in the provider's name (default: the fallback source's `name`). */
  readonly fallbackName?: string;
}

/** A {@link PrimitiveSource} with the key cache it imports into (for `forgetPrivateKey`). */
export interface NodePrimitiveSource extends PrimitiveSource {
  /** Drops the cached `KeyObject`s of a private key (HPKE or signature) and wipes the cache's copy of its bytes. */
  forgetPrivateKey(privateKey: Uint8Array): void;
  /** Entries of the key cache, for tests and reports. */
  readonly keyCacheSizes: { publicKeys: number; privateKeys: number };
}

function randomBytes(length: number): Uint8Array {
  return randomFillSync(new Uint8Array(length));
}

/**
 * Every primitive the seven MLS cipher suites need, on node:crypto (OpenSSL)
 * and synchronous: SHA-256/384/512 with HMAC, HKDF-SHA256/384/512,
 * AES-128-GCM, AES-256-GCM, ChaCha20-Poly1305, DH over X25519, X448, P-256,
 * P-384, P-521, and Ed25519, Ed448, ECDSA P-256/SHA-256, P-384/SHA-384,
 * P-521/SHA-512. Each call makes a source with its own key cache.
 */
export function nodePrimitives(options: NodeCryptoOptions = {}): NodePrimitiveSource {
  const keys = new KeyCache(options.keyCacheSize ?? 4096);
  const dh = nodeDhGroups(keys);
  const signatures = nodeSignatures(keys);
  const own = {
    hash: (name: Parameters<PrimitiveSource["hash"]>[0]) => nodeHashes[name],
    kdf: (id: number) => nodeKdfs.get(id),
    aead: (id: number) => nodeAeads.get(id),
    dh: (kemId: number) => dh.get(kemId),
    signature: (scheme: number) => signatures.get(scheme),
  };
  const fallback = options.fallback as (PrimitiveSource & Record<string, unknown>) | undefined;
  // Every lookup of the fallback (whatever lookups its PrimitiveSource has, the optional ones included) after node:crypto's own.
  const lookups: Record<string, (arg: never) => unknown> = {};
  for (const key of new Set([...Object.keys(own), ...Object.keys(fallback ?? {})])) {
    if (key === "name" || key === "randomBytes") continue;
    const mine = (own as Record<string, ((arg: never) => unknown) | undefined>)[key];
    const theirs = fallback?.[key];
    if (typeof theirs !== "function") {
      if (mine !== undefined) lookups[key] = mine;
      continue;
    }
    lookups[key] = (arg: never) => mine?.(arg) ?? (theirs as (arg: never) => unknown).call(fallback, arg);
  }
  const name = fallback === undefined ? "node" : `node+${options.fallbackName ?? fallback.name}`;
  return Object.freeze({
    ...lookups,
    name,
    randomBytes,
    // The seven suites' HPKE on a worker too (the fallback's KEMs are not there: those batches are refused and sealed here).
    hpkeSealBatch: (suite: Parameters<typeof sealInWorker>[0], items: Parameters<typeof sealInWorker>[1]) =>
      own.dh(suite.kem) !== undefined ? sealInWorker(suite, items) : Promise.reject(new Error(`no ${suite.name} on the seal worker`)),
    forgetPrivateKey: (privateKey: Uint8Array): void => keys.forget(privateKey, [...DH_TAGS, ...SIGNATURE_TAGS]),
    get keyCacheSizes() {
      return keys.sizes;
    },
  }) as unknown as NodePrimitiveSource;
}

/**
 * The node:crypto {@link CryptoProvider} (`name` "node", or "node+noble"
 * with a fallback): the seven RFC 9420 cipher suites, synchronous under
 * settled promises, with `hashSync` and `kdfExpandSync`. Node only.
 * `forgetPrivateKey` drops a spent key's cached `KeyObject`s.
 */
export function nodeCryptoProvider(options: NodeCryptoOptions = {}): CryptoProvider {
  const source = nodePrimitives(options);
  const base = createCryptoProvider(source.name, source);
  return {
    name: base.name,
    supportedCipherSuites: () => base.supportedCipherSuites(),
    cipherSuite: (id) => base.cipherSuite(id),
    forgetPrivateKey(privateKey: Uint8Array): Promise<void> {
      source.forgetPrivateKey(privateKey);
      return Promise.resolve();
    },
  };
}
