/**
 * `@mlskit/crypto-node`: a Node-only MLS crypto provider on node:crypto's
 * synchronous one-shot APIs (OpenSSL), serving the seven cipher suites of
 * RFC 9420 §17.1 with the canonical key encodings of `@mlskit/core` (keys
 * and states interchange with `@mlskit/crypto-noble` and
 * `@mlskit/crypto-webcrypto`). Each primitive runs without an await on the
 * thread pool; keys are imported into `KeyObject`s once and cached.
 *
 * `@mlskit/mls` picks it by default on Node (its `#default-crypto` import
 * has a `node` condition); to choose it explicitly:
 *
 * ```ts
 * const client = await Client.create({ identity: "alice", crypto: nodeCryptoProvider() });
 * ```
 * @packageDocumentation
 */
export { nodeCryptoProvider, nodePrimitives, type NodeCryptoOptions, type NodePrimitiveSource } from "./provider.js";
export type { PrimitiveSource } from "@mlskit/hpke";
