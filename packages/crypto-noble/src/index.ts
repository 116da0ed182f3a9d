/**
 * `@mlskit/crypto-noble`: a pure-JavaScript MLS crypto provider on
 * `@noble/curves`, `@noble/hashes` and `@noble/ciphers`, serving all seven
 * cipher suites of RFC 9420 §17.1 in any JavaScript runtime.
 *
 * ```ts
 * const cs = await nobleCryptoProvider().cipherSuite(CipherSuite.MLS_128_DHKEMX25519_AES128GCM_SHA256_Ed25519);
 * ```
 *
 * `noblePrimitives()` exposes the underlying {@link PrimitiveSource}, for
 * composing with another source (the WebCrypto provider fills its gaps from it).
 * @packageDocumentation
 */
export { noblePrimitives, nobleCryptoProvider } from "./provider.js";
export type { PrimitiveSource } from "@mlskit/hpke";
export { HPKE_ERROR_CODES, type HpkeErrorCode } from "@mlskit/hpke";
