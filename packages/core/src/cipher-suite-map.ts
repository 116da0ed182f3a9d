/**
 * The cipher-suite code-point map: which algorithm set a suite id on the wire
 * stands for. RFC 9420 §17.1 fixes 0x0001-0x0007; the post-quantum suites of
 * draft-ietf-mls-pq-ciphersuites-06 have no code points yet ("TBD1".."TBD11"),
 * and the implementations that ship them use numbers of their own for the
 * same algorithms (ts-mls 2.0: 0xF007-0xF012; Wire's pending work
 * 0xF001-0xF00B; OpenMLS 0.9 0x004D for X-Wing). An application that talks
 * to one of them configures the map its peers use, and a crypto provider
 * built with it (`nobleCryptoProvider({ cipherSuites })`,
 * `webCryptoProvider({ cipherSuites })`, `createCryptoProvider(name, source,
 * { cipherSuites })`) serves exactly those ids.
 *
 * The default ({@link DEFAULT_CIPHER_SUITE_MAP}): the seven RFC 9420 suites
 * and the eleven draft-06 suites at provisional private-use code points
 * 0xF101-0xF10B (TBDn → 0xF100 + n), chosen because neither ts-mls's nor
 * Wire's numbers overlap them. They move to the IANA values once assigned.
 */
import { CIPHER_SUITES, HpkeAeadId, HpkeKdfId, HpkeKemId, SignatureScheme, type CipherSuiteDescription, type CipherSuiteId } from "./ids.js";

/** A suite's algorithms without its wire id. */
export type CipherSuiteAlgorithms = Omit<CipherSuiteDescription, "id">;

/** Wire id → algorithm set. */
export type CipherSuiteMap = ReadonlyMap<CipherSuiteId, CipherSuiteDescription>;

const K = HpkeKemId;
const F = HpkeKdfId;
const A = HpkeAeadId;
const S = SignatureScheme;

type Row = readonly [name: string, kem: number, kdf: number, aead: number, hash: CipherSuiteDescription["hash"], signature: CipherSuiteDescription["signature"]];
const algorithms = (rows: readonly Row[], kemDeriveKeyPair?: CipherSuiteDescription["kemDeriveKeyPair"]): CipherSuiteAlgorithms[] =>
  rows.map(([name, kem, kdf, aead, hash, signature]) => ({ name, kem, kdf, aead, hash, signature, ...(kemDeriveKeyPair ? { kemDeriveKeyPair } : {}) }));

/**
 * The eleven suites of draft-ietf-mls-pq-ciphersuites-06 (Table 2), in the
 * draft's order (TBD1..TBD11). HPKE with these KEMs follows
 * draft-ietf-hpke-pq-05 (DeriveKeyPair by SHAKE256.LabeledDerive).
 */
export const PQ_DRAFT_SUITES: readonly CipherSuiteAlgorithms[] = algorithms([
  ["MLS_128_MLKEM768X25519_AES128GCM_SHA256_Ed25519", K.MLKEM768_X25519, F.HKDF_SHA256, A.AES_128_GCM, "SHA-256", S.ed25519],
  ["MLS_128_MLKEM768X25519_AES256GCM_SHA384_Ed25519", K.MLKEM768_X25519, F.HKDF_SHA384, A.AES_256_GCM, "SHA-384", S.ed25519],
  ["MLS_128_MLKEM768P256_AES128GCM_SHA256_P256", K.MLKEM768_P256, F.HKDF_SHA256, A.AES_128_GCM, "SHA-256", S.ecdsa_secp256r1_sha256],
  ["MLS_128_MLKEM768P256_AES256GCM_SHA384_P256", K.MLKEM768_P256, F.HKDF_SHA384, A.AES_256_GCM, "SHA-384", S.ecdsa_secp256r1_sha256],
  ["MLS_192_MLKEM1024P384_AES256GCM_SHA384_P384", K.MLKEM1024_P384, F.HKDF_SHA384, A.AES_256_GCM, "SHA-384", S.ecdsa_secp384r1_sha384],
  ["MLS_128_MLKEM768_AES256GCM_SHA384_Ed25519", K.ML_KEM_768, F.HKDF_SHA384, A.AES_256_GCM, "SHA-384", S.ed25519],
  ["MLS_128_MLKEM768_AES256GCM_SHA384_P256", K.ML_KEM_768, F.HKDF_SHA384, A.AES_256_GCM, "SHA-384", S.ecdsa_secp256r1_sha256],
  ["MLS_192_MLKEM1024_AES256GCM_SHA384_P384", K.ML_KEM_1024, F.HKDF_SHA384, A.AES_256_GCM, "SHA-384", S.ecdsa_secp384r1_sha384],
  ["MLS_128_MLKEM768X25519_CHACHA20POLY1305_SHA384_MLDSA44", K.MLKEM768_X25519, F.HKDF_SHA384, A.CHACHA20_POLY1305, "SHA-384", S.mldsa44],
  ["MLS_192_MLKEM768_AES256GCM_SHA384_MLDSA65", K.ML_KEM_768, F.HKDF_SHA384, A.AES_256_GCM, "SHA-384", S.mldsa65],
  ["MLS_256_MLKEM1024_AES256GCM_SHA384_MLDSA87", K.ML_KEM_1024, F.HKDF_SHA384, A.AES_256_GCM, "SHA-384", S.mldsa87],
]);

/**
 * ts-mls 2.0's twelve private-range suites, in its order (0xF007..0xF012),
 * as its source defines them: HKDF-SHA512 throughout (so TreeKEM node
 * secrets are the 64-byte ML-KEM seeds its `@hpke/ml-kem` expects), hashes as
 * listed, and, unlike their names, AES-256-GCM for the "AES128GCM" ML-KEM-512
 * suite. HPKE DeriveKeyPair is the `"seed"` convention.
 */
export const TS_MLS_SUITES: readonly CipherSuiteAlgorithms[] = algorithms(
  [
    ["MLS_128_MLKEM512_AES128GCM_SHA256_Ed25519", K.ML_KEM_512, F.HKDF_SHA512, A.AES_256_GCM, "SHA-256", S.ed25519],
    ["MLS_128_MLKEM512_CHACHA20POLY1305_SHA256_Ed25519", K.ML_KEM_512, F.HKDF_SHA512, A.CHACHA20_POLY1305, "SHA-256", S.ed25519],
    ["MLS_256_MLKEM768_AES256GCM_SHA384_Ed25519", K.ML_KEM_768, F.HKDF_SHA512, A.AES_256_GCM, "SHA-384", S.ed25519],
    ["MLS_256_MLKEM768_CHACHA20POLY1305_SHA384_Ed25519", K.ML_KEM_768, F.HKDF_SHA512, A.CHACHA20_POLY1305, "SHA-384", S.ed25519],
    ["MLS_256_MLKEM1024_AES256GCM_SHA512_Ed25519", K.ML_KEM_1024, F.HKDF_SHA512, A.AES_256_GCM, "SHA-512", S.ed25519],
    ["MLS_256_MLKEM1024_CHACHA20POLY1305_SHA512_Ed25519", K.ML_KEM_1024, F.HKDF_SHA512, A.CHACHA20_POLY1305, "SHA-512", S.ed25519],
    ["MLS_256_XWING_AES256GCM_SHA512_Ed25519", K.MLKEM768_X25519, F.HKDF_SHA512, A.AES_256_GCM, "SHA-512", S.ed25519],
    ["MLS_256_XWING_CHACHA20POLY1305_SHA512_Ed25519", K.MLKEM768_X25519, F.HKDF_SHA512, A.CHACHA20_POLY1305, "SHA-512", S.ed25519],
    ["MLS_256_MLKEM1024_AES256GCM_SHA512_MLDSA87", K.ML_KEM_1024, F.HKDF_SHA512, A.AES_256_GCM, "SHA-512", S.mldsa87],
    ["MLS_256_MLKEM1024_CHACHA20POLY1305_SHA512_MLDSA87", K.ML_KEM_1024, F.HKDF_SHA512, A.CHACHA20_POLY1305, "SHA-512", S.mldsa87],
    ["MLS_256_XWING_AES256GCM_SHA512_MLDSA87", K.MLKEM768_X25519, F.HKDF_SHA512, A.AES_256_GCM, "SHA-512", S.mldsa87],
    ["MLS_256_XWING_CHACHA20POLY1305_SHA512_MLDSA87", K.MLKEM768_X25519, F.HKDF_SHA512, A.CHACHA20_POLY1305, "SHA-512", S.mldsa87],
  ],
  "seed",
);

/**
 * A map from `[wireId, algorithms]` pairs. Throws `TypeError` for an id
 * outside 0x0001-0xFFFF or given twice.
 */
export function cipherSuiteMap(entries: Iterable<readonly [CipherSuiteId, CipherSuiteAlgorithms]>): CipherSuiteMap {
  const map = new Map<CipherSuiteId, CipherSuiteDescription>();
  for (const [id, a] of entries) {
    if (!Number.isInteger(id) || id < 1 || id > 0xffff) throw new TypeError(`cipher suite id ${id} is not a uint16 above 0`);
    if (map.has(id)) throw new TypeError(`cipher suite id 0x${id.toString(16).padStart(4, "0")} given twice`);
    map.set(id, Object.freeze({ ...a, id }));
  }
  return map;
}

/** Code points `first`, `first + 1`, ... for `suites`. */
export function consecutiveCodePoints(first: CipherSuiteId, suites: readonly CipherSuiteAlgorithms[]): [CipherSuiteId, CipherSuiteAlgorithms][] {
  return suites.map((s, i) => [first + i, s]);
}

const RFC9420: [CipherSuiteId, CipherSuiteAlgorithms][] = [...CIPHER_SUITES.values()].map(({ id, ...a }) => [id, a]);

/** The provisional code points of the draft suites: TBDn → 0xF100 + n. */
export const PQ_DRAFT_PROVISIONAL_FIRST = 0xf101;

/** RFC 9420's seven suites and the draft-06 suites at 0xF101-0xF10B (see the module doc). */
export const DEFAULT_CIPHER_SUITE_MAP: CipherSuiteMap = cipherSuiteMap([...RFC9420, ...consecutiveCodePoints(PQ_DRAFT_PROVISIONAL_FIRST, PQ_DRAFT_SUITES)]);

/** ts-mls 2.0's numbering: RFC 9420's seven and its twelve suites at 0xF007-0xF012. */
export const TS_MLS_CIPHER_SUITE_MAP: CipherSuiteMap = cipherSuiteMap([...RFC9420, ...consecutiveCodePoints(0xf007, TS_MLS_SUITES)]);
